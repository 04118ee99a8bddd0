/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP command registration and events
 *
 * Any subsystem may add QMP commands: register them once at start-up
 * (a constructor or the subsystem's init function) with
 * qmp_register_command().  The QMP server (monitor/qmp.c) looks commands
 * up by name, checks the envelope ("execute", "arguments", "id") and calls
 * the handler with the "arguments" object.
 *
 * A handler validates its own arguments with the qmp_arg_*() helpers
 * below, which produce QEMU's messages:
 *     "Parameter 'x' is missing"
 *     "Invalid parameter type for 'x', expected: string"
 *     "Parameter 'x' is unexpected"
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

/*
 * A command handler.  @args is the "arguments" member (an empty object
 * when the client sent none); it is borrowed.  Returns the "return" value
 * as a new JsonNode (ownership passes to the caller), or NULL with @errp
 * set.  Returning NULL without an error means {} (an empty object), the
 * usual reply of commands that return nothing.
 */
typedef JsonNode *(*QmpCommandFunc)(JsonObject *args, Error **errp);

typedef enum QmpCommandFlags {
    QCO_NO_FLAGS = 0,
    /* May run before qmp_capabilities (only qmp_capabilities itself). */
    QCO_ALLOW_PRECONFIG_CAPS = 1 << 0,
    /* Handler decides about unknown arguments itself (no extra check). */
    QCO_ALLOW_EXTRA_ARGS = 1 << 1,
} QmpCommandFlags;

/*
 * Registers @name.  Registering a name twice is a programming error
 * (aborts), so two subsystems cannot silently shadow each other.
 * @name is copied.
 */
void qmp_register_command(const char *name, QmpCommandFunc fn,
                          unsigned flags);
/* True if @name is registered (e.g. to avoid a duplicate registration). */
bool qmp_command_exists(const char *name);
/* Sorted list of registered command names; free with g_strfreev(). */
char **qmp_command_names(void);

/*
 * Runs one command outside a monitor (tests, the qtest helper): the
 * same dispatch as a QMP client gets, without the capabilities check.
 * Returns the "return" node (new), or NULL with @errp set.
 */
JsonNode *qmp_dispatch_command(const char *name, JsonObject *args,
                               Error **errp);

/*
 * Sends an event to every QMP monitor that has completed capabilities
 * negotiation: {"timestamp": {...}, "event": NAME, "data": DATA}.
 * @data may be NULL (no "data" member); it is borrowed.
 */
void qmp_event_send(const char *name, JsonObject *data);

/* Argument helpers.  Each returns false with QEMU's message on error. */

/* Fails on members of @args not listed in the NULL-terminated @allowed. */
bool qmp_arg_check_known(JsonObject *args, const char *const *allowed,
                         Error **errp);
/* Mandatory string; *@value is borrowed from @args. */
bool qmp_arg_str(JsonObject *args, const char *name, const char **value,
                 Error **errp);
/* Optional string: leaves *@value untouched if absent. */
bool qmp_arg_opt_str(JsonObject *args, const char *name,
                     const char **value, Error **errp);
bool qmp_arg_opt_bool(JsonObject *args, const char *name, bool *value,
                      Error **errp);
bool qmp_arg_opt_int(JsonObject *args, const char *name, int64_t *value,
                     Error **errp);
bool qmp_arg_int(JsonObject *args, const char *name, int64_t *value,
                 Error **errp);
/* Mandatory member of any JSON type; borrowed. */
bool qmp_arg_any(JsonObject *args, const char *name, JsonNode **value,
                 Error **errp);

/* Convenience constructors for handler return values (new nodes). */
JsonNode *qmp_return_object(JsonObject *obj);   /* takes a reference */
JsonNode *qmp_return_array(JsonArray *arr);     /* takes a reference */

#endif
