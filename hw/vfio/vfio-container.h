/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO containers: the host IOMMU contexts that VFIO devices DMA through
 *
 * A container is one host IOMMU address space seen from QEMU: the legacy
 * backend's /dev/vfio/vfio container (with its groups), or the iommufd
 * backend's IOAS.  "vfio-container" is the abstract QOM base; the backends
 * subclass it ("vfio-container-legacy", "vfio-container-iommufd") and fill
 * in VFIOContainerClass.  The base owns everything that does not depend on
 * the kernel interface:
 *
 *   - the VFIOAddressSpace registry: one VFIOAddressSpace per QEMU
 *     AddressSpace that has VFIO devices, holding that space's containers
 *     in creation order;
 *   - the MemoryListener of each VFIOAddressSpace (hw/vfio/listener.c),
 *     which turns RAM, ram_device and alias sections into dma_map/dma_unmap
 *     calls, batched per transaction (hw/vfio/dma-map.c);
 *   - through the mapping engine (hw/vfio/dma-map.c), each container's
 *     mapped ranges (a GTree keyed by IOVA), its usable IOVA ranges and
 *     page-size mask as reported by the backend (VFIOIommuLimits).
 *
 * Calls go one way: base -> listener -> engine -> backend callbacks; a
 * backend calls nothing above it (docs/devel/vfio-iommufd.rst, "Layering").
 *
 * Lifetime: a container is created by vfio_container_attach_device() when
 * no existing container of the chosen backend in the device's address
 * space accepts the device, and it is destroyed when its last device
 * detaches (all mappings are then unmapped first).  Containers are not
 * user-visible objects and live outside the QOM composition tree.
 */
#ifndef HW_VFIO_VFIO_CONTAINER_H
#define HW_VFIO_VFIO_CONTAINER_H

#include "exec/hwaddr.h"
#include "qom/object.h"

typedef struct AddressSpace AddressSpace;
typedef struct VFIODevice VFIODevice;
typedef struct VFIOAddressSpace VFIOAddressSpace;

#define TYPE_VFIO_CONTAINER "vfio-container"
#define TYPE_VFIO_CONTAINER_LEGACY "vfio-container-legacy"
#define TYPE_VFIO_CONTAINER_IOMMUFD "vfio-container-iommufd"

OBJECT_DECLARE_TYPE(VFIOContainer, VFIOContainerClass, VFIO_CONTAINER)

/* One usable IOVA window, both ends inclusive. */
typedef struct VFIOIovaRange {
    hwaddr start;
    hwaddr last;
} VFIOIovaRange;

/*
 * What the host IOMMU allows in a container, as the backend's
 * get_iova_ranges() reports it; the mapping engine keeps it.
 */
typedef struct VFIOIommuLimits {
    uint64_t pgsizes;           /* supported page sizes, a bit mask */
    GArray *iova_ranges;        /* VFIOIovaRange; empty: the whole space */
    /*
     * VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: how many more mappings the kernel
     * allows, beyond those the container holds.
     */
    bool has_dma_avail;
    uint32_t dma_avail;
} VFIOIommuLimits;

/*
 * One DMA mapping made through the backend.  Owned by the container's
 * mapping tree; the listener never hands these out.
 */
typedef struct VFIODMAMapping {
    hwaddr iova;
    uint64_t size;
    void *vaddr;
    bool readonly;
    bool ram_device;        /* a device BAR (peer-to-peer target) */
    Object *owner;          /* the MemoryRegion's owner, for warnings */
    const void *region;     /* the MemoryRegion, an identity only */
    bool has_file;          /* RAM shared from a file: */
    int fd;                 /*   that file (not owned) */
    uint64_t fd_offset;     /*   and the offset of iova in it */
} VFIODMAMapping;

struct VFIOContainer {
    Object parent_obj;

    VFIOAddressSpace *space;    /* set before setup(), never changes */
    GPtrArray *devices;         /* VFIODevice *, attach order, not owned */

    /* From the backend's get_iova_ranges(); kept by dma-map.c. */
    uint64_t pgsizes;           /* supported IOMMU page sizes, a bit mask */
    GArray *iova_ranges;        /* VFIOIovaRange, sorted, disjoint */
    uint32_t dma_max_mappings;  /* 0: no limit known */

    /* hwaddr iova -> VFIODMAMapping *, disjoint.  Managed by dma-map.c. */
    GTree *mappings;

    /* Backend-agnostic errors raised while mapping during attach. */
    Error *map_error;

    /*
     * ram_device regions the kernel refused for good (see
     * ram_device_efault_final): region -> owner, neither owned nor
     * dereferenced.  Managed by dma-map.c; an entry goes when its region
     * or owner is torn down (vfio_dma_forget_unmappable()) or with the
     * container.
     */
    GHashTable *unmappable;

    /*
     * Set by the backend's setup() when the kernel maps RAM by file
     * (dma_map_file on a memfd or other shmem/hugetlbfs file): RAM shared
     * from such a file is then mapped by file, other RAM by address.
     */
    bool ram_by_file;
};

/*
 * The contract between the base and a backend.  Every callback runs
 * with the BQL held (the main loop, or a vCPU thread handling an exit
 * under -accel kvm; the base asserts it at each call), gets a container
 * of its own class, and reports failure through errp with a message
 * naming the ioctl or the object at fault.
 */
struct VFIOContainerClass {
    ObjectClass parent_class;

    /*
     * True if dma_map's -EFAULT for a ram_device range is final: the
     * kernel cannot pin such memory at all (iommufd and VM_PFNMAP BAR
     * mmaps), so the engine remembers the region and never asks again for
     * it in this container, however often the guest moves the BAR.
     */
    bool ram_device_efault_final;

    /* ---- Callbacks ---- */

    /*
     * Called once, right after the base created the container and set
     * container->space, before any device is attached.  Opens the kernel
     * context (container fd, IOAS).  @first is the device whose attach
     * made this container; setup may use it to choose the kernel context
     * (e.g. its iommufd object) but must not attach it.  On failure the
     * base unrefs the container; instance_finalize must then cope with a
     * half set-up container.
     */
    bool (*setup)(VFIOContainer *container, VFIODevice *first, Error **errp);

    /*
     * Attaches @vbasedev to the container and leaves vbasedev->fd open
     * on the device.  May assume the device's backend was selected for
     * this class and that vbasedev->container is still NULL.
     *
     * Returns 0 on success.  Returns -EAGAIN (with *errp set, for traces)
     * when this container cannot take the device but another or a new
     * one may, e.g. the host IOMMU refuses to share the context; the base
     * then tries the next container, and finally a new one.  Any other
     * negative errno is final: the device cannot be attached anywhere.
     * On failure the container is left as it was.
     */
    int (*attach_device)(VFIOContainer *container, VFIODevice *vbasedev,
                         Error **errp);

    /*
     * Detaches a device attach_device() accepted; closes vbasedev->fd.
     * Cannot fail (errors are reported as warnings).  The base removes
     * the device from container->devices first; when it was the last one,
     * the base unmaps everything and unrefs the container afterwards.
     */
    void (*detach_device)(VFIOContainer *container, VFIODevice *vbasedev);

    /*
     * Queries the kernel for the usable IOVA ranges, the page-size mask
     * and any limit on the number of mappings, and reports them in
     * @limits (zeroed, with an empty iova_ranges array the base owns).
     * Called by the base after the first device was attached (a kernel
     * only knows the reserved regions of attached devices), and again
     * after each further attach.
     */
    bool (*get_iova_ranges)(VFIOContainer *container,
                            VFIOIommuLimits *limits, Error **errp);

    /*
     * Maps [iova, iova + size) to host memory at vaddr.  The base
     * guarantees: size > 0, iova, size and vaddr aligned to the smallest
     * page in container->pgsizes, the range inside one usable IOVA range
     * and disjoint from every existing mapping.  Returns 0 or -errno.
     */
    int (*dma_map)(VFIOContainer *container, hwaddr iova, uint64_t size,
                   void *vaddr, bool readonly, Error **errp);

    /*
     * Unmaps exactly one earlier dma_map/dma_copy range (the base never
     * splits one).  Returns 0 or -errno.
     */
    int (*dma_unmap)(VFIOContainer *container, hwaddr iova, uint64_t size,
                     Error **errp);

    /*
     * Optional.  Makes @dst map [iova, iova + size) to the same pages as
     * @src already maps there, without pinning them again; used to
     * populate a new container from an existing one of the same class in
     * the same address space.  Same guarantees as dma_map on dst.  A
     * backend whose kernel cannot do it (legacy) leaves it NULL; on any
     * failure the engine falls back to dma_map.  Returns 0 or -errno.
     */
    int (*dma_copy)(VFIOContainer *src, VFIOContainer *dst, hwaddr iova,
                    uint64_t size, bool readonly, Error **errp);

    /*
     * Optional.  Maps [iova, iova + size) to bytes [start, start + size)
     * of the file @fd (iommufd's IOMMU_IOAS_MAP_FILE), same guarantees as
     * dma_map.  The engine uses it for a ram_device region that has a
     * file (a VFIO dma-buf of a BAR piece, vfio_dma_set_file()) and, when
     * container->ram_by_file, for RAM shared from a file; legacy leaves
     * it NULL (type1 maps the BAR's mmap and RAM by address).  0 or -errno.
     */
    int (*dma_map_file)(VFIOContainer *container, hwaddr iova, uint64_t size,
                        int fd, uint64_t start, bool readonly, Error **errp);

    /*
     * Optional.  PCI bus/slot (hot) reset of @vbasedev's bus, for devices
     * without a function-level reset.  Every affected device must belong
     * to this process (legacy: its group is open; iommufd: the iommufd
     * owns it); with @single, no device but @vbasedev may be affected.
     * Called from the device's reset with the device attached here.
     * Returns 0 or -errno (-EPERM, -EBUSY) with *errp naming the device
     * that prevents it.  On success, if @affected is not NULL, the backend
     * appends every assigned device the reset hit (VFIODevice *,
     * @vbasedev included), whichever of this backend's containers it is in
     * (iommufd: by device id in the same iommufd; legacy: by group and
     * address): the kernel revoked their dma-bufs, and the caller has
     * their mappings made again.
     */
    int (*pci_hot_reset)(VFIOContainer *container, VFIODevice *vbasedev,
                         bool single, GPtrArray *affected, Error **errp);
};

/* ---- Used by device.c ------------------------------------------------ */

/*
 * Attaches vbasedev, whose backend class is container_type, to a
 * container in the VFIOAddressSpace of @as: the first existing container
 * of that class that accepts it (unless vbasedev->force_separate_ioas),
 * otherwise a new one, which is populated with the address space's
 * current mappings (by dma_copy from an existing container of the same
 * class when the backend has it, by dma_map otherwise).  Sets
 * vbasedev->container.  On failure nothing is left behind.
 */
bool vfio_container_attach_device(const char *container_type,
                                  VFIODevice *vbasedev, AddressSpace *as,
                                  Error **errp);
/* Undoes vfio_container_attach_device(); NULL container is a no-op. */
void vfio_container_detach_device(VFIODevice *vbasedev);

/* ---- The address-space registry ------------------------------------- */

struct VFIOAddressSpace {
    AddressSpace *as;
    GPtrArray *containers;      /* VFIOContainer *, creation order, owned */
    struct VFIOListener *listener;  /* hw/vfio/listener.c */
};

/* The VFIOAddressSpace of as, created (and its listener registered) if new. */
VFIOAddressSpace *vfio_address_space_get(AddressSpace *as);
/* Drops it when it holds no container any more. */
void vfio_address_space_put(VFIOAddressSpace *space);
/* The registered VFIOAddressSpace of as, or NULL. */
VFIOAddressSpace *vfio_address_space_lookup(AddressSpace *as);

#endif
