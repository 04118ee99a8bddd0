/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file chardev: output goes to a file (created or truncated, or
 * appended to with append=on); it never produces input.  A path
 * /dev/fdset/N takes a write-only fd the caller passed (-add-fd), as
 * libvirt does.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "qemu/keyval.h"

typedef struct FileChardev {
    int fd;
} FileChardev;

static bool file_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    const char *path = NULL;
    bool append = false;
    FileChardev *f;
    int fd;

    if (!optdict_get_str(opts, "path", true, &path, errp) ||
        !optdict_get_bool(opts, "append", true, &append, errp)) {
        return false;
    }
    if (!path) {
        error_setg(errp, "chardev: file: no filename given");
        return false;
    }
    g_autofree char *path_copy = g_strdup(path);

    optdict_remove(opts, "path");
    optdict_remove(opts, "append");
    if (!optdict_check_empty(opts, errp)) {
        return false;
    }
    if (g_str_has_prefix(path_copy, MONITOR_FDSET_PREFIX)) {
        fd = monitor_fdset_dup_fd(path_copy, O_WRONLY, errp);
        if (fd < 0) {
            return false;
        }
    } else {
        fd = open(path_copy, O_WRONLY | O_CREAT | O_CLOEXEC |
                  (append ? O_APPEND : O_TRUNC), 0666);
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", path_copy);
        return false;
    }
    f = g_new0(FileChardev, 1);
    f->fd = fd;
    chr->backend = f;
    chr->connected = true;
    return true;
}

static ssize_t file_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    FileChardev *f = chr->backend;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(f->fd, buf + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        done += n;
    }
    return done;
}

static void file_close(Chardev *chr)
{
    FileChardev *f = chr->backend;

    if (f) {
        close(f->fd);
        g_free(f);
        chr->backend = NULL;
    }
}

const ChardevOps chardev_file_ops = {
    .name = "file",
    .open = file_open,
    .write = file_write,
    .close = file_close,
};
