/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI Express root ports and slot hotplug
 *
 * "pcie-root-port" is a bridge with a PCI Express capability (root port
 * type, with a hot-plug capable slot), MSI for its own events, and one
 * device slot (devfn 0) on its secondary bus.
 *
 * Hotplug is native PCIe, as Linux's pciehp drives it: plugging sets
 * Presence Detect State and, for a hot-plug, Presence Detect Changed +
 * Data Link Layer State Changed, leaving the slot's power to the guest;
 * device_del presses the attention button (Attention Button Pressed).
 * Every Slot Control write completes at once (Command Completed).  The
 * port interrupts (MSI vector 0 if enabled, else INTx A) while Slot
 * Control's Hot-Plug Interrupt Enable is set and an enabled event bit is
 * pending.  The functions go away when the guest turns the slot off
 * (power controller off and power indicator off), or, as in QEMU, at the
 * next system reset if the request is still pending (no guest driver).
 * Unplug is refused while the power indicator blinks.
 */
#ifndef HW_PCI_PCIE_PORT_H
#define HW_PCI_PCIE_PORT_H

#include "hw/pci/pci_bridge.h"
#include "hw/hotplug.h"

#define TYPE_PCIE_ROOT_PORT "pcie-root-port"
#define PCIE_ROOT_PORT(obj) OBJECT_CHECK(PCIERootPort, (obj), \
                                         TYPE_PCIE_ROOT_PORT)

typedef struct PCIERootPort {
    PCIBridge parent_obj;

    uint8_t port;           /* "port": PCIe port number */
    uint8_t chassis;        /* "chassis" */
    uint16_t slot;          /* "slot": physical slot number */
    bool hotplug;           /* "hotplug": slot is hot-plug capable */
    uint8_t exp_cap;
} PCIERootPort;

#endif
