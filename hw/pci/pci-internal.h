/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI core internals shared by hw/pci files
 */
#ifndef HW_PCI_PCI_INTERNAL_H
#define HW_PCI_PCI_INTERNAL_H

#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"

static inline bool is_power_of_2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static inline bool ranges_overlap(uint64_t first1, uint64_t len1,
                                  uint64_t first2, uint64_t len2)
{
    return !(first1 + len1 <= first2 || first2 + len2 <= first1);
}

/* Initializes an embedded secondary bus (bridges). */
void pci_bus_init(PCIBus *bus, DeviceState *parent, const char *name,
                  MemoryRegion *mem, MemoryRegion *io, uint8_t devfn_min,
                  const char *typename);

/* Config offset of BAR region_num (ROM depends on the header type). */
uint32_t pci_bar_offset(PCIDevice *dev, int region_num);
void pci_unmap_all_bars(PCIDevice *dev);
/* Re-evaluates INTx after COMMAND.INTX_DISABLE may have changed. */
void pci_update_irq_disabled(PCIDevice *dev, bool was_disabled);
/* Gates the bus-master address space on COMMAND.MASTER. */
void pci_update_bus_master(PCIDevice *dev);
/* Remaps a bridge's forwarding windows from its config registers. */
void pci_bridge_update_windows(PCIBridge *br);

/* The core part of a function reset (run by the bus after the models'). */
void pci_do_device_reset(PCIDevice *dev);

#endif
