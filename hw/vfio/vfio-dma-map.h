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
 *     a BAR mmap (ram_device region) joins only sections of its own
 *     region, never RAM or another BAR whose mmap the host happened to
 *     place next to it: a BAR move then never unmaps a neighbour that did
 *     not change, and an EFAULT refusal is remembered for the region that
 *     earned it;
 *   - a removal inside a coalesced mapping unmaps that mapping (the
 *     kernel cannot split one) and maps back what is left of it.
 *
 * No memory API type is used here, so the engine is unit-testable with a
 * fake container class.  Lookups are O(log n) in the mapping tree.
 */
#ifndef HW_VFIO_VFIO_DMA_MAP_H
#define HW_VFIO_VFIO_DMA_MAP_H

#include "vfio-container.h"
#include "qom/object.h"

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
    bool has_file;          /* RAM mapped shared from a file: */
    int fd;                 /*   that file (not owned) */
    uint64_t fd_offset;     /*   and the file offset of iova */
} VFIOSection;

/*
 * Creates a new container's engine state (empty mapping tree, usable
 * ranges, unmappable set); vfio_dma_finalize() frees it.  Called by the
 * container base for every container, whatever its class.
 */
void vfio_dma_init(VFIOContainer *container);
void vfio_dma_finalize(VFIOContainer *container);

/*
 * Takes what the backend's get_iova_ranges() reported: the page sizes,
 * the usable IOVA ranges and the mapping limit.
 */
void vfio_dma_set_limits(VFIOContainer *container,
                         const VFIOIommuLimits *limits);
/*
 * Replaces the usable IOVA ranges.  ranges may be NULL/empty for "the
 * whole 64-bit space".  The engine takes a copy.
 */
void vfio_dma_set_iova_ranges(VFIOContainer *container,
                              const VFIOIovaRange *ranges, guint n);
/* True if [iova, iova + size - 1] lies in one usable range. */
bool vfio_dma_iova_usable(const VFIOContainer *container, hwaddr iova,
                          uint64_t size);

/*
 * Peer-to-peer policy: ram_device regions owned by an excluded owner (a
 * device with x-p2p=off) are never DMA-mapped.  Takes effect for sections
 * added afterwards.
 */
void vfio_p2p_set_excluded(Object *owner, bool excluded);
bool vfio_p2p_is_excluded(Object *owner);
/*
 * Forgets @owner when the device goes: its exclusion, its warning, and
 * which of its regions could not be mapped.
 */
void vfio_p2p_forget(Object *owner);

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
 * Forgets, in every container, that @region (a MemoryRegion), or with
 * @region NULL every region of @owner, could not be mapped: its next
 * section is tried again.  Call before a ram_device region is freed, so
 * that another region allocated at the same address starts afresh.
 */
void vfio_dma_forget_unmappable(const void *region, Object *owner);

/*
 * The ram_device region @region (an identity) has a file the kernel can map
 * instead of its host memory: @fd (not owned; a VFIO dma-buf of exactly
 * the region), whose byte 0 is host address @base.  Containers whose class
 * has dma_map_file map the region's sections from it.  Takes effect for
 * sections mapped afterwards; vfio_dma_forget_file() before @fd closes.
 */
void vfio_dma_set_file(const void *region, int fd, const void *base);
void vfio_dma_forget_file(const void *region);

/*
 * The kernel revoked the dma-bufs of @owner's BARs (a reset of the device
 * by VFIO_DEVICE_RESET or a bus reset, which vfio-pci surrounds with a
 * revoke): every mapping of them is still in the IOAS but no longer
 * reaches the device, and stays so until it is unmapped and mapped
 * again.  Does that in every container, now; a piece the kernel still
 * refuses (its decoding is off) stays unmapped until its section changes
 * (trace vfio_dma_file_revoked).  No-op for owners without such mappings.
 */
void vfio_dma_remap_files(Object *owner);

/*
 * True if some container maps a ram_device region of @owner now: another
 * device can reach its BARs by DMA (peer-to-peer).
 */
bool vfio_dma_owner_mapped(Object *owner);

/* The mapping containing iova, or NULL.  O(log n). */
const VFIODMAMapping *vfio_dma_lookup(VFIOContainer *container, hwaddr iova);

#endif
