/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ACPI tables of an x86 machine booted without firmware: RSDP,
 * XSDT, FADT (+ FACS), MADT, MCFG and a DSDT, laid out in one blob
 * that the loader copies to guest-physical @base.
 *
 * Blob layout: RSDP at offset 0 (so @base is where Linux's scan of
 * 0xe0000..0xfffff finds it), then FACS (64-byte aligned), DSDT, FADT,
 * MADT, MCFG, XSDT (8-byte aligned each).
 */
#ifndef HW_ACPI_ACPI_TABLES_H
#define HW_ACPI_ACPI_TABLES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define ACPI_OEM_ID         "QEMUVF"
#define ACPI_OEM_TABLE_ID   "QVFIOQ35"
#define ACPI_TABLE_HDR_LEN  36
#define ACPI_RSDP_LEN       36
#define ACPI_FADT_LEN       276     /* revision 6 */

/* What the tables describe. */
typedef struct AcpiMachineDesc {
    unsigned cpus;
    /*
     * The vCPUs' APIC IDs, @cpus of them in cpu_index order: what each
     * vCPU's LAPIC and CPUID report (the -smp topology packs them, so
     * they need not be 0..cpus-1).  An ID above 254 gets an x2APIC entry.
     */
    const uint32_t *apic_ids;
    uint64_t ecam_base;
    uint8_t ecam_last_bus;
    /* PCI windows of the root bus, [start, end); a zero end: none. */
    uint64_t mmio32_start, mmio32_end;
    uint64_t mmio64_start, mmio64_end;
    uint32_t ioapic_addr;
    uint8_t ioapic_id;
    /* INTx of pcie.0: slot S pin P reaches GSI pirq_gsi_base + (S+P)%n */
    unsigned pirq_gsi_base, n_pirqs;
    /* PCIe root ports on pcie.0 (devfn), described so pciehp binds. */
    const uint8_t *root_ports;
    unsigned n_root_ports;
    uint16_t pm_base;               /* the acpi-pm device's ports */
    uint8_t sci_gsi;
    bool has_serial;                /* COM1 at 0x3f8, IRQ 4 */
    bool has_rtc;                   /* CMOS RTC at 0x70, IRQ 8 */
} AcpiMachineDesc;

/* Offsets of the tables in a built blob. */
typedef struct AcpiLayout {
    size_t rsdp, facs, dsdt, fadt, madt, mcfg, xsdt;
} AcpiLayout;

/* The tables for @desc, as they must sit at guest-physical @base. */
GByteArray *acpi_build_tables(const AcpiMachineDesc *desc, uint64_t base,
                              AcpiLayout *layout);

/* The DSDT's AML body (no table header), for tests. */
GByteArray *acpi_build_dsdt_aml(const AcpiMachineDesc *desc);

/* Sum of @len bytes modulo 256 (0 for a valid table). */
uint8_t acpi_checksum(const uint8_t *data, size_t len);

#endif
