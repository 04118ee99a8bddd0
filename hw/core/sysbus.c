/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main system bus and the system-bus device base type
 */
#include "qemu/osdep.h"
#include "hw/sysbus.h"

static BusState *main_system_bus;

BusState *sysbus_get_default(void)
{
    if (!main_system_bus) {
        main_system_bus = qbus_new(TYPE_SYSTEM_BUS, NULL, "main-system-bus");
    }
    return main_system_bus;
}

bool sysbus_realize(SysBusDevice *dev, Error **errp)
{
    return qdev_realize(DEVICE(dev), sysbus_get_default(), errp);
}

bool sysbus_realize_and_unref(SysBusDevice *dev, Error **errp)
{
    return qdev_realize_and_unref(DEVICE(dev), sysbus_get_default(), errp);
}

static void sys_bus_device_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->bus_type = TYPE_SYSTEM_BUS;
    dc->user_creatable = false;
    dc->hotpluggable = false;
}

static const TypeInfo sysbus_types[] = {
    {
        .name = TYPE_SYSTEM_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(BusState),
    },
    {
        .name = TYPE_SYS_BUS_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(SysBusDevice),
        .abstract = true,
        .class_init = sys_bus_device_class_init,
    },
};

DEFINE_TYPES(sysbus_types)
