/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JsonNode <-> C value conversions for property setters and getters
 *
 * Setters receive a JsonNode plus the keyval flag (see qom/object.h).
 * These helpers turn it into a C value and produce QEMU's messages, all
 * naming the property (name):
 *   typed JSON of the wrong kind:
 *       "Invalid parameter type for 'NAME', expected: integer"
 *       (boolean, string, number, integer)
 *   keyval text that does not parse:
 *       "Parameter 'NAME' expects integer" / "expects 'on' or 'off'" /
 *       "expects size" / "expects number"
 *   out of the C type's range:
 *       "Parameter 'NAME' expects uint8_t" (int32_t, uint64_t, ...)
 *   enum names:
 *       "Parameter 'NAME' does not accept value 'X'"
 * The node is borrowed; *out is only written on success.
 */
#ifndef QOM_QOM_JSON_H
#define QOM_QOM_JSON_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"
#include "qom/qom-enum.h"

bool qom_json_to_bool(JsonNode *v, const char *name, bool keyval, bool *out,
                      Error **errp);
bool qom_json_to_int(JsonNode *v, const char *name, bool keyval,
                     int64_t *out, Error **errp);
bool qom_json_to_uint(JsonNode *v, const char *name, bool keyval,
                      uint64_t *out, Error **errp);
/* keyval accepts suffixes k/M/G/T/P/E (powers of 1024) and B. */
bool qom_json_to_size(JsonNode *v, const char *name, bool keyval,
                      uint64_t *out, Error **errp);
bool qom_json_to_double(JsonNode *v, const char *name, bool keyval,
                        double *out, Error **errp);
/* *out points into v; copy it if you keep it. */
bool qom_json_to_str(JsonNode *v, const char *name, bool keyval,
                     const char **out, Error **errp);
bool qom_json_to_enum(JsonNode *v, const char *name, bool keyval,
                      const QEnumLookup *lookup, int *out, Error **errp);

/*
 * Range checks for C field types: ctype is the name in the message
 * ("uint8_t").  The _between variants check a property's own limits:
 * "Property 'TYPE.NAME' doesn't take value V (minimum: MIN, maximum: MAX)".
 */
bool qom_check_uint_max(const char *name, uint64_t value, uint64_t max,
                        const char *ctype, Error **errp);
bool qom_check_int_range(const char *name, int64_t value, int64_t min,
                         int64_t max, const char *ctype, Error **errp);
bool qom_check_uint_between(const char *typename, const char *name,
                            uint64_t value, uint64_t min, uint64_t max,
                            Error **errp);
bool qom_check_int_between(const char *typename, const char *name,
                           int64_t value, int64_t min, int64_t max,
                           Error **errp);

/* New nodes, for getters. */
JsonNode *qom_json_new_bool(bool value);
JsonNode *qom_json_new_int(int64_t value);
/*
 * json-glib has no uint64: values above INT64_MAX are stored as their
 * int64 bit pattern, which qom_json_to_uint() reads back unchanged (it
 * accepts negative integers as QEMU's input visitor does).
 */
JsonNode *qom_json_new_uint(uint64_t value);
JsonNode *qom_json_new_str(const char *value);   /* NULL gives JSON null */

/* The node as text for humans: a string as is, else JSON ("true", "42"). */
char *qom_json_to_text(JsonNode *v);

#endif
