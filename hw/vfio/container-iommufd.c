/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "vfio-container-iommufd": one IOAS of an iommufd object
 *
 * The kernel's unit here is the device: each device cdev is bound to the
 * iommufd once, then attached to an IOAS (the kernel picks or creates the
 * HWPT).  A device whose IOMMU cannot join an existing IOAS's page table
 * gets a container of its own, filled from the existing one with
 * IOMMU_IOAS_COPY so that no page is pinned twice.
 */
#include "qemu/osdep.h"

#include <linux/iommufd.h>

#include "vfio-container.h"
#include "hw/vfio/vfio-device.h"
#include "vfio-ioctl.h"
#include "vfio-iommufd-device.h"
#include "qemu/error-report.h"
#include "system/iommufd.h"

OBJECT_DECLARE_SIMPLE_TYPE(VFIOIOMMUFDContainer, VFIO_CONTAINER_IOMMUFD)

struct VFIOIOMMUFDContainer {
    VFIOContainer parent_obj;
    IOMMUFDBackend *be;         /* connected while set */
    uint32_t ioas_id;
    bool has_ioas;
};

/*
 * Every IOAS of this process: a hot reset through one device of an
 * iommufd hits the devices of that iommufd in its other IOAS too.
 */
static GPtrArray *vfio_iommufd_containers;     /* VFIOIOMMUFDContainer * */

static bool vfio_iommufd_setup(VFIOContainer *container, VFIODevice *first,
                               Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);
    VFIOIOMMUFDDevice *idev = first->backend_state;

    if (!iommufd_backend_connect(idev->be, errp)) {
        error_prepend(errp, "vfio %s: ", first->name);
        return false;
    }
    ic->be = idev->be;
    object_ref(ic->be);
    if (iommufd_backend_alloc_ioas(ic->be, &ic->ioas_id, errp) < 0) {
        error_prepend(errp, "vfio %s: ", first->name);
        return false;
    }
    ic->has_ioas = true;
    if (!vfio_iommufd_containers) {
        vfio_iommufd_containers = g_ptr_array_new();
    }
    g_ptr_array_add(vfio_iommufd_containers, ic);
    /* probed, never assumed from a version */
    container->ram_by_file = ic->be->map_file_ram &&
        iommufd_backend_probe_map_file(ic->be, ic->ioas_id);
    return true;
}

static int vfio_iommufd_attach_device(VFIOContainer *container,
                                      VFIODevice *vbasedev, Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);
    VFIOIOMMUFDDevice *idev = vbasedev->backend_state;
    uint32_t pt_id = ic->ioas_id;
    int ret;

    if (idev->be != ic->be) {
        error_setg(errp, "vfio %s: the container uses another iommufd object",
                   vbasedev->name);
        return -EAGAIN;
    }
    g_assert(vbasedev->fd >= 0);
    if (!idev->bound) {
        ret = vfio_ioctl_device_bind_iommufd(vbasedev->fd, ic->be->fd,
                                             &idev->devid, errp);
        if (ret < 0) {
            error_prepend(errp, "vfio %s: ", vbasedev->name);
            return ret == -EAGAIN ? -EIO : ret;
        }
        idev->bound = true;
    }
    ret = vfio_ioctl_device_attach_iommufd_pt(vbasedev->fd, &pt_id, errp);
    if (ret < 0) {
        error_prepend(errp, "vfio %s: IOAS %u: ", vbasedev->name,
                      ic->ioas_id);
        /* An IOAS with devices may be incompatible; a fresh one must work. */
        return container->devices->len ? -EAGAIN : ret;
    }
    return 0;
}

static void vfio_iommufd_detach_device(VFIOContainer *container,
                                       VFIODevice *vbasedev)
{
    Error *err = NULL;

    if (vbasedev->fd >= 0) {
        if (vfio_ioctl_device_detach_iommufd_pt(vbasedev->fd, &err) < 0) {
            error_prepend(&err, "vfio %s: ", vbasedev->name);
            warn_report_err(err);
        }
        /* Closing the cdev also unbinds it from the iommufd. */
        close(vbasedev->fd);
        vbasedev->fd = -1;
    }
    ((VFIOIOMMUFDDevice *)vbasedev->backend_state)->bound = false;
}

static bool vfio_iommufd_get_iova_ranges(VFIOContainer *container,
                                         VFIOIommuLimits *limits,
                                         Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);
    g_autoptr(GArray) ranges = NULL;
    uint64_t align = 0;

    if (iommufd_backend_get_iova_ranges(ic->be, ic->ioas_id, &ranges, &align,
                                        errp) < 0) {
        return false;
    }
    for (guint i = 0; i < ranges->len; i++) {
        struct iommu_iova_range *r =
            &g_array_index(ranges, struct iommu_iova_range, i);
        VFIOIovaRange out = { .start = r->start, .last = r->last };

        g_array_append_val(limits->iova_ranges, out);
    }
    /* Any page size from the required alignment up can be mapped. */
    limits->pgsizes = align ? ~(align - 1) : ~(uint64_t)(getpagesize() - 1);
    return true;
}

static int vfio_iommufd_dma_map(VFIOContainer *container, hwaddr iova,
                                uint64_t size, void *vaddr, bool readonly,
                                Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);

    return iommufd_backend_map_dma(ic->be, ic->ioas_id, iova, size, vaddr,
                                   readonly, errp);
}

static int vfio_iommufd_dma_map_file(VFIOContainer *container, hwaddr iova,
                                     uint64_t size, int fd, uint64_t start,
                                     bool readonly, Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);

    return iommufd_backend_map_file_dma(ic->be, ic->ioas_id, iova, size, fd,
                                        start, readonly, errp);
}

static int vfio_iommufd_dma_unmap(VFIOContainer *container, hwaddr iova,
                                  uint64_t size, Error **errp)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(container);

    return iommufd_backend_unmap_dma(ic->be, ic->ioas_id, iova, size, errp);
}

static int vfio_iommufd_dma_copy(VFIOContainer *src, VFIOContainer *dst,
                                 hwaddr iova, uint64_t size, bool readonly,
                                 Error **errp)
{
    VFIOIOMMUFDContainer *s = VFIO_CONTAINER_IOMMUFD(src);
    VFIOIOMMUFDContainer *d = VFIO_CONTAINER_IOMMUFD(dst);

    if (s->be != d->be) {
        error_setg(errp, "IOMMU_IOAS_COPY needs both IOAS in one iommufd");
        return -EOPNOTSUPP;
    }
    return iommufd_backend_copy_dma(s->be, s->ioas_id, d->ioas_id, iova, size,
                                    readonly, errp);
}

/*
 * The device bound to @be as @devid, in whichever of its IOAS (device ids
 * are per iommufd), or NULL.
 */
static VFIODevice *vfio_iommufd_device_by_id(IOMMUFDBackend *be,
                                             uint32_t devid)
{
    for (guint i = 0; vfio_iommufd_containers &&
         i < vfio_iommufd_containers->len; i++) {
        VFIOIOMMUFDContainer *ic = g_ptr_array_index(vfio_iommufd_containers,
                                                     i);
        VFIOContainer *container = VFIO_CONTAINER(ic);

        if (ic->be != be) {
            continue;
        }
        for (guint j = 0; j < container->devices->len; j++) {
            VFIODevice *d = g_ptr_array_index(container->devices, j);
            VFIOIOMMUFDDevice *idev = d->backend_state;

            if (idev && idev->bound && idev->devid == devid) {
                return d;
            }
        }
    }
    return NULL;
}

/*
 * With cdevs the kernel finds the affected devices itself and accepts the
 * reset only if this iommufd owns all of them: ask first, to say which.
 */
static int vfio_iommufd_pci_hot_reset(VFIOContainer *container,
                                      VFIODevice *vbasedev, bool single,
                                      GPtrArray *affected, Error **errp)
{
    g_autofree struct vfio_pci_hot_reset_info *info = NULL;
    VFIOIOMMUFDDevice *idev = vbasedev->backend_state;
    int ret = vfio_ioctl_device_get_pci_hot_reset_info(vbasedev->fd, &info,
                                                       errp);

    if (ret < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return ret;
    }
    /* A cdev bound to an iommufd gets device ids, never group ids. */
    if (!(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID)) {
        error_setg(errp, "vfio %s: the hot-reset info names groups, not "
                   "devices: ownership cannot be checked", vbasedev->name);
        return -EPERM;
    }
    for (uint32_t i = 0; i < info->count; i++) {
        struct vfio_pci_dependent_device *d = &info->devices[i];
        bool other = d->devid != idev->devid;
        bool owned = d->devid != (uint32_t)VFIO_PCI_DEVID_NOT_OWNED;

        if (!owned || (single && other)) {
            vfio_hot_reset_refuse(errp, vbasedev->name, d,
                                  other && owned ? NULL :
                                  ", which this iommufd does not own");
            return single && other ? -EBUSY : -EPERM;
        }
    }
    ret = vfio_ioctl_device_pci_hot_reset(vbasedev->fd, NULL, 0, errp);
    if (ret < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return ret;
    }
    for (uint32_t i = 0; affected && i < info->count; i++) {
        VFIODevice *d = vfio_iommufd_device_by_id(idev->be,
                                                  info->devices[i].devid);

        if (d) {
            g_ptr_array_add(affected, d);
        }
    }
    return 0;
}

static void vfio_iommufd_finalize(Object *obj)
{
    VFIOIOMMUFDContainer *ic = VFIO_CONTAINER_IOMMUFD(obj);

    if (!ic->be) {
        return;
    }
    if (vfio_iommufd_containers) {
        g_ptr_array_remove(vfio_iommufd_containers, ic);
    }
    if (ic->has_ioas) {
        iommufd_backend_free_id(ic->be, ic->ioas_id);
    }
    iommufd_backend_disconnect(ic->be);
    object_unref(ic->be);
}

static void vfio_iommufd_class_init(ObjectClass *oc, const void *data)
{
    VFIOContainerClass *k = VFIO_CONTAINER_CLASS(oc);

    k->setup = vfio_iommufd_setup;
    k->attach_device = vfio_iommufd_attach_device;
    k->detach_device = vfio_iommufd_detach_device;
    k->get_iova_ranges = vfio_iommufd_get_iova_ranges;
    k->dma_map = vfio_iommufd_dma_map;
    k->dma_unmap = vfio_iommufd_dma_unmap;
    k->dma_map_file = vfio_iommufd_dma_map_file;
    /* Pages without struct page (VFIO BAR mmaps) cannot be pinned. */
    k->ram_device_efault_final = true;
    k->dma_copy = vfio_iommufd_dma_copy;
    k->pci_hot_reset = vfio_iommufd_pci_hot_reset;
}

static const TypeInfo vfio_iommufd_info = {
    .name = TYPE_VFIO_CONTAINER_IOMMUFD,
    .parent = TYPE_VFIO_CONTAINER,
    .instance_size = sizeof(VFIOIOMMUFDContainer),
    .instance_finalize = vfio_iommufd_finalize,
    .class_init = vfio_iommufd_class_init,
};

static void vfio_iommufd_register_types(void)
{
    type_register_static(&vfio_iommufd_info);
}
type_init(vfio_iommufd_register_types)
