/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: -object / object-add style creation, id rules,
 * duplicate ids, refused completion, in-use refusal, deletion and help
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qom/object_interfaces.h"
#include "monitor/qmp.h"

#define TYPE_TEST_UC "test-uc"
#define TYPE_TEST_UC_CHILD "test-uc-child"
#define TYPE_TEST_UC_ABSTRACT "test-uc-abstract"
#define TYPE_TEST_NOT_UC "test-not-uc"

OBJECT_DECLARE_SIMPLE_TYPE(TestUC, TEST_UC)
struct TestUC {
    Object parent_obj;
    uint64_t size;
    int mode;
    bool fail_complete;
    bool in_use;
    bool completed;
};

static int finalized;

static bool uc_complete(UserCreatable *uc, Error **errp)
{
    TestUC *t = TEST_UC(uc);

    if (t->fail_complete) {
        error_setg(errp, "test-uc refused to complete");
        return false;
    }
    t->completed = true;
    return true;
}

static bool uc_can_be_deleted(UserCreatable *uc)
{
    return !TEST_UC(uc)->in_use;
}

static bool uc_child_can_be_deleted(UserCreatable *uc)
{
    return false;
}

static void uc_finalize(Object *obj)
{
    finalized++;
}

static void uc_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *op;

    ucc->complete = uc_complete;
    ucc->can_be_deleted = uc_can_be_deleted;
    object_class_property_add_size_field(oc, "size", offsetof(TestUC, size),
                                         OBJ_PROP_FLAG_READWRITE);
    object_class_property_set_description(oc, "size", "Size in bytes");
    op = object_class_property_add_enum_field(oc, "mode", "OnOffAuto",
            &OnOffAuto_lookup, offsetof(TestUC, mode),
            OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_str(op, "auto");
    object_class_property_add_bool_field(oc, "fail-complete",
            offsetof(TestUC, fail_complete), OBJ_PROP_FLAG_READWRITE);
}

static void uc_child_class_init(ObjectClass *oc, const void *data)
{
    USER_CREATABLE_CLASS(oc)->can_be_deleted = uc_child_can_be_deleted;
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_UC,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestUC),
        .instance_finalize = uc_finalize,
        .class_init = uc_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    }, {
        .name = TYPE_TEST_UC_CHILD,
        .parent = TYPE_TEST_UC,
        .class_init = uc_child_class_init,
    }, {
        .name = TYPE_TEST_UC_ABSTRACT,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(Object),
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    }, {
        .name = TYPE_TEST_NOT_UC,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    },
};

DEFINE_TYPES(test_types)

/* What -object ARG does; returns the error text or NULL. */
static char *object_option(const char *arg, Object **objp)
{
    g_autoptr(JsonObject) dict = NULL;
    Error *err = NULL;
    bool is_json = false;
    Object *obj = NULL;
    char *msg = NULL;

    dict = qemu_parse_option_arg(arg, "qom-type", &is_json, NULL, &err);
    if (dict) {
        obj = user_creatable_add_from_json(dict, !is_json, &err);
    }
    if (!obj) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    if (objp) {
        *objp = obj;
    }
    return msg;
}

static Object *lookup(const char *id)
{
    return object_resolve_path_component(object_get_objects_root(), id);
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

static void test_add_keyval(void)
{
    Object *obj = NULL;
    g_autofree char *path = NULL;

    assert_ok(object_option("test-uc,id=kv0,size=4k,mode=off", &obj));
    g_assert_nonnull(obj);
    g_assert_true(lookup("kv0") == obj);
    g_assert_cmpuint(TEST_UC(obj)->size, ==, 4096);
    g_assert_cmpint(TEST_UC(obj)->mode, ==, ON_OFF_AUTO_OFF);
    g_assert_true(TEST_UC(obj)->completed);
    g_assert_cmpint(obj->ref, ==, 1);      /* owned by the tree only */
    path = object_get_canonical_path(obj);
    g_assert_cmpstr(path, ==, "/objects/kv0");
    g_assert_true(user_creatable_del("kv0", &error_abort));
    g_assert_null(lookup("kv0"));
}

static void test_add_json(void)
{
    Object *obj = NULL;

    assert_ok(object_option("{\"qom-type\": \"test-uc\", \"id\": \"js0\", "
                            "\"size\": 8192, \"mode\": \"on\"}", &obj));
    g_assert_cmpuint(TEST_UC(obj)->size, ==, 8192);
    g_assert_cmpint(TEST_UC(obj)->mode, ==, ON_OFF_AUTO_ON);

    /* Typed JSON wants typed values... */
    assert_err(object_option("{\"qom-type\": \"test-uc\", \"id\": \"js1\", "
                             "\"size\": \"4k\"}", NULL),
               "Invalid parameter type for 'size', expected: integer");
    /* ...and key=value text wants text that parses. */
    assert_err(object_option("test-uc,id=js1,size=lots", NULL),
               "Parameter 'size' expects size");
    assert_err(object_option("{\"qom-type\": 5, \"id\": \"js1\"}", NULL),
               "Invalid parameter type for 'qom-type', expected: string");
    g_assert_null(lookup("js1"));
    g_assert_true(user_creatable_del("js0", &error_abort));
}

static void test_add_errors(void)
{
    int before;

    assert_err(object_option("id=x1", NULL),
               "Parameter 'qom-type' is missing");
    assert_err(object_option("test-uc", NULL), "Parameter 'id' is missing");
    assert_err(object_option("nope,id=x1", NULL),
               "invalid object type: nope");
    assert_err(object_option("test-not-uc,id=x1", NULL),
               "object type 'test-not-uc' isn't supported by object-add");
    assert_err(object_option("test-uc-abstract,id=x1", NULL),
               "object type 'test-uc-abstract' is abstract");
    assert_err(object_option("test-uc,id=1x", NULL),
               "Parameter 'id' expects an identifier");
    assert_err(object_option("test-uc,id=x1,bogus=1", NULL),
               "Property 'test-uc.bogus' not found");
    assert_err(object_option("test-uc,id=x1,mode=sometimes", NULL),
               "Parameter 'mode' does not accept value 'sometimes'");

    /* A refused completion leaves nothing behind. */
    before = finalized;
    assert_err(object_option("test-uc,id=x1,fail-complete=on", NULL),
               "test-uc refused to complete");
    g_assert_null(lookup("x1"));
    g_assert_cmpint(finalized, ==, before + 1);
}

static void test_duplicate_id(void)
{
    Object *first = NULL;

    assert_ok(object_option("test-uc,id=dup0", &first));
    assert_err(object_option("test-uc,id=dup0,size=1", NULL),
               "attempt to add duplicate property 'dup0' to object "
               "(type 'container')");
    g_assert_true(lookup("dup0") == first);
    g_assert_cmpuint(TEST_UC(first)->size, ==, 0);
    g_assert_true(user_creatable_del("dup0", &error_abort));
}

static void test_del(void)
{
    Object *obj = NULL;
    Error *err = NULL;
    int before;

    assert_ok(object_option("test-uc,id=del0", &obj));
    TEST_UC(obj)->in_use = true;
    g_assert_false(user_creatable_del("del0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "object 'del0' is in use, can not be deleted");
    error_free(err);
    err = NULL;
    g_assert_true(lookup("del0") == obj);

    /* Someone else's reference keeps it alive past deletion. */
    TEST_UC(obj)->in_use = false;
    object_ref(obj);
    before = finalized;
    g_assert_true(user_creatable_del("del0", &error_abort));
    g_assert_null(lookup("del0"));
    g_assert_cmpint(finalized, ==, before);
    object_unref(obj);
    g_assert_cmpint(finalized, ==, before + 1);

    g_assert_false(user_creatable_del("del0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "object 'del0' not found");
    error_free(err);
    err = NULL;

    /* A subclass overrides the interface method it inherited. */
    assert_ok(object_option("test-uc-child,id=del1", &obj));
    g_assert_true(TEST_UC(obj)->completed);
    g_assert_false(user_creatable_del("del1", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "object 'del1' is in use, can not be deleted");
    error_free(err);
    object_unparent(obj);
}

static void test_add_type_api(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    Object *obj;
    Error *err = NULL;

    json_object_set_string_member(props, "size", "2M");
    obj = user_creatable_add_type(TYPE_TEST_UC, "api0", props, true,
                                  &error_abort);
    g_assert_cmpuint(TEST_UC(obj)->size, ==, 2 * 1024 * 1024);
    g_assert_null(user_creatable_add_type(TYPE_TEST_UC, "a b", NULL, true,
                                          &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'id' expects an identifier");
    error_free(err);

    assert_ok(object_option("test-uc,id=api1", NULL));
    user_creatable_cleanup();
    g_assert_null(lookup("api0"));
    g_assert_null(lookup("api1"));
}

static void test_id_wellformed(void)
{
    g_assert_true(id_wellformed("a"));
    g_assert_true(id_wellformed("iommufd0"));
    g_assert_true(id_wellformed("a-b.c_d9"));
    g_assert_false(id_wellformed(""));
    g_assert_false(id_wellformed("0a"));
    g_assert_false(id_wellformed("-a"));
    g_assert_false(id_wellformed("a/b"));
    g_assert_false(id_wellformed("a,b"));
    g_assert_false(id_wellformed("a b"));
}

static void test_help(void)
{
    g_autofree char *types = user_creatable_help_text("help", NULL);
    g_autofree char *props = user_creatable_help_text("test-uc,help", NULL);
    g_autofree char *unknown = user_creatable_help_text("nope,help", NULL);
    g_autofree char *none = user_creatable_help_text("test-not-uc,help",
                                                     NULL);
    g_autoptr(JsonObject) opts = json_object_new();
    g_autofree char *via_opts = NULL;

    g_assert_true(g_str_has_prefix(types, "List of user creatable objects:\n"));
    g_assert_nonnull(strstr(types, "\n  test-uc\n"));
    g_assert_nonnull(strstr(types, "\n  test-uc-child\n"));
    g_assert_null(strstr(types, "test-uc-abstract"));
    g_assert_null(strstr(types, "test-not-uc"));

    g_assert_cmpstr(props, ==,
                    "test-uc options:\n"
                    "  fail-complete=<bool>\n"
                    "  mode=<OnOffAuto>       - (default: auto)\n"
                    "  size=<size>            - Size in bytes\n");
    g_assert_cmpstr(unknown, ==, "invalid object type: nope\n");
    g_assert_cmpstr(none, ==,
                    "object type 'test-not-uc' isn't supported by "
                    "object-add\n");

    json_object_set_boolean_member(opts, "help", true);
    via_opts = user_creatable_help_text("test-uc", opts);
    g_assert_cmpstr(via_opts, ==, props);
    g_assert_null(user_creatable_help_text("test-uc", NULL));
}

/*
 * Runs a QOM QMP command through the generated dispatch; returns its
 * reply as JSON text or "ERR: msg".
 */
static char *qmp(const char *cmd, const char *args)
{
    g_autoptr(JsonNode) node = json_from_string(args, NULL);
    g_autoptr(JsonNode) ret = NULL;
    Error *err = NULL;
    char *text;

    g_assert_nonnull(node);
    ret = qmp_dispatch_command(cmd, json_node_get_object(node), &err);
    if (err) {
        text = g_strdup_printf("ERR: %s", error_get_pretty(err));
        error_free(err);
        return text;
    }
    return json_to_string(ret, false);
}

static void test_qmp_commands(void)
{
    assert_err(qmp("object-add",
                   "{\"qom-type\": \"test-uc\", \"id\": \"q0\", "
                   "\"size\": 512}"), "{}");
    assert_err(qmp("qom-get",
                   "{\"path\": \"/objects/q0\", \"property\": \"size\"}"),
               "512");
    assert_err(qmp("qom-get", "{\"path\": \"q0\", \"property\": \"mode\"}"),
               "\"auto\"");
    assert_err(qmp("qom-set", "{\"path\": \"q0\", \"property\": \"mode\", "
                   "\"value\": \"off\"}"), "{}");
    assert_err(qmp("qom-get", "{\"path\": \"q0\", \"property\": \"mode\"}"),
               "\"off\"");
    assert_err(qmp("qom-set", "{\"path\": \"q0\", \"property\": \"size\", "
                   "\"value\": \"1k\"}"),
               "ERR: Invalid parameter type for 'size', expected: integer");
    assert_err(qmp("qom-get", "{\"path\": \"/nowhere\", "
                   "\"property\": \"size\"}"),
               "ERR: Device '/nowhere' not found");
    assert_err(qmp("qom-get", "{\"path\": \"q0\"}"),
               "ERR: Parameter 'property' is missing");
    assert_err(qmp("qom-get", "{\"path\": 1, \"property\": \"x\"}"),
               "ERR: Invalid parameter type for 'path', expected: string");
    assert_err(qmp("qom-get", "{\"path\": \"q0\", \"property\": \"x\", "
                   "\"extra\": 1}"),
               "ERR: Parameter 'extra' is unexpected");
    assert_err(qmp("qom-list", "{\"path\": \"/objects\"}"),
               "[{\"name\":\"q0\",\"type\":\"child<test-uc>\"}]");
    assert_err(qmp("qom-list-types", "{\"implements\": \"test-uc\"}"),
               "[{\"name\":\"test-uc\",\"parent\":\"object\"},"
               "{\"name\":\"test-uc-child\",\"parent\":\"test-uc\"}]");
    assert_err(qmp("qom-list-properties", "{\"typename\": \"test-uc\"}"),
               "[{\"name\":\"fail-complete\",\"type\":\"bool\"},"
               "{\"name\":\"mode\",\"type\":\"OnOffAuto\","
               "\"default-value\":\"auto\"},"
               "{\"name\":\"size\",\"type\":\"size\","
               "\"description\":\"Size in bytes\"}]");
    assert_err(qmp("qom-list-properties", "{\"typename\": \"nope\"}"),
               "ERR: Class 'nope' not found");
    assert_err(qmp("object-add", "{\"qom-type\": \"test-uc\", \"id\": \"q0\"}"),
               "ERR: attempt to add duplicate property 'q0' to object "
               "(type 'container')");
    assert_err(qmp("object-del", "{\"id\": \"q0\"}"), "{}");
    assert_err(qmp("object-del", "{\"id\": \"q0\"}"),
               "ERR: object 'q0' not found");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qom/user-creatable/add-keyval", test_add_keyval);
    g_test_add_func("/qom/user-creatable/add-json", test_add_json);
    g_test_add_func("/qom/user-creatable/add-errors", test_add_errors);
    g_test_add_func("/qom/user-creatable/duplicate-id", test_duplicate_id);
    g_test_add_func("/qom/user-creatable/del", test_del);
    g_test_add_func("/qom/user-creatable/add-type", test_add_type_api);
    g_test_add_func("/qom/user-creatable/id-wellformed", test_id_wellformed);
    g_test_add_func("/qom/user-creatable/help", test_help);
    g_test_add_func("/qom/user-creatable/qmp", test_qmp_commands);
    return g_test_run();
}
