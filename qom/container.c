/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers: plain objects that only hold children, and the root of the
 * composition tree
 */
#include "qemu/osdep.h"
#include "qom/object.h"

static const TypeInfo container_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
};

static void container_register_types(void)
{
    type_register_static(&container_info);
}

type_init(container_register_types)

Object *object_get_root(void)
{
    /* Lives until exit: nothing holds a reference on it but this. */
    static Object *root;

    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    return root;
}

Object *container_create(Object *parent, const char *name)
{
    Object *obj = object_new(TYPE_CONTAINER);

    object_property_add_child(parent, name, obj);
    object_unref(obj);
    return obj;
}

Object *container_get(Object *root, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    Object *obj = root;

    for (char **p = parts; *p; p++) {
        Object *child;

        if (!**p) {
            continue;
        }
        child = object_resolve_path_component(obj, *p);
        obj = child ? child : container_create(obj, *p);
    }
    return obj;
}

Object *object_get_container(const char *name)
{
    return container_get(object_get_root(), name);
}

Object *object_get_objects_root(void)
{
    return object_get_container("objects");
}

Object *object_get_internal_root(void)
{
    return object_get_container("internal-objects");
}
