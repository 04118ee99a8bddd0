/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI Express capability and extended capabilities
 */
#ifndef HW_PCI_PCIE_H
#define HW_PCI_PCIE_H

#include "hw/pci/pci.h"

/* Size of the version 2 PCI Express capability structure. */
#define PCI_EXP_VER2_SIZEOF         0x3c
#define PCI_EXT_CAP(id, ver, next)  ((id) | ((ver) << 16) | ((next) << 20))

/*
 * Adds the PCI Express capability (version 2) of device/port type
 * (PCI_EXP_TYPE_*) at offset (0: anywhere) with port number port.
 * Returns the offset or negative with *errp set.
 */
int pcie_cap_init(PCIDevice *dev, uint8_t offset, uint8_t type, uint8_t port,
                  Error **errp);
void pcie_cap_exit(PCIDevice *dev);
uint8_t pcie_cap_get_type(const PCIDevice *dev);

/*
 * Extended capabilities (offset >= 0x100 in 4 KiB config space).
 * pcie_add_capability links cap at offset (which must be free and
 * 4-byte aligned) into the list starting at 0x100.
 */
void pcie_add_capability(PCIDevice *dev, uint16_t cap_id, uint8_t cap_ver,
                         uint16_t offset, uint16_t size);
/* Offset of extended capability cap_id, 0 if absent. */
uint16_t pcie_find_capability(PCIDevice *dev, uint16_t cap_id);

#endif
