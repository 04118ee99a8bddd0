/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP device_add / device_del and the DEVICE_DELETED event
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "monitor/qmp.h"

static JsonNode *qmp_device_add(JsonObject *args, Error **errp)
{
    /* QMP arguments are typed JSON: keyval = false. */
    if (!qdev_device_add_from_json(args, false, errp)) {
        return NULL;
    }
    return NULL;
}

static JsonNode *qmp_device_del(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "id", NULL };
    const char *id;
    DeviceState *dev;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "id", &id, errp)) {
        return NULL;
    }
    dev = qdev_find_device(id, errp);
    if (!dev) {
        return NULL;
    }
    qdev_unplug(dev, errp);
    return NULL;
}

static void qdev_qmp_device_deleted(const char *id, const char *path,
                                    void *opaque)
{
    g_autoptr(JsonObject) data = json_object_new();

    if (id) {
        json_object_set_string_member(data, "device", id);
    }
    json_object_set_string_member(data, "path", path);
    qmp_event_send("DEVICE_DELETED", data);
}

static void __attribute__((constructor)) qdev_qmp_register(void)
{
    qmp_register_command("device_add", qmp_device_add,
                         QCO_ALLOW_EXTRA_ARGS);
    qmp_register_command("device_del", qmp_device_del, 0);
    qdev_add_deleted_notifier(qdev_qmp_device_deleted, NULL);
}
