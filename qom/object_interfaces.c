/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: the interface, and creating and deleting them
 * under /objects for -object and QMP object-add/object-del
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "qom/qom-json.h"

bool user_creatable_complete(UserCreatable *uc, Error **errp)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);

    return ucc->complete ? ucc->complete(uc, errp) : true;
}

bool user_creatable_can_be_deleted(UserCreatable *uc)
{
    UserCreatableClass *ucc = USER_CREATABLE_GET_CLASS(uc);

    return ucc->can_be_deleted ? ucc->can_be_deleted(uc) : true;
}

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static ObjectClass *user_creatable_class(const char *type, Error **errp)
{
    ObjectClass *klass = object_class_by_name(type);

    if (!klass) {
        error_setg(errp, "invalid object type: %s", type);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_USER_CREATABLE)) {
        error_setg(errp, "object type '%s' isn't supported by object-add",
                   type);
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "object type '%s' is abstract", type);
        return NULL;
    }
    return klass;
}

static bool check_id(const char *id, Error **errp)
{
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return false;
    }
    if (!id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        error_append_hint(errp, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        return false;
    }
    if (object_resolve_path_component(object_get_objects_root(), id)) {
        /* The same words adding the child would fail with, said early. */
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", id, TYPE_CONTAINER);
        return false;
    }
    return true;
}

static Object *add_type(const char *type, const char *id, JsonObject *props,
                        bool keyval, const char *const *skip, Error **errp)
{
    ObjectClass *klass = user_creatable_class(type, errp);
    Object *obj;

    if (!klass || !check_id(id, errp)) {
        return NULL;
    }
    obj = object_new_with_class(klass);
    if (props &&
        !object_set_properties_from_json(obj, props, keyval, skip, errp)) {
        goto fail;
    }
    if (!object_property_try_add_child(object_get_objects_root(), id, obj,
                                       errp)) {
        goto fail;
    }
    if (!user_creatable_complete(USER_CREATABLE(obj), errp)) {
        object_unparent(obj);
        goto fail;
    }
    object_unref(obj);
    return obj;

fail:
    object_unref(obj);
    return NULL;
}

Object *user_creatable_add_type(const char *type, const char *id,
                                JsonObject *props, bool keyval, Error **errp)
{
    return add_type(type, id, props, keyval, NULL, errp);
}

static bool get_str_member(JsonObject *dict, const char *key, bool keyval,
                           const char **value, Error **errp)
{
    JsonNode *node = json_object_get_member(dict, key);

    if (!node) {
        error_setg(errp, "Parameter '%s' is missing", key);
        return false;
    }
    return qom_json_to_str(node, key, keyval, value, errp);
}

Object *user_creatable_add_from_json(JsonObject *dict, bool keyval,
                                     Error **errp)
{
    static const char *const consumed[] = { "qom-type", "id", NULL };
    const char *type, *id;

    if (!get_str_member(dict, "qom-type", keyval, &type, errp) ||
        !get_str_member(dict, "id", keyval, &id, errp)) {
        return NULL;
    }
    return add_type(type, id, dict, keyval, consumed, errp);
}

bool user_creatable_del(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                id);
    Object *uc;

    if (!obj) {
        error_setg(errp, "object '%s' not found", id);
        return false;
    }
    uc = object_dynamic_cast(obj, TYPE_USER_CREATABLE);
    if (uc && !user_creatable_can_be_deleted(USER_CREATABLE(uc))) {
        error_setg(errp, "object '%s' is in use, can not be deleted", id);
        return false;
    }
    object_unparent(obj);
    return true;
}

static int unparent_one(Object *child, void *opaque)
{
    object_unparent(child);
    return 0;
}

void user_creatable_cleanup(void)
{
    object_child_foreach(object_get_objects_root(), unparent_one, NULL);
}

/* ---- Help --------------------------------------------------------------- */

static char *list_types(void)
{
    GSList *list = object_class_get_list_sorted(TYPE_USER_CREATABLE, false);
    GString *out = g_string_new("List of user creatable objects:\n");

    for (GSList *l = list; l; l = l->next) {
        g_string_append_printf(out, "  %s\n", object_class_get_name(l->data));
    }
    g_slist_free(list);
    return g_string_free(out, false);
}

static char *describe_type(const char *type)
{
    Error *local_err = NULL;
    ObjectClass *klass = user_creatable_class(type, &local_err);
    g_autofree char *props = NULL;
    char *text;

    if (!klass) {
        text = g_strdup_printf("%s\n", error_get_pretty(local_err));
        error_free(local_err);
        return text;
    }
    props = object_class_describe_properties(klass);
    if (!*props) {
        return g_strdup_printf("There are no options for %s.\n", type);
    }
    return g_strdup_printf("%s options:\n%s", type, props);
}

char *user_creatable_help_text(const char *type, JsonObject *opts)
{
    if (!type) {
        return NULL;
    }
    if (g_str_equal(type, "help") || g_str_equal(type, "?")) {
        return list_types();
    }
    if (g_str_has_suffix(type, ",help")) {
        g_autofree char *bare = g_strndup(type, strlen(type) - 5);

        return describe_type(bare);
    }
    if (opts && json_object_has_member(opts, "help")) {
        return describe_type(type);
    }
    return NULL;
}

bool user_creatable_print_help(const char *type, JsonObject *opts)
{
    g_autofree char *text = user_creatable_help_text(type, opts);

    if (!text) {
        return false;
    }
    fputs(text, stdout);
    return true;
}

static const TypeInfo user_creatable_info = {
    .name = TYPE_USER_CREATABLE,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(UserCreatableClass),
};

static void register_types(void)
{
    type_register_static(&user_creatable_info);
}

type_init(register_types)
