/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a loader leaves the boot processor's start state for the
 * accelerator (include/hw/i386/boot-cpu-state.h).
 */
#include "qemu/osdep.h"
#include "hw/i386/boot-cpu-state.h"

static X86BootCPUState boot_state;
static bool boot_state_set;

void x86_boot_cpu_state_set(const X86BootCPUState *state)
{
    boot_state = *state;
    boot_state_set = true;
}

const X86BootCPUState *x86_boot_cpu_state_get(void)
{
    return boot_state_set ? &boot_state : NULL;
}
