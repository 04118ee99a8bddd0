/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest time under KVM: what the VMM adds to the clocks KVM keeps.
 *
 * The guest's own clocks are in the kernel: the TSC, kvmclock (a page
 * per vCPU that KVM keeps current once the guest enables it through
 * MSR_KVM_SYSTEM_TIME_NEW, advertised by CPUID 0x40000001), the PIT and
 * the LAPIC timers.  Two things are the VMM's:
 *
 * - the TSC frequency, which KVM knows (KVM_GET_TSC_KHZ) and the guest
 *   would otherwise have to measure against the PIT or the PM timer, both
 *   expensive to read under nested virtualisation: it goes into CPUID
 *   0x40000010 (kvm-cpuid.c);
 * - kvmclock across a pause: like the virtual clock, guest time stands
 *   still while the VM is stopped.  KVM_GET_CLOCK when it stops and
 *   KVM_SET_CLOCK with that value when it runs again; otherwise a guest
 *   would find its clock jumped by the length of the pause.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "kvm-internal.h"

uint32_t kvm_vcpu_tsc_khz(CPUState *cpu)
{
    int ret;

    if (kvm_check_extension(kvm_state, KVM_CAP_GET_TSC_KHZ) <= 0) {
        return 0;
    }
    ret = kvm_vcpu_ioctl(cpu, KVM_GET_TSC_KHZ, NULL);
    return ret > 0 ? ret : 0;
}

bool kvm_vcpu_set_tsc_khz(CPUState *cpu, uint32_t khz, Error **errp)
{
    uint32_t host_khz;
    int ret;

    if (!khz) {
        return true;
    }
    /* Before the attempt: a failed one leaves the asked rate behind. */
    host_khz = kvm_vcpu_tsc_khz(cpu);
    ret = kvm_vcpu_ioctl(cpu, KVM_SET_TSC_KHZ, (void *)(uintptr_t)khz);
    if (ret < 0) {
        /*
         * Without TSC scaling KVM takes only rates at or near the host's
         * (a faster one by catching up); say which case this is.
         */
        error_setg(errp, "kvm: tsc-frequency: KVM_SET_TSC_KHZ to %" PRIu32
                   " kHz on vCPU %d failed: %s (host TSC %u kHz, TSC "
                   "scaling %s)", khz, cpu->cpu_index, strerror(-ret), host_khz,
                   kvm_check_extension(kvm_state, KVM_CAP_TSC_CONTROL) > 0 ?
                   "available" : "unavailable");
        return false;
    }
    return true;
}

/* VM run-state change, vCPUs not running (see vm_start() and vm_stop()). */
void kvm_clock_vm_state_changed(KVMState *s, bool running)
{
    struct kvm_clock_data data = { 0 };
    int ret;

    if (!running && !s->clock_held) {
        ret = kvm_vm_ioctl(s, KVM_GET_CLOCK, &data);
        if (ret < 0) {
            warn_report("kvm: KVM_GET_CLOCK failed: %s; guest time will "
                        "jump by the length of the pause", strerror(-ret));
            return;
        }
        s->clock_ns = data.clock;
        s->clock_held = true;
    } else if (running && s->clock_held) {
        data.clock = s->clock_ns;
        s->clock_held = false;
        ret = kvm_vm_ioctl(s, KVM_SET_CLOCK, &data);
        if (ret < 0) {
            warn_report("kvm: KVM_SET_CLOCK failed: %s; guest time jumps by "
                        "the length of the pause", strerror(-ret));
        }
    }
}
