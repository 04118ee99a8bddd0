/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to accel/kvm: the VM's state and each vCPU's.
 */
#ifndef ACCEL_KVM_INTERNAL_H
#define ACCEL_KVM_INTERNAL_H

#include <linux/kvm.h>
#include "hw/core/cpu.h"
#include "system/memory.h"

typedef struct KVMSlot {
    uint64_t start_addr;        /* guest-physical */
    uint64_t size;              /* 0: free */
    void *host;
    uint32_t flags;
    int slot;
} KVMSlot;

typedef struct KVMState {
    int fd;                     /* /dev/kvm */
    int vmfd;
    int vcpu_mmap_size;
    int nr_slots;
    KVMSlot *slots;
    MemoryListener memory_listener;
    int soft_vcpus_limit, hard_vcpus_limit;
    /* GSI routing (kvm-irq.c) */
    struct kvm_irq_routing *irq_routes;
    unsigned nr_allocated_irq_routes;
    bool *used_gsi;              /* [gsi_count] */
    unsigned gsi_count;
    bool routes_dirty;
    bool has_signal_msi;
    struct kvm_cpuid2 *supported_cpuid;
    /* kvmclock while the VM is stopped (kvm-clock.c) */
    bool clock_held;
    uint64_t clock_ns;
    /* -cpu ...,tsc-frequency= in kHz; 0: the host's (kvm-clock.c) */
    uint32_t wanted_tsc_khz;
} KVMState;

extern KVMState *kvm_state;

struct AccelCPUState {
    int fd;
    struct kvm_run *run;
    bool reset_pending;         /* put the reset state before KVM_RUN */
    struct kvm_lapic_state initial_lapic;
    uint32_t tsc_khz;           /* KVM_GET_TSC_KHZ; 0 if unknown */
};

/* ioctl on /dev/kvm, the VM or a vCPU; -errno on failure. */
int kvm_ioctl(KVMState *s, unsigned long type, void *arg);
int kvm_vm_ioctl(KVMState *s, unsigned long type, void *arg);
int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg);
int kvm_check_extension(KVMState *s, unsigned int extension);

/* kvm-irq.c */
bool kvm_irqchip_create(KVMState *s, Error **errp);
/* Reset handler: the PICs, IOAPIC and PIT back to their created state. */
void kvm_irqchip_reset(void *opaque);

/* kvm-cpuid.c: the CPUID table of @cpu for its model. */
bool kvm_cpuid_init(KVMState *s, Error **errp);
struct kvm_cpuid2 *kvm_cpuid_for_cpu(KVMState *s, CPUState *cpu);

/* kvm-x86.c: register state at creation and at reset. */
bool kvm_arch_init_vcpu(CPUState *cpu, Error **errp);
bool kvm_arch_put_reset_state(CPUState *cpu, Error **errp);
/* Reset handler: marks every vCPU to put its reset state. */
void kvm_cpus_reset(void *opaque);

/* kvm-clock.c: the vCPU's TSC frequency (0 if KVM cannot tell). */
uint32_t kvm_vcpu_tsc_khz(CPUState *cpu);
/* KVM_SET_TSC_KHZ to @khz (nothing for 0); "kvm: tsc-frequency: ..." */
bool kvm_vcpu_set_tsc_khz(CPUState *cpu, uint32_t khz, Error **errp);
/* Holds kvmclock still while the VM is stopped. */
void kvm_clock_vm_state_changed(KVMState *s, bool running);

/* kvm-cpus.c */
void kvm_cpus_register(void);

#endif
