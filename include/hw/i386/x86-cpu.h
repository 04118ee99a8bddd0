/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 CPU models (-cpu) and the -smp topology they are laid out in.
 *
 * Models are QOM types named "MODEL-x86_64-cpu".  "host" passes through
 * every feature KVM supports; "max" is the same under KVM; "qemu64" is a
 * baseline (QEMU's: SSE2, SSE3, CX16, LM, NX, SYSCALL, LAHF) masked by
 * what KVM supports, with a warning naming each missing feature.
 * APIC IDs are packed as on real parts: thread, core, module, die and
 * socket fields, each as wide as its count needs.
 */
#ifndef HW_I386_X86_CPU_H
#define HW_I386_X86_CPU_H

#include "hw/core/cpu.h"

typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    bool passthrough;           /* every supported feature (host, max) */
} X86CPUModel;

/* The model called @name, or NULL. */
const X86CPUModel *x86_cpu_model_find(const char *name);
/* "Available CPUs:\n  host  ...\n" for -cpu help (caller frees). */
char *x86_cpu_list(void);

typedef struct CpuTopology {
    unsigned cpus, sockets, dies, modules, cores, threads, max_cpus;
} CpuTopology;

/* The topology from -smp (all ones without it). */
extern CpuTopology cpu_topology;

/* Fills @cpu's topology ids and APIC ID from its cpu_index. */
void x86_cpu_set_topology_ids(CPUState *cpu, const CpuTopology *topo);
/*
 * The APIC ID of the vCPU with index @cpu_index: thread, core, module,
 * die and socket ids packed in fields of x86_topo_width() bits, as
 * CPUID leaf 0xb reports them (KVM_CREATE_VCPU takes it as the vCPU id).
 */
uint32_t x86_topo_apic_id(const CpuTopology *topo, unsigned cpu_index);
/* Width in bits of a topology field that holds @count values. */
unsigned x86_topo_width(unsigned count);

/*
 * Creates and realizes the -smp vCPUs of @model (under
 * /machine/unattached) and adds them to the CPU list.
 */
bool x86_cpus_create(const X86CPUModel *model, Error **errp);
const X86CPUModel *x86_cpu_current_model(void);

#endif
