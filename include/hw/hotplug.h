/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hotplug handlers
 *
 * A hotplug handler is any object implementing TYPE_HOTPLUG_HANDLER (a
 * QOM interface); a bus that supports hotplug points at one.  For a plug,
 * qdev calls pre_plug before the device's realize and plug after it.  For
 * an unplug, qdev_unplug() calls unplug_request if the handler has one:
 * removal then completes when the handler decides (at once, or e.g. when
 * the guest powers the slot off) by calling qdev_unplug_complete(), which
 * unrealizes and unparents the device.  Without unplug_request,
 * qdev_unplug() calls unplug and then completes the removal itself.
 */
#ifndef HW_HOTPLUG_H
#define HW_HOTPLUG_H

#include "hw/qdev-core.h"

#define TYPE_HOTPLUG_HANDLER "hotplug-handler"

typedef struct HotplugHandlerClass HotplugHandlerClass;

typedef void (*hotplug_fn)(HotplugHandler *handler, DeviceState *dev,
                           Error **errp);

struct HotplugHandlerClass {
    InterfaceClass parent;

    hotplug_fn pre_plug;
    hotplug_fn plug;
    hotplug_fn unplug_request;
    hotplug_fn unplug;
};

#define HOTPLUG_HANDLER(obj) \
    INTERFACE_CHECK(HotplugHandler, (obj), TYPE_HOTPLUG_HANDLER)
#define HOTPLUG_HANDLER_CLASS(klass) \
    OBJECT_CLASS_CHECK(HotplugHandlerClass, (klass), TYPE_HOTPLUG_HANDLER)
#define HOTPLUG_HANDLER_GET_CLASS(obj) \
    OBJECT_GET_CLASS(HotplugHandlerClass, (obj), TYPE_HOTPLUG_HANDLER)

/* Each returns false with *errp set if the handler refuses. */
bool hotplug_handler_pre_plug(HotplugHandler *h, DeviceState *dev,
                              Error **errp);
bool hotplug_handler_plug(HotplugHandler *h, DeviceState *dev, Error **errp);
bool hotplug_handler_unplug_request(HotplugHandler *h, DeviceState *dev,
                                    Error **errp);
bool hotplug_handler_unplug(HotplugHandler *h, DeviceState *dev,
                            Error **errp);

/* The handler responsible for dev (its bus's), or NULL. */
HotplugHandler *qdev_get_hotplug_handler(DeviceState *dev);

/*
 * Ends a removal: unrealizes dev, takes it off its bus and out of the
 * composition tree (the device-deleted notifiers run).
 */
void qdev_unplug_complete(DeviceState *dev);

#endif
