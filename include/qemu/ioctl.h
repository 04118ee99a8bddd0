/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl() with the house error convention
 */
#ifndef QEMU_IOCTL_H
#define QEMU_IOCTL_H

#include "qapi/error.h"

/*
 * Issues ioctl(fd, req, arg), retrying on EINTR.  Returns ioctl's
 * non-negative result, or -errno with *errp set to "NAME failed: REASON"
 * (NAME is normally the request's macro name, so the user sees which
 * kernel call refused).
 */
int qemu_ioctl(int fd, unsigned long req, void *arg, const char *name,
               Error **errp);

/* The same, for requests whose positive results mean nothing: 0 or -errno. */
static inline int qemu_ioctl0(int fd, unsigned long req, void *arg,
                              const char *name, Error **errp)
{
    int ret = qemu_ioctl(fd, req, arg, name, errp);

    return ret < 0 ? ret : 0;
}

#endif
