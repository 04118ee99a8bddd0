/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands of the object model (qapi/qom.json): qom-list, qom-get,
 * qom-set, qom-list-types, qom-list-properties, object-add, object-del.
 * The generated marshallers have checked the arguments.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

static Object *resolve(const char *path, Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (ambiguous) {
        error_setg(errp, "Path '%s' is ambiguous", path);
        return NULL;
    }
    if (!obj) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", path);
    }
    return obj;
}

GPtrArray *qmp_qom_list(const char *path, Error **errp)
{
    Object *obj = resolve(path, errp);
    GPtrArray *infos;

    if (!obj) {
        return NULL;
    }
    infos = object_property_list(obj);
    /* qom-list answers names and types only, as QEMU's does. */
    for (guint i = 0; i < infos->len; i++) {
        ObjectPropertyInfo *info = g_ptr_array_index(infos, i);

        g_clear_pointer(&info->description, g_free);
        g_clear_pointer(&info->default_value, g_free);
    }
    return infos;
}

JsonNode *qmp_qom_get(const char *path, const char *property, Error **errp)
{
    Object *obj = resolve(path, errp);

    return obj ? object_property_get_json(obj, property, errp) : NULL;
}

void qmp_qom_set(const char *path, const char *property, JsonNode *value,
                 Error **errp)
{
    Object *obj = resolve(path, errp);

    if (obj) {
        object_property_set_json(obj, property, value, false, errp);
    }
}

GPtrArray *qmp_qom_list_types(const char *implements, bool has_abstract,
                              bool abstract, Error **errp)
{
    GSList *list = object_class_get_list_sorted(implements,
                                                has_abstract && abstract);
    GPtrArray *infos = qapi_ObjectTypeInfoList_new();

    for (GSList *l = list; l; l = l->next) {
        ObjectClass *klass = l->data;
        ObjectClass *parent = object_class_get_parent(klass);
        ObjectTypeInfo *info = g_new0(ObjectTypeInfo, 1);

        info->name = g_strdup(object_class_get_name(klass));
        if (object_class_is_abstract(klass)) {
            info->has_abstract = true;
            info->abstract = true;
        }
        if (parent) {
            info->parent = g_strdup(object_class_get_name(parent));
        }
        g_ptr_array_add(infos, info);
    }
    g_slist_free(list);
    return infos;
}

GPtrArray *qmp_qom_list_properties(const char *typename, Error **errp)
{
    if (!object_class_by_name(typename)) {
        error_setg(errp, "Class '%s' not found", typename);
        return NULL;
    }
    return object_class_property_list(typename, true, errp);
}

/* "gen": false: the members besides qom-type and id are the type's. */
JsonNode *qmp_object_add(JsonObject *args, Error **errp)
{
    user_creatable_add_from_json(args, false, errp);
    return NULL;
}

void qmp_object_del(const char *id, Error **errp)
{
    user_creatable_del(id, errp);
}
