/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl() with the house error convention (see qemu/ioctl.h)
 */
#include "qemu/osdep.h"

#include <sys/ioctl.h>

#include "qemu/ioctl.h"

int qemu_ioctl(int fd, unsigned long req, void *arg, const char *name,
               Error **errp)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        int err = errno;

        error_setg_errno(errp, err, "%s failed", name);
        return -err;
    }
    return ret;
}
