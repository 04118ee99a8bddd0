/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract "vfio-container" class and the VFIOAddressSpace registry
 *
 * Backends implement the kernel side (see the contract in
 * hw/vfio/vfio-container.h); this file decides which container a device
 * joins and keeps every container of an address space in step with it.
 */
#include "qemu/osdep.h"

#include "vfio-container.h"
#include "hw/vfio/vfio-device.h"
#include "vfio-dma-map.h"
#include "vfio-listener.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "hw/vfio/trace.h"

/* AddressSpace * -> VFIOAddressSpace * */
static GHashTable *vfio_address_spaces;

VFIOAddressSpace *vfio_address_space_lookup(AddressSpace *as)
{
    return vfio_address_spaces ? g_hash_table_lookup(vfio_address_spaces, as)
                               : NULL;
}

VFIOAddressSpace *vfio_address_space_get(AddressSpace *as)
{
    VFIOAddressSpace *space = vfio_address_space_lookup(as);

    if (space) {
        return space;
    }
    if (!vfio_address_spaces) {
        vfio_address_spaces = g_hash_table_new(NULL, NULL);
    }
    space = g_new0(VFIOAddressSpace, 1);
    space->as = as;
    space->containers = g_ptr_array_new();
    g_hash_table_insert(vfio_address_spaces, as, space);
    /* Registering replays the current view into the section tree. */
    space->listener = vfio_listener_new(space);
    return space;
}

void vfio_address_space_put(VFIOAddressSpace *space)
{
    if (!space || space->containers->len) {
        return;
    }
    vfio_listener_free(space->listener);
    g_hash_table_remove(vfio_address_spaces, space->as);
    g_ptr_array_free(space->containers, true);
    g_free(space);
}

/* ---- Attach and detach -------------------------------------------------- */

/* Asks the backend what the host IOMMU allows now; the engine keeps it. */
static bool vfio_container_get_limits(VFIOContainer *container, Error **errp)
{
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(container);
    VFIOIommuLimits limits = {
        .iova_ranges = g_array_new(false, false, sizeof(VFIOIovaRange)),
    };
    bool ok;

    BQL_ASSERT_HELD();
    ok = k->get_iova_ranges(container, &limits, errp);
    if (ok) {
        vfio_dma_set_limits(container, &limits);
    }
    g_array_free(limits.iova_ranges, true);
    return ok;
}

/*
 * The kernel isolates whole IOMMU groups, so every device of a group must
 * DMA through one address space, whatever the backend.  Returns the
 * address space already holding a device of vbasedev's group, if it is
 * not @as.
 */
static AddressSpace *vfio_group_other_space(VFIODevice *vbasedev,
                                            AddressSpace *as)
{
    GHashTableIter it;
    gpointer key, value;

    if (vbasedev->groupid < 0 || !vfio_address_spaces) {
        return NULL;
    }
    g_hash_table_iter_init(&it, vfio_address_spaces);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        VFIOAddressSpace *space = value;

        if (space->as == as) {
            continue;
        }
        for (guint i = 0; i < space->containers->len; i++) {
            VFIOContainer *c = g_ptr_array_index(space->containers, i);

            for (guint j = 0; j < c->devices->len; j++) {
                VFIODevice *d = g_ptr_array_index(c->devices, j);

                if (d->groupid == vbasedev->groupid) {
                    return space->as;
                }
            }
        }
    }
    return NULL;
}

/*
 * The container in @space that already holds a device of vbasedev's IOMMU
 * group, or NULL.  The kernel isolates whole groups, and iommufd does not
 * refuse to attach group siblings to different IOAS, so QEMU enforces it.
 */
static VFIOContainer *vfio_group_container(VFIOAddressSpace *space,
                                           VFIODevice *vbasedev,
                                           VFIODevice **sibling)
{
    if (vbasedev->groupid < 0) {
        return NULL;
    }
    for (guint i = 0; i < space->containers->len; i++) {
        VFIOContainer *c = g_ptr_array_index(space->containers, i);

        for (guint j = 0; j < c->devices->len; j++) {
            VFIODevice *d = g_ptr_array_index(c->devices, j);

            if (d->groupid == vbasedev->groupid) {
                *sibling = d;
                return c;
            }
        }
    }
    return NULL;
}

/* Attaches vbasedev to the container of its group sibling, or fails. */
static bool vfio_container_join_group(const char *container_type,
                                      VFIOContainer *container,
                                      VFIODevice *sibling,
                                      VFIODevice *vbasedev, Error **errp)
{
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(container);
    Error *local_err = NULL;
    int index;

    if (!object_dynamic_cast(OBJECT(container), container_type)) {
        error_setg(errp, "vfio %s: %s of the same IOMMU group %d uses the "
                   "%s backend; all devices of a group must share one "
                   "backend and container", vbasedev->name, sibling->name,
                   vbasedev->groupid,
                   vfio_device_backend_name(sibling));
        return false;
    }
    BQL_ASSERT_HELD();
    if (k->attach_device(container, vbasedev, &local_err) < 0) {
        error_setg(errp, "vfio %s: cannot share the container of %s, which "
                   "is in the same IOMMU group %d: %s", vbasedev->name,
                   sibling->name, vbasedev->groupid,
                   error_get_pretty(local_err));
        error_free(local_err);
        return false;
    }
    index = -1;
    for (guint i = 0; i < container->space->containers->len; i++) {
        if (g_ptr_array_index(container->space->containers, i) == container) {
            index = i;
        }
    }
    trace_vfio_container_attach(vbasedev->name, container_type, index, false);
    g_ptr_array_add(container->devices, vbasedev);
    vbasedev->container = container;
    if (!vfio_container_get_limits(container, &local_err)) {
        warn_report_err(local_err);
    }
    return true;
}

static void vfio_container_unregister(VFIOContainer *container)
{
    VFIOAddressSpace *space = container->space;

    trace_vfio_container_destroy(object_get_typename(OBJECT(container)),
                                 space->containers->len - 1);
    g_ptr_array_remove(space->containers, container);
    object_unref(container);
    vfio_address_space_put(space);
}

bool vfio_container_attach_device(const char *container_type,
                                  VFIODevice *vbasedev, AddressSpace *as,
                                  Error **errp)
{
    VFIOContainerClass *k =
        VFIO_CONTAINER_CLASS(object_class_by_name(container_type));
    VFIOAddressSpace *space;
    VFIOContainer *container, *donor = NULL;
    VFIODevice *sibling = NULL;
    AddressSpace *other = vfio_group_other_space(vbasedev, as);
    Error *ranges_err = NULL;
    int ret;

    g_assert(!vbasedev->container);
    if (other) {
        error_setg(errp, "vfio %s: group %d is already used in address "
                   "space '%s'; all devices of a group must share one "
                   "address space", vbasedev->name, vbasedev->groupid,
                   address_space_name(other));
        return false;
    }
    space = vfio_address_space_get(as);
    container = vfio_group_container(space, vbasedev, &sibling);
    if (container) {
        if (!vfio_container_join_group(container_type, container, sibling,
                                       vbasedev, errp)) {
            vfio_address_space_put(space);
            return false;
        }
        return true;
    }
    for (guint i = 0; i < space->containers->len; i++) {
        Error *local_err = NULL;

        container = g_ptr_array_index(space->containers, i);
        if (!object_dynamic_cast(OBJECT(container), container_type)) {
            continue;
        }
        donor = donor ? donor : container;
        if (vbasedev->force_separate_ioas) {
            continue;
        }
        BQL_ASSERT_HELD();
        ret = k->attach_device(container, vbasedev, &local_err);
        if (ret == 0) {
            trace_vfio_container_attach(vbasedev->name, container_type, i,
                                        false);
            g_ptr_array_add(container->devices, vbasedev);
            vbasedev->container = container;
            /* A new device may bring reserved regions; mappings stay. */
            if (!vfio_container_get_limits(container, &local_err)) {
                warn_report_err(local_err);
            }
            return true;
        }
        if (ret != -EAGAIN) {
            error_propagate(errp, local_err);
            vfio_address_space_put(space);
            return false;
        }
        error_free(local_err);
    }

    container = VFIO_CONTAINER(object_new(container_type));
    container->space = space;
    BQL_ASSERT_HELD();
    if (!k->setup(container, vbasedev, errp)) {
        object_unref(container);
        vfio_address_space_put(space);
        return false;
    }
    BQL_ASSERT_HELD();
    if (k->attach_device(container, vbasedev, errp) < 0) {
        object_unref(container);
        vfio_address_space_put(space);
        return false;
    }
    g_ptr_array_add(container->devices, vbasedev);
    vbasedev->container = container;
    g_ptr_array_add(space->containers, container);
    trace_vfio_container_attach(vbasedev->name, container_type,
                                space->containers->len - 1, true);
    if (!vfio_container_get_limits(container, &ranges_err)) {
        /* a QMP caller sees only this message: name the device */
        error_propagate_prepend(errp, ranges_err, "vfio %s: ",
                                vbasedev->name);
        vfio_container_detach_device(vbasedev);
        return false;
    }
    /* x-ioas-copy=off: pin and map everything again, for comparison. */
    vfio_dma_replay(container, vfio_listener_sections(space->listener),
                    vbasedev->ioas_copy ? donor : NULL);
    if (container->map_error) {
        error_propagate_prepend(errp, g_steal_pointer(&container->map_error),
                                "vfio %s: ", vbasedev->name);
        vfio_container_detach_device(vbasedev);
        return false;
    }
    return true;
}

void vfio_container_detach_device(VFIODevice *vbasedev)
{
    VFIOContainer *container = vbasedev->container;
    VFIOContainerClass *k;
    bool last;

    if (!container) {
        return;
    }
    k = VFIO_CONTAINER_GET_CLASS(container);
    last = container->devices->len == 1;
    trace_vfio_container_detach(vbasedev->name, last);
    /* Legacy loses its IOMMU with the last group: unmap while it's there. */
    if (last) {
        vfio_dma_unmap_all(container);
    }
    g_ptr_array_remove(container->devices, vbasedev);
    BQL_ASSERT_HELD();
    k->detach_device(container, vbasedev);
    vbasedev->container = NULL;
    if (last) {
        vfio_container_unregister(container);
    }
}

/* ---- The QOM type -------------------------------------------------------- */

static void vfio_container_instance_init(Object *obj)
{
    VFIOContainer *container = VFIO_CONTAINER(obj);

    container->devices = g_ptr_array_new();
    vfio_dma_init(container);
}

static void vfio_container_instance_finalize(Object *obj)
{
    VFIOContainer *container = VFIO_CONTAINER(obj);

    g_assert(!container->devices->len);
    g_ptr_array_free(container->devices, true);
    vfio_dma_finalize(container);
}

static const TypeInfo vfio_container_info = {
    .name = TYPE_VFIO_CONTAINER,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(VFIOContainer),
    .instance_init = vfio_container_instance_init,
    .instance_finalize = vfio_container_instance_finalize,
    .abstract = true,
    .class_size = sizeof(VFIOContainerClass),
};

static void vfio_container_register_types(void)
{
    type_register_static(&vfio_container_info);
}
type_init(vfio_container_register_types)
