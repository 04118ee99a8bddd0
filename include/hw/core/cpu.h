/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtual CPU as the machine and the accelerator see it.
 *
 * Each CPUState is a device (realized under /machine/unattached, as in
 * QEMU) with its place in the -smp topology and its APIC ID.  An
 * accelerator that runs guest code gives each one a thread; the fields
 * below the "run control" line are touched only with the BQL held.
 */
#ifndef HW_CORE_CPU_H
#define HW_CORE_CPU_H

#include <pthread.h>
#include "hw/qdev-core.h"

#define TYPE_X86_CPU "x86_64-cpu"
#define X86_CPU_TYPE_SUFFIX "-" TYPE_X86_CPU

typedef struct AccelCPUState AccelCPUState;

typedef struct CPUState {
    DeviceState parent_obj;

    int cpu_index;
    uint32_t apic_id;
    /* Place in the topology (QEMU's query-cpus-fast "props"). */
    unsigned socket_id, die_id, module_id, core_id, thread_id;

    /* ---- run control (BQL) ---- */
    pthread_t thread;
    int host_tid;               /* "thread-id" in query-cpus-fast */
    bool created;
    bool stop;                  /* asked to stop */
    bool stopped;               /* parked in qemu_wait_io_event() */
    pthread_cond_t halt_cond;   /* wakes the thread out of its park */
    AccelCPUState *accel;
} CPUState;

#define CPU(obj) OBJECT_CHECK(CPUState, (obj), TYPE_X86_CPU)

#endif
