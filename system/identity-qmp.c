/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's identity (-name, -uuid) and its QMP queries: query-name
 * ({"name": NAME}, or {} without -name) and query-uuid ({"UUID": ...},
 * all zeroes without -uuid), as libvirt reads them.
 */
#include "qemu/osdep.h"
#include "monitor/qmp.h"
#include "system/sysemu.h"

const char *qemu_name;
uint8_t qemu_uuid[16];
bool qemu_uuid_set;

static const char *const no_args[] = { NULL };

static JsonNode *qmp_query_name(JsonObject *args, Error **errp)
{
    JsonObject *o;

    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    o = json_object_new();
    if (qemu_name) {
        json_object_set_string_member(o, "name", qemu_name);
    }
    return qmp_return_object(o);
}

static JsonNode *qmp_query_uuid(JsonObject *args, Error **errp)
{
    const uint8_t *u = qemu_uuid;
    g_autofree char *text = NULL;
    JsonObject *o;

    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    text = g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                           u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
                           u[11], u[12], u[13], u[14], u[15]);
    o = json_object_new();
    json_object_set_string_member(o, "UUID", text);
    return qmp_return_object(o);
}

static void __attribute__((constructor)) identity_qmp_register(void)
{
    qmp_register_command("query-name", qmp_query_name, 0);
    qmp_register_command("query-uuid", qmp_query_uuid, 0);
}
