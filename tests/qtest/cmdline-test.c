/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line errors: each bad option gets QEMU's one-line message with
 * the option as location, and exit status 1; help and version exit 0.
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define P "qemu-system-x86_64: "

typedef struct ErrorCase {
    const char *args;
    const char *stderr_line;    /* the first line of stderr */
} ErrorCase;

static const ErrorCase error_cases[] = {
    { "-foo", P "-foo: invalid option" },
    { "--foo", P "--foo: invalid option" },
    { "disk.img", P "disk.img: disk images and other positional arguments "
                  "are not supported" },
    { "-m", P "-m: requires an argument" },
    { "-accel tcg", P "-accel tcg: invalid accelerator tcg (this binary "
                    "has: kvm, qtest)" },
    { "-accel whpx", P "-accel whpx: invalid accelerator whpx" },
    /* The accel= list is tried after parsing, as QEMU does: no location. */
    { "-machine q35,accel=foo", P "invalid accelerator foo" },
    { "-M pc", P "unsupported machine type: \"pc\"" },
    { "-M q35,foo=bar", P "-M q35,foo=bar: Property 'q35-machine.foo' not "
                        "found" },
    { "-M q35,usb=maybe", P "-M q35,usb=maybe: Parameter 'usb' expects 'on' "
                          "or 'off'" },
    { "-m 1X", P "-m 1X: Parameter 'size' expects a non-negative number "
               "below 2^64" },
    { "-m 0", P "-m 0: Parameter 'size' expects a non-zero size" },
    { "-m size=1G,maxmem=4G", P "-m size=1G,maxmem=4G: memory hotplug "
                              "(maxmem, slots) is not supported" },
    { "-m 1G,slots=4", P "-m 1G,slots=4: memory hotplug (maxmem, slots) is "
                       "not supported" },
    { "-m 1G,foo=1", P "-m 1G,foo=1: Invalid parameter 'foo'" },
    { "-display gtk", P "-display gtk: Parameter 'type' does not accept "
                      "value 'gtk'" },
    { "-qmp stdio -daemonize", P "-qmp stdio: cannot use stdio with "
                              "-daemonize" },
    { "-pidfile /nonexistent/q.pid", P "cannot create PID file: Cannot "
                                    "open pid file: No such file or "
                                    "directory" },
    { "-uuid 1234", P "-uuid 1234: failed to parse UUID string: wrong "
                    "format" },
    { "-cpu host,tsc-frequency=fast", P "-cpu host,tsc-frequency=fast: "
      "Parameter 'tsc-frequency' expects a frequency in Hz from 1000 to "
      "4294967295999" },
    { "-cpu host,tsc-frequency=999", P "-cpu host,tsc-frequency=999: "
      "Parameter 'tsc-frequency' expects a frequency in Hz from 1000 to "
      "4294967295999" },
    { "-cpu host,tsc-frequency=4294967296000", P "-cpu host,"
      "tsc-frequency=4294967296000: Parameter 'tsc-frequency' expects a "
      "frequency in Hz from 1000 to 4294967295999" },
    { "-smp foo", P "-smp foo: Parameter 'smp.cpus' expects integer" },
    { "-smp 0", P "-smp 0: Parameter 'smp.cpus' expects a number from 1 "
                "to 4096" },
    { "-rtc base=utc,clock=nope", P "-rtc base=utc,clock=nope: Parameter "
                                  "'clock' does not accept value 'nope'" },
    { "-rtc base=yesterday", P "-rtc base=yesterday: invalid datetime "
                             "format" },
    { "-msg timestamp=maybe", P "-msg timestamp=maybe: Parameter "
                              "'timestamp' expects 'on' or 'off'" },
    { "-overcommit mem-lock=on", P "-overcommit mem-lock=on: mem-lock=on: "
                                 "locking guest memory is not supported" },
    { "-sandbox on,foo=bar", P "-sandbox on,foo=bar: Invalid parameter "
                             "'foo'" },
    { "-watchdog-action explode", P "-watchdog-action explode: Parameter "
                                  "'watchdog' does not accept value "
                                  "'explode'" },
    { "-object foo,id=x", P "-object foo,id=x: invalid object type: foo" },
    { "-object memory-backend-ram,size=1M", P "-object "
      "memory-backend-ram,size=1M: Parameter 'id' is missing" },
    { "-object memory-backend-ram,id=m,size=1M "
      "-object memory-backend-ram,id=m,size=1M",
      P "-object memory-backend-ram,id=m,size=1M: Duplicate ID 'm' for "
      "object" },
    { "-m 8E", P "-m 8E: RAM size 9223372036854775808 of 'pc.ram' is too "
               "large" },
    { "-m 4k", P "-m 4k: ram size too small: at least 1 MiB is needed" },
    /* A warning, then the -device error that ends the run. */
    { "-global nosuch.foo=1 -device foo",
      P "warning: global nosuch.foo has invalid class name" },
    /*
     * A -global that does not apply to one of the board's own devices is
     * the user's error: one line and exit 1, never an abort.
     */
    { "-global q35-pcihost.x=1", P "can't apply global q35-pcihost.x=1: "
      "Property 'q35-pcihost.x' not found" },
    { "-global ioapic.x=1", P "can't apply global ioapic.x=1: "
      "Property 'ioapic.x' not found" },
    { "-global msi-doorbell.x=1", P "can't apply global msi-doorbell.x=1: "
      "Property 'msi-doorbell.x' not found" },
    { "-global mch.x=1", P "can't apply global mch.x=1: "
      "Property 'mch.x' not found" },
    { "-global acpi-pm.x=1", P "can't apply global acpi-pm.x=1: "
      "Property 'acpi-pm.x' not found" },
    { "-global mc146818rtc.x=1", P "can't apply global mc146818rtc.x=1: "
      "Property 'mc146818rtc.x' not found" },
    { "-serial null -global isa-serial.x=1", P "can't apply global "
      "isa-serial.x=1: Property 'isa-serial.x' not found" },
    /* What libvirt passes for a domain, refused where we lack it. */
    { "-audiodev pa,id=a", P "-audiodev pa,id=a: Parameter 'driver' does "
      "not accept value 'pa'" },
    { "-add-fd fd=1,set=0", P "-add-fd fd=1,set=0: fd cannot be a standard "
      "I/O stream" },
    { "-chardev file,id=c,path=/dev/fdset/3",
      P "-chardev file,id=c,path=/dev/fdset/3: No fdset 3 (passed with "
      "-add-fd or add-fd)" },
    { "-device isa-serial,chardev=nope", P "-device isa-serial,chardev=nope: "
      "Property 'isa-serial.chardev' can't find value 'nope'" },
    { "-serial null -device isa-serial,chardev=c,index=1",
      P "-device isa-serial,chardev=c,index=1: isa-serial: only one serial "
      "port is supported: COM1 (index 0, iobase 0x3f8, irq 4)" },
    { "-object secret,id=s,data=x,keyid=k", P "-object secret,id=s,data=x,"
      "keyid=k: secret 's': encrypted secrets (keyid, iv) are not "
      "supported: nothing in this binary consumes them" },
    { "-device '{\"driver\": \"x\", \"driver\": \"y\"}'",
      P "-device {\"driver\": \"x\", \"driver\": \"y\"}: JSON parse "
      "error, duplicate key 'driver'" },
    { "-device '{\"driver\": }'",
      P "-device {\"driver\": }: JSON parse error, stray '}', expecting "
      "value" },
    { "-device foo", P "-device foo: 'foo' is not a valid device model "
                     "name" },
    { "-device vfio-pci,sysfsdev=", P "-device vfio-pci,sysfsdev=: vfio: "
      "sysfsdev= is empty: give the device's sysfs directory, e.g. "
      "/sys/bus/pci/devices/0000:01:00.0" },
    { "-device vfio-pci,sysfsdev=/", P "-device vfio-pci,sysfsdev=/: vfio: "
      "sysfsdev '/' does not name a device's sysfs directory" },
    /* fd 2 is stderr: refusing it must not close it before the message */
    { "-device vfio-pci,fd=2", P "-device vfio-pci,fd=2: vfio: fd '2': fd 2 "
      "is QEMU's standard error, not a VFIO device cdev" },
    { "-chardev foo,id=x", P "-chardev foo,id=x: 'foo' is not a valid char "
                           "driver name" },
    { "-chardev socket,id=x,path=/nonexistent/s",
      P "-chardev socket,id=x,path=/nonexistent/s: Failed to connect to "
      "'/nonexistent/s': No such file or directory" },
    { "-chardev socket,id=x,fd=99,server=on,wait=off",
      P "-chardev socket,id=x,fd=99,server=on,wait=off: fd=99 is not an "
      "open file descriptor" },
    { "-chardev socket,id=x", P "-chardev socket,id=x: chardev 'x': socket "
                              "needs path=PATH or fd=N" },
    { "-mon chardev=x,mode=control", P "-mon chardev=x,mode=control: "
                                     "chardev \"x\" not found" },
    { "-mon chardev=x,mode=bogus", P "-mon chardev=x,mode=bogus: Parameter "
                                   "'mode' does not accept value 'bogus'" },
    { "-qtest unix:/nonexistent/s", P "-qtest unix:/nonexistent/s: Failed "
      "to connect to '/nonexistent/s': No such file or directory" },
    { "-qmp tcp:localhost:4444", P "-qmp tcp:localhost:4444: "
      "'tcp:localhost:4444' is not a valid char driver name" },
    { "-global foo", P "-global foo: Invalid global 'foo': expected "
                     "DRIVER.PROPERTY=VALUE" },
};

static void test_error(gconstpointer opaque)
{
    const ErrorCase *c = opaque;
    g_autofree char *args = g_strdup_printf("-display none -nodefaults %s",
                                            c->args);
    g_autofree char *out = NULL, *err = NULL;
    g_auto(GStrv) lines = NULL;
    int status = qtest_run(args, &out, &err, 30);

    lines = g_strsplit(err, "\n", 2);
    g_assert_cmpstr(lines[0], ==, c->stderr_line);
    g_assert_cmpint(status, ==, 1);
}

static void test_help_version(void)
{
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint(qtest_run("-version", &out, &err, 30), ==, 0);
    /* QEMU's release, then our name where QEMU puts a distribution's. */
    g_assert_true(g_str_has_prefix(out, "QEMU emulator version 10.1.0 "
                                   "(qemu-vfio "));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-h", &out, &err, 30), ==, 0);
    g_assert_nonnull(strstr(out, "-qtest"));
    g_assert_nonnull(strstr(out, "-chardev"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-M help", &out, &err, 30), ==, 0);
    g_assert_nonnull(strstr(out, "q35"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-device help", &out, &err, 30), ==, 0);
    g_assert_nonnull(strstr(out, "name \"vfio-pci\""));
    g_assert_nonnull(strstr(out, "name \"pcie-root-port\""));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-device pcie-root-port,help", &out, &err, 30),
                    ==, 0);
    g_assert_nonnull(strstr(out, "chassis=<uint8>"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-object help", &out, &err, 30), ==, 0);
    g_assert_nonnull(strstr(out, "memory-backend-ram"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-object memory-backend-ram,help", &out, &err,
                              30), ==, 0);
    g_assert_nonnull(strstr(out, "size"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);

    g_assert_cmpint(qtest_run("-accel help", &out, &err, 30), ==, 0);
    g_assert_nonnull(strstr(out, "qtest"));
}

/* Every accepted option together: the VM starts and quits cleanly. */
static void test_accepted(void)
{
    QTestState *s = qtest_init(
        "-machine q35,usb=off,dump-guest-core=off,acpi=off "
        "-m size=2097152k -smp 2,sockets=1,cores=2,threads=1 -cpu host "
        "-uuid 6e3d1d94-7c1b-4f0f-9d41-0e1c2a1b3c4d -name guest=vm1 "
        "-rtc base=utc,driftfix=slew -boot strict=on -no-shutdown "
        "-no-user-config -msg timestamp=on -overcommit mem-lock=off "
        "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
        "resourcecontrol=deny -watchdog-action pause "
        "-global pcie-root-port.hotplug=on -S");
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-status'}");

    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(qmp_expect_return(rsp)), "status"), ==,
        "prelaunch");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine', 'property': 'dump-guest-core'}}");
    g_assert_false(json_node_get_boolean(qmp_expect_return(rsp)));
    qtest_quit(s);
}

static void test_memory_backend(void)
{
    QTestState *s = qtest_init(
        "-object memory-backend-memfd,id=ram0,size=256M "
        "-machine q35,memory-backend=ram0 -m 256M");

    qtest_writel(s, 0x100000, 0xfeedface);
    g_assert_cmphex(qtest_readl(s, 0x100000), ==, 0xfeedface);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        g_autofree char *name = g_strdup_printf("/qtest/cmdline/error/%zu",
                                                i);
        g_test_add_data_func(name, &error_cases[i], test_error);
    }
    g_test_add_func("/qtest/cmdline/help-version", test_help_version);
    g_test_add_func("/qtest/cmdline/accepted", test_accepted);
    g_test_add_func("/qtest/cmdline/memory-backend", test_memory_backend);
    return g_test_run();
}
