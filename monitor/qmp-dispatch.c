/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP command registry, dispatch and argument helpers.
 */
#include "qemu/osdep.h"
#include "monitor/qmp.h"

typedef struct QmpCommand {
    char *name;
    QmpCommandFunc fn;
    unsigned flags;
} QmpCommand;

static GHashTable *commands;    /* name -> QmpCommand */

static void command_free(gpointer p)
{
    QmpCommand *cmd = p;

    g_free(cmd->name);
    g_free(cmd);
}

void qmp_register_command(const char *name, QmpCommandFunc fn,
                          unsigned flags)
{
    QmpCommand *cmd;

    if (!commands) {
        commands = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         command_free);
    }
    g_assert(!g_hash_table_contains(commands, name));
    cmd = g_new0(QmpCommand, 1);
    cmd->name = g_strdup(name);
    cmd->fn = fn;
    cmd->flags = flags;
    g_hash_table_insert(commands, cmd->name, cmd);
}

bool qmp_command_exists(const char *name)
{
    return commands && g_hash_table_contains(commands, name);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **qmp_command_names(void)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    if (commands) {
        g_hash_table_iter_init(&iter, commands);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            g_ptr_array_add(names, g_strdup(key));
        }
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

JsonNode *qmp_dispatch_command(const char *name, JsonObject *args,
                               Error **errp)
{
    QmpCommand *cmd = commands ? g_hash_table_lookup(commands, name) : NULL;
    g_autoptr(JsonObject) empty = NULL;
    Error *err = NULL;
    JsonNode *ret;

    if (!cmd) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        return NULL;
    }
    if (!args) {
        args = empty = json_object_new();
    }
    ret = cmd->fn(args, &err);
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        error_propagate(errp, err);
        return NULL;
    }
    if (!ret) {
        ret = json_node_init_object(json_node_alloc(), json_object_new());
        json_object_unref(json_node_get_object(ret));
    }
    return ret;
}

JsonNode *qmp_return_object(JsonObject *obj)
{
    return json_node_init_object(json_node_alloc(), obj);
}

JsonNode *qmp_return_array(JsonArray *arr)
{
    return json_node_init_array(json_node_alloc(), arr);
}

bool qmp_arg_check_known(JsonObject *args, const char *const *allowed,
                         Error **errp)
{
    JsonObjectIter iter;
    const char *name;

    json_object_iter_init_ordered(&iter, args);
    while (json_object_iter_next_ordered(&iter, &name, NULL)) {
        bool known = false;

        for (int i = 0; allowed[i]; i++) {
            if (!strcmp(allowed[i], name)) {
                known = true;
                break;
            }
        }
        if (!known) {
            error_setg(errp, "Parameter '%s' is unexpected", name);
            return false;
        }
    }
    return true;
}

static bool node_has_gtype(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == type;
}

static bool get_typed(JsonObject *args, const char *name, bool mandatory,
                      GType type, const char *type_name, JsonNode **out,
                      Error **errp)
{
    JsonNode *node = json_object_get_member(args, name);

    *out = NULL;
    if (!node) {
        if (mandatory) {
            error_setg(errp, "Parameter '%s' is missing", name);
            return false;
        }
        return true;
    }
    if (type != G_TYPE_NONE && !node_has_gtype(node, type)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name, type_name);
        return false;
    }
    *out = node;
    return true;
}

bool qmp_arg_str(JsonObject *args, const char *name, const char **value,
                 Error **errp)
{
    JsonNode *node;

    if (!get_typed(args, name, true, G_TYPE_STRING, "string", &node, errp)) {
        return false;
    }
    *value = json_node_get_string(node);
    return true;
}

bool qmp_arg_opt_str(JsonObject *args, const char *name, const char **value,
                     Error **errp)
{
    JsonNode *node;

    if (!get_typed(args, name, false, G_TYPE_STRING, "string", &node, errp)) {
        return false;
    }
    if (node) {
        *value = json_node_get_string(node);
    }
    return true;
}

bool qmp_arg_opt_bool(JsonObject *args, const char *name, bool *value,
                      Error **errp)
{
    JsonNode *node;

    if (!get_typed(args, name, false, G_TYPE_BOOLEAN, "boolean", &node,
                   errp)) {
        return false;
    }
    if (node) {
        *value = json_node_get_boolean(node);
    }
    return true;
}

static bool get_int(JsonObject *args, const char *name, bool mandatory,
                    int64_t *value, Error **errp)
{
    JsonNode *node;

    if (!get_typed(args, name, mandatory, G_TYPE_INT64, "integer", &node,
                   errp)) {
        return false;
    }
    if (node) {
        *value = json_node_get_int(node);
    }
    return true;
}

bool qmp_arg_opt_int(JsonObject *args, const char *name, int64_t *value,
                     Error **errp)
{
    return get_int(args, name, false, value, errp);
}

bool qmp_arg_int(JsonObject *args, const char *name, int64_t *value,
                 Error **errp)
{
    return get_int(args, name, true, value, errp);
}

bool qmp_arg_any(JsonObject *args, const char *name, JsonNode **value,
                 Error **errp)
{
    return get_typed(args, name, true, G_TYPE_NONE, NULL, value, errp);
}
