/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error reporting through Error objects
 *
 * Every fallible function takes "Error **errp" as its last argument and
 * returns a value that tells success from failure (bool, a pointer, or a
 * negative number).  On failure it sets *errp with error_setg() and friends.
 *
 * Callers pass:
 *   - &local_err, to inspect the error and then propagate or free it;
 *   - errp, to pass their own caller's error pointer through;
 *   - NULL, to ignore the error;
 *   - &error_fatal, to report the error and exit(1) (start-up paths);
 *   - &error_abort, to abort (an error there is a programming bug).
 *
 * Setting an error on a pointer that already holds one is a bug and aborts.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

#include <glib.h>
#include <stdbool.h>

typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
} ErrorClass;

typedef struct Error Error;

/* Sentinels for the errp argument; see the comment at the top. */
extern Error *error_fatal;
extern Error *error_abort;

/* QMP name of an error class, e.g. "GenericError". */
const char *error_class_name(ErrorClass cls);

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, ErrorClass cls,
                         const char *fmt, ...) G_GNUC_PRINTF(6, 7);
void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...) G_GNUC_PRINTF(6, 7);

#define error_setg(errp, ...) \
    error_setg_internal((errp), __FILE__, __LINE__, __func__, \
                        ERROR_CLASS_GENERIC_ERROR, __VA_ARGS__)
#define error_set(errp, cls, ...) \
    error_setg_internal((errp), __FILE__, __LINE__, __func__, (cls), \
                        __VA_ARGS__)
/* Appends ": strerror(os_errno)" to the message. */
#define error_setg_errno(errp, os_errno, ...) \
    error_setg_errno_internal((errp), __FILE__, __LINE__, __func__, \
                              (os_errno), __VA_ARGS__)

/* Adds "fmt..." in front of the message of *errp, if one is set. */
void error_prepend(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Adds a hint printed on its own line after the message by error_report_err. */
void error_append_hint(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * Moves local_err into *dst_errp.  If dst_errp already holds an error, or
 * is NULL, local_err is freed.  &error_fatal/&error_abort act on it now.
 */
void error_propagate(Error **dst_errp, Error *local_err);
void error_propagate_prepend(Error **dst_errp, Error *local_err,
                             const char *fmt, ...) G_GNUC_PRINTF(3, 4);

const char *error_get_pretty(const Error *err);
ErrorClass error_get_class(const Error *err);
Error *error_copy(const Error *err);
void error_free(Error *err);
void error_free_or_abort(Error **errp);

/* Prints err with error_report() (and its hint), then frees it. */
void error_report_err(Error *err);
/* Same, as a warning. */
void warn_report_err(Error *err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Error, error_free)

#endif
