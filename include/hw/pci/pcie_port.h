/*
 * PCI Express root ports and slot hotplug
 *
 * "pcie-root-port" is a bridge with a PCI Express capability (root port
 * type, with a hot-plug capable slot), MSI for its own events, and one
 * device slot (devfn 0) on its secondary bus.
 *
 * Hotplug is native PCIe: plugging sets Presence Detect and notifies the
 * guest (Presence Detect Changed); device_del presses the attention
 * button and the device goes away when the guest turns the slot's power
 * off (Slot Control: power controller off).  When the guest has not
 * enabled hot-plug interrupts (no pciehp driver), removal is immediate.
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
