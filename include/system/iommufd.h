/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "iommufd" backend object: one handle on /dev/iommu
 *
 *   -object iommufd,id=ID[,fd=N|FDNAME][,x-map-file-ram=on|off]
 *
 * Without fd=, /dev/iommu is opened lazily by the first user
 * (iommufd_backend_connect()) and closed when the last one disconnects.
 * With fd=, the given descriptor (a number, or a name passed with QMP
 * getfd) must be an open /dev/iommu; it is owned by the object from then
 * on and closed when the object is finalized.  The object can be deleted
 * (object-del) only while no device uses it.
 *
 * Devices with iommufd=on|auto and no object of their own share one
 * implicit instance, iommufd_backend_get_shared(), which is not in the
 * QOM tree.
 *
 * x-map-file-ram=off (a knob to compare, default on): guest RAM shared
 * from a file is mapped by address even where the kernel could map the
 * file (IOMMU_IOAS_MAP_FILE).
 *
 * The ioctl wrappers follow hw/vfio/vfio-ioctl.h's rules: 0 or -errno,
 * with "IOMMU_IOAS_MAP failed: Bad address"-style errors, no policy; all
 * go through qemu/ioctl.h, traced as vfio_ioctl.
 * Only built with CONFIG_IOMMUFD.
 */
#ifndef SYSTEM_IOMMUFD_H
#define SYSTEM_IOMMUFD_H

#include "exec/hwaddr.h"
#include "qom/object.h"

#define TYPE_IOMMUFD_BACKEND "iommufd"
OBJECT_DECLARE_TYPE(IOMMUFDBackend, IOMMUFDBackendClass, IOMMUFD_BACKEND)

struct IOMMUFDBackendClass {
    ObjectClass parent_class;
};

struct IOMMUFDBackend {
    Object parent_obj;

    int fd;             /* -1 while closed */
    bool owned;         /* opened by us (lazily), closed with the last user */
    uint32_t users;
    bool map_file_ram;  /* x-map-file-ram */
};

/*
 * Takes a use of be, opening /dev/iommu if this is the first one and no
 * fd= was given.  Errors: "cannot open /dev/iommu: No such file or
 * directory" (module missing) or the like.
 */
bool iommufd_backend_connect(IOMMUFDBackend *be, Error **errp);
/* Drops a use taken by iommufd_backend_connect(). */
void iommufd_backend_disconnect(IOMMUFDBackend *be);

/* The implicit instance for devices naming no object; never fails. */
IOMMUFDBackend *iommufd_backend_get_shared(void);

/*
 * The backend object with id @id under /objects, or NULL with
 * "iommufd object 'ID' not found" / "object 'ID' is not an iommufd
 * object".
 */
IOMMUFDBackend *iommufd_backend_find(const char *id, Error **errp);

/*
 * True if fd is an open /dev/iommu (a character device with /dev/iommu's
 * device number); otherwise false with "fd N is not /dev/iommu".
 */
bool iommufd_backend_check_fd(int fd, Error **errp);

/* ---- ioctls (be must be connected) ----------------------------------- */

int iommufd_backend_alloc_ioas(IOMMUFDBackend *be, uint32_t *ioas_id,
                               Error **errp);
/* IOMMU_DESTROY of any object id; errors become warnings. */
void iommufd_backend_free_id(IOMMUFDBackend *be, uint32_t id);
/*
 * Maps with IOMMU_IOAS_MAP_FIXED_IOVA, readable and (unless readonly)
 * writable.
 */
int iommufd_backend_map_dma(IOMMUFDBackend *be, uint32_t ioas_id, hwaddr iova,
                            uint64_t size, void *vaddr, bool readonly,
                            Error **errp);
/*
 * IOMMU_IOAS_MAP_FILE: maps [start, start + size) of the file @fd (a memfd
 * or a VFIO dma-buf of one range) at @iova, like iommufd_backend_map_dma().
 * Without the uAPI at build time: -ENOTTY with "IOMMU_IOAS_MAP_FILE is not
 * built in".
 */
int iommufd_backend_map_file_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                                 hwaddr iova, uint64_t size, int fd,
                                 uint64_t start, bool readonly, Error **errp);
/*
 * True if the kernel has IOMMU_IOAS_MAP_FILE: asked with no file (fd -1),
 * which a kernel that has it refuses with EBADF and an older one with
 * ENOTTY.  No error is reported; the answer is traced with the ioctl.
 */
bool iommufd_backend_probe_map_file(IOMMUFDBackend *be, uint32_t ioas_id);
int iommufd_backend_unmap_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                              hwaddr iova, uint64_t size, Error **errp);
/* Same IOVA in both IOAS (IOMMU_IOAS_COPY). */
int iommufd_backend_copy_dma(IOMMUFDBackend *be, uint32_t src_ioas_id,
                             uint32_t dst_ioas_id, hwaddr iova, uint64_t size,
                             bool readonly, Error **errp);
/*
 * The allowed IOVA ranges of the IOAS (struct iommu_iova_range, both ends
 * inclusive) in a new GArray, and the required alignment.
 */
int iommufd_backend_get_iova_ranges(IOMMUFDBackend *be, uint32_t ioas_id,
                                    GArray **ranges, uint64_t *alignment,
                                    Error **errp);

#endif
