/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIODevice: attach/detach, regions, interrupts, reset
 * (backend-agnostic; see hw/vfio/vfio-device.h)
 */
#include "qemu/osdep.h"

#include <sys/mman.h>

#include "hw/vfio/vfio-device.h"
#include "vfio-container.h"
#include "vfio-dma-map.h"
#include "vfio-ioctl.h"
#include "qemu/error-report.h"
#include "hw/vfio/trace.h"

void vfio_device_init(VFIODevice *vbasedev, Object *owner)
{
    memset(vbasedev, 0, sizeof(*vbasedev));
    vbasedev->owner = owner;
    vbasedev->fd = -1;
    vbasedev->preset_fd = -1;
    vbasedev->groupid = -1;
    vbasedev->ioas_copy = true;
}

bool vfio_device_attach(VFIODevice *vbasedev, AddressSpace *as, Error **errp)
{
    const char *type;
    struct vfio_device_info info;

    g_assert(vbasedev->name && !vbasedev->container);
    type = vfio_device_select_backend(vbasedev, errp);
    if (!type) {
        return false;
    }
    if (!vfio_container_attach_device(type, vbasedev, as, errp)) {
        vfio_device_release_backend(vbasedev);
        return false;
    }
    if (vfio_ioctl_device_get_info(vbasedev->fd, &info, errp) < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        vfio_device_detach(vbasedev);
        return false;
    }
    vbasedev->flags = info.flags;
    vbasedev->num_regions = info.num_regions;
    vbasedev->num_irqs = info.num_irqs;
    vbasedev->reset_works = info.flags & VFIO_DEVICE_FLAGS_RESET;
    trace_vfio_device_attach(vbasedev->name,
                             vfio_device_backend_name(vbasedev),
                             info.num_regions, info.num_irqs);
    return true;
}

void vfio_device_detach(VFIODevice *vbasedev)
{
    vfio_container_detach_device(vbasedev);
    vfio_device_release_backend(vbasedev);
}

void vfio_device_finalize(VFIODevice *vbasedev)
{
    vfio_device_detach(vbasedev);
    if (vbasedev->preset_fd >= 0) {
        close(vbasedev->preset_fd);
        vbasedev->preset_fd = -1;
    }
    vfio_device_release_host(vbasedev);
    g_clear_pointer(&vbasedev->name, g_free);
    g_clear_pointer(&vbasedev->sysfsdev, g_free);
    g_clear_pointer(&vbasedev->iommufd_opt, g_free);
}

bool vfio_device_reset(VFIODevice *vbasedev, Error **errp)
{
    if (!vbasedev->reset_works) {
        error_setg(errp, "vfio %s: the device has no reset mechanism",
                   vbasedev->name);
        return false;
    }
    if (vfio_ioctl_device_reset(vbasedev->fd, errp) < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return false;
    }
    return true;
}

/* ---- Regions ------------------------------------------------------------ */

/* pread or pwrite within the region, EINTR retried. */
static ssize_t vfio_region_rw(VFIORegion *region, uint64_t offset,
                              void *buf, size_t len, bool write)
{
    int fd = region->vbasedev->fd;
    off_t pos = region->fd_offset + offset;
    ssize_t ret;

    if (offset > region->size || len > region->size - offset) {
        return -EINVAL;
    }
    do {
        ret = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

ssize_t vfio_region_read(VFIORegion *region, uint64_t offset, void *buf,
                         size_t len)
{
    return vfio_region_rw(region, offset, buf, len, false);
}

ssize_t vfio_region_write(VFIORegion *region, uint64_t offset,
                          const void *buf, size_t len)
{
    return vfio_region_rw(region, offset, (void *)buf, len, true);
}

static uint64_t vfio_region_mmio_read(void *opaque, hwaddr addr,
                                      unsigned size)
{
    VFIORegion *region = opaque;
    uint64_t data = 0;

    if (region->vbasedev->eoi) {
        region->vbasedev->eoi(region->vbasedev);
    }
    if (vfio_region_read(region, addr, &data, size) != size) {
        warn_report_once("vfio %s: read of region %u at 0x%" HWADDR_PRIx
                         " failed", region->vbasedev->name, region->nr, addr);
        return ~0ULL;
    }
    return le64toh(data);
}

static void vfio_region_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                                   unsigned size)
{
    VFIORegion *region = opaque;
    uint64_t le = htole64(data);

    if (region->vbasedev->eoi) {
        region->vbasedev->eoi(region->vbasedev);
    }
    if (vfio_region_write(region, addr, &le, size) != size) {
        warn_report_once("vfio %s: write of region %u at 0x%" HWADDR_PRIx
                         " failed", region->vbasedev->name, region->nr, addr);
    }
}

static const MemoryRegionOps vfio_region_ops = {
    .read = vfio_region_mmio_read,
    .write = vfio_region_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

struct vfio_info_cap_header *vfio_region_info_cap(
    struct vfio_region_info *info, uint16_t id)
{
    if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
        return NULL;
    }
    return vfio_info_find_cap(info, info->argsz, info->cap_offset, id);
}

/* The mmappable parts: the sparse capability, else everything. */
static void vfio_region_plan_mmaps(VFIORegion *region,
                                   struct vfio_region_info *info)
{
    struct vfio_info_cap_header *hdr;
    uint64_t page = getpagesize();

    if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP) || !region->size) {
        return;
    }
    hdr = vfio_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    if (hdr) {
        struct vfio_region_info_cap_sparse_mmap *sparse = (void *)hdr;
        size_t room = info->argsz - ((char *)sparse->areas - (char *)info);
        uint32_t n = MIN(sparse->nr_areas, room / sizeof(sparse->areas[0]));

        region->mmaps = g_new0(VFIOMmap, n ? n : 1);
        for (uint32_t i = 0; i < n; i++) {
            uint64_t off = sparse->areas[i].offset;
            uint64_t size = sparse->areas[i].size;

            /* Skip empty, misaligned or out-of-region areas. */
            if (!size || (off | size) & (page - 1) || off > region->size ||
                size > region->size - off) {
                continue;
            }
            region->mmaps[region->nr_mmaps].offset = off;
            region->mmaps[region->nr_mmaps].size = size;
            region->nr_mmaps++;
        }
        return;
    }
    if (region->size & (page - 1)) {
        return;     /* smaller than a page: MMIO only */
    }
    region->mmaps = g_new0(VFIOMmap, 1);
    region->mmaps[0].size = region->size;
    region->nr_mmaps = 1;
}

bool vfio_region_setup(VFIODevice *vbasedev, VFIORegion *region,
                       uint32_t index, const char *name, Error **errp)
{
    g_autofree struct vfio_region_info *info = NULL;

    memset(region, 0, sizeof(*region));
    region->vbasedev = vbasedev;
    region->nr = index;
    if (vfio_ioctl_device_get_region_info(vbasedev->fd, index, &info,
                                          errp) < 0) {
        error_prepend(errp, "vfio %s: region %u: ", vbasedev->name, index);
        return false;
    }
    region->flags = info->flags;
    region->size = info->size;
    region->fd_offset = info->offset;
    if (!name || !region->size) {
        return true;
    }
    region->mem = g_new0(MemoryRegion, 1);
    memory_region_init_io(region->mem, vbasedev->owner, &vfio_region_ops,
                          region, name, region->size);
    vfio_region_plan_mmaps(region, info);
    trace_vfio_region_setup(vbasedev->name, index, region->size,
                            region->flags, region->nr_mmaps);
    return true;
}

/*
 * iommufd cannot map a BAR's mmap (EFAULT); kernels that offer it export
 * the piece as a dma-buf, which iommufd maps by file.  The kernel takes
 * single-range dma-bufs, so each mmapped piece gets its own.  Probed, not
 * assumed: a kernel without the feature keeps today's path (the mapping
 * fails and dma-map.c warns once for the device).  Legacy needs none:
 * type1 maps the mmap itself.
 */
static void vfio_region_export_dmabuf(VFIORegion *region, VFIOMmap *m)
{
#ifdef CONFIG_VFIO_DMABUF
    VFIODevice *vbasedev = region->vbasedev;
    const char *name = memory_region_name(&m->mem);
    Error *err = NULL;
    int fd;

    if (vbasedev->backend != VFIO_BACKEND_IOMMUFD) {
        return;
    }
    if (vfio_ioctl_device_feature_probe(vbasedev->fd,
                                        VFIO_DEVICE_FEATURE_DMA_BUF,
                                        &err) < 0) {
        trace_vfio_region_dmabuf_none(name, m->offset, error_get_pretty(err));
        error_free(err);
        return;
    }
    fd = vfio_ioctl_device_get_dmabuf(vbasedev->fd, region->nr, m->offset,
                                      m->size, &err);
    if (fd < 0) {
        trace_vfio_region_dmabuf_none(name, m->offset, error_get_pretty(err));
        error_free(err);
        return;
    }
    trace_vfio_region_dmabuf(name, m->offset, m->size, fd);
    m->dmabuf = fd;
    vfio_dma_set_file(&m->mem, fd, m->mmap);
#endif
}

bool vfio_region_mmap(VFIORegion *region, Error **errp)
{
    int prot = 0;

    if (!region->mem) {
        return true;
    }
    prot |= region->flags & VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0;
    prot |= region->flags & VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0;
    for (uint32_t i = 0; i < region->nr_mmaps; i++) {
        VFIOMmap *m = &region->mmaps[i];
        g_autofree char *name = NULL;
        void *p = mmap(NULL, m->size, prot, MAP_SHARED,
                       region->vbasedev->fd, region->fd_offset + m->offset);

        m->dmabuf = -1;
        if (p == MAP_FAILED) {
            /* The MMIO fallback still serves this part. */
            warn_report("vfio %s: cannot mmap region %u at 0x%" PRIx64
                        ": %s; accesses will be slow",
                        region->vbasedev->name, region->nr, m->offset,
                        strerror(errno));
            m->mmap = NULL;
            continue;
        }
        m->mmap = p;
        trace_vfio_region_mmap(memory_region_name(region->mem), m->offset,
                               m->size);
        name = g_strdup_printf("%s mmaps[%u]", memory_region_name(region->mem),
                               i);
        memory_region_init_ram_device_ptr(&m->mem, region->vbasedev->owner,
                                          name, m->size, p);
        vfio_region_export_dmabuf(region, m);
        memory_region_add_subregion(region->mem, m->offset, &m->mem);
    }
    return true;
}

void vfio_region_finalize(VFIORegion *region)
{
    for (uint32_t i = 0; i < region->nr_mmaps; i++) {
        VFIOMmap *m = &region->mmaps[i];

        if (m->mmap) {
            /* Another region may take this address: start it afresh. */
            vfio_dma_forget_unmappable(&m->mem, NULL);
            /* unmaps the piece wherever it is mapped, then its dma-buf goes */
            memory_region_del_subregion(region->mem, &m->mem);
            if (m->dmabuf >= 0) {
                vfio_dma_forget_file(&m->mem);
                close(m->dmabuf);
                m->dmabuf = -1;
            }
            memory_region_finalize(&m->mem);
            munmap(m->mmap, m->size);
            m->mmap = NULL;
        }
    }
    g_clear_pointer(&region->mmaps, g_free);
    region->nr_mmaps = 0;
    if (region->mem) {
        memory_region_finalize(region->mem);
        g_clear_pointer(&region->mem, g_free);
    }
}

/* ---- Interrupts --------------------------------------------------------- */

bool vfio_device_get_irq_info(VFIODevice *vbasedev, uint32_t index,
                              struct vfio_irq_info *info, Error **errp)
{
    if (vfio_ioctl_device_get_irq_info(vbasedev->fd, index, info, errp) < 0) {
        error_prepend(errp, "vfio %s: irq %u: ", vbasedev->name, index);
        return false;
    }
    return true;
}

bool vfio_device_irq_set_eventfds(VFIODevice *vbasedev, uint32_t index,
                                  uint32_t action, uint32_t start,
                                  uint32_t count, const int32_t *fds,
                                  Error **errp)
{
    size_t argsz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
    g_autofree struct vfio_irq_set *set = g_malloc0(argsz);

    set->argsz = argsz;
    set->flags = VFIO_IRQ_SET_DATA_EVENTFD | action;
    set->index = index;
    set->start = start;
    set->count = count;
    memcpy(set->data, fds, count * sizeof(int32_t));
    if (vfio_ioctl_device_set_irqs(vbasedev->fd, set, errp) < 0) {
        error_prepend(errp, "vfio %s: irq %u: ", vbasedev->name, index);
        return false;
    }
    return true;
}

bool vfio_device_irq_action(VFIODevice *vbasedev, uint32_t index,
                            uint32_t subindex, uint32_t action, Error **errp)
{
    struct vfio_irq_set set = {
        .argsz = sizeof(set),
        .flags = VFIO_IRQ_SET_DATA_NONE | action,
        .index = index,
        .start = subindex,
        .count = 1,
    };

    if (vfio_ioctl_device_set_irqs(vbasedev->fd, &set, errp) < 0) {
        error_prepend(errp, "vfio %s: irq %u: ", vbasedev->name, index);
        return false;
    }
    return true;
}

bool vfio_device_irq_disable(VFIODevice *vbasedev, uint32_t index,
                             Error **errp)
{
    struct vfio_irq_set set = {
        .argsz = sizeof(set),
        .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
        .index = index,
    };

    if (vfio_ioctl_device_set_irqs(vbasedev->fd, &set, errp) < 0) {
        error_prepend(errp, "vfio %s: irq %u: ", vbasedev->name, index);
        return false;
    }
    return true;
}
