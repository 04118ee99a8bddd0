/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main system bus
 *
 * Board-level devices that sit on no real bus (a PCI host bridge, the
 * interrupt controller) are TYPE_SYS_BUS_DEVICE and plug into the single
 * main system bus, so that the whole machine forms one device tree that
 * resets from the top.  The bus is created on first use as a child of
 * the machine ("/machine/main-system-bus" once the machine exists).
 */
#ifndef HW_SYSBUS_H
#define HW_SYSBUS_H

#include "hw/qdev-core.h"

#define TYPE_SYSTEM_BUS "System"
#define TYPE_SYS_BUS_DEVICE "sys-bus-device"

typedef struct SysBusDevice {
    DeviceState parent_obj;
} SysBusDevice;

#define SYS_BUS_DEVICE(obj) \
    OBJECT_CHECK(SysBusDevice, (obj), TYPE_SYS_BUS_DEVICE)

/* The main system bus, created on first call. */
BusState *sysbus_get_default(void);
/* qdev_realize() on the main system bus. */
bool sysbus_realize(SysBusDevice *dev, Error **errp);
bool sysbus_realize_and_unref(SysBusDevice *dev, Error **errp);

#endif
