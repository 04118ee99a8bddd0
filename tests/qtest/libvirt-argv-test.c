/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line libvirt builds: JSON -object/-device, the monitor on
 * a listening socket that libvirt created and passes as an inherited fd
 * (-chardev socket,fd=N,server=on,wait=off + -mon), -S, and the usual
 * flags.  QEMU must start, answer QMP, run and quit.
 */
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libqtest.h"

static int listen_unix(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);   /* inheritable */

    g_assert_cmpint(fd, >=, 0);
    strcpy(sun.sun_path, path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

static void test_libvirt_argv(void)
{
    g_autofree char *dir = g_dir_make_tmp("libvirt-argv-XXXXXX", NULL);
    g_autofree char *mon_path = g_build_filename(dir, "monitor.sock", NULL);
    int lfd = listen_unix(mon_path);
    g_autofree char *chardev = g_strdup_printf(
        "socket,id=charmonitor,fd=%d,server=on,wait=off", lfd);
    const char *argv[] = {
        "-name", "guest=vm1,debug-threads=on",
        "-S",
        "-object", "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"pc.ram\","
                   "\"size\":268435456}",
        "-machine", "q35,usb=off,dump-guest-core=off,memory-backend=pc.ram,"
                    "acpi=off",
        "-accel", "qtest",
        "-m", "size=262144k",
        "-overcommit", "mem-lock=off",
        "-smp", "1,sockets=1,cores=1,threads=1",
        "-uuid", "0b0a6f3c-3b8e-4d0c-a1d6-4b1f2c3d4e5f",
        "-display", "none",
        "-no-user-config",
        "-nodefaults",
        "-chardev", chardev,
        "-mon", "chardev=charmonitor,id=monitor,mode=control",
        "-rtc", "base=utc",
        "-no-shutdown",
        "-boot", "strict=on",
        "-device", "{\"driver\":\"pcie-root-port\",\"port\":8,\"chassis\":1,"
                   "\"id\":\"pci.1\",\"bus\":\"pcie.0\","
                   "\"multifunction\":true,\"addr\":\"0x1\"}",
        "-device", "{\"driver\":\"pcie-root-port\",\"port\":9,\"chassis\":2,"
                   "\"id\":\"pci.2\",\"bus\":\"pcie.0\",\"addr\":\"0x1.0x1\"}",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                    "resourcecontrol=deny",
        "-msg", "timestamp=on",
        NULL
    };
    QTestState *s = qtest_init_argv(argv, &lfd, 1, false);
    g_autoptr(JsonObject) rsp = NULL;

    qtest_qmp_connect(s, mon_path, true);
    rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(qmp_expect_return(rsp)), "status"), ==,
        "prelaunch");
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine/peripheral/pci.1', "
                       "'property': 'chassis'}}");
    g_assert_cmpint(json_node_get_int(qmp_expect_return(rsp)), ==, 1);
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/objects/pc.ram', 'property': 'size'}}");
    g_assert_cmpint(json_node_get_int(qmp_expect_return(rsp)), ==,
                    268435456);
    g_clear_pointer(&rsp, json_object_unref);

    /* Hotplug into the JSON-created root port, as libvirt does. */
    rsp = qtest_qmp(s, "{'execute': 'device_add', 'arguments': "
                       "{'driver': 'pci-testdev-dma', 'id': 'hostdev0', "
                       "'bus': 'pci.2'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'cont'}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_true(json_object_get_boolean_member(
        json_node_get_object(qmp_expect_return(rsp)), "running"));
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'quit'}");
    qmp_expect_return(rsp);
    qtest_qmp_eventwait(s, "SHUTDOWN");
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);

    close(lfd);
    unlink(mon_path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/libvirt/argv", test_libvirt_argv);
    return g_test_run();
}
