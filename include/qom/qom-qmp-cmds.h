/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP commands of the object model
 *
 * Each function has the shape of a QMP command handler (QmpCommandFunc in
 * monitor/qmp.h): it takes the "arguments" object (borrowed), checks it
 * with QEMU's messages ("Parameter 'path' is missing", "Invalid parameter
 * type for 'path', expected: string", "Parameter 'x' is unexpected") and
 * returns the "return" value as a new node, or NULL with *errp set (NULL
 * without an error means {}).  The monitor registers them; QOM does not
 * depend on the monitor.
 */
#ifndef QOM_QOM_QMP_CMDS_H
#define QOM_QOM_QMP_CMDS_H

#include <json-glib/json-glib.h>

#include "qapi/error.h"

/* {"path"} -> [{"name", "type"}...]; "Device 'PATH' not found". */
JsonNode *qmp_qom_list(JsonObject *args, Error **errp);
/* {"path", "property"} -> the value. */
JsonNode *qmp_qom_get(JsonObject *args, Error **errp);
/* {"path", "property", "value"} -> {} (value is typed JSON). */
JsonNode *qmp_qom_set(JsonObject *args, Error **errp);
/* {"implements"?, "abstract"?} -> [{"name", "parent"?, "abstract"?}...]. */
JsonNode *qmp_qom_list_types(JsonObject *args, Error **errp);
/*
 * {"typename"} -> [{"name", "type", "description"?, "default-value"?}...]
 * "Class 'X' not found".
 */
JsonNode *qmp_qom_list_properties(JsonObject *args, Error **errp);
/* {"qom-type", "id", props...} -> {}; see user_creatable_add_from_json(). */
JsonNode *qmp_object_add(JsonObject *args, Error **errp);
/* {"id"} -> {}; see user_creatable_del(). */
JsonNode *qmp_object_del(JsonObject *args, Error **errp);

/* ObjectPropertyInfo records as QMP returns them.  New node. */
JsonNode *qom_property_info_list_to_json(GPtrArray *infos, bool full);

#endif
