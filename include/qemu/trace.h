/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace events: named, pattern-enabled, printed with a timestamp and pid
 *
 * Each source directory lists its events in a "trace-events" file:
 *     # comment
 *     vfio_region_mmap(const char *name, uint64_t off, uint64_t size) "%s off 0x%"PRIx64" size 0x%"PRIx64
 * scripts/tracetool.py turns it into DIR/trace.h and DIR/trace-events.c
 * in the build tree.  Code includes the header by its path from the root,
 * e.g. #include "hw/vfio/trace.h", and calls
 *     trace_vfio_region_mmap(name, off, size);
 * which costs one predictable branch while the event is disabled.  The
 * meson wiring is two lines; see docs/devel/tracing.rst.
 *
 * Output lines look like
 *     12345@1732415000.123456:vfio_region_mmap 0000:01:00.0 BAR 0 off 0x0 size 0x1000
 * i.e. PID@SECONDS.MICROSECONDS:EVENT MESSAGE, on stderr unless a file
 * was chosen.  Printing is thread-safe; each event is one write.
 */
#ifndef QEMU_TRACE_H
#define QEMU_TRACE_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "qapi/error.h"

/* One event; the generated code defines one per trace-events line. */
typedef struct TraceEvent {
    const char *name;
    bool enabled;
} TraceEvent;

/*
 * Called by the generated constructors; makes @events known by name.
 * Patterns enabled earlier apply to them too.
 */
void trace_register_events(TraceEvent *const *events, size_t n);

/*
 * Enable or disable events by name.  @patterns is a comma-separated list
 * of glob patterns ('*' and '?'); a pattern prefixed with '-' disables the
 * matching events instead.  They apply left to right, so "vfio_*,-vfio_dma_*"
 * enables every vfio event but the DMA ones.
 *
 * A pattern without wildcards that names no event fails with
 * "Trace event 'NAME' does not exist" (the earlier patterns stay applied).
 */
bool trace_enable_events(const char *patterns, Error **errp);

/* Same, for a file with one pattern per line ('#' starts a comment). */
bool trace_enable_events_from_file(const char *path, Error **errp);

/* True if the event called @name exists and is enabled. */
bool trace_event_is_enabled(const char *name);

/* Prints the known events, sorted, one per line, with their state. */
void trace_list_events(FILE *out);

/*
 * Send trace output to @path (truncated), or back to stderr if @path is
 * NULL.  Fails with the file name and strerror if it cannot be opened.
 */
bool trace_set_file(const char *path, Error **errp);

/*
 * The -trace option: "[enable=]PATTERN[,events=FILE][,file=FILE]".
 * "-trace help" (or enable=help) lists the events on stdout and exits(0),
 * as QEMU does.  Returns false with @errp set on a bad argument.
 */
bool trace_opt_parse(const char *optarg, Error **errp);

/* Used by the generated code: prints one event line (no newline in fmt). */
void trace_print(const TraceEvent *ev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif
