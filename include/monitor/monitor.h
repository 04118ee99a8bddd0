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
 * JSON text in QEMU's wire style: {"a": 1, "b": [true, null]}, members
 * in insertion order, non-ASCII escaped as \uXXXX.  Returns a new string.
 */
char *qmp_json_to_string(JsonNode *node);
char *qmp_json_object_to_string(JsonObject *obj);

#endif
