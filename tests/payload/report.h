/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The payload's console protocol: one result per line, each line
 * "PAYLOAD key=value key=value ...", first key "event".  Values carry no
 * white space, except the last key of a line, "msg", which runs to the end
 * of the line.  docs/devel/payload.rst describes the events.
 */
#ifndef PAYLOAD_REPORT_H
#define PAYLOAD_REPORT_H

#include <stdbool.h>

/* Seconds since boot (CLOCK_BOOTTIME): guest time, whatever the host does. */
double payload_uptime(void);

/* Print one PAYLOAD line: fmt holds "key=value" pairs. */
void payload_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The outcome of a step: "event=step name=NAME status=pass|fail ..." with
 * extra "key=value" pairs from fmt (may be "").  A failing step also gets a
 * "msg=" with the reason, so a reader of the console sees why.
 */
void payload_step(const char *name, bool pass, const char *msg,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
