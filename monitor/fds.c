/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File descriptors passed over QMP (SCM_RIGHTS): named fds (getfd,
 * closefd) and fd sets (add-fd, remove-fd, query-fdsets), and
 * monitor_fd_param() that lets -object/-device and QMP arguments name
 * them.
 *
 * Named fds are global rather than per monitor: there is one management
 * client in practice, and it lets command-line processing after a QMP
 * getfd find them too.
 */
#include "qemu/osdep.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"

typedef struct FdSetEntry {
    int fd;
    char *opaque;
} FdSetEntry;

static GHashTable *named_fds;       /* name -> GINT_TO_POINTER(fd) */
static GTree *fdsets;               /* GINT_TO_POINTER(id) -> GArray */

static gint compare_ids(gconstpointer a, gconstpointer b, gpointer unused)
{
    return GPOINTER_TO_INT(a) - GPOINTER_TO_INT(b);
}

static void fdset_free(gpointer p)
{
    GArray *set = p;

    for (guint i = 0; i < set->len; i++) {
        FdSetEntry *e = &g_array_index(set, FdSetEntry, i);
        close(e->fd);
        g_free(e->opaque);
    }
    g_array_free(set, TRUE);
}

static void ensure_tables(void)
{
    if (!named_fds) {
        named_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          NULL);
        fdsets = g_tree_new_full(compare_ids, NULL, NULL, fdset_free);
    }
}

static int take_passed_fd(Error **errp)
{
    Chardev *chr = monitor_cur_chardev();
    int fd = chr ? qemu_chr_fe_get_msgfd(chr) : -1;

    if (fd < 0) {
        error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
    }
    return fd;
}

static JsonNode *qmp_getfd(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "fdname", NULL };
    const char *name;
    gpointer old;
    int fd;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "fdname", &name, errp)) {
        return NULL;
    }
    fd = take_passed_fd(errp);
    if (fd < 0) {
        return NULL;
    }
    if (g_ascii_isdigit(name[0])) {
        close(fd);
        error_setg(errp, "Parameter 'fdname' expects a name not starting "
                   "with a digit");
        return NULL;
    }
    ensure_tables();
    if (g_hash_table_lookup_extended(named_fds, name, NULL, &old)) {
        close(GPOINTER_TO_INT(old));
    }
    g_hash_table_insert(named_fds, g_strdup(name), GINT_TO_POINTER(fd));
    return NULL;
}

static JsonNode *qmp_closefd(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "fdname", NULL };
    const char *name;
    gpointer fd;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_str(args, "fdname", &name, errp)) {
        return NULL;
    }
    ensure_tables();
    if (!g_hash_table_lookup_extended(named_fds, name, NULL, &fd)) {
        error_setg(errp, "File descriptor named '%s' not found", name);
        return NULL;
    }
    close(GPOINTER_TO_INT(fd));
    g_hash_table_remove(named_fds, name);
    return NULL;
}

static gboolean find_free_id(gpointer key, gpointer value, gpointer data)
{
    int *next = data;

    if (GPOINTER_TO_INT(key) != *next) {
        return TRUE;        /* gap found */
    }
    (*next)++;
    return FALSE;
}

static JsonNode *qmp_add_fd(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "fdset-id", "opaque", NULL };
    int64_t id = -1;
    const char *opaque = NULL;
    FdSetEntry entry;
    GArray *set;
    JsonObject *ret;
    int fd;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_opt_int(args, "fdset-id", &id, errp) ||
        !qmp_arg_opt_str(args, "opaque", &opaque, errp)) {
        return NULL;
    }
    if (json_object_has_member(args, "fdset-id") && (id < 0 || id > INT_MAX)) {
        error_setg(errp, "Parameter 'fdset-id' expects a non-negative value");
        return NULL;
    }
    fd = take_passed_fd(errp);
    if (fd < 0) {
        return NULL;
    }
    ensure_tables();
    if (id < 0) {
        int next = 0;

        g_tree_foreach(fdsets, find_free_id, &next);
        id = next;
    }
    set = g_tree_lookup(fdsets, GINT_TO_POINTER((int)id));
    if (!set) {
        set = g_array_new(FALSE, FALSE, sizeof(FdSetEntry));
        g_tree_insert(fdsets, GINT_TO_POINTER((int)id), set);
    }
    entry.fd = fd;
    entry.opaque = g_strdup(opaque);
    g_array_append_val(set, entry);

    ret = json_object_new();
    json_object_set_int_member(ret, "fdset-id", id);
    json_object_set_int_member(ret, "fd", fd);
    return qmp_return_object(ret);
}

static JsonNode *qmp_remove_fd(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "fdset-id", "fd", NULL };
    int64_t id, fd = -1;
    bool has_fd = json_object_has_member(args, "fd");
    GArray *set;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_int(args, "fdset-id", &id, errp) ||
        !qmp_arg_opt_int(args, "fd", &fd, errp)) {
        return NULL;
    }
    ensure_tables();
    set = (id >= 0 && id <= INT_MAX) ?
          g_tree_lookup(fdsets, GINT_TO_POINTER((int)id)) : NULL;
    if (set && !has_fd) {
        g_tree_remove(fdsets, GINT_TO_POINTER((int)id));
        return NULL;
    }
    for (guint i = 0; set && i < set->len; i++) {
        FdSetEntry *e = &g_array_index(set, FdSetEntry, i);

        if (e->fd == fd) {
            close(e->fd);
            g_free(e->opaque);
            g_array_remove_index(set, i);
            if (!set->len) {
                g_tree_remove(fdsets, GINT_TO_POINTER((int)id));
            }
            return NULL;
        }
    }
    if (has_fd) {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   ", fd:%" PRId64 "' not found", id, fd);
    } else {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   "' not found", id);
    }
    return NULL;
}

static gboolean add_fdset_info(gpointer key, gpointer value, gpointer data)
{
    GArray *set = value;
    JsonObject *info = json_object_new();
    JsonArray *fds = json_array_new();

    json_object_set_int_member(info, "fdset-id", GPOINTER_TO_INT(key));
    for (guint i = 0; i < set->len; i++) {
        FdSetEntry *e = &g_array_index(set, FdSetEntry, i);
        JsonObject *fdinfo = json_object_new();

        json_object_set_int_member(fdinfo, "fd", e->fd);
        if (e->opaque) {
            json_object_set_string_member(fdinfo, "opaque", e->opaque);
        }
        json_array_add_object_element(fds, fdinfo);
    }
    json_object_set_array_member(info, "fds", fds);
    json_array_add_object_element(data, info);
    return FALSE;
}

static JsonNode *qmp_query_fdsets(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { NULL };
    JsonArray *arr;

    if (!qmp_arg_check_known(args, allowed, errp)) {
        return NULL;
    }
    ensure_tables();
    arr = json_array_new();
    g_tree_foreach(fdsets, add_fdset_info, arr);
    return qmp_return_array(arr);
}

int monitor_fd_param(const char *fdname_or_number, Error **errp)
{
    const char *s = fdname_or_number;
    gpointer fd;

    if (g_ascii_isdigit(s[0])) {
        guint64 n;

        if (!g_ascii_string_to_unsigned(s, 10, 0, INT_MAX, &n, NULL)) {
            error_setg(errp, "Invalid file descriptor number '%s'", s);
            return -1;
        }
        if (fcntl((int)n, F_GETFD) < 0) {
            error_setg(errp, "File descriptor %s is not open", s);
            return -1;
        }
        return (int)n;
    }
    ensure_tables();
    if (!g_hash_table_lookup_extended(named_fds, s, NULL, &fd)) {
        error_setg(errp, "File descriptor named '%s' has not been found", s);
        return -1;
    }
    g_hash_table_remove(named_fds, s);
    return GPOINTER_TO_INT(fd);
}

void qmp_register_fd_commands(void)
{
    qmp_register_command("getfd", qmp_getfd, 0);
    qmp_register_command("closefd", qmp_closefd, 0);
    qmp_register_command("add-fd", qmp_add_fd, 0);
    qmp_register_command("remove-fd", qmp_remove_fd, 0);
    qmp_register_command("query-fdsets", qmp_query_fdsets, 0);
}
