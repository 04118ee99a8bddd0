/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -accel kvm on this machine's /dev/kvm, with a hand-written guest.
 *
 * The guest is a few 32-bit instructions put at 0x1000 by the generic
 * loader, which also starts the boot processor there:
 *
 *   incl  COUNTER                  RAM: how often the guest started
 *   outl  0x80000000 -> 0xCF8      port I/O exits into the memory API:
 *   inl   0xCFC -> PIO_RESULT        MCH vendor/device through CF8/CFC
 *   movl  ECAM_BASE -> MMIO_RESULT MMIO exit: the same dword via ECAM
 *   inb   0x21 -> PIC_BYTES[0]     the in-kernel PIC's mask at start,
 *   outb  0xAB -> 0x21             set,
 *   inb   0x21 -> PIC_BYTES[1]     and read back (no exits: KVM's PIC)
 *   outb  0xB0, 0xE8 -> 0x43       the in-kernel PIT: channel 2 mode 0,
 *   inb   0x42 -> PIC_BYTES[2]     then its read-back status byte
 *   if COUNTER < LIMIT:            LIMIT comes from a second loader
 *       outb 6 -> 0xCF9            RST_CNT: a guest-initiated reset
 *   hlt; jmp back to hlt
 *
 * A second guest (timekeeping_code) reads KVM's paravirtual CPUID leaves,
 * enables kvmclock, times PIT channel 2 through the speaker port and
 * reads the ACPI PM timer around that wait: see test_timekeeping().
 *
 * Memory is read back with QMP pmemsave.  Without /dev/kvm every case
 * fails with the reason: a CI runner without KVM must not pass.
 */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libqtest.h"

#define CODE_ADDR       0x1000
#define COUNTER         0x2000
#define PIO_RESULT      0x2004
#define MMIO_RESULT     0x2008
#define LIMIT           0x200c
#define PIC_BYTES       0x2014      /* IMR at start, IMR after, PIT status */
#define MCH_ID          0x29c08086u
#define PIT_STATUS_CH2_MODE0  0x30  /* access lo/hi, mode 0, binary */
#define POLL_ROUNDS     2000        /* of 5 ms: a hang guard, not a timing */

static const uint8_t guest_code[] = {
    0xff, 0x05, 0x00, 0x20, 0x00, 0x00,         /* incl 0x2000 */
    0x66, 0xba, 0xf8, 0x0c,                     /* mov $0xcf8, %dx */
    0xb8, 0x00, 0x00, 0x00, 0x80,               /* mov $0x80000000, %eax */
    0xef,                                       /* out %eax, %dx */
    0x66, 0xba, 0xfc, 0x0c,                     /* mov $0xcfc, %dx */
    0xed,                                       /* in %dx, %eax */
    0xa3, 0x04, 0x20, 0x00, 0x00,               /* mov %eax, 0x2004 */
    0xa1, 0x00, 0x00, 0x00, 0xb0,               /* mov 0xb0000000, %eax */
    0xa3, 0x08, 0x20, 0x00, 0x00,               /* mov %eax, 0x2008 */
    0xe4, 0x21,                                 /* in $0x21, %al */
    0xa2, 0x14, 0x20, 0x00, 0x00,               /* mov %al, 0x2014 */
    0xb0, 0xab,                                 /* mov $0xab, %al */
    0xe6, 0x21,                                 /* out %al, $0x21 */
    0xe4, 0x21,                                 /* in $0x21, %al */
    0xa2, 0x15, 0x20, 0x00, 0x00,               /* mov %al, 0x2015 */
    0xb0, 0xb0,                                 /* mov $0xb0, %al */
    0xe6, 0x43,                                 /* out %al, $0x43 */
    0xb0, 0xe8,                                 /* mov $0xe8, %al */
    0xe6, 0x43,                                 /* out %al, $0x43 */
    0xe4, 0x42,                                 /* in $0x42, %al */
    0xa2, 0x16, 0x20, 0x00, 0x00,               /* mov %al, 0x2016 */
    0xa1, 0x00, 0x20, 0x00, 0x00,               /* mov 0x2000, %eax */
    0x3b, 0x05, 0x0c, 0x20, 0x00, 0x00,         /* cmp 0x200c, %eax */
    0x73, 0x07,                                 /* jae hlt */
    0xb0, 0x06,                                 /* mov $6, %al */
    0x66, 0xba, 0xf9, 0x0c,                     /* mov $0xcf9, %dx */
    0xee,                                       /* out %al, %dx */
    0xf4,                                       /* hlt: */
    0xeb, 0xfd,                                 /* jmp hlt */
};

/* ACPI S5: SLP_TYP 5 and SLP_EN into the PM block's PM1a_CNT (0x604). */
static const uint8_t power_off_code[] = {
    0x66, 0xba, 0x04, 0x06,                     /* mov $0x604, %dx */
    0x66, 0xb8, 0x00, 0x34,                     /* mov $0x3400, %ax */
    0x66, 0xef,                                 /* out %ax, %dx */
    0xf4,                                       /* hlt: */
    0xeb, 0xfd,                                 /* jmp hlt */
};

/* Where timekeeping_code stores what it saw. */
#define TK_SIG          0x3000      /* CPUID 0x40000000: EAX EBX ECX EDX */
#define TK_FEATURES     0x3010      /* CPUID 0x40000001 EAX */
#define TK_TSC_KHZ      0x3014      /* CPUID 0x40000010 EAX */
#define TK_APIC_KHZ     0x3018      /* CPUID 0x40000010 EBX */
#define TK_SPK_FIRST    0x301c      /* port 0x61 right after the PIT load */
#define TK_SPK_LAST     0x3020      /* port 0x61 when OUT2 rose */
#define TK_POLLS        0x3024      /* reads of 0x61 until then */
#define TK_PM0          0x3028      /* PM timer before the PIT wait */
#define TK_PM1          0x302c      /* and after */
#define TK_DONE         0x3030
#define TK_PVCLOCK      0x3100      /* struct pvclock_vcpu_time_info */
#define TK_DONE_MAGIC   0x600df00du
#define TK_POLL_LIMIT   1000000u    /* a hang guard for the 0x61 loop */
#define KVM_FEATURE_CLOCKSOURCE2_BIT    (1u << 3)
#define KVM_FEATURE_MSI_EXT_DEST_BIT    (1u << 15)
/* kvmclock (0, 3 and its stable bit 24) and the no-op I/O delay (1). */
#define KVM_PV_OFFERED                  ((1u << 0) | (1u << 1) | (1u << 3) | \
                                         (1u << 24))
#define PIT_CH2_COUNT   0x1000      /* 4096 ticks of 1.193182 MHz: 3.4 ms */

#define LE32(v) (v) & 0xff, ((v) >> 8) & 0xff, ((v) >> 16) & 0xff, \
                ((v) >> 24) & 0xff

static const uint8_t timekeeping_code[] = {
    0xb8, LE32(0x40000000u),                    /* mov $0x40000000, %eax */
    0x0f, 0xa2,                                 /* cpuid */
    0xa3, LE32(TK_SIG),                         /* mov %eax, TK_SIG */
    0x89, 0x1d, LE32(TK_SIG + 4),               /* mov %ebx, TK_SIG+4 */
    0x89, 0x0d, LE32(TK_SIG + 8),               /* mov %ecx, TK_SIG+8 */
    0x89, 0x15, LE32(TK_SIG + 12),              /* mov %edx, TK_SIG+12 */
    0xb8, LE32(0x40000001u),                    /* mov $0x40000001, %eax */
    0x0f, 0xa2,                                 /* cpuid */
    0xa3, LE32(TK_FEATURES),                    /* mov %eax, TK_FEATURES */
    0xb8, LE32(0x40000010u),                    /* mov $0x40000010, %eax */
    0x0f, 0xa2,                                 /* cpuid */
    0xa3, LE32(TK_TSC_KHZ),                     /* mov %eax, TK_TSC_KHZ */
    0x89, 0x1d, LE32(TK_APIC_KHZ),              /* mov %ebx, TK_APIC_KHZ */
    /* kvmclock on: MSR_KVM_SYSTEM_TIME_NEW = TK_PVCLOCK | enable */
    0xb9, LE32(0x4b564d01u),                    /* mov $MSR, %ecx */
    0xb8, LE32(TK_PVCLOCK | 1),                 /* mov $page|1, %eax */
    0x31, 0xd2,                                 /* xor %edx, %edx */
    0x0f, 0x30,                                 /* wrmsr */
    0x66, 0xba, 0x08, 0x06,                     /* mov $0x608, %dx */
    0xed,                                       /* in %dx, %eax */
    0xa3, LE32(TK_PM0),                         /* mov %eax, TK_PM0 */
    /* PIT channel 2, gated by port 0x61 bit 0, mode 0 */
    0xe4, 0x61,                                 /* in $0x61, %al */
    0x24, 0xfc,                                 /* and $0xfc, %al */
    0x0c, 0x01,                                 /* or $1, %al: gate on */
    0xe6, 0x61,                                 /* out %al, $0x61 */
    0xb0, 0xb0,                                 /* mov $0xb0, %al */
    0xe6, 0x43,                                 /* out %al, $0x43 */
    0xb0, PIT_CH2_COUNT & 0xff,                 /* mov $lo, %al */
    0xe6, 0x42,                                 /* out %al, $0x42 */
    0xb0, PIT_CH2_COUNT >> 8,                   /* mov $hi, %al */
    0xe6, 0x42,                                 /* out %al, $0x42 */
    0xe4, 0x61,                                 /* in $0x61, %al */
    0xa2, LE32(TK_SPK_FIRST),                   /* mov %al, TK_SPK_FIRST */
    0x31, 0xdb,                                 /* xor %ebx, %ebx */
    0xe4, 0x61,                                 /* poll: in $0x61, %al */
    0x43,                                       /* inc %ebx */
    0xa8, 0x20,                                 /* test $0x20, %al (OUT2) */
    0x75, 0x08,                                 /* jnz out */
    0x81, 0xfb, LE32(TK_POLL_LIMIT),            /* cmp $limit, %ebx */
    0x72, 0xf1,                                 /* jb poll */
    0xa2, LE32(TK_SPK_LAST),                    /* out: mov %al, TK_SPK_LAST */
    0x89, 0x1d, LE32(TK_POLLS),                 /* mov %ebx, TK_POLLS */
    0x66, 0xba, 0x08, 0x06,                     /* mov $0x608, %dx */
    0xed,                                       /* in %dx, %eax */
    0xa3, LE32(TK_PM1),                         /* mov %eax, TK_PM1 */
    0xc7, 0x05, LE32(TK_DONE), LE32(TK_DONE_MAGIC), /* movl $magic, DONE */
    0xf4,                                       /* hlt: */
    0xeb, 0xfd,                                 /* jmp hlt */
};

typedef struct Guest {
    QTestState *qts;
    char *dir;
    char *code_path;
    char *dump_path;
} Guest;

/* Starts the guest with @extra (NULL-terminated) after the fixed args. */
static Guest *guest_start_code(const uint8_t *code, size_t len,
                               unsigned limit, const char *const *extra)
{
    Guest *g = g_new0(Guest, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    g->dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    g_assert_nonnull(g->dir);
    g->code_path = g_build_filename(g->dir, "guest.bin", NULL);
    g->dump_path = g_build_filename(g->dir, "dump.bin", NULL);
    g_assert_true(g_file_set_contents(g->code_path, (const char *)code, len,
                                      NULL));
    for (const char *const *a = (const char *const[]){
             "-accel", "kvm", "-M", "q35", "-m", "64M", "-nodefaults",
             "-display", "none", "-chardev",
             "socket,id=qmp,path=%QMP%", "-mon", "chardev=qmp,mode=control",
             NULL }; *a; a++) {
        g_ptr_array_add(argv, g_strdup(*a));
    }
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup_printf("loader,file=%s,addr=0x%x,"
                                          "cpu-num=0", g->code_path,
                                          CODE_ADDR));
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup_printf("loader,addr=0x%x,data=%u,"
                                          "data-len=4", LIMIT, limit));
    /* Fresh at every reset: 0xff means "not stored by this run yet". */
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup_printf("loader,addr=0x%x,"
                                          "data=0xffffffff,data-len=4",
                                          PIC_BYTES));
    for (; extra && *extra; extra++) {
        g_ptr_array_add(argv, g_strdup(*extra));
    }
    g_ptr_array_add(argv, NULL);
    g->qts = qtest_init_argv((const char *const *)argv->pdata, NULL, 0, true);
    return g;
}

static Guest *guest_start(unsigned limit, const char *const *extra)
{
    return guest_start_code(guest_code, sizeof(guest_code), limit, extra);
}

static void guest_free(Guest *g)
{
    g_unlink(g->code_path);
    g_unlink(g->dump_path);
    g_rmdir(g->dir);
    g_free(g->code_path);
    g_free(g->dump_path);
    g_free(g->dir);
    g_free(g);
}

static void guest_quit(Guest *g)
{
    JsonObject *rsp = qtest_qmp(g->qts, "{'execute': 'quit'}");

    qmp_expect_return(rsp);
    json_object_unref(rsp);
    g_assert_cmpint(qtest_wait_exit(g->qts), ==, 0);
    guest_free(g);
}

static uint32_t guest_readl(Guest *g, uint64_t addr)
{
    return qtest_pmem_readl(g->qts, addr, g->dump_path);
}

/* Waits until the guest has written @value at @addr. */
static void guest_wait_value(Guest *g, uint64_t addr, uint32_t value)
{
    for (int i = 0; i < POLL_ROUNDS; i++) {
        if (guest_readl(g, addr) == value) {
            return;
        }
        g_usleep(5000);
    }
    g_assert_cmphex(guest_readl(g, addr), ==, value);
}

/* Waits until this run stored the PIT status, the last of PIC_BYTES. */
static uint32_t guest_wait_pic_bytes(Guest *g)
{
    uint32_t v = guest_readl(g, PIC_BYTES);

    for (int i = 0; i < POLL_ROUNDS && ((v >> 16) & 0xff) == 0xff; i++) {
        g_usleep(5000);
        v = guest_readl(g, PIC_BYTES);
    }
    g_assert_cmphex((v >> 16) & 0xff, !=, 0xff);
    return v;
}

static const char *status_of(Guest *g, JsonObject **keep)
{
    JsonObject *rsp = qtest_qmp(g->qts, "{'execute': 'query-status'}");
    JsonNode *ret = qmp_expect_return(rsp);

    *keep = rsp;
    return json_object_get_string_member(json_node_get_object(ret), "status");
}

static void assert_status(Guest *g, const char *want)
{
    JsonObject *rsp;
    const char *st = status_of(g, &rsp);

    g_assert_cmpstr(st, ==, want);
    json_object_unref(rsp);
}

/* Sends @cmd (no arguments) and expects an empty return. */
static void qmp_ok(Guest *g, const char *cmd)
{
    JsonObject *rsp = qtest_qmp(g->qts, "{'execute': '%s'}", cmd);

    qmp_expect_return(rsp);
    json_object_unref(rsp);
}

static void assert_reset_event(Guest *g, bool guest, const char *reason)
{
    JsonObject *ev = qtest_qmp_eventwait_ref(g->qts, "RESET");
    JsonObject *data = json_object_get_object_member(ev, "data");

    g_assert_cmpint(json_object_get_boolean_member(data, "guest"), ==, guest);
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    reason);
    json_object_unref(ev);
}

/* Port I/O and MMIO exits reach the devices; two vCPU threads; query-*. */
static void test_exits_and_queries(void)
{
    Guest *g;
    JsonObject *rsp, *o;
    JsonArray *cpus;
    uint32_t pic;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start(1, (const char *const[]){ "-smp", "2", NULL });
    guest_wait_value(g, COUNTER, 1);
    guest_wait_value(g, MMIO_RESULT, MCH_ID);
    g_assert_cmphex(guest_readl(g, PIO_RESULT), ==, MCH_ID);
    pic = guest_wait_pic_bytes(g);
    g_assert_cmphex(pic & 0xff, ==, 0);             /* KVM's initial IMR */
    g_assert_cmphex((pic >> 8) & 0xff, ==, 0xab);
    g_assert_cmphex((pic >> 16) & 0x3f, ==, PIT_STATUS_CH2_MODE0);
    /* Halted, not reset, and still "running". */
    g_assert_cmpuint(guest_readl(g, COUNTER), ==, 1);
    assert_status(g, "running");

    rsp = qtest_qmp(g->qts, "{'execute': 'query-kvm'}");
    o = json_node_get_object(qmp_expect_return(rsp));
    g_assert_true(json_object_get_boolean_member(o, "enabled"));
    g_assert_true(json_object_get_boolean_member(o, "present"));
    json_object_unref(rsp);

    rsp = qtest_qmp(g->qts, "{'execute': 'query-cpus-fast'}");
    cpus = json_node_get_array(qmp_expect_return(rsp));
    g_assert_cmpuint(json_array_get_length(cpus), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);
        JsonObject *props = json_object_get_object_member(cpu, "props");

        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_cmpint(json_object_get_int_member(props, "core-id"), ==, i);
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==,
                        "x86_64");
        g_assert_cmpint(json_object_get_int_member(cpu, "thread-id"), >, 0);
        g_assert_true(g_str_has_prefix(
            json_object_get_string_member(cpu, "qom-path"),
            "/machine/unattached/device["));
    }
    g_assert_cmpint(
        json_object_get_int_member(json_array_get_object_element(cpus, 0),
                                   "thread-id"), !=,
        json_object_get_int_member(json_array_get_object_element(cpus, 1),
                                   "thread-id"));
    json_object_unref(rsp);
    guest_quit(g);
}

/* -S, cont, stop, system_reset while paused, cont again, quit. */
static void test_runstate(void)
{
    Guest *g;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start(1, (const char *const[]){ "-S", NULL });
    assert_status(g, "prelaunch");
    g_assert_cmpuint(guest_readl(g, COUNTER), ==, 0);   /* never ran */

    qmp_ok(g, "cont");
    qtest_qmp_eventwait(g->qts, "RESUME");
    guest_wait_value(g, COUNTER, 1);
    assert_status(g, "running");

    qmp_ok(g, "stop");
    qtest_qmp_eventwait(g->qts, "STOP");
    assert_status(g, "paused");

    /* A reset while paused runs nothing: the VM waits in prelaunch. */
    qmp_ok(g, "system_reset");
    assert_reset_event(g, false, "host-qmp-system-reset");
    assert_status(g, "prelaunch");
    g_assert_cmpuint(guest_readl(g, COUNTER), ==, 1);

    /* cont: the boot processor starts over at the loader's address. */
    qmp_ok(g, "cont");
    guest_wait_value(g, COUNTER, 2);

    /* A reset while running restarts it at once. */
    qmp_ok(g, "system_reset");
    assert_reset_event(g, false, "host-qmp-system-reset");
    guest_wait_value(g, COUNTER, 3);
    assert_status(g, "running");
    /* The reset put the in-kernel PIC's mask back: 0xab did not stay. */
    g_assert_cmphex(guest_wait_pic_bytes(g) & 0xff, ==, 0);
    guest_quit(g);
}

/* The guest resets itself through RST_CNT until the counter reaches 3. */
static void test_guest_reset(void)
{
    Guest *g;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start(3, (const char *const[]){ "-S", NULL });
    qmp_ok(g, "cont");
    assert_reset_event(g, true, "guest-reset");
    assert_reset_event(g, true, "guest-reset");
    guest_wait_value(g, COUNTER, 3);
    g_assert_cmphex(guest_readl(g, PIO_RESULT), ==, MCH_ID);
    assert_status(g, "running");
    guest_quit(g);
}

/* -no-reboot: the guest's reset ends the VM with SHUTDOWN, exit 0. */
static void test_no_reboot(void)
{
    Guest *g;
    JsonObject *ev, *data;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start(3, (const char *const[]){ "-S", "-no-reboot", NULL });
    qmp_ok(g, "cont");
    ev = qtest_qmp_eventwait_ref(g->qts, "SHUTDOWN");
    data = json_object_get_object_member(ev, "data");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "guest-reset");
    json_object_unref(ev);
    g_assert_cmpint(qtest_wait_exit(g->qts), ==, 0);
    guest_free(g);
}

/*
 * -no-reboot -no-shutdown: the guest's reset stops the VM in "shutdown";
 * cont is refused, and system_reset (a reset too) stops it again.
 */
static void test_no_shutdown(void)
{
    Guest *g;
    JsonObject *rsp, *ev;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start(2, (const char *const[]){ "-S", "-no-reboot",
                                              "-no-shutdown", NULL });
    qmp_ok(g, "cont");
    qtest_qmp_eventwait(g->qts, "SHUTDOWN");
    qtest_qmp_eventwait(g->qts, "STOP");
    assert_status(g, "shutdown");
    g_assert_cmpuint(guest_readl(g, COUNTER), ==, 1);

    rsp = qtest_qmp(g->qts, "{'execute': 'cont'}");
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "Resetting the Virtual Machine is required");
    json_object_unref(rsp);

    qmp_ok(g, "system_reset");
    ev = qtest_qmp_eventwait_ref(g->qts, "SHUTDOWN");
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason"), ==,
        "host-qmp-system-reset");
    json_object_unref(ev);
    assert_status(g, "shutdown");
    g_assert_cmpuint(guest_readl(g, COUNTER), ==, 1);
    guest_quit(g);
}

/*
 * Every way of asking for KVM runs the guest: with -no-reboot its first
 * reset ends the process with status 0 (a machine without vCPUs would
 * run until killed).
 */
static void test_accel_spellings(void)
{
    static const char *const spellings[] = {
        "-accel kvm", "-enable-kvm", "-machine q35,accel=kvm",
        "-machine accel=kvm:qtest", "-accel kvm,kernel-irqchip=on",
    };
    g_autofree char *dir = NULL;
    g_autofree char *code = NULL;

    if (!qtest_kvm_usable()) {
        return;
    }
    dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    code = g_build_filename(dir, "guest.bin", NULL);
    g_assert_true(g_file_set_contents(code, (const char *)guest_code,
                                      sizeof(guest_code), NULL));
    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        g_autofree char *args = g_strdup_printf(
            "-M q35 -display none -nodefaults -no-reboot %s "
            "-device loader,file=%s,addr=0x%x,cpu-num=0 "
            "-device loader,addr=0x%x,data=2,data-len=4",
            spellings[i], code, CODE_ADDR, LIMIT);

        g_test_message("%s", spellings[i]);
        g_assert_cmpint(qtest_run(args, NULL, NULL, 60), ==, 0);
    }
    g_unlink(code);
    g_rmdir(dir);
}

/*
 * ACPI power-off from the guest: SHUTDOWN {guest: true, guest-shutdown}
 * and exit 0; with -no-shutdown the VM waits in "shutdown" instead.
 */
static void test_acpi_power_off(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *code = NULL;
    g_autofree char *args = NULL;
    g_autofree char *err = NULL;

    if (!qtest_kvm_usable()) {
        return;
    }
    dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    code = g_build_filename(dir, "poweroff.bin", NULL);
    g_assert_true(g_file_set_contents(code, (const char *)power_off_code,
                                      sizeof(power_off_code), NULL));
    args = g_strdup_printf("-accel kvm -M q35 -display none -nodefaults "
                           "-device loader,file=%s,addr=0x%x,cpu-num=0",
                           code, CODE_ADDR);
    g_assert_cmpint(qtest_run(args, NULL, &err, 60), ==, 0);
    g_unlink(code);
    g_rmdir(dir);
}

static void test_acpi_power_off_held(void)
{
    Guest *g;
    JsonObject *ev;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start_code(power_off_code, sizeof(power_off_code), 1,
                         (const char *const[]){ "-S", "-no-shutdown", NULL });
    qmp_ok(g, "cont");
    ev = qtest_qmp_eventwait_ref(g->qts, "SHUTDOWN");
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason"), ==,
        "guest-shutdown");
    json_object_unref(ev);
    qtest_qmp_eventwait(g->qts, "STOP");
    assert_status(g, "shutdown");
    guest_quit(g);
}

typedef struct CmdlineCase {
    const char *args;
    const char *stderr_line;    /* the whole of stderr */
} CmdlineCase;

#define P "qemu-system-x86_64: "
static const CmdlineCase cmdline_cases[] = {
    { "-accel tcg",
      P "-accel tcg: invalid accelerator tcg (this binary has: kvm, qtest)\n" },
    /* accel= is QEMU's list: reported after parsing, without location. */
    { "-machine q35,accel=tcg", P "invalid accelerator tcg\n" },
    { "-accel kvm -cpu pentium42",
      P "-cpu pentium42: unable to find CPU model 'pentium42'\n" },
    { "-accel kvm,kernel-irqchip=split",
      P "-accel kvm,kernel-irqchip=split: kernel-irqchip=split: only the "
      "in-kernel irqchip (kernel-irqchip=on) is supported\n" },
    { "-accel kvm -smp 256",
      P "Invalid SMP CPUs 256. The max CPUs supported by machine 'pc-q35-10.1' is "
      "255\n" },
    { "-accel kvm -smp 2,sockets=2,cores=2,maxcpus=2",
      P "Invalid CPU topology: product of the hierarchy must match maxcpus: "
      "sockets (2) * dies (1) * modules (1) * cores (2) * threads (1) != "
      "maxcpus (2)\n" },
    { "-accel kvm -smp 4,maxcpus=2",
      P "Invalid CPU topology: maxcpus must be equal to or greater than smp: "
      "sockets (1) * dies (1) * modules (1) * cores (2) * threads (1) == "
      "maxcpus (2) < smp_cpus (4)\n" },
    { "-accel kvm -smp 2,clusters=2",
      P "clusters not supported by this machine's CPU topology\n" },
    { "-accel kvm -qtest stdio",
      P "-qtest cannot be used with -accel kvm: the qtest protocol drives "
      "a machine without vCPUs\n" },
};

static void test_cmdline(const void *opaque)
{
    const CmdlineCase *c = opaque;
    g_autofree char *args = g_strconcat("-M q35 -display none -nodefaults ",
                                        c->args, NULL);
    g_autofree char *err = NULL;
    int status;

    if (!qtest_kvm_usable()) {
        return;
    }
    status = qtest_run(args, NULL, &err, 60);
    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(err, ==, c->stderr_line);
}

static void test_help(void)
{
    g_autofree char *out = NULL;

    g_assert_cmpint(qtest_run("-accel help", &out, NULL, 30), ==, 0);
    g_assert_cmpstr(out, ==, "Accelerators supported in QEMU binary:\n"
                    "kvm\nqtest\n");
    g_free(out);
    out = NULL;
    g_assert_cmpint(qtest_run("-cpu help", &out, NULL, 30), ==, 0);
    g_assert_true(g_str_has_prefix(out, "Available CPUs:\n"));
    g_assert_nonnull(strstr(out, "\n  host "));
    g_assert_nonnull(strstr(out, "\n  qemu64 "));
}

/*
 * What a guest needs to keep time without calibrating: KVM's signature
 * and features with kvmclock (and nothing beyond what we offer),
 * the TSC frequency in the timing leaf, agreeing with the frequency KVM
 * writes into the kvmclock page once the guest enables it; PIT channel 2
 * gated and read back through the speaker port (Linux's PIT calibration);
 * the ACPI PM timer running while the VM runs.
 */
static void test_timekeeping(void)
{
    Guest *g;
    uint32_t sig[4], features, tsc_khz, mul, shift_flags, spk0, spk1;
    uint32_t polls, pm0, pm1, version;
    int8_t shift;
    double pvclock_khz;

    if (!qtest_kvm_usable()) {
        return;
    }
    g = guest_start_code(timekeeping_code, sizeof(timekeeping_code), 0,
                         NULL);
    guest_wait_value(g, TK_DONE, TK_DONE_MAGIC);
    for (int i = 0; i < 4; i++) {
        sig[i] = guest_readl(g, TK_SIG + 4 * i);
    }
    g_assert_cmphex(sig[0], >=, 0x40000010u);
    g_assert_cmpmem(&sig[1], 12, "KVMKVMKVM\0\0\0", 12);
    features = guest_readl(g, TK_FEATURES);
    g_assert_true(features & KVM_FEATURE_CLOCKSOURCE2_BIT);
    g_assert_false(features & KVM_FEATURE_MSI_EXT_DEST_BIT);
    g_assert_cmphex(features & ~KVM_PV_OFFERED, ==, 0);

    tsc_khz = guest_readl(g, TK_TSC_KHZ);
    g_assert_cmpuint(tsc_khz, >, 0);
    g_assert_cmpuint(guest_readl(g, TK_APIC_KHZ), ==, 1000000);

    /* KVM filled the kvmclock page: an even version, a scale. */
    version = guest_readl(g, TK_PVCLOCK);
    mul = guest_readl(g, TK_PVCLOCK + 24);
    shift_flags = guest_readl(g, TK_PVCLOCK + 28);
    g_assert_cmpuint(version, !=, 0);
    g_assert_cmpuint(version % 2, ==, 0);
    g_assert_cmpuint(mul, !=, 0);
    shift = (int8_t)(shift_flags & 0xff);
    /* ns = (tsc << shift) * mul / 2^32, so the TSC runs at: */
    pvclock_khz = 1e6 * 4294967296.0 / mul / (shift >= 0 ? 1 << shift : 1)
                  * (shift < 0 ? 1 << -shift : 1);
    g_test_message("CPUID TSC %u kHz, kvmclock's %.0f kHz", tsc_khz,
                   pvclock_khz);
    g_assert_cmpfloat(pvclock_khz, >, tsc_khz * 0.99);
    g_assert_cmpfloat(pvclock_khz, <, tsc_khz * 1.01);

    /* The gate is set and OUT2 low right after the load, then high. */
    spk0 = guest_readl(g, TK_SPK_FIRST) & 0xff;
    spk1 = guest_readl(g, TK_SPK_LAST) & 0xff;
    polls = guest_readl(g, TK_POLLS);
    g_test_message("port 0x61: 0x%02x after the load, 0x%02x after %u "
                   "polls", spk0, spk1, polls);
    g_assert_cmphex(spk0 & 0x21, ==, 0x01);
    g_assert_cmphex(spk1 & 0x21, ==, 0x21);
    g_assert_cmpuint(polls, <, TK_POLL_LIMIT);

    /* 24 bits, and it moved during the wait (3.4 ms of PIT ticks). */
    pm0 = guest_readl(g, TK_PM0);
    pm1 = guest_readl(g, TK_PM1);
    g_assert_cmphex(pm0, <=, 0xffffff);
    g_assert_cmphex(pm1, <=, 0xffffff);
    g_assert_cmpuint((pm1 - pm0) & 0xffffff, >, 0);
    guest_quit(g);
}

/* The vCPU's TSC rate that the timing leaf reports, with extra options. */
static uint32_t guest_tsc_khz(const char *const *extra)
{
    Guest *g = guest_start_code(timekeeping_code, sizeof(timekeeping_code),
                                0, extra);
    uint32_t khz;

    guest_wait_value(g, TK_DONE, TK_DONE_MAGIC);
    khz = guest_readl(g, TK_TSC_KHZ);
    guest_quit(g);
    return khz;
}

/*
 * -cpu ...,tsc-frequency=HZ (KVM_SET_TSC_KHZ): the guest's timing leaf
 * reports the rate asked for.  Above the host's rate KVM always takes it
 * (scaling, or catching up without); below it only with TSC scaling, and
 * without, the start fails with one line and exit status 1.
 */
static void test_tsc_frequency(void)
{
    g_autofree char *opt = NULL, *args = NULL, *err = NULL;
    g_autofree char *want_err = NULL;
    uint32_t host_khz, want;
    bool scaling;
    int fd;

    if (!qtest_kvm_usable()) {
        return;
    }
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    scaling = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0;
    close(fd);
    host_khz = guest_tsc_khz(NULL);
    g_assert_cmpuint(host_khz, >, 2000);
    g_test_message("host TSC %u kHz, TSC scaling %s", host_khz,
                   scaling ? "available" : "unavailable");

    /* Hz that are not whole kHz are rounded down, as QEMU does. */
    want = host_khz + 1000;
    opt = g_strdup_printf("qemu64,tsc-frequency=%u999", want);
    g_assert_cmpuint(guest_tsc_khz((const char *const[]){ "-cpu", opt,
                                                         NULL }), ==, want);

    want = host_khz / 2;
    g_free(opt);
    opt = g_strdup_printf("qemu64,tsc-frequency=%u000", want);
    if (scaling) {
        g_assert_cmpuint(guest_tsc_khz((const char *const[]){ "-cpu", opt,
                                                             NULL }), ==,
                         want);
        return;
    }
    args = g_strdup_printf("-M q35 -display none -nodefaults -accel kvm "
                           "-cpu %s", opt);
    g_assert_cmpint(qtest_run(args, NULL, &err, 60), ==, 1);
    want_err = g_strdup_printf(P "kvm: tsc-frequency: KVM_SET_TSC_KHZ to %u "
                               "kHz on vCPU 0 failed: Invalid argument (host "
                               "TSC %u kHz, TSC scaling unavailable)\n",
                               want, host_khz);
    g_assert_cmpstr(err, ==, want_err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/exits-and-queries", test_exits_and_queries);
    g_test_add_func("/kvm/runstate", test_runstate);
    g_test_add_func("/kvm/guest-reset", test_guest_reset);
    g_test_add_func("/kvm/no-reboot", test_no_reboot);
    g_test_add_func("/kvm/no-shutdown", test_no_shutdown);
    g_test_add_func("/kvm/acpi-power-off", test_acpi_power_off);
    g_test_add_func("/kvm/acpi-power-off-held", test_acpi_power_off_held);
    g_test_add_func("/kvm/timekeeping", test_timekeeping);
    g_test_add_func("/kvm/tsc-frequency", test_tsc_frequency);
    g_test_add_func("/kvm/help", test_help);
    g_test_add_func("/kvm/accel-spellings", test_accel_spellings);
    for (size_t i = 0; i < G_N_ELEMENTS(cmdline_cases); i++) {
        g_autofree char *name = g_strdup_printf("/kvm/cmdline/%zu", i);

        g_test_add_data_func(name, &cmdline_cases[i], test_cmdline);
    }
    return g_test_run();
}
