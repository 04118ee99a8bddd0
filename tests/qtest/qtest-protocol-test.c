/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest wire protocol: every command, its reply format, and
 * malformed requests that must get "FAIL ..." without harming QEMU.
 */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define RAM_ADDR 0x100000

static void assert_reply(QTestState *s, const char *cmd, const char *expect)
{
    g_autofree char *reply = qtest_raw_cmd(s, "%s", cmd);

    g_assert_cmpstr(reply, ==, expect);
}

static void assert_fail(QTestState *s, const char *cmd)
{
    g_autofree char *reply = qtest_raw_cmd(s, "%s", cmd);

    if (!g_str_has_prefix(reply, "FAIL")) {
        g_error("'%s' answered '%s', expected FAIL", cmd, reply);
    }
}

static void test_pio(void)
{
    QTestState *s = qtest_init(NULL);

    /* Host bridge: Intel 82G33/Q35 MCH (8086:29c0) at 00:00.0. */
    qtest_outl(s, 0xcf8, 0x80000000);
    assert_reply(s, "inl 0xcf8", "OK 0x80000000");
    assert_reply(s, "inl 0xcfc", "OK 0x29c08086");
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0, 0), ==, 0x29c08086);
    assert_reply(s, "inw 0xcfc", "OK 0x8086");
    assert_reply(s, "inw 0xcfe", "OK 0x29c0");
    assert_reply(s, "inb 0xcfc", "OK 0x0086");
    qtest_outw(s, 0xcfc, 0);        /* read-only ID: the write is ignored */
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0, 0), ==, 0x29c08086);
    qtest_outb(s, 0x80, 0x12);      /* unassigned port: swallowed */
    qtest_quit(s);
}

static void test_memory(void)
{
    QTestState *s = qtest_init(NULL);
    uint8_t buf[16], back[16];

    qtest_writeb(s, RAM_ADDR, 0x5a);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR), ==, 0x5a);
    qtest_writew(s, RAM_ADDR, 0x1234);
    g_assert_cmphex(qtest_readw(s, RAM_ADDR), ==, 0x1234);
    qtest_writel(s, RAM_ADDR, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0xdeadbeef);
    qtest_writeq(s, RAM_ADDR, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(s, RAM_ADDR), ==, 0x0123456789abcdefULL);
    assert_reply(s, "readl 0x100000", "OK 0x0000000089abcdef");
    assert_reply(s, "read 0x100000 4", "OK 0xefcdab89");
    assert_reply(s, "b64read 0x100000 4", "OK 782riQ==");

    for (int i = 0; i < 16; i++) {
        buf[i] = i * 17;
    }
    qtest_memwrite(s, RAM_ADDR, buf, sizeof(buf));
    qtest_memread(s, RAM_ADDR, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    qtest_bufwrite(s, RAM_ADDR + 0x100, buf, sizeof(buf));
    qtest_bufread(s, RAM_ADDR + 0x100, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    qtest_memset(s, RAM_ADDR, 0xaa, 8);
    g_assert_cmphex(qtest_readq(s, RAM_ADDR), ==, 0xaaaaaaaaaaaaaaaaULL);

    /* Short data: the rest of the range is written as zero. */
    assert_reply(s, "write 0x100000 4 0x11", "OK");
    assert_reply(s, "read 0x100000 4", "OK 0x11000000");
    assert_reply(s, "read 0x100000 0", "OK 0x");
    qtest_quit(s);
}

static void test_clock(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmpint(qtest_clock_step(s, 100), ==, 100);
    g_assert_cmpint(qtest_clock_step(s, 50), ==, 150);
    g_assert_cmpint(qtest_clock_set(s, 1000), ==, 1000);
    /* The clock never goes back. */
    g_assert_cmpint(qtest_clock_set(s, 10), ==, 1000);
    /* No timer pending: a bare step does not move the clock. */
    g_assert_cmpint(qtest_clock_step(s, -1), ==, 1000);
    assert_reply(s, "clock_step 0x10", "OK 1016");
    qtest_quit(s);
}

static void test_misc(void)
{
    QTestState *s = qtest_init(NULL);

    assert_reply(s, "endianness", "OK little");
    assert_reply(s, "irq_intercept_in /machine/nonexistent",
                 "FAIL Unknown device");
    assert_reply(s, "irq_intercept_out /machine/nonexistent",
                 "FAIL Unknown device");
    assert_reply(s, "frobnicate 1 2", "FAIL Unknown command 'frobnicate'");
    /* Extra spaces separate words like one. */
    assert_reply(s, "outl  0xcf8   0x80000000", "OK");
    assert_reply(s, "inl 0xcfc", "OK 0x29c08086");
    qtest_quit(s);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "", "   ", "outb", "outb 0x80", "outb 0x80 1 2", "outb x 1",
        "outb 0x10000 1", "outb 0x80 zz", "inb", "inl 0x10000", "inq 0",
        "outq 0 0", "readb", "readl zz", "readl 0 0", "writel 0",
        "writel 0 zz", "writex 0 0", "read", "read 0", "read 0 zz",
        "read 0 0x100000000", "write 0 4", "write 0 4 11",
        "write 0 1 0x1122", "write 0 2 0x1", "write 0 1 0xgg",
        "b64read 0", "b64write 0 4 ****", "b64write 0 4 AAAA",
        "memset 0 4", "memset 0 4 0x100", "memset 0 4 z",
        "clock_step -5", "clock_step x", "clock_step 1 2", "clock_set",
        "clock_set y", "irq_intercept_in", "set_irq_in /machine x 0 1",
        "set_irq_in", "endianness big", "b64read 0 -1", "readq -",
        "outl 0xcf8 0x1ffffffffffffffffff",
    };
    QTestState *s = qtest_init(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_fail(s, bad[i]);
    }
    /* Still alive and serving. */
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0, 0), ==, 0x29c08086);
    qtest_quit(s);
}

/* -qtest stdio: the same protocol on the process's stdin/stdout. */
static void test_stdio(void)
{
    const char *argv[] = {
        qtest_qemu_binary(), "-M", "q35", "-accel", "qtest", "-display",
        "none", "-nodefaults", "-qtest", "stdio", "-qtest-log", "none", NULL
    };
    static const char input[] =
        "outl 0xcf8 0x80000000\ninl 0xcfc\nendianness\nbogus\n";
    static const char expect[] =
        "OK\nOK 0x29c08086\nOK little\nFAIL Unknown command 'bogus'\n";
    g_autoptr(GError) err = NULL;
    GString *out = g_string_new(NULL);
    int in_fd, out_fd;
    GPid pid;

    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, &in_fd, &out_fd, NULL,
                                           &err));
    g_assert_cmpint(write(in_fd, input, strlen(input)), ==, strlen(input));
    while (out->len < strlen(expect)) {
        char buf[256];
        ssize_t n = read(out_fd, buf, sizeof(buf));

        g_assert_cmpint(n, >, 0);
        g_string_append_len(out, buf, n);
    }
    g_assert_cmpstr(out->str, ==, expect);
    g_string_free(out, TRUE);
    close(in_fd);
    close(out_fd);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
}

/* irq_intercept: one device at a time, repeated interception is fine. */
static void test_irq_intercept(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "/machine/ioapic");
    qtest_irq_intercept_in(s, "/machine/ioapic");
    assert_reply(s, "irq_intercept_out /machine/ioapic",
                 "FAIL IRQ intercept already enabled");
    g_assert_false(qtest_get_irq(s, 16));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/protocol/pio", test_pio);
    g_test_add_func("/qtest/protocol/memory", test_memory);
    g_test_add_func("/qtest/protocol/clock", test_clock);
    g_test_add_func("/qtest/protocol/misc", test_misc);
    g_test_add_func("/qtest/protocol/malformed", test_malformed);
    g_test_add_func("/qtest/protocol/stdio", test_stdio);
    g_test_add_func("/qtest/protocol/irq-intercept", test_irq_intercept);
    return g_test_run();
}
