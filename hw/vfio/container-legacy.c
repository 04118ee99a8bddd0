/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "vfio-container-legacy": the /dev/vfio/vfio container and its groups
 *
 * The kernel's unit of isolation here is the IOMMU group: every device of
 * a group must be in the same container, so groups are tracked globally
 * (groupid -> VFIOGroup) and a group joins exactly one container.  A group
 * already used by a container of another address space is refused.
 */
#include "qemu/osdep.h"

#include "vfio-container.h"
#include "hw/pci/pci.h"
#include "hw/vfio/vfio-device.h"
#include "vfio-ioctl.h"
#include "qemu/error-report.h"
#include "system/memory.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

OBJECT_DECLARE_SIMPLE_TYPE(VFIOLegacyContainer, VFIO_CONTAINER_LEGACY)

struct VFIOLegacyContainer {
    VFIOContainer parent_obj;
    int fd;
    unsigned long iommu_type;   /* 0 until the first group is in */
    guint nr_groups;
};

typedef struct VFIOGroup {
    int groupid;
    int fd;
    VFIOLegacyContainer *container;
    guint nr_devices;
} VFIOGroup;

/* int groupid -> VFIOGroup * */
static GHashTable *vfio_groups;

static VFIOGroup *vfio_group_lookup(int groupid)
{
    return vfio_groups ? g_hash_table_lookup(vfio_groups,
                                             GINT_TO_POINTER(groupid)) : NULL;
}

/* Opens /dev/vfio/N and checks it can be used at all. */
static VFIOGroup *vfio_group_open(VFIODevice *vbasedev, int groupid,
                                  Error **errp)
{
    g_autofree char *path = g_strdup_printf("/dev/vfio/%d", groupid);
    uint32_t flags;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    VFIOGroup *group;

    if (fd < 0) {
        int err = errno;

        error_setg_errno(errp, err, "vfio %s: cannot open %s", vbasedev->name,
                         path);
        if (err == ENOENT) {
            error_append_hint(errp, "Is the device bound to vfio-pci?\n");
        }
        return NULL;
    }
    if (vfio_ioctl_group_get_status(fd, &flags, errp) < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        close(fd);
        return NULL;
    }
    if (!(flags & VFIO_GROUP_FLAGS_VIABLE)) {
        error_setg(errp, "vfio %s: group %d is not viable", vbasedev->name,
                   groupid);
        error_append_hint(errp, "Please ensure all devices within the "
                          "iommu_group are bound to their vfio bus driver.\n");
        close(fd);
        return NULL;
    }
    group = g_new0(VFIOGroup, 1);
    group->groupid = groupid;
    group->fd = fd;
    return group;
}

static void vfio_group_close(VFIOGroup *group)
{
    close(group->fd);
    g_free(group);
}

/* Puts a fresh group into the container, choosing the IOMMU on the first. */
static int vfio_legacy_add_group(VFIOLegacyContainer *lc, VFIOGroup *group,
                                 const char *name, Error **errp)
{
    static const unsigned long types[] = { VFIO_TYPE1v2_IOMMU,
                                           VFIO_TYPE1_IOMMU };
    int ret = vfio_ioctl_group_set_container(group->fd, lc->fd, errp);

    if (ret < 0) {
        error_prepend(errp, "vfio %s: group %d: ", name, group->groupid);
        /* Another container may use a compatible IOMMU; a fresh one must. */
        return lc->nr_groups ? -EAGAIN : ret;
    }
    if (!lc->iommu_type) {
        Error *local_err = NULL;

        for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
            if (!vfio_ioctl_check_extension(lc->fd, types[i])) {
                continue;
            }
            error_free(local_err);
            local_err = NULL;
            if (vfio_ioctl_set_iommu(lc->fd, types[i], &local_err) == 0) {
                lc->iommu_type = types[i];
                break;
            }
        }
        if (!lc->iommu_type) {
            if (!local_err) {
                error_setg(&local_err, "the host supports no type1 IOMMU");
            }
            error_propagate_prepend(errp, local_err, "vfio %s: ", name);
            vfio_ioctl_group_unset_container(group->fd, NULL);
            return -ENODEV;
        }
    }
    group->container = lc;
    lc->nr_groups++;
    return 0;
}

static void vfio_legacy_remove_group(VFIOGroup *group)
{
    Error *err = NULL;

    if (vfio_ioctl_group_unset_container(group->fd, &err) < 0) {
        error_prepend(&err, "vfio: group %d: ", group->groupid);
        warn_report_err(err);
    }
    group->container->nr_groups--;
    g_hash_table_remove(vfio_groups, GINT_TO_POINTER(group->groupid));
    vfio_group_close(group);
}

static bool vfio_legacy_setup(VFIOContainer *container, VFIODevice *first,
                              Error **errp)
{
    VFIOLegacyContainer *lc = VFIO_CONTAINER_LEGACY(container);
    int version;

    lc->fd = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
    if (lc->fd < 0) {
        error_setg_errno(errp, errno, "vfio %s: cannot open %s", first->name,
                         VFIO_CONTAINER_PATH);
        return false;
    }
    version = vfio_ioctl_get_api_version(lc->fd, errp);
    if (version < 0) {
        error_prepend(errp, "vfio %s: ", first->name);
        return false;
    }
    if (version != VFIO_API_VERSION) {
        error_setg(errp, "vfio %s: unsupported VFIO API version %d "
                   "(expected %d)", first->name, version, VFIO_API_VERSION);
        return false;
    }
    return true;
}

static int vfio_legacy_attach_device(VFIOContainer *container,
                                     VFIODevice *vbasedev, Error **errp)
{
    VFIOLegacyContainer *lc = VFIO_CONTAINER_LEGACY(container);
    int groupid = vfio_device_group_id(vbasedev, errp);
    VFIOGroup *group;
    bool new_group = false;
    int fd, ret;

    if (groupid < 0) {
        return -ENODEV;
    }
    group = vfio_group_lookup(groupid);
    if (group && group->container != lc) {
        AddressSpace *other = VFIO_CONTAINER(group->container)->space->as;

        if (other != container->space->as) {
            error_setg(errp, "vfio %s: group %d is already used in address "
                       "space '%s'; all devices of a group must share one "
                       "address space", vbasedev->name, groupid,
                       address_space_name(other));
            return -EBUSY;
        }
        error_setg(errp, "vfio %s: group %d belongs to another container",
                   vbasedev->name, groupid);
        return -EAGAIN;
    }
    if (!group) {
        group = vfio_group_open(vbasedev, groupid, errp);
        if (!group) {
            return -ENODEV;
        }
        ret = vfio_legacy_add_group(lc, group, vbasedev->name, errp);
        if (ret < 0) {
            vfio_group_close(group);
            return ret;
        }
        if (!vfio_groups) {
            vfio_groups = g_hash_table_new(NULL, NULL);
        }
        g_hash_table_insert(vfio_groups, GINT_TO_POINTER(groupid), group);
        new_group = true;
    }
    fd = vfio_ioctl_group_get_device_fd(group->fd, vbasedev->name, errp);
    if (fd < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        if (new_group) {
            vfio_legacy_remove_group(group);
        }
        return fd == -EAGAIN ? -EIO : fd;
    }
    vbasedev->fd = fd;
    vbasedev->groupid = groupid;    /* how detach finds the group again */
    group->nr_devices++;
    return 0;
}

static void vfio_legacy_detach_device(VFIOContainer *container,
                                      VFIODevice *vbasedev)
{
    VFIOGroup *group = vfio_group_lookup(vbasedev->groupid);

    if (vbasedev->fd >= 0) {
        close(vbasedev->fd);
        vbasedev->fd = -1;
    }
    if (group && --group->nr_devices == 0) {
        vfio_legacy_remove_group(group);
    }
}

static bool vfio_legacy_get_iova_ranges(VFIOContainer *container,
                                        VFIOIommuLimits *limits,
                                        Error **errp)
{
    VFIOLegacyContainer *lc = VFIO_CONTAINER_LEGACY(container);
    g_autofree struct vfio_iommu_type1_info *info = NULL;
    struct vfio_info_cap_header *hdr;

    if (vfio_ioctl_iommu_get_info(lc->fd, &info, errp) < 0) {
        return false;
    }
    limits->pgsizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ?
                      info->iova_pgsizes : 4096;
    if (!(info->flags & VFIO_IOMMU_INFO_CAPS)) {
        return true;
    }
    hdr = vfio_info_find_cap(info, info->argsz, info->cap_offset,
                             VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    if (hdr) {
        struct vfio_iommu_type1_info_cap_iova_range *cap = (void *)hdr;
        size_t room = info->argsz - ((char *)cap->iova_ranges - (char *)info);
        guint n = MIN(cap->nr_iovas, room / sizeof(cap->iova_ranges[0]));

        for (guint i = 0; i < n; i++) {
            VFIOIovaRange r = {
                .start = cap->iova_ranges[i].start,
                .last = cap->iova_ranges[i].end,
            };

            g_array_append_val(limits->iova_ranges, r);
        }
    }
    hdr = vfio_info_find_cap(info, info->argsz, info->cap_offset,
                             VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
    if (hdr) {
        struct vfio_iommu_type1_info_dma_avail *cap = (void *)hdr;

        limits->has_dma_avail = true;
        limits->dma_avail = cap->avail;
    }
    return true;
}

static int vfio_legacy_dma_map(VFIOContainer *container, hwaddr iova,
                               uint64_t size, void *vaddr, bool readonly,
                               Error **errp)
{
    return vfio_ioctl_map_dma(VFIO_CONTAINER_LEGACY(container)->fd, iova,
                              size, vaddr, readonly, errp);
}

static int vfio_legacy_dma_unmap(VFIOContainer *container, hwaddr iova,
                                 uint64_t size, Error **errp)
{
    return vfio_ioctl_unmap_dma(VFIO_CONTAINER_LEGACY(container)->fd, iova,
                                size, errp);
}

/*
 * Our device that a hot-reset info entry names: the device of that group,
 * in whichever container the group is, with that address; or NULL (a
 * function of one of our groups that is not assigned).
 */
static VFIODevice *vfio_legacy_dependent_device(
    const struct vfio_pci_dependent_device *dep)
{
    VFIOGroup *group = vfio_group_lookup(dep->group_id);
    g_autofree char *bdf = g_strdup_printf("%04x:%02x:%02x.%x", dep->segment,
                                           dep->bus, PCI_SLOT(dep->devfn),
                                           PCI_FUNC(dep->devfn));
    VFIOContainer *container;

    if (!group || !group->container) {
        return NULL;
    }
    container = VFIO_CONTAINER(group->container);
    for (guint i = 0; i < container->devices->len; i++) {
        VFIODevice *d = g_ptr_array_index(container->devices, i);

        if (d->groupid == group->groupid && !g_strcmp0(d->name, bdf)) {
            return d;
        }
    }
    return NULL;
}

/*
 * A bus reset affects every function on the bus: each one's group must be
 * ours (opened by this process), and the kernel wants all their fds.
 */
static int vfio_legacy_pci_hot_reset(VFIOContainer *container,
                                     VFIODevice *vbasedev, bool single,
                                     GPtrArray *affected, Error **errp)
{
    g_autofree struct vfio_pci_hot_reset_info *info = NULL;
    g_autoptr(GArray) fds = g_array_new(false, false, sizeof(int32_t));
    int ret = vfio_ioctl_device_get_pci_hot_reset_info(vbasedev->fd, &info,
                                                       errp);

    if (ret < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return ret;
    }
    for (uint32_t i = 0; i < info->count; i++) {
        struct vfio_pci_dependent_device *d = &info->devices[i];
        VFIOGroup *group = vfio_group_lookup(d->group_id);
        bool seen = false;

        if (!group) {
            g_autofree char *why = g_strdup_printf(", whose group %u is "
                                                   "not ours", d->group_id);

            vfio_hot_reset_refuse(errp, vbasedev->name, d, why);
            return -EPERM;
        }
        if (single && group->groupid != vbasedev->groupid) {
            vfio_hot_reset_refuse(errp, vbasedev->name, d, NULL);
            return -EBUSY;
        }
        for (guint j = 0; j < fds->len; j++) {
            seen |= g_array_index(fds, int32_t, j) == group->fd;
        }
        if (!seen) {
            g_array_append_val(fds, group->fd);
        }
    }
    ret = vfio_ioctl_device_pci_hot_reset(vbasedev->fd,
                                          (int32_t *)fds->data, fds->len,
                                          errp);
    if (ret < 0) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return ret;
    }
    for (uint32_t i = 0; affected && i < info->count; i++) {
        VFIODevice *d = vfio_legacy_dependent_device(&info->devices[i]);

        if (d) {
            g_ptr_array_add(affected, d);
        }
    }
    return 0;
}

static void vfio_legacy_init(Object *obj)
{
    VFIO_CONTAINER_LEGACY(obj)->fd = -1;
}

static void vfio_legacy_finalize(Object *obj)
{
    VFIOLegacyContainer *lc = VFIO_CONTAINER_LEGACY(obj);

    if (lc->fd >= 0) {
        close(lc->fd);
    }
}

static void vfio_legacy_class_init(ObjectClass *oc, const void *data)
{
    VFIOContainerClass *k = VFIO_CONTAINER_CLASS(oc);

    k->setup = vfio_legacy_setup;
    k->attach_device = vfio_legacy_attach_device;
    k->detach_device = vfio_legacy_detach_device;
    k->get_iova_ranges = vfio_legacy_get_iova_ranges;
    k->dma_map = vfio_legacy_dma_map;
    k->dma_unmap = vfio_legacy_dma_unmap;
    /* No dma_copy: type1 cannot share pinned pages between containers. */
    k->pci_hot_reset = vfio_legacy_pci_hot_reset;
}

static const TypeInfo vfio_legacy_info = {
    .name = TYPE_VFIO_CONTAINER_LEGACY,
    .parent = TYPE_VFIO_CONTAINER,
    .instance_size = sizeof(VFIOLegacyContainer),
    .instance_init = vfio_legacy_init,
    .instance_finalize = vfio_legacy_finalize,
    .class_init = vfio_legacy_class_init,
};

static void vfio_legacy_register_types(void)
{
    type_register_static(&vfio_legacy_info);
}
type_init(vfio_legacy_register_types)
