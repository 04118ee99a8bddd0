/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to monitor/: the JSON stream splitter and the monitor state
 * that commands (getfd) need.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include <json-glib/json-glib.h>
#include "chardev/char.h"

/*
 * Splits a byte stream into top-level JSON texts.  Each complete text is
 * handed to @emit with its length; @emit parses it.  Bytes that cannot
 * start a value at top level are collected as a bare token so the parser
 * reports them ("invalid keyword 'foo'").  A text over a limit (64 MiB,
 * nesting 1024, 2M tokens) is reported once with @text NULL and @err set
 * (the callee owns @err), then skipped to its end.
 */
typedef void JsonStreamEmit(void *opaque, const char *text, size_t len,
                            Error *err);

typedef struct JsonStreamer {
    GString *buf;
    int64_t depth;
    size_t tokens;          /* rough count: containers, strings, , and : */
    char in_string;         /* the open string's quote, or 0 */
    bool escape;
    bool bare;              /* collecting a top-level non-container token */
    bool discarding;        /* over a limit: skip to the end of this text */
    JsonStreamEmit *emit;
    void *opaque;
} JsonStreamer;

void json_streamer_init(JsonStreamer *js, JsonStreamEmit *emit, void *opaque);
void json_streamer_feed(JsonStreamer *js, const uint8_t *data, size_t len);
/* Drops a partial text (on disconnect). */
void json_streamer_reset(JsonStreamer *js);
void json_streamer_destroy(JsonStreamer *js);

/* The chardev of the monitor whose command is being dispatched, or NULL. */
Chardev *monitor_cur_chardev(void);

/* {"qemu": {"micro": .., "minor": .., "major": ..}, "package": ""} (new). */
JsonObject *qmp_version_info(void);
/* The numbers of QEMU_VERSION (the QEMU release we implement). */
void qmp_version_numbers(int64_t *major, int64_t *minor, int64_t *micro);

#endif
