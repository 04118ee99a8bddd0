/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM properties: every kind, keyval text and typed JSON, defaults, links,
 * dicts, help output, and each error message word for word
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/qom-json.h"

#define TYPE_TEST_TARGET "test-target"
#define TYPE_TEST_OTHER "test-other"

#define TYPE_TEST_PROPS "test-props"
OBJECT_DECLARE_SIMPLE_TYPE(TestProps, TEST_PROPS)
struct TestProps {
    Object parent_obj;
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint64_t size;
    char *label;
    int mode;
    uint32_t ranged;
    int32_t sranged;
    uint32_t ro;
    Object *peer;
    Object *weak;
    bool locked;
    /* behind callbacks */
    char *cb_str;
    bool cb_bool;
    int cb_enum;
    /* behind an instance pointer property */
    uint32_t inst_u32;
};

static void check_peer(const Object *obj, const char *name, Object *val,
                       Error **errp)
{
    if (TEST_PROPS(obj)->locked) {
        error_setg(errp, "Property '%s' can't be changed after realize",
                   name);
    }
}

static char *cb_str_get(Object *obj, Error **errp)
{
    return g_strdup(TEST_PROPS(obj)->cb_str);
}

static void cb_str_set(Object *obj, const char *value, Error **errp)
{
    if (g_str_equal(value, "forbidden")) {
        error_setg(errp, "cb-str may not be 'forbidden'");
        return;
    }
    g_free(TEST_PROPS(obj)->cb_str);
    TEST_PROPS(obj)->cb_str = g_strdup(value);
}

static bool cb_bool_get(Object *obj, Error **errp)
{
    return TEST_PROPS(obj)->cb_bool;
}

static void cb_bool_set(Object *obj, bool value, Error **errp)
{
    TEST_PROPS(obj)->cb_bool = value;
}

static int cb_enum_get(Object *obj, Error **errp)
{
    return TEST_PROPS(obj)->cb_enum;
}

static void cb_enum_set(Object *obj, int value, Error **errp)
{
    TEST_PROPS(obj)->cb_enum = value;
}

static void props_init(Object *obj)
{
    object_property_add_uint32_ptr(obj, "inst-u32",
                                   &TEST_PROPS(obj)->inst_u32,
                                   OBJ_PROP_FLAG_READWRITE);
}

static void props_finalize(Object *obj)
{
    g_free(TEST_PROPS(obj)->cb_str);
}

static void props_class_init(ObjectClass *oc, const void *data)
{
    ObjectProperty *op;

    op = object_class_property_add_bool_field(oc, "flag",
            offsetof(TestProps, flag), OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_bool(op, true);
    object_class_property_add_uint8_field(oc, "u8",
            offsetof(TestProps, u8), OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_uint16_field(oc, "u16",
            offsetof(TestProps, u16), OBJ_PROP_FLAG_READWRITE);
    op = object_class_property_add_uint32_field(oc, "u32",
            offsetof(TestProps, u32), OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_uint(op, 7);
    object_class_property_set_description(oc, "u32", "A 32-bit number");
    op = object_class_property_add_uint64_field(oc, "u64",
            offsetof(TestProps, u64), OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_uint(op, UINT64_MAX);
    object_class_property_add_int32_field(oc, "i32",
            offsetof(TestProps, i32), OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_int64_field(oc, "i64",
            offsetof(TestProps, i64), OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_size_field(oc, "size",
            offsetof(TestProps, size), OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_str_field(oc, "label",
            offsetof(TestProps, label), OBJ_PROP_FLAG_READWRITE);
    op = object_class_property_add_enum_field(oc, "mode", "OnOffAuto",
            &OnOffAuto_lookup, offsetof(TestProps, mode),
            OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_str(op, "auto");
    object_class_property_set_description(oc, "mode", "on/off/auto switch");
    object_class_property_add_uint_range(oc, "ranged",
            offsetof(TestProps, ranged), sizeof(uint32_t), 1, 16,
            OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_int_range(oc, "sranged",
            offsetof(TestProps, sranged), sizeof(int32_t), -5, 5,
            OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_uint32_field(oc, "ro",
            offsetof(TestProps, ro), OBJ_PROP_FLAG_READ);
    object_class_property_add_bool_field(oc, "locked",
            offsetof(TestProps, locked), OBJ_PROP_FLAG_READWRITE);
    object_class_property_add_link(oc, "peer", TYPE_TEST_TARGET,
            offsetof(TestProps, peer), check_peer, OBJ_PROP_LINK_STRONG);
    object_class_property_add_link(oc, "weak", TYPE_TEST_TARGET,
            offsetof(TestProps, weak), object_property_allow_set_link, 0);
    object_class_property_add_str(oc, "cb-str", cb_str_get, cb_str_set);
    object_class_property_add_bool(oc, "cb-bool", cb_bool_get, cb_bool_set);
    object_class_property_add_enum(oc, "cb-enum", "OnOffSplit",
            &OnOffSplit_lookup, cb_enum_get, cb_enum_set);
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_PROPS,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestProps),
        .instance_init = props_init,
        .instance_finalize = props_finalize,
        .class_init = props_class_init,
    }, {
        .name = TYPE_TEST_TARGET,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    }, {
        .name = TYPE_TEST_OTHER,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    },
};

DEFINE_TYPES(test_types)

/* ---- Helpers ------------------------------------------------------------ */

static JsonNode *parse_json(const char *text)
{
    g_autoptr(GError) gerr = NULL;
    JsonNode *node = json_from_string(text, &gerr);

    g_assert_no_error(gerr);
    return node;
}

/* Sets name from JSON text (typed) and returns the error text or NULL. */
static char *set_typed(Object *obj, const char *name, const char *json)
{
    g_autoptr(JsonNode) node = parse_json(json);
    Error *err = NULL;
    char *msg = NULL;

    if (!object_property_set_json(obj, name, node, false, &err)) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    return msg;
}

/* Sets name from key=value text and returns the error text or NULL. */
static char *set_text(Object *obj, const char *name, const char *text)
{
    Error *err = NULL;
    char *msg = NULL;

    if (!object_property_parse(obj, name, text, &err)) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    return msg;
}

/* The property's value as JSON text. */
static char *get_json_text(Object *obj, const char *name)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name,
                                                        &error_abort);

    return json_to_string(node, false);
}

#define assert_ok(call) \
    do { \
        g_autofree char *msg_ = (call); \
        g_assert_cmpstr(msg_, ==, NULL); \
    } while (0)

#define assert_err(call, expected) \
    do { \
        g_autofree char *msg_ = (call); \
        g_assert_cmpstr(msg_, ==, (expected)); \
    } while (0)

#define assert_value(obj, name, expected) \
    do { \
        g_autofree char *val_ = get_json_text((obj), (name)); \
        g_assert_cmpstr(val_, ==, (expected)); \
    } while (0)

static Object *target_in_objects(const char *id, const char *type)
{
    Object *obj = object_new(type);

    object_property_add_child(object_get_objects_root(), id, obj);
    object_unref(obj);
    return obj;
}

/* ---- Tests -------------------------------------------------------------- */

static void test_defaults(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    TestProps *tp = TEST_PROPS(obj);
    ObjectProperty *prop;
    g_autofree char *def = NULL;

    g_assert_true(tp->flag);
    g_assert_cmpuint(tp->u32, ==, 7);
    g_assert_cmpint(tp->mode, ==, ON_OFF_AUTO_AUTO);
    assert_value(obj, "mode", "\"auto\"");
    assert_value(obj, "label", "\"\"");
    assert_value(obj, "peer", "\"\"");

    prop = object_property_find(obj, "u32");
    def = object_property_get_default_str(prop);
    g_assert_cmpstr(def, ==, "7");
    g_assert_null(object_property_get_default_str(
                      object_property_find(obj, "u8")));
    g_free(def);
    def = object_property_get_default_str(object_property_find(obj, "u64"));
    g_assert_cmpstr(def, ==, "18446744073709551615");
    g_assert_cmpuint(tp->u64, ==, UINT64_MAX);
}

static void test_typed_values(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    TestProps *tp = TEST_PROPS(obj);

    assert_ok(set_typed(obj, "flag", "false"));
    assert_ok(set_typed(obj, "u8", "255"));
    assert_ok(set_typed(obj, "u16", "65535"));
    assert_ok(set_typed(obj, "u32", "4294967295"));
    assert_ok(set_typed(obj, "u64", "-1"));
    assert_ok(set_typed(obj, "i32", "-2147483648"));
    assert_ok(set_typed(obj, "i64", "-5"));
    assert_ok(set_typed(obj, "size", "4096"));
    assert_ok(set_typed(obj, "label", "\"hello\""));
    assert_ok(set_typed(obj, "mode", "\"off\""));
    assert_ok(set_typed(obj, "ranged", "16"));
    assert_ok(set_typed(obj, "sranged", "-5"));
    assert_ok(set_typed(obj, "inst-u32", "9"));

    g_assert_false(tp->flag);
    g_assert_cmpuint(tp->u8, ==, 255);
    g_assert_cmpuint(tp->u16, ==, 65535);
    g_assert_cmpuint(tp->u32, ==, UINT32_MAX);
    g_assert_cmpuint(tp->u64, ==, UINT64_MAX);
    g_assert_cmpint(tp->i32, ==, INT32_MIN);
    g_assert_cmpint(tp->i64, ==, -5);
    g_assert_cmpuint(tp->size, ==, 4096);
    g_assert_cmpstr(tp->label, ==, "hello");
    g_assert_cmpint(tp->mode, ==, ON_OFF_AUTO_OFF);
    g_assert_cmpuint(tp->ranged, ==, 16);
    g_assert_cmpint(tp->sranged, ==, -5);
    g_assert_cmpuint(tp->inst_u32, ==, 9);

    assert_value(obj, "flag", "false");
    assert_value(obj, "u32", "4294967295");
    assert_value(obj, "i32", "-2147483648");
    assert_value(obj, "label", "\"hello\"");
    assert_value(obj, "mode", "\"off\"");
    assert_value(obj, "inst-u32", "9");
    /* uint64 beyond int64 round-trips through its bit pattern. */
    g_assert_cmpuint(object_property_get_uint(obj, "u64", &error_abort), ==,
                     UINT64_MAX);
}

static void test_keyval_values(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    TestProps *tp = TEST_PROPS(obj);

    assert_ok(set_text(obj, "flag", "off"));
    g_assert_false(tp->flag);
    assert_ok(set_text(obj, "flag", "yes"));
    g_assert_true(tp->flag);
    assert_ok(set_text(obj, "u8", "0x10"));
    g_assert_cmpuint(tp->u8, ==, 16);
    assert_ok(set_text(obj, "u64", "18446744073709551615"));
    g_assert_cmpuint(tp->u64, ==, UINT64_MAX);
    assert_ok(set_text(obj, "i32", "-7"));
    g_assert_cmpint(tp->i32, ==, -7);
    assert_ok(set_text(obj, "size", "2M"));
    g_assert_cmpuint(tp->size, ==, 2 * 1024 * 1024);
    assert_ok(set_text(obj, "size", "4k"));
    g_assert_cmpuint(tp->size, ==, 4096);
    assert_ok(set_text(obj, "label", "42"));
    g_assert_cmpstr(tp->label, ==, "42");
    assert_ok(set_text(obj, "mode", "on"));
    g_assert_cmpint(tp->mode, ==, ON_OFF_AUTO_ON);
    assert_ok(set_text(obj, "cb-enum", "split"));
    g_assert_cmpint(tp->cb_enum, ==, ON_OFF_SPLIT_SPLIT);
    assert_ok(set_text(obj, "cb-bool", "on"));
    g_assert_true(tp->cb_bool);
    assert_ok(set_text(obj, "cb-str", "text"));
    g_assert_cmpstr(tp->cb_str, ==, "text");
}

static void test_value_errors(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);

    assert_err(set_typed(obj, "nope", "1"),
               "Property 'test-props.nope' not found");
    assert_err(set_typed(obj, "u32", "\"5\""),
               "Invalid parameter type for 'u32', expected: integer");
    assert_err(set_typed(obj, "u32", "1.5"),
               "Invalid parameter type for 'u32', expected: integer");
    assert_err(set_typed(obj, "flag", "1"),
               "Invalid parameter type for 'flag', expected: boolean");
    assert_err(set_typed(obj, "label", "5"),
               "Invalid parameter type for 'label', expected: string");
    assert_err(set_typed(obj, "mode", "1"),
               "Invalid parameter type for 'mode', expected: string");
    assert_err(set_typed(obj, "u8", "256"),
               "Parameter 'u8' expects uint8_t");
    assert_err(set_typed(obj, "u16", "-1"),
               "Parameter 'u16' expects uint16_t");
    assert_err(set_typed(obj, "i32", "2147483648"),
               "Parameter 'i32' expects int32_t");
    assert_err(set_typed(obj, "mode", "\"maybe\""),
               "Parameter 'mode' does not accept value 'maybe'");
    assert_err(set_typed(obj, "ranged", "17"),
               "Property 'test-props.ranged' doesn't take value 17 "
               "(minimum: 1, maximum: 16)");
    assert_err(set_typed(obj, "ranged", "0"),
               "Property 'test-props.ranged' doesn't take value 0 "
               "(minimum: 1, maximum: 16)");
    assert_err(set_typed(obj, "sranged", "-6"),
               "Property 'test-props.sranged' doesn't take value -6 "
               "(minimum: -5, maximum: 5)");
    assert_err(set_typed(obj, "ro", "1"),
               "Property 'test-props.ro' is not writable");
    assert_err(set_typed(obj, "cb-str", "\"forbidden\""),
               "cb-str may not be 'forbidden'");

    assert_err(set_text(obj, "u32", "abc"),
               "Parameter 'u32' expects integer");
    assert_err(set_text(obj, "u32", "-1"),
               "Parameter 'u32' expects integer");
    assert_err(set_text(obj, "u8", "300"),
               "Parameter 'u8' expects uint8_t");
    assert_err(set_text(obj, "i64", "12x"),
               "Parameter 'i64' expects integer");
    assert_err(set_text(obj, "flag", "maybe"),
               "Parameter 'flag' expects 'on' or 'off'");
    assert_err(set_text(obj, "size", "4x"),
               "Parameter 'size' expects size");
    assert_err(set_text(obj, "mode", "maybe"),
               "Parameter 'mode' does not accept value 'maybe'");
    assert_err(set_text(obj, "cb-enum", "auto"),
               "Parameter 'cb-enum' does not accept value 'auto'");

    /* Failed sets leave the old value. */
    g_assert_cmpuint(TEST_PROPS(obj)->u32, ==, 7);
}

static void test_get_errors(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    Error *err = NULL;

    g_assert_null(object_property_get_json(obj, "nope", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'test-props.nope' not found");
    error_free(err);
    err = NULL;
    g_assert_null(object_property_get_type(obj, "nope", &err));
    error_free(err);
    err = NULL;
    g_assert_null(object_property_get_str(obj, "u32", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'u32', expected: string");
    error_free(err);
}

static void test_convenience_accessors(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    g_autofree char *label = NULL;
    g_autofree char *human = NULL;
    g_autofree char *json = NULL;

    g_assert_true(object_property_set_bool(obj, "flag", false, &error_abort));
    g_assert_false(object_property_get_bool(obj, "flag", &error_abort));
    g_assert_true(object_property_set_int(obj, "i64", -3, &error_abort));
    g_assert_cmpint(object_property_get_int(obj, "i64", &error_abort), ==, -3);
    g_assert_true(object_property_set_uint(obj, "u16", 300, &error_abort));
    g_assert_cmpuint(object_property_get_uint(obj, "u16", &error_abort), ==,
                     300);
    g_assert_true(object_property_set_str(obj, "label", "x", &error_abort));
    label = object_property_get_str(obj, "label", &error_abort);
    g_assert_cmpstr(label, ==, "x");
    g_assert_cmpint(object_property_get_enum(obj, "mode", &OnOffAuto_lookup,
                                             &error_abort),
                    ==, ON_OFF_AUTO_AUTO);
    human = object_property_print(obj, "label", true, &error_abort);
    g_assert_cmpstr(human, ==, "x");
    json = object_property_print(obj, "label", false, &error_abort);
    g_assert_cmpstr(json, ==, "\"x\"");
}

static void test_instance_props(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_TARGET);
    bool b = false;
    uint8_t u8 = 0;
    uint64_t sz = 0;
    char *str = NULL;
    Error *err = NULL;

    object_property_add_bool_ptr(obj, "b", &b, OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint8_ptr(obj, "u8", &u8, OBJ_PROP_FLAG_READ);
    object_property_add_size_ptr(obj, "sz", &sz, OBJ_PROP_FLAG_READWRITE);
    object_property_add_str_ptr(obj, "s", &str, OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "b", "a flag");

    assert_ok(set_text(obj, "b", "on"));
    g_assert_true(b);
    assert_ok(set_text(obj, "sz", "1G"));
    g_assert_cmpuint(sz, ==, 1024 * 1024 * 1024);
    assert_ok(set_typed(obj, "s", "\"abc\""));
    g_assert_cmpstr(str, ==, "abc");
    assert_err(set_typed(obj, "u8", "1"),
               "Property 'test-target.u8' is not writable");
    g_assert_cmpstr(object_property_get_type(obj, "sz", &error_abort), ==,
                    "size");

    g_assert_null(object_property_try_add(obj, "b", "bool", NULL, NULL, NULL,
                                          NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "attempt to add duplicate property 'b' to object "
                    "(type 'test-target')");
    error_free(err);

    object_property_del(obj, "s");
    g_assert_null(object_property_find(obj, "s"));
    g_assert_null(str);     /* the property owned the string */
}

static void test_links(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    Object *t1 = target_in_objects("t1", TYPE_TEST_TARGET);
    Object *wrong = target_in_objects("wrong1", TYPE_TEST_OTHER);
    Object *machine = object_get_container("machine");
    Object *t2 = object_new(TYPE_TEST_TARGET);
    TestProps *tp = TEST_PROPS(obj);

    object_property_add_child(machine, "tgt2", t2);
    object_unref(t2);
    g_assert_cmpstr(object_property_get_type(obj, "peer", &error_abort), ==,
                    "link<test-target>");

    /* By id under /objects; a strong link holds a reference. */
    assert_ok(set_text(obj, "peer", "t1"));
    g_assert_true(tp->peer == t1);
    g_assert_cmpint(t1->ref, ==, 2);
    assert_value(obj, "peer", "\"/objects/t1\"");
    g_assert_true(object_property_get_link(obj, "peer", &error_abort) == t1);
    g_assert_true(object_resolve_path_component(obj, "peer") == t1);

    /* By absolute path, and by partial path. */
    assert_ok(set_typed(obj, "peer", "\"/machine/tgt2\""));
    g_assert_true(tp->peer == t2);
    g_assert_cmpint(t1->ref, ==, 1);
    assert_ok(set_text(obj, "peer", "tgt2"));
    g_assert_true(tp->peer == t2);

    /* Refused: wrong type, unknown target, vetoed by the check. */
    assert_err(set_text(obj, "peer", "wrong1"),
               "Invalid parameter type for 'peer', expected: test-target");
    assert_err(set_text(obj, "peer", "/objects/wrong1"),
               "Invalid parameter type for 'peer', expected: test-target");
    assert_err(set_text(obj, "peer", "ghost"), "Device 'ghost' not found");
    assert_err(set_typed(obj, "peer", "7"),
               "Invalid parameter type for 'peer', expected: string");
    g_assert_true(tp->peer == t2);
    tp->locked = true;
    assert_err(set_text(obj, "peer", "t1"),
               "Property 'peer' can't be changed after realize");
    tp->locked = false;

    /* "" clears it. */
    assert_ok(set_text(obj, "peer", ""));
    g_assert_null(tp->peer);
    g_assert_true(object_property_set_link(obj, "peer", t1, &error_abort));
    g_assert_true(tp->peer == t1);

    /* A weak link takes no reference. */
    assert_ok(set_text(obj, "weak", "t1"));
    g_assert_cmpint(t1->ref, ==, 2);

    /* Finalizing the holder drops the strong reference. */
    g_clear_pointer(&obj, object_unref);
    g_assert_cmpint(t1->ref, ==, 1);

    object_unparent(t1);
    object_unparent(wrong);
    object_unparent(t2);
}

static void test_instance_link(void)
{
    g_autoptr(Object) holder = object_new(TYPE_TEST_OTHER);
    Object *target = target_in_objects("it1", TYPE_TEST_TARGET);
    Object *slot = NULL;

    object_property_add_link(holder, "ref", TYPE_TEST_TARGET, &slot,
                             object_property_allow_set_link,
                             OBJ_PROP_LINK_STRONG);
    assert_ok(set_text(holder, "ref", "it1"));
    g_assert_true(slot == target);
    g_assert_cmpint(target->ref, ==, 2);
    object_property_del(holder, "ref");
    g_assert_cmpint(target->ref, ==, 1);
    g_assert_null(slot);

    /* Without a check function a link is read-only. */
    object_property_add_link(holder, "ro-ref", TYPE_TEST_TARGET, &slot,
                             NULL, 0);
    assert_err(set_text(holder, "ro-ref", "it1"),
               "Property 'test-other.ro-ref' is not writable");
    object_unparent(target);
}

static JsonObject *dict_from(const char *json)
{
    g_autoptr(JsonNode) node = parse_json(json);

    return json_object_ref(json_node_get_object(node));
}

static void test_set_from_dicts(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    g_autoptr(JsonObject) kv = dict_from(
        "{\"driver\": \"x\", \"u32\": \"12\", \"flag\": \"off\", "
        "\"mode\": \"on\", \"size\": \"1M\"}");
    g_autoptr(JsonObject) typed = dict_from(
        "{\"u32\": 13, \"flag\": true, \"label\": \"l\"}");
    g_autoptr(JsonObject) bad = dict_from(
        "{\"u16\": 5, \"u8\": \"1\", \"u32\": 99}");
    g_autoptr(JsonObject) ordered = dict_from(
        "{\"locked\": true, \"peer\": \"\"}");
    static const char *const skip[] = { "driver", NULL };
    TestProps *tp = TEST_PROPS(obj);
    Error *err = NULL;

    g_assert_true(object_set_properties_from_json(obj, kv, true, skip,
                                                  &error_abort));
    g_assert_cmpuint(tp->u32, ==, 12);
    g_assert_false(tp->flag);
    g_assert_cmpint(tp->mode, ==, ON_OFF_AUTO_ON);
    g_assert_cmpuint(tp->size, ==, 1024 * 1024);

    g_assert_true(object_set_properties_from_json(obj, typed, false, NULL,
                                                  &error_abort));
    g_assert_cmpuint(tp->u32, ==, 13);
    g_assert_true(tp->flag);
    g_assert_cmpstr(tp->label, ==, "l");

    /* Without the skip list, "driver" is just an unknown property. */
    g_assert_false(object_set_properties_from_json(obj, kv, true, NULL,
                                                   &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'test-props.driver' not found");
    error_free(err);
    err = NULL;

    /* Members apply in order and stop at the first error. */
    g_assert_false(object_set_properties_from_json(obj, bad, false, NULL,
                                                   &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'u8', expected: integer");
    error_free(err);
    err = NULL;
    g_assert_cmpuint(tp->u16, ==, 5);
    g_assert_cmpuint(tp->u32, ==, 13);

    g_assert_false(object_set_properties_from_json(obj, ordered, false, NULL,
                                                   &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'peer' can't be changed after realize");
    error_free(err);
}

static void test_iteration(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_PROPS);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) list = NULL;
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    object_property_iter_init(&iter, obj);
    while ((prop = object_property_iter_next(&iter))) {
        g_hash_table_add(seen, prop->name);
    }
    g_assert_true(g_hash_table_contains(seen, "inst-u32"));
    g_assert_true(g_hash_table_contains(seen, "u32"));
    g_assert_true(g_hash_table_contains(seen, "peer"));
    g_assert_cmpuint(g_hash_table_size(seen), ==, 20);

    list = object_property_list(obj);
    g_assert_cmpuint(list->len, ==, 20);
    g_assert_cmpstr(((ObjectPropertyInfo *)list->pdata[0])->name, ==,
                    "inst-u32");
}

static void test_help(void)
{
    ObjectClass *klass = object_class_by_name(TYPE_TEST_PROPS);
    g_autofree char *help = object_class_describe_properties(klass);
    g_autoptr(GPtrArray) infos = NULL;
    ObjectPropertyInfo *first;
    Error *err = NULL;

    /* QEMU's layout: the " - " starts in column 24. */
    g_assert_nonnull(strstr(help,
        "  u32=<uint32>           - A 32-bit number (default: 7)\n"));
    g_assert_nonnull(strstr(help,
        "  mode=<OnOffAuto>       - on/off/auto switch (default: auto)\n"));
    g_assert_nonnull(strstr(help,
        "  flag=<bool>            - (default: true)\n"));
    g_assert_nonnull(strstr(help, "  u8=<uint8>\n"));
    g_assert_nonnull(strstr(help, "  peer=<link<test-target>>\n"));
    /* Sorted by name. */
    g_assert_true(strstr(help, "  cb-bool=") < strstr(help, "  u8="));

    infos = object_class_property_list(TYPE_TEST_PROPS, false, &error_abort);
    first = infos->pdata[0];
    g_assert_cmpstr(first->name, ==, "cb-bool");
    for (guint i = 0; i < infos->len; i++) {
        ObjectPropertyInfo *info = infos->pdata[i];

        g_assert_false(g_str_has_prefix(info->type, "link<"));
    }
    g_assert_null(object_class_property_list("no-type", false, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid object type 'no-type'");
    error_free(err);
}

static void test_enum_lookup(void)
{
    g_autofree char *names = qapi_enum_list_names(&OnOffAuto_lookup, "/");
    Error *err = NULL;

    g_assert_cmpstr(names, ==, "auto/on/off");
    g_assert_cmpstr(qapi_enum_lookup(&OnOffAuto_lookup, ON_OFF_AUTO_OFF), ==,
                    "off");
    g_assert_null(qapi_enum_lookup(&OnOffAuto_lookup, 3));
    g_assert_cmpint(qapi_enum_parse(&OnOffAuto_lookup, "on", -1, NULL), ==,
                    ON_OFF_AUTO_ON);
    g_assert_cmpint(qapi_enum_parse(&OnOffAuto_lookup, "x", -1, &err), ==,
                    -1);
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter value 'x'");
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qom/props/defaults", test_defaults);
    g_test_add_func("/qom/props/typed", test_typed_values);
    g_test_add_func("/qom/props/keyval", test_keyval_values);
    g_test_add_func("/qom/props/value-errors", test_value_errors);
    g_test_add_func("/qom/props/get-errors", test_get_errors);
    g_test_add_func("/qom/props/convenience", test_convenience_accessors);
    g_test_add_func("/qom/props/instance", test_instance_props);
    g_test_add_func("/qom/props/links", test_links);
    g_test_add_func("/qom/props/instance-link", test_instance_link);
    g_test_add_func("/qom/props/dicts", test_set_from_dicts);
    g_test_add_func("/qom/props/iteration", test_iteration);
    g_test_add_func("/qom/props/help", test_help);
    g_test_add_func("/qom/props/enum-lookup", test_enum_lookup);
    return g_test_run();
}
