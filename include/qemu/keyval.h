/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option arguments ("key=value,..." or JSON) parsed into option dicts
 *
 * An option dict is a json-glib JsonObject.  It is the one currency in
 * which command-line options (-device, -object, -trace, ...) and QMP
 * arguments travel between the parser and the code that applies them.
 * Members keep the order in which they were written: iterate with
 * json_object_iter_init_ordered() or json_object_get_members() when the
 * order matters (properties are applied in that order).
 *
 * Two producers, two kinds of leaves:
 *   - keyval_parse() (the "key=value,..." syntax) gives only strings;
 *     "a.b=1" becomes {"a": {"b": "1"}}.
 *   - JSON ('{"driver": "vfio-pci", "x-foo": 4}') gives typed leaves.
 * Consumers read leaves with optdict_get_*() and say which producer made
 * the dict (the @keyval argument), so that "on" and true, "4096" and 4096
 * are accepted each in its own form.
 *
 * See docs/devel/options.rst for the syntax.
 */
#ifndef QEMU_KEYVAL_H
#define QEMU_KEYVAL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

/*
 * Parse @params (not NULL) in the "key=value,key2=value2" syntax.
 *
 * - ",," inside a value stands for one comma.
 * - If @implied_key is non-NULL, a first element without '=' is the value
 *   of @implied_key: "vfio-pci,host=x" with "driver" gives
 *   {"driver": "vfio-pci", "host": "x"}.
 * - Keys are dot-separated fragments; each is a name ([A-Za-z] followed by
 *   letters, digits, '-' or '_'), and fragments after the first may also
 *   be all digits.  "a.b=1,a.c=2" gives {"a": {"b": "1", "c": "2"}}.
 * - A bare element "help" or "?" sets *@p_help to true (it is set to false
 *   first).  If @p_help is NULL, such an element is an error.
 * - A key given twice is an error, as is a key used both as a value and
 *   as a prefix of a dotted key.
 * - All leaves are JSON strings.  An empty @params gives an empty dict.
 *
 * Returns a new dict (free with json_object_unref(), or g_autoptr), or NULL
 * with @errp set.  Messages name the culprit, e.g.
 * "Expected '=' after parameter 'foo'".
 */
JsonObject *keyval_parse(const char *params, const char *implied_key,
                         bool *p_help, Error **errp);

/*
 * Parse an option argument that is either keyval or, if it starts with
 * '{' (after optional whitespace), a JSON object -- the form libvirt uses
 * for -object and -device.
 *
 * *@is_json (if non-NULL) tells which form was parsed; pass it on as
 * "!is_json" to the optdict_get_*() @keyval argument.  JSON input never
 * sets *@p_help (it is set to false).  JSON errors name the position:
 * "JSON parse error, line 1 column 12: ...".  Integer literals outside
 * INT64_MIN..UINT64_MAX are rejected; those above INT64_MAX are stored
 * as the int64 with the same bits (json-glib's only way), which
 * optdict_get_uint() refuses as negative.  A key repeated in JSON keeps
 * its last value.
 *
 * Returns a new dict, or NULL with @errp set.
 */
JsonObject *qemu_parse_option_arg(const char *arg, const char *implied_key,
                                  bool *is_json, bool *p_help,
                                  Error **errp);

/*
 * Typed access to option dict members.
 *
 * @key names a member of @dict; it may be dotted ("a.b") to reach into
 * nested dicts.  If the member is absent, *@value is left untouched (so
 * initialise it with the default) and true is returned.  If it is present
 * but not of the expected type, false is returned with an error naming the
 * key and the type, e.g. "Parameter 'x' expects a number".
 *
 * @keyval says the dict came from keyval_parse(): leaves are then strings
 * to be converted ("on"/"off"/"yes"/"no"/"true"/"false", numbers in base
 * 10 or 0x hex, sizes with K/M/G/T/P/E suffixes).  Otherwise (JSON) the
 * leaf must already have the JSON type: boolean, integer, or a string for
 * optdict_get_str().  Sizes from JSON are non-negative integers.
 */
bool optdict_get_bool(JsonObject *dict, const char *key, bool keyval,
                      bool *value, Error **errp);
bool optdict_get_int(JsonObject *dict, const char *key, bool keyval,
                     int64_t *value, Error **errp);
bool optdict_get_uint(JsonObject *dict, const char *key, bool keyval,
                      uint64_t *value, Error **errp);
bool optdict_get_size(JsonObject *dict, const char *key, bool keyval,
                      uint64_t *value, Error **errp);
/* *@value points into @dict and lives as long as the member does. */
bool optdict_get_str(JsonObject *dict, const char *key, bool keyval,
                     const char **value, Error **errp);

/* True if the (possibly dotted) @key is present in @dict. */
bool optdict_has(JsonObject *dict, const char *key);

/*
 * Fails with "Parameter 'KEY' is missing" if @key is absent.  Use it for
 * mandatory members before optdict_get_*().
 */
bool optdict_require(JsonObject *dict, const char *key, Error **errp);

/*
 * Removes the (possibly dotted) member @key, if present.  Consumers that
 * take members one by one can then reject leftovers with
 * optdict_check_empty().
 */
void optdict_remove(JsonObject *dict, const char *key);

/*
 * Fails with "Invalid parameter 'KEY'" naming the first remaining member
 * (dotted if it is nested) if @dict is not empty.
 */
bool optdict_check_empty(JsonObject *dict, Error **errp);

/*
 * A leaf in the form a property parser expects: the string itself for a
 * JSON string, the JSON text otherwise ("true", "42", "[1,2]").  Returns a
 * new string.
 */
char *optdict_leaf_to_string(JsonNode *node);

#endif
