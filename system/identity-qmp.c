/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's identity (-name, -uuid) and its QMP queries: query-name
 * ({"name": NAME}, or {} without -name) and query-uuid ({"UUID": ...},
 * all zeroes without -uuid), as libvirt reads them (qapi/machine.json).
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "system/sysemu.h"

const char *qemu_name;
uint8_t qemu_uuid[16];
bool qemu_uuid_set;

NameInfo *qmp_query_name(Error **errp)
{
    NameInfo *info = g_new0(NameInfo, 1);

    info->name = g_strdup(qemu_name);
    return info;
}

UuidInfo *qmp_query_uuid(Error **errp)
{
    const uint8_t *u = qemu_uuid;
    UuidInfo *info = g_new0(UuidInfo, 1);

    info->UUID = g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                                 "%02x%02x-%02x%02x%02x%02x%02x%02x",
                                 u[0], u[1], u[2], u[3], u[4], u[5], u[6],
                                 u[7], u[8], u[9], u[10], u[11], u[12],
                                 u[13], u[14], u[15]);
    return info;
}
