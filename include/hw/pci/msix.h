/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X (capability 0x11)
 *
 * The vector table and the pending bit array live in BARs the model owns:
 * msix_init() maps them as subregions of table_bar/pba_bar (which the
 * model registers with pci_register_bar(), usually together with other
 * registers) and adds the capability.  msix_init_exclusive_bar() creates
 * a dedicated BAR holding both.
 *
 * A vector fires (msix_notify) only when MSI-X is enabled, the function
 * is not masked and the vector's mask bit is clear; otherwise its pending
 * bit is set and the message goes out when it becomes unmasked.
 * msix_vector_use()/msix_vector_unuse() only count users (unuse to zero
 * drops the vector's pending bit); they do not gate delivery.
 */
#ifndef HW_PCI_MSIX_H
#define HW_PCI_MSIX_H

#include "hw/pci/pci.h"

/* PCI_MSIX_ENTRY_* offsets come from <linux/pci_regs.h>. */

/*
 * nentries: 1..2048.  The table (nentries * 16 bytes) at table_offset of
 * table_bar and the PBA at pba_offset of pba_bar must fit in their BARs,
 * not overlap, and be 8-byte aligned.  cap_pos 0: anywhere.  Returns 0 or
 * negative with *errp set ("MSI-X table at offset 0x... of BAR n does not
 * fit", ...).
 */
int msix_init(PCIDevice *dev, unsigned short nentries,
              MemoryRegion *table_bar, uint8_t table_bar_nr,
              unsigned table_offset, MemoryRegion *pba_bar,
              uint8_t pba_bar_nr, unsigned pba_offset, uint8_t cap_pos,
              Error **errp);
int msix_init_exclusive_bar(PCIDevice *dev, unsigned short nentries,
                            uint8_t bar_nr, Error **errp);
void msix_uninit(PCIDevice *dev, MemoryRegion *table_bar,
                 MemoryRegion *pba_bar);
void msix_uninit_exclusive_bar(PCIDevice *dev);
void msix_reset(PCIDevice *dev);

bool msix_present(PCIDevice *dev);
bool msix_enabled(PCIDevice *dev);
bool msix_function_masked(PCIDevice *dev);
unsigned int msix_nr_vectors_allocated(const PCIDevice *dev);
/* Vector's own mask bit, or the function mask. */
bool msix_is_masked(PCIDevice *dev, unsigned int vector);
bool msix_is_pending(PCIDevice *dev, unsigned int vector);
void msix_set_pending(PCIDevice *dev, unsigned int vector);
void msix_clr_pending(PCIDevice *dev, unsigned int vector);
MSIMessage msix_get_message(PCIDevice *dev, unsigned int vector);

/* Reference counting of vectors the model uses. */
void msix_vector_use(PCIDevice *dev, unsigned vector);
void msix_vector_unuse(PCIDevice *dev, unsigned vector);
void msix_unuse_all_vectors(PCIDevice *dev);

void msix_notify(PCIDevice *dev, unsigned vector);

/* Called by pci_default_write_config for the capability's control word. */
void msix_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len);

/*
 * Installs the notifiers (see pci_device.h) and calls use_notifier for
 * every vector already usable; on failure the ones done are released and
 * the negative error returned.
 */
int msix_set_vector_notifiers(PCIDevice *dev,
                              MSIVectorUseNotifier use_notifier,
                              MSIVectorReleaseNotifier release_notifier,
                              MSIVectorPollNotifier poll_notifier);
/* Calls release_notifier for every usable vector, then removes them. */
void msix_unset_vector_notifiers(PCIDevice *dev);

#endif
