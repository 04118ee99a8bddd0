/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP commands of the object model: qom-list, qom-get, qom-set,
 * qom-list-types, qom-list-properties, object-add, object-del
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "qom/qom-json.h"
#include "qom/qom-qmp-cmds.h"

/* A node owning array (json_node_init_array() would add a reference). */
static JsonNode *array_node(JsonArray *array)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, array);
    return node;
}

static bool check_known(JsonObject *args, const char *const *allowed,
                        Error **errp)
{
    JsonObjectIter iter;
    const char *key;
    JsonNode *value;

    json_object_iter_init_ordered(&iter, args);
    while (json_object_iter_next_ordered(&iter, &key, &value)) {
        if (!g_strv_contains(allowed, key)) {
            error_setg(errp, "Parameter '%s' is unexpected", key);
            return false;
        }
    }
    return true;
}

static bool arg_str(JsonObject *args, const char *name, const char **value,
                    Error **errp)
{
    JsonNode *node = json_object_get_member(args, name);

    if (!node) {
        error_setg(errp, "Parameter '%s' is missing", name);
        return false;
    }
    return qom_json_to_str(node, name, false, value, errp);
}

static bool arg_opt_str(JsonObject *args, const char *name,
                        const char **value, Error **errp)
{
    JsonNode *node = json_object_get_member(args, name);

    return !node || qom_json_to_str(node, name, false, value, errp);
}

static bool arg_opt_bool(JsonObject *args, const char *name, bool *value,
                         Error **errp)
{
    JsonNode *node = json_object_get_member(args, name);

    return !node || qom_json_to_bool(node, name, false, value, errp);
}

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

JsonNode *qom_property_info_list_to_json(GPtrArray *infos, bool full)
{
    JsonArray *array = json_array_new();

    for (guint i = 0; i < infos->len; i++) {
        ObjectPropertyInfo *info = g_ptr_array_index(infos, i);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", info->name);
        json_object_set_string_member(o, "type", info->type);
        if (full && info->description) {
            json_object_set_string_member(o, "description",
                                          info->description);
        }
        if (full && info->default_value) {
            json_object_set_string_member(o, "default-value",
                                          info->default_value);
        }
        json_array_add_object_element(array, o);
    }
    return array_node(array);
}

JsonNode *qmp_qom_list(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "path", NULL };
    g_autoptr(GPtrArray) infos = NULL;
    const char *path;
    Object *obj;

    if (!check_known(args, known, errp) ||
        !arg_str(args, "path", &path, errp) ||
        !(obj = resolve(path, errp))) {
        return NULL;
    }
    infos = object_property_list(obj);
    return qom_property_info_list_to_json(infos, false);
}

JsonNode *qmp_qom_get(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "path", "property", NULL };
    const char *path, *property;
    Object *obj;

    if (!check_known(args, known, errp) ||
        !arg_str(args, "path", &path, errp) ||
        !arg_str(args, "property", &property, errp) ||
        !(obj = resolve(path, errp))) {
        return NULL;
    }
    return object_property_get_json(obj, property, errp);
}

JsonNode *qmp_qom_set(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "path", "property", "value", NULL };
    const char *path, *property;
    JsonNode *value;
    Object *obj;

    if (!check_known(args, known, errp) ||
        !arg_str(args, "path", &path, errp) ||
        !arg_str(args, "property", &property, errp)) {
        return NULL;
    }
    value = json_object_get_member(args, "value");
    if (!value) {
        error_setg(errp, "Parameter 'value' is missing");
        return NULL;
    }
    if (!(obj = resolve(path, errp))) {
        return NULL;
    }
    object_property_set_json(obj, property, value, false, errp);
    return NULL;
}

JsonNode *qmp_qom_list_types(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "implements", "abstract", NULL };
    const char *implements = NULL;
    bool abstract = false;
    GSList *list;
    JsonArray *array;

    if (!check_known(args, known, errp) ||
        !arg_opt_str(args, "implements", &implements, errp) ||
        !arg_opt_bool(args, "abstract", &abstract, errp)) {
        return NULL;
    }
    list = object_class_get_list_sorted(implements, abstract);
    array = json_array_new();
    for (GSList *l = list; l; l = l->next) {
        ObjectClass *klass = l->data;
        ObjectClass *parent = object_class_get_parent(klass);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name",
                                      object_class_get_name(klass));
        if (object_class_is_abstract(klass)) {
            json_object_set_boolean_member(o, "abstract", true);
        }
        if (parent) {
            json_object_set_string_member(o, "parent",
                                          object_class_get_name(parent));
        }
        json_array_add_object_element(array, o);
    }
    g_slist_free(list);
    return array_node(array);
}

JsonNode *qmp_qom_list_properties(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "typename", NULL };
    g_autoptr(GPtrArray) infos = NULL;
    const char *typename;

    if (!check_known(args, known, errp) ||
        !arg_str(args, "typename", &typename, errp)) {
        return NULL;
    }
    if (!object_class_by_name(typename)) {
        error_setg(errp, "Class '%s' not found", typename);
        return NULL;
    }
    infos = object_class_property_list(typename, true, errp);
    return qom_property_info_list_to_json(infos, true);
}

JsonNode *qmp_object_add(JsonObject *args, Error **errp)
{
    user_creatable_add_from_json(args, false, errp);
    return NULL;
}

JsonNode *qmp_object_del(JsonObject *args, Error **errp)
{
    static const char *const known[] = { "id", NULL };
    const char *id;

    if (check_known(args, known, errp) && arg_str(args, "id", &id, errp)) {
        user_creatable_del(id, errp);
    }
    return NULL;
}
