/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPUID for each vCPU: what KVM_GET_SUPPORTED_CPUID offers, narrowed to
 * the -cpu model, with the vCPU's APIC ID and the -smp topology in the
 * leaves that describe them (1, 4, 0xB, 0x1F, 0x80000008), and KVM's
 * paravirtual leaves: the signature (0x40000000), the features KVM
 * implements in the kernel (0x40000001: kvmclock and the rest) and the
 * timing leaf (0x40000010: TSC and LAPIC timer frequencies).
 */
#include "qemu/osdep.h"
#include <linux/kvm_para.h>
#include "qemu/error-report.h"
#include "hw/i386/x86-cpu.h"
#include "kvm-internal.h"

/* The qemu64 baseline, as QEMU defines it (plus x2apic under KVM). */
#define QEMU64_1_EDX    0x0783fbffu    /* fpu .. sse2, no ht/ss/tm */
#define QEMU64_1_ECX    ((1u << 0) | (1u << 13) | (1u << 21) | (1u << 31))
#define QEMU64_EXT_EDX  ((1u << 11) | (1u << 20) | (1u << 29) | \
                         (QEMU64_1_EDX & 0x0183f3ffu))
#define QEMU64_EXT_ECX  (1u << 0)
#define QEMU64_FMS      0x000f06b1u    /* family 15, model 107, stepping 1 */
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR  (1u << 31)

#define KVM_CPUID_TIMING        0x40000010
/* KVM's LAPIC timer counts at 1 GHz (one count per nanosecond). */
#define KVM_APIC_BUS_KHZ        1000000u
/*
 * The paravirtual features offered: kvmclock (both MSR generations, and
 * the bit that says it is stable across vCPUs) and the no-op port-0x80
 * delay.  KVM implements more on its own (PV EOI, async page faults,
 * steal time, PV unhalt, PV TLB flush and IPIs, ...), but with them on
 * a second-level Linux stopped answering after a PCIe hot-add in the
 * bench; each comes back once it is shown to work with hot-plug, reset
 * and assigned devices.
 */
#define KVM_PV_FEATURES_OFFERED ((1u << KVM_FEATURE_CLOCKSOURCE) | \
                                 (1u << KVM_FEATURE_NOP_IO_DELAY) | \
                                 (1u << KVM_FEATURE_CLOCKSOURCE2) | \
                                 (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

typedef struct FeatureName {
    uint32_t leaf;
    char reg;
    int bit;
    const char *name;
} FeatureName;

/* Names of the baseline features, for "host doesn't support" warnings. */
static const FeatureName baseline_names[] = {
    { 1, 'c', 0, "pni|sse3" }, { 1, 'c', 13, "cx16" },
    { 1, 'c', 21, "x2apic" }, { 1, 'd', 25, "sse" }, { 1, 'd', 26, "sse2" },
    { 1, 'd', 15, "cmov" }, { 1, 'd', 19, "clflush" }, { 1, 'd', 24, "fxsr" },
    { 0x80000001, 'd', 11, "syscall" }, { 0x80000001, 'd', 20, "nx|xd" },
    { 0x80000001, 'd', 29, "lm|i64" }, { 0x80000001, 'c', 0, "lahf-lm" },
};

bool kvm_cpuid_init(KVMState *s, Error **errp)
{
    int nent = 64;
    int ret;

    for (;;) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                         nent * sizeof(c->entries[0]));

        c->nent = nent;
        ret = kvm_ioctl(s, KVM_GET_SUPPORTED_CPUID, c);
        if (ret == 0) {
            s->supported_cpuid = c;
            return true;
        }
        g_free(c);
        if (ret != -E2BIG || nent > 4096) {
            error_setg_errno(errp, -ret, "kvm: KVM_GET_SUPPORTED_CPUID failed");
            return false;
        }
        nent *= 2;
    }
}

static struct kvm_cpuid_entry2 *find_entry(struct kvm_cpuid2 *c,
                                           uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function == function &&
            c->entries[i].index == index) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static bool baseline_keeps(uint32_t function)
{
    return function <= 2 || function == 4 ||
           (function >= 0x40000000 && function <= 0x400000ff) ||
           (function >= 0x80000000 && function <= 0x80000008);
}

static void warn_missing_baseline(struct kvm_cpuid2 *supported)
{
    for (size_t i = 0; i < G_N_ELEMENTS(baseline_names); i++) {
        const FeatureName *f = &baseline_names[i];
        struct kvm_cpuid_entry2 *e = find_entry(supported, f->leaf, 0);
        uint32_t reg = !e ? 0 : f->reg == 'c' ? e->ecx : e->edx;

        if (!(reg & (1u << f->bit))) {
            warn_report("host doesn't support requested feature: "
                        "CPUID.%02XH:%s.%s [bit %d]", f->leaf,
                        f->reg == 'c' ? "ECX" : "EDX", f->name, f->bit);
        }
    }
}

static void set_model_id(struct kvm_cpuid2 *c, const char *id)
{
    char buf[48] = { 0 };

    strncpy(buf, id, sizeof(buf) - 1);
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        struct kvm_cpuid_entry2 *e = find_entry(c, 0x80000002 + leaf, 0);

        if (e) {
            memcpy(&e->eax, buf + leaf * 16, 4);
            memcpy(&e->ebx, buf + leaf * 16 + 4, 4);
            memcpy(&e->ecx, buf + leaf * 16 + 8, 4);
            memcpy(&e->edx, buf + leaf * 16 + 12, 4);
        }
    }
}

static void add_topology_leaf(struct kvm_cpuid2 *c, uint32_t function,
                              CPUState *cpu, const CpuTopology *t)
{
    unsigned tw = x86_topo_width(t->threads);
    unsigned pkg_w = tw + x86_topo_width(t->cores) +
                     x86_topo_width(t->modules) + x86_topo_width(t->dies);

    for (uint32_t sub = 0; sub < 3; sub++) {
        struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

        *e = (struct kvm_cpuid_entry2) {
            .function = function,
            .index = sub,
            .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .edx = cpu->apic_id,
            .ecx = sub,
        };
        if (sub == 0) {         /* SMT level */
            e->eax = tw;
            e->ebx = t->threads;
            e->ecx |= 1 << 8;
        } else if (sub == 1) {  /* core level: the whole package */
            e->eax = pkg_w;
            e->ebx = t->threads * t->cores * t->modules * t->dies;
            e->ecx |= 2 << 8;
        }
    }
}

/*
 * kvmclock and the no-op I/O delay (KVM_PV_FEATURES_OFFERED); the
 * TSC frequency in the timing leaf when KVM knows it, so that a guest
 * need not calibrate its TSC against slow-to-read timers.
 */
static void add_kvm_leaves(struct kvm_cpuid2 *c, uint32_t tsc_khz)
{
    struct kvm_cpuid_entry2 *sig = find_entry(c, KVM_CPUID_SIGNATURE, 0);
    struct kvm_cpuid_entry2 *e = find_entry(c, KVM_CPUID_FEATURES, 0);

    if (!sig) {
        return;                 /* KVM offers no paravirtual interface */
    }
    if (e) {
        e->eax &= KVM_PV_FEATURES_OFFERED;
        e->edx = 0;             /* no hints (realtime, ...) */
    }
    if (!tsc_khz || find_entry(c, KVM_CPUID_TIMING, 0)) {
        return;
    }
    sig->eax = MAX(sig->eax, KVM_CPUID_TIMING);
    c->entries[c->nent++] = (struct kvm_cpuid_entry2) {
        .function = KVM_CPUID_TIMING,
        .eax = tsc_khz,
        .ebx = KVM_APIC_BUS_KHZ,
    };
}

struct kvm_cpuid2 *kvm_cpuid_for_cpu(KVMState *s, CPUState *cpu)
{
    const X86CPUModel *model = x86_cpu_current_model();
    const CpuTopology *t = &cpu_topology;
    struct kvm_cpuid2 *sup = s->supported_cpuid;
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                     (sup->nent + 8) * sizeof(c->entries[0]));
    unsigned per_pkg = t->threads * t->cores * t->modules * t->dies;
    unsigned pkg_w = x86_topo_width(t->threads) + x86_topo_width(t->cores) +
                     x86_topo_width(t->modules) + x86_topo_width(t->dies);
    struct kvm_cpuid_entry2 *e;

    if (!model->passthrough && cpu->cpu_index == 0) {
        warn_missing_baseline(sup);
    }
    for (uint32_t i = 0; i < sup->nent; i++) {
        uint32_t fn = sup->entries[i].function;

        if (fn == 0xb || fn == 0x1f) {
            continue;       /* rebuilt below */
        }
        if (!model->passthrough && !baseline_keeps(fn)) {
            continue;
        }
        c->entries[c->nent++] = sup->entries[i];
    }
    add_topology_leaf(c, 0xb, cpu, t);
    add_kvm_leaves(c, cpu->accel->tsc_khz);

    if ((e = find_entry(c, 0, 0)) && !model->passthrough) {
        e->eax = MIN(e->eax, 0xd);
    }
    if ((e = find_entry(c, 1, 0))) {
        if (!model->passthrough) {
            e->eax = QEMU64_FMS;
            e->ecx &= QEMU64_1_ECX;
            e->edx &= QEMU64_1_EDX;
        }
        /*
         * KVM leaves the hypervisor bit to the VMM, and a guest looks for
         * the paravirtual leaves (kvmclock, the timing leaf) only when it
         * is set: without it Linux calibrates its TSC against the PIT.
         */
        e->ecx |= CPUID_1_ECX_HYPERVISOR;
        /*
         * KVM emulates the LAPIC's TSC-deadline mode but leaves the bit
         * out of KVM_GET_SUPPORTED_CPUID.  With it, a guest that knows
         * its TSC frequency need not calibrate its LAPIC timer.
         */
        if (model->passthrough &&
            kvm_check_extension(s, KVM_CAP_TSC_DEADLINE_TIMER) > 0) {
            e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
        }
        e->ebx = (e->ebx & 0xffff) | (MIN(per_pkg, 255) << 16) |
                 (cpu->apic_id & 0xff) << 24;
        if (per_pkg > 1) {
            e->edx |= CPUID_1_EDX_HTT;
        } else {
            e->edx &= ~CPUID_1_EDX_HTT;
        }
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        e = &c->entries[i];
        if (e->function == 4 && (e->eax & 0x1f)) {
            /* Cores per package - 1 in [31:26]; sharing from [25:14]. */
            e->eax = (e->eax & 0x3fff) | ((1u << pkg_w) - 1) << 26 |
                     ((e->index < 2 ? (1u << x86_topo_width(t->threads)) :
                       (1u << pkg_w)) - 1) << 14;
        }
    }
    if ((e = find_entry(c, 0x80000000, 0)) && !model->passthrough) {
        e->eax = MIN(e->eax, 0x80000008);
    }
    if ((e = find_entry(c, 0x80000001, 0)) && !model->passthrough) {
        e->ecx &= QEMU64_EXT_ECX;
        e->edx &= QEMU64_EXT_EDX;
    }
    if ((e = find_entry(c, 0x80000008, 0))) {
        e->ecx = (e->ecx & ~0xf0ffu) | (pkg_w << 12) | (per_pkg - 1);
    }
    if (!model->passthrough) {
        set_model_id(c, "QEMU Virtual CPU version 2.5+");
    }
    return c;
}
