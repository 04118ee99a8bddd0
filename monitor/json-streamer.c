/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splitting a QMP byte stream into JSON texts by tracking nesting,
 * strings and escapes.
 */
#include "qemu/osdep.h"
#include "monitor/monitor-internal.h"

/* Like QEMU, refuse absurd input rather than buffering it forever. */
#define MAX_TEXT_SIZE (64 * 1024 * 1024)
#define MAX_DEPTH 1024

void json_streamer_init(JsonStreamer *js, JsonStreamEmit *emit, void *opaque)
{
    memset(js, 0, sizeof(*js));
    js->buf = g_string_new(NULL);
    js->emit = emit;
    js->opaque = opaque;
}

void json_streamer_reset(JsonStreamer *js)
{
    g_string_truncate(js->buf, 0);
    js->depth = 0;
    js->in_string = false;
    js->escape = false;
    js->bare = false;
}

void json_streamer_destroy(JsonStreamer *js)
{
    g_string_free(js->buf, TRUE);
    js->buf = NULL;
}

static void flush(JsonStreamer *js)
{
    g_autofree char *text = g_strndup(js->buf->str, js->buf->len);
    size_t len = js->buf->len;

    json_streamer_reset(js);
    js->emit(js->opaque, text, len);
}

static bool is_delim(char c)
{
    return g_ascii_isspace(c) || c == '{' || c == '[' || c == '}' ||
           c == ']' || c == '"';
}

void json_streamer_feed(JsonStreamer *js, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = data[i];

        if ((uint8_t)c == 0xff) {
            /* QEMU's resynchronisation byte: drop any partial input. */
            json_streamer_reset(js);
            continue;
        }
        if (js->bare) {
            if (is_delim(c)) {
                flush(js);
            } else {
                g_string_append_c(js->buf, c);
                continue;
            }
        }
        if (js->depth == 0 && !js->in_string) {
            if (g_ascii_isspace(c)) {
                continue;
            }
            g_string_append_c(js->buf, c);
            if (c == '{' || c == '[') {
                js->depth = 1;
            } else if (c == '"') {
                js->in_string = true;
            } else if (c == '}' || c == ']') {
                flush(js);
            } else {
                js->bare = true;
            }
            continue;
        }
        g_string_append_c(js->buf, c);
        if (js->in_string) {
            if (js->escape) {
                js->escape = false;
            } else if (c == '\\') {
                js->escape = true;
            } else if (c == '"') {
                js->in_string = false;
                if (js->depth == 0) {
                    flush(js);
                }
            }
            continue;
        }
        if (c == '"') {
            js->in_string = true;
        } else if (c == '{' || c == '[') {
            js->depth++;
        } else if (c == '}' || c == ']') {
            if (--js->depth == 0) {
                flush(js);
            }
        }
        if (js->depth > MAX_DEPTH || js->buf->len > MAX_TEXT_SIZE) {
            flush(js);      /* the parser reports the damage */
        }
    }
}
