/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chardev registry, option parsing and the frontend side.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "qemu/keyval.h"
#include "qapi/qapi-commands.h"

static GHashTable *chardevs;    /* id -> Chardev */
static unsigned anon_counter;

static const ChardevOps *const backends[] = {
    &chardev_socket_ops,
    &chardev_stdio_ops,
    &chardev_null_ops,
    &chardev_file_ops,
};

static const ChardevOps *find_backend(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        if (!strcmp(backends[i]->name, name)) {
            return backends[i];
        }
    }
    return NULL;
}

Chardev *qemu_chr_find(const char *id)
{
    return chardevs ? g_hash_table_lookup(chardevs, id) : NULL;
}

static void close_msgfds(Chardev *chr)
{
    for (guint i = 0; i < chr->msgfds->len; i++) {
        close(g_array_index(chr->msgfds, int, i));
    }
    g_array_set_size(chr->msgfds, 0);
}

static Chardev *chr_open(const char *id, const ChardevOps *ops,
                         JsonObject *opts, Error **errp)
{
    Chardev *chr = g_new0(Chardev, 1);

    chr->id = g_strdup(id);
    chr->ops = ops;
    chr->msgfds = g_array_new(FALSE, FALSE, sizeof(int));
    if (!ops->open(chr, opts, errp)) {
        g_array_free(chr->msgfds, TRUE);
        g_free(chr->id);
        g_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_hash_table_insert(chardevs, chr->id, chr);
    return chr;
}

Chardev *qemu_chr_new_from_opts(const char *optarg, Error **errp)
{
    g_autoptr(JsonObject) opts = NULL;
    const ChardevOps *ops;
    const char *backend = NULL, *id = NULL;
    bool help = false;

    opts = keyval_parse(optarg, "backend", &help, errp);
    if (!opts) {
        return NULL;
    }
    if (help) {
        error_setg(errp, "Available chardev backend types: socket stdio null file");
        return NULL;
    }
    if (!optdict_get_str(opts, "backend", true, &backend, errp)) {
        return NULL;
    }
    if (!backend) {
        error_setg(errp, "chardev: \"%s\" missing backend", optarg);
        return NULL;
    }
    ops = find_backend(backend);
    if (!ops) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (!optdict_get_str(opts, "id", true, &id, errp)) {
        return NULL;
    }
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (qemu_chr_find(id)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type 'container')", id);
        return NULL;
    }
    {
        g_autofree char *id_copy = g_strdup(id);

        optdict_remove(opts, "backend");
        optdict_remove(opts, "id");
        return chr_open(id_copy, ops, opts, errp);
    }
}

Chardev *qemu_chr_new_short(const char *label, const char *spec,
                            Error **errp)
{
    g_autoptr(JsonObject) opts = NULL;
    g_autofree char *id = NULL;
    const char *rest;

    if (g_str_has_prefix(spec, "chardev:")) {
        Chardev *chr = qemu_chr_find(spec + strlen("chardev:"));

        if (!chr) {
            error_setg(errp, "chardev '%s' not found",
                       spec + strlen("chardev:"));
        }
        return chr;
    }
    id = g_strdup_printf("%s%u", label, anon_counter++);
    if (!strcmp(spec, "stdio")) {
        opts = json_object_new();
        return chr_open(id, &chardev_stdio_ops, opts, errp);
    }
    if (!strcmp(spec, "null")) {
        opts = json_object_new();
        return chr_open(id, &chardev_null_ops, opts, errp);
    }
    if (g_str_has_prefix(spec, "file:")) {
        opts = json_object_new();
        json_object_set_string_member(opts, "path", spec + strlen("file:"));
        return chr_open(id, &chardev_file_ops, opts, errp);
    }
    if (g_str_has_prefix(spec, "unix:")) {
        g_autofree char *path = NULL;
        const char *comma;

        rest = spec + strlen("unix:");
        comma = strchr(rest, ',');
        path = comma ? g_strndup(rest, comma - rest) : g_strdup(rest);
        opts = keyval_parse(comma ? comma + 1 : "", NULL, NULL, errp);
        if (!opts) {
            return NULL;
        }
        json_object_set_string_member(opts, "path", path);
        return chr_open(id, &chardev_socket_ops, opts, errp);
    }
    error_setg(errp, "'%s' is not a valid char driver name", spec);
    error_append_hint(errp, "Supported here: unix:PATH[,server=on,wait=off], "
                      "stdio, null, file:PATH, chardev:ID\n");
    return NULL;
}

void qemu_chr_delete(Chardev *chr)
{
    if (chardevs) {
        g_hash_table_remove(chardevs, chr->id);
    }
    if (chr->ops->close) {
        chr->ops->close(chr);
    }
    close_msgfds(chr);
    g_array_free(chr->msgfds, TRUE);
    g_free(chr->id);
    g_free(chr);
}

bool qemu_chr_fe_init(Chardev *chr, IOReadHandler *fe_read,
                      IOEventHandler *fe_event, void *opaque, Error **errp)
{
    if (chr->fe_read || chr->fe_event) {
        error_setg(errp, "Device '%s' is in use", chr->id);
        return false;
    }
    chr->fe_read = fe_read;
    chr->fe_event = fe_event;
    chr->fe_opaque = opaque;
    if (chr->ops->attach) {
        chr->ops->attach(chr);
    }
    if (chr->connected && fe_event) {
        fe_event(opaque, CHR_EVENT_OPENED);
    }
    return true;
}

bool qemu_chr_fe_write_all(Chardev *chr, const void *buf, size_t len)
{
    if (!chr->connected) {
        return false;
    }
    return chr->ops->write(chr, buf, len) == (ssize_t)len;
}

int qemu_chr_fe_get_msgfd(Chardev *chr)
{
    int fd;

    if (!chr->msgfds->len) {
        return -1;
    }
    fd = g_array_index(chr->msgfds, int, 0);
    g_array_remove_index(chr->msgfds, 0);
    return fd;
}

void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event)
{
    chr->connected = event == CHR_EVENT_OPENED;
    if (event == CHR_EVENT_CLOSED) {
        close_msgfds(chr);
    }
    if (chr->fe_event) {
        chr->fe_event(chr->fe_opaque, event);
    }
}

void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->fe_read) {
        chr->fe_read(chr->fe_opaque, buf, len);
    }
}

void qemu_chr_be_set_msgfds(Chardev *chr, const int *fds, size_t n)
{
    close_msgfds(chr);
    g_array_append_vals(chr->msgfds, fds, n);
}

GPtrArray *qmp_query_chardev(Error **errp)
{
    GPtrArray *list = qapi_ChardevInfoList_new();
    GHashTableIter iter;
    gpointer value;

    if (!chardevs) {
        return list;
    }
    g_hash_table_iter_init(&iter, chardevs);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Chardev *chr = value;
        ChardevInfo *info = g_new0(ChardevInfo, 1);

        info->label = g_strdup(chr->id);
        info->filename = g_strdup(chr->ops->name);
        info->frontend_open = chr->fe_read || chr->fe_event;
        g_ptr_array_add(list, info);
    }
    return list;
}

void qemu_chr_flush_all(void)
{
    GHashTableIter iter;
    gpointer value;

    if (!chardevs) {
        return;
    }
    g_hash_table_iter_init(&iter, chardevs);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Chardev *chr = value;

        if (chr->ops->flush) {
            chr->ops->flush(chr);
        }
    }
}
