/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 machine: memory map, host bridge, interrupt lines, MSI doorbell
 *
 * Memory map (no firmware, no CPU: qtest plays the guest):
 *   0x0000_0000 .. below_4g         RAM (below_4g = min(ram, 0xB000_0000))
 *   0xB000_0000 .. 0xBFFF_FFFF      ECAM (MMCONFIG), buses 0..255
 *   0xC000_0000 .. 0xFEBF_FFFF      32-bit PCI MMIO window
 *   0xFEE0_0000 .. 0xFEEF_FFFF      MSI doorbell (records every write)
 *   0x1_0000_0000 ..                RAM above 4G, then the 64-bit window
 * PCI memory not claimed by RAM, ECAM or the doorbell is the root bus's
 * (a BAR programmed over RAM is hidden by it, as on real chipsets).
 * I/O ports: 0xCF8 (address) / 0xCFC (data) configuration mechanism #1;
 * the rest of the 64 KiB port space is the root bus's.
 *
 * INTx: a function's pin on pcie.0 slot S reaches PIRQ (S + pin) % 8
 * (pin 0 = INTA); PIRQ n drives GSI 16 + n of the interrupt controller
 * at /machine/ioapic (24 gpio-in lines; qtest's irq_intercept_in can
 * watch them; the "levels" property reads them as a bitmap).  Functions
 * behind bridges are swizzled onto the bridge's pin first.
 *
 * I/O port 0xCF9 (a byte inside the CF8 dword) is ICH9's reset control
 * register: writing bit 2 (RST_CPU) requests a guest reset.
 *
 * MSI: writes of 4 bytes to the doorbell are logged as (address, data,
 * requester id); QMP x-query-msi-log returns the log (optionally
 * clearing it); reads of the doorbell return the last data written to
 * that dword.
 */
#ifndef HW_I386_Q35_H
#define HW_I386_Q35_H

#include "hw/boards.h"
#include "hw/pci/pci_host.h"

#define TYPE_Q35_MACHINE MACHINE_TYPE_NAME("q35")
/* QEMU's name for the abstract parent of its PC machines. */
#define TYPE_PC_MACHINE "generic-pc-machine"
#define TYPE_Q35_HOST_DEVICE "q35-pcihost"
#define TYPE_MCH_PCI_DEVICE "mch"
#define TYPE_IOAPIC "ioapic"
#define TYPE_MSI_DOORBELL "msi-doorbell"

#define Q35_PCI_HOLE_START      0xB0000000ULL
#define Q35_ECAM_BASE           0xB0000000ULL
#define Q35_ECAM_SIZE           0x10000000ULL
#define Q35_PCI_MMIO32_START    0xC0000000ULL
#define Q35_PCI_MMIO32_END      0xFEC00000ULL     /* exclusive */
#define Q35_MSI_DOORBELL_BASE   0xFEE00000ULL
#define Q35_MSI_DOORBELL_SIZE   0x100000ULL
#define Q35_ABOVE_4G_BASE       0x100000000ULL
#define Q35_PCI_MMIO64_SIZE     (32ULL << 30)

#define IOAPIC_NUM_PINS         24
#define Q35_NUM_PIRQS           8
#define Q35_PIRQ_GSI_BASE       16

/* One MSI write seen at the doorbell. */
typedef struct MSILogEntry {
    uint64_t address;
    uint32_t data;
    uint16_t requester_id;
} MSILogEntry;

/*
 * The doorbell's log, oldest first: a GArray of MSILogEntry owned by the
 * doorbell (NULL without a q35 machine).  msi_log_clear() empties it.
 */
GArray *msi_log_get(void);
void msi_log_clear(void);

/* Level of ioapic pin n (0..23), as last driven; 0 without a machine. */
int ioapic_get_level(int n);

/* The 64-bit PCI window [start, end) of the running q35 machine. */
uint64_t q35_pci_hole64_start(void);
uint64_t q35_pci_hole64_end(void);

#endif
