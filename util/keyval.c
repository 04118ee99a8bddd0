/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option arguments ("key=value,..." or JSON) parsed into option dicts
 *
 * The keyval grammar, informally:
 *   params   = [ element { ',' element } ] [ ',' ]
 *   element  = key '=' value | implied-value | "help" | "?"
 *   key      = name { '.' ( name | digits ) }
 *   name     = letter { letter | digit | '-' | '_' }
 *   value    = { any character, with ",," for a literal comma }
 * An implied value is allowed for the first element only.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/json-parser.h"
#include "qemu/keyval.h"
#include "util/trace.h"

static bool is_help_element(const char *s, size_t len)
{
    return (len == 4 && !strncmp(s, "help", 4)) || (len == 1 && *s == '?');
}

/* Length of the name at @s, or of the digit run if @digits_ok and it is one. */
static size_t fragment_len(const char *s, bool digits_ok)
{
    size_t len = 0;

    if (digits_ok && g_ascii_isdigit(*s)) {
        while (g_ascii_isdigit(s[len])) {
            len++;
        }
        return len;
    }
    if (!g_ascii_isalpha(*s)) {
        return 0;
    }
    while (g_ascii_isalnum(s[len]) || s[len] == '-' || s[len] == '_') {
        len++;
    }
    return len;
}

/* True if key[0..len) is a well-formed dotted key. */
static bool key_is_valid(const char *key, size_t len)
{
    const char *s = key, *end = key + len;

    for (;;) {
        size_t flen = fragment_len(s, s != key);

        if (!flen || s + flen > end) {
            return false;
        }
        s += flen;
        if (s == end) {
            return true;
        }
        if (*s != '.') {
            return false;
        }
        s++;
    }
}

/*
 * Reads a value that ends at a single ',' or at the end of the string,
 * turning ",," into ','.  Returns the position after the terminating
 * comma, if any.
 */
static const char *parse_value(const char *s, char **value)
{
    GString *val = g_string_new(NULL);

    while (*s) {
        if (*s == ',') {
            s++;
            if (*s != ',') {
                break;
            }
        }
        g_string_append_c(val, *s++);
    }
    *value = g_string_free(val, FALSE);
    return s;
}

/*
 * Stores @value under the dotted @key (which is valid), creating the
 * intermediate dicts.
 */
static bool put_value(JsonObject *dict, const char *key, const char *value,
                      Error **errp)
{
    g_auto(GStrv) frags = g_strsplit(key, ".", -1);
    JsonObject *cur = dict;
    JsonNode *member;
    int i;

    for (i = 0; frags[i + 1]; i++) {
        member = json_object_get_member(cur, frags[i]);
        if (!member) {
            JsonObject *child = json_object_new();

            json_object_set_object_member(cur, frags[i], child);
            cur = child;
            continue;
        }
        if (!JSON_NODE_HOLDS_OBJECT(member)) {
            g_autoptr(GString) used = g_string_new(frags[0]);
            int j;

            for (j = 1; j <= i; j++) {
                g_string_append_printf(used, ".%s", frags[j]);
            }
            error_setg(errp, "Parameters '%s.*' used inconsistently",
                       used->str);
            return false;
        }
        cur = json_node_get_object(member);
    }

    member = json_object_get_member(cur, frags[i]);
    if (member && JSON_NODE_HOLDS_OBJECT(member)) {
        error_setg(errp, "Parameters '%s.*' used inconsistently", key);
        return false;
    }
    if (member) {
        error_setg(errp, "Parameter '%s' is given more than once", key);
        return false;
    }
    json_object_set_string_member(cur, frags[i], value);
    return true;
}

/*
 * Parses one element at @params into @dict.  Returns the start of the next
 * element, or NULL with @errp set.
 */
static const char *parse_element(JsonObject *dict, const char *params,
                                 const char *implied_key, bool *p_help,
                                 Error **errp)
{
    size_t len = strcspn(params, "=,");
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;
    const char *s;

    if (len && params[len] != '=') {
        if (is_help_element(params, len)) {
            if (!p_help) {
                error_setg(errp, "Invalid parameter '%.*s'", (int)len,
                           params);
                return NULL;
            }
            *p_help = true;
            s = params + len;
            return *s == ',' ? s + 1 : s;
        }
        if (implied_key) {
            s = parse_value(params, &value);
            return put_value(dict, implied_key, value, errp) ? s : NULL;
        }
    }

    if (!key_is_valid(params, len)) {
        error_setg(errp, "Invalid parameter '%.*s'", (int)len, params);
        return NULL;
    }
    if (params[len] != '=') {
        error_setg(errp, "Expected '=' after parameter '%.*s'", (int)len,
                   params);
        return NULL;
    }
    key = g_strndup(params, len);
    s = parse_value(params + len + 1, &value);
    return put_value(dict, key, value, errp) ? s : NULL;
}

JsonObject *keyval_parse(const char *params, const char *implied_key,
                         bool *p_help, Error **errp)
{
    g_autoptr(JsonObject) dict = json_object_new();
    const char *s = params;

    if (p_help) {
        *p_help = false;
    }
    while (*s) {
        s = parse_element(dict, s, implied_key, p_help, errp);
        if (!s) {
            return NULL;
        }
        implied_key = NULL;
    }
    trace_keyval_parsed(params, json_object_get_size(dict));
    return g_steal_pointer(&dict);
}

/*
 * The JSON form goes through the parser QMP uses, so a bad argument gets
 * the same words in both places (and duplicate keys, bad escapes and
 * integers beyond 64 bits are refused, not silently changed).
 */
static JsonObject *json_parse_object(const char *arg, Error **errp)
{
    JsonParseOptions opts = { .reject_big_integers = true };
    g_autoptr(JsonNode) root = json_parse(arg, strlen(arg), &opts, errp);

    if (!root) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(errp, "JSON option argument must be an object");
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}

JsonObject *qemu_parse_option_arg(const char *arg, const char *implied_key,
                                  bool *is_json, bool *p_help,
                                  Error **errp)
{
    const char *p = arg;
    bool json;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    json = *p == '{';
    if (is_json) {
        *is_json = json;
    }
    if (!json) {
        return keyval_parse(arg, implied_key, p_help, errp);
    }
    if (p_help) {
        *p_help = false;
    }
    trace_qemu_option_json(arg);
    return json_parse_object(arg, errp);
}

/* The member at dotted @key, or NULL if any step of the way is missing. */
static JsonNode *lookup(JsonObject *dict, const char *key)
{
    const char *dot;
    JsonNode *node;

    while ((dot = strchr(key, '.'))) {
        g_autofree char *frag = g_strndup(key, dot - key);

        node = json_object_get_member(dict, frag);
        if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
            return NULL;
        }
        dict = json_node_get_object(node);
        key = dot + 1;
    }
    return json_object_get_member(dict, key);
}

static bool node_is(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

/* The string leaf of a keyval dict, or NULL if the leaf is not one. */
static const char *node_str(JsonNode *node)
{
    return node_is(node, G_TYPE_STRING) ? json_node_get_string(node) : NULL;
}

bool optdict_get_bool(JsonObject *dict, const char *key, bool keyval,
                      bool *value, Error **errp)
{
    JsonNode *node = lookup(dict, key);

    if (!node) {
        return true;
    }
    if (keyval) {
        return qemu_parse_bool(key, node_str(node), value, errp);
    }
    if (!node_is(node, G_TYPE_BOOLEAN)) {
        error_setg(errp, "Parameter '%s' expects a boolean", key);
        return false;
    }
    *value = json_node_get_boolean(node);
    return true;
}

bool optdict_get_int(JsonObject *dict, const char *key, bool keyval,
                     int64_t *value, Error **errp)
{
    JsonNode *node = lookup(dict, key);
    int64_t val;

    if (!node) {
        return true;
    }
    if (keyval ? qemu_strtoi64(node_str(node), NULL, 0, &val) < 0
               : !node_is(node, G_TYPE_INT64)) {
        error_setg(errp, "Parameter '%s' expects a number", key);
        return false;
    }
    *value = keyval ? val : json_node_get_int(node);
    return true;
}

bool optdict_get_uint(JsonObject *dict, const char *key, bool keyval,
                      uint64_t *value, Error **errp)
{
    JsonNode *node = lookup(dict, key);
    uint64_t val;

    if (!node) {
        return true;
    }
    if (keyval) {
        if (qemu_strtou64(node_str(node), NULL, 0, &val) < 0) {
            goto fail;
        }
    } else {
        if (!node_is(node, G_TYPE_INT64) || json_node_get_int(node) < 0) {
            goto fail;
        }
        val = json_node_get_int(node);
    }
    *value = val;
    return true;

fail:
    error_setg(errp, "Parameter '%s' expects a non-negative number", key);
    return false;
}

bool optdict_get_size(JsonObject *dict, const char *key, bool keyval,
                      uint64_t *value, Error **errp)
{
    JsonNode *node = lookup(dict, key);
    uint64_t val;

    if (!node) {
        return true;
    }
    if (keyval) {
        if (qemu_strtosz(node_str(node), NULL, &val) < 0) {
            goto fail;
        }
    } else {
        if (!node_is(node, G_TYPE_INT64) || json_node_get_int(node) < 0) {
            goto fail;
        }
        val = json_node_get_int(node);
    }
    *value = val;
    return true;

fail:
    error_setg(errp, "Parameter '%s' expects a size", key);
    error_append_hint(errp, "A size is a non-negative number of bytes, "
                      "optionally with a suffix K, M, G, T, P or E "
                      "(powers of 1024).\n");
    return false;
}

bool optdict_get_str(JsonObject *dict, const char *key, bool keyval,
                     const char **value, Error **errp)
{
    JsonNode *node = lookup(dict, key);

    if (!node) {
        return true;
    }
    if (!node_is(node, G_TYPE_STRING)) {
        error_setg(errp, "Parameter '%s' expects a string", key);
        return false;
    }
    *value = json_node_get_string(node);
    return true;
}

bool optdict_has(JsonObject *dict, const char *key)
{
    return lookup(dict, key) != NULL;
}

bool optdict_require(JsonObject *dict, const char *key, Error **errp)
{
    if (!lookup(dict, key)) {
        error_setg(errp, "Parameter '%s' is missing", key);
        return false;
    }
    return true;
}

void optdict_remove(JsonObject *dict, const char *key)
{
    const char *dot = strchr(key, '.');
    g_autofree char *first = NULL;
    JsonNode *node;

    if (!dot) {
        json_object_remove_member(dict, key);
        return;
    }
    first = g_strndup(key, dot - key);
    node = json_object_get_member(dict, first);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        return;
    }
    optdict_remove(json_node_get_object(node), dot + 1);
    /* A dict emptied by removals was only there to hold them. */
    if (json_object_get_size(json_node_get_object(node)) == 0) {
        json_object_remove_member(dict, first);
    }
}

bool optdict_check_empty(JsonObject *dict, Error **errp)
{
    g_autoptr(GString) name = g_string_new(NULL);
    JsonObjectIter iter;
    const char *member;
    JsonNode *node;

    if (json_object_get_size(dict) == 0) {
        return true;
    }
    /* Name the first leftover, descending into nested dicts. */
    for (;;) {
        json_object_iter_init_ordered(&iter, dict);
        if (!json_object_iter_next_ordered(&iter, &member, &node)) {
            break;
        }
        g_string_append_printf(name, "%s%s", name->len ? "." : "", member);
        if (!JSON_NODE_HOLDS_OBJECT(node)) {
            break;
        }
        dict = json_node_get_object(node);
    }
    error_setg(errp, "Invalid parameter '%s'", name->str);
    return false;
}

char *optdict_leaf_to_string(JsonNode *node)
{
    if (node_is(node, G_TYPE_STRING)) {
        return g_strdup(json_node_get_string(node));
    }
    return json_to_string(node, FALSE);
}
