/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error objects and user messages
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"

static GPtrArray *lines;

static void capture(const char *line, void *opaque)
{
    g_assert_true(opaque == &lines);
    g_ptr_array_add(lines, g_strdup(line));
}

/* Captures messages from here on; the previous ones are dropped. */
static void capture_start(void)
{
    if (lines) {
        g_ptr_array_unref(lines);
    }
    lines = g_ptr_array_new_with_free_func(g_free);
    error_set_sink(capture, &lines);
}

static void assert_lines(const char *const *expected)
{
    guint i;

    for (i = 0; expected[i]; i++) {
        g_assert_cmpuint(i, <, lines->len);
        g_assert_cmpstr(g_ptr_array_index(lines, i), ==, expected[i]);
    }
    g_assert_cmpuint(lines->len, ==, i);
    g_ptr_array_set_size(lines, 0);
}

#define ASSERT_LINES(...) assert_lines((const char *const[]){ __VA_ARGS__, NULL })

static void test_setg(void)
{
    Error *err = NULL;

    error_setg(&err, "Property '%s.%s' can't find value '%s'",
               "vfio-pci", "iommufd", "x");
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'vfio-pci.iommufd' can't find value 'x'");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_GENERIC_ERROR);
    error_free(err);

    err = NULL;
    error_set(&err, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
              "net0");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    g_assert_cmpstr(error_get_pretty(err), ==, "Device 'net0' not found");
    error_free_or_abort(&err);
    g_assert_null(err);

    /* A NULL errp ignores the error. */
    error_setg(NULL, "ignored %d", 1);
    error_free(NULL);
}

static void test_class_names(void)
{
    g_assert_cmpstr(error_class_name(ERROR_CLASS_GENERIC_ERROR), ==,
                    "GenericError");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_COMMAND_NOT_FOUND), ==,
                    "CommandNotFound");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_DEVICE_NOT_ACTIVE), ==,
                    "DeviceNotActive");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_DEVICE_NOT_FOUND), ==,
                    "DeviceNotFound");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_KVM_MISSING_CAP), ==,
                    "KVMMissingCap");
}

static void test_setg_errno(void)
{
    Error *err = NULL;

    errno = EBUSY;
    error_setg_errno(&err, ENOENT, "Could not open '%s'", "/dev/vfio/7");
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Could not open '/dev/vfio/7': No such file or directory");
    /* errno survives, so callers may still look at it. */
    g_assert_cmpint(errno, ==, EBUSY);
    error_free_or_abort(&err);

    error_setg_errno(&err, 0, "no errno");
    g_assert_cmpstr(error_get_pretty(err), ==, "no errno");
    error_free_or_abort(&err);

    errno = EPERM;
    error_setg_errno(NULL, EINVAL, "ignored");
    g_assert_cmpint(errno, ==, EPERM);
}

static void test_set_twice(void)
{
    if (g_test_subprocess()) {
        Error *err = NULL;

        error_setg(&err, "first");
        error_setg(&err, "second");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
}

static void test_prepend(void)
{
    Error *err = NULL;

    error_setg(&err, "msg");
    error_prepend(&err, "%s: ", "vfio 0000:01:00.0");
    error_prepend(&err, "device '%s': ", "hostdev0");
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "device 'hostdev0': vfio 0000:01:00.0: msg");
    error_free_or_abort(&err);

    /* Nothing to prepend to: no-ops. */
    error_prepend(&err, "x: ");
    g_assert_null(err);
    error_prepend(NULL, "x: ");
    error_prepend(&error_fatal, "x: ");
    error_prepend(&error_abort, "x: ");
}

static void test_hint(void)
{
    Error *err = NULL;
    Error *copy;

    capture_start();
    error_set_progname("/usr/bin/prog");
    error_append_hint(&err, "no error yet\n");
    g_assert_null(err);
    error_append_hint(NULL, "ignored\n");

    error_setg(&err, "Invalid parameter 'x'");
    error_append_hint(&err, "Valid parameters are:\n");
    error_append_hint(&err, "  %s\n  %s\n", "host", "sysfsdev");
    copy = error_copy(err);
    error_report_err(err);
    ASSERT_LINES("prog: Invalid parameter 'x'", "Valid parameters are:",
                 "  host", "  sysfsdev");

    /* The copy is independent and carries the hint too. */
    g_assert_cmpstr(error_get_pretty(copy), ==, "Invalid parameter 'x'");
    warn_report_err(copy);
    ASSERT_LINES("prog: warning: Invalid parameter 'x'",
                 "Valid parameters are:", "  host", "  sysfsdev");
}

static void test_reportf(void)
{
    Error *err = NULL;

    capture_start();
    error_set_progname("prog");
    error_setg(&err, "Permission denied");
    error_append_hint(&err, "check the group's owner\n");
    error_reportf_err(err, "vfio %s: ", "0000:01:00.0");
    err = NULL;
    error_setg(&err, "no MSI-X");
    warn_reportf_err(err, "device '%s': ", "hostdev0");
    ASSERT_LINES("prog: vfio 0000:01:00.0: Permission denied",
                 "check the group's owner",
                 "prog: warning: device 'hostdev0': no MSI-X");
}

static void test_propagate(void)
{
    Error *dst = NULL, *local = NULL, *other = NULL;

    error_propagate(&dst, NULL);
    g_assert_null(dst);

    error_setg(&local, "first");
    error_propagate(&dst, local);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");

    /* The first error wins; a later one is freed. */
    error_setg(&other, "second");
    error_propagate(&dst, other);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");
    error_free_or_abort(&dst);

    /* A NULL destination frees the error. */
    local = NULL;
    error_setg(&local, "dropped");
    error_propagate(NULL, local);
}

static void test_propagate_prepend(void)
{
    Error *dst = NULL, *local = NULL, *other = NULL;

    error_setg(&local, "No such file");
    error_propagate_prepend(&dst, local, "Could not open '%s': ", "f");
    g_assert_cmpstr(error_get_pretty(dst), ==,
                    "Could not open 'f': No such file");

    error_setg(&other, "later");
    error_propagate_prepend(&dst, other, "ignored: ");
    g_assert_cmpstr(error_get_pretty(dst), ==,
                    "Could not open 'f': No such file");
    error_free_or_abort(&dst);

    error_propagate_prepend(&dst, NULL, "nothing: ");
    g_assert_null(dst);
    local = NULL;
    error_setg(&local, "dropped");
    error_propagate_prepend(NULL, local, "x: ");
}

static void test_fatal(void)
{
    if (g_test_subprocess()) {
        error_set_progname("prog");
        error_setg(&error_fatal, "Machine '%s' not found", "pc-q99");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("prog: Machine 'pc-q99' not found\n");
}

static void test_fatal_propagate(void)
{
    if (g_test_subprocess()) {
        Error *local = NULL;

        error_set_progname("prog");
        error_setg(&local, "late");
        error_append_hint(&local, "a hint\n");
        error_propagate(&error_fatal, local);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("prog: late\na hint\n");
}

static void test_abort(void)
{
    if (g_test_subprocess()) {
        error_set_progname("prog");
        error_setg(&error_abort, "bug %d", 42);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("Unexpected error in test_abort() at "
                              "*test-error.c:*:\nprog: bug 42\n");
}

static void test_autoptr(void)
{
    g_autoptr(Error) err = NULL;

    error_setg(&err, "freed at scope exit");
}

static void test_report_location(void)
{
    char *argv[] = { "qemu", "-m", "1G", "-device", "vfio-pci,host=x",
                     "-trace", "vfio_*", NULL };
    Location loc = { 0 }, saved = { 0 };

    capture_start();
    error_set_progname("/opt/bin/qemu-system-x86_64");
    error_report("no location");
    ASSERT_LINES("qemu-system-x86_64: no location");

    loc_push_none(&loc);
    loc_set_cmdline(argv, 3, 2);
    error_report("Parameter '%s' expects %s", "host", "a PCI address");
    warn_report("%s", "careful");
    info_report("%s", "fyi");
    ASSERT_LINES("qemu-system-x86_64: -device vfio-pci,host=x: "
                 "Parameter 'host' expects a PCI address",
                 "qemu-system-x86_64: -device vfio-pci,host=x: "
                 "warning: careful",
                 "qemu-system-x86_64: -device vfio-pci,host=x: info: fyi");

    /* Save the location, move on, then restore it for a late error. */
    loc_save(&saved);
    loc_set_cmdline(argv, 1, 2);
    error_report("too much");
    loc_restore(&saved);
    error_report("late");
    ASSERT_LINES("qemu-system-x86_64: -m 1G: too much",
                 "qemu-system-x86_64: -device vfio-pci,host=x: late");

    loc_set_file("vm.cfg", 12);
    error_report("bad line");
    loc_set_file(NULL, 13);
    error_report("next line");
    loc_set_file("other.cfg", 0);
    error_report("whole file");
    loc_set_none();
    error_report("none");
    ASSERT_LINES("qemu-system-x86_64: vm.cfg:12: bad line",
                 "qemu-system-x86_64: vm.cfg:13: next line",
                 "qemu-system-x86_64: other.cfg: whole file",
                 "qemu-system-x86_64: none");
    loc_pop(&loc);

    /* Popped: back to no location. */
    error_report("after");
    ASSERT_LINES("qemu-system-x86_64: after");
}

static void test_report_nested_location(void)
{
    char *argv[] = { "qemu", "-object", "iommufd,id=fd0" };
    Location outer = { 0 }, inner = { 0 };

    capture_start();
    error_set_progname("qemu");
    loc_push_none(&outer);
    loc_set_cmdline(argv, 1, 2);
    loc_push_none(&inner);
    error_report("inner has none");
    loc_pop(&inner);
    error_report("outer");
    loc_pop(&outer);
    ASSERT_LINES("qemu: inner has none", "qemu: -object iommufd,id=fd0: outer");
}

static void vreport_helper(bool warn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (warn) {
        warn_vreport(fmt, ap);
    } else {
        error_vreport(fmt, ap);
    }
    va_end(ap);
}

static void vprintf_helper(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vprintf(fmt, ap);
    va_end(ap);
}

static void test_vreport_printf(void)
{
    capture_start();
    error_set_progname("qemu");
    vreport_helper(false, "%s %d", "e", 1);
    vreport_helper(true, "%s %d", "w", 2);
    error_printf("line one\nline %s\n", "two");
    error_printf("no newline");
    vprintf_helper("\n%s\n", "after empty");
    ASSERT_LINES("qemu: e 1", "qemu: warning: w 2", "line one", "line two",
                 "no newline", "", "after empty");
}

static void warn_twice(void)
{
    warn_report_once("only %s", "once");
}

static void test_report_once(void)
{
    bool printed = false;

    capture_start();
    error_set_progname("qemu");
    warn_twice();
    warn_twice();
    g_assert_true(error_report_once_cond(&printed, "err %d", 1));
    g_assert_false(error_report_once_cond(&printed, "err %d", 2));
    printed = false;
    g_assert_true(warn_report_once_cond(&printed, "warn %d", 3));
    g_assert_false(warn_report_once_cond(&printed, "warn %d", 4));
    ASSERT_LINES("qemu: warning: only once", "qemu: err 1",
                 "qemu: warning: warn 3");
}

static void test_timestamp(void)
{
    capture_start();
    error_set_progname("qemu");
    message_with_timestamp = true;
    error_report("stamped");
    message_with_timestamp = false;
    g_assert_cmpuint(lines->len, ==, 1);
    g_assert_true(g_regex_match_simple(
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z qemu: stamped$",
        g_ptr_array_index(lines, 0), 0, 0));
}

static void test_stderr_default(void)
{
    if (g_test_subprocess()) {
        error_set_sink(NULL, NULL);
        error_set_progname("qemu");
        error_report("to %s", "stderr");
        error_printf("raw %d\n", 7);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("qemu: to stderr\nraw 7\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/setg", test_setg);
    g_test_add_func("/error/class-names", test_class_names);
    g_test_add_func("/error/setg-errno", test_setg_errno);
    g_test_add_func("/error/set-twice", test_set_twice);
    g_test_add_func("/error/prepend", test_prepend);
    g_test_add_func("/error/hint", test_hint);
    g_test_add_func("/error/reportf", test_reportf);
    g_test_add_func("/error/propagate", test_propagate);
    g_test_add_func("/error/propagate-prepend", test_propagate_prepend);
    g_test_add_func("/error/fatal", test_fatal);
    g_test_add_func("/error/fatal-propagate", test_fatal_propagate);
    g_test_add_func("/error/abort", test_abort);
    g_test_add_func("/error/autoptr", test_autoptr);
    g_test_add_func("/error/report/location", test_report_location);
    g_test_add_func("/error/report/nested-location",
                    test_report_nested_location);
    g_test_add_func("/error/report/vreport-printf", test_vreport_printf);
    g_test_add_func("/error/report/once", test_report_once);
    g_test_add_func("/error/report/timestamp", test_timestamp);
    g_test_add_func("/error/report/stderr", test_stderr_default);
    return g_test_run();
}
