/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One-line messages for the user, prefixed with the program name and the
 * command-line location being processed.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"

bool message_with_timestamp;

static char *progname;
static Location std_loc = { .kind = LOC_NONE };
static Location *cur_loc = &std_loc;
static ErrorSinkFunc sink_fn;
static void *sink_opaque;

void error_set_progname(const char *argv0)
{
    g_free(progname);
    progname = g_path_get_basename(argv0);
}

void error_set_sink(ErrorSinkFunc fn, void *opaque)
{
    sink_fn = fn;
    sink_opaque = opaque;
}

Location *loc_push_restore(Location *loc)
{
    g_assert(!loc->prev);
    loc->prev = cur_loc;
    cur_loc = loc;
    return loc;
}

Location *loc_push_none(Location *loc)
{
    loc->kind = LOC_NONE;
    loc->num = 0;
    loc->ptr = NULL;
    loc->prev = NULL;
    return loc_push_restore(loc);
}

Location *loc_pop(Location *loc)
{
    g_assert(cur_loc == loc && loc->prev);
    cur_loc = loc->prev;
    loc->prev = NULL;
    return loc;
}

Location *loc_save(Location *loc)
{
    *loc = *cur_loc;
    loc->prev = NULL;
    return loc;
}

void loc_restore(Location *loc)
{
    Location *prev = cur_loc->prev;

    g_assert(!loc->prev);
    *cur_loc = *loc;
    cur_loc->prev = prev;
}

void loc_set_none(void)
{
    cur_loc->kind = LOC_NONE;
}

void loc_set_cmdline(char **argv, int idx, int cnt)
{
    cur_loc->kind = LOC_CMDLINE;
    cur_loc->num = cnt;
    cur_loc->ptr = argv + idx;
}

void loc_set_file(const char *fname, int lno)
{
    g_assert(fname || cur_loc->kind == LOC_FILE);
    cur_loc->kind = LOC_FILE;
    cur_loc->num = lno;
    if (fname) {
        cur_loc->ptr = fname;
    }
}

static void append_location(GString *line)
{
    const char *const *argv;
    int i;

    switch (cur_loc->kind) {
    case LOC_CMDLINE:
        argv = cur_loc->ptr;
        for (i = 0; i < cur_loc->num; i++) {
            g_string_append_printf(line, "%s%s", i ? " " : "", argv[i]);
        }
        g_string_append(line, ": ");
        break;
    case LOC_FILE:
        g_string_append_printf(line, "%s:", (const char *)cur_loc->ptr);
        if (cur_loc->num) {
            g_string_append_printf(line, "%d:", cur_loc->num);
        }
        g_string_append_c(line, ' ');
        break;
    case LOC_NONE:
        break;
    }
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
    g_autoptr(GString) line = g_string_new(NULL);

    if (message_with_timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *ts = g_date_time_format_iso8601(now);
        g_string_append_printf(line, "%s ", ts);
    }
    g_string_append_printf(line, "%s: ",
                           progname ? progname : g_get_prgname() ?: "qemu");
    append_location(line);
    if (kind) {
        g_string_append(line, kind);
    }
    g_string_append_vprintf(line, fmt, ap);

    if (sink_fn) {
        sink_fn(line->str, sink_opaque);
    } else {
        fprintf(stderr, "%s\n", line->str);
    }
}

void error_vprintf(const char *fmt, va_list ap)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    int i;

    if (!sink_fn) {
        vfprintf(stderr, fmt, ap);
        return;
    }
    text = g_strdup_vprintf(fmt, ap);
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        /* The text after the final newline is empty: not a line. */
        if (lines[i + 1] || lines[i][0]) {
            sink_fn(lines[i], sink_opaque);
        }
    }
}

void error_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vprintf(fmt, ap);
    va_end(ap);
}

void error_vreport(const char *fmt, va_list ap)
{
    vreport(NULL, fmt, ap);
}

void warn_vreport(const char *fmt, va_list ap)
{
    vreport("warning: ", fmt, ap);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(NULL, fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("info: ", fmt, ap);
    va_end(ap);
}

static bool vreport_once(bool *printed, const char *kind, const char *fmt,
                         va_list ap)
{
    if (*printed) {
        return false;
    }
    *printed = true;
    vreport(kind, fmt, ap);
    return true;
}

bool error_report_once_cond(bool *printed, const char *fmt, ...)
{
    va_list ap;
    bool ret;

    va_start(ap, fmt);
    ret = vreport_once(printed, NULL, fmt, ap);
    va_end(ap);
    return ret;
}

bool warn_report_once_cond(bool *printed, const char *fmt, ...)
{
    va_list ap;
    bool ret;

    va_start(ap, fmt);
    ret = vreport_once(printed, "warning: ", fmt, ap);
    va_end(ap);
    return ret;
}
