/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MemoryListener of a VFIOAddressSpace
 *
 * Reduces the flat view of one AddressSpace to the sections VFIO maps
 * (RAM, ROM, ram_device; not MMIO, not IOMMU regions, which get a
 * warning) and, at each transaction's commit, passes what changed to
 * vfio_dma_commit() for every container of the space.  A section that is
 * deleted and re-added unchanged within one transaction is not passed on.
 */
#ifndef HW_VFIO_VFIO_LISTENER_H
#define HW_VFIO_VFIO_LISTENER_H

#include "vfio-container.h"

typedef struct VFIOListener VFIOListener;

/* Creates the listener and registers it on space->as. */
VFIOListener *vfio_listener_new(VFIOAddressSpace *space);
/* Unregisters and frees it (containers must be gone). */
void vfio_listener_free(VFIOListener *listener);
/*
 * The current sections: a GTree hwaddr iova -> VFIOSection *, owned by
 * the listener, valid until the next topology change.
 */
GTree *vfio_listener_sections(VFIOListener *listener);

#endif
