/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop on GLib's default context, plus the source that runs
 * realtime and host timers when they are due.
 */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "system/runstate.h"

static bool main_loop_ready;

static int64_t host_timers_deadline_ns(void)
{
    int64_t rt = qemu_clock_deadline_ns(QEMU_CLOCK_REALTIME);
    int64_t host = qemu_clock_deadline_ns(QEMU_CLOCK_HOST);

    if (rt < 0) {
        return host;
    }
    return host < 0 ? rt : MIN(rt, host);
}

static gboolean timer_source_prepare(GSource *source, gint *timeout)
{
    int64_t ns = host_timers_deadline_ns();

    if (ns < 0) {
        *timeout = -1;
    } else {
        *timeout = (int)MIN(DIV_ROUND_UP(ns, SCALE_MS), G_MAXINT);
    }
    return ns == 0;
}

static gboolean timer_source_check(GSource *source)
{
    return host_timers_deadline_ns() == 0;
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    qemu_clock_run_timers(QEMU_CLOCK_REALTIME);
    qemu_clock_run_timers(QEMU_CLOCK_HOST);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

static gboolean on_terminate_signal(gpointer data)
{
    int sig = GPOINTER_TO_INT(data);

    error_report("terminating on signal %d", sig);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

bool qemu_init_main_loop(Error **errp)
{
    GSource *src;

    if (main_loop_ready) {
        return true;
    }
    src = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(src, "qemu-timers");
    g_source_attach(src, NULL);
    g_source_unref(src);

    g_unix_signal_add(SIGINT, on_terminate_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGTERM, on_terminate_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGHUP, on_terminate_signal, GINT_TO_POINTER(SIGHUP));
    /* A client that goes away must not kill us while we write to it. */
    signal(SIGPIPE, SIG_IGN);
    main_loop_ready = true;
    return true;
}

void main_loop_wait(bool blocking)
{
    g_main_context_iteration(NULL, blocking);
}

int qemu_main_loop(void)
{
    while (!qemu_shutdown_requested()) {
        main_loop_wait(true);
    }
    return 0;
}

void qemu_notify_event(void)
{
    g_main_context_wakeup(NULL);
}
