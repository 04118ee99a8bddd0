/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run-time support of the code scripts/qapi-gen.py generates: checked
 * conversions between JSON (json-glib) and the schema's C types, with
 * QEMU's messages:
 *     "Parameter 'x' is missing"
 *     "Invalid parameter type for 'x', expected: string"
 *     "Parameter 'x' is unexpected"
 *     "Parameter 'x' does not accept value 'y'"
 * @name is the full name of the value: "x" for a command argument,
 * "x.y" for a member of x, "x[2]" for an element of the list x.
 */
#ifndef QAPI_QAPI_JSON_H
#define QAPI_QAPI_JSON_H

#include <json-glib/json-glib.h>

#include "qapi/error.h"

bool qapi_json_to_str(JsonNode *node, const char *name, char **out,
                      Error **errp);
bool qapi_json_to_int(JsonNode *node, const char *name, int64_t *out,
                      Error **errp);
bool qapi_json_to_bool(JsonNode *node, const char *name, bool *out,
                       Error **errp);
bool qapi_json_to_number(JsonNode *node, const char *name, double *out,
                         Error **errp);
/* Any JSON value; *@out is a new reference. */
bool qapi_json_to_any(JsonNode *node, const char *name, JsonNode **out,
                      Error **errp);
/* @table is NULL-terminated, indexed by the enum's values. */
bool qapi_json_to_enum(JsonNode *node, const char *name,
                       const char *const *table, int *out, Error **errp);
/* *@out is borrowed from @node. */
bool qapi_json_to_object(JsonNode *node, const char *name, JsonObject **out,
                         Error **errp);
bool qapi_json_to_array(JsonNode *node, const char *name, JsonArray **out,
                        Error **errp);

/* "Parameter 'PREFIXNAME' is missing". */
void qapi_json_missing(const char *prefix, const char *name, Error **errp);
/* Fails on the first member of @o not in the NULL-terminated @known. */
bool qapi_json_check_known(JsonObject *o, const char *prefix,
                           const char *const *known, Error **errp);

/* New nodes. */
JsonNode *qapi_json_from_str(const char *s);
JsonNode *qapi_json_from_int(int64_t v);
JsonNode *qapi_json_from_bool(bool v);
JsonNode *qapi_json_from_number(double v);
/* A new reference to @node (an 'any' value). */
JsonNode *qapi_json_from_any(JsonNode *node);
/* {} */
JsonNode *qapi_json_empty_object(void);

#endif
