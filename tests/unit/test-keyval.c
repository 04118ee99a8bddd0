/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option arguments: keyval syntax, JSON form and typed access
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"

static char *dict_to_json(JsonObject *dict)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), dict);

    return json_to_string(node, FALSE);
}

/* Parses @params and compares the dict, in member order, with @expected. */
static void check_parse(const char *params, const char *implied_key,
                        const char *expected)
{
    g_autoptr(JsonObject) dict = keyval_parse(params, implied_key, NULL,
                                              &error_abort);
    g_autofree char *json = dict_to_json(dict);

    g_assert_cmpstr(json, ==, expected);
}

static void check_error(const char *params, const char *implied_key,
                        const char *expected)
{
    Error *err = NULL;
    bool help = false;
    JsonObject *dict = keyval_parse(params, implied_key, &help, &err);

    g_assert_null(dict);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void test_keyval_basic(void)
{
    check_parse("", NULL, "{}");
    check_parse("a=1", NULL, "{\"a\":\"1\"}");
    check_parse("a=1,b=two", NULL, "{\"a\":\"1\",\"b\":\"two\"}");
    /* Member order is the order of writing, not sorted. */
    check_parse("z=1,a=2,m=3", NULL, "{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"}");
    check_parse("a=", NULL, "{\"a\":\"\"}");
    check_parse("a=,b=", NULL, "{\"a\":\"\",\"b\":\"\"}");
    check_parse("a=1,", NULL, "{\"a\":\"1\"}");
    check_parse("x-opt_2=on", NULL, "{\"x-opt_2\":\"on\"}");
    check_parse("a=b=c", NULL, "{\"a\":\"b=c\"}");
    check_parse("path=/tmp/a b", NULL, "{\"path\":\"/tmp/a b\"}");
}

static void test_keyval_escapes(void)
{
    check_parse("a=x,,y", NULL, "{\"a\":\"x,y\"}");
    check_parse("a=,,", NULL, "{\"a\":\",\"}");
    check_parse("a=,,,,,b=2", NULL, "{\"a\":\",,\",\"b\":\"2\"}");
    check_parse("a=x,,,b=2", NULL, "{\"a\":\"x,\",\"b\":\"2\"}");
    check_parse("vfio,,pci", "driver", "{\"driver\":\"vfio,pci\"}");
}

static void test_keyval_implied(void)
{
    check_parse("vfio-pci,host=0000:01:00.0", "driver",
                "{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\"}");
    check_parse("vfio-pci", "driver", "{\"driver\":\"vfio-pci\"}");
    check_parse("host=x", "driver", "{\"host\":\"x\"}");
    /* Only the first element may be implied. */
    check_error("a=1,vfio-pci", "driver",
                "Expected '=' after parameter 'vfio-pci'");
    check_error("vfio-pci,driver=x", "driver",
                "Parameter 'driver' is given more than once");
    check_parse("", "driver", "{}");
    /* The implied key may itself be dotted. */
    check_parse("on", "x.enable", "{\"x\":{\"enable\":\"on\"}}");
}

static void test_keyval_dotted(void)
{
    check_parse("a.b=1", NULL, "{\"a\":{\"b\":\"1\"}}");
    check_parse("a.b=1,a.c=2,d=3", NULL,
                "{\"a\":{\"b\":\"1\",\"c\":\"2\"},\"d\":\"3\"}");
    check_parse("a.b.c=1,a.b.d=2", NULL,
                "{\"a\":{\"b\":{\"c\":\"1\",\"d\":\"2\"}}}");
    check_parse("a.0=x,a.1=y", NULL, "{\"a\":{\"0\":\"x\",\"1\":\"y\"}}");
}

static void test_keyval_help(void)
{
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(JsonObject) dict2 = NULL;
    g_autoptr(JsonObject) dict3 = NULL;
    g_autofree char *json = NULL;
    bool help = true;

    dict = keyval_parse("a=1", NULL, &help, &error_abort);
    g_assert_false(help);

    dict2 = keyval_parse("help", "driver", &help, &error_abort);
    g_assert_true(help);
    g_assert_cmpuint(json_object_get_size(dict2), ==, 0);

    help = false;
    dict3 = keyval_parse("vfio-pci,?", "driver", &help, &error_abort);
    g_assert_true(help);
    json = dict_to_json(dict3);
    g_assert_cmpstr(json, ==, "{\"driver\":\"vfio-pci\"}");

    /* "help" as a value is just a value. */
    check_parse("a=help", NULL, "{\"a\":\"help\"}");
}

static void check_error_nohelp(const char *params, const char *expected)
{
    Error *err = NULL;

    g_assert_null(keyval_parse(params, "driver", NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void test_keyval_errors(void)
{
    check_error("=1", NULL, "Invalid parameter ''");
    check_error(",a=1", NULL, "Invalid parameter ''");
    check_error(",a=1", "driver", "Invalid parameter ''");
    check_error("a=1,,,=2", NULL, "Invalid parameter ''");
    check_error("foo", NULL, "Expected '=' after parameter 'foo'");
    check_error("a=1,foo", NULL, "Expected '=' after parameter 'foo'");
    check_error("a=1,foo,b=2", NULL, "Expected '=' after parameter 'foo'");
    check_error("a.b", NULL, "Expected '=' after parameter 'a.b'");
    check_error("1a=1", NULL, "Invalid parameter '1a'");
    check_error("a b=1", NULL, "Invalid parameter 'a b'");
    check_error("a..b=1", NULL, "Invalid parameter 'a..b'");
    check_error(".a=1", NULL, "Invalid parameter '.a'");
    check_error("a.=1", NULL, "Invalid parameter 'a.'");
    check_error("a.b!=1", NULL, "Invalid parameter 'a.b!'");
    check_error("a.1b=1", NULL, "Invalid parameter 'a.1b'");
    check_error("-a=1", NULL, "Invalid parameter '-a'");
    check_error("a=1,a=2", NULL, "Parameter 'a' is given more than once");
    check_error("a.b=1,a.b=2", NULL,
                "Parameter 'a.b' is given more than once");
    check_error("a=1,a.b=2", NULL, "Parameters 'a.*' used inconsistently");
    check_error("a.b=2,a=1", NULL, "Parameters 'a.*' used inconsistently");
    check_error("a.b=1,a.b.c=2", NULL,
                "Parameters 'a.b.*' used inconsistently");
    check_error("a.b.c=1,a.b=2", NULL,
                "Parameters 'a.b.*' used inconsistently");
    check_error("help,x", "driver", "Expected '=' after parameter 'x'");
    check_error_nohelp("help", "Invalid parameter 'help'");
    check_error_nohelp("x,?", "Invalid parameter '?'");
}

static JsonObject *parse_arg(const char *arg, bool *is_json, Error **errp)
{
    bool help = true;
    JsonObject *dict = qemu_parse_option_arg(arg, "driver", is_json, &help,
                                             errp);

    g_assert_false(dict && help && *is_json);
    return dict;
}

static void check_json_error(const char *arg, const char *expected)
{
    Error *err = NULL;
    bool is_json = false;

    g_assert_null(parse_arg(arg, &is_json, &err));
    g_assert_true(is_json);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void test_option_arg(void)
{
    g_autoptr(JsonObject) kv = NULL;
    g_autoptr(JsonObject) js = NULL;
    g_autofree char *json = NULL;
    bool is_json = true, help = false;

    kv = parse_arg("vfio-pci,host=x", &is_json, &error_abort);
    g_assert_false(is_json);
    json = dict_to_json(kv);
    g_assert_cmpstr(json, ==, "{\"driver\":\"vfio-pci\",\"host\":\"x\"}");
    g_clear_pointer(&json, g_free);

    js = parse_arg("  {\"driver\": \"vfio-pci\", \"x-n\": 4, \"on\": true,"
                   " \"sub\": {\"a\": [1, 2]}}", &is_json, &error_abort);
    g_assert_true(is_json);
    json = dict_to_json(js);
    g_assert_cmpstr(json, ==, "{\"driver\":\"vfio-pci\",\"x-n\":4,"
                    "\"on\":true,\"sub\":{\"a\":[1,2]}}");

    /* Help is a keyval notion. */
    g_clear_pointer(&kv, json_object_unref);
    kv = qemu_parse_option_arg("help", "driver", &is_json, &help,
                               &error_abort);
    g_assert_true(help);
    g_assert_false(is_json);

    /* The words QMP uses for the same mistakes (util/json-parser.c). */
    check_json_error("{\"a\": }", "JSON parse error, stray '}', expecting value");
    check_json_error("{\"a\": 1,\n \"b\": x}",
                     "JSON parse error, invalid keyword 'x'");
    check_json_error("{\"a\": 1} x", "JSON parse error, invalid keyword 'x'");
    check_json_error("{\"a\": 1,\n \"big\": 18446744073709551616}",
                     "JSON parse error, integer 18446744073709551616 is "
                     "out of range");
    check_json_error("{\"a\": [1, -9223372036854775809]}",
                     "JSON parse error, integer -9223372036854775809 is "
                     "out of range");
    check_json_error("{\"a\": 1, \"a\": 2}",
                     "JSON parse error, duplicate key 'a'");
    check_json_error("{\"a\": \"\\q\"}",
                     "JSON parse error, invalid escape sequence in string");
    check_json_error("{\"host\": \"0000:01:00.0\\u0000junk\"}",
                     "JSON parse error, \\u0000 is not supported");
    check_json_error("{\"a\": 1 /* c */}",
                     "JSON parse error, stray '/', expecting ',' or '}' in "
                     "object");
}

/* Integer literals that would not fit, and ones that would. */
static void test_option_arg_integers(void)
{
    g_autoptr(JsonObject) d = qemu_parse_option_arg(
        "{\"min\": -9223372036854775808, \"max\": 18446744073709551615,"
        " \"s\": \"99999999999999999999 \\\" 1e999999999999999999999\","
        " 'q': '-99999999999999999999',"
        " \"f\": 99999999999999999999.5, \"e\": 1e30}",
        NULL, NULL, NULL, &error_abort);
    int64_t i = 0;
    uint64_t u = 0;
    Error *err = NULL;

    g_assert_true(optdict_get_int(d, "min", false, &i, &error_abort));
    g_assert_cmpint(i, ==, INT64_MIN);
    /* Above INT64_MAX a JsonNode has no way to say it; we refuse to guess. */
    g_assert_false(optdict_get_uint(d, "max", false, &u, &err));
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "f", false, &i, &err));
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "e", false, &i, &err));
    error_free_or_abort(&err);
}

static void test_optdict_keyval(void)
{
    g_autoptr(JsonObject) d = keyval_parse(
        "b1=on,b2=no,b3=true,b4=off,i=-42,h=0x10,u=18446744073709551615,"
        "sz=1.5G,s=text,n.x=7,bad=zz,neg=-1,big=9223372036854775808",
        NULL, NULL, &error_abort);
    bool b = false;
    int64_t i = 0;
    uint64_t u = 0;
    const char *s = NULL;
    Error *err = NULL;

    g_assert_true(optdict_get_bool(d, "b1", true, &b, &error_abort) && b);
    g_assert_true(optdict_get_bool(d, "b2", true, &b, &error_abort) && !b);
    g_assert_true(optdict_get_bool(d, "b3", true, &b, &error_abort) && b);
    g_assert_true(optdict_get_bool(d, "b4", true, &b, &error_abort) && !b);
    g_assert_true(optdict_get_int(d, "i", true, &i, &error_abort));
    g_assert_cmpint(i, ==, -42);
    g_assert_true(optdict_get_int(d, "h", true, &i, &error_abort));
    g_assert_cmpint(i, ==, 16);
    g_assert_true(optdict_get_int(d, "n.x", true, &i, &error_abort));
    g_assert_cmpint(i, ==, 7);
    g_assert_true(optdict_get_uint(d, "u", true, &u, &error_abort));
    g_assert_cmpuint(u, ==, UINT64_MAX);
    g_assert_true(optdict_get_size(d, "sz", true, &u, &error_abort));
    g_assert_cmpuint(u, ==, 3ULL << 29);
    g_assert_true(optdict_get_str(d, "s", true, &s, &error_abort));
    g_assert_cmpstr(s, ==, "text");

    /* Absent members leave the default alone. */
    i = 5;
    g_assert_true(optdict_get_int(d, "missing", true, &i, &error_abort));
    g_assert_true(optdict_get_int(d, "n.missing", true, &i, &error_abort));
    g_assert_true(optdict_get_int(d, "s.deeper", true, &i, &error_abort));
    g_assert_cmpint(i, ==, 5);

    g_assert_false(optdict_get_bool(d, "bad", true, &b, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'bad' expects 'on' or 'off'");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_bool(d, "n", true, &b, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'n' expects 'on' or 'off'");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "bad", true, &i, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'bad' expects a number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "big", true, &i, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'big' expects a number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "n", true, &i, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'n' expects a number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_uint(d, "neg", true, &u, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'neg' expects a non-negative number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_size(d, "bad", true, &u, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'bad' expects a size");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_size(d, "neg", true, &u, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'neg' expects a size");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_str(d, "n", true, &s, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'n' expects a string");
    error_free_or_abort(&err);
    /* Failures leave the value alone. */
    g_assert_cmpstr(s, ==, "text");
    g_assert_cmpuint(u, ==, 3ULL << 29);
}

static void test_optdict_json(void)
{
    g_autoptr(JsonObject) d = qemu_parse_option_arg(
        "{\"b\": true, \"i\": -3, \"u\": 4096, \"s\": \"on\", \"f\": 1.5,"
        " \"n\": {\"x\": false}}", NULL, NULL, NULL, &error_abort);
    bool b = false;
    int64_t i = 0;
    uint64_t u = 0;
    const char *s = NULL;
    Error *err = NULL;

    g_assert_true(optdict_get_bool(d, "b", false, &b, &error_abort) && b);
    g_assert_true(optdict_get_bool(d, "n.x", false, &b, &error_abort) && !b);
    g_assert_true(optdict_get_int(d, "i", false, &i, &error_abort));
    g_assert_cmpint(i, ==, -3);
    g_assert_true(optdict_get_uint(d, "u", false, &u, &error_abort));
    g_assert_cmpuint(u, ==, 4096);
    g_assert_true(optdict_get_size(d, "u", false, &u, &error_abort));
    g_assert_cmpuint(u, ==, 4096);
    g_assert_true(optdict_get_str(d, "s", false, &s, &error_abort));
    g_assert_cmpstr(s, ==, "on");

    /* JSON leaves must have the JSON type: no string conversions. */
    g_assert_false(optdict_get_bool(d, "s", false, &b, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 's' expects a boolean");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "f", false, &i, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'f' expects a number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_int(d, "s", false, &i, &err));
    error_free_or_abort(&err);
    g_assert_false(optdict_get_uint(d, "i", false, &u, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'i' expects a non-negative number");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_size(d, "i", false, &u, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'i' expects a size");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_size(d, "s", false, &u, &err));
    error_free_or_abort(&err);
    g_assert_false(optdict_get_str(d, "i", false, &s, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'i' expects a string");
    error_free_or_abort(&err);
    g_assert_false(optdict_get_str(d, "n", false, &s, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'n' expects a string");
    error_free_or_abort(&err);
}

static void test_optdict_members(void)
{
    g_autoptr(JsonObject) d = keyval_parse("a=1,n.x=2,n.y=3,m.z=4", NULL,
                                           NULL, &error_abort);
    Error *err = NULL;

    g_assert_true(optdict_has(d, "a"));
    g_assert_true(optdict_has(d, "n.y"));
    g_assert_false(optdict_has(d, "n.q"));
    g_assert_false(optdict_has(d, "a.b"));
    g_assert_true(optdict_require(d, "n.x", &error_abort));
    g_assert_false(optdict_require(d, "host", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Parameter 'host' is missing");
    error_free_or_abort(&err);

    g_assert_false(optdict_check_empty(d, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'a'");
    error_free_or_abort(&err);

    optdict_remove(d, "a");
    optdict_remove(d, "nothere");
    optdict_remove(d, "n.nothere.x");
    optdict_remove(d, "n.x");
    g_assert_false(optdict_check_empty(d, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'n.y'");
    error_free_or_abort(&err);

    /* Emptied nested dicts go away with their last member. */
    optdict_remove(d, "n.y");
    g_assert_false(optdict_has(d, "n"));
    optdict_remove(d, "m.z");
    g_assert_true(optdict_check_empty(d, &error_abort));
}

static void test_optdict_leaf_to_string(void)
{
    g_autoptr(JsonObject) d = qemu_parse_option_arg(
        "{\"s\": \"a b\", \"i\": 42, \"b\": false, \"l\": [1, \"x\"]}",
        NULL, NULL, NULL, &error_abort);
    static const char *const expect[][2] = {
        { "s", "a b" }, { "i", "42" }, { "b", "false" }, { "l", "[1,\"x\"]" },
    };
    size_t k;

    for (k = 0; k < G_N_ELEMENTS(expect); k++) {
        g_autofree char *str = optdict_leaf_to_string(
            json_object_get_member(d, expect[k][0]));

        g_assert_cmpstr(str, ==, expect[k][1]);
    }
}

/*
 * Whatever the user types, the parser returns a dict or an error, never
 * both, never neither, and never crashes.
 */
static void test_random_input(void)
{
    static const char alphabet[] = "ab1.=,,?help-_{}[]\"':0x9 /*\\\n";
    int i, j;

    for (i = 0; i < 5000; i++) {
        char buf[24];
        int len = g_test_rand_int_range(0, sizeof(buf));
        g_autoptr(JsonObject) dict = NULL;
        Error *err = NULL;
        bool help, is_json;

        for (j = 0; j < len; j++) {
            buf[j] = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];
        }
        buf[len] = '\0';
        if (i % 3 == 0) {
            buf[0] = '{';
        }
        dict = qemu_parse_option_arg(buf, i % 2 ? "driver" : NULL, &is_json,
                                     i % 5 ? &help : NULL, &err);
        g_assert_true(!dict != !err);
        error_free(err);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval/basic", test_keyval_basic);
    g_test_add_func("/keyval/escapes", test_keyval_escapes);
    g_test_add_func("/keyval/implied", test_keyval_implied);
    g_test_add_func("/keyval/dotted", test_keyval_dotted);
    g_test_add_func("/keyval/help", test_keyval_help);
    g_test_add_func("/keyval/errors", test_keyval_errors);
    g_test_add_func("/keyval/option-arg", test_option_arg);
    g_test_add_func("/keyval/option-arg/integers", test_option_arg_integers);
    g_test_add_func("/keyval/random-input", test_random_input);
    g_test_add_func("/keyval/optdict/keyval", test_optdict_keyval);
    g_test_add_func("/keyval/optdict/json", test_optdict_json);
    g_test_add_func("/keyval/optdict/members", test_optdict_members);
    g_test_add_func("/keyval/optdict/leaf-to-string",
                    test_optdict_leaf_to_string);
    return g_test_run();
}
