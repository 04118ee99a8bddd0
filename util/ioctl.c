/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl() with the house error convention (see qemu/ioctl.h)
 */
#include "qemu/osdep.h"

#include <sys/ioctl.h>

#include "qemu/ioctl.h"
#include "util/trace.h"

/* The one place the kernel is called: retries EINTR, traces, reports. */
static int qemu_ioctl_finish(int fd, int ret, const char *name, Error **errp)
{
    int err = ret < 0 ? errno : 0;

    trace_vfio_ioctl(name, fd, ret < 0 ? -err : ret);
    if (ret < 0) {
        error_setg_errno(errp, err, "%s failed", name);
        return -err;
    }
    return ret;
}

int qemu_ioctl(int fd, unsigned long req, void *arg, const char *name,
               Error **errp)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return qemu_ioctl_finish(fd, ret, name, errp);
}

int qemu_ioctl_int(int fd, unsigned long req, unsigned long arg,
                   const char *name, Error **errp)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return qemu_ioctl_finish(fd, ret, name, errp);
}

int qemu_ioctl_grow(int fd, unsigned long req, size_t size,
                    QemuIoctlPrepare *prepare, QemuIoctlNeeds *needs,
                    const void *opaque, void **out, const char *name,
                    Error **errp)
{
    g_autofree void *buf = NULL;

    for (int tries = 0; tries < 4; tries++) {
        Error *local_err = NULL;
        size_t needed;
        int ret;

        buf = g_realloc(buf, size);
        memset(buf, 0, size);
        prepare(buf, size, opaque);
        ret = qemu_ioctl0(fd, req, buf, name, &local_err);
        needed = needs(buf, size, ret);
        if (needed <= size) {
            if (ret < 0) {
                error_propagate(errp, local_err);
                return ret;
            }
            *out = g_steal_pointer(&buf);
            return 0;
        }
        error_free(local_err);
        size = needed;
    }
    error_setg(errp, "%s failed: answer keeps growing", name);
    return -EOVERFLOW;
}
