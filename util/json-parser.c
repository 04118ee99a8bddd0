/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict JSON parser into json-glib nodes (see include/qemu/json-parser.h).
 *
 * Recursive descent over a byte range; the depth is capped, so the C
 * stack is bounded whatever the input.  The first error stops the parse:
 * the user sees one line, not one per unwound level.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/json-parser.h"

#define MAX_DEPTH 1024

typedef struct JsonParser_ {
    const char *text;
    const char *p;
    const char *end;
    JsonParseOptions *opts;
    int depth;
    Error *err;
} Parser;

static void G_GNUC_PRINTF(2, 3) fail(Parser *ps, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (ps->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(&ps->err, "JSON parse error, %s", msg);
}

static void skip_blanks(Parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
            *ps->p == '\r')) {
        ps->p++;
    }
}

static bool is_word_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '+' ||
           c == '.' || c == '$';
}

/* A run of letters and such where a value was due: name it. */
static void fail_at_token(Parser *ps, const char *what)
{
    const char *q = ps->p;

    if (q >= ps->end) {
        fail(ps, "premature end of input, %s", what);
        return;
    }
    if (!g_ascii_isalpha(*q)) {
        if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f) {
            fail(ps, "stray byte 0x%02x, %s", (unsigned char)*q, what);
        } else {
            fail(ps, "stray '%c', %s", *q, what);
        }
        return;
    }
    while (q < ps->end && is_word_char(*q) && q - ps->p < 64) {
        q++;
    }
    fail(ps, "invalid keyword '%.*s'", (int)(q - ps->p), ps->p);
}

static int hex4(const char *p)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);

        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* Reads a \uXXXX escape (ps->p at the 'u'); returns the code point or -1. */
static int64_t parse_unicode_escape(Parser *ps)
{
    int hi, lo;

    if (ps->end - ps->p < 5 || (hi = hex4(ps->p + 1)) < 0) {
        fail(ps, "invalid hex escape sequence in string");
        return -1;
    }
    ps->p += 5;
    if (hi == 0) {
        fail(ps, "\\u0000 is not supported");
        return -1;
    }
    if (hi >= 0xdc00 && hi <= 0xdfff) {
        fail(ps, "leading \\uDC00-\\uDFFF in string");
        return -1;
    }
    if (hi < 0xd800 || hi > 0xdbff) {
        return hi;
    }
    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
        (lo = hex4(ps->p + 2)) < 0xdc00 || lo > 0xdfff) {
        fail(ps, "missing \\uDC00-\\uDFFF after \\uD800-\\uDBFF in string");
        return -1;
    }
    ps->p += 6;
    return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

/*
 * ps->p is at the opening quote, " or ' (single quotes are QEMU's
 * extension, which its clients may use).  Returns a new string or NULL.
 */
static char *parse_string(Parser *ps)
{
    g_autoptr(GString) s = g_string_new(NULL);
    char quote = *ps->p;

    ps->p++;
    for (;;) {
        unsigned char c;

        if (ps->p >= ps->end) {
            fail(ps, "unterminated string");
            return NULL;
        }
        c = *ps->p;
        if (c == quote) {
            ps->p++;
            return g_string_free(g_steal_pointer(&s), FALSE);
        }
        if (c < 0x20) {
            fail(ps, "control character 0x%02x in string (write it as "
                 "\\u%04X)", c, c);
            return NULL;
        }
        if (c == '\\') {
            static const char plain[] = "\"'\\/bfnrt";
            static const char meaning[] = "\"'\\/\b\f\n\r\t";
            const char *hit;

            ps->p++;
            if (ps->p >= ps->end) {
                fail(ps, "unterminated string");
                return NULL;
            }
            if (*ps->p == 'u') {
                int64_t cp = parse_unicode_escape(ps);

                if (cp < 0) {
                    return NULL;
                }
                g_string_append_unichar(s, (gunichar)cp);
                continue;
            }
            hit = *ps->p ? strchr(plain, *ps->p) : NULL;
            if (!hit) {
                fail(ps, "invalid escape sequence in string");
                return NULL;
            }
            g_string_append_c(s, meaning[hit - plain]);
            ps->p++;
            continue;
        }
        if (c < 0x80) {
            g_string_append_c(s, c);
            ps->p++;
        } else {
            const char *next;

            if (g_utf8_get_char_validated(ps->p, ps->end - ps->p) >= 0x110000) {
                fail(ps, "invalid UTF-8 sequence in string");
                return NULL;
            }
            next = g_utf8_next_char(ps->p);
            g_string_append_len(s, ps->p, next - ps->p);
            ps->p = next;
        }
    }
}

static const char *skip_digits(const char *p, const char *end)
{
    while (p < end && g_ascii_isdigit(*p)) {
        p++;
    }
    return p;
}

static JsonNode *parse_number(Parser *ps)
{
    const char *start = ps->p, *p = ps->p, *digits;
    g_autofree char *num = NULL;
    bool is_int = true;
    JsonNode *node;
    int64_t ival;
    uint64_t uval;

    if (p < ps->end && *p == '-') {
        p++;
    }
    digits = p;
    p = skip_digits(p, ps->end);
    if (p == digits || (*digits == '0' && p - digits > 1)) {
        goto bad;
    }
    if (p < ps->end && *p == '.') {
        const char *frac = ++p;

        is_int = false;
        p = skip_digits(p, ps->end);
        if (p == frac) {
            goto bad;
        }
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        const char *exp;

        is_int = false;
        p++;
        if (p < ps->end && (*p == '+' || *p == '-')) {
            p++;
        }
        exp = p;
        p = skip_digits(p, ps->end);
        if (p == exp) {
            goto bad;
        }
    }
    if (p < ps->end && is_word_char(*p)) {
        goto bad;
    }
    ps->p = p;
    num = g_strndup(start, p - start);
    node = json_node_new(JSON_NODE_VALUE);
    if (is_int && qemu_strtoi64(num, NULL, 10, &ival) == 0) {
        json_node_set_int(node, ival);
    } else if (is_int && num[0] != '-' &&
               qemu_strtou64(num, NULL, 10, &uval) == 0) {
        json_node_set_int(node, (int64_t)uval);
    } else if (is_int && ps->opts && ps->opts->reject_big_integers) {
        json_node_unref(node);
        fail(ps, "integer %s is out of range", num);
        return NULL;
    } else {
        json_node_set_double(node, g_ascii_strtod(num, NULL));
    }
    return node;

bad:
    while (p < ps->end && is_word_char(*p) && p - start < 64) {
        p++;
    }
    fail(ps, "invalid number '%.*s'", (int)(p - start), start);
    return NULL;
}

static JsonNode *parse_value(Parser *ps);

static JsonNode *parse_object(Parser *ps)
{
    g_autoptr(JsonObject) obj = json_object_new();
    bool top = ps->depth == 1;

    ps->p++;
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        goto done;
    }
    for (;;) {
        g_autofree char *key = NULL;
        const char *value_start;
        JsonNode *value;

        skip_blanks(ps);
        if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) {
            fail_at_token(ps, "expecting a string key in object");
            return NULL;
        }
        key = parse_string(ps);
        if (!key) {
            return NULL;
        }
        if (json_object_has_member(obj, key)) {
            fail(ps, "duplicate key '%s'", key);
            return NULL;
        }
        skip_blanks(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            fail_at_token(ps, "missing : in object pair");
            return NULL;
        }
        ps->p++;
        skip_blanks(ps);
        value_start = ps->p;
        value = parse_value(ps);
        if (!value) {
            return NULL;
        }
        if (top && ps->opts && ps->opts->member &&
            !strcmp(key, ps->opts->member)) {
            ps->opts->member_offset = value_start - ps->text;
            ps->opts->member_len = ps->p - value_start;
        }
        json_object_set_member(obj, key, value);
        skip_blanks(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        fail_at_token(ps, "expecting ',' or '}' in object");
        return NULL;
    }
done: {
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(node, g_steal_pointer(&obj));
        return node;
    }
}

static JsonNode *parse_array(Parser *ps)
{
    g_autoptr(JsonArray) arr = json_array_new();
    JsonNode *node;

    ps->p++;
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        goto done;
    }
    for (;;) {
        JsonNode *elem;

        skip_blanks(ps);
        elem = parse_value(ps);
        if (!elem) {
            return NULL;
        }
        json_array_add_element(arr, elem);
        skip_blanks(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        fail_at_token(ps, "expecting ',' or ']' in array");
        return NULL;
    }
done:
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, g_steal_pointer(&arr));
    return node;
}

static bool take_keyword(Parser *ps, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, word, n) &&
        (ps->p + n == ps->end || !is_word_char(ps->p[n]))) {
        ps->p += n;
        return true;
    }
    return false;
}

static JsonNode *parse_value(Parser *ps)
{
    JsonNode *node = NULL;

    skip_blanks(ps);
    if (ps->p >= ps->end) {
        fail(ps, "premature end of input, expecting value");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
    case '[':
        if (++ps->depth > MAX_DEPTH) {
            if (!ps->err) {
                error_setg(&ps->err, "JSON nesting depth limit exceeded");
            }
            return NULL;
        }
        node = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
        ps->depth--;
        return node;
    case '"':
    case '\'': {
        char *s = parse_string(ps);

        if (!s) {
            return NULL;
        }
        node = json_node_new(JSON_NODE_VALUE);
        json_node_set_string(node, s);
        g_free(s);
        return node;
    }
    case '-':
    case '0' ... '9':
        return parse_number(ps);
    }
    if (take_keyword(ps, "true")) {
        node = json_node_new(JSON_NODE_VALUE);
        json_node_set_boolean(node, true);
        return node;
    }
    if (take_keyword(ps, "false")) {
        node = json_node_new(JSON_NODE_VALUE);
        json_node_set_boolean(node, false);
        return node;
    }
    if (take_keyword(ps, "null")) {
        return json_node_new(JSON_NODE_NULL);
    }
    fail_at_token(ps, "expecting value");
    return NULL;
}

JsonNode *json_parse(const char *text, size_t len, JsonParseOptions *opts,
                     Error **errp)
{
    Parser ps = {
        .text = text, .p = text, .end = text + len, .opts = opts,
    };
    JsonNode *root;

    if (opts) {
        opts->member_offset = opts->member_len = 0;
    }
    root = parse_value(&ps);
    if (root) {
        skip_blanks(&ps);
        if (ps.p < ps.end) {
            fail_at_token(&ps, "expecting end of input after the value");
            json_node_unref(root);
            root = NULL;
        }
    }
    if (!root) {
        error_propagate(errp, ps.err);
        if (opts) {
            opts->member_offset = opts->member_len = 0;
        }
    }
    return root;
}
