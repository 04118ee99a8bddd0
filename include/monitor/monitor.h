/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitors and the file descriptors clients pass to them
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "chardev/char.h"
#include "qapi/error.h"

/*
 * Serves QMP on @chr: greeting on every connection, capabilities
 * negotiation, commands, events.  @chr must have no frontend yet.
 */
bool monitor_init_qmp(Chardev *chr, Error **errp);

/*
 * Resolves an fd argument as -object iommufd,fd=X and -device
 * vfio-pci,fd=X take it: a decimal number is an fd this process already
 * has (inherited); anything else names an fd passed with "getfd".
 * A named fd is taken out of the monitor (the caller owns it and must
 * close it); a numbered one is returned as is.  Returns -1 with @errp set
 * ("File descriptor named 'X' has not been found", "Invalid file
 * descriptor number 'N'").
 */
int monitor_fd_param(const char *fdname_or_number, Error **errp);

/*
 * Fd sets from the command line: -add-fd set=ID,fd=FD[,opaque=TEXT] adds
 * an inherited fd to set ID (QEMU's checks and messages).
 */
bool monitor_fdset_add_inherited(int64_t id, int fd, const char *opaque,
                                 Error **errp);
/*
 * "/dev/fdset/ID" paths, as QEMU's: opening one duplicates the fd of set
 * ID whose access mode is @flags' (O_RDONLY, O_WRONLY, O_RDWR).  Returns
 * the new fd (close-on-exec), or -1 with @errp set.
 */
#define MONITOR_FDSET_PREFIX "/dev/fdset/"
int monitor_fdset_dup_fd(const char *path, int flags, Error **errp);

/*
 * JSON text in QEMU's wire style: {"a": 1, "b": [true, null]}, members
 * in insertion order, non-ASCII escaped as \uXXXX.  Returns a new string.
 */
char *qmp_json_to_string(JsonNode *node);
char *qmp_json_object_to_string(JsonObject *obj);

#endif
