/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO container and group ioctls, one wrapper each (see vfio-ioctl.h)
 */
#include "qemu/osdep.h"

#include <sys/ioctl.h>

#include "vfio-ioctl.h"

int vfio_ioctl_get_api_version(int container_fd, Error **errp)
{
    return qemu_ioctl(container_fd, VFIO_GET_API_VERSION, NULL,
                         "VFIO_GET_API_VERSION", errp);
}

int vfio_ioctl_check_extension(int container_fd, unsigned long ext)
{
    int ret = ioctl(container_fd, VFIO_CHECK_EXTENSION, ext);

    return ret > 0 ? ret : 0;
}

int vfio_ioctl_set_iommu(int container_fd, unsigned long type, Error **errp)
{
    int ret;

    do {
        ret = ioctl(container_fd, VFIO_SET_IOMMU, type);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        int err = errno;
        error_setg_errno(errp, err, "VFIO_SET_IOMMU failed");
        return -err;
    }
    return 0;
}

/*
 * Room for the info and its capabilities (IOVA ranges, migration, DMA
 * limit) on any usual host, so that one call does: the kernel only fills
 * in capabilities when all of them fit, and otherwise raises argsz.
 */
#define VFIO_IOMMU_INFO_PRESIZE 4096

int vfio_ioctl_iommu_get_info(int container_fd,
                              struct vfio_iommu_type1_info **info,
                              Error **errp)
{
    uint32_t argsz = VFIO_IOMMU_INFO_PRESIZE;
    g_autofree struct vfio_iommu_type1_info *buf = NULL;
    int ret;

    for (int tries = 0; tries < 4; tries++) {
        buf = g_realloc(buf, argsz);
        memset(buf, 0, argsz);
        buf->argsz = argsz;
        ret = VFIO_IOCTL(container_fd, VFIO_IOMMU_GET_INFO, buf, errp);
        if (ret < 0) {
            return ret;
        }
        if (buf->argsz <= argsz) {
            *info = g_steal_pointer(&buf);
            return 0;
        }
        argsz = buf->argsz;
    }
    error_setg(errp, "VFIO_IOMMU_GET_INFO failed: answer keeps growing");
    return -EOVERFLOW;
}

int vfio_ioctl_map_dma(int container_fd, hwaddr iova, uint64_t size,
                       void *vaddr, bool readonly, Error **errp)
{
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ |
                 (readonly ? 0 : VFIO_DMA_MAP_FLAG_WRITE),
        .vaddr = (uintptr_t)vaddr,
        .iova = iova,
        .size = size,
    };

    return VFIO_IOCTL0(container_fd, VFIO_IOMMU_MAP_DMA, &map, errp);
}

int vfio_ioctl_unmap_dma(int container_fd, hwaddr iova, uint64_t size,
                         Error **errp)
{
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap),
        .iova = iova,
        .size = size,
    };
    return VFIO_IOCTL0(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap, errp);
}

int vfio_ioctl_group_get_status(int group_fd, uint32_t *flags, Error **errp)
{
    struct vfio_group_status status = { .argsz = sizeof(status) };
    int ret = VFIO_IOCTL(group_fd, VFIO_GROUP_GET_STATUS, &status, errp);

    if (ret < 0) {
        return ret;
    }
    *flags = status.flags;
    return 0;
}

int vfio_ioctl_group_set_container(int group_fd, int container_fd,
                                   Error **errp)
{
    return VFIO_IOCTL0(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd,
                      errp);
}

int vfio_ioctl_group_unset_container(int group_fd, Error **errp)
{
    return VFIO_IOCTL0(group_fd, VFIO_GROUP_UNSET_CONTAINER, NULL, errp);
}

int vfio_ioctl_group_get_device_fd(int group_fd, const char *name,
                                   Error **errp)
{
    return VFIO_IOCTL(group_fd, VFIO_GROUP_GET_DEVICE_FD, (void *)name, errp);
}
