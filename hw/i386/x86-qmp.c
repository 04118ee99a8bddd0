/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-target and query-cpu-definitions (qapi/machine.json).
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"

/*
 * CPU models are QOM types "MODEL-x86_64-cpu" below the abstract
 * "x86_64-cpu" (the accelerator's code defines them); the answer lists
 * whichever the binary has.
 */
#define X86_CPU_ABSTRACT_TYPE "x86_64-cpu"
#define X86_CPU_SUFFIX "-" X86_CPU_ABSTRACT_TYPE

TargetInfo *qmp_query_target(Error **errp)
{
    TargetInfo *info = g_new0(TargetInfo, 1);

    info->arch = SYS_EMU_TARGET_X86_64;
    return info;
}

GPtrArray *qmp_query_cpu_definitions(Error **errp)
{
    GSList *classes = object_class_by_name(X86_CPU_ABSTRACT_TYPE) ?
        object_class_get_list_sorted(X86_CPU_ABSTRACT_TYPE, false) : NULL;
    GPtrArray *list = qapi_CpuDefinitionInfoList_new();

    for (GSList *l = classes; l; l = l->next) {
        const char *type = object_class_get_name(l->data);
        CpuDefinitionInfo *info;

        if (!g_str_has_suffix(type, X86_CPU_SUFFIX)) {
            continue;
        }
        info = g_new0(CpuDefinitionInfo, 1);
        info->name = g_strndup(type, strlen(type) - strlen(X86_CPU_SUFFIX));
        info->typename = g_strdup(type);
        /* host and max follow the host CPU: not static, not migratable. */
        info->q_static = false;
        info->has_migration_safe = true;
        info->migration_safe = strcmp(info->name, "host") &&
                               strcmp(info->name, "max");
        info->deprecated = false;
        g_ptr_array_add(list, info);
    }
    g_slist_free(classes);
    return list;
}
