/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-tree reset and the machine's reset handler
 */
#include "qemu/osdep.h"
#include "hw/reset.h"
#include "hw/boards.h"
#include "hw/sysbus.h"

void qemu_devices_reset(void)
{
    bus_cold_reset(sysbus_get_default());
}

void machine_reset_handler(void *opaque)
{
    MachineState *ms = opaque;
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    if (mc->reset) {
        mc->reset(ms);
    } else {
        qemu_devices_reset();
    }
}
