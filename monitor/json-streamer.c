/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splitting a QMP byte stream into JSON texts by tracking nesting,
 * strings and escapes.
 *
 * The limits apply to every byte of a text, in strings and bare tokens
 * too: a client must not make us buffer more than MAX_TEXT_SIZE whatever
 * it sends.  A text that breaks one is reported once and then skipped to
 * its end without being stored (only its nesting is followed).
 */
#include "qemu/osdep.h"
#include "monitor/monitor-internal.h"

/* As QEMU: refuse absurd input rather than buffering it forever. */
#define MAX_TEXT_SIZE (64 * 1024 * 1024)
#define MAX_DEPTH 1024
/* Bounds the parsed tree: "[0,0,...]" in 64 MiB would be ~30M nodes. */
#define MAX_TOKENS (2 * 1024 * 1024)

void json_streamer_init(JsonStreamer *js, JsonStreamEmit *emit, void *opaque)
{
    memset(js, 0, sizeof(*js));
    js->buf = g_string_new(NULL);
    js->emit = emit;
    js->opaque = opaque;
}

void json_streamer_reset(JsonStreamer *js)
{
    if (js->buf->allocated_len > 64 * 1024) {
        /* Do not keep a huge buffer for the next, likely small, text. */
        g_string_free(js->buf, TRUE);
        js->buf = g_string_new(NULL);
    } else {
        g_string_truncate(js->buf, 0);
    }
    js->depth = 0;
    js->tokens = 0;
    js->in_string = 0;
    js->escape = false;
    js->bare = false;
    js->discarding = false;
}

void json_streamer_destroy(JsonStreamer *js)
{
    g_string_free(js->buf, TRUE);
    js->buf = NULL;
}

/* The current text is complete: hand it over (or drop a refused one). */
static void finish_text(JsonStreamer *js)
{
    g_autofree char *text = NULL;
    size_t len = js->buf->len;
    bool refused = js->discarding;

    if (!refused) {
        text = g_strndup(js->buf->str, len);
    }
    json_streamer_reset(js);
    if (!refused) {
        js->emit(js->opaque, text, len, NULL);
    }
}

static void check_limits(JsonStreamer *js)
{
    Error *err = NULL;

    if (js->discarding) {
        return;
    }
    if (js->buf->len > MAX_TEXT_SIZE) {
        error_setg(&err, "JSON token size limit exceeded");
    } else if (js->depth > MAX_DEPTH) {
        error_setg(&err, "JSON nesting depth limit exceeded");
    } else if (js->tokens > MAX_TOKENS) {
        error_setg(&err, "JSON token count limit exceeded");
    } else {
        return;
    }
    js->discarding = true;
    g_string_free(js->buf, TRUE);
    js->buf = g_string_new(NULL);
    js->emit(js->opaque, NULL, 0, err);
}

static void store(JsonStreamer *js, char c)
{
    if (!js->discarding) {
        g_string_append_c(js->buf, c);
        check_limits(js);
    }
}

static bool is_quote(char c)
{
    return c == '"' || c == '\'';     /* single quotes: QEMU's extension */
}

static bool is_delim(char c)
{
    return g_ascii_isspace(c) || c == '{' || c == '[' || c == '}' ||
           c == ']' || is_quote(c);
}

static void feed_byte(JsonStreamer *js, char c)
{
    if (js->bare) {
        if (!is_delim(c)) {
            store(js, c);
            return;
        }
        finish_text(js);    /* then c starts something new */
    }
    if (js->depth == 0 && !js->in_string) {
        if (g_ascii_isspace(c)) {
            return;
        }
        if (c == '{' || c == '[') {
            js->depth = 1;
        } else if (is_quote(c)) {
            js->in_string = c;
        } else if (c != '}' && c != ']') {
            js->bare = true;
        }
        store(js, c);
        if (c == '}' || c == ']') {
            finish_text(js);    /* the parser says it is stray */
        }
        return;
    }
    if (js->in_string) {
        store(js, c);
        if (js->escape) {
            js->escape = false;
        } else if (c == '\\') {
            js->escape = true;
        } else if (c == js->in_string) {
            js->in_string = 0;
            if (js->depth == 0) {
                finish_text(js);
            }
        }
        return;
    }
    if (is_quote(c)) {
        js->in_string = c;
        js->tokens++;
    } else if (c == '{' || c == '[') {
        js->depth++;
        js->tokens++;
    } else if (c == ',' || c == ':') {
        js->tokens++;
    }
    store(js, c);
    check_limits(js);
    if ((c == '}' || c == ']') && --js->depth == 0) {
        finish_text(js);
    }
}

void json_streamer_feed(JsonStreamer *js, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == 0xff) {
            /* QEMU's resynchronisation byte: drop any partial input. */
            json_streamer_reset(js);
            continue;
        }
        feed_byte(js, (char)data[i]);
    }
}
