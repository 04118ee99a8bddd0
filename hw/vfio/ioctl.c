/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO ioctls, one wrapper each, and the walkers of their answers
 * (see vfio-ioctl.h)
 */
#include "qemu/osdep.h"

#include "vfio-ioctl.h"
#include "hw/pci/pci.h"

/* ---- Variable-sized answers ------------------------------------------- */

/* A VFIO argument structure starts with its size, argsz. */
static void vfio_argsz_prepare(void *buf, size_t size, const void *opaque)
{
    *(uint32_t *)buf = size;
}

/* The kernel raises argsz when the capabilities do not fit. */
static size_t vfio_argsz_needs(const void *buf, size_t size, int ret)
{
    return ret == 0 ? *(const uint32_t *)buf : 0;
}

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

/* ---- Container (/dev/vfio/vfio) and group (/dev/vfio/N) ---------------- */

int vfio_ioctl_get_api_version(int container_fd, Error **errp)
{
    return VFIO_IOCTL(container_fd, VFIO_GET_API_VERSION, NULL, errp);
}

int vfio_ioctl_check_extension(int container_fd, unsigned long ext)
{
    int ret = qemu_ioctl_int(container_fd, VFIO_CHECK_EXTENSION, ext,
                             "VFIO_CHECK_EXTENSION", NULL);

    return ret > 0 ? ret : 0;
}

int vfio_ioctl_set_iommu(int container_fd, unsigned long type, Error **errp)
{
    int ret = qemu_ioctl_int(container_fd, VFIO_SET_IOMMU, type,
                             "VFIO_SET_IOMMU", errp);

    return ret < 0 ? ret : 0;
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
    return VFIO_IOCTL_GROW(container_fd, VFIO_IOMMU_GET_INFO,
                           VFIO_IOMMU_INFO_PRESIZE, vfio_argsz_prepare,
                           vfio_argsz_needs, NULL, info, errp);
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

/* ---- Device ------------------------------------------------------------ */

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

static void vfio_region_info_prepare(void *buf, size_t size,
                                     const void *opaque)
{
    struct vfio_region_info *info = buf;

    info->argsz = size;
    info->index = *(const uint32_t *)opaque;
}

int vfio_ioctl_device_get_region_info(int device_fd, uint32_t index,
                                      struct vfio_region_info **info,
                                      Error **errp)
{
    return VFIO_IOCTL_GROW(device_fd, VFIO_DEVICE_GET_REGION_INFO,
                           VFIO_REGION_INFO_PRESIZE, vfio_region_info_prepare,
                           vfio_argsz_needs, &index, info, errp);
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

int vfio_ioctl_device_feature_probe(int device_fd, uint32_t feature,
                                    Error **errp)
{
    struct vfio_device_feature probe = {
        .argsz = sizeof(probe),
        .flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | feature,
    };

    return VFIO_IOCTL0(device_fd, VFIO_DEVICE_FEATURE, &probe, errp);
}

#ifdef CONFIG_VFIO_DMABUF
int vfio_ioctl_device_get_dmabuf(int device_fd, uint32_t index,
                                 uint64_t offset, uint64_t size,
                                 Error **errp)
{
    size_t argsz = sizeof(struct vfio_device_feature) +
                   sizeof(struct vfio_device_feature_dma_buf) +
                   sizeof(struct vfio_region_dma_range);
    g_autofree struct vfio_device_feature *feature = g_malloc0(argsz);
    struct vfio_device_feature_dma_buf *get = (void *)feature->data;

    feature->argsz = argsz;
    feature->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
    get->region_index = index;
    get->open_flags = O_RDWR | O_CLOEXEC;
    get->nr_ranges = 1;
    get->dma_ranges[0].offset = offset;
    get->dma_ranges[0].length = size;
    return VFIO_IOCTL(device_fd, VFIO_DEVICE_FEATURE, feature, errp);
}
#endif

/* Too small a buffer gets ENOSPC and the number of affected devices. */
static size_t vfio_hot_reset_info_needs(const void *buf, size_t size, int ret)
{
    const struct vfio_pci_hot_reset_info *info = buf;

    if (ret != -ENOSPC || !info->count) {
        return 0;
    }
    return sizeof(*info) + info->count * sizeof(info->devices[0]);
}

int vfio_ioctl_device_get_pci_hot_reset_info(
    int device_fd, struct vfio_pci_hot_reset_info **info, Error **errp)
{
    return VFIO_IOCTL_GROW(device_fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
                           sizeof(struct vfio_pci_hot_reset_info) +
                           VFIO_HOT_RESET_INFO_PRESIZE_DEVICES *
                           sizeof(struct vfio_pci_dependent_device),
                           vfio_argsz_prepare, vfio_hot_reset_info_needs,
                           NULL, info, errp);
}

void vfio_hot_reset_refuse(Error **errp, const char *name,
                           const struct vfio_pci_dependent_device *d,
                           const char *why)
{
    error_setg(errp, "vfio %s: a bus reset would also reset "
               "%04x:%02x:%02x.%x%s", name, d->segment, d->bus,
               PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), why ? why : "");
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
