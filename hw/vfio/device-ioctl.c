/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO device ioctls, one wrapper each, and the walker of the capability
 * chains in their answers (see vfio-ioctl.h)
 */
#include "qemu/osdep.h"

#include <sys/ioctl.h>

#include "vfio-ioctl.h"

struct vfio_info_cap_header *vfio_info_find_cap(void *info, size_t info_size,
                                                uint32_t cap_offset,
                                                uint16_t id)
{
    uint32_t off = cap_offset;
    unsigned hops = 0;

    /* Every step must move forward: this ends malformed chains. */
    while (off && off + sizeof(struct vfio_info_cap_header) <= info_size &&
           hops++ < 64) {
        struct vfio_info_cap_header *hdr = (void *)((char *)info + off);

        if (hdr->id == id) {
            return hdr;
        }
        if (hdr->next <= off) {
            break;
        }
        off = hdr->next;
    }
    return NULL;
}

int vfio_ioctl_device_get_info(int device_fd, struct vfio_device_info *info,
                               Error **errp)
{
    memset(info, 0, sizeof(*info));
    info->argsz = sizeof(*info);
    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_GET_INFO, info, errp);
}

/*
 * First-call sizes with room for the usual answers (a sparse-mmap
 * capability with a few areas; the functions of one slot or bus), so that
 * the ioctl is issued once; a bigger answer is asked for again.
 */
#define VFIO_REGION_INFO_PRESIZE 512
#define VFIO_HOT_RESET_INFO_PRESIZE_DEVICES 16

int vfio_ioctl_device_get_region_info(int device_fd, uint32_t index,
                                      struct vfio_region_info **info,
                                      Error **errp)
{
    uint32_t argsz = VFIO_REGION_INFO_PRESIZE;
    g_autofree struct vfio_region_info *buf = NULL;

    /* The kernel raises argsz when capabilities do not fit: ask again. */
    for (int tries = 0; tries < 4; tries++) {
        int ret;

        buf = g_realloc(buf, argsz);
        memset(buf, 0, argsz);
        buf->argsz = argsz;
        buf->index = index;
        ret = VFIO_IOCTL0(device_fd, VFIO_DEVICE_GET_REGION_INFO, buf, errp);
        if (ret < 0) {
            return ret;
        }
        if (buf->argsz <= argsz) {
            *info = g_steal_pointer(&buf);
            return 0;
        }
        argsz = buf->argsz;
    }
    error_setg(errp, "VFIO_DEVICE_GET_REGION_INFO failed: answer keeps growing");
    return -EOVERFLOW;
}

int vfio_ioctl_device_get_irq_info(int device_fd, uint32_t index,
                                   struct vfio_irq_info *info, Error **errp)
{
    memset(info, 0, sizeof(*info));
    info->argsz = sizeof(*info);
    info->index = index;
    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_GET_IRQ_INFO, info, errp);
}

int vfio_ioctl_device_set_irqs(int device_fd, struct vfio_irq_set *irq_set,
                               Error **errp)
{
    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_SET_IRQS, irq_set, errp);
}

int vfio_ioctl_device_reset(int device_fd, Error **errp)
{
    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_RESET, NULL, errp);
}

int vfio_ioctl_device_get_pci_hot_reset_info(
    int device_fd, struct vfio_pci_hot_reset_info **info, Error **errp)
{
    uint32_t argsz = sizeof(struct vfio_pci_hot_reset_info) +
        VFIO_HOT_RESET_INFO_PRESIZE_DEVICES *
        sizeof(struct vfio_pci_dependent_device);
    g_autofree struct vfio_pci_hot_reset_info *buf = NULL;

    for (int tries = 0; tries < 4; tries++) {
        int ret;

        buf = g_realloc(buf, argsz);
        memset(buf, 0, argsz);
        buf->argsz = argsz;
        ret = qemu_ioctl(device_fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
                              buf, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", NULL);
        if (ret == -ENOSPC && buf->count) {
            argsz = sizeof(*buf) + buf->count * sizeof(buf->devices[0]);
            continue;
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret,
                             "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO failed");
            return ret;
        }
        *info = g_steal_pointer(&buf);
        return 0;
    }
    error_setg(errp, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO failed: "
               "answer keeps growing");
    return -EOVERFLOW;
}

int vfio_ioctl_device_pci_hot_reset(int device_fd, const int32_t *group_fds,
                                    uint32_t count, Error **errp)
{
    size_t argsz = sizeof(struct vfio_pci_hot_reset) +
                   count * sizeof(int32_t);
    g_autofree struct vfio_pci_hot_reset *reset = g_malloc0(argsz);

    reset->argsz = argsz;
    reset->count = count;
    if (count) {
        memcpy(reset->group_fds, group_fds, count * sizeof(int32_t));
    }
    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_PCI_HOT_RESET, reset, errp);
}

int vfio_ioctl_device_bind_iommufd(int device_fd, int iommufd,
                                   uint32_t *devid, Error **errp)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind),
        .iommufd = iommufd,
    };
    int ret = VFIO_IOCTL0(device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind, errp);

    if (ret == 0) {
        *devid = bind.out_devid;
    }
    return ret;
}

int vfio_ioctl_device_attach_iommufd_pt(int device_fd, uint32_t *pt_id,
                                        Error **errp)
{
    struct vfio_device_attach_iommufd_pt attach = {
        .argsz = sizeof(attach),
        .pt_id = *pt_id,
    };
    int ret = VFIO_IOCTL0(device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach,
                          errp);

    if (ret == 0) {
        *pt_id = attach.pt_id;
    }
    return ret;
}

int vfio_ioctl_device_detach_iommufd_pt(int device_fd, Error **errp)
{
    struct vfio_device_detach_iommufd_pt detach = {
        .argsz = sizeof(detach),
    };

    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach,
                       errp);
}
