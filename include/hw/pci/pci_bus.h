/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCIBus internals, for PCI core, bridges and host bridges only
 */
#ifndef HW_PCI_PCI_BUS_H
#define HW_PCI_PCI_BUS_H

#include "hw/pci/pci.h"

struct PCIBus {
    BusState qbus;

    PCIDevice *devices[PCI_DEVFN_MAX];
    uint8_t devfn_min;
    bool is_root;
    PCIDevice *parent_dev;      /* bridge providing the bus; NULL: root */

    MemoryRegion *address_space_mem;
    MemoryRegion *address_space_io;

    /* INTx: map_irq swizzles into the parent; a root bus drives set_irq. */
    pci_map_irq_fn map_irq;
    pci_set_irq_fn set_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count;             /* asserted pins per root-bus line */
    int intx_gsi_base;          /* root bus: GSI of line 0, -1 if unknown */

    const PCIIOMMUOps *iommu_ops;
    void *iommu_opaque;

    GList *child_buses;         /* PCIBus * of bridges on this bus */
};

#endif
