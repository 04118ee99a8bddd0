/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state the boot processor starts in when the VMM loads the guest
 * itself (direct Linux boot: there is no firmware to set it up).
 *
 * The loader (hw/i386, x86 boot protocol) fills it in; the accelerator
 * applies it to vCPU 0 before the first KVM_RUN and again on every
 * system reset.  Application processors start in wait-for-SIPI and are
 * not described here.
 *
 * Segments are flat (base 0, limit 4 GiB, present, DPL 0); the loader
 * has written the GDT and, for a 64-bit entry, the identity page tables
 * into guest RAM at the addresses given.
 */
#ifndef HW_I386_BOOT_CPU_STATE_H
#define HW_I386_BOOT_CPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct X86BootCPUState {
    bool long_mode;         /* 64-bit code segment, EFER.LME|LMA, paging */
    uint64_t rip;
    uint64_t rsi;           /* Linux: guest-physical address of boot_params */
    uint64_t rsp;
    uint64_t rflags;        /* bit 1 is always set by the accelerator */
    uint64_t cr0, cr3, cr4, efer;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint16_t code_selector; /* selectors into that GDT */
    uint16_t data_selector;
} X86BootCPUState;

/*
 * The loader that prepares the guest (direct Linux boot, or
 * -device loader with cpu-num=0) records the state here at realize
 * time; the accelerator reads it at every reset.  NULL means "start at
 * the reset vector".  The state is copied.
 */
void x86_boot_cpu_state_set(const X86BootCPUState *state);
const X86BootCPUState *x86_boot_cpu_state_get(void);

#endif
