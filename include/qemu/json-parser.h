/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A strict JSON (RFC 8259) parser into json-glib nodes, shared by QMP and
 * the JSON form of option arguments (-device '{...}'), so that both refuse
 * the same input with the same words.
 *
 * Stricter than json-glib, as QEMU is: a repeated key in one object is an
 * error ("duplicate key"), and so are invalid escapes (\q), a \u0000
 * escape (every consumer wants a C string, which it would truncate),
 * unpaired UTF-16 surrogates, invalid UTF-8, raw control characters in
 * strings, comments, single quotes and trailing commas.
 *
 * Errors read "JSON parse error, WHAT" (QEMU's wording), or "JSON nesting
 * depth limit exceeded" past 1024 levels; there is one error per text.
 */
#ifndef QEMU_JSON_PARSER_H
#define QEMU_JSON_PARSER_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qapi/error.h"

typedef struct JsonParseOptions {
    /*
     * Integers beyond the 64-bit range: false makes them doubles (as
     * QEMU's QMP does), true refuses them ("integer N is out of range").
     * Integers from 2^63 to 2^64-1 are kept as their int64 bit pattern
     * (uint64 consumers read them back).
     */
    bool reject_big_integers;
    /*
     * If set and the text is an object with this member, its value's
     * bytes are at [member_offset, member_offset + member_len) of the text
     * on return (member_len 0 otherwise), so the caller can echo it as
     * it came.
     */
    const char *member;
    size_t member_offset;
    size_t member_len;
} JsonParseOptions;

/*
 * Parses the JSON text @text of @len bytes (NUL bytes in it are refused,
 * not a terminator) into a new node, or returns NULL with @errp set.
 * @opts may be NULL.
 */
JsonNode *json_parse(const char *text, size_t len, JsonParseOptions *opts,
                     Error **errp);

#endif
