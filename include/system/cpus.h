/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vCPUs of the machine and how they are paused and resumed.
 *
 * An accelerator registers its AccelOpsClass-like hooks and creates one
 * thread per vCPU.  The main thread (BQL held) pauses every vCPU before
 * a reset or a stop and resumes them for "running"; a vCPU thread parks
 * in qemu_wait_io_event() while it may not run.  Without an accelerator
 * (qtest) there are no vCPUs and all of this does nothing.
 */
#ifndef SYSTEM_CPUS_H
#define SYSTEM_CPUS_H

#include <stdbool.h>
#include "hw/core/cpu.h"

typedef struct AccelOps {
    /* Makes @cpu's thread leave guest mode soon (any thread, BQL held). */
    void (*kick)(CPUState *cpu);
} AccelOps;

void cpus_register_accel(const AccelOps *ops);

/* Adds @cpu to the list (in cpu_index order); the list owns a reference. */
void cpu_list_add(CPUState *cpu);
unsigned cpu_count(void);
CPUState *qemu_get_cpu(unsigned index);

/*
 * pause_all_vcpus(): from the main thread with the BQL; returns once every
 * vCPU thread is parked.  resume_all_vcpus() lets them run again.
 */
void pause_all_vcpus(void);
void resume_all_vcpus(void);
bool all_vcpus_paused(void);

/* On a vCPU thread: may it enter the guest now? */
bool cpu_can_run(CPUState *cpu);
/* On a vCPU thread, BQL held: parks while the vCPU may not run. */
void qemu_wait_io_event(CPUState *cpu);
/* A vCPU thread is up: wakes whoever waits in cpus_wait_created(). */
void cpu_thread_signal_created(CPUState *cpu);
void cpus_wait_created(CPUState *cpu);

#endif
