/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP device_add / device_del and the DEVICE_DELETED event
 * (qapi/qdev.json)
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"

/*
 * "gen": false: the members besides driver, bus and id are the device's
 * properties, checked by qdev as for a JSON -device.
 */
JsonNode *qmp_device_add(JsonObject *args, Error **errp)
{
    /* QMP arguments are typed JSON: keyval = false. */
    qdev_device_add_from_json(args, false, errp);
    return NULL;
}

void qmp_device_del(const char *id, Error **errp)
{
    DeviceState *dev = qdev_find_device(id, errp);

    if (dev) {
        qdev_unplug(dev, errp);
    }
}

static void qdev_qmp_device_deleted(const char *id, const char *path,
                                    void *opaque)
{
    qapi_event_send_device_deleted(id, path);
}

static void __attribute__((constructor)) qdev_qmp_register(void)
{
    qdev_add_deleted_notifier(qdev_qmp_device_deleted, NULL);
}
