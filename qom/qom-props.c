/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed QOM properties: callback-backed bool/str/enum, and properties
 * backed by a C field (by pointer for one object, by offset for a class)
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/qom-json.h"

static bool propagate_failed(Error *local_err, Error **errp)
{
    if (local_err) {
        error_propagate(errp, local_err);
        return true;
    }
    return false;
}

/* Instance callback properties own their opaque; class ones share it. */
static void release_opaque(Object *obj, ObjectProperty *prop)
{
    g_free(prop->opaque);
}

/* ---- bool --------------------------------------------------------------- */

typedef struct BoolProperty {
    bool (*get)(Object *, Error **);
    void (*set)(Object *, bool, Error **);
} BoolProperty;

static JsonNode *bool_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    BoolProperty *bp = prop->opaque;
    Error *local_err = NULL;
    bool value = bp->get(obj, &local_err);

    return propagate_failed(local_err, errp) ? NULL : qom_json_new_bool(value);
}

static bool bool_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     bool keyval, Error **errp)
{
    BoolProperty *bp = prop->opaque;
    Error *local_err = NULL;
    bool v;

    if (!qom_json_to_bool(value, prop->name, keyval, &v, errp)) {
        return false;
    }
    bp->set(obj, v, &local_err);
    return !propagate_failed(local_err, errp);
}

static BoolProperty *bool_property_new(bool (*get)(Object *, Error **),
                                       void (*set)(Object *, bool, Error **))
{
    BoolProperty *bp = g_new0(BoolProperty, 1);

    bp->get = get;
    bp->set = set;
    return bp;
}

ObjectProperty *object_property_add_bool(Object *obj, const char *name,
                                         bool (*get)(Object *, Error **),
                                         void (*set)(Object *, bool,
                                                     Error **))
{
    return object_property_add(obj, name, "bool", get ? bool_get : NULL,
                               set ? bool_set : NULL, release_opaque,
                               bool_property_new(get, set));
}

ObjectProperty *object_class_property_add_bool(ObjectClass *klass,
                                               const char *name,
                                               bool (*get)(Object *, Error **),
                                               void (*set)(Object *, bool,
                                                           Error **))
{
    return object_class_property_add(klass, name, "bool",
                                     get ? bool_get : NULL,
                                     set ? bool_set : NULL, NULL,
                                     bool_property_new(get, set));
}

/* ---- str ---------------------------------------------------------------- */

typedef struct StringProperty {
    char *(*get)(Object *, Error **);
    void (*set)(Object *, const char *, Error **);
} StringProperty;

static JsonNode *str_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    StringProperty *sp = prop->opaque;
    Error *local_err = NULL;
    g_autofree char *value = sp->get(obj, &local_err);

    if (propagate_failed(local_err, errp)) {
        return NULL;
    }
    return qom_json_new_str(value ? value : "");
}

static bool str_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                    bool keyval, Error **errp)
{
    StringProperty *sp = prop->opaque;
    Error *local_err = NULL;
    const char *v;

    if (!qom_json_to_str(value, prop->name, keyval, &v, errp)) {
        return false;
    }
    sp->set(obj, v, &local_err);
    return !propagate_failed(local_err, errp);
}

static StringProperty *str_property_new(char *(*get)(Object *, Error **),
                                        void (*set)(Object *, const char *,
                                                    Error **))
{
    StringProperty *sp = g_new0(StringProperty, 1);

    sp->get = get;
    sp->set = set;
    return sp;
}

ObjectProperty *object_property_add_str(Object *obj, const char *name,
                                        char *(*get)(Object *, Error **),
                                        void (*set)(Object *, const char *,
                                                    Error **))
{
    return object_property_add(obj, name, "string", get ? str_get : NULL,
                               set ? str_set : NULL, release_opaque,
                               str_property_new(get, set));
}

ObjectProperty *object_class_property_add_str(ObjectClass *klass,
                                              const char *name,
                                              char *(*get)(Object *, Error **),
                                              void (*set)(Object *,
                                                          const char *,
                                                          Error **))
{
    return object_class_property_add(klass, name, "string",
                                     get ? str_get : NULL,
                                     set ? str_set : NULL, NULL,
                                     str_property_new(get, set));
}

/* ---- enum --------------------------------------------------------------- */

typedef struct EnumProperty {
    const QEnumLookup *lookup;
    int (*get)(Object *, Error **);
    void (*set)(Object *, int, Error **);
} EnumProperty;

static JsonNode *enum_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    EnumProperty *ep = prop->opaque;
    Error *local_err = NULL;
    int value = ep->get(obj, &local_err);
    const char *name;

    if (propagate_failed(local_err, errp)) {
        return NULL;
    }
    name = qapi_enum_lookup(ep->lookup, value);
    if (!name) {
        error_setg(errp, "Property '%s.%s' holds invalid value %d",
                   object_get_typename(obj), prop->name, value);
        return NULL;
    }
    return qom_json_new_str(name);
}

static bool enum_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                     bool keyval, Error **errp)
{
    EnumProperty *ep = prop->opaque;
    Error *local_err = NULL;
    int v;

    if (!qom_json_to_enum(value, prop->name, keyval, ep->lookup, &v, errp)) {
        return false;
    }
    ep->set(obj, v, &local_err);
    return !propagate_failed(local_err, errp);
}

static EnumProperty *enum_property_new(const QEnumLookup *lookup,
                                       int (*get)(Object *, Error **),
                                       void (*set)(Object *, int, Error **))
{
    EnumProperty *ep = g_new0(EnumProperty, 1);

    ep->lookup = lookup;
    ep->get = get;
    ep->set = set;
    return ep;
}

ObjectProperty *object_property_add_enum(Object *obj, const char *name,
                                         const char *typename,
                                         const QEnumLookup *lookup,
                                         int (*get)(Object *, Error **),
                                         void (*set)(Object *, int, Error **))
{
    ObjectProperty *prop =
        object_property_add(obj, name, typename, get ? enum_get : NULL,
                            set ? enum_set : NULL, release_opaque,
                            enum_property_new(lookup, get, set));

    prop->enum_lookup = lookup;
    return prop;
}

ObjectProperty *object_class_property_add_enum(ObjectClass *klass,
                                               const char *name,
                                               const char *typename,
                                               const QEnumLookup *lookup,
                                               int (*get)(Object *, Error **),
                                               void (*set)(Object *, int,
                                                           Error **))
{
    ObjectProperty *prop =
        object_class_property_add(klass, name, typename,
                                  get ? enum_get : NULL,
                                  set ? enum_set : NULL, NULL,
                                  enum_property_new(lookup, get, set));

    prop->enum_lookup = lookup;
    return prop;
}

/* ---- Field properties --------------------------------------------------- */

typedef enum FieldKind {
    FIELD_BOOL,
    FIELD_U8, FIELD_U16, FIELD_U32, FIELD_U64,
    FIELD_I8, FIELD_I16, FIELD_I32, FIELD_I64,
    FIELD_SIZE,
    FIELD_STR,
    FIELD_ENUM,
} FieldKind;

static const struct {
    const char *type;       /* the property type */
    const char *ctype;      /* for range errors */
    uint64_t umax;
    int64_t smin, smax;
} field_kinds[] = {
    [FIELD_BOOL] = { "bool" },
    [FIELD_U8] = { "uint8", "uint8_t", UINT8_MAX },
    [FIELD_U16] = { "uint16", "uint16_t", UINT16_MAX },
    [FIELD_U32] = { "uint32", "uint32_t", UINT32_MAX },
    [FIELD_U64] = { "uint64", "uint64_t", UINT64_MAX },
    [FIELD_I8] = { "int8", "int8_t", 0, INT8_MIN, INT8_MAX },
    [FIELD_I16] = { "int16", "int16_t", 0, INT16_MIN, INT16_MAX },
    [FIELD_I32] = { "int32", "int32_t", 0, INT32_MIN, INT32_MAX },
    [FIELD_I64] = { "int64", "int64_t", 0, INT64_MIN, INT64_MAX },
    [FIELD_SIZE] = { "size", "uint64_t", UINT64_MAX },
    [FIELD_STR] = { "str" },
    [FIELD_ENUM] = { "enum" },
};

typedef struct FieldProperty {
    FieldKind kind;
    bool is_class;
    void *ptr;                  /* instance properties */
    ptrdiff_t offset;           /* class properties */
    const QEnumLookup *lookup;
    bool has_range;
    uint64_t umin, umax;
    int64_t smin, smax;
} FieldProperty;

static void *field_ptr(Object *obj, FieldProperty *fp)
{
    return fp->is_class ? (char *)obj + fp->offset : fp->ptr;
}

static bool field_is_unsigned(FieldKind kind)
{
    return kind == FIELD_U8 || kind == FIELD_U16 || kind == FIELD_U32 ||
           kind == FIELD_U64 || kind == FIELD_SIZE;
}

static bool field_is_signed(FieldKind kind)
{
    return kind >= FIELD_I8 && kind <= FIELD_I64;
}

static JsonNode *field_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    FieldProperty *fp = prop->opaque;
    void *p = field_ptr(obj, fp);

    switch (fp->kind) {
    case FIELD_BOOL:
        return qom_json_new_bool(*(bool *)p);
    case FIELD_U8:
        return qom_json_new_uint(*(uint8_t *)p);
    case FIELD_U16:
        return qom_json_new_uint(*(uint16_t *)p);
    case FIELD_U32:
        return qom_json_new_uint(*(uint32_t *)p);
    case FIELD_U64:
    case FIELD_SIZE:
        return qom_json_new_uint(*(uint64_t *)p);
    case FIELD_I8:
        return qom_json_new_int(*(int8_t *)p);
    case FIELD_I16:
        return qom_json_new_int(*(int16_t *)p);
    case FIELD_I32:
        return qom_json_new_int(*(int32_t *)p);
    case FIELD_I64:
        return qom_json_new_int(*(int64_t *)p);
    case FIELD_STR:
        return qom_json_new_str(*(char **)p ? *(char **)p : "");
    case FIELD_ENUM: {
        const char *name = qapi_enum_lookup(fp->lookup, *(int *)p);

        if (!name) {
            error_setg(errp, "Property '%s.%s' holds invalid value %d",
                       object_get_typename(obj), prop->name, *(int *)p);
            return NULL;
        }
        return qom_json_new_str(name);
    }
    }
    g_assert_not_reached();
}

static bool field_set_unsigned(Object *obj, ObjectProperty *prop,
                               FieldProperty *fp, void *p, JsonNode *value,
                               bool keyval, Error **errp)
{
    uint64_t v;
    bool ok = fp->kind == FIELD_SIZE
        ? qom_json_to_size(value, prop->name, keyval, &v, errp)
        : qom_json_to_uint(value, prop->name, keyval, &v, errp);

    if (!ok || !qom_check_uint_max(prop->name, v, field_kinds[fp->kind].umax,
                                   field_kinds[fp->kind].ctype, errp)) {
        return false;
    }
    if (fp->has_range &&
        !qom_check_uint_between(object_get_typename(obj), prop->name, v,
                                fp->umin, fp->umax, errp)) {
        return false;
    }
    switch (fp->kind) {
    case FIELD_U8:
        *(uint8_t *)p = v;
        break;
    case FIELD_U16:
        *(uint16_t *)p = v;
        break;
    case FIELD_U32:
        *(uint32_t *)p = v;
        break;
    default:
        *(uint64_t *)p = v;
        break;
    }
    return true;
}

static bool field_set_signed(Object *obj, ObjectProperty *prop,
                             FieldProperty *fp, void *p, JsonNode *value,
                             bool keyval, Error **errp)
{
    int64_t v;

    if (!qom_json_to_int(value, prop->name, keyval, &v, errp) ||
        !qom_check_int_range(prop->name, v, field_kinds[fp->kind].smin,
                             field_kinds[fp->kind].smax,
                             field_kinds[fp->kind].ctype, errp)) {
        return false;
    }
    if (fp->has_range &&
        !qom_check_int_between(object_get_typename(obj), prop->name, v,
                               fp->smin, fp->smax, errp)) {
        return false;
    }
    switch (fp->kind) {
    case FIELD_I8:
        *(int8_t *)p = v;
        break;
    case FIELD_I16:
        *(int16_t *)p = v;
        break;
    case FIELD_I32:
        *(int32_t *)p = v;
        break;
    default:
        *(int64_t *)p = v;
        break;
    }
    return true;
}

static bool field_set(Object *obj, ObjectProperty *prop, JsonNode *value,
                      bool keyval, Error **errp)
{
    FieldProperty *fp = prop->opaque;
    void *p = field_ptr(obj, fp);

    if (field_is_unsigned(fp->kind)) {
        return field_set_unsigned(obj, prop, fp, p, value, keyval, errp);
    }
    if (field_is_signed(fp->kind)) {
        return field_set_signed(obj, prop, fp, p, value, keyval, errp);
    }
    switch (fp->kind) {
    case FIELD_BOOL:
        return qom_json_to_bool(value, prop->name, keyval, p, errp);
    case FIELD_STR: {
        const char *s;

        if (!qom_json_to_str(value, prop->name, keyval, &s, errp)) {
            return false;
        }
        g_free(*(char **)p);
        *(char **)p = g_strdup(s);
        return true;
    }
    case FIELD_ENUM:
        return qom_json_to_enum(value, prop->name, keyval, fp->lookup, p,
                                errp);
    default:
        g_assert_not_reached();
    }
}

/* Strings are owned by the property; the descriptor by instance props. */
static void field_release(Object *obj, ObjectProperty *prop)
{
    FieldProperty *fp = prop->opaque;

    if (fp->kind == FIELD_STR) {
        char **p = field_ptr(obj, fp);

        g_free(*p);
        *p = NULL;
    }
    if (!fp->is_class) {
        g_free(fp);
    }
}

static ObjectProperty *field_add(Object *obj, ObjectClass *klass,
                                 const char *name, const char *type,
                                 FieldProperty *fp, ObjectPropertyFlags flags)
{
    ObjectPropertyGet *get = flags & OBJ_PROP_FLAG_READ ? field_get : NULL;
    ObjectPropertySet *set = flags & OBJ_PROP_FLAG_WRITE ? field_set : NULL;
    bool needs_release = !klass || fp->kind == FIELD_STR;
    ObjectProperty *prop;

    if (!type) {
        type = field_kinds[fp->kind].type;
    }
    fp->is_class = klass != NULL;
    if (klass) {
        prop = object_class_property_add(klass, name, type, get, set,
                                         needs_release ? field_release : NULL,
                                         fp);
    } else {
        prop = object_property_add(obj, name, type, get, set, field_release,
                                   fp);
    }
    prop->enum_lookup = fp->lookup;
    return prop;
}

static ObjectProperty *field_add_ptr(Object *obj, const char *name,
                                     FieldKind kind, void *ptr,
                                     ObjectPropertyFlags flags)
{
    FieldProperty *fp = g_new0(FieldProperty, 1);

    fp->kind = kind;
    fp->ptr = ptr;
    return field_add(obj, NULL, name, NULL, fp, flags);
}

static ObjectProperty *field_add_class(ObjectClass *klass, const char *name,
                                       FieldKind kind, ptrdiff_t offset,
                                       ObjectPropertyFlags flags)
{
    FieldProperty *fp = g_new0(FieldProperty, 1);

    fp->kind = kind;
    fp->offset = offset;
    return field_add(NULL, klass, name, NULL, fp, flags);
}

ObjectProperty *object_property_add_bool_ptr(Object *obj, const char *name,
                                             bool *v,
                                             ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_BOOL, v, flags);
}

ObjectProperty *object_property_add_uint8_ptr(Object *obj, const char *name,
                                              uint8_t *v,
                                              ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_U8, v, flags);
}

ObjectProperty *object_property_add_uint16_ptr(Object *obj, const char *name,
                                               uint16_t *v,
                                               ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_U16, v, flags);
}

ObjectProperty *object_property_add_uint32_ptr(Object *obj, const char *name,
                                               uint32_t *v,
                                               ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_U32, v, flags);
}

ObjectProperty *object_property_add_uint64_ptr(Object *obj, const char *name,
                                               uint64_t *v,
                                               ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_U64, v, flags);
}

ObjectProperty *object_property_add_int32_ptr(Object *obj, const char *name,
                                              int32_t *v,
                                              ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_I32, v, flags);
}

ObjectProperty *object_property_add_int64_ptr(Object *obj, const char *name,
                                              int64_t *v,
                                              ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_I64, v, flags);
}

ObjectProperty *object_property_add_size_ptr(Object *obj, const char *name,
                                             uint64_t *v,
                                             ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_SIZE, v, flags);
}

ObjectProperty *object_property_add_str_ptr(Object *obj, const char *name,
                                            char **v,
                                            ObjectPropertyFlags flags)
{
    return field_add_ptr(obj, name, FIELD_STR, v, flags);
}

ObjectProperty *object_class_property_add_bool_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_BOOL, offset, flags);
}

ObjectProperty *object_class_property_add_uint8_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_U8, offset, flags);
}

ObjectProperty *object_class_property_add_uint16_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_U16, offset, flags);
}

ObjectProperty *object_class_property_add_uint32_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_U32, offset, flags);
}

ObjectProperty *object_class_property_add_uint64_field(ObjectClass *klass,
                                                       const char *name,
                                                       ptrdiff_t offset,
                                                       ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_U64, offset, flags);
}

ObjectProperty *object_class_property_add_int32_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_I32, offset, flags);
}

ObjectProperty *object_class_property_add_int64_field(ObjectClass *klass,
                                                      const char *name,
                                                      ptrdiff_t offset,
                                                      ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_I64, offset, flags);
}

ObjectProperty *object_class_property_add_size_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_SIZE, offset, flags);
}

ObjectProperty *object_class_property_add_str_field(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset,
                                                    ObjectPropertyFlags flags)
{
    return field_add_class(klass, name, FIELD_STR, offset, flags);
}

ObjectProperty *object_class_property_add_enum_field(ObjectClass *klass,
                                                     const char *name,
                                                     const char *typename,
                                                     const QEnumLookup *lookup,
                                                     ptrdiff_t offset,
                                                     ObjectPropertyFlags flags)
{
    FieldProperty *fp = g_new0(FieldProperty, 1);

    fp->kind = FIELD_ENUM;
    fp->offset = offset;
    fp->lookup = lookup;
    return field_add(NULL, klass, name, typename, fp, flags);
}

ObjectProperty *object_class_property_add_uint_range(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     unsigned width,
                                                     uint64_t min,
                                                     uint64_t max,
                                                     ObjectPropertyFlags flags)
{
    static const FieldKind by_width[] = {
        [1] = FIELD_U8, [2] = FIELD_U16, [4] = FIELD_U32, [8] = FIELD_U64,
    };
    FieldProperty *fp = g_new0(FieldProperty, 1);

    g_assert(width == 1 || width == 2 || width == 4 || width == 8);
    fp->kind = by_width[width];
    fp->offset = offset;
    fp->has_range = true;
    fp->umin = min;
    fp->umax = max;
    return field_add(NULL, klass, name, NULL, fp, flags);
}

ObjectProperty *object_class_property_add_int_range(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset,
                                                    unsigned width,
                                                    int64_t min, int64_t max,
                                                    ObjectPropertyFlags flags)
{
    static const FieldKind by_width[] = {
        [1] = FIELD_I8, [2] = FIELD_I16, [4] = FIELD_I32, [8] = FIELD_I64,
    };
    FieldProperty *fp = g_new0(FieldProperty, 1);

    g_assert(width == 1 || width == 2 || width == 4 || width == 8);
    fp->kind = by_width[width];
    fp->offset = offset;
    fp->has_range = true;
    fp->smin = min;
    fp->smax = max;
    return field_add(NULL, klass, name, NULL, fp, flags);
}
