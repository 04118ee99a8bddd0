/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages for the user: error_report(), warn_report(), info_report()
 *
 * Every message is one line on stderr in QEMU's form:
 *     PROGNAME: [LOCATION: ]MESSAGE
 * where LOCATION is the command-line option being processed (for example
 * "-device vfio-pci,host=x") while start-up code handles it.
 */
#ifndef QEMU_ERROR_REPORT_H
#define QEMU_ERROR_REPORT_H

#include <glib.h>
#include <stdbool.h>

typedef struct Location {
    enum { LOC_NONE, LOC_CMDLINE, LOC_FILE } kind;
    int num;
    const void *ptr;
    struct Location *prev;
} Location;

/* The program name used as the message prefix; defaults to g_get_prgname(). */
void error_set_progname(const char *argv0);

/* Location stack: push before handling an option, pop after. */
Location *loc_push_restore(Location *loc);
Location *loc_push_none(Location *loc);
Location *loc_pop(Location *loc);
Location *loc_save(Location *loc);
void loc_restore(Location *loc);
void loc_set_none(void);
/* Option argv[idx] and its cnt - 1 arguments, printed space-separated. */
void loc_set_cmdline(char **argv, int idx, int cnt);
void loc_set_file(const char *fname, int lno);

void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void error_vreport(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
void warn_vreport(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);

/*
 * error_report_err()/warn_report_err() with "fmt..." prepended to the
 * message: the caller adds its context at the point of reporting.
 * Both free @err.
 */
typedef struct Error Error;
void error_reportf_err(Error *err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void warn_reportf_err(Error *err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * Free-form text for the user, without prefix or location: hints, help
 * output that belongs to an error.  Goes to the sink (one call per line,
 * without the newline) when one is set, else to stderr as is.
 */
void error_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void error_vprintf(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);

/*
 * Report once per *printed flag; returns true if it printed.  Use this for
 * warnings that tell the user once what they lost.
 */
bool error_report_once_cond(bool *printed, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
bool warn_report_once_cond(bool *printed, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#define warn_report_once(fmt, ...)                          \
    ({                                                      \
        static bool print_once_;                            \
        warn_report_once_cond(&print_once_, fmt, ##__VA_ARGS__); \
    })

/* "-msg timestamp=on" prefixes each message with an ISO 8601 time. */
extern bool message_with_timestamp;
/*
 * Messages go to this sink when set (tests capture them); NULL means stderr.
 * The sink receives the whole line without the trailing newline; an error's
 * hint arrives as further calls, one per line.
 */
typedef void (*ErrorSinkFunc)(const char *line, void *opaque);
void error_set_sink(ErrorSinkFunc fn, void *opaque);

#endif
