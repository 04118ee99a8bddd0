/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop on GLib's default context, plus the source that runs
 * realtime and host timers when they are due; and the big QEMU lock,
 * which the main loop drops only while it sleeps in poll().
 */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <pthread.h>
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "system/runstate.h"

static bool main_loop_ready;

/* ---- The big QEMU lock ------------------------------------------------ */

static pthread_mutex_t bql = PTHREAD_MUTEX_INITIALIZER;
static __thread bool bql_held;
static __thread bool is_main_thread;

/*
 * The process's first thread holds the BQL from the start, so code that
 * runs before the main loop (option parsing, machine creation, unit
 * tests that never start a loop) is "under the lock" as it assumes.
 */
static void __attribute__((constructor)) bql_init_main_thread(void)
{
    is_main_thread = true;
    bql_lock();
}

void bql_lock(void)
{
    g_assert(!bql_held);
    pthread_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    pthread_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

bool qemu_in_main_thread(void)
{
    return is_main_thread;
}

void qemu_cond_wait_bql(pthread_cond_t *cond)
{
    g_assert(bql_held);
    bql_held = false;
    pthread_cond_wait(cond, &bql);
    bql_held = true;
}

/* GLib's poll, with the BQL dropped while the main loop sleeps. */
static gint poll_without_bql(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    if (timeout == 0) {
        return g_poll(fds, nfds, 0);
    }
    bql_unlock();
    ret = g_poll(fds, nfds, timeout);
    bql_lock();
    return ret;
}

/* ---- Timers ----------------------------------------------------------- */

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0) {
        return b;
    }
    return b < 0 ? a : MIN(a, b);
}

/* The virtual clock's timers are ours only when it follows the host. */
static int64_t host_timers_deadline_ns(void)
{
    int64_t ns = earliest(qemu_clock_deadline_ns(QEMU_CLOCK_REALTIME),
                          qemu_clock_deadline_ns(QEMU_CLOCK_HOST));

    if (qemu_clock_virtual_follows_host()) {
        ns = earliest(ns, qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL));
    }
    return ns;
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
    if (qemu_clock_virtual_follows_host()) {
        qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL);
    }
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
    g_main_context_set_poll_func(NULL, poll_without_bql);
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
        /* Requests a vCPU thread left for the main loop (runstate.c). */
        qemu_handle_pending_requests();
    }
    return 0;
}

void qemu_notify_event(void)
{
    g_main_context_wakeup(NULL);
}
