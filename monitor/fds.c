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
#include "qapi/qapi-commands.h"

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

void qmp_getfd(const char *name, Error **errp)
{
    gpointer old;
    int fd;

    fd = take_passed_fd(errp);
    if (fd < 0) {
        return;
    }
    if (g_ascii_isdigit(name[0])) {
        close(fd);
        error_setg(errp, "Parameter 'fdname' expects a name not starting "
                   "with a digit");
        return;
    }
    ensure_tables();
    if (g_hash_table_lookup_extended(named_fds, name, NULL, &old)) {
        close(GPOINTER_TO_INT(old));
    }
    g_hash_table_insert(named_fds, g_strdup(name), GINT_TO_POINTER(fd));
}

void qmp_closefd(const char *name, Error **errp)
{
    gpointer fd;

    ensure_tables();
    if (!g_hash_table_lookup_extended(named_fds, name, NULL, &fd)) {
        error_setg(errp, "File descriptor named '%s' not found", name);
        return;
    }
    close(GPOINTER_TO_INT(fd));
    g_hash_table_remove(named_fds, name);
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

/* Adds @fd to set @id (a free id if negative); returns the id. */
static int64_t fdset_insert(int64_t id, int fd, const char *opaque)
{
    FdSetEntry entry;
    GArray *set;

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
    return id;
}

bool monitor_fdset_add_inherited(int64_t id, int fd, const char *opaque,
                                 Error **errp)
{
    if (id < 0 || id > INT_MAX) {
        error_setg(errp, "set option is required and must be non-negative");
        return false;
    }
    if (fd < 0) {
        error_setg(errp, "fd option is required and must be non-negative");
        return false;
    }
    if (fd <= STDERR_FILENO) {
        error_setg(errp, "fd cannot be a standard I/O stream");
        return false;
    }
    if (fcntl(fd, F_GETFD) < 0) {
        error_setg(errp, "fd is not valid or already in use");
        return false;
    }
    /* Ours from now on: not inherited by anything we start. */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fdset_insert(id, fd, opaque);
    return true;
}

int monitor_fdset_dup_fd(const char *path, int flags, Error **errp)
{
    const char *num = path + strlen(MONITOR_FDSET_PREFIX);
    guint64 id;
    GArray *set;

    if (!g_ascii_string_to_unsigned(num, 10, 0, INT_MAX, &id, NULL)) {
        error_setg(errp, "Could not parse fdset %s", path);
        return -1;
    }
    ensure_tables();
    set = g_tree_lookup(fdsets, GINT_TO_POINTER((int)id));
    if (!set) {
        error_setg(errp, "No fdset %" PRIu64 " (passed with -add-fd or "
                   "add-fd)", id);
        return -1;
    }
    for (guint i = 0; i < set->len; i++) {
        int fd = g_array_index(set, FdSetEntry, i).fd;
        int fl = fcntl(fd, F_GETFL);

        /* As QEMU: the fd's access mode must be the one asked for. */
        if (fl >= 0 && (fl & O_ACCMODE) == (flags & O_ACCMODE)) {
            int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);

            if (dup < 0) {
                error_setg_errno(errp, errno, "cannot duplicate a file "
                                 "descriptor of fdset %" PRIu64, id);
            }
            return dup;
        }
    }
    error_setg_errno(errp, EACCES, "fdset %" PRIu64 " has no file descriptor "
                     "opened for the access mode asked", id);
    return -1;
}

AddfdInfo *qmp_add_fd(bool has_id, int64_t id, const char *opaque,
                      Error **errp)
{
    AddfdInfo *ret;
    int fd;

    if (!has_id) {
        id = -1;
    } else if (id < 0 || id > INT_MAX) {
        error_setg(errp, "Parameter 'fdset-id' expects a non-negative value");
        return NULL;
    }
    fd = take_passed_fd(errp);
    if (fd < 0) {
        return NULL;
    }
    id = fdset_insert(id, fd, opaque);

    ret = g_new0(AddfdInfo, 1);
    ret->fdset_id = id;
    ret->fd = fd;
    return ret;
}

void qmp_remove_fd(int64_t id, bool has_fd, int64_t fd, Error **errp)
{
    GArray *set;

    ensure_tables();
    set = (id >= 0 && id <= INT_MAX) ?
          g_tree_lookup(fdsets, GINT_TO_POINTER((int)id)) : NULL;
    if (set && !has_fd) {
        g_tree_remove(fdsets, GINT_TO_POINTER((int)id));
        return;
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
            return;
        }
    }
    if (has_fd) {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   ", fd:%" PRId64 "' not found", id, fd);
    } else {
        error_setg(errp, "File descriptor named 'fdset-id:%" PRId64
                   "' not found", id);
    }
}

static gboolean add_fdset_info(gpointer key, gpointer value, gpointer data)
{
    GArray *set = value;
    FdsetInfo *info = g_new0(FdsetInfo, 1);

    info->fdset_id = GPOINTER_TO_INT(key);
    info->fds = qapi_FdsetFdInfoList_new();
    for (guint i = 0; i < set->len; i++) {
        FdSetEntry *e = &g_array_index(set, FdSetEntry, i);
        FdsetFdInfo *fdinfo = g_new0(FdsetFdInfo, 1);

        fdinfo->fd = e->fd;
        fdinfo->opaque = g_strdup(e->opaque);
        g_ptr_array_add(info->fds, fdinfo);
    }
    g_ptr_array_add(data, info);
    return FALSE;
}

GPtrArray *qmp_query_fdsets(Error **errp)
{
    GPtrArray *list = qapi_FdsetInfoList_new();

    ensure_tables();
    g_tree_foreach(fdsets, add_fdset_info, list);
    return list;
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
