/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP: greeting, capabilities negotiation, envelope and argument errors,
 * every core command, fd passing, events.
 */
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

static void assert_error(QTestState *s, const char *cls, const char *desc,
                         const char *cmd)
{
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "%s", cmd);

    g_assert_cmpstr(qmp_expect_error(rsp, cls), ==, desc);
}

static void test_handshake(void)
{
    QTestState *s = qtest_init_without_qmp_handshake(NULL);
    g_autoptr(JsonObject) greeting = qtest_qmp_receive(s);
    JsonObject *qmp = json_object_get_object_member(greeting, "QMP");
    JsonObject *ver = json_object_get_object_member(qmp, "version");
    JsonArray *caps = json_object_get_array_member(qmp, "capabilities");
    g_autoptr(JsonObject) rsp = NULL;

    g_assert_nonnull(json_object_get_object_member(ver, "qemu"));
    g_assert_true(json_object_has_member(ver, "package"));
    g_assert_cmpuint(json_array_get_length(caps), ==, 1);
    g_assert_cmpstr(json_array_get_string_element(caps, 0), ==, "oob");

    assert_error(s, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'",
                 "{'execute': 'query-status'}");
    assert_error(s, "GenericError",
                 "Parameter 'enable' does not accept value 'foo'",
                 "{'execute': 'qmp_capabilities', "
                 "'arguments': {'enable': ['foo']}}");
    rsp = qtest_qmp(s, "{'execute': 'qmp_capabilities', 'id': 'caps'}");
    qmp_expect_return(rsp);
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, "caps");
    assert_error(s, "CommandNotFound",
                 "Capabilities negotiation is already complete, command "
                 "ignored", "{'execute': 'qmp_capabilities'}");
    qtest_quit(s);
}

static void test_envelope(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;

    assert_error(s, "GenericError", "QMP input must be a JSON object", "[1]");
    assert_error(s, "GenericError", "QMP input must be a JSON object",
                 "'str'");
    assert_error(s, "GenericError", "QMP input lacks member 'execute'",
                 "{'id': 1}");
    assert_error(s, "GenericError", "QMP input member 'foo' is unexpected",
                 "{'execute': 'query-status', 'foo': 1}");
    assert_error(s, "GenericError",
                 "QMP input member 'execute' must be a string",
                 "{'execute': 1}");
    assert_error(s, "GenericError",
                 "QMP input member 'arguments' must be an object",
                 "{'execute': 'query-status', 'arguments': 1}");
    assert_error(s, "GenericError", "JSON parse error, invalid keyword 'foo'",
                 "foo");
    assert_error(s, "GenericError",
                 "The command query-status does not support OOB",
                 "{'exec-oob': 'query-status'}");
    assert_error(s, "CommandNotFound", "The command frob has not been found",
                 "{'execute': 'frob'}");

    /* The id comes back as sent, whatever its type. */
    rsp = qtest_qmp(s, "{'execute': 'frob', 'id': {'a': [1, 'x']}}");
    qmp_expect_error(rsp, "CommandNotFound");
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_object_get_member(rsp, "id")));
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-status', 'id': 42}");
    qmp_expect_return(rsp);
    g_assert_cmpint(json_object_get_int_member(rsp, "id"), ==, 42);
    g_clear_pointer(&rsp, json_object_unref);

    /* Two commands in one write, and one split over two writes. */
    qtest_qmp_send_raw(s, "{\"execute\": \"query-status\"}"
                          "{\"execute\": \"query-version\"}\n");
    rsp = qtest_qmp_receive(s);
    g_assert_true(json_object_has_member(qmp_expect_return_object(rsp), "status"));
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp_receive(s);
    g_assert_true(json_object_has_member(qmp_expect_return_object(rsp), "qemu"));
    g_clear_pointer(&rsp, json_object_unref);
    qtest_qmp_send_raw(s, "{\"execute\": \"query-");
    g_usleep(20000);
    qtest_qmp_send_raw(s, "status\"}\n");
    rsp = qtest_qmp_receive(s);
    g_assert_true(json_object_has_member(qmp_expect_return_object(rsp), "running"));
    qtest_quit(s);
}

static void test_arguments(void)
{
    QTestState *s = qtest_init(NULL);

    assert_error(s, "GenericError",
                 "Invalid parameter type for 'path', expected: string",
                 "{'execute': 'qom-get', 'arguments': "
                 "{'path': 1, 'property': 'usb'}}");
    assert_error(s, "GenericError", "Parameter 'bar' is unexpected",
                 "{'execute': 'qom-get', 'arguments': "
                 "{'path': '/machine', 'property': 'usb', 'bar': 1}}");
    assert_error(s, "GenericError", "Parameter 'property' is missing",
                 "{'execute': 'qom-get', 'arguments': {'path': '/machine'}}");
    assert_error(s, "GenericError", "Parameter 'x' is unexpected",
                 "{'execute': 'query-status', 'arguments': {'x': 1}}");
    assert_error(s, "GenericError",
                 "Invalid parameter type for 'fdset-id', expected: integer",
                 "{'execute': 'remove-fd', 'arguments': {'fdset-id': 'a'}}");
    qtest_quit(s);
}

static void test_runstate(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    JsonObject *st = qmp_expect_return_object(rsp);
    JsonObject *ev;

    g_assert_cmpstr(json_object_get_string_member(st, "status"), ==,
                    "running");
    g_assert_true(json_object_get_boolean_member(st, "running"));
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'stop'}");
    qmp_expect_return(rsp);
    ev = qtest_qmp_eventwait_ref(s, "STOP");
    g_assert_true(json_object_has_member(
        json_object_get_object_member(ev, "timestamp"), "microseconds"));
    json_object_unref(ev);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_object_get_string_member(qmp_expect_return_object(rsp), "status"),
                    ==, "paused");
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'cont'}");
    qmp_expect_return(rsp);
    qtest_qmp_eventwait(s, "RESUME");
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'system_reset'}");
    qmp_expect_return(rsp);
    ev = qtest_qmp_eventwait_ref(s, "RESET");
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason"), ==,
        "host-qmp-system-reset");
    json_object_unref(ev);
    /* The machine still answers after the reset. */
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0, 0), ==, 0x29c08086);
    qtest_quit(s);
}

static void test_prelaunch(void)
{
    QTestState *s = qtest_init("-S");
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-status'}");

    g_assert_cmpstr(json_object_get_string_member(qmp_expect_return_object(rsp), "status"),
                    ==, "prelaunch");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'cont'}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_object_get_string_member(qmp_expect_return_object(rsp), "status"),
                    ==, "running");
    qtest_quit(s);
}

static void test_quit(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'quit'}");
    JsonObject *ev;

    qmp_expect_return(rsp);
    ev = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason"), ==,
        "host-qmp-quit");
    json_object_unref(ev);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

static bool array_has_name(JsonArray *arr, const char *name)
{
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);

        if (!g_strcmp0(json_object_get_string_member(o, "name"), name)) {
            return true;
        }
    }
    return false;
}

static void test_queries(void)
{
    static const char *const expected[] = {
        "qmp_capabilities", "query-version", "query-commands",
        "query-status", "stop", "cont", "system_reset", "quit",
        "device_add", "device_del", "object-add", "object-del", "qom-list",
        "qom-get", "qom-set", "qom-list-types", "device-list-properties",
        "query-pci", "getfd", "closefd", "add-fd", "remove-fd",
        "query-fdsets",
    };
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-commands'}");
    JsonArray *cmds = qmp_expect_return_array(rsp);
    JsonObject *ver;

    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        if (!array_has_name(cmds, expected[i])) {
            g_error("query-commands lacks %s", expected[i]);
        }
    }
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-version'}");
    ver = json_object_get_object_member(qmp_expect_return_object(rsp), "qemu");
    g_assert_true(json_object_has_member(ver, "major"));
    g_assert_true(json_object_has_member(ver, "minor"));
    g_assert_true(json_object_has_member(ver, "micro"));
    qtest_quit(s);
}

static void test_qom(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;

    rsp = qtest_qmp(s, "{'execute': 'qom-list', "
                       "'arguments': {'path': '/machine'}}");
    g_assert_true(array_has_name(qmp_expect_return_array(rsp), "usb"));
    g_assert_true(array_has_name(qmp_expect_return_array(rsp),
                                 "peripheral"));
    g_clear_pointer(&rsp, json_object_unref);
    /* libvirt lists the devices with an id before it has plugged any. */
    rsp = qtest_qmp(s, "{'execute': 'qom-list', "
                       "'arguments': {'path': '/machine/peripheral'}}");
    qmp_expect_return_array(rsp);
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'qom-set', 'arguments': "
                       "{'path': '/machine', 'property': 'usb', "
                       "'value': true}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine', 'property': 'usb'}}");
    g_assert_true(json_node_get_boolean(qmp_expect_return(rsp)));
    g_clear_pointer(&rsp, json_object_unref);

    /* Guest RAM is chosen once, at start-up. */
    assert_error(s, "GenericError", "Property 'q35-machine.memory-backend' "
                 "can't be changed after the machine is initialized",
                 "{'execute': 'qom-set', 'arguments': {'path': '/machine', "
                 "'property': 'memory-backend', 'value': 'x'}}");

    assert_error(s, "DeviceNotFound", "Device '/nonexistent' not found",
                 "{'execute': 'qom-get', 'arguments': "
                 "{'path': '/nonexistent', 'property': 'usb'}}");
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine', 'property': 'nonexistent'}}");
    g_assert_true(g_str_has_suffix(qmp_expect_error(rsp, "GenericError"),
                                   ".nonexistent' not found"));
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'qom-list-types', "
                       "'arguments': {'implements': 'memory-backend'}}");
    g_assert_true(array_has_name(qmp_expect_return_array(rsp), "memory-backend-ram"));
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-list-types', "
                       "'arguments': {'implements': 'no-such-type'}}");
    g_assert_cmpuint(json_array_get_length(qmp_expect_return_array(rsp)), ==, 0);
    g_clear_pointer(&rsp, json_object_unref);

    rsp = qtest_qmp(s, "{'execute': 'device-list-properties', "
                       "'arguments': {'typename': 'pcie-root-port'}}");
    g_assert_true(array_has_name(qmp_expect_return_array(rsp), "chassis"));
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "DeviceNotFound", "Device 'nonexistent' not found",
                 "{'execute': 'device-list-properties', "
                 "'arguments': {'typename': 'nonexistent'}}");
    assert_error(s, "GenericError", "Parameter 'typename' expects device",
                 "{'execute': 'device-list-properties', "
                 "'arguments': {'typename': 'memory-backend-ram'}}");
    qtest_quit(s);
}

static void test_objects(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;

    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': "
                       "{'qom-type': 'memory-backend-ram', 'id': 'm1', "
                       "'size': 1048576}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/objects/m1', 'property': 'size'}}");
    g_assert_cmpint(json_node_get_int(qmp_expect_return(rsp)), ==, 1048576);
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "GenericError",
                 "attempt to add duplicate property 'm1' to object "
                 "(type 'container')",
                 "{'execute': 'object-add', 'arguments': "
                 "{'qom-type': 'memory-backend-ram', 'id': 'm1', "
                 "'size': 1048576}}");
    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': "
                       "{'qom-type': 'memory-backend-ram', 'id': 'm2', "
                       "'size': 'x'}}");
    qmp_expect_error(rsp, "GenericError");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': "
                       "{'qom-type': 'no-such-type', 'id': 'm3'}}");
    qmp_expect_error(rsp, "GenericError");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'object-del', 'arguments': {'id': 'm1'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "GenericError", "object 'm1' not found",
                 "{'execute': 'object-del', 'arguments': {'id': 'm1'}}");
    qtest_quit(s);
}

static void test_devices(void)
{
    QTestState *s = qtest_init("-device pcie-root-port,id=rp1,chassis=1");
    g_autoptr(JsonObject) rsp = NULL;

    assert_error(s, "GenericError", "'nonexistent' is not a valid device "
                 "model name", "{'execute': 'device_add', 'arguments': "
                 "{'driver': 'nonexistent'}}");
    rsp = qtest_qmp(s, "{'execute': 'device_add', 'arguments': "
                       "{'driver': 'pci-testdev-dma', 'id': 't1', "
                       "'bus': 'rp1'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'device_add', 'arguments': "
                       "{'driver': 'pci-testdev-dma', 'id': 't1', "
                       "'bus': 'rp1'}}");
    g_assert_nonnull(strstr(qmp_expect_error(rsp, "GenericError"), "t1"));
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-list', "
                       "'arguments': {'path': '/machine/peripheral'}}");
    g_assert_true(array_has_name(qmp_expect_return_array(rsp), "t1"));
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "DeviceNotFound", "Device 'nonexistent' not found",
                 "{'execute': 'device_del', 'arguments': "
                 "{'id': 'nonexistent'}}");
    rsp = qtest_qmp(s, "{'execute': 'device_del', 'arguments': "
                       "{'id': 't1'}}");
    qmp_expect_return(rsp);
    qtest_quit(s);
}

static void test_getfd(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;
    int fd = open("/dev/null", O_RDONLY);
    JsonArray *sets;
    int64_t fdset_fd;

    g_assert_cmpint(fd, >=, 0);
    assert_error(s, "GenericError",
                 "No file descriptor supplied via SCM_RIGHTS",
                 "{'execute': 'getfd', 'arguments': {'fdname': 'x'}}");
    assert_error(s, "GenericError", "File descriptor named 'x' not found",
                 "{'execute': 'closefd', 'arguments': {'fdname': 'x'}}");
    qtest_qmp_getfd(s, fd, "myfd");
    rsp = qtest_qmp(s, "{'execute': 'closefd', "
                       "'arguments': {'fdname': 'myfd'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "GenericError", "File descriptor named 'myfd' not found",
                 "{'execute': 'closefd', 'arguments': {'fdname': 'myfd'}}");
    rsp = qtest_qmp_fds(s, &fd, 1, "{'execute': 'getfd', "
                        "'arguments': {'fdname': '1abc'}}");
    qmp_expect_error(rsp, "GenericError");
    g_clear_pointer(&rsp, json_object_unref);

    /* fd sets */
    rsp = qtest_qmp_fds(s, &fd, 1, "{'execute': 'add-fd', 'arguments': "
                        "{'fdset-id': 3, 'opaque': 'rdonly'}}");
    g_assert_cmpint(json_object_get_int_member(qmp_expect_return_object(rsp), "fdset-id"),
                    ==, 3);
    fdset_fd = json_object_get_int_member(qmp_expect_return_object(rsp), "fd");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'query-fdsets'}");
    sets = qmp_expect_return_array(rsp);
    g_assert_cmpuint(json_array_get_length(sets), ==, 1);
    g_assert_cmpint(json_object_get_int_member(
        json_array_get_object_element(sets, 0), "fdset-id"), ==, 3);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'remove-fd', "
                       "'arguments': {'fdset-id': 3, 'fd': %" G_GINT64_FORMAT
                       "}}", fdset_fd);
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "GenericError",
                 "File descriptor named 'fdset-id:3' not found",
                 "{'execute': 'remove-fd', 'arguments': {'fdset-id': 3}}");
    assert_error(s, "GenericError",
                 "No file descriptor supplied via SCM_RIGHTS",
                 "{'execute': 'add-fd'}");
    rsp = qtest_qmp(s, "{'execute': 'query-fdsets'}");
    g_assert_cmpuint(json_array_get_length(qmp_expect_return_array(rsp)), ==, 0);
    close(fd);
    qtest_quit(s);
}

/* -object iommufd,fd=NAME resolves getfd names (monitor_fd_param). */
static void test_fd_param(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'qom-list-types', "
                                             "'arguments': {'implements': "
                                             "'iommufd'}}");
    int fd = open("/dev/null", O_RDONLY);
    const char *desc;

    if (!array_has_name(qmp_expect_return_array(rsp), "iommufd")) {
        g_test_skip("built without the iommufd backend");
        close(fd);
        qtest_quit(s);
        return;
    }
    g_clear_pointer(&rsp, json_object_unref);
    assert_error(s, "GenericError", "Property 'iommufd.fd': File descriptor "
                 "named 'nope' has not been found",
                 "{'execute': 'object-add', 'arguments': {'qom-type': "
                 "'iommufd', 'id': 'i0', 'fd': 'nope'}}");
    qtest_qmp_getfd(s, fd, "myfd");
    /* Found by name: the object then sees it is not /dev/iommu. */
    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': {'qom-type': "
                       "'iommufd', 'id': 'i0', 'fd': 'myfd'}}");
    desc = qmp_expect_error(rsp, "GenericError");
    g_assert_true(g_str_has_suffix(desc, "is not /dev/iommu"));
    g_clear_pointer(&rsp, json_object_unref);
    /* The name was consumed by that use. */
    assert_error(s, "GenericError", "File descriptor named 'myfd' not found",
                 "{'execute': 'closefd', 'arguments': {'fdname': 'myfd'}}");

    /*
     * ... and the fd closed: a name that fails the /dev/iommu check, in
     * object-add or in qom-set, leaves no fd behind.
     */
    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': {'qom-type': "
                       "'iommufd', 'id': 'i1'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    {
        int before = qtest_open_fds(s);

        for (int i = 0; i < 20; i++) {
            qtest_qmp_getfd(s, fd, "myfd");
            rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': "
                               "{'qom-type': 'iommufd', 'id': 'i0', "
                               "'fd': 'myfd'}}");
            qmp_expect_error(rsp, "GenericError");
            g_clear_pointer(&rsp, json_object_unref);
            qtest_qmp_getfd(s, fd, "myfd");
            rsp = qtest_qmp(s, "{'execute': 'qom-set', 'arguments': "
                               "{'path': '/objects/i1', 'property': 'fd', "
                               "'value': 'myfd'}}");
            qmp_expect_error(rsp, "GenericError");
            g_clear_pointer(&rsp, json_object_unref);
        }
        g_assert_cmpint(qtest_open_fds(s), ==, before);
    }
    close(fd);
    qtest_quit(s);
}

/*
 * The JSON front end is as strict as QEMU's and says so once per text:
 * strings are never truncated at \u0000, keys never repeat, escapes are
 * valid, and the next command is served normally afterwards.
 */
static void test_json_strict(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;
    g_autofree char *deep = NULL;
    g_autofree char *line = NULL;

    assert_error(s, "GenericError",
                 "JSON parse error, \\u0000 is not supported",
                 "{'execute': 'query-status\\u0000x'}");
    assert_error(s, "GenericError",
                 "JSON parse error, \\u0000 is not supported",
                 "{'execute': 'object-add', 'arguments': {'qom-type': "
                 "'container', 'id': 'o\\u0000x'}}");
    assert_error(s, "GenericError", "JSON parse error, duplicate key 'execute'",
                 "{'execute': 'frob', 'execute': 'query-status'}");
    assert_error(s, "GenericError",
                 "JSON parse error, invalid escape sequence in string",
                 "{'execute': 'query-\\qstatus'}");
    assert_error(s, "GenericError",
                 "JSON parse error, stray '}', expecting value",
                 "{'execute':}");
    assert_error(s, "GenericError",
                 "JSON parse error, missing \\uDC00-\\uDFFF after "
                 "\\uD800-\\uDBFF in string",
                 "{'execute': '\\ud800'}");

    /* 2000 levels: one error, then business as usual. */
    deep = g_strnfill(2000, '[');
    qtest_qmp_send_raw(s, deep);
    g_free(deep);
    deep = g_strnfill(2000, ']');
    qtest_qmp_send_raw(s, deep);
    rsp = qtest_qmp(s, "{'execute': 'query-status', 'id': 'after'}");
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "JSON nesting depth limit exceeded");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp_receive(s);
    qmp_expect_return(rsp);
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, "after");
    g_clear_pointer(&rsp, json_object_unref);

    /* An id comes back as it came, even beyond 64 bits. */
    qtest_qmp_send_raw(s, "{\"execute\": \"query-status\", "
                          "\"id\": 123456789012345678901234567890}");
    line = qtest_qmp_receive_line(s);
    g_assert_true(g_str_has_suffix(line,
                                   ", \"id\": 123456789012345678901234567890}"));
    g_clear_pointer(&line, g_free);
    qtest_qmp_send_raw(s, "{\"id\": -1.50e3, \"execute\": \"frob\"}");
    line = qtest_qmp_receive_line(s);
    g_assert_true(g_str_has_prefix(line, "{\"id\": -1.50e3, \"error\""));
    qtest_quit(s);
}

/*
 * A text past 64 MiB is refused as it streams in ("JSON token size limit
 * exceeded", QEMU's words), strings included, and not buffered.
 */
static void test_json_limits(void)
{
    QTestState *s = qtest_init(NULL);
    g_autoptr(JsonObject) rsp = NULL;
    size_t big = 65 * 1024 * 1024;
    g_autofree char *text = g_malloc(big + 3);

    text[0] = '"';
    memset(text + 1, 'a', big);
    text[big + 1] = '"';
    text[big + 2] = 0;
    qtest_qmp_send_raw(s, text);
    rsp = qtest_qmp_receive(s);
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "JSON token size limit exceeded");
    g_clear_pointer(&rsp, json_object_unref);
    /* A bare token too. */
    memset(text, 'x', big);
    text[big] = ' ';
    text[big + 1] = 0;
    qtest_qmp_send_raw(s, text);
    rsp = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "JSON token size limit exceeded");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp_receive(s);
    qmp_expect_return(rsp);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/qmp/handshake", test_handshake);
    g_test_add_func("/qtest/qmp/envelope", test_envelope);
    g_test_add_func("/qtest/qmp/arguments", test_arguments);
    g_test_add_func("/qtest/qmp/runstate", test_runstate);
    g_test_add_func("/qtest/qmp/prelaunch", test_prelaunch);
    g_test_add_func("/qtest/qmp/quit", test_quit);
    g_test_add_func("/qtest/qmp/queries", test_queries);
    g_test_add_func("/qtest/qmp/qom", test_qom);
    g_test_add_func("/qtest/qmp/objects", test_objects);
    g_test_add_func("/qtest/qmp/devices", test_devices);
    g_test_add_func("/qtest/qmp/getfd", test_getfd);
    g_test_add_func("/qtest/qmp/fd-param", test_fd_param);
    g_test_add_func("/qtest/qmp/json-strict", test_json_strict);
    g_test_add_func("/qtest/qmp/json-limits", test_json_limits);
    return g_test_run();
}
