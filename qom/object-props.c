/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM property tables: adding, finding, iterating, getting and setting
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/qom-json.h"
#include "qom-internal.h"

void object_property_free(gpointer data)
{
    ObjectProperty *prop = data;

    g_free(prop->name);
    g_free(prop->type);
    g_free(prop->description);
    if (prop->defval) {
        json_node_unref(prop->defval);
    }
    g_free(prop);
}

static ObjectProperty *property_new(const char *name, const char *type,
                                    ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    ObjectProperty *prop = g_new0(ObjectProperty, 1);

    prop->name = g_strdup(name);
    prop->type = g_strdup(type);
    prop->get = get;
    prop->set = set;
    prop->release = release;
    prop->opaque = opaque;
    return prop;
}

ObjectProperty *object_class_property_find(ObjectClass *klass,
                                           const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        ObjectProperty *prop = g_hash_table_lookup(klass->properties, name);

        if (prop) {
            return prop;
        }
    }
    return NULL;
}

ObjectProperty *object_class_property_find_err(ObjectClass *klass,
                                               const char *name,
                                               Error **errp)
{
    ObjectProperty *prop = object_class_property_find(klass, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_class_get_name(klass), name);
    }
    return prop;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    return prop ? prop : object_class_property_find(obj->class, name);
}

ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         Error **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
    }
    return prop;
}

ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, Error **errp)
{
    ObjectProperty *prop;
    size_t len = strlen(name);

    /* "foo[*]" asks for the first free "foo[N]". */
    if (len >= 3 && g_str_has_suffix(name, "[*]")) {
        g_autofree char *stem = g_strndup(name, len - 3);

        for (int i = 0; i < INT_MAX; i++) {
            g_autofree char *full = g_strdup_printf("%s[%d]", stem, i);

            if (!object_property_find(obj, full)) {
                return object_property_try_add(obj, full, type, get, set,
                                               release, opaque, errp);
            }
        }
        g_assert_not_reached();
    }

    if (object_property_find(obj, name)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(obj));
        return NULL;
    }

    prop = property_new(name, type, get, set, release, opaque);
    g_hash_table_insert(obj->properties, prop->name, prop);
    g_ptr_array_add(obj->property_order, prop);
    return prop;
}

ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type,
                                    ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    return object_property_try_add(obj, name, type, get, set, release,
                                   opaque, &error_abort);
}

ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name,
                                          const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque)
{
    ObjectProperty *prop;

    if (object_class_property_find(klass, name)) {
        fprintf(stderr, "qom: attempt to add duplicate property '%s' to "
                "class (type '%s')\n", name, object_class_get_name(klass));
        abort();
    }
    prop = property_new(name, type, get, set, release, opaque);
    g_hash_table_insert(klass->properties, prop->name, prop);
    return prop;
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);
    g_autofree char *key = NULL;

    if (!prop) {
        return;
    }
    /*
     * The release hook runs with the property still in place (a child's
     * unparent hook may want its canonical path) and may itself delete it.
     */
    key = g_strdup(name);
    if (prop->release) {
        ObjectPropertyRelease *release = prop->release;

        prop->release = NULL;
        release(obj, prop);
    }
    if (g_hash_table_lookup(obj->properties, key) == prop) {
        g_ptr_array_remove(obj->property_order, prop);
        g_hash_table_remove(obj->properties, key);
    }
}

void object_property_del_all(Object *obj)
{
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    /* Newest first, so that children go in the reverse order of arrival. */
    while (obj->property_order->len) {
        prop = g_ptr_array_index(obj->property_order,
                                 obj->property_order->len - 1);
        object_property_del(obj, prop->name);
    }

    /* Class properties are shared: only their per-instance state goes. */
    object_class_property_iter_init(&iter, obj->class);
    while ((prop = object_property_iter_next(&iter))) {
        if (prop->release) {
            prop->release(obj, prop);
        }
    }
}

void object_class_property_init_all(Object *obj)
{
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    object_class_property_iter_init(&iter, obj->class);
    while ((prop = object_property_iter_next(&iter))) {
        if (prop->init) {
            prop->init(obj, prop);
        }
    }
}

void object_property_iter_init(ObjectPropertyIterator *iter, Object *obj)
{
    g_hash_table_iter_init(&iter->iter, obj->properties);
    iter->nextclass = obj->class;
}

void object_class_property_iter_init(ObjectPropertyIterator *iter,
                                     ObjectClass *klass)
{
    g_hash_table_iter_init(&iter->iter, klass->properties);
    iter->nextclass = object_class_get_parent(klass);
}

ObjectProperty *object_property_iter_next(ObjectPropertyIterator *iter)
{
    gpointer key, val;

    while (!g_hash_table_iter_next(&iter->iter, &key, &val)) {
        if (!iter->nextclass) {
            return NULL;
        }
        g_hash_table_iter_init(&iter->iter, iter->nextclass->properties);
        iter->nextclass = object_class_get_parent(iter->nextclass);
    }
    return val;
}

const char *object_property_get_type(Object *obj, const char *name,
                                     Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    return prop ? prop->type : NULL;
}

void object_property_set_description(Object *obj, const char *name,
                                     const char *description)
{
    ObjectProperty *prop = object_property_find_err(obj, name, &error_abort);

    g_free(prop->description);
    prop->description = g_strdup(description);
}

void object_class_property_set_description(ObjectClass *klass,
                                           const char *name,
                                           const char *description)
{
    ObjectProperty *prop = g_hash_table_lookup(klass->properties, name);

    g_assert(prop);
    g_free(prop->description);
    prop->description = g_strdup(description);
}

/* ---- Defaults ----------------------------------------------------------- */

static void property_init_from_default(Object *obj, ObjectProperty *prop)
{
    object_property_set_json(obj, prop->name, prop->defval, false,
                             &error_abort);
}

static void property_set_default(ObjectProperty *prop, JsonNode *value)
{
    g_assert(!prop->defval);
    g_assert(!prop->init);
    prop->defval = value;
    prop->init = property_init_from_default;
}

void object_property_set_default_bool(ObjectProperty *prop, bool value)
{
    property_set_default(prop, qom_json_new_bool(value));
}

void object_property_set_default_str(ObjectProperty *prop, const char *value)
{
    property_set_default(prop, qom_json_new_str(value));
}

void object_property_set_default_int(ObjectProperty *prop, int64_t value)
{
    property_set_default(prop, qom_json_new_int(value));
}

void object_property_set_default_uint(ObjectProperty *prop, uint64_t value)
{
    property_set_default(prop, qom_json_new_uint(value));
}

void object_property_set_default_list(ObjectProperty *prop)
{
    g_assert(!prop->defval);
    prop->defval = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(prop->defval, json_array_new());
}

char *object_property_get_default_str(ObjectProperty *prop)
{
    if (!prop->defval) {
        return NULL;
    }
    if (prop->enum_lookup && JSON_NODE_HOLDS_VALUE(prop->defval) &&
        json_node_get_value_type(prop->defval) == G_TYPE_INT64) {
        const char *name = qapi_enum_lookup(prop->enum_lookup,
                                            json_node_get_int(prop->defval));
        return g_strdup(name);
    }
    /* Unsigned defaults above INT64_MAX are stored as their bit pattern. */
    if ((g_str_has_prefix(prop->type, "uint") ||
         g_str_equal(prop->type, "size")) &&
        JSON_NODE_HOLDS_VALUE(prop->defval) &&
        json_node_get_value_type(prop->defval) == G_TYPE_INT64) {
        return g_strdup_printf("%" PRIu64,
                               (uint64_t)json_node_get_int(prop->defval));
    }
    return qom_json_to_text(prop->defval);
}

/* ---- Getting and setting ------------------------------------------------ */

bool object_property_set_json(Object *obj, const char *name,
                              JsonNode *value, bool keyval, Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return false;
    }
    if (!prop->set) {
        error_setg(errp, "Property '%s.%s' is not writable",
                   object_get_typename(obj), name);
        return false;
    }
    return prop->set(obj, prop, value, keyval, errp);
}

JsonNode *object_property_get_json(Object *obj, const char *name,
                                   Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return NULL;
    }
    if (!prop->get) {
        error_setg(errp, "Property '%s.%s' is not readable",
                   object_get_typename(obj), name);
        return NULL;
    }
    return prop->get(obj, prop, errp);
}

bool object_set_properties_from_json(Object *obj, JsonObject *dict,
                                     bool keyval, const char *const *skip,
                                     Error **errp)
{
    JsonObjectIter iter;
    const char *key;
    JsonNode *value;

    json_object_iter_init_ordered(&iter, dict);
    while (json_object_iter_next_ordered(&iter, &key, &value)) {
        if (skip && g_strv_contains(skip, key)) {
            continue;
        }
        if (!object_property_set_json(obj, key, value, keyval, errp)) {
            return false;
        }
    }
    return true;
}

static bool set_owned(Object *obj, const char *name, JsonNode *value,
                      bool keyval, Error **errp)
{
    bool ok = object_property_set_json(obj, name, value, keyval, errp);

    json_node_unref(value);
    return ok;
}

bool object_property_set_str(Object *obj, const char *name,
                             const char *value, Error **errp)
{
    return set_owned(obj, name, qom_json_new_str(value), false, errp);
}

bool object_property_set_bool(Object *obj, const char *name, bool value,
                              Error **errp)
{
    return set_owned(obj, name, qom_json_new_bool(value), false, errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t value,
                             Error **errp)
{
    return set_owned(obj, name, qom_json_new_int(value), false, errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t value,
                              Error **errp)
{
    return set_owned(obj, name, qom_json_new_uint(value), false, errp);
}

bool object_property_set_link(Object *obj, const char *name, Object *value,
                              Error **errp)
{
    g_autofree char *path = NULL;

    if (value) {
        path = object_get_canonical_path(value);
        if (!path) {
            error_setg(errp, "Property '%s.%s' can't link to an object "
                       "outside the composition tree",
                       object_get_typename(obj), name);
            return false;
        }
    }
    return set_owned(obj, name, qom_json_new_str(path ? path : ""), false,
                     errp);
}

bool object_property_parse(Object *obj, const char *name, const char *string,
                           Error **errp)
{
    return set_owned(obj, name, qom_json_new_str(string), true, errp);
}

char *object_property_get_str(Object *obj, const char *name, Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);

    if (!node) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING) {
        error_setg(errp, "Invalid parameter type for '%s', expected: string",
                   name);
        return NULL;
    }
    return json_node_dup_string(node);
}

bool object_property_get_bool(Object *obj, const char *name, Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    bool value = false;

    if (node) {
        qom_json_to_bool(node, name, false, &value, errp);
    }
    return value;
}

int64_t object_property_get_int(Object *obj, const char *name, Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    int64_t value = -1;

    if (node) {
        qom_json_to_int(node, name, false, &value, errp);
    }
    return value;
}

uint64_t object_property_get_uint(Object *obj, const char *name,
                                  Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    uint64_t value = 0;

    if (node) {
        qom_json_to_uint(node, name, false, &value, errp);
    }
    return value;
}

int object_property_get_enum(Object *obj, const char *name,
                             const QEnumLookup *lookup, Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);
    int value = -1;

    if (node) {
        qom_json_to_enum(node, name, false, lookup, &value, errp);
    }
    return value;
}

Object *object_property_get_link(Object *obj, const char *name, Error **errp)
{
    g_autofree char *path = object_property_get_str(obj, name, errp);
    Object *target;

    if (!path || !*path) {
        return NULL;
    }
    target = object_resolve_path(path, NULL);
    if (!target) {
        error_setg(errp, "Device '%s' not found", path);
    }
    return target;
}

char *object_property_print(Object *obj, const char *name, bool human,
                            Error **errp)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, errp);

    if (!node) {
        return NULL;
    }
    if (human) {
        return qom_json_to_text(node);
    }
    return json_to_string(node, false);
}
