/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON text in QEMU's wire style.  json-glib's generator puts no space
 * after ':' and ','; QMP clients that compare text (and our compatibility
 * test) expect QEMU's spacing, so we write it ourselves.
 */
#include "qemu/osdep.h"
#include <math.h>
#include "monitor/monitor.h"

static void write_string(GString *out, const char *s)
{
    const char *p = s;

    g_string_append_c(out, '"');
    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);

        if (c == (gunichar)-1 || c == (gunichar)-2) {
            c = 0xfffd;     /* invalid UTF-8: replacement character */
            p++;
        } else {
            p = g_utf8_next_char(p);
        }
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                if (c >= 0x10000) {
                    c -= 0x10000;
                    g_string_append_printf(out, "\\u%04X\\u%04X",
                                           0xd800 | (c >> 10),
                                           0xdc00 | (c & 0x3ff));
                } else {
                    g_string_append_printf(out, "\\u%04X", c);
                }
            } else {
                g_string_append_c(out, (char)c);
            }
        }
    }
    g_string_append_c(out, '"');
}

static void write_node(GString *out, JsonNode *node);

static void write_object(GString *out, JsonObject *obj)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    bool first = true;

    g_string_append_c(out, '{');
    json_object_iter_init_ordered(&iter, obj);
    while (json_object_iter_next_ordered(&iter, &name, &member)) {
        if (!first) {
            g_string_append(out, ", ");
        }
        first = false;
        write_string(out, name);
        g_string_append(out, ": ");
        write_node(out, member);
    }
    g_string_append_c(out, '}');
}

static void write_node(GString *out, JsonNode *node)
{
    if (!node) {
        g_string_append(out, "null");
        return;
    }
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        write_object(out, json_node_get_object(node));
        break;
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);
        guint n = json_array_get_length(arr);

        g_string_append_c(out, '[');
        for (guint i = 0; i < n; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            write_node(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    case JSON_NODE_VALUE:
        switch (json_node_get_value_type(node)) {
        case G_TYPE_BOOLEAN:
            g_string_append(out, json_node_get_boolean(node) ? "true"
                                                             : "false");
            break;
        case G_TYPE_DOUBLE: {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            double d = json_node_get_double(node);

            /* 1e999 parses as infinity, which JSON cannot write. */
            if (!isfinite(d)) {
                g_string_append(out, "null");
                break;
            }
            g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.17g",
                                                 d));
            break;
        }
        case G_TYPE_STRING:
            write_string(out, json_node_get_string(node));
            break;
        default:
            g_string_append_printf(out, "%" PRId64, json_node_get_int(node));
            break;
        }
        break;
    }
}

char *qmp_json_to_string(JsonNode *node)
{
    GString *out = g_string_new(NULL);

    write_node(out, node);
    return g_string_free(out, FALSE);
}

char *qmp_json_object_to_string(JsonObject *obj)
{
    GString *out = g_string_new(NULL);

    write_object(out, obj);
    return g_string_free(out, FALSE);
}
