/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Thin wrappers of the VFIO ioctls: one function per ioctl
 *
 * No policy lives here.  Each wrapper issues one ioctl through
 * qemu/ioctl.h (EINTR retried, every call traced as vfio_ioctl),
 * returns 0 (or the ioctl's non-negative result) on success and -errno on
 * failure with *errp set to "IOCTL_NAME failed: strerror", so callers can
 * prepend their context ("vfio 0000:00:05.0: ").  Variable-sized answers
 * are allocated here, grown until they fit (qemu_ioctl_grow()), and owned
 * by the caller (g_free).  hw/vfio/ioctl.c holds them all, with the
 * walkers of the answers; the iommufd object's own ioctls are in
 * backends/iommufd.c.
 */
#ifndef HW_VFIO_VFIO_IOCTL_H
#define HW_VFIO_VFIO_IOCTL_H

#include <linux/vfio.h>

#include "exec/hwaddr.h"
#include "qemu/ioctl.h"

/*
 * qemu_ioctl() (EINTR retried, "NAME failed: strerror" in *errp); the
 * VFIO_IOCTL() macro passes the request's own name.
 */
#define VFIO_IOCTL(fd, req, arg, errp) \
    qemu_ioctl((fd), (req), (arg), #req, (errp))
/* Same, for ioctls whose positive results mean nothing: 0 or -errno. */
#define VFIO_IOCTL0(fd, req, arg, errp) \
    qemu_ioctl0((fd), (req), (arg), #req, (errp))
/* qemu_ioctl_grow(), *out a pointer to the caller's struct pointer. */
#define VFIO_IOCTL_GROW(fd, req, size, prepare, needs, opaque, out, errp) \
    qemu_ioctl_grow((fd), (req), (size), (prepare), (needs), (opaque), \
                    (void **)(out), #req, (errp))

/* ---- Container (/dev/vfio/vfio) --------------------------------------- */

int vfio_ioctl_get_api_version(int container_fd, Error **errp);
/* Returns > 0 if supported, 0 if not; never fails. */
int vfio_ioctl_check_extension(int container_fd, unsigned long ext);
int vfio_ioctl_set_iommu(int container_fd, unsigned long type, Error **errp);
/* *info is a g_malloc'd struct grown to hold every capability. */
int vfio_ioctl_iommu_get_info(int container_fd,
                              struct vfio_iommu_type1_info **info,
                              Error **errp);
int vfio_ioctl_map_dma(int container_fd, hwaddr iova, uint64_t size,
                       void *vaddr, bool readonly, Error **errp);
int vfio_ioctl_unmap_dma(int container_fd, hwaddr iova, uint64_t size,
                         Error **errp);

/* ---- Group (/dev/vfio/N) --------------------------------------------- */

int vfio_ioctl_group_get_status(int group_fd, uint32_t *flags, Error **errp);
int vfio_ioctl_group_set_container(int group_fd, int container_fd,
                                   Error **errp);
int vfio_ioctl_group_unset_container(int group_fd, Error **errp);
/* Returns the new device fd (owned by the caller). */
int vfio_ioctl_group_get_device_fd(int group_fd, const char *name,
                                   Error **errp);

/* ---- Device ---------------------------------------------------------- */

/*
 * The capability @id in the chain starting at @cap_offset of @info (an
 * info struct of @info_size bytes: region info, or the type1 IOMMU info,
 * which uses the same chain format), or NULL.  Malformed chains (offsets
 * outside the struct, loops) end the search.  Pure parsing, no ioctl.
 */
struct vfio_info_cap_header *vfio_info_find_cap(void *info, size_t info_size,
                                                uint32_t cap_offset,
                                                uint16_t id);

int vfio_ioctl_device_get_info(int device_fd, struct vfio_device_info *info,
                               Error **errp);
/* *info is g_malloc'd and grown to hold every capability. */
int vfio_ioctl_device_get_region_info(int device_fd, uint32_t index,
                                      struct vfio_region_info **info,
                                      Error **errp);
int vfio_ioctl_device_get_irq_info(int device_fd, uint32_t index,
                                   struct vfio_irq_info *info, Error **errp);
int vfio_ioctl_device_set_irqs(int device_fd, struct vfio_irq_set *irq_set,
                               Error **errp);
int vfio_ioctl_device_reset(int device_fd, Error **errp);
/*
 * VFIO_DEVICE_FEATURE with PROBE|GET of @feature (VFIO_DEVICE_FEATURE_*):
 * 0 if the kernel offers it, else -errno (ENOTTY: unknown feature), in
 * *errp if given.
 */
int vfio_ioctl_device_feature_probe(int device_fd, uint32_t feature,
                                    Error **errp);
#ifdef CONFIG_VFIO_DMABUF
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF: [offset, offset + size) of region @index
 * as a new dma-buf (one range; O_RDWR | O_CLOEXEC).  The fd, or -errno.
 */
int vfio_ioctl_device_get_dmabuf(int device_fd, uint32_t index,
                                 uint64_t offset, uint64_t size,
                                 Error **errp);
#endif
/* *info is g_malloc'd and grown to hold every affected device. */
int vfio_ioctl_device_get_pci_hot_reset_info(
    int device_fd, struct vfio_pci_hot_reset_info **info, Error **errp);
/*
 * The backends' refusal of a bus reset because of the affected device
 * @d: "vfio NAME: a bus reset would also reset DDDD:BB:DD.F" then @why
 * (NULL or a clause such as ", which this iommufd does not own").
 */
void vfio_hot_reset_refuse(Error **errp, const char *name,
                           const struct vfio_pci_dependent_device *d,
                           const char *why);

/*
 * Resets the bus or slot of the device.  Legacy passes the fds of every
 * affected group; an iommufd cdev passes none (count 0): the kernel then
 * checks that the iommufd owns every affected device.
 */
int vfio_ioctl_device_pci_hot_reset(int device_fd, const int32_t *group_fds,
                                    uint32_t count, Error **errp);

/* iommufd cdev only. */
int vfio_ioctl_device_bind_iommufd(int device_fd, int iommufd,
                                   uint32_t *devid, Error **errp);
/* *pt_id: in, the IOAS or HWPT; out, the HWPT actually attached. */
int vfio_ioctl_device_attach_iommufd_pt(int device_fd, uint32_t *pt_id,
                                        Error **errp);
int vfio_ioctl_device_detach_iommufd_pt(int device_fd, Error **errp);

#endif
