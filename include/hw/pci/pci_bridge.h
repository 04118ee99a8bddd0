/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI-to-PCI bridges (header type 1)
 *
 * A bridge owns a secondary bus whose devices map their BARs into the
 * bridge's own memory and I/O containers; the bridge shows those
 * containers in its parent bus through three windows (I/O, memory,
 * prefetchable memory) programmed by the guest in its base/limit
 * registers.  Config cycles for bus numbers in [secondary, subordinate]
 * are forwarded below.  Setting the secondary bus reset bit (bridge
 * control, PCI_BRIDGE_CTL_BUS_RESET) resets every device below.
 *
 * The secondary bus is named after the bridge's id when it has one
 * (bus=rp1 then plugs into the bridge with id rp1).
 */
#ifndef HW_PCI_PCI_BRIDGE_H
#define HW_PCI_PCI_BRIDGE_H

#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"

#define TYPE_PCI_BRIDGE "base-pci-bridge"
#define PCI_BRIDGE(obj) OBJECT_CHECK(PCIBridge, (obj), TYPE_PCI_BRIDGE)

struct PCIBridge {
    PCIDevice parent_obj;

    PCIBus sec_bus;
    MemoryRegion address_space_mem;     /* what the secondary bus sees */
    MemoryRegion address_space_io;
    /* Windows into the above, mapped in the parent bus's spaces. */
    MemoryRegion alias_mem;
    MemoryRegion alias_pref_mem;
    MemoryRegion alias_io;
    bool windows_mapped;
    const char *bus_type;               /* secondary: TYPE_PCI(E)_BUS */
};

/*
 * Realize helper for bridge models: config header type 1, writable
 * window/bus-number registers, the secondary bus of bus_type (INTx
 * swizzled by slot).  Models call it first in their realize.
 */
void pci_bridge_initfn(PCIDevice *dev, const char *bus_type, Error **errp);
void pci_bridge_exitfn(PCIDevice *dev);
/* Models' config_write must call this (it updates windows and reset). */
void pci_bridge_write_config(PCIDevice *dev, uint32_t address, uint32_t val,
                             int len);
/* Device reset of the bridge's own registers (not the secondary bus). */
void pci_bridge_reset(DeviceState *dev);

PCIBus *pci_bridge_get_sec_bus(PCIBridge *br);
/* Window base/limit for type (PCI_BASE_ADDRESS_SPACE_IO, MEMORY or
 * MEMORY | MEM_PREFETCH) as programmed; base > limit means closed. */
pcibus_t pci_bridge_get_base(const PCIDevice *bridge, uint8_t type);
pcibus_t pci_bridge_get_limit(const PCIDevice *bridge, uint8_t type);

/* The generic bridge types. */
#define TYPE_PCIE_PCI_BRIDGE "pcie-pci-bridge"

#endif
