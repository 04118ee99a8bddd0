/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI (message signalled interrupts, capability 0x05)
 *
 * msi_init() adds the capability; pci_default_write_config() keeps the
 * enable bit, message and per-vector mask in sync.  msi_notify() writes
 * the message data to the message address through the device's
 * bus-master address space, unless the vector is masked (then its pending
 * bit is set and the message is sent when it is unmasked).
 */
#ifndef HW_PCI_MSI_H
#define HW_PCI_MSI_H

#include "hw/pci/pci.h"

/*
 * nr_vectors: 1, 2, 4, 8, 16 or 32.  offset 0: anywhere.  Returns the
 * capability offset, or negative with *errp set.
 */
int msi_init(PCIDevice *dev, uint8_t offset, unsigned int nr_vectors,
             bool msi64bit, bool msi_per_vector_mask, Error **errp);
void msi_uninit(PCIDevice *dev);
void msi_reset(PCIDevice *dev);
bool msi_present(const PCIDevice *dev);
bool msi_enabled(const PCIDevice *dev);
/* Vectors the guest enabled (multiple message enable), 0 if disabled. */
unsigned int msi_nr_vectors_allocated(const PCIDevice *dev);
bool msi_is_masked(const PCIDevice *dev, unsigned int vector);
/* The message vector would send now. */
MSIMessage msi_get_message(PCIDevice *dev, unsigned int vector);
/* Sends vector (ignored when MSI is disabled or vector out of range). */
void msi_notify(PCIDevice *dev, unsigned int vector);
/* Writes msg.data to msg.address from dev (bus-master gated). */
void msi_send_message(PCIDevice *dev, MSIMessage msg);
/* Called by pci_default_write_config for writes into the capability. */
void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len);

#endif
