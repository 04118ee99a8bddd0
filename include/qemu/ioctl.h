/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl() with the house error convention
 *
 * Every VFIO and iommufd ioctl goes through these (hw/vfio/vfio-ioctl.h
 * and backends/iommufd.c wrap them, one function per ioctl), so one trace
 * point sees every call: -trace 'vfio_ioctl*' prints each one's name,
 * file descriptor and result.
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

/* The same, for requests taking an integer (VFIO_SET_IOMMU, ...). */
int qemu_ioctl_int(int fd, unsigned long req, unsigned long arg,
                   const char *name, Error **errp);

/* The same, for requests whose positive results mean nothing: 0 or -errno. */
static inline int qemu_ioctl0(int fd, unsigned long req, void *arg,
                              const char *name, Error **errp)
{
    int ret = qemu_ioctl(fd, req, arg, name, errp);

    return ret < 0 ? ret : 0;
}

/*
 * Requests whose answer may not fit the buffer the caller offered (VFIO's
 * argsz structures, iommufd's IOVA ranges) are asked again with the size
 * the kernel says it needs.  @prepare readies a zeroed buffer of @size
 * bytes as the argument (sizes, indexes, pointers into the buffer);
 * @needs returns, after a call that gave @ret, the buffer size the whole
 * answer needs, or 0 when @buf holds it (or @ret is an error that a
 * larger buffer cannot cure).
 */
typedef void QemuIoctlPrepare(void *buf, size_t size, const void *opaque);
typedef size_t QemuIoctlNeeds(const void *buf, size_t size, int ret);

/*
 * qemu_ioctl0() with a buffer that grows until the answer fits: starts
 * with @size bytes, tries at most four times.  On success *out is the
 * g_malloc'd buffer (the caller frees it).  Errors as qemu_ioctl()'s, or
 * -EOVERFLOW with "NAME failed: answer keeps growing".
 */
int qemu_ioctl_grow(int fd, unsigned long req, size_t size,
                    QemuIoctlPrepare *prepare, QemuIoctlNeeds *needs,
                    const void *opaque, void **out, const char *name,
                    Error **errp);

#endif
