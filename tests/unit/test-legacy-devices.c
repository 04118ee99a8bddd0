/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 legacy devices driven through I/O ports as a guest would:
 * the 16550A UART (COM1, GSI 4), the ACPI PM block with power button,
 * S5 and the keyboard-controller reset (SCI on GSI 9), the CMOS RTC
 * (GSI 8).  The
 * virtual clock is stepped by the test (qtest mode), never read from
 * the wall.
 */
#include "pci-harness.h"
#include "hw/i386/x86-boot-q35.h"
#include "monitor/qmp.h"
#include "qemu/timer.h"
#include "system/qtest.h"

static MachineState *machine;
static Q35LegacyDevices devs;
static Chardev *serial_chr;
static char *serial_out_path;
static unsigned power_offs, resets;

static void on_power_off(void *opaque)
{
    power_offs++;
}

static void on_reset(void *opaque)
{
    resets++;
}

static uint8_t inb(uint16_t port)
{
    return address_space_ldub(&address_space_io, port,
                              MEMTXATTRS_UNSPECIFIED, NULL);
}

static void outb(uint16_t port, uint8_t v)
{
    address_space_stb(&address_space_io, port, v, MEMTXATTRS_UNSPECIFIED,
                      NULL);
}

static uint16_t inw(uint16_t port)
{
    return address_space_lduw_le(&address_space_io, port,
                                 MEMTXATTRS_UNSPECIFIED, NULL);
}

static void outw(uint16_t port, uint16_t v)
{
    address_space_stw_le(&address_space_io, port, v, MEMTXATTRS_UNSPECIFIED,
                         NULL);
}

static void step_seconds(int64_t s)
{
    qemu_clock_advance_virtual(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                               s * NANOSECONDS_PER_SECOND);
}

/* ---- UART ------------------------------------------------------------- */

#define COM1 0x3f8
#define THR (COM1 + 0)
#define IER (COM1 + 1)
#define IIR (COM1 + 2)
#define FCR (COM1 + 2)
#define LCR (COM1 + 3)
#define MCR (COM1 + 4)
#define LSR (COM1 + 5)
#define MSR (COM1 + 6)
#define SCR (COM1 + 7)

static void uart_reset(void)
{
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
}

static char *serial_output(void)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(serial_out_path, &text, NULL, NULL));
    return text;
}

static void test_uart_reset_state(void)
{
    uart_reset();
    g_assert_cmphex(inb(LSR), ==, 0x60);
    g_assert_cmphex(inb(IIR), ==, 0x01);
    g_assert_cmphex(inb(MSR) & 0xf0, ==, 0xb0);     /* DCD, DSR, CTS */
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 0);
    outb(SCR, 0x5a);
    g_assert_cmphex(inb(SCR), ==, 0x5a);
}

static void test_uart_transmit(void)
{
    g_autofree char *before = NULL, *after = NULL;

    uart_reset();
    before = serial_output();
    outb(THR, 'H');
    outb(THR, 'i');
    after = serial_output();
    g_assert_cmpstr(after + strlen(before), ==, "Hi");
    g_assert_cmphex(inb(LSR) & 0x60, ==, 0x60);
}

static void test_uart_thre_interrupt(void)
{
    uart_reset();
    /* Enabling THRE with THR empty interrupts at once. */
    outb(IER, 0x02);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 1);
    g_assert_cmphex(inb(IIR), ==, 0x02);
    /* Reading IIR acknowledged it. */
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 0);
    g_assert_cmphex(inb(IIR), ==, 0x01);
    outb(THR, '.');
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 1);
    outb(IER, 0);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 0);
}

static void test_uart_receive(void)
{
    uart_reset();
    outb(IER, 0x01);
    qemu_chr_be_write(serial_chr, (const uint8_t *)"ab", 2);
    g_assert_cmphex(inb(LSR) & 1, ==, 1);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 1);
    g_assert_cmphex(inb(IIR), ==, 0x04);
    g_assert_cmphex(inb(THR), ==, 'a');
    g_assert_cmphex(inb(THR), ==, 'b');
    g_assert_cmphex(inb(LSR) & 1, ==, 0);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 0);
    /* An empty receiver reads 0 and stays quiet. */
    g_assert_cmphex(inb(THR), ==, 0);
    g_assert_cmphex(inb(IIR), ==, 0x01);
}

static void test_uart_fifo(void)
{
    uint8_t buf[200];

    uart_reset();
    outb(FCR, 0xc7);                    /* enable, clear, trigger 14 */
    outb(IER, 0x01);
    qemu_chr_be_write(serial_chr, (const uint8_t *)"12345", 5);
    /* Below the trigger level: character timeout. */
    g_assert_cmphex(inb(IIR), ==, 0xcc);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 1);
    qemu_chr_be_write(serial_chr, (const uint8_t *)"6789abcdef", 10);
    g_assert_cmphex(inb(IIR), ==, 0xc4);
    for (int i = 0; i < 15; i++) {
        g_assert_cmphex(inb(THR), ==, "123456789abcdef"[i]);
    }
    g_assert_cmphex(inb(IIR), ==, 0xc1);
    g_assert_cmpint(ioapic_get_level(SERIAL_COM1_IRQ), ==, 0);

    /* A paste longer than the FIFO waits behind it, in order, no loss. */
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = i;
    }
    qemu_chr_be_write(serial_chr, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(inb(LSR) & 0x03, ==, 0x01);
        g_assert_cmphex(inb(THR), ==, i);
    }
    g_assert_cmphex(inb(LSR) & 1, ==, 0);

    /* Clearing the receive FIFO drops what it holds. */
    qemu_chr_be_write(serial_chr, (const uint8_t *)"xyz", 3);
    outb(FCR, 0x03);
    g_assert_cmphex(inb(LSR) & 1, ==, 0);
}

static void test_uart_overrun(void)
{
    g_autofree uint8_t *flood = g_malloc0(SERIAL_INPUT_QUEUE * 2);
    unsigned n = 0;

    uart_reset();
    outb(IER, 0x05);
    qemu_chr_be_write(serial_chr, flood, SERIAL_INPUT_QUEUE * 2);
    while (inb(LSR) & 1) {
        inb(THR);
        n++;
    }
    g_assert_cmpuint(n, ==, SERIAL_INPUT_QUEUE);
}

static void test_uart_loopback_and_divisor(void)
{
    g_autofree char *before = NULL, *after = NULL;

    uart_reset();
    outb(LCR, 0x83);
    outb(THR, 0x01);                    /* DLL: 115200 baud */
    outb(IER, 0x00);                    /* DLM */
    g_assert_cmphex(inb(THR), ==, 0x01);
    g_assert_cmphex(inb(IER), ==, 0x00);
    outb(LCR, 0x03);
    g_assert_cmphex(inb(LCR), ==, 0x03);

    before = serial_output();
    outb(MCR, 0x1f);                    /* loop + DTR RTS OUT1 OUT2 */
    g_assert_cmphex(inb(MSR) & 0xf0, ==, 0xf0);
    outb(MCR, 0x10);
    g_assert_cmphex(inb(MSR), ==, 0x0f);    /* all four lines changed */
    g_assert_cmphex(inb(MSR), ==, 0x00);
    outb(THR, 'L');
    g_assert_cmphex(inb(LSR) & 1, ==, 1);
    g_assert_cmphex(inb(THR), ==, 'L');
    after = serial_output();
    g_assert_cmpstr(before, ==, after);
    outb(MCR, 0x0b);
}

/* Whatever the guest does, nothing crashes and the line stays sane. */
static void test_uart_any_access(void)
{
    uint32_t seed = 12345;

    uart_reset();
    for (int i = 0; i < 20000; i++) {
        uint16_t port = COM1 + (seed >> 8) % 8;
        unsigned size = 1u << ((seed >> 4) % 3);

        seed = seed * 1103515245 + 12345;
        if (seed & 1) {
            address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                             &seed, size, true);
        } else {
            uint32_t v;

            address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                             &v, size, false);
        }
        if (i % 1000 == 0) {
            qemu_chr_be_write(serial_chr, (const uint8_t *)"zz", 2);
        }
    }
    outb(LCR, 0x03);
    outb(MCR, 0x0b);
    outb(FCR, 0x07);
    uart_reset();
    g_assert_cmphex(inb(LSR), ==, 0x60);
}

/* ---- ACPI PM ---------------------------------------------------------- */

#define PM ACPI_PM_BASE_DEFAULT

static void test_pm_power_button(void)
{
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(inw(PM + 4) & 1, ==, 1);            /* SCI_EN */
    /* Not enabled: status set, no SCI. */
    g_assert_false(acpi_pm_press_power_button(devs.pm));
    g_assert_cmphex(inw(PM), ==, 0x100);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 0);
    outw(PM + 2, 0x100);
    g_assert_cmphex(inw(PM + 2), ==, 0x100);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 1);
    outw(PM, 0x100);                                    /* write-1-clear */
    g_assert_cmphex(inw(PM), ==, 0);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 0);
    g_assert_true(acpi_pm_press_power_button(devs.pm));
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 1);
    /* A 32-bit access at the block reads status and enable together. */
    g_assert_cmphex(address_space_ldl_le(&address_space_io, PM,
                                         MEMTXATTRS_UNSPECIFIED, NULL),
                    ==, 0x01000100);
    outb(PM + 1, 0x01);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 0);
    /* QMP system_powerdown presses the same button. */
    {
        g_autoptr(JsonObject) args = json_object_new();
        JsonNode *ret = qmp_dispatch_command("system_powerdown", args,
                                             &error_abort);

        json_node_unref(ret);
    }
    g_assert_cmphex(inw(PM), ==, 0x100);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 1);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(inw(PM + 2), ==, 0);
}

static void test_pm_sleep(void)
{
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    power_offs = 0;
    /* S1..S4 types (and S5 without SLP_EN) do nothing. */
    for (unsigned typ = 0; typ < 8; typ++) {
        if (typ != ACPI_PM_SLP_TYP_S5) {
            outw(PM + 4, typ << 10 | 1 << 13);
        }
    }
    outw(PM + 4, ACPI_PM_SLP_TYP_S5 << 10);
    g_assert_cmpuint(power_offs, ==, 0);
    /* The global-lock enable sticks (Linux checks), raising no SCI. */
    outw(PM + 2, ACPI_PM1_STS_GBL);
    g_assert_cmphex(inw(PM + 2), ==, ACPI_PM1_STS_GBL);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 0);
    outw(PM + 2, 0);
    /* Linux's write: SLP_TYP then SLP_EN in one 16-bit access. */
    outw(PM + 4, ACPI_PM_SLP_TYP_S5 << 10 | 1 << 13 | 1);
    g_assert_cmpuint(power_offs, ==, 1);
    g_assert_cmphex(inw(PM + 4) & (1 << 13), ==, 0);    /* write-only */
    /* Byte-wise, the high byte completes it. */
    outb(PM + 4, 0x01);
    outb(PM + 5, (ACPI_PM_SLP_TYP_S5 << 2) | 0x20);
    g_assert_cmpuint(power_offs, ==, 2);
}

/* Linux's fallback after the FADT reset register: kb_wait(), 0xfe. */
static void test_pm_kbd_reset(void)
{
    resets = 0;
    g_assert_cmphex(inb(KBD_COMMAND_PORT) & 0x02, ==, 0);
    outb(KBD_COMMAND_PORT, 0xd1);
    g_assert_cmpuint(resets, ==, 0);
    outb(KBD_COMMAND_PORT, 0xfe);
    g_assert_cmpuint(resets, ==, 1);
}

static void test_pm_timer(void)
{
    uint32_t t0 = address_space_ldl_le(&address_space_io, PM + 8,
                                       MEMTXATTRS_UNSPECIFIED, NULL);
    uint32_t t1, t2;

    g_assert_cmphex(t0 & ~0xffffffu, ==, 0);
    t1 = address_space_ldl_le(&address_space_io, PM + 8,
                              MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_cmphex(t1, ==, t0);                /* the clock did not move */
    step_seconds(1);
    t2 = address_space_ldl_le(&address_space_io, PM + 8,
                              MEMTXATTRS_UNSPECIFIED, NULL);
    /* One second is 3579545 ticks (+-1 for rounding), modulo 2^24. */
    g_assert_cmpuint((t2 - t0) & 0xffffff, >=, ACPI_PM_TIMER_HZ - 1);
    g_assert_cmpuint((t2 - t0) & 0xffffff, <=, ACPI_PM_TIMER_HZ + 1);
    outw(PM + 8, 0);                            /* read-only */
}

static uint32_t pm_timer(void)
{
    return address_space_ldl_le(&address_space_io, PM + 8,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

/*
 * Under an accelerator the PM timer runs with the VM and stands still
 * while it is stopped.  Last: the virtual clock cannot go back to being
 * stepped once it follows the host.
 */
static void test_pm_timer_follows_vm(void)
{
    uint32_t t0, t1;

    qemu_clock_virtual_follow_host();
    qemu_clock_virtual_set_running(true);
    t0 = pm_timer();
    g_usleep(2000);                 /* 2 ms: some 7000 ticks */
    t1 = pm_timer();
    g_assert_cmpuint((t1 - t0) & 0xffffff, >, 0);
    qemu_clock_virtual_set_running(false);
    t0 = pm_timer();
    g_usleep(2000);
    g_assert_cmphex(pm_timer(), ==, t0);
    qemu_clock_virtual_set_running(true);
    g_usleep(2000);
    g_assert_cmpuint((pm_timer() - t0) & 0xffffff, >, 0);
    qemu_clock_virtual_set_running(false);
}

static void test_pm_any_access(void)
{
    uint32_t seed = 777;

    for (int i = 0; i < 20000; i++) {
        uint16_t port = PM + (seed >> 8) % ACPI_PM_IO_LEN;
        unsigned size = 1u << ((seed >> 4) % 3);
        uint32_t v = seed >> 3;

        seed = seed * 1103515245 + 12345;
        /* Keep SLP_EN out: power-off would only count. */
        address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                         &v, size, seed & 1);
    }
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmpint(ioapic_get_level(ACPI_PM_SCI_GSI), ==, 0);
}

/* ---- RTC -------------------------------------------------------------- */

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static void test_rtc_time(void)
{
    int64_t secs;
    Error *err = NULL;

    /* machine->rtc_start was 2006-06-17T16:01:21. */
    g_assert_cmphex(cmos_read(0x0d), ==, 0x80);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
    secs = rtc_get_seconds(devs.rtc);
    step_seconds(0);
    g_assert_cmphex(cmos_read(0x32), ==, 0x20);
    g_assert_cmphex(cmos_read(0x09), ==, 0x06);
    g_assert_cmphex(cmos_read(0x08), ==, 0x06);
    g_assert_cmphex(cmos_read(0x07), ==, 0x17);
    /* Elapsed virtual time so far is whole seconds the test stepped. */
    g_assert_cmphex(cmos_read(0x04), ==, 0x16);
    step_seconds(61);
    g_assert_cmpint(rtc_get_seconds(devs.rtc), ==, secs + 61);
    g_assert_cmphex(cmos_read(0x06), ==, 0x07);         /* Saturday */

    /* Binary mode, then 12-hour mode (4 PM). */
    cmos_write(0x0b, 0x06);
    g_assert_cmpuint(cmos_read(0x04), ==, 16);
    cmos_write(0x0b, 0x00);
    g_assert_cmphex(cmos_read(0x04), ==, 0x84);
    cmos_write(0x0b, 0x02);

    /* Setting the clock: SET, write, clear SET. */
    cmos_write(0x0b, 0x82);
    cmos_write(0x09, 0x25);
    cmos_write(0x08, 0x12);
    cmos_write(0x07, 0x03);
    cmos_write(0x04, 0x10);
    cmos_write(0x02, 0x20);
    cmos_write(0x00, 0x30);
    cmos_write(0x0b, 0x02);
    g_assert_cmpint(rtc_get_seconds(devs.rtc), ==, 1764757230);
    g_assert_cmphex(cmos_read(0x00), ==, 0x30);
    step_seconds(2);
    g_assert_cmphex(cmos_read(0x00), ==, 0x32);

    /* CMOS RAM. */
    cmos_write(0x40, 0xa5);
    g_assert_cmphex(cmos_read(0x40), ==, 0xa5);

    g_assert_true(rtc_start_time("2006-06-17", &secs, &error_abort));
    g_assert_cmpint(secs, ==, 1150502400);
    g_assert_false(rtc_start_time("yesterday", &secs, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "invalid datetime format");
    error_free(err);
}

static void test_rtc_interrupts(void)
{
    uint8_t sec;

    cmos_read(0x0c);
    cmos_write(0x0b, 0x12);                     /* UIE, 24h */
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 0);
    step_seconds(1);
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 1);
    g_assert_cmphex(cmos_read(0x0c) & 0x90, ==, 0x90);
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 0);
    g_assert_cmphex(cmos_read(0x0c), ==, 0);

    /* Alarm two seconds ahead, minute and hour "don't care". */
    cmos_write(0x0b, 0x22);
    sec = cmos_read(0x00);
    sec = ((sec >> 4) * 10 + (sec & 0xf) + 2) % 60;
    cmos_write(0x01, (sec / 10) << 4 | (sec % 10));
    cmos_write(0x03, 0xc0);
    cmos_write(0x05, 0xc0);
    step_seconds(1);
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 0);
    step_seconds(1);
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 1);
    g_assert_cmphex(cmos_read(0x0c) & 0xa0, ==, 0xa0);
    cmos_write(0x0b, 0x02);
    step_seconds(5);
    g_assert_cmpint(ioapic_get_level(RTC_ISA_IRQ), ==, 0);

    /* Any index, any value: no crash. */
    for (unsigned i = 0; i < 256; i++) {
        cmos_write(i, i * 37);
        cmos_read(i);
    }
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
}

int main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("legacy-XXXXXX", NULL);
    g_autofree char *opt = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    qtest_set_enabled();
    serial_out_path = g_build_filename(dir, "com1.out", NULL);
    opt = g_strdup_printf("file,id=com1,path=%s", serial_out_path);
    serial_chr = qemu_chr_new_from_opts(opt, &error_abort);

    machine = harness_machine_new(256ULL << 20);
    machine->serial_present = true;
    machine->serial_chr = serial_chr;
    g_assert_true(rtc_start_time("2006-06-17T16:01:21", &machine->rtc_start,
                                 &error_abort));
    g_assert_true(q35_legacy_devices_init(machine, &devs, on_power_off,
                                          on_reset, NULL, &error_abort));
    harness_machine_done();

    g_test_add_func("/rtc/time", test_rtc_time);
    g_test_add_func("/rtc/interrupts", test_rtc_interrupts);
    g_test_add_func("/serial/reset-state", test_uart_reset_state);
    g_test_add_func("/serial/transmit", test_uart_transmit);
    g_test_add_func("/serial/thre-interrupt", test_uart_thre_interrupt);
    g_test_add_func("/serial/receive", test_uart_receive);
    g_test_add_func("/serial/fifo", test_uart_fifo);
    g_test_add_func("/serial/overrun", test_uart_overrun);
    g_test_add_func("/serial/loopback-divisor",
                    test_uart_loopback_and_divisor);
    g_test_add_func("/serial/any-access", test_uart_any_access);
    g_test_add_func("/acpi-pm/power-button", test_pm_power_button);
    g_test_add_func("/acpi-pm/sleep", test_pm_sleep);
    g_test_add_func("/acpi-pm/kbd-reset", test_pm_kbd_reset);
    g_test_add_func("/acpi-pm/timer", test_pm_timer);
    g_test_add_func("/acpi-pm/any-access", test_pm_any_access);
    g_test_add_func("/acpi-pm/timer-follows-vm", test_pm_timer_follows_vm);
    ret = g_test_run();
    qemu_chr_delete(serial_chr);
    unlink(serial_out_path);
    rmdir(dir);
    return ret;
}
