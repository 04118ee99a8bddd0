/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compatibility with QEMU: the same qtest + QMP script runs against our
 * binary and against the distribution's QEMU (/usr/bin/qemu-system-x86_64,
 * or $QTEST_REFERENCE_BINARY), and the answers must be identical for
 * what both support.  Skipped when no reference binary is installed.
 *
 * The reference is started with "-M q35 -S -display none -nodefaults" and
 * -qtest alone (Debian's build refuses "-accel qtest"); -S keeps its
 * firmware from touching the devices we compare.
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define DEFAULT_REFERENCE "/usr/bin/qemu-system-x86_64"

static const char *reference_binary(void)
{
    const char *ref = g_getenv("QTEST_REFERENCE_BINARY");

    ref = ref ? ref : DEFAULT_REFERENCE;
    return access(ref, X_OK) == 0 ? ref : NULL;
}

static const char *const qtest_script[] = {
    "outl 0xcf8 0x80000000",
    "inl 0xcfc",                    /* MCH 8086:29c0 */
    "inw 0xcfc",
    "inw 0xcfe",
    "inb 0xcfd",
    "outl 0xcf8 0x80000800",        /* 00:01.0: empty slot */
    "inl 0xcfc",
    "inl 0xcf8",
    "endianness",
    "frobnicate",
    "irq_intercept_in /machine/nonexistent",
    "writel 0x100000 0x12345678",
    "readl 0x100000",
    "readb 0x100001",
    "readw 0x100002",
    "readq 0x100000",
    "read 0x100000 8",
    "b64read 0x100000 8",
    "write 0x100010 4 0xcafebabe",
    "read 0x100010 4",
    "b64write 0x100020 4 3q2+7w==",
    "readl 0x100020",
    "memset 0x100030 8 0x5a",
    "readq 0x100030",
    "writeq 0x100040 0x0123456789abcdef",
    "readl 0x100044",
};

static const char *const qmp_script[] = {
    "{'execute': 'query-status'}",
    "{'execute': 'frobnicate', 'id': 7}",
    "{'execute': 'qmp_capabilities'}",
    "[1]",
    "{'id': 1}",
    "{'execute': 1}",
    "{'execute': 'query-status', 'arguments': 1}",
    "{'execute': 'query-status', 'foo': 1}",
    "{'execute': 'query-status', 'arguments': {'x': 1}}",
    "{'execute': 'qom-get', 'arguments': {'path': 1, 'property': 'usb'}}",
    "{'execute': 'qom-get', 'arguments': {'path': '/machine'}}",
    "{'execute': 'qom-get', 'arguments': "
    "{'path': '/nonexistent', 'property': 'usb'}}",
    "{'execute': 'qom-get', 'arguments': "
    "{'path': '/machine', 'property': 'usb'}}",
    "{'execute': 'qom-get', 'arguments': "
    "{'path': '/machine', 'property': 'dump-guest-core'}}",
    "{'execute': 'qom-set', 'arguments': "
    "{'path': '/machine', 'property': 'usb', 'value': 'x'}}",
    "{'execute': 'device_add', 'arguments': {'driver': 'nonexistent'}}",
    "{'execute': 'device_del', 'arguments': {'id': 'nonexistent'}}",
    "{'execute': 'device-list-properties', "
    "'arguments': {'typename': 'nonexistent'}}",
    "{'execute': 'object-del', 'arguments': {'id': 'nope'}}",
    "{'execute': 'getfd', 'arguments': {'fdname': 'x'}}",
    "{'execute': 'closefd', 'arguments': {'fdname': 'x'}}",
    "{'execute': 'remove-fd', 'arguments': {'fdset-id': 3}}",
    "{'execute': 'query-fdsets'}",
    "{'execute': 'add-fd'}",
    "{'execute': 'stop'}",
    "{'execute': 'query-status'}",
    "{'execute': 'cont', 'id': 'go'}",
    "{'execute': 'query-status'}",
    "{'execute': 'stop'}",
    "{'execute': 'cont'}",
};

/* A message as text without its timestamp (which cannot match). */
static char *normalize(JsonObject *msg)
{
    g_autoptr(JsonNode) node = NULL;

    if (json_object_has_member(msg, "timestamp")) {
        json_object_remove_member(msg, "timestamp");
    }
    node = json_node_init_object(json_node_alloc(), msg);
    return json_to_string(node, FALSE);
}

/* Appends "KIND CMD -> MSG" and consumes @msg. */
static void record(GPtrArray *out, const char *kind, const char *cmd,
                   JsonObject *msg)
{
    g_autofree char *text = normalize(msg);

    g_ptr_array_add(out, g_strdup_printf("%s %s -> %s", kind, cmd, text));
    json_object_unref(msg);
}

static void record_reply(GPtrArray *out, QTestState *s, const char *cmd)
{
    record(out, "qmp", cmd, qtest_qmp(s, "%s", cmd));
}

static void record_queued_events(GPtrArray *out, QTestState *s)
{
    JsonObject *ev;

    while ((ev = qtest_qmp_receive_queued(s))) {
        record(out, "event", "", ev);
    }
}

static GPtrArray *run_script(const char *binary, bool ours)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *saved = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *saved_copy = g_strdup(saved);
    const char *argv_ours[] = {
        "-M", "q35", "-S", "-display", "none", "-nodefaults",
        "-accel", "qtest", "-qtest", "unix:%QTEST%", "-qtest-log", "none",
        "-chardev", "socket,path=%QMP%,id=mon0",
        "-mon", "chardev=mon0,mode=control", NULL
    };
    const char *argv_ref[] = {
        "-M", "q35", "-S", "-display", "none", "-nodefaults",
        "-qtest", "unix:%QTEST%", "-qtest-log", "none",
        "-chardev", "socket,path=%QMP%,id=mon0",
        "-mon", "chardev=mon0,mode=control", NULL
    };
    QTestState *s;
    JsonObject *greeting;
    JsonObject *qmp;

    g_setenv("QTEST_QEMU_BINARY", binary, TRUE);
    s = qtest_init_argv(ours ? argv_ours : argv_ref, NULL, 0, false);
    g_setenv("QTEST_QEMU_BINARY", saved_copy, TRUE);

    for (size_t i = 0; i < G_N_ELEMENTS(qtest_script); i++) {
        char *reply = qtest_raw_cmd(s, "%s", qtest_script[i]);

        g_ptr_array_add(out, g_strdup_printf("qtest %s -> %s",
                                             qtest_script[i], reply));
        g_free(reply);
    }

    /* The greeting: its shape and capabilities, not the version. */
    greeting = qtest_qmp_receive(s);
    qmp = json_object_get_object_member(greeting, "QMP");
    g_ptr_array_add(out, g_strdup_printf(
        "greeting caps=%s has-version=%d",
        json_array_get_string_element(
            json_object_get_array_member(qmp, "capabilities"), 0),
        json_object_has_member(
            json_object_get_object_member(qmp, "version"), "qemu")));
    json_object_unref(greeting);

    for (size_t i = 0; i < G_N_ELEMENTS(qmp_script); i++) {
        record_reply(out, s, qmp_script[i]);
        /*
         * A probe command flushes the events the command caused: they
         * arrive before the probe's reply and are queued meanwhile.
         */
        json_object_unref(qtest_qmp(s, "{'execute': 'query-status'}"));
        record_queued_events(out, s);
    }
    record_reply(out, s, "{'execute': 'quit'}");
    {
        JsonObject *ev = qtest_qmp_eventwait_ref(s, "SHUTDOWN");

        record(out, "event", "", ev);
    }
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
    return out;
}

static void test_compat(void)
{
    const char *ref = reference_binary();
    g_autoptr(GPtrArray) ours = NULL, theirs = NULL;
    int mismatches = 0;

    if (!ref) {
        g_test_skip("no reference QEMU (install qemu-system-x86)");
        return;
    }
    ours = run_script(qtest_qemu_binary(), true);
    theirs = run_script(ref, false);
    g_assert_cmpuint(ours->len, ==, theirs->len);
    for (guint i = 0; i < ours->len; i++) {
        const char *a = g_ptr_array_index(ours, i);
        const char *b = g_ptr_array_index(theirs, i);

        if (strcmp(a, b)) {
            g_printerr("ours:      %s\nreference: %s\n", a, b);
            mismatches++;
        }
    }
    g_assert_cmpint(mismatches, ==, 0);
}

/* Command-line errors whose first stderr line must match QEMU's. */
static const char *const cmdline_errors[] = {
    "-foo", "-m", "-m 1X", "-m 1G,foo=1", "-uuid 1234",
    "-watchdog-action explode", "-display foo",
    "-mon chardev=x,mode=control", "-mon chardev=x,mode=bogus",
    "-chardev socket,id=x,path=/nonexistent/s", "-chardev foo,id=x",
    "-device foo", "-msg timestamp=maybe", "-accel foo",
    "-sandbox on,foo=bar", "-overcommit mem-lock=maybe",
    "-name guest=x,foo=1",
};

static char *first_stderr_line(const char *binary, const char *args,
                               int *status)
{
    g_autofree char *saved = g_strdup(g_getenv("QTEST_QEMU_BINARY"));
    g_autofree char *full = g_strdup_printf("-M q35 -display none "
                                            "-nodefaults %s", args);
    g_autofree char *out = NULL, *err = NULL;
    g_auto(GStrv) lines = NULL;

    g_setenv("QTEST_QEMU_BINARY", binary, TRUE);
    *status = qtest_run(full, &out, &err, 30);
    g_setenv("QTEST_QEMU_BINARY", saved, TRUE);
    lines = g_strsplit(err, "\n", 2);
    return g_strdup(lines[0]);
}

static void test_cmdline_compat(void)
{
    const char *ref = reference_binary();
    int mismatches = 0;

    if (!ref) {
        g_test_skip("no reference QEMU (install qemu-system-x86)");
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cmdline_errors); i++) {
        int st_ours, st_ref;
        g_autofree char *ours = first_stderr_line(qtest_qemu_binary(),
                                                  cmdline_errors[i], &st_ours);
        g_autofree char *theirs = first_stderr_line(ref, cmdline_errors[i],
                                                    &st_ref);

        if (strcmp(ours, theirs) || st_ours != st_ref) {
            g_printerr("%s\n  ours (%d):      %s\n  reference (%d): %s\n",
                       cmdline_errors[i], st_ours, ours, st_ref, theirs);
            mismatches++;
        }
    }
    g_assert_cmpint(mismatches, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/compat/script", test_compat);
    g_test_add_func("/qtest/compat/cmdline-errors", test_cmdline_compat);
    return g_test_run();
}
