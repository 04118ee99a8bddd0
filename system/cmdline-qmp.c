/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-command-line-options (qapi/misc.json): the options of the
 * real option table (system/vl-options.c) that take an argument.
 *
 * The parameters of -machine are the machine properties (the same ones
 * "-machine q35,help" lists) plus type and accel; those of the other
 * options are not described, and the list is empty, as QEMU answers for
 * options whose keys depend on a type (-device, -object).
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "qapi/qapi-commands.h"
#include "system/vl.h"

static CommandLineParameterInfo *param_new(const char *name,
                                           CommandLineParameterType type,
                                           const char *help,
                                           const char *def)
{
    CommandLineParameterInfo *p = g_new0(CommandLineParameterInfo, 1);

    p->name = g_strdup(name);
    p->type = type;
    p->help = g_strdup(help);
    p->q_default = g_strdup(def);
    return p;
}

static GPtrArray *machine_parameters(void)
{
    GPtrArray *params = qapi_CommandLineParameterInfoList_new();
    g_autoptr(GPtrArray) props = object_class_property_list(TYPE_MACHINE,
                                                            false, NULL);

    g_ptr_array_add(params, param_new("type", COMMAND_LINE_PARAMETER_TYPE_STRING,
                                      "the machine type (-machine help)",
                                      NULL));
    g_ptr_array_add(params, param_new("accel",
                                      COMMAND_LINE_PARAMETER_TYPE_STRING,
                                      "accelerators to try, in order "
                                      "(kvm:tcg)", NULL));
    for (guint i = 0; props && i < props->len; i++) {
        ObjectPropertyInfo *info = g_ptr_array_index(props, i);

        g_ptr_array_add(params, param_new(info->name,
            !strcmp(info->type, "bool") ? COMMAND_LINE_PARAMETER_TYPE_BOOLEAN
                                        : COMMAND_LINE_PARAMETER_TYPE_STRING,
            info->description, info->default_value));
    }
    return params;
}

GPtrArray *qmp_query_command_line_options(const char *option, Error **errp)
{
    GPtrArray *list = qapi_CommandLineOptionInfoList_new();

    for (const QemuOption *o = qemu_option_next(NULL); o;
         o = qemu_option_next(o)) {
        CommandLineOptionInfo *info;

        /* -M is -machine again. */
        if (!o->has_arg || !strcmp(o->name, "M") ||
            (option && strcmp(option, o->name))) {
            continue;
        }
        info = g_new0(CommandLineOptionInfo, 1);
        info->option = g_strdup(o->name);
        info->parameters = o->index == QEMU_OPTION_machine ?
                           machine_parameters() :
                           qapi_CommandLineParameterInfoList_new();
        g_ptr_array_add(list, info);
    }
    if (option && !list->len) {
        g_ptr_array_unref(list);
        error_setg(errp, "invalid option name: %s", option);
        return NULL;
    }
    return list;
}
