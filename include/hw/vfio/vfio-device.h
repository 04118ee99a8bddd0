/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIODevice: one assigned host device, whatever the backend
 *
 * A bus-specific front end (vfio-pci) embeds a VFIODevice, fills in its
 * configuration fields, then calls:
 *
 *   vfio_device_set_host()   which host device (host=BDF or sysfsdev=)
 *   vfio_device_attach()     picks the backend, attaches the device to a
 *                            container of @as, reads the device info
 *   vfio_region_setup() ...  regions, irqs, reset
 *   vfio_device_detach()     undoes everything vfio_device_attach() did
 *
 * Backend selection (vfio_device_attach()), from the iommufd property:
 *   "off"          the legacy container/group backend;
 *   "on"           iommufd with the shared implicit iommufd object; an error
 *                  if the build lacks iommufd, /dev/iommu cannot be opened or
 *                  the device has no VFIO cdev;
 *   "auto" (NULL)  iommufd when "on" would work, legacy otherwise;
 *   any other      the id of an -object iommufd, used like "on".
 * fd= (a pre-opened VFIO device cdev) implies iommufd; with iommufd=off it
 * is an error.  Every error is one line prefixed with "vfio NAME: ".
 */
#ifndef HW_VFIO_VFIO_DEVICE_H
#define HW_VFIO_VFIO_DEVICE_H

#include <linux/vfio.h>

#include "system/memory.h"

typedef struct VFIOContainer VFIOContainer;   /* hw/vfio/vfio-container.h */
typedef struct VFIODevice VFIODevice;

typedef enum VFIOBackendKind {
    VFIO_BACKEND_NONE,      /* not attached */
    VFIO_BACKEND_LEGACY,
    VFIO_BACKEND_IOMMUFD,
} VFIOBackendKind;

struct VFIODevice {
    /* ---- set by the front end before vfio_device_attach() ---- */
    Object *owner;          /* owner of the region MemoryRegions */
    char *iommufd_opt;      /* the iommufd property; NULL means "auto" */
    int preset_fd;          /* fd= (an open VFIO cdev), -1 if none; owned */
    /* x-force-separate-ioas: never join an existing container. */
    bool force_separate_ioas;
    /*
     * x-ioas-copy (on after vfio_device_init()): a new container made for
     * this device is filled by dma_copy from an existing one where the
     * backend can; off, by dma_map of every section.
     */
    bool ioas_copy;

    /* ---- set by vfio_device_set_host() ---- */
    char *name;             /* "0000:00:05.0", or "VFIO_FD<n>" with fd= */
    char *sysfsdev;         /* /sys/bus/pci/devices/..., NULL with fd= */
    int groupid;            /* IOMMU group from sysfs, -1 if unknown */

    /* ---- set by vfio_device_claim_host() ---- */
    /*
     * What identifies the host device among all VFIODevices of this
     * process ("pci 0000:01:00.0", "cdev 237:0"), NULL-terminated; each
     * key maps to this device in a registry until vfio_device_finalize().
     */
    char **host_keys;

    /* ---- set by vfio_device_attach() ---- */
    VFIOBackendKind backend;
    int fd;                     /* the device fd, -1 when detached */
    VFIOContainer *container;
    /*
     * The backend's own per-device state, opaque here (iommufd: its
     * object and the cdev's binding, hw/vfio/vfio-iommufd-device.h;
     * legacy keeps its groups in a registry of its own), freed with
     * backend_state_free when the backend is released.
     */
    void *backend_state;
    GDestroyNotify backend_state_free;
    uint32_t flags;             /* VFIO_DEVICE_FLAGS_* */
    uint32_t num_regions;
    uint32_t num_irqs;
    bool reset_works;

    /*
     * Optional, set by the front end: called before every access that
     * goes through a region's slow (pread/pwrite) path, e.g. to end a
     * pending INTx the way a guest's EOI would.
     */
    void (*eoi)(VFIODevice *vbasedev);
};

/* Zeroes the device, with no fds. */
void vfio_device_init(VFIODevice *vbasedev, Object *owner);

/*
 * Chooses the host device: @host is a PCI address ("0000:00:05.0" or
 * "00:05.0"), @sysfsdev a sysfs directory; exactly one, unless
 * vbasedev->preset_fd >= 0, where both may be NULL.  Checks that the
 * device exists and is bound to a VFIO driver:
 *   "vfio 0000:00:05.0: no such host device: No such file or directory"
 *   "vfio 0000:00:05.0: device is not bound to vfio-pci (driver: e1000e)"
 */
bool vfio_device_set_host(VFIODevice *vbasedev, const char *host,
                          const char *sysfsdev, Error **errp);

/*
 * Claims the host device that vfio_device_set_host() and fd= chose, so
 * that no other VFIODevice of this process assigns it too, whatever the
 * backends and however it is named (host=, sysfsdev=, an fd of its cdev):
 *   "vfio 0000:01:00.0: the host device is already assigned to 'hd0'"
 * The claim ends with vfio_device_finalize().  Call before attaching:
 * the legacy backend would otherwise open the device a second time.
 */
bool vfio_device_claim_host(VFIODevice *vbasedev, Error **errp);
/* Ends the claim (vfio_device_finalize() does); safe without one. */
void vfio_device_release_host(VFIODevice *vbasedev);

/* See the top of the file.  On failure nothing is left open. */
bool vfio_device_attach(VFIODevice *vbasedev, AddressSpace *as, Error **errp);
/* Releases everything; safe on a device that is not attached. */
void vfio_device_detach(VFIODevice *vbasedev);
/*
 * Frees name/sysfsdev/iommufd_opt, closes an unused preset_fd and ends
 * the claim on the host device.
 */
void vfio_device_finalize(VFIODevice *vbasedev);

/*
 * Parses fd= (a number, or a monitor fd name) into vbasedev->preset_fd.
 * Errors: "vfio: fd 'X': ..." with the monitor's reason.  Standard
 * input, output and error (0-2) are refused and never taken: closing
 * them with the failed device would lose the error message itself.
 */
bool vfio_device_set_fd(VFIODevice *vbasedev, const char *str, Error **errp);

/* "legacy", "iommufd" or "none". */
const char *vfio_device_backend_name(const VFIODevice *vbasedev);

/* VFIO_DEVICE_RESET, if the device offers it. */
bool vfio_device_reset(VFIODevice *vbasedev, Error **errp);

/* ---- Backend selection internals, shared with the containers ---------- */

/*
 * Picks the backend for vbasedev (see the top of the file).  For iommufd,
 * connects the iommufd object (kept in vbasedev->backend_state) and opens
 * the cdev into vbasedev->fd.
 * Returns the container type to use, or NULL with *errp set.
 */
const char *vfio_device_select_backend(VFIODevice *vbasedev, Error **errp);
/* Drops what vfio_device_select_backend() took; the fd too. */
void vfio_device_release_backend(VFIODevice *vbasedev);
/* The IOMMU group number from sysfs, or -1 with *errp set. */
int vfio_device_group_id(VFIODevice *vbasedev, Error **errp);

/* ---- Regions ---------------------------------------------------------- */

typedef struct VFIOMmap {
    MemoryRegion mem;       /* ram_device region over mmap */
    void *mmap;             /* NULL if not mapped */
    uint64_t offset;        /* within the VFIO region */
    uint64_t size;
    int dmabuf;             /* this piece as a dma-buf (iommufd), or -1 */
} VFIOMmap;

typedef struct VFIORegion {
    VFIODevice *vbasedev;
    uint32_t nr;            /* region index */
    uint32_t flags;         /* VFIO_REGION_INFO_FLAG_* */
    uint64_t size;
    uint64_t fd_offset;
    /*
     * The region as guests see it: an MMIO region (pread/pwrite) covering
     * everything, with the mmapped parts on top as ram_device subregions.
     * NULL for regions without a MemoryRegion (e.g. PCI config space).
     */
    MemoryRegion *mem;
    uint32_t nr_mmaps;
    VFIOMmap *mmaps;
} VFIORegion;

/*
 * Reads region info for @index.  With @name, creates region->mem (MMIO
 * of the whole region) and plans the mmappable parts (the sparse-mmap
 * capability, else the whole region if VFIO_REGION_INFO_FLAG_MMAP).
 * A region of size 0 is valid and has no mem.
 */
bool vfio_region_setup(VFIODevice *vbasedev, VFIORegion *region,
                       uint32_t index, const char *name, Error **errp);
/*
 * mmaps the planned parts and lays them over region->mem as ram_device
 * subregions.  A part that cannot be mmapped stays reachable through the
 * MMIO fallback; returns false (with *errp) only for programming errors.
 */
bool vfio_region_mmap(VFIORegion *region, Error **errp);
/* Removes and unmaps the mmaps, frees mem; the region can be set up again. */
void vfio_region_finalize(VFIORegion *region);
/* pread/pwrite at @offset of the region; -errno on failure. */
ssize_t vfio_region_read(VFIORegion *region, uint64_t offset, void *buf,
                         size_t len);
ssize_t vfio_region_write(VFIORegion *region, uint64_t offset,
                          const void *buf, size_t len);
/* The capability @id of a region info, or NULL. */
struct vfio_info_cap_header *vfio_region_info_cap(
    struct vfio_region_info *info, uint16_t id);

/* ---- Interrupts ------------------------------------------------------- */

bool vfio_device_get_irq_info(VFIODevice *vbasedev, uint32_t index,
                              struct vfio_irq_info *info, Error **errp);
/*
 * Sets eventfds for @count vectors from @start of irq @index, for
 * @action (VFIO_IRQ_SET_ACTION_TRIGGER, _UNMASK, _MASK); fds[i] == -1
 * de-assigns vector start + i.
 */
bool vfio_device_irq_set_eventfds(VFIODevice *vbasedev, uint32_t index,
                                  uint32_t action, uint32_t start,
                                  uint32_t count, const int32_t *fds,
                                  Error **errp);
/* Disables every vector of irq @index (DATA_NONE | ACTION_TRIGGER, count 0). */
bool vfio_device_irq_disable(VFIODevice *vbasedev, uint32_t index,
                             Error **errp);
/* DATA_NONE with @action on one vector (e.g. unmask INTx). */
bool vfio_device_irq_action(VFIODevice *vbasedev, uint32_t index,
                            uint32_t subindex, uint32_t action, Error **errp);

#endif
