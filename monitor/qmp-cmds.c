/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Core QMP commands: versions, command list, run state, reset, quit.
 */
#include "qemu/osdep.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"
#include "system/runstate.h"

static const char *const no_args[] = { NULL };

static JsonNode *qmp_query_version(JsonObject *args, Error **errp)
{
    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    return qmp_return_object(qmp_version_info());
}

static JsonNode *qmp_query_commands(JsonObject *args, Error **errp)
{
    g_auto(GStrv) names = NULL;
    JsonArray *arr;

    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    names = qmp_command_names();
    arr = json_array_new();
    for (int i = 0; names[i]; i++) {
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", names[i]);
        json_array_add_object_element(arr, o);
    }
    /* Not in the registry: the monitor handles it itself. */
    {
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", "qmp_capabilities");
        json_array_add_object_element(arr, o);
    }
    return qmp_return_array(arr);
}

static JsonNode *qmp_query_status(JsonObject *args, Error **errp)
{
    JsonObject *o;

    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    o = json_object_new();
    json_object_set_string_member(o, "status", runstate_name(runstate_get()));
    json_object_set_boolean_member(o, "running", runstate_is_running());
    return qmp_return_object(o);
}

static JsonNode *qmp_stop(JsonObject *args, Error **errp)
{
    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    /* Before the first cont (-S) QEMU stays in prelaunch; so do we. */
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    return NULL;
}

static JsonNode *qmp_cont(JsonObject *args, Error **errp)
{
    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    if (runstate_check(RUN_STATE_INTERNAL_ERROR) ||
        runstate_check(RUN_STATE_SHUTDOWN)) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return NULL;
    }
    vm_start();
    return NULL;
}

static JsonNode *qmp_system_reset(JsonObject *args, Error **errp)
{
    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return NULL;
}

static JsonNode *qmp_quit(JsonObject *args, Error **errp)
{
    if (!qmp_arg_check_known(args, no_args, errp)) {
        return NULL;
    }
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

void qmp_register_core_commands(void)
{
    qmp_register_command("query-version", qmp_query_version, 0);
    qmp_register_command("query-commands", qmp_query_commands, 0);
    qmp_register_command("query-status", qmp_query_status, 0);
    qmp_register_command("stop", qmp_stop, 0);
    qmp_register_command("cont", qmp_cont, 0);
    qmp_register_command("system_reset", qmp_system_reset, 0);
    qmp_register_command("quit", qmp_quit, 0);
}
