/*
 * QOM and device QMP commands: qom-list/get/set, qom-list-types,
 * qom-list-properties, device-list-properties, object-add/del.
 * (device_add, device_del and DEVICE_DELETED live in hw/core/qdev-qmp.c.)
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

static Object *resolve_path(const char *path, Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        if (ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
    }
    return obj;
}

static JsonArray *property_infos_to_json(GPtrArray *infos)
{
    JsonArray *arr = json_array_new();

    for (guint i = 0; i < infos->len; i++) {
        ObjectPropertyInfo *info = g_ptr_array_index(infos, i);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", info->name);
        json_object_set_string_member(o, "type", info->type);
        if (info->description) {
            json_object_set_string_member(o, "description",
                                          info->description);
        }
        if (info->default_value) {
            json_object_set_string_member(o, "default-value",
                                          info->default_value);
        }
        json_array_add_object_element(arr, o);
    }
    return arr;
}

static JsonNode *qmp_qom_list(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "path", NULL };
    g_autoptr(GPtrArray) infos = NULL;
    const char *path;
    Object *obj;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "path", &path, errp)) {
        return NULL;
    }
    obj = resolve_path(path, errp);
    if (!obj) {
        return NULL;
    }
    infos = object_property_list(obj);
    return qmp_return_array(property_infos_to_json(infos));
}

static JsonNode *qmp_qom_get(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "path", "property", NULL };
    const char *path, *property;
    Object *obj;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "path", &path, errp) ||
        !qmp_arg_str(args, "property", &property, errp)) {
        return NULL;
    }
    obj = resolve_path(path, errp);
    if (!obj) {
        return NULL;
    }
    return object_property_get_json(obj, property, errp);
}

static JsonNode *qmp_qom_set(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "path", "property", "value", NULL };
    const char *path, *property;
    JsonNode *value;
    Object *obj;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "path", &path, errp) ||
        !qmp_arg_str(args, "property", &property, errp) ||
        !qmp_arg_any(args, "value", &value, errp)) {
        return NULL;
    }
    obj = resolve_path(path, errp);
    if (!obj) {
        return NULL;
    }
    object_property_set_json(obj, property, value, false, errp);
    return NULL;
}

static JsonNode *qmp_qom_list_types(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "implements", "abstract", NULL };
    const char *implements = NULL;
    bool abstract = false;
    GSList *list, *l;
    JsonArray *arr;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_opt_str(args, "implements", &implements, errp) ||
        !qmp_arg_opt_bool(args, "abstract", &abstract, errp)) {
        return NULL;
    }
    if (implements && !object_class_by_name(implements)) {
        /* QEMU answers an empty list for an unknown type. */
        return qmp_return_array(json_array_new());
    }
    arr = json_array_new();
    list = object_class_get_list_sorted(implements, abstract);
    for (l = list; l; l = l->next) {
        ObjectClass *klass = l->data;
        ObjectClass *parent = object_class_get_parent(klass);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name",
                                      object_class_get_name(klass));
        if (object_class_is_abstract(klass)) {
            json_object_set_boolean_member(o, "abstract", TRUE);
        }
        if (parent) {
            json_object_set_string_member(o, "parent",
                                          object_class_get_name(parent));
        }
        json_array_add_object_element(arr, o);
    }
    g_slist_free(list);
    return qmp_return_array(arr);
}

static JsonNode *list_class_properties(JsonObject *args, bool device,
                                       Error **errp)
{
    static const char *const allowed[] = { "typename", NULL };
    g_autoptr(GPtrArray) infos = NULL;
    const char *name;
    ObjectClass *klass;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "typename", &name, errp)) {
        return NULL;
    }
    klass = object_class_by_name(name);
    if (!klass) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", name);
        return NULL;
    }
    if (device && !object_class_dynamic_cast(klass, TYPE_DEVICE)) {
        error_setg(errp, "Parameter 'typename' expects device");
        return NULL;
    }
    if (device && object_class_is_abstract(klass)) {
        error_setg(errp, "Parameter 'typename' expects a non-abstract "
                   "device type");
        return NULL;
    }
    infos = object_class_property_list(name, !device, errp);
    if (!infos) {
        return NULL;
    }
    return qmp_return_array(property_infos_to_json(infos));
}

static JsonNode *qmp_device_list_properties(JsonObject *args, Error **errp)
{
    return list_class_properties(args, true, errp);
}

static JsonNode *qmp_qom_list_properties(JsonObject *args, Error **errp)
{
    return list_class_properties(args, false, errp);
}

static JsonObject *copy_args(JsonObject *args)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), args);
    g_autoptr(JsonNode) copy = json_node_copy(node);

    return json_object_ref(json_node_get_object(copy));
}

static JsonNode *qmp_object_add(JsonObject *args, Error **errp)
{
    g_autoptr(JsonObject) dict = copy_args(args);

    user_creatable_add_from_json(dict, false, errp);
    return NULL;
}

static JsonNode *qmp_object_del(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "id", NULL };
    const char *id;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "id", &id, errp)) {
        return NULL;
    }
    user_creatable_del(id, errp);
    return NULL;
}

void qmp_register_qom_commands(void)
{
    qmp_register_command("qom-list", qmp_qom_list, 0);
    qmp_register_command("qom-get", qmp_qom_get, 0);
    qmp_register_command("qom-set", qmp_qom_set, 0);
    qmp_register_command("qom-list-types", qmp_qom_list_types, 0);
    qmp_register_command("qom-list-properties", qmp_qom_list_properties, 0);
    qmp_register_command("device-list-properties",
                         qmp_device_list_properties, 0);
    qmp_register_command("object-add", qmp_object_add,
                         QCO_ALLOW_EXTRA_ARGS);
    qmp_register_command("object-del", qmp_object_del, 0);
}
