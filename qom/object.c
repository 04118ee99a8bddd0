/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM types, classes, casts and the life of an instance
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom-internal.h"

typedef struct TypeImpl TypeImpl;

struct TypeImpl {
    char *name;
    char *parent_name;
    TypeImpl *parent_type;

    size_t class_size;
    size_t instance_size;

    void (*class_init)(ObjectClass *klass, const void *data);
    void (*class_base_init)(ObjectClass *klass, const void *data);
    const void *class_data;

    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);

    bool abstract;
    GPtrArray *interface_names;     /* char * */

    ObjectClass *class;
};

/* name -> TypeImpl *; created by the first registration (a constructor). */
static GHashTable *type_table;

static GHashTable *type_table_get(void)
{
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return type_table;
}

static TypeImpl *type_new(const TypeInfo *info)
{
    TypeImpl *ti = g_new0(TypeImpl, 1);

    ti->name = g_strdup(info->name);
    ti->parent_name = g_strdup(info->parent);
    ti->class_size = info->class_size;
    ti->instance_size = info->instance_size;
    ti->class_init = info->class_init;
    ti->class_base_init = info->class_base_init;
    ti->class_data = info->class_data;
    ti->instance_init = info->instance_init;
    ti->instance_post_init = info->instance_post_init;
    ti->instance_finalize = info->instance_finalize;
    ti->abstract = info->abstract;
    ti->interface_names = g_ptr_array_new_with_free_func(g_free);
    for (const InterfaceInfo *i = info->interfaces; i && i->type; i++) {
        g_ptr_array_add(ti->interface_names, g_strdup(i->type));
    }
    return ti;
}

Type type_register_static(const TypeInfo *info)
{
    GHashTable *table = type_table_get();
    TypeImpl *ti;

    g_assert(info->name);
    if (g_hash_table_lookup(table, info->name)) {
        fprintf(stderr, "qom: type '%s' registered twice\n", info->name);
        abort();
    }
    ti = type_new(info);
    g_hash_table_insert(table, ti->name, ti);
    return ti;
}

Type type_register(const TypeInfo *info)
{
    return type_register_static(info);
}

void type_register_static_array(const TypeInfo *infos, int nr_infos)
{
    for (int i = 0; i < nr_infos; i++) {
        type_register_static(&infos[i]);
    }
}

static TypeImpl *type_get_by_name(const char *name)
{
    return name ? g_hash_table_lookup(type_table_get(), name) : NULL;
}

static TypeImpl *type_get_parent(TypeImpl *ti)
{
    if (!ti->parent_type && ti->parent_name) {
        ti->parent_type = type_get_by_name(ti->parent_name);
        if (!ti->parent_type) {
            fprintf(stderr, "qom: type '%s' has unknown parent type '%s'\n",
                    ti->name, ti->parent_name);
            abort();
        }
    }
    return ti->parent_type;
}

static bool type_is_ancestor(TypeImpl *ti, TypeImpl *target)
{
    for (; ti; ti = type_get_parent(ti)) {
        if (ti == target) {
            return true;
        }
    }
    return false;
}

static size_t type_class_get_size(TypeImpl *ti)
{
    if (ti->class_size) {
        return ti->class_size;
    }
    if (type_get_parent(ti)) {
        return type_class_get_size(type_get_parent(ti));
    }
    return sizeof(ObjectClass);
}

static size_t type_object_get_size(TypeImpl *ti)
{
    if (ti->instance_size) {
        return ti->instance_size;
    }
    if (type_get_parent(ti)) {
        return type_object_get_size(type_get_parent(ti));
    }
    return 0;
}

static void type_initialize(TypeImpl *ti);

/*
 * Gives ti's class its own instance of an interface class, derived from
 * parent_type: the interface itself, or the parent class's instance so that
 * methods the parent filled in are inherited.
 */
static void type_initialize_interface(TypeImpl *ti, TypeImpl *interface_type,
                                      TypeImpl *parent_type)
{
    g_autofree char *name = g_strdup_printf("%s::%s", ti->name,
                                            interface_type->name);
    TypeInfo info = {
        .name = name,
        .parent = parent_type->name,
        .abstract = true,
    };
    TypeImpl *impl = type_new(&info);
    InterfaceClass *iface;

    impl->parent_type = parent_type;
    type_initialize(impl);
    iface = (InterfaceClass *)impl->class;
    iface->concrete_class = ti->class;
    iface->interface_type = interface_type;
    ti->class->interfaces = g_slist_append(ti->class->interfaces, iface);
}

static bool class_implements(ObjectClass *klass, TypeImpl *iface_type)
{
    for (GSList *e = klass->interfaces; e; e = e->next) {
        if (type_is_ancestor(OBJECT_CLASS(e->data)->type, iface_type)) {
            return true;
        }
    }
    return false;
}

static void type_initialize(TypeImpl *ti)
{
    TypeImpl *parent;

    if (ti->class) {
        return;
    }

    ti->class_size = type_class_get_size(ti);
    ti->instance_size = type_object_get_size(ti);
    if (ti->instance_size == 0) {
        ti->abstract = true;    /* interfaces have no instances */
    }

    ti->class = g_malloc0(ti->class_size);
    parent = type_get_parent(ti);
    if (parent) {
        type_initialize(parent);
        g_assert(parent->class_size <= ti->class_size);
        g_assert(parent->instance_size <= ti->instance_size);
        memcpy(ti->class, parent->class, parent->class_size);
        ti->class->interfaces = NULL;

        for (GSList *e = parent->class->interfaces; e; e = e->next) {
            InterfaceClass *iface = e->data;
            type_initialize_interface(ti, iface->interface_type,
                                      OBJECT_CLASS(iface)->type);
        }
        for (guint i = 0; i < ti->interface_names->len; i++) {
            const char *iname = g_ptr_array_index(ti->interface_names, i);
            TypeImpl *it = type_get_by_name(iname);

            if (!it) {
                fprintf(stderr, "qom: type '%s' implements unknown "
                        "interface '%s'\n", ti->name, iname);
                abort();
            }
            if (!class_implements(ti->class, it)) {
                type_initialize_interface(ti, it, it);
            }
        }
    }

    ti->class->properties = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  NULL, object_property_free);
    ti->class->type = ti;

    for (TypeImpl *p = parent; p; p = type_get_parent(p)) {
        if (p->class_base_init) {
            p->class_base_init(ti->class, ti->class_data);
        }
    }
    if (ti->class_init) {
        ti->class_init(ti->class, ti->class_data);
    }
}

/* ---- Instances ---------------------------------------------------------- */

static void object_init_with_type(Object *obj, TypeImpl *ti)
{
    if (type_get_parent(ti)) {
        object_init_with_type(obj, type_get_parent(ti));
    }
    if (ti->instance_init) {
        ti->instance_init(obj);
    }
}

static void object_post_init_with_type(Object *obj, TypeImpl *ti)
{
    for (; ti; ti = type_get_parent(ti)) {
        if (ti->instance_post_init) {
            ti->instance_post_init(obj);
        }
    }
}

static void object_deinit(Object *obj, TypeImpl *ti)
{
    for (; ti; ti = type_get_parent(ti)) {
        if (ti->instance_finalize) {
            ti->instance_finalize(obj);
        }
    }
}

static void object_initialize_with_type(Object *obj, size_t size,
                                        TypeImpl *ti)
{
    type_initialize(ti);
    g_assert(ti->instance_size >= sizeof(Object));
    g_assert(size >= ti->instance_size);
    if (ti->abstract) {
        fprintf(stderr, "qom: cannot instantiate abstract type '%s'\n",
                ti->name);
        abort();
    }

    memset(obj, 0, ti->instance_size);
    obj->class = ti->class;
    obj->ref = 1;
    obj->properties = g_hash_table_new_full(g_str_hash, g_str_equal,
                                            NULL, object_property_free);
    obj->property_order = g_ptr_array_new();
    object_class_property_init_all(obj);
    object_init_with_type(obj, ti);
    object_post_init_with_type(obj, ti);
}

void object_initialize(void *data, size_t size, const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        fprintf(stderr, "qom: missing object type '%s'\n", typename);
        abort();
    }
    object_initialize_with_type(data, size, ti);
}

void object_initialize_child(Object *parent, const char *propname,
                             void *child, size_t size, const char *type)
{
    object_initialize(child, size, type);
    object_property_add_child(parent, propname, OBJECT(child));
    object_unref(child);
}

static Object *object_new_with_type(TypeImpl *ti)
{
    Object *obj;

    type_initialize(ti);
    obj = g_malloc0(ti->instance_size);
    object_initialize_with_type(obj, ti->instance_size, ti);
    obj->free = g_free;
    return obj;
}

Object *object_new(const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        fprintf(stderr, "qom: missing object type '%s'\n", typename);
        abort();
    }
    return object_new_with_type(ti);
}

Object *object_new_with_class(ObjectClass *klass)
{
    return object_new_with_type(klass->type);
}

Object *object_new_with_class_checked(ObjectClass *klass, Error **errp)
{
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "Object type '%s' is abstract",
                   object_class_get_name(klass));
        return NULL;
    }
    return object_new_with_type(klass->type);
}

Object *object_new_checked(const char *typename, Error **errp)
{
    ObjectClass *klass = object_class_by_name(typename);

    if (!klass) {
        error_setg(errp, "Invalid object type '%s'", typename);
        return NULL;
    }
    return object_new_with_class_checked(klass, errp);
}

static void object_finalize(Object *obj)
{
    if (obj->parent) {
        fprintf(stderr, "qom: object '%s' finalized while it has a parent\n",
                object_get_typename(obj));
        abort();
    }
    object_property_del_all(obj);
    object_deinit(obj, obj->class->type);
    g_hash_table_unref(obj->properties);
    g_ptr_array_free(obj->property_order, true);
    if (obj->free) {
        obj->free(obj);
    }
}

Object *object_ref(void *opaque)
{
    Object *obj = opaque;

    if (obj) {
        g_assert(obj->ref > 0);
        obj->ref++;
    }
    return obj;
}

void object_unref(void *opaque)
{
    Object *obj = opaque;

    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (--obj->ref == 0) {
        object_finalize(obj);
    }
}

/* ---- Casts -------------------------------------------------------------- */

ObjectClass *object_get_class(Object *obj)
{
    return obj->class;
}

const char *object_get_typename(const Object *obj)
{
    return obj->class->type->name;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename)
{
    TypeImpl *target, *ti;
    ObjectClass *found = NULL;
    int matches = 0;

    if (!klass) {
        return NULL;
    }
    ti = klass->type;
    if (ti->name == typename || g_str_equal(ti->name, typename)) {
        return klass;
    }
    target = type_get_by_name(typename);
    if (!target) {
        return NULL;
    }

    if (klass->interfaces &&
        type_is_ancestor(target, type_get_by_name(TYPE_INTERFACE))) {
        for (GSList *e = klass->interfaces; e; e = e->next) {
            ObjectClass *iface = e->data;

            if (type_is_ancestor(iface->type, target)) {
                found = iface;
                matches++;
            }
        }
        /* Two interfaces deriving from the target: which one is meant? */
        return matches == 1 ? found : NULL;
    }
    return type_is_ancestor(ti, target) ? klass : NULL;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(object_get_class(obj), typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        fprintf(stderr, "%s:%d:%s: object %p of type '%s' is not an "
                "instance of type '%s'\n", file, line, func, (void *)obj,
                object_get_typename(obj), typename);
        abort();
    }
    return obj;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    ObjectClass *ret;

    if (!klass) {
        return NULL;
    }
    ret = object_class_dynamic_cast(klass, typename);
    if (!ret) {
        fprintf(stderr, "%s:%d:%s: class '%s' is not an instance of "
                "type '%s'\n", file, line, func, klass->type->name,
                typename);
        abort();
    }
    return ret;
}

/* ---- Classes ------------------------------------------------------------ */

ObjectClass *object_class_by_name(const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        return NULL;
    }
    type_initialize(ti);
    return ti->class;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->name;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->abstract;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    TypeImpl *parent = type_get_parent(klass->type);

    if (!parent) {
        return NULL;
    }
    type_initialize(parent);
    return parent->class;
}

typedef struct ClassForeachData {
    void (*fn)(ObjectClass *klass, void *opaque);
    void *opaque;
    const char *implements_type;
    bool include_abstract;
} ClassForeachData;

void object_class_foreach(void (*fn)(ObjectClass *klass, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque)
{
    /* Class init may register types; iterate over a snapshot. */
    g_autoptr(GList) types = g_hash_table_get_values(type_table_get());

    for (GList *l = types; l; l = l->next) {
        TypeImpl *ti = l->data;
        ObjectClass *klass;

        type_initialize(ti);
        klass = ti->class;
        if (ti->abstract && !include_abstract) {
            continue;
        }
        if (implements_type &&
            !object_class_dynamic_cast(klass, implements_type)) {
            continue;
        }
        fn(klass, opaque);
    }
}

static void class_list_add(ObjectClass *klass, void *opaque)
{
    GSList **list = opaque;

    *list = g_slist_prepend(*list, klass);
}

GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract)
{
    GSList *list = NULL;

    object_class_foreach(class_list_add, implements_type, include_abstract,
                         &list);
    return list;
}

static gint class_cmp_name(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp(object_class_get_name((ObjectClass *)a),
                              object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list_sorted(const char *implements_type,
                                     bool include_abstract)
{
    return g_slist_sort(object_class_get_list(implements_type,
                                              include_abstract),
                        class_cmp_name);
}

static const TypeInfo object_info = {
    .name = TYPE_OBJECT,
    .instance_size = sizeof(Object),
    .class_size = sizeof(ObjectClass),
    .abstract = true,
};

static const TypeInfo interface_info = {
    .name = TYPE_INTERFACE,
    .class_size = sizeof(InterfaceClass),
    .abstract = true,
};

static void register_base_types(void)
{
    type_register_static(&object_info);
    type_register_static(&interface_info);
}

type_init(register_base_types)
