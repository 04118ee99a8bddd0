/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI host bridges
 *
 * A host bridge is a system-bus device owning a root bus.  It decodes the
 * 0xCF8 (address) / 0xCFC..0xCFF (data) configuration mechanism #1 and
 * passes accesses to pci_config_read/pci_config_write.  Bit 31 of the
 * address register enables the cycle; otherwise data reads all ones.
 */
#ifndef HW_PCI_PCI_HOST_H
#define HW_PCI_PCI_HOST_H

#include "hw/sysbus.h"
#include "hw/pci/pci.h"

#define TYPE_PCI_HOST_BRIDGE "pci-host-bridge"
#define PCI_HOST_BRIDGE(obj) \
    OBJECT_CHECK(PCIHostState, (obj), TYPE_PCI_HOST_BRIDGE)

typedef struct PCIHostState {
    SysBusDevice parent_obj;

    MemoryRegion conf_mem;      /* 0xCF8, 4 bytes */
    MemoryRegion data_mem;      /* 0xCFC, 4 bytes */
    uint32_t config_reg;
    PCIBus *bus;
} PCIHostState;

/* Sets up conf_mem/data_mem (the caller maps them in its I/O space). */
void pci_host_init_conf_regions(PCIHostState *s);

/* The root bus of the first PCI host bridge of the machine, or NULL. */
PCIBus *pci_host_get_root_bus(void);

#endif
