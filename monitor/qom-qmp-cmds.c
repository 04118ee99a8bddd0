/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM and device QMP commands.  The QOM ones are qom/'s own handlers (they
 * check their arguments themselves); only device-list-properties, which
 * needs to know what a device is, lives here.  device_add, device_del and
 * DEVICE_DELETED live in hw/core/qdev-qmp.c.
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/qom-qmp-cmds.h"

static JsonNode *qmp_device_list_properties(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "typename", NULL };
    g_autoptr(GPtrArray) infos = NULL;
    const char *name;
    ObjectClass *klass;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "typename", &name, errp)) {
        return NULL;
    }
    klass = object_class_by_name(name);
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
    infos = object_class_property_list(name, false, errp);
    if (!infos) {
        return NULL;
    }
    return qom_property_info_list_to_json(infos, true);
}

void qmp_register_qom_commands(void)
{
    qmp_register_command("qom-list", qmp_qom_list, 0);
    qmp_register_command("qom-get", qmp_qom_get, 0);
    qmp_register_command("qom-set", qmp_qom_set, 0);
    qmp_register_command("qom-list-types", qmp_qom_list_types, 0);
    qmp_register_command("qom-list-properties", qmp_qom_list_properties, 0);
    qmp_register_command("device-list-properties",
                         qmp_device_list_properties, 0);
    qmp_register_command("object-add", qmp_object_add,
                         QCO_ALLOW_EXTRA_ARGS);
    qmp_register_command("object-del", qmp_object_del, 0);
}
