/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The composition tree: child<> and link<> properties, canonical paths and
 * path resolution
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/qom-json.h"
#include "qom-internal.h"

bool object_property_is_child(ObjectProperty *prop)
{
    return g_str_has_prefix(prop->type, "child<");
}

bool object_property_is_link(ObjectProperty *prop)
{
    return g_str_has_prefix(prop->type, "link<");
}

/* The canonical path as a JSON string, "" if obj is not in the tree. */
static JsonNode *path_node(const Object *obj)
{
    g_autofree char *path = obj ? object_get_canonical_path(obj) : NULL;

    return qom_json_new_str(path ? path : "");
}

/* ---- child<> ------------------------------------------------------------ */

static JsonNode *child_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    return path_node(prop->opaque);
}

static Object *child_resolve(Object *obj, ObjectProperty *prop,
                             const char *part)
{
    return prop->opaque;
}

static void child_release(Object *obj, ObjectProperty *prop)
{
    Object *child = prop->opaque;

    if (child->class->unparent) {
        child->class->unparent(child);
    }
    child->parent = NULL;
    object_unref(child);
}

ObjectProperty *object_property_try_add_child(Object *obj, const char *name,
                                              Object *child, Error **errp)
{
    g_autofree char *type = NULL;
    ObjectProperty *prop;

    if (child->parent) {
        fprintf(stderr, "qom: object '%s' already has a parent\n",
                object_get_typename(child));
        abort();
    }
    type = g_strdup_printf("child<%s>", object_get_typename(child));
    prop = object_property_try_add(obj, name, type, child_get, NULL,
                                   child_release, child, errp);
    if (!prop) {
        return NULL;
    }
    prop->resolve = child_resolve;
    object_ref(child);
    child->parent = obj;
    return prop;
}

ObjectProperty *object_property_add_child(Object *obj, const char *name,
                                          Object *child)
{
    return object_property_try_add_child(obj, name, child, &error_abort);
}

static ObjectProperty *child_property_of(Object *parent, const Object *child)
{
    for (guint i = 0; i < parent->property_order->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(parent->property_order, i);

        if (object_property_is_child(prop) && prop->opaque == child) {
            return prop;
        }
    }
    return NULL;
}

void object_unparent(Object *obj)
{
    ObjectProperty *prop;

    if (!obj->parent) {
        return;
    }
    prop = child_property_of(obj->parent, obj);
    g_assert(prop);
    object_property_del(obj->parent, prop->name);
}

int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                         void *opaque)
{
    g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func(
        object_unref);
    int ret = 0;

    /* fn may unparent children; walk a referenced snapshot. */
    for (guint i = 0; i < obj->property_order->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(obj->property_order, i);

        if (object_property_is_child(prop)) {
            g_ptr_array_add(children, object_ref(prop->opaque));
        }
    }
    for (guint i = 0; i < children->len && !ret; i++) {
        ret = fn(g_ptr_array_index(children, i), opaque);
    }
    return ret;
}

typedef struct RecursiveData {
    int (*fn)(Object *child, void *opaque);
    void *opaque;
} RecursiveData;

static int foreach_recursive_one(Object *child, void *opaque)
{
    RecursiveData *data = opaque;
    int ret = data->fn(child, data->opaque);

    return ret ? ret : object_child_foreach(child, foreach_recursive_one,
                                            data);
}

int object_child_foreach_recursive(Object *obj,
                                   int (*fn)(Object *child, void *opaque),
                                   void *opaque)
{
    RecursiveData data = { .fn = fn, .opaque = opaque };

    return object_child_foreach(obj, foreach_recursive_one, &data);
}

/* ---- link<> ------------------------------------------------------------- */

typedef struct LinkProperty {
    Object **targetp;           /* instance links */
    ptrdiff_t offset;           /* class links */
    ObjectLinkCheck *check;
    ObjectPropertyLinkFlags flags;
    char *target_type;
} LinkProperty;

static Object **link_targetp(Object *obj, LinkProperty *lp)
{
    if (lp->flags & OBJ_PROP_LINK_CLASS) {
        return (Object **)((char *)obj + lp->offset);
    }
    return lp->targetp;
}

void object_property_allow_set_link(const Object *obj, const char *name,
                                    Object *val, Error **errp)
{
}

static JsonNode *link_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    return path_node(*link_targetp(obj, prop->opaque));
}

static Object *link_resolve_target(const char *name, const char *path,
                                   const char *type, Error **errp)
{
    Object *target = NULL;
    Object *objects;
    bool ambiguous = false;

    /* A bare id names a user-created object before anything else. */
    objects = object_resolve_path_component(object_get_root(), "objects");
    if (objects && !strchr(path, '/')) {
        target = object_resolve_path_component(objects, path);
    }
    if (!target) {
        target = object_resolve_path_type(path, type, &ambiguous);
        if (ambiguous) {
            error_setg(errp, "Path '%s' does not uniquely identify an object",
                       path);
            return NULL;
        }
        if (target) {
            return target;
        }
        target = object_resolve_path(path, &ambiguous);
        if (!target && !ambiguous) {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
            return NULL;
        }
    }
    if (!target || !object_dynamic_cast(target, type)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, type);
        return NULL;
    }
    return target;
}

static bool link_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     bool keyval, Error **errp)
{
    LinkProperty *lp = prop->opaque;
    Object **targetp = link_targetp(obj, lp);
    Object *old = *targetp, *target = NULL;
    const char *path = "";

    if (!JSON_NODE_HOLDS_NULL(value) &&
        !qom_json_to_str(value, prop->name, keyval, &path, errp)) {
        return false;
    }
    if (*path) {
        target = link_resolve_target(prop->name, path, lp->target_type, errp);
        if (!target) {
            return false;
        }
    }
    if (lp->check) {
        Error *local_err = NULL;

        lp->check(obj, prop->name, target, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            return false;
        }
    }
    *targetp = target;
    if (lp->flags & OBJ_PROP_LINK_STRONG) {
        object_ref(target);
        object_unref(old);
    }
    return true;
}

static Object *link_resolve(Object *obj, ObjectProperty *prop,
                            const char *part)
{
    return *link_targetp(obj, prop->opaque);
}

static void link_release(Object *obj, ObjectProperty *prop)
{
    LinkProperty *lp = prop->opaque;
    Object **targetp = link_targetp(obj, lp);

    if ((lp->flags & OBJ_PROP_LINK_STRONG) && *targetp) {
        object_unref(*targetp);
    }
    *targetp = NULL;
    if (!(lp->flags & OBJ_PROP_LINK_CLASS)) {
        g_free(lp->target_type);
        g_free(lp);
    }
}

ObjectProperty *object_property_add_link(Object *obj, const char *name,
                                         const char *type, Object **targetp,
                                         ObjectLinkCheck *check,
                                         ObjectPropertyLinkFlags flags)
{
    LinkProperty *lp = g_new0(LinkProperty, 1);
    g_autofree char *full_type = g_strdup_printf("link<%s>", type);
    ObjectProperty *prop;

    lp->targetp = targetp;
    lp->check = check;
    lp->flags = (flags & ~OBJ_PROP_LINK_CLASS) | OBJ_PROP_LINK_DIRECT;
    lp->target_type = g_strdup(type);
    prop = object_property_add(obj, name, full_type, link_get,
                               check ? link_set : NULL, link_release, lp);
    prop->resolve = link_resolve;
    return prop;
}

ObjectProperty *object_class_property_add_link(ObjectClass *klass,
                                               const char *name,
                                               const char *type,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               ObjectPropertyLinkFlags flags)
{
    /* Lives as long as the class, i.e. the program. */
    LinkProperty *lp = g_new0(LinkProperty, 1);
    g_autofree char *full_type = g_strdup_printf("link<%s>", type);
    ObjectProperty *prop;

    lp->offset = offset;
    lp->check = check;
    lp->flags = (flags & ~OBJ_PROP_LINK_DIRECT) | OBJ_PROP_LINK_CLASS;
    lp->target_type = g_strdup(type);
    prop = object_class_property_add(klass, name, full_type, link_get,
                                     check ? link_set : NULL, link_release,
                                     lp);
    prop->resolve = link_resolve;
    return prop;
}

/* ---- Paths -------------------------------------------------------------- */

char *object_get_canonical_path_component(const Object *obj)
{
    ObjectProperty *prop;

    if (!obj->parent) {
        return NULL;
    }
    prop = child_property_of(obj->parent, obj);
    return prop ? g_strdup(prop->name) : NULL;
}

char *object_get_canonical_path(const Object *obj)
{
    Object *root = object_get_root();
    GPtrArray *parts;
    GString *path;

    if (obj == root) {
        return g_strdup("/");
    }
    parts = g_ptr_array_new_with_free_func(g_free);
    for (; obj != root; obj = obj->parent) {
        char *component = object_get_canonical_path_component(obj);

        if (!component) {
            g_ptr_array_free(parts, true);
            return NULL;
        }
        g_ptr_array_add(parts, component);
    }
    path = g_string_new(NULL);
    for (guint i = parts->len; i > 0; i--) {
        g_string_append_printf(path, "/%s",
                               (char *)g_ptr_array_index(parts, i - 1));
    }
    g_ptr_array_free(parts, true);
    return g_string_free(path, false);
}

Object *object_resolve_path_component(Object *parent, const char *part)
{
    ObjectProperty *prop = object_property_find(parent, part);

    if (!prop || !prop->resolve) {
        return NULL;
    }
    return prop->resolve(parent, prop, part);
}

static Object *resolve_abs(Object *parent, char **parts, const char *typename)
{
    Object *obj = parent;

    for (; *parts && obj; parts++) {
        if (**parts) {
            obj = object_resolve_path_component(obj, *parts);
        }
    }
    return obj ? object_dynamic_cast(obj, typename) : NULL;
}

static Object *resolve_partial(Object *parent, char **parts,
                               const char *typename, bool *ambiguous)
{
    Object *obj = resolve_abs(parent, parts, typename);

    for (guint i = 0; i < parent->property_order->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(parent->property_order, i);
        Object *found;

        if (!object_property_is_child(prop)) {
            continue;
        }
        found = resolve_partial(prop->opaque, parts, typename, ambiguous);
        if (*ambiguous) {
            return NULL;
        }
        if (found && obj && found != obj) {
            *ambiguous = true;
            return NULL;
        }
        if (found) {
            obj = found;
        }
    }
    return obj;
}

Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous)
{
    g_auto(GStrv) parts = NULL;
    bool amb = false;
    Object *obj;

    if (ambiguous) {
        *ambiguous = false;
    }
    if (!path || !*path) {
        return NULL;
    }
    parts = g_strsplit(path, "/", 0);
    if (!**parts) {
        return resolve_abs(object_get_root(), parts + 1, typename);
    }
    obj = resolve_partial(object_get_root(), parts, typename, &amb);
    if (ambiguous) {
        *ambiguous = amb;
    }
    return obj;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, TYPE_OBJECT, ambiguous);
}

Object *object_resolve_path_at(Object *parent, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);

    if (*path == '/') {
        return resolve_abs(object_get_root(), parts, TYPE_OBJECT);
    }
    return resolve_abs(parent, parts, TYPE_OBJECT);
}
