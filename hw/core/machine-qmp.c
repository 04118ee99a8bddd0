/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-machines (qapi/machine.json): every machine type, from its
 * class.
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "qapi/qapi-commands.h"

GPtrArray *qmp_query_machines(bool has_compat_props, bool compat_props,
                              Error **errp)
{
    GSList *classes = object_class_get_list_sorted(TYPE_MACHINE, false);
    GPtrArray *list = qapi_MachineInfoList_new();

    for (GSList *l = classes; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);
        MachineInfo *info = g_new0(MachineInfo, 1);

        info->name = g_strdup(mc->name ? mc->name
                                       : object_class_get_name(l->data));
        info->alias = g_strdup(mc->alias);
        if (mc->is_default) {
            info->has_is_default = true;
            info->is_default = true;
        }
        info->cpu_max = mc->max_cpus ? mc->max_cpus : 1;
        info->hotpluggable_cpus = false;
        info->numa_mem_supported = false;
        info->deprecated = false;
        if (mc->default_cpu_type &&
            object_class_by_name(mc->default_cpu_type)) {
            info->default_cpu_type = g_strdup(mc->default_cpu_type);
        }
        info->default_ram_id = g_strdup(mc->default_ram_id);
        info->acpi = mc->has_acpi;
        /* No machine has compatibility properties (there are no versions). */
        if (has_compat_props && compat_props) {
            info->compat_props = qapi_CompatPropertyList_new();
        }
        g_ptr_array_add(list, info);
    }
    g_slist_free(classes);
    return list;
}
