/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error objects: creation, context, propagation
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"

struct Error {
    char *msg;
    ErrorClass err_class;
    GString *hint;
    const char *src;
    const char *func;
    int line;
};

Error *error_fatal;
Error *error_abort;

static const char *const error_class_names[] = {
    [ERROR_CLASS_GENERIC_ERROR] = "GenericError",
    [ERROR_CLASS_COMMAND_NOT_FOUND] = "CommandNotFound",
    [ERROR_CLASS_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [ERROR_CLASS_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [ERROR_CLASS_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *error_class_name(ErrorClass cls)
{
    g_assert((unsigned)cls < G_N_ELEMENTS(error_class_names));
    return error_class_names[cls];
}

/*
 * &error_fatal and &error_abort act at the point of failure, so that the
 * message (or the core dump) comes from where the error happened.
 */
static void error_handle_sentinel(Error **errp, Error *err)
{
    if (errp == &error_abort) {
        fprintf(stderr, "Unexpected error in %s() at %s:%d:\n",
                err->func, err->src, err->line);
        error_report("%s", error_get_pretty(err));
        abort();
    }
    if (errp == &error_fatal) {
        error_report_err(err);
        exit(1);
    }
}

static void error_setv(Error **errp, const char *src, int line,
                       const char *func, ErrorClass cls, const char *fmt,
                       va_list ap, const char *suffix)
{
    Error *err;
    int saved_errno = errno;

    if (!errp) {
        return;
    }
    g_assert(*errp == NULL);

    err = g_new0(Error, 1);
    err->msg = g_strdup_vprintf(fmt, ap);
    if (suffix) {
        char *full = g_strdup_printf("%s: %s", err->msg, suffix);
        g_free(err->msg);
        err->msg = full;
    }
    err->err_class = cls;
    err->src = src;
    err->line = line;
    err->func = func;

    error_handle_sentinel(errp, err);
    *errp = err;
    errno = saved_errno;
}

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, ErrorClass cls,
                         const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, src, line, func, cls, fmt, ap, NULL);
    va_end(ap);
}

void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...)
{
    va_list ap;
    int saved_errno = errno;

    va_start(ap, fmt);
    error_setv(errp, src, line, func, ERROR_CLASS_GENERIC_ERROR, fmt, ap,
               os_errno != 0 ? g_strerror(os_errno) : NULL);
    va_end(ap);
    errno = saved_errno;
}

static void error_vprepend(Error *err, const char *fmt, va_list ap)
{
    char *prefix = g_strdup_vprintf(fmt, ap);
    char *msg = g_strconcat(prefix, err->msg, NULL);

    g_free(prefix);
    g_free(err->msg);
    err->msg = msg;
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    va_list ap;

    if (!errp || !*errp || errp == &error_fatal || errp == &error_abort) {
        return;
    }
    va_start(ap, fmt);
    error_vprepend(*errp, fmt, ap);
    va_end(ap);
}

void error_append_hint(Error **errp, const char *fmt, ...)
{
    va_list ap;
    int saved_errno = errno;

    if (!errp || !*errp || errp == &error_fatal || errp == &error_abort) {
        return;
    }
    if (!(*errp)->hint) {
        (*errp)->hint = g_string_new(NULL);
    }
    va_start(ap, fmt);
    g_string_append_vprintf((*errp)->hint, fmt, ap);
    va_end(ap);
    errno = saved_errno;
}

void error_propagate(Error **dst_errp, Error *local_err)
{
    if (!local_err) {
        return;
    }
    error_handle_sentinel(dst_errp, local_err);
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        error_free(local_err);
    }
}

void error_propagate_prepend(Error **dst_errp, Error *local_err,
                             const char *fmt, ...)
{
    va_list ap;

    if (local_err && dst_errp && !*dst_errp) {
        va_start(ap, fmt);
        error_vprepend(local_err, fmt, ap);
        va_end(ap);
    }
    error_propagate(dst_errp, local_err);
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

ErrorClass error_get_class(const Error *err)
{
    return err->err_class;
}

Error *error_copy(const Error *err)
{
    Error *copy = g_new0(Error, 1);

    copy->msg = g_strdup(err->msg);
    copy->err_class = err->err_class;
    copy->src = err->src;
    copy->line = err->line;
    copy->func = err->func;
    if (err->hint) {
        copy->hint = g_string_new(err->hint->str);
    }
    return copy;
}

void error_free(Error *err)
{
    if (err) {
        g_free(err->msg);
        if (err->hint) {
            g_string_free(err->hint, TRUE);
        }
        g_free(err);
    }
}

void error_free_or_abort(Error **errp)
{
    g_assert(errp && *errp);
    error_free(*errp);
    *errp = NULL;
}

static void error_report_hint(Error *err, void (*report)(const char *, ...))
{
    report("%s", error_get_pretty(err));
    if (err->hint) {
        /* A hint may span lines; each is printed without the prefix. */
        error_printf("%s", err->hint->str);
    }
    error_free(err);
}

static void error_report_str(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
}

static void warn_report_str(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    warn_vreport(fmt, ap);
    va_end(ap);
}

void error_report_err(Error *err)
{
    error_report_hint(err, error_report_str);
}

void warn_report_err(Error *err)
{
    error_report_hint(err, warn_report_str);
}

void error_reportf_err(Error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vprepend(err, fmt, ap);
    va_end(ap);
    error_report_err(err);
}

void warn_reportf_err(Error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vprepend(err, fmt, ap);
    va_end(ap);
    warn_report_err(err);
}
