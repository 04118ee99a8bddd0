/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 machine: RAM layout, memory backends, machine properties, the
 * interrupt controller and doorbell objects at fixed paths
 */
#include "pci-qtest.h"

static void test_ram_above_4g(void)
{
    QTestState *s = qtest_init("-m 4G");

    qtest_writel(s, 0x1000, 0x11111111);
    qtest_writel(s, 0xAFFFFFF0, 0x22222222);
    qtest_writel(s, 0x100000000ULL, 0x33333333);
    qtest_writel(s, 0x100000000ULL + 0x50000000 - 4, 0x44444444);
    g_assert_cmphex(qtest_readl(s, 0x1000), ==, 0x11111111);
    g_assert_cmphex(qtest_readl(s, 0xAFFFFFF0), ==, 0x22222222);
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL), ==, 0x33333333);
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL + 0x50000000 - 4), ==,
                    0x44444444);
    /* Past the end of RAM, and in the 32-bit hole, nothing. */
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL + 0x50000000), ==,
                    0xffffffff);
    g_assert_cmphex(qtest_readl(s, 0xC0000000), ==, 0xffffffff);
    /* ECAM shows the host bridge. */
    g_assert_cmphex(qtest_readl(s, Q35_ECAM_BASE), ==, 0x29c08086);
    qtest_quit(s);
}

static void test_memory_backend(void)
{
    QTestState *s = qtest_init("-object memory-backend-memfd,id=mem0,"
                               "size=256M,share=on "
                               "-machine memory-backend=mem0");
    g_autoptr(JsonObject) rsp = NULL;

    qtest_writel(s, 0x0FFFFFFC, 0xfeedface);
    g_assert_cmphex(qtest_readl(s, 0x0FFFFFFC), ==, 0xfeedface);
    g_assert_cmphex(qtest_readl(s, 0x10000000), ==, 0xffffffff);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine', 'property': 'memory-backend'}}");
    g_assert_cmpstr(json_node_get_string(qmp_expect_return(rsp)), ==,
                    "mem0");
    qtest_quit(s);
}

static void test_properties(void)
{
    QTestState *s = qtest_init("-machine q35,usb=off,dump-guest-core=off,"
                               "acpi=on");
    g_autoptr(JsonObject) rsp = qtest_qmp(s,
        "{'execute': 'qom-get', 'arguments': "
        "{'path': '/machine', 'property': 'acpi'}}");

    g_assert_cmpstr(json_node_get_string(qmp_expect_return(rsp)), ==, "on");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine/ioapic', 'property': 'levels'}}");
    g_assert_cmpint(json_node_get_int(qmp_expect_return(rsp)), ==, 0);
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine/msi-doorbell', "
                       "'property': 'count'}}");
    g_assert_cmpint(json_node_get_int(qmp_expect_return(rsp)), ==, 0);
    qtest_quit(s);
}

static void test_errors(void)
{
    static const struct {
        const char *args;
        const char *msg;
    } cases[] = {
        { "-machine q35,acpi=maybe", "acpi" },
        { "-machine q35,memory-backend=nosuch", "nosuch" },
        { "-object memory-backend-memfd,id=m,size=64M -m 96M "
          "-machine memory-backend=m", "does not match" },
        { "-M nosuch", "unsupported machine type: \"nosuch\"" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf(
            "-accel qtest -display none %s", cases[i].args);
        g_autofree char *err = NULL;

        g_assert_cmpint(qtest_run(args, NULL, &err, 30), ==, 1);
        if (!strstr(err, cases[i].msg)) {
            g_error("'%s' printed '%s', expected '%s'", cases[i].args, err,
                    cases[i].msg);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/q35/ram-above-4g", test_ram_above_4g);
    g_test_add_func("/q35/memory-backend", test_memory_backend);
    g_test_add_func("/q35/properties", test_properties);
    g_test_add_func("/q35/errors", test_errors);
    return g_test_run();
}
