/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The payload's PAYLOAD lines on the console (see report.h). */

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "report.h"

double payload_uptime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The kernel's own messages share the console; one write per line keeps a
 * PAYLOAD line whole, so a reader can pick it out by its prefix.
 */
static void emit(const char *body)
{
    fprintf(stdout, "PAYLOAD %s\n", body);
    fflush(stdout);
}

void payload_line(const char *fmt, ...)
{
    char body[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    emit(body);
}

void payload_step(const char *name, bool pass, const char *msg,
                  const char *fmt, ...)
{
    char extra[768], body[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(extra, sizeof(extra), fmt, ap);
    va_end(ap);
    snprintf(body, sizeof(body), "event=step name=%s status=%s%s%s%s%s",
             name, pass ? "pass" : "fail", extra[0] ? " " : "", extra,
             msg ? " msg=" : "", msg ? msg : "");
    emit(body);
}
