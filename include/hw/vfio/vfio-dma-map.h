/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO DMA mapping engine: from address-space sections to container
 * mappings
 *
 * The listener (hw/vfio/listener.c) reduces every MemoryRegionSection it
 * cares about to a VFIOSection and hands each transaction's removals and
 * additions to vfio_dma_commit() for every container of the address space.
 * The engine keeps the container's mapping tree equal to "every section,
 * trimmed to whole host-IOMMU pages, coalesced where neighbours are
 * contiguous in both IOVA and host address", while issuing as few
 * backend calls as it can:
 *
 *   - a mapping none of whose pages changed is never touched;
 *   - sections added in one transaction that are contiguous in IOVA and
 *     host address (and agree on read-only and kind) become one mapping;
 *   - a removal inside a coalesced mapping unmaps that mapping (the
 *     kernel cannot split one) and maps back what is left of it.
 *
 * No memory API type is used here, so the engine is unit-testable with a
 * fake container class.  Lookups are O(log n) in the mapping tree.
 */
#ifndef HW_VFIO_VFIO_DMA_MAP_H
#define HW_VFIO_VFIO_DMA_MAP_H

#include "hw/vfio/vfio-container.h"

/* A piece of an address space that VFIO should map.  Plain data. */
typedef struct VFIOSection {
    hwaddr iova;            /* offset within the address space */
    uint64_t size;
    void *vaddr;            /* host address of iova */
    bool readonly;
    bool ram_device;        /* a ram_device region: a device BAR */
    Object *owner;          /* the region's owner, may be NULL; not owned */
    const void *region;     /* the MemoryRegion, an identity only; may be
                             * NULL (then a refusal is not remembered) */
    const char *name;       /* the region's name, for messages; not owned */
} VFIOSection;

/* Creates the (empty) mapping tree of a new container. */
GTree *vfio_dma_mappings_new(void);

/*
 * Applies one transaction: @removed sections left the address space,
 * @added ones entered it (either array may be empty; a section that is
 * in both, identical, must have been dropped from both by the caller).
 * Failures are not returned: a failed RAM mapping is stored in
 * container->map_error (the first) or reported with error_report(); a
 * failed ram_device mapping gives one warning per owner saying that
 * peer-to-peer DMA to that device's BARs is unavailable.  When the class
 * says the failure is final (ram_device_efault_final and -EFAULT), the
 * section's region is remembered and later sections of it are skipped
 * without a backend call.
 */
void vfio_dma_commit(VFIOContainer *container,
                     const VFIOSection *removed, guint n_removed,
                     const VFIOSection *added, guint n_added);

/*
 * Maps every section of @sections (a GTree iova -> VFIOSection *, as the
 * listener keeps it) into an empty container.  If @donor (same class,
 * same address space) is given and the class has dma_copy, mappings the
 * donor already has identically are copied instead of mapped.  Errors as
 * for vfio_dma_commit().
 */
void vfio_dma_replay(VFIOContainer *container, GTree *sections,
                     VFIOContainer *donor);

/* Unmaps everything (on container teardown); errors become warnings. */
void vfio_dma_unmap_all(VFIOContainer *container);

/*
 * Forgets that @region, or (with @region NULL) every region of @owner,
 * could not be mapped into @container: its next section is tried again.
 */
void vfio_dma_forget_unmappable(VFIOContainer *container, const void *region,
                                Object *owner);

/* The mapping containing iova, or NULL.  O(log n). */
const VFIODMAMapping *vfio_dma_lookup(VFIOContainer *container, hwaddr iova);

#endif
