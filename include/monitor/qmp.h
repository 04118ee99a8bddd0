/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP dispatch and events
 *
 * The commands, their arguments and replies are defined by the schema
 * files in qapi/.  scripts/qapi-gen.py compiles it at build time into
 * "qapi/qapi-commands.h" (the prototype of each command's handler, with
 * typed C arguments), the marshallers that check a request's
 * "arguments" against the schema and call the handler, and the command
 * table below.  Adding a command is: declare it in the schema, write the
 * handler qmp_NAME() (docs/devel/qapi.rst).
 *
 * The QMP server (monitor/qmp.c) checks the envelope ("execute",
 * "arguments", "id") and calls qmp_dispatch_command().
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

/*
 * A generated marshaller.  @args is the "arguments" member (an empty
 * object when the client sent none); it is borrowed.  Returns the
 * "return" value as a new node, or NULL with @errp set.
 */
typedef JsonNode *QmpMarshalFunc(JsonObject *args, Error **errp);

typedef struct QmpCommandDef {
    const char *name;
    QmpMarshalFunc *marshal;
} QmpCommandDef;

/* Generated: every command of the schema, ending with { NULL }. */
extern const QmpCommandDef qmp_command_table[];
/* Generated: the SchemaInfo array query-qmp-schema returns, as JSON. */
extern const char qmp_schema_json[];

/* True if the schema has the command @name. */
bool qmp_command_exists(const char *name);
/* Sorted list of the command names; free with g_strfreev(). */
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
 * @data may be NULL (no "data" member); it is borrowed.  Code raises
 * events through the generated qapi_event_send_NAME() of
 * "qapi/qapi-events.h", which builds @data from the schema.
 */
void qmp_event_send(const char *name, JsonObject *data);

#endif
