/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hotplug handler interface and unplug
 */
#include "qemu/osdep.h"
#include "hw/hotplug.h"
#include "hw/boards.h"

static bool hotplug_call(hotplug_fn fn, HotplugHandler *h, DeviceState *dev,
                         Error **errp)
{
    Error *local_err = NULL;

    if (fn) {
        fn(h, dev, &local_err);
    }
    if (local_err) {
        error_propagate(errp, local_err);
        return false;
    }
    return true;
}

bool hotplug_handler_pre_plug(HotplugHandler *h, DeviceState *dev,
                              Error **errp)
{
    return hotplug_call(HOTPLUG_HANDLER_GET_CLASS(h)->pre_plug, h, dev, errp);
}

bool hotplug_handler_plug(HotplugHandler *h, DeviceState *dev, Error **errp)
{
    return hotplug_call(HOTPLUG_HANDLER_GET_CLASS(h)->plug, h, dev, errp);
}

bool hotplug_handler_unplug_request(HotplugHandler *h, DeviceState *dev,
                                    Error **errp)
{
    return hotplug_call(HOTPLUG_HANDLER_GET_CLASS(h)->unplug_request, h, dev,
                        errp);
}

bool hotplug_handler_unplug(HotplugHandler *h, DeviceState *dev,
                            Error **errp)
{
    return hotplug_call(HOTPLUG_HANDLER_GET_CLASS(h)->unplug, h, dev, errp);
}

HotplugHandler *qdev_get_hotplug_handler(DeviceState *dev)
{
    MachineState *ms = qdev_get_machine();

    if (ms) {
        MachineClass *mc = MACHINE_GET_CLASS(ms);

        if (mc->get_hotplug_handler) {
            HotplugHandler *h = mc->get_hotplug_handler(ms, dev);

            if (h) {
                return h;
            }
        }
    }
    return dev->parent_bus ? dev->parent_bus->hotplug_handler : NULL;
}

void qdev_unplug_complete(DeviceState *dev)
{
    dev->unplug_pending = false;
    object_unparent(OBJECT(dev));
}

bool qdev_unplug(DeviceState *dev, Error **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);
    BusState *bus = dev->parent_bus;
    HotplugHandler *h;
    HotplugHandlerClass *hc;

    if (bus && !qbus_is_hotpluggable(bus)) {
        error_setg(errp, "Bus '%s' does not support hotplugging", bus->name);
        return false;
    }
    if (!dc->hotpluggable) {
        error_setg(errp, "Device '%s' does not support hotplugging",
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    h = qdev_get_hotplug_handler(dev);
    if (!h) {
        error_setg(errp, "Device '%s' does not support hotplugging",
                   object_get_typename(OBJECT(dev)));
        return false;
    }
    if (dev->unplug_pending) {
        error_setg(errp, "Device '%s' is already in the process of unplug",
                   qdev_fw_name(dev));
        return false;
    }
    hc = HOTPLUG_HANDLER_GET_CLASS(h);
    if (hc->unplug_request) {
        dev->unplug_pending = true;
        if (!hotplug_handler_unplug_request(h, dev, errp)) {
            dev->unplug_pending = false;
            return false;
        }
        return true;
    }
    if (!hotplug_handler_unplug(h, dev, errp)) {
        return false;
    }
    qdev_unplug_complete(dev);
    return true;
}

static const TypeInfo hotplug_handler_info = {
    .name = TYPE_HOTPLUG_HANDLER,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(HotplugHandlerClass),
};

static void hotplug_handler_register_types(void)
{
    type_register_static(&hotplug_handler_info);
}

type_init(hotplug_handler_register_types)
