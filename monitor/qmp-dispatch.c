/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP dispatch: finds a command in the generated table and runs its
 * marshaller.
 */
#include "qemu/osdep.h"
#include "monitor/qmp.h"
#include "qapi/qapi-json.h"

static const QmpCommandDef *find_command(const char *name)
{
    static GHashTable *by_name;     /* name -> const QmpCommandDef * */

    if (!by_name) {
        by_name = g_hash_table_new(g_str_hash, g_str_equal);
        for (const QmpCommandDef *c = qmp_command_table; c->name; c++) {
            g_hash_table_insert(by_name, (gpointer)c->name, (gpointer)c);
        }
    }
    return g_hash_table_lookup(by_name, name);
}

bool qmp_command_exists(const char *name)
{
    return find_command(name) != NULL;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **qmp_command_names(void)
{
    GPtrArray *names = g_ptr_array_new();

    for (const QmpCommandDef *c = qmp_command_table; c->name; c++) {
        g_ptr_array_add(names, g_strdup(c->name));
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

JsonNode *qmp_dispatch_command(const char *name, JsonObject *args,
                               Error **errp)
{
    const QmpCommandDef *cmd = find_command(name);
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
    ret = cmd->marshal(args, &err);
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        error_propagate(errp, err);
        return NULL;
    }
    /* A "gen": false handler returns NULL for {}. */
    return ret ? ret : qapi_json_empty_object();
}
