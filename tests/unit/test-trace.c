/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace events: patterns, output, -trace parsing and the generator
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qemu/trace.h"
#include "util/trace.h"

/* Events owned by the test, registered late like a module's would be. */
static TraceEvent test_ev_alpha = { .name = "test_alpha" };
static TraceEvent test_ev_beta = { .name = "test_beta" };
static TraceEvent *const test_events[] = { &test_ev_alpha, &test_ev_beta };

static char *tmpdir;

static void reset_events(void)
{
    trace_enable_events("-*", &error_abort);
    trace_set_file(NULL, &error_abort);
}

static void test_registry(void)
{
    reset_events();
    g_assert_false(trace_event_is_enabled("keyval_parsed"));
    g_assert_false(trace_event_is_enabled("no_such_event"));
    g_assert_false(trace_keyval_parsed_enabled());

    trace_enable_events("keyval_parsed", &error_abort);
    g_assert_true(trace_event_is_enabled("keyval_parsed"));
    g_assert_true(trace_keyval_parsed_enabled());
    g_assert_false(trace_event_is_enabled("qemu_option_json"));
}

static void test_patterns(void)
{
    Error *err = NULL;

    reset_events();
    trace_enable_events("*", &error_abort);
    g_assert_true(trace_event_is_enabled("qemu_option_json"));
    g_assert_true(trace_event_is_enabled("util_trace_output"));

    /* Left to right: everything util, then not the option events. */
    trace_enable_events("-*,keyval_*, qemu_*,-qemu_option_?son,,",
                        &error_abort);
    g_assert_true(trace_event_is_enabled("keyval_parsed"));
    g_assert_false(trace_event_is_enabled("qemu_option_json"));
    g_assert_false(trace_event_is_enabled("util_trace_output"));

    trace_enable_events("-keyval_parsed", &error_abort);
    g_assert_false(trace_event_is_enabled("keyval_parsed"));

    /* A glob matching nothing is fine; a name matching nothing is not. */
    g_assert_true(trace_enable_events("nothing_*", &error_abort));
    g_assert_false(trace_enable_events("keyval_parsed,nope", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Trace event 'nope' does not exist");
    error_free_or_abort(&err);
    /* Patterns before the bad one stay applied. */
    g_assert_true(trace_event_is_enabled("keyval_parsed"));
    g_assert_false(trace_enable_events("-nope", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Trace event 'nope' does not exist");
    error_free_or_abort(&err);
}

static void test_late_registration(void)
{
    g_autoptr(GString) list = NULL;
    g_autofree char *path = g_build_filename(tmpdir, "list", NULL);
    g_autofree char *contents = NULL;
    FILE *f;

    reset_events();
    trace_enable_events("test_*,-test_b*", &error_abort);
    trace_register_events(test_events, G_N_ELEMENTS(test_events));
    g_assert_true(test_ev_alpha.enabled);
    g_assert_false(test_ev_beta.enabled);

    f = fopen(path, "w");
    g_assert_nonnull(f);
    trace_list_events(f);
    fclose(f);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    /* Sorted, with the state. */
    g_assert_nonnull(strstr(contents, "keyval_parsed\nqemu_option_json\n"
                            "test_alpha (enabled)\ntest_beta\n"));
}

static char *read_trace(const char *path)
{
    char *contents = NULL;

    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    return contents;
}

static void test_output(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "out", NULL);
    g_autofree char *contents = NULL;
    g_autofree char *pattern = NULL;
    g_autoptr(JsonObject) dict = NULL;
    g_autoptr(JsonObject) dict2 = NULL;
    Error *err = NULL;

    reset_events();
    trace_set_file(path, &error_abort);
    trace_enable_events("keyval_parsed", &error_abort);
    dict = keyval_parse("a=1,b=2", NULL, NULL, &error_abort);
    /* Disabled: prints nothing. */
    dict2 = qemu_parse_option_arg("{}", NULL, NULL, NULL, &error_abort);
    trace_print(&test_ev_alpha, "x %d", 1);
    trace_set_file(NULL, &error_abort);

    contents = read_trace(path);
    pattern = g_strdup_printf("^%d@[0-9]+\\.[0-9]{6}:keyval_parsed "
                              "'a=1,b=2' gives 2 members\n"
                              "%d@[0-9]+\\.[0-9]{6}:test_alpha x 1\n$",
                              (int)getpid(), (int)getpid());
    g_test_message("%s", contents);
    g_assert_true(g_regex_match_simple(pattern, contents, 0, 0));

    g_assert_false(trace_set_file("/nonexistent/dir/trace", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Could not open trace file '/nonexistent/dir/trace': "
                    "No such file or directory");
    error_free_or_abort(&err);
}

static void check_opt_error(const char *optarg, const char *expected)
{
    Error *err = NULL;

    g_assert_false(trace_opt_parse(optarg, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static void test_opt_parse(void)
{
    g_autofree char *out = g_build_filename(tmpdir, "opt-out", NULL);
    g_autofree char *events = g_build_filename(tmpdir, "events", NULL);
    g_autofree char *bad = g_build_filename(tmpdir, "bad-events", NULL);
    g_autofree char *arg = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(JsonObject) dict = NULL;
    Error *err = NULL;

    reset_events();
    g_assert_true(trace_opt_parse("keyval_*", &error_abort));
    g_assert_true(trace_event_is_enabled("keyval_parsed"));

    reset_events();
    g_assert_true(trace_opt_parse("enable=qemu_*,,keyval_*", &error_abort));
    g_assert_true(trace_event_is_enabled("keyval_parsed"));
    g_assert_true(trace_event_is_enabled("qemu_option_json"));

    reset_events();
    g_assert_true(g_file_set_contents(events, "# comment\n\nkeyval_*\n"
                                      "  util_trace_output  \n", -1, NULL));
    arg = g_strdup_printf("events=%s,file=%s", events, out);
    g_assert_true(trace_opt_parse(arg, &error_abort));
    g_assert_true(trace_event_is_enabled("keyval_parsed"));
    g_assert_true(trace_event_is_enabled("util_trace_output"));
    g_assert_false(trace_event_is_enabled("qemu_option_json"));
    dict = keyval_parse("x=y", NULL, NULL, &error_abort);
    reset_events();
    contents = read_trace(out);
    g_assert_nonnull(strstr(contents, ":keyval_parsed 'x=y' gives 1 members\n"));

    check_opt_error("bogus=1", "Invalid parameter 'bogus'");
    check_opt_error("keyval_*,enable.x=1",
                    "Parameters 'enable.*' used inconsistently");
    check_opt_error("file.x=1", "Parameter 'file' expects a string");
    check_opt_error("nope", "Trace event 'nope' does not exist");
    check_opt_error("file=/nonexistent/dir/t",
                    "Could not open trace file '/nonexistent/dir/t': "
                    "No such file or directory");

    g_assert_true(g_file_set_contents(bad, "keyval_*\nnope\n", -1, NULL));
    g_free(arg);
    arg = g_strdup_printf("events=%s", bad);
    msg = g_strdup_printf("%s:2: Trace event 'nope' does not exist", bad);
    check_opt_error(arg, msg);
    reset_events();

    g_assert_false(trace_opt_parse("events=/nonexistent/ev", &err));
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                                   "Could not read trace events file: "));
    error_free_or_abort(&err);
    reset_events();
}

static void test_opt_help(void)
{
    if (g_test_subprocess()) {
        trace_opt_parse("help", &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("Trace events:\n*keyval_parsed\n*");
}

static void test_opt_enable_help(void)
{
    if (g_test_subprocess()) {
        trace_opt_parse("enable=?", &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("Trace events:\n*qemu_option_json\n*");
}

/* Runs the generator on @events and returns its exit status. */
static int run_tracetool(const char *events, char **out_h, char **err_out)
{
    g_autofree char *in = g_build_filename(tmpdir, "trace-events", NULL);
    g_autofree char *h = g_build_filename(tmpdir, "trace.h", NULL);
    g_autofree char *c = g_build_filename(tmpdir, "trace-events.c", NULL);
    g_autofree char *script = g_build_filename(QEMU_SRC_ROOT, "scripts",
                                               "tracetool.py", NULL);
    const char *argv[] = { "python3", script, in, h, c, "test_grp", NULL };
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_file_set_contents(in, events, -1, NULL));
    unlink(h);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, err_out, &status, &gerr));
    if (out_h) {
        *out_h = NULL;
        g_file_get_contents(h, out_h, NULL, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_tracetool(void)
{
    static const struct {
        const char *events;
        const char *error;
    } bad[] = {
        { "no_parens \"x\"\n", ":1: expected event_name(args) \"format\"" },
        { "Upper(int a) \"%d\"\n", ":1: expected event_name(args)" },
        { "ok(void) \"\"\n\nok(int a) \"%d\"\n", ":3: event ok defined twice" },
        { "nl(int a) \"%d\\n\"\n", ":1: format must not end with a newline" },
        { "noname(int) \"%d\"\n", ":1: argument \"int\" is not \"type name\"" },
        { "dup(int a, int a) \"%d %d\"\n", ":1: argument names repeat" },
    };
    g_autofree char *header = NULL;
    size_t i;

    g_assert_cmpint(run_tracetool(
        "# comment\n"
        "\n"
        "ev_none(void) \"\"\n"
        "ev_args(int a, const char *s, uint64_t  v) \"a %d s %s v 0x%\"PRIx64\n"
        "ev_paren(int a)  \"(%d) done)\"\n",
        &header, NULL), ==, 0);
    g_assert_nonnull(strstr(header, "#include \"qemu/trace.h\""));
    g_assert_nonnull(strstr(header, "static inline void trace_ev_none(void)"));
    g_assert_nonnull(strstr(header, "static inline void trace_ev_args(int a, "
                            "const char *s, uint64_t v)"));
    g_assert_nonnull(strstr(header, "trace_print(&TRACE_EV_ARGS_EV, "
                            "\"a %d s %s v 0x%\"PRIx64, a, s, v);"));
    g_assert_nonnull(strstr(header, "trace_print(&TRACE_EV_PAREN_EV, "
                            "\"(%d) done)\", a);"));

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *err_out = NULL;

        g_test_message("%s", bad[i].events);
        g_assert_cmpint(run_tracetool(bad[i].events, NULL, &err_out), ==, 1);
        g_assert_nonnull(strstr(err_out, bad[i].error));
    }
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-trace-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/trace/registry", test_registry);
    g_test_add_func("/trace/patterns", test_patterns);
    g_test_add_func("/trace/late-registration", test_late_registration);
    g_test_add_func("/trace/output", test_output);
    g_test_add_func("/trace/opt/parse", test_opt_parse);
    g_test_add_func("/trace/opt/help", test_opt_help);
    g_test_add_func("/trace/opt/enable-help", test_opt_enable_help);
    g_test_add_func("/trace/tracetool", test_tracetool);
    ret = g_test_run();

    /* Best effort; the files are small and under the tmp dir. */
    {
        g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(tmpdir, name, NULL);

            unlink(path);
        }
        rmdir(tmpdir);
        g_free(tmpdir);
    }
    return ret;
}
