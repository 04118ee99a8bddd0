/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM: the object model
 *
 * Types are registered by name with a TypeInfo (usually from a type_init()
 * constructor).  A type's class is created lazily the first time anything
 * asks for it: the parent's class struct is copied, then every ancestor's
 * class_base_init runs (nearest ancestor first), then the type's class_init.
 *
 * Instances are reference counted.  object_new() returns one reference.
 * Instance construction runs instance_init from the root type down to the
 * leaf, then instance_post_init from the leaf up; finalization runs
 * instance_finalize from the leaf up after every property (and so every
 * child) has been released.
 *
 * Objects form a composition tree rooted at object_get_root() ("/"): a
 * parent owns a reference on each child through a "child<TYPE>" property.
 * Well-known places: /machine, /machine/peripheral/ID,
 * /machine/unattached, /objects/ID.
 *
 * Property values travel as JsonNode (json-glib).  A setter receives the
 * node borrowed plus a "keyval" flag: true means the value came from
 * key=value syntax and is a JSON string that the setter parses into its
 * type; false means typed JSON, and a node of the wrong JSON type is an
 * error.  A getter returns a new node that the caller unrefs.
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"
#include "qapi/qapi-types.h"
#include "qemu/compiler.h"
#include "qom/qom-enum.h"

typedef struct TypeImpl *Type;
typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct ObjectProperty ObjectProperty;
typedef struct InterfaceInfo InterfaceInfo;
typedef struct InterfaceClass InterfaceClass;
typedef struct TypeInfo TypeInfo;

#define TYPE_OBJECT "object"
#define TYPE_INTERFACE "interface"
#define TYPE_CONTAINER "container"

/* ---- Properties ------------------------------------------------------ */

/* Returns a new node holding the value, or NULL with *errp set. */
typedef JsonNode *ObjectPropertyGet(Object *obj, ObjectProperty *prop,
                                    Error **errp);
/* Applies value (borrowed); see the keyval rule at the top. */
typedef bool ObjectPropertySet(Object *obj, ObjectProperty *prop,
                               JsonNode *value, bool keyval, Error **errp);
/* For path resolution: the object the component names, or NULL. */
typedef Object *ObjectPropertyResolve(Object *obj, ObjectProperty *prop,
                                      const char *part);
/* Called when the property is deleted (and when its object finalizes). */
typedef void ObjectPropertyRelease(Object *obj, ObjectProperty *prop);
/* Class properties: called on each new instance before instance_init. */
typedef void ObjectPropertyInit(Object *obj, ObjectProperty *prop);

struct ObjectProperty {
    char *name;
    char *type;             /* "bool", "str", "uint32", "child<T>", ... */
    char *description;      /* may be NULL */
    ObjectPropertyGet *get; /* NULL: write-only */
    ObjectPropertySet *set; /* NULL: read-only */
    ObjectPropertyResolve *resolve;
    ObjectPropertyRelease *release;
    ObjectPropertyInit *init;
    void *opaque;
    JsonNode *defval;       /* the default, for help and for init */
    const QEnumLookup *enum_lookup; /* enum properties: the names, for help */
};

/*
 * Adds a property to one object.  type is copied; opaque is the
 * accessors' own.  object_property_add() aborts if the name is taken (a
 * programming bug); the try_ variant reports it:
 * "attempt to add duplicate property 'NAME' to object (type 'TYPE')".
 * A name ending in "[*]" is replaced by the first free "[N]".
 */
ObjectProperty *object_property_add(Object *obj, const char *name,
                                    const char *type,
                                    ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque);
ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, Error **errp);
/* Class properties exist on every instance of the class and subclasses. */
ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name,
                                          const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque);

/* Removes an instance property, calling its release hook. */
void object_property_del(Object *obj, const char *name);

/* Instance property first, then class properties.  NULL if absent. */
ObjectProperty *object_property_find(Object *obj, const char *name);
/* Same, with "Property 'TYPE.NAME' not found". */
ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         Error **errp);
ObjectProperty *object_class_property_find(ObjectClass *klass,
                                           const char *name);
ObjectProperty *object_class_property_find_err(ObjectClass *klass,
                                               const char *name,
                                               Error **errp);

/* The property's type string, or NULL with "Property ... not found". */
const char *object_property_get_type(Object *obj, const char *name,
                                     Error **errp);

void object_property_set_description(Object *obj, const char *name,
                                     const char *description);
void object_class_property_set_description(ObjectClass *klass,
                                           const char *name,
                                           const char *description);

/*
 * Defaults: recorded for help output and applied to each new instance
 * (class properties) before instance_init.  The property needs a setter.
 */
void object_property_set_default_bool(ObjectProperty *prop, bool value);
void object_property_set_default_str(ObjectProperty *prop, const char *value);
void object_property_set_default_int(ObjectProperty *prop, int64_t value);
void object_property_set_default_uint(ObjectProperty *prop, uint64_t value);
/* Only records the default for help output. */
void object_property_set_default_list(ObjectProperty *prop);
/* The default as text ("true", "42", "auto"), or NULL.  Caller frees. */
char *object_property_get_default_str(ObjectProperty *prop);

/*
 * Iteration over all properties of an object (its own, then its class's,
 * then its ancestors').  Do not add or delete properties meanwhile.
 */
typedef struct ObjectPropertyIterator {
    ObjectClass *nextclass;
    GHashTableIter iter;
} ObjectPropertyIterator;

void object_property_iter_init(ObjectPropertyIterator *iter, Object *obj);
void object_class_property_iter_init(ObjectPropertyIterator *iter,
                                     ObjectClass *klass);
ObjectProperty *object_property_iter_next(ObjectPropertyIterator *iter);

/* ---- Getting and setting --------------------------------------------- */

/*
 * Sets property name of obj from value (borrowed).  Errors name the
 * property: "Property 'TYPE.NAME' not found", "Property 'TYPE.NAME' is not
 * writable", or the setter's own message.
 */
bool object_property_set_json(Object *obj, const char *name,
                              JsonNode *value, bool keyval, Error **errp);
/* New node holding the value, or NULL with *errp set. */
JsonNode *object_property_get_json(Object *obj, const char *name,
                                   Error **errp);

/*
 * Applies every member of dict in order as object_property_set_json(),
 * except members named in skip (a NULL-terminated list, may be NULL).
 * Stops at the first error.
 */
bool object_set_properties_from_json(Object *obj, JsonObject *dict,
                                     bool keyval, const char *const *skip,
                                     Error **errp);

/* Convenience wrappers; they build typed JSON (keyval = false). */
bool object_property_set_str(Object *obj, const char *name,
                             const char *value, Error **errp);
bool object_property_set_bool(Object *obj, const char *name, bool value,
                              Error **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t value,
                             Error **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t value,
                              Error **errp);
/* value NULL clears the link. */
bool object_property_set_link(Object *obj, const char *name, Object *value,
                              Error **errp);
/* Parses string as key=value syntax would (keyval = true). */
bool object_property_parse(Object *obj, const char *name, const char *string,
                           Error **errp);

/* Caller frees.  NULL with *errp set if absent or not a string. */
char *object_property_get_str(Object *obj, const char *name, Error **errp);
/* false with *errp set on failure. */
bool object_property_get_bool(Object *obj, const char *name, Error **errp);
/* -1 with *errp set on failure. */
int64_t object_property_get_int(Object *obj, const char *name, Error **errp);
uint64_t object_property_get_uint(Object *obj, const char *name,
                                  Error **errp);
/* Enum value by the enum's lookup, -1 with *errp set on failure. */
int object_property_get_enum(Object *obj, const char *name,
                             const QEnumLookup *lookup, Error **errp);
/* Link target (borrowed), NULL if unset or on error. */
Object *object_property_get_link(Object *obj, const char *name, Error **errp);
/* The value as text: JSON when !human; when human, strings unquoted. */
char *object_property_print(Object *obj, const char *name, bool human,
                            Error **errp);

/* ---- Typed property helpers ------------------------------------------ */

typedef enum ObjectPropertyFlags {
    OBJ_PROP_FLAG_READ = 1 << 0,
    OBJ_PROP_FLAG_WRITE = 1 << 1,
    OBJ_PROP_FLAG_READWRITE = OBJ_PROP_FLAG_READ | OBJ_PROP_FLAG_WRITE,
} ObjectPropertyFlags;

/* Callback properties: NULL get or set makes it write-/read-only. */
ObjectProperty *object_property_add_bool(Object *obj, const char *name,
                                         bool (*get)(Object *, Error **),
                                         void (*set)(Object *, bool,
                                                     Error **));
ObjectProperty *object_class_property_add_bool(ObjectClass *klass,
                                               const char *name,
                                               bool (*get)(Object *, Error **),
                                               void (*set)(Object *, bool,
                                                           Error **));
/* get returns a newly allocated string. */
ObjectProperty *object_property_add_str(Object *obj, const char *name,
                                        char *(*get)(Object *, Error **),
                                        void (*set)(Object *, const char *,
                                                    Error **));
ObjectProperty *object_class_property_add_str(ObjectClass *klass,
                                              const char *name,
                                              char *(*get)(Object *, Error **),
                                              void (*set)(Object *,
                                                          const char *,
                                                          Error **));
/* typename is the enum's name shown as the property type ("OnOffAuto"). */
ObjectProperty *object_property_add_enum(Object *obj, const char *name,
                                         const char *typename,
                                         const QEnumLookup *lookup,
                                         int (*get)(Object *, Error **),
                                         void (*set)(Object *, int, Error **));
ObjectProperty *object_class_property_add_enum(ObjectClass *klass,
                                               const char *name,
                                               const char *typename,
                                               const QEnumLookup *lookup,
                                               int (*get)(Object *, Error **),
                                               void (*set)(Object *, int,
                                                           Error **));

/*
 * Field properties: the value lives in a C field.  The instance variants
 * take a pointer to it; the class variants an offset from the start of
 * the instance (offsetof(MyDevice, field)).  Setters check the C type's
 * range ("Parameter 'NAME' expects uint8_t"); see qom/qom-json.h for all
 * value errors.
 */
ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name,
                                             bool *v,
                                             ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint8_ptr(Object *obj, const char *name,
                                              uint8_t *v,
                                              ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint16_ptr(Object *obj, const char *name,
                                               uint16_t *v,
                                               ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint32_ptr(Object *obj, const char *name,
                                               uint32_t *v,
                                               ObjectPropertyFlags flags);
ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name,
                                               uint64_t *v,
                                               ObjectPropertyFlags flags);
ObjectProperty *object_property_add_int32_ptr(Object *obj, const char *name,
                                              int32_t *v,
                                              ObjectPropertyFlags flags);
ObjectProperty *object_property_add_int64_ptr(Object *obj, const char *name,
                                              int64_t *v,
                                              ObjectPropertyFlags flags);
/* A uint64 that also accepts size suffixes (4k, 2M, 1G) in keyval. */
ObjectProperty *object_property_add_size_ptr(Object *obj, const char *name,
                                             uint64_t *v,
                                             ObjectPropertyFlags flags);
/* A char * field, g_free'd and replaced on set. */
ObjectProperty *object_property_add_str_ptr(Object *obj, const char *name,
                                            char **v,
                                            ObjectPropertyFlags flags);

/*
 * Class field properties.  The _range variants restrict the value to
 * [min, max]: "Property 'TYPE.NAME' doesn't take value V (minimum: MIN,
 * maximum: MAX)".
 * width is the field size in bytes (1, 2, 4 or 8).
 */
ObjectProperty *object_class_property_add_bool_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_uint8_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_uint16_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_uint32_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_uint64_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_int32_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_int64_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_size_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_str_field(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset,
                                                    ObjectPropertyFlags flags);
/* An int field (C enum) holding a value of lookup. */
ObjectProperty *object_class_property_add_enum_field(ObjectClass *klass,
                                                     const char *name,
                                                     const char *typename,
                                                     const QEnumLookup *lookup,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_uint_range(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     unsigned width,
                                                     uint64_t min,
                                                     uint64_t max,
                                                     ObjectPropertyFlags flags);
ObjectProperty *object_class_property_add_int_range(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset,
                                                    unsigned width,
                                                    int64_t min, int64_t max,
                                                    ObjectPropertyFlags flags);

/* ---- Links and children ---------------------------------------------- */

typedef enum ObjectPropertyLinkFlags {
    OBJ_PROP_LINK_STRONG = 1 << 0,   /* the link holds a reference */
    OBJ_PROP_LINK_DIRECT = 1 << 1,   /* internal: targetp is a pointer */
    OBJ_PROP_LINK_CLASS = 1 << 2,    /* internal: targetp is an offset */
} ObjectPropertyLinkFlags;

/*
 * Vetoes a new link target (val may be NULL for "unset") by setting *errp,
 * e.g. "can't be changed after realize".
 */
typedef void ObjectLinkCheck(const Object *obj, const char *name, Object *val,
                             Error **errp);
/* A check that allows everything. */
void object_property_allow_set_link(const Object *obj, const char *name,
                                    Object *val, Error **errp);

/*
 * A "link<TYPE>" property storing its target in *targetp.  Set it with a
 * string: "" clears it; otherwise an id under /objects, then an absolute
 * or partial path.  A target that is not a TYPE is refused with
 * "Invalid parameter type for 'NAME', expected: TYPE"; an unknown one with
 * "Device 'PATH' not found".  Reading gives the target's canonical path
 * ("" when unset).
 */
ObjectProperty *object_property_add_link(Object *obj, const char *name,
                                         const char *type, Object **targetp,
                                         ObjectLinkCheck *check,
                                         ObjectPropertyLinkFlags flags);
/* offset: offsetof(Instance, field) of the Object * field. */
ObjectProperty *object_class_property_add_link(ObjectClass *klass,
                                               const char *name,
                                               const char *type,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               ObjectPropertyLinkFlags flags);

/*
 * Makes child a child of obj under name, taking a reference on it (the
 * caller keeps its own).  child must not have a parent.  The property is
 * "child<TYPE>" and reads as the child's canonical path.
 */
ObjectProperty *object_property_add_child(Object *obj, const char *name,
                                          Object *child);
ObjectProperty *object_property_try_add_child(Object *obj, const char *name,
                                              Object *child, Error **errp);
/* Detaches obj from its parent, dropping the parent's reference. */
void object_unparent(Object *obj);

/* ---- Types ------------------------------------------------------------ */

struct InterfaceInfo {
    const char *type;
};

struct TypeInfo {
    const char *name;
    const char *parent;
    size_t instance_size;       /* 0: the parent's */
    size_t instance_align;      /* unused; for QEMU shape */
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    bool abstract;
    size_t class_size;          /* 0: the parent's */
    void (*class_init)(ObjectClass *klass, const void *data);
    void (*class_base_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    const InterfaceInfo *interfaces;   /* terminated by { } */
};

/* Registers info (kept by pointer, so static storage).  Safe at load time. */
Type type_register_static(const TypeInfo *info);
/* Same, copying info's strings. */
Type type_register(const TypeInfo *info);
void type_register_static_array(const TypeInfo *infos, int nr_infos);

/* Runs fn at program load (QOM types register from here). */
#define type_init(fn)                                           \
    static void __attribute__((constructor)) do_qemu_init_##fn(void) \
    {                                                           \
        fn();                                                   \
    }

#define DEFINE_TYPES(type_array)                                \
    static void do_qemu_init_##type_array(void)                 \
    {                                                           \
        type_register_static_array(type_array,                  \
                                   ARRAY_SIZE(type_array));     \
    }                                                           \
    type_init(do_qemu_init_##type_array)

typedef void ObjectUnparent(Object *obj);
typedef void ObjectFree(void *obj);

struct ObjectClass {
    Type type;
    GSList *interfaces;         /* InterfaceClass *, one per interface */
    ObjectUnparent *unparent;   /* called when removed from its parent */
    GHashTable *properties;     /* name -> ObjectProperty *, own only */
};

struct Object {
    ObjectClass *class;
    ObjectFree *free;           /* frees the storage; NULL if embedded */
    GHashTable *properties;     /* name -> ObjectProperty * */
    GPtrArray *property_order;  /* ObjectProperty *, insertion order */
    uint32_t ref;
    Object *parent;
};

/*
 * An interface's class.  Each class implementing an interface gets its own
 * copy, whose concrete_class points back at the implementing class; the
 * implementing class_init fills in the interface's methods through
 * FOO_INTERFACE_CLASS(klass) / FOO_CLASS(klass).
 */
struct InterfaceClass {
    ObjectClass parent_class;
    ObjectClass *concrete_class;
    Type interface_type;
};

/* ---- Casts and declarations ------------------------------------------ */

/* Checked casts: NULL stays NULL; a wrong type aborts, naming both. */
Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func);
ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func);

#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CLASS(klass) ((ObjectClass *)(klass))

#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name), \
                                        __FILE__, __LINE__, __func__))
#define OBJECT_CLASS_CHECK(class_type, klass, name) \
    ((class_type *)object_class_dynamic_cast_assert(OBJECT_CLASS(klass), \
                                        (name), __FILE__, __LINE__, __func__))
#define OBJECT_GET_CLASS(class_type, obj, name) \
    OBJECT_CLASS_CHECK(class_type, object_get_class(OBJECT(obj)), name)

#define INTERFACE_CHECK(interface, obj, name) \
    ((interface *)object_dynamic_cast_assert(OBJECT((obj)), (name), \
                                             __FILE__, __LINE__, __func__))

#define DECLARE_INSTANCE_CHECKER(InstanceType, OBJ_NAME, TYPENAME) \
    static inline G_GNUC_UNUSED InstanceType *OBJ_NAME(const void *obj) \
    { return OBJECT_CHECK(InstanceType, obj, TYPENAME); }

#define DECLARE_CLASS_CHECKERS(ClassType, OBJ_NAME, TYPENAME) \
    static inline G_GNUC_UNUSED ClassType *OBJ_NAME##_GET_CLASS(const void *obj) \
    { return OBJECT_GET_CLASS(ClassType, obj, TYPENAME); } \
    static inline G_GNUC_UNUSED ClassType *OBJ_NAME##_CLASS(const void *klass) \
    { return OBJECT_CLASS_CHECK(ClassType, klass, TYPENAME); }

#define DECLARE_OBJ_CHECKERS(InstanceType, ClassType, OBJ_NAME, TYPENAME) \
    DECLARE_INSTANCE_CHECKER(InstanceType, OBJ_NAME, TYPENAME) \
    DECLARE_CLASS_CHECKERS(ClassType, OBJ_NAME, TYPENAME)

/*
 * OBJECT_DECLARE_TYPE(MyDevice, MyDeviceClass, MY_DEVICE) needs
 * TYPE_MY_DEVICE defined and declares the typedefs, MY_DEVICE(obj),
 * MY_DEVICE_GET_CLASS(obj), MY_DEVICE_CLASS(klass) and g_autoptr(MyDevice).
 */
#define OBJECT_DECLARE_TYPE(InstanceType, ClassType, MODULE_OBJ_NAME) \
    typedef struct InstanceType InstanceType; \
    typedef struct ClassType ClassType; \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(InstanceType, object_unref) \
    DECLARE_OBJ_CHECKERS(InstanceType, ClassType, MODULE_OBJ_NAME, \
                         TYPE_##MODULE_OBJ_NAME)

/* Same for a type without its own class struct. */
#define OBJECT_DECLARE_SIMPLE_TYPE(InstanceType, MODULE_OBJ_NAME) \
    typedef struct InstanceType InstanceType; \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(InstanceType, object_unref) \
    DECLARE_INSTANCE_CHECKER(InstanceType, MODULE_OBJ_NAME, \
                             TYPE_##MODULE_OBJ_NAME)

/*
 * OBJECT_DEFINE_SIMPLE_TYPE(MyDevice, my_device, MY_DEVICE, PARENT) in a
 * .c file registers TYPE_MY_DEVICE; the file defines my_device_init,
 * my_device_finalize and my_device_class_init.
 */
#define OBJECT_DEFINE_TYPE_EXTENDED(ModuleObjName, module_obj_name, \
                                    MODULE_OBJ_NAME, PARENT_MODULE_OBJ_NAME, \
                                    ABSTRACT, CLASS_SIZE, ...) \
    static void module_obj_name##_init(Object *obj); \
    static void module_obj_name##_finalize(Object *obj); \
    static void module_obj_name##_class_init(ObjectClass *oc, \
                                             const void *data); \
    static const TypeInfo module_obj_name##_info = { \
        .parent = TYPE_##PARENT_MODULE_OBJ_NAME, \
        .name = TYPE_##MODULE_OBJ_NAME, \
        .instance_size = sizeof(ModuleObjName), \
        .instance_init = module_obj_name##_init, \
        .instance_finalize = module_obj_name##_finalize, \
        .class_size = CLASS_SIZE, \
        .class_init = module_obj_name##_class_init, \
        .abstract = ABSTRACT, \
        .interfaces = (const InterfaceInfo[]) { __VA_ARGS__ }, \
    }; \
    static void module_obj_name##_register_types(void) \
    { \
        type_register_static(&module_obj_name##_info); \
    } \
    type_init(module_obj_name##_register_types)

#define OBJECT_DEFINE_TYPE(ModuleObjName, module_obj_name, MODULE_OBJ_NAME, \
                           PARENT_MODULE_OBJ_NAME) \
    OBJECT_DEFINE_TYPE_EXTENDED(ModuleObjName, module_obj_name, \
                                MODULE_OBJ_NAME, PARENT_MODULE_OBJ_NAME, \
                                false, sizeof(ModuleObjName##Class), { NULL })

#define OBJECT_DEFINE_SIMPLE_TYPE(ModuleObjName, module_obj_name, \
                                  MODULE_OBJ_NAME, PARENT_MODULE_OBJ_NAME) \
    OBJECT_DEFINE_TYPE_EXTENDED(ModuleObjName, module_obj_name, \
                                MODULE_OBJ_NAME, PARENT_MODULE_OBJ_NAME, \
                                false, 0, { NULL })

/* ---- Objects ---------------------------------------------------------- */

/* A new instance with one reference.  Aborts on unknown/abstract types. */
Object *object_new(const char *typename);
Object *object_new_with_class(ObjectClass *klass);
/*
 * Same for user-supplied names: NULL with "Invalid object type 'NAME'"
 * or "Object type 'NAME' is abstract".
 */
Object *object_new_checked(const char *typename, Error **errp);
Object *object_new_with_class_checked(ObjectClass *klass, Error **errp);

/*
 * Initializes an object embedded in caller storage of size bytes (no
 * free on finalize).  The _child variant also adds it as child propname
 * of parent and drops the caller's reference, so the parent owns it.
 */
void object_initialize(void *data, size_t size, const char *typename);
void object_initialize_child(Object *parent, const char *propname,
                             void *child, size_t size, const char *type);

/* Returns obj.  Both take/accept NULL and do nothing with it. */
Object *object_ref(void *obj);
void object_unref(void *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Object, object_unref)

/* obj cast to typename (a class or interface), or NULL. */
Object *object_dynamic_cast(Object *obj, const char *typename);
ObjectClass *object_get_class(Object *obj);
const char *object_get_typename(const Object *obj);

/* ---- Classes ---------------------------------------------------------- */

/* The class for typename (initializing it if needed), or NULL. */
ObjectClass *object_class_by_name(const char *typename);
/* For interfaces this returns the implementing class's interface class. */
ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename);
const char *object_class_get_name(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* NULL for the root type "object". */
ObjectClass *object_class_get_parent(ObjectClass *klass);
/*
 * Every class that is (or implements) implements_type (NULL: all),
 * abstract ones only if include_abstract.  Caller frees the list only.
 */
GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract);
/* Same, sorted by type name. */
GSList *object_class_get_list_sorted(const char *implements_type,
                                     bool include_abstract);
void object_class_foreach(void (*fn)(ObjectClass *klass, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque);

/* ---- The composition tree -------------------------------------------- */

/* "/" (a container), created on first use. */
Object *object_get_root(void);
/* "/objects": where user-created objects (-object, object-add) live. */
Object *object_get_objects_root(void);
/* "/internal-objects": objects hidden from the user. */
Object *object_get_internal_root(void);

/*
 * The object at path under root, creating missing components as
 * containers.  path is absolute ("/machine/peripheral") or relative to
 * root ("peripheral").
 */
Object *container_get(Object *root, const char *path);
/* A new container child of parent (the caller's reference is dropped). */
Object *container_create(Object *parent, const char *name);
/* The container child of root "/NAME", created if missing. */
Object *object_get_container(const char *name);

/*
 * "/a/b/c" for an object in the tree, "/" for the root, NULL for an object
 * not attached to the root.  Caller frees.
 */
char *object_get_canonical_path(const Object *obj);
/* The name of obj in its parent, or NULL.  Caller frees. */
char *object_get_canonical_path_component(const Object *obj);

/*
 * An absolute path ("/machine/peripheral/net0") follows child and link
 * properties from the root.  A partial path ("net0", "peripheral/net0")
 * matches it against every tail of the tree; if more than one object
 * matches, *ambiguous (optional) is set and NULL returned.
 */
Object *object_resolve_path(const char *path, bool *ambiguous);
/* Same, only matching objects castable to typename. */
Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous);
/* Resolves path relative to parent; no partial matching. */
Object *object_resolve_path_at(Object *parent, const char *path);
/* The object named by one child or link property of parent, or NULL. */
Object *object_resolve_path_component(Object *parent, const char *part);

/* Calls fn on each child (in insertion order) until it returns nonzero. */
int object_child_foreach(Object *obj, int (*fn)(Object *child, void *opaque),
                         void *opaque);
/* Same, depth-first over the whole subtree (parents before children). */
int object_child_foreach_recursive(Object *obj,
                                   int (*fn)(Object *child, void *opaque),
                                   void *opaque);

/* ---- Introspection for help and qom-list ----------------------------- */

/*
 * ObjectPropertyInfo is the schema's (qapi/qom.json): name, type,
 * description (NULL if none), default_value (as text, NULL if none);
 * qapi_free_ObjectPropertyInfo() frees one.
 */

/*
 * The class properties of typename (the ones "-device X,help" lists),
 * sorted by name, skipping child<> and link<> ones unless with_links.
 * A GPtrArray of ObjectPropertyInfo * with a free func, or NULL with
 * "Invalid object type 'X'".
 */
GPtrArray *object_class_property_list(const char *typename, bool with_links,
                                      Error **errp);
/*
 * Help text: one line per property in QEMU's layout
 *     "  NAME=<TYPE>  - DESCRIPTION (default: VALUE)"
 * each ending in '\n'.  Caller frees.
 */
char *object_class_describe_properties(ObjectClass *klass);
/* qom-list: every property of obj, in order.  Same element type. */
GPtrArray *object_property_list(Object *obj);

#endif
