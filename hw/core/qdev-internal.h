/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev internals shared by hw/core files
 */
#ifndef HW_CORE_QDEV_INTERNAL_H
#define HW_CORE_QDEV_INTERNAL_H

#include "hw/qdev-core.h"

/* Bus membership; the bus holds a reference on each child. */
void qbus_add_child(BusState *bus, DeviceState *dev);
void qbus_remove_child(BusState *bus, DeviceState *dev);

/* Runs the device-deleted notifiers for dev. */
void qdev_notify_deleted(DeviceState *dev);

/* Frees dev's gpio lists (finalize). */
void qdev_gpio_free(DeviceState *dev);

#endif
