/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * device-list-properties (qapi/qdev.json), which needs to know what a
 * device is; the other QOM commands are qom/'s, device_add and
 * device_del are hw/core/qdev-qmp.c's.
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"

GPtrArray *qmp_device_list_properties(const char *name, Error **errp)
{
    ObjectClass *klass = object_class_by_name(name);

    if (!klass) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", name);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_DEVICE)) {
        error_setg(errp, "Parameter 'typename' expects device");
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "Parameter 'typename' expects a non-abstract "
                   "device type");
        return NULL;
    }
    return object_class_property_list(name, false, errp);
}
