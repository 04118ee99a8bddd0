/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 vCPU state under KVM: CPUID at creation, and the state every vCPU
 * is put in at reset (registers, segments, FPU, LAPIC, MSRs, MP state).
 *
 * The boot processor starts either at the architectural reset vector
 * (F000:FFF0) or, when a loader described one (X86BootCPUState: direct
 * Linux boot, -device loader,cpu-num=0), in that state.  Application
 * processors wait for INIT/SIPI in the in-kernel LAPIC.  There is no
 * firmware, so the MSRs a firmware would set (MTRR default type: write
 * back, enabled; PAT) are set here.
 */
#include "qemu/osdep.h"
#include "hw/i386/boot-cpu-state.h"
#include "system/cpus.h"
#include "kvm-internal.h"

#define MSR_IA32_TSC            0x10
#define MSR_IA32_APICBASE_BSP   (1ULL << 8)
#define MSR_IA32_APICBASE_EN    (1ULL << 11)
#define APIC_DEFAULT_ADDRESS    0xfee00000ULL
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_CR_PAT         0x277
#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_KVM_SYSTEM_TIME     0x12
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN     0x4b564d02
#define MSR_KVM_STEAL_TIME      0x4b564d03
#define MSR_KVM_PV_EOI_EN       0x4b564d04
#define MSR_KVM_POLL_CONTROL    0x4b564d05

#define PAT_POWER_ON            0x0007040600070406ULL
#define MTRR_DEF_TYPE_WB_ON     0xc06ULL    /* E | FE | type WB */
#define APIC_ID_OFFSET          0x20

bool kvm_arch_init_vcpu(CPUState *cpu, Error **errp)
{
    struct kvm_cpuid2 *cpuid;
    int ret;

    if (!kvm_vcpu_set_tsc_khz(cpu, kvm_state->wanted_tsc_khz, errp)) {
        return false;
    }
    cpu->accel->tsc_khz = kvm_vcpu_tsc_khz(cpu);
    cpuid = kvm_cpuid_for_cpu(kvm_state, cpu);
    ret = kvm_vcpu_ioctl(cpu, KVM_SET_CPUID2, cpuid);
    g_free(cpuid);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_SET_CPUID2 on vCPU %d failed",
                         cpu->cpu_index);
        return false;
    }
    ret = kvm_vcpu_ioctl(cpu, KVM_GET_LAPIC, &cpu->accel->initial_lapic);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_GET_LAPIC on vCPU %d failed",
                         cpu->cpu_index);
        return false;
    }
    cpu->accel->reset_pending = true;
    return true;
}

static void set_seg(struct kvm_segment *seg, uint16_t selector,
                    uint64_t base, uint32_t limit, uint8_t type)
{
    *seg = (struct kvm_segment) {
        .base = base,
        .limit = limit,
        .selector = selector,
        .type = type,
        .present = 1,
        .s = 1,
    };
}

/* Real mode at F000:FFF0, as after RESET. */
static void reset_vector_state(struct kvm_sregs *sregs, struct kvm_regs *regs)
{
    set_seg(&sregs->cs, 0xf000, 0xffff0000, 0xffff, 0xb);
    set_seg(&sregs->ds, 0, 0, 0xffff, 3);
    sregs->es = sregs->ss = sregs->fs = sregs->gs = sregs->ds;
    sregs->cr0 = 0x60000010;
    regs->rip = 0xfff0;
    regs->rflags = 2;
}

/* The flat state a loader asked for. */
static void boot_state(const X86BootCPUState *b, struct kvm_sregs *sregs,
                       struct kvm_regs *regs)
{
    set_seg(&sregs->cs, b->code_selector, 0, 0xffffffff, 0xb);
    sregs->cs.g = 1;
    sregs->cs.l = b->long_mode;
    sregs->cs.db = !b->long_mode;
    set_seg(&sregs->ds, b->data_selector, 0, 0xffffffff, 3);
    sregs->ds.g = 1;
    sregs->ds.db = 1;
    sregs->es = sregs->ss = sregs->fs = sregs->gs = sregs->ds;
    sregs->cr0 = b->cr0;
    sregs->cr3 = b->cr3;
    sregs->cr4 = b->cr4;
    sregs->efer = b->efer;
    sregs->gdt.base = b->gdt_base;
    sregs->gdt.limit = b->gdt_limit;
    regs->rip = b->rip;
    regs->rsi = b->rsi;
    regs->rsp = b->rsp;
    regs->rflags = b->rflags | 2;
}

static bool put_msrs(CPUState *cpu, Error **errp)
{
    static const struct { uint32_t index; uint64_t value; bool optional; }
    msrs[] = {
        { MSR_IA32_TSC, 0, false },
        { MSR_IA32_SYSENTER_CS, 0, false },
        { MSR_IA32_SYSENTER_ESP, 0, false },
        { MSR_IA32_SYSENTER_EIP, 0, false },
        { MSR_IA32_CR_PAT, PAT_POWER_ON, false },
        { MSR_STAR, 0, false },
        { MSR_LSTAR, 0, false },
        { MSR_CSTAR, 0, false },
        { MSR_FMASK, 0, false },
        { MSR_KERNEL_GS_BASE, 0, false },
        { MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_WB_ON, true },
        { MSR_IA32_TSC_DEADLINE, 0, true },     /* disarmed */
        { MSR_IA32_MISC_ENABLE, 1, true },      /* fast strings */
        /* Paravirtual state a previous boot may have left enabled. */
        { MSR_KVM_SYSTEM_TIME, 0, true },
        { MSR_KVM_SYSTEM_TIME_NEW, 0, true },
        { MSR_KVM_ASYNC_PF_EN, 0, true },
        { MSR_KVM_STEAL_TIME, 0, true },
        { MSR_KVM_PV_EOI_EN, 0, true },
        { MSR_KVM_POLL_CONTROL, 1, true },      /* host polls: on */
    };

    /* One at a time: KVM_SET_MSRS stops at the first it refuses. */
    for (size_t i = 0; i < G_N_ELEMENTS(msrs); i++) {
        struct {
            struct kvm_msrs hdr;
            struct kvm_msr_entry entry;
        } buf = {
            .hdr.nmsrs = 1,
            .entry = { .index = msrs[i].index, .data = msrs[i].value },
        };
        int ret = kvm_vcpu_ioctl(cpu, KVM_SET_MSRS, &buf);

        if (ret != 1 && !msrs[i].optional) {
            error_setg(errp, "kvm: vCPU %d refused MSR 0x%x", cpu->cpu_index,
                       msrs[i].index);
            return false;
        }
    }
    return true;
}

bool kvm_arch_put_reset_state(CPUState *cpu, Error **errp)
{
    const X86BootCPUState *boot = x86_boot_cpu_state_get();
    bool bsp = cpu->cpu_index == 0;
    struct kvm_sregs sregs = { 0 };
    struct kvm_regs regs = { 0 };
    struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
    struct kvm_vcpu_events events = { 0 };
    struct kvm_mp_state mp = {
        .mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    struct kvm_lapic_state lapic = cpu->accel->initial_lapic;
    int ret;

    if (bsp && boot) {
        boot_state(boot, &sregs, &regs);
    } else {
        reset_vector_state(&sregs, &regs);
    }
    sregs.ldt = (struct kvm_segment) { .limit = 0xffff, .type = 2,
                                       .present = 1 };
    sregs.tr = (struct kvm_segment) { .limit = 0xffff, .type = 0xb,
                                      .present = 1 };
    if (!(bsp && boot)) {
        sregs.gdt.limit = 0xffff;
    }
    sregs.idt.limit = 0xffff;
    sregs.apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_EN |
                      (bsp ? MSR_IA32_APICBASE_BSP : 0);
    *(uint32_t *)&lapic.regs[APIC_ID_OFFSET] = cpu->apic_id << 24;

    if ((ret = kvm_vcpu_ioctl(cpu, KVM_SET_SREGS, &sregs)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_REGS, &regs)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_FPU, &fpu)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_LAPIC, &lapic)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_VCPU_EVENTS, &events)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_MP_STATE, &mp)) < 0) {
        error_setg_errno(errp, -ret, "kvm: cannot reset vCPU %d",
                         cpu->cpu_index);
        return false;
    }
    return put_msrs(cpu, errp);
}

/* Reset handler: every vCPU puts its reset state before it runs again. */
void kvm_cpus_reset(void *opaque)
{
    for (unsigned i = 0; ; i++) {
        CPUState *cpu = qemu_get_cpu(i);

        if (!cpu) {
            break;
        }
        cpu->accel->reset_pending = true;
    }
}
