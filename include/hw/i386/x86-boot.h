/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct Linux boot (x86 boot protocol, bzImage), no firmware
 *
 * x86_boot_image_open() reads and checks -kernel/-initrd once at start-up
 * (bad files fail there, with one line naming the file).
 * x86_boot_image_place() writes everything into guest RAM and fills the
 * boot processor's start state; call it before the first vCPU runs and
 * again on every system reset (the guest may have overwritten it all).
 *
 * Guest-physical layout it writes (all below 1 MiB but the kernel and
 * the initrd):
 *   0x01000  GDT: 0x10 = flat code (__BOOT_CS), 0x18 = flat data
 *   0x05ff0  initial stack pointer (grows down)
 *   0x07000  boot_params ("zero page"), RSI at entry
 *   0x09000  PML4, 0x0a000 PDPT, 0x0b000..0x0efff four page directories:
 *            the first 4 GiB identity-mapped with 2 MiB pages
 *   0x20000  kernel command line (NUL-terminated)
 *   0xe0000  ACPI tables, RSDP first (caller-provided blob)
 *   0x100000 the protected-mode kernel (everything after the setup sectors)
 *   top      the initrd, page aligned, as high as RAM below 4 GiB and the
 *            kernel's initrd_addr_max allow
 * Entry: 64-bit (RIP = 0x100200, long mode, paging with the tables
 * above) when the kernel announces XLF_KERNEL_64 (boot protocol 2.12+),
 * else the 32-bit protected-mode entry (RIP = 0x100000, flat segments,
 * paging off).  The accelerator zeroes the other general registers
 * (the protocol wants EBX, EBP, EDI zero for the 32-bit entry).
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include "qapi/error.h"
#include "hw/i386/boot-cpu-state.h"
#include "system/memory.h"

#define X86_BOOT_GDT_ADDR          0x1000
#define X86_BOOT_STACK_TOP         0x5ff0
#define X86_BOOT_PARAMS_ADDR       0x7000
#define X86_BOOT_PML4_ADDR         0x9000
#define X86_BOOT_CMDLINE_ADDR      0x20000
#define X86_BOOT_CMDLINE_MAX       0x10000   /* bytes, NUL included */
#define X86_BOOT_EBDA_ADDR         0x9fc00
#define X86_BOOT_ACPI_ADDR         0xe0000
#define X86_BOOT_ACPI_MAX          0x20000   /* up to 1 MiB */
#define X86_BOOT_KERNEL_ADDR       0x100000
#define X86_BOOT_CODE_SELECTOR     0x10
#define X86_BOOT_DATA_SELECTOR     0x18

/* Oldest boot protocol we load: cmdline_size and initrd_addr_max exist. */
#define X86_BOOT_MIN_PROTOCOL      0x206

#define E820_RAM        1
#define E820_RESERVED   2
#define E820_ACPI       3

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} QEMU_PACKED E820Entry;

/* What the machine tells the loader about itself. */
typedef struct X86BootMachine {
    uint64_t ram_below_4g;      /* RAM at [0, ram_below_4g) */
    uint64_t ram_above_4g;      /* RAM at [4 GiB, 4 GiB + ram_above_4g) */
    uint64_t ecam_base;         /* reserved in the e820 map; 0: none */
    uint64_t ecam_size;
} X86BootMachine;

typedef struct X86BootImage X86BootImage;

/*
 * Reads and checks the kernel (and the initrd, if not NULL).  Errors, one
 * line each: "could not open kernel file 'F': REASON",
 * "kernel 'F' is not a bzImage: REASON", "kernel 'F': boot protocol
 * X.YY is too old, 2.06 or later is needed", "could not open initrd
 * file 'F': REASON".  @cmdline may be NULL (empty).
 */
X86BootImage *x86_boot_image_open(const char *kernel, const char *initrd,
                                  const char *cmdline, Error **errp);
void x86_boot_image_free(X86BootImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X86BootImage, x86_boot_image_free)

/* True if the image will be entered in 64-bit mode. */
bool x86_boot_image_is_64bit(const X86BootImage *img);

/*
 * Checks that the image fits @machine without writing anything (what
 * x86_boot_image_place checks first).  Errors: "kernel 'F' needs N MiB
 * of RAM below 4 GiB to decompress, the machine has M MiB", "initrd 'F'
 * is too large: N bytes, at most M fit below the kernel's initrd
 * limit", "kernel command line is too long: N bytes, the kernel takes
 * at most M".
 */
bool x86_boot_image_check(const X86BootImage *img,
                          const X86BootMachine *machine, Error **errp);

/*
 * Writes the image, boot_params, page tables, GDT, command line, and
 * @acpi (laid out for X86_BOOT_ACPI_ADDR, RSDP first; may be NULL) into
 * @as, and fills @cpu.  Errors: those of x86_boot_image_check.
 */
bool x86_boot_image_place(X86BootImage *img, AddressSpace *as,
                          const X86BootMachine *machine,
                          const GByteArray *acpi, X86BootCPUState *cpu,
                          Error **errp);

/*
 * The e820 map for @machine (what x86_boot_image_place writes into
 * boot_params), at most @max entries; returns the count.
 */
unsigned x86_boot_e820_build(const X86BootMachine *machine,
                             E820Entry *entries, unsigned max);

#endif
