/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator: what the rest of the tree may ask of it.
 *
 * kvm_init() opens /dev/kvm, creates the VM with the in-kernel irqchip
 * (PIC, IOAPIC, LAPICs) and PIT, and mirrors system memory into KVM
 * memslots; kvm_init_vcpus() creates the -smp vCPUs and their threads.
 * Interrupts from emulated devices and from VFIO go through the GSI
 * routing table below.  Every function wants the BQL unless it says
 * otherwise.  docs/devel/accel.rst has the threads and the data flows.
 */
#ifndef SYSTEM_KVM_H
#define SYSTEM_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include "qapi/error.h"

/* True once kvm_init() succeeded (-accel kvm). */
extern bool kvm_allowed;
static inline bool kvm_enabled(void)
{
    return kvm_allowed;
}
/* The in-kernel irqchip exists (always, with KVM). */
bool kvm_irqchip_in_kernel(void);

/* Opens /dev/kvm and creates the VM; "Could not access KVM ..." etc. */
bool kvm_init(Error **errp);
/*
 * Checks -smp against what KVM allows: "Number of SMP cpus requested
 * (N) exceeds the maximum cpus supported by KVM (M)".
 */
bool kvm_check_smp(unsigned cpus, unsigned max_cpus, Error **errp);
/*
 * Creates the vCPUs of -cpu @model_name and starts their threads; with
 * @tsc_khz non-zero, each vCPU's TSC runs at that frequency
 * (KVM_SET_TSC_KHZ, -cpu ...,tsc-frequency=).
 */
bool kvm_init_vcpus(const char *model_name, uint32_t tsc_khz, Error **errp);

/* ---- Interrupts ----------------------------------------------------- */

/* Drives GSI @gsi (0..23: PIC for 0..15 and IOAPIC) to @level. */
void kvm_set_irq(int gsi, int level);
/* Delivers one MSI at once (KVM_SIGNAL_MSI): emulated devices' MSIs. */
bool kvm_send_msi(uint64_t address, uint32_t data, uint16_t requester_id,
                  Error **errp);

/*
 * MSI routes: a "virq" is a GSI above the IOAPIC's whose route is an
 * MSI message.  Changes are batched until kvm_irqchip_commit_routes().
 * kvm_irqchip_add_msi_route() returns the virq or -1 with @errp set.
 */
int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data,
                              Error **errp);
bool kvm_irqchip_update_msi_route(int virq, uint64_t address, uint32_t data,
                                  Error **errp);
void kvm_irqchip_release_virq(int virq);
bool kvm_irqchip_commit_routes(Error **errp);

/*
 * irqfds: a write to eventfd @fd injects @gsi inside the kernel, with
 * no exit and no thread of ours (this is how VFIO's MSI/MSI-X vectors
 * reach the guest).  With @resample_fd >= 0 the GSI is level-triggered
 * (INTx): KVM signals @resample_fd when the guest EOIs it, and the VFIO
 * driver then unmasks the line.
 */
bool kvm_irqchip_add_irqfd(int fd, int resample_fd, int gsi, Error **errp);
bool kvm_irqchip_remove_irqfd(int fd, int gsi, Error **errp);

/*
 * One MSI/MSI-X vector delivered by KVM from eventfd @fd: a route for
 * the message, committed, and the irqfd on it.  Returns the virq (for
 * update/remove) or -1 with @errp set and nothing left behind.  A
 * vector the guest masks should be removed, so that its eventfd is read
 * in userspace again and the pending bit can be set; unmasking adds it
 * back.
 */
int kvm_irqchip_add_msi_irqfd(int fd, uint64_t address, uint32_t data,
                              Error **errp);
bool kvm_irqchip_update_msi_irqfd(int virq, uint64_t address, uint32_t data,
                                  Error **errp);
void kvm_irqchip_remove_msi_irqfd(int fd, int virq);

#endif
