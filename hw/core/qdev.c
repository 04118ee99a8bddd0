/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev: the device base type, realize/unrealize and device reset
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/hotplug.h"
#include "hw/boards.h"
#include "qdev-internal.h"

DeviceState *qdev_new(const char *typename)
{
    return DEVICE(object_new(typename));
}

DeviceState *qdev_try_new(const char *typename, Error **errp)
{
    ObjectClass *oc = object_class_by_name(typename);

    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", typename);
        return NULL;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "Parameter 'driver' expects a non-abstract device "
                   "type");
        return NULL;
    }
    return DEVICE(object_new_with_class(oc));
}

const char *qdev_fw_name(DeviceState *dev)
{
    if (dev->id) {
        return dev->id;
    }
    if (dev->canonical_path) {
        return dev->canonical_path;
    }
    return object_get_typename(OBJECT(dev));
}

bool qdev_set_parent_bus(DeviceState *dev, BusState *bus, Error **errp)
{
    BusClass *bc;

    if (dev->parent_bus == bus) {
        return true;
    }
    if (bus) {
        bc = BUS_GET_CLASS(bus);
        if (bc->check_address && !bc->check_address(bus, dev, errp)) {
            return false;
        }
        if (bc->max_dev && bus->num_children >= bc->max_dev) {
            error_setg(errp, "Bus '%s' is full", bus->name);
            return false;
        }
    }
    object_ref(OBJECT(dev));
    if (dev->parent_bus) {
        qbus_remove_child(dev->parent_bus, dev);
    }
    if (bus) {
        qbus_add_child(bus, dev);
    }
    object_unref(OBJECT(dev));
    return true;
}

static void device_attach_unattached(DeviceState *dev)
{
    static unsigned counter;
    g_autofree char *name = NULL;
    Object *unattached;

    if (OBJECT(dev)->parent || !qdev_get_machine()) {
        return;
    }
    unattached = container_get(OBJECT(qdev_get_machine()), "unattached");
    name = g_strdup_printf("device[%u]", counter++);
    object_property_add_child(unattached, name, OBJECT(dev));
}

static bool device_realize(DeviceState *dev, Error **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    HotplugHandler *hotplug_ctrl;
    Error *local_err = NULL;

    if (dev->global_error) {
        error_propagate(errp, error_copy(dev->global_error));
        return false;
    }
    device_attach_unattached(dev);

    hotplug_ctrl = qdev_get_hotplug_handler(dev);
    if (hotplug_ctrl && !hotplug_handler_pre_plug(hotplug_ctrl, dev, errp)) {
        return false;
    }
    if (dc->realize) {
        dc->realize(dev, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            return false;
        }
    }
    for (GList *l = dev->child_buses; l; l = l->next) {
        BUS(l->data)->realized = true;
    }
    dev->realized = true;
    g_free(dev->canonical_path);
    dev->canonical_path = object_get_canonical_path(OBJECT(dev));

    if (dev->hotplugged) {
        device_cold_reset(dev);
    }
    if (hotplug_ctrl && !hotplug_handler_plug(hotplug_ctrl, dev, errp)) {
        qdev_unrealize(dev);
        return false;
    }
    return true;
}

static void device_unrealize(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    for (GList *l = dev->child_buses; l; l = l->next) {
        BusState *bus = BUS(l->data);

        for (GList *c = bus->children; c; c = c->next) {
            qdev_unrealize(DEVICE(c->data));
        }
        bus->realized = false;
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    dev->realized = false;
}

static bool device_get_realized(Object *obj, Error **errp)
{
    return DEVICE(obj)->realized;
}

static void device_set_realized(Object *obj, bool value, Error **errp)
{
    DeviceState *dev = DEVICE(obj);

    if (value && !dev->realized) {
        device_realize(dev, errp);
    } else if (!value && dev->realized) {
        device_unrealize(dev);
    }
}

bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp)
{
    bool plugged_here = false;

    if (bus) {
        plugged_here = dev->parent_bus != bus;
        if (!qdev_set_parent_bus(dev, bus, errp)) {
            return false;
        }
    } else if (DEVICE_GET_CLASS(dev)->bus_type && !dev->parent_bus) {
        error_setg(errp, "Device '%s' needs a '%s' bus",
                   object_get_typename(OBJECT(dev)),
                   DEVICE_GET_CLASS(dev)->bus_type);
        return false;
    }
    if (!object_property_set_bool(OBJECT(dev), "realized", true, errp)) {
        if (plugged_here) {
            qdev_set_parent_bus(dev, NULL, &error_abort);
        }
        return false;
    }
    return true;
}

bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp)
{
    bool ok = qdev_realize(dev, bus, errp);

    object_unref(OBJECT(dev));
    return ok;
}

void qdev_unrealize(DeviceState *dev)
{
    if (dev->realized) {
        device_unrealize(dev);
    }
}

static void device_unparent(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    qdev_unrealize(dev);
    while (dev->child_buses) {
        object_unparent(OBJECT(dev->child_buses->data));
    }
    if (dev->parent_bus) {
        qbus_remove_child(dev->parent_bus, dev);
    }
    /*
     * Every device that was ever realized is announced, including the
     * functions below a bridge that goes (their bridge unrealized them).
     */
    if (dev->canonical_path) {
        qdev_notify_deleted(dev);
    }
}

/* ---- Reset ------------------------------------------------------------ */

void device_cold_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (dc->reset) {
        dc->reset(dev);
    }
    for (GList *l = dev->child_buses; l; l = l->next) {
        bus_cold_reset(BUS(l->data));
    }
}

void bus_cold_reset(BusState *bus)
{
    BusClass *bc = BUS_GET_CLASS(bus);

    for (GList *l = bus->children; l; l = l->next) {
        device_cold_reset(DEVICE(l->data));
    }
    /* Last, so that a bus can restore state its devices' resets rely on. */
    if (bc->reset) {
        bc->reset(bus);
    }
}

/* ---- Type ------------------------------------------------------------- */

static void device_post_init(Object *obj)
{
    qdev_prop_set_globals(DEVICE(obj));
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    qdev_gpio_free(dev);
    g_free(dev->id);
    g_free(dev->canonical_path);
    if (dev->global_error) {
        error_free(dev->global_error);
    }
}

static void device_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    oc->unparent = device_unparent;
    dc->user_creatable = true;
    dc->hotpluggable = true;
    object_class_property_add_bool(oc, "realized", device_get_realized,
                                   device_set_realized);
}

static const TypeInfo device_type_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(DeviceState),
    .instance_post_init = device_post_init,
    .instance_finalize = device_finalize,
    .abstract = true,
    .class_size = sizeof(DeviceClass),
    .class_init = device_class_init,
};

static void qdev_register_types(void)
{
    type_register_static(&device_type_info);
}

type_init(qdev_register_types)
