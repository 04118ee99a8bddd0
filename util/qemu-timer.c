/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers: per-clock lists sorted by deadline.
 *
 * The virtual clock is a plain counter that only qtest moves, unless an
 * accelerator runs the guest: then it follows the host's monotonic clock
 * while the VM runs and stands still while it is stopped.  Realtime and
 * host timers (and virtual ones under an accelerator) are run by the
 * main loop (see system/main-loop.c), which asks qemu_clock_deadline_ns()
 * how long it may sleep.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

struct QEMUTimer {
    QEMUClockType type;
    int scale;
    QEMUTimerCB *cb;
    void *opaque;
    int64_t expire_ns;          /* -1 while inactive */
    QEMUTimer *next;
};

static QEMUTimer *active_timers[QEMU_CLOCK_MAX];
static int64_t virtual_clock_ns;     /* while it stands still */
static bool virtual_follows_host;
static bool virtual_running;
static int64_t virtual_offset_ns;   /* host monotonic - virtual, running */

/*
 * In nanoseconds, not GLib's microseconds: the guest reads device clocks
 * derived from it (the 3.58 MHz PM timer) at a finer grain than 1 us.
 */
static int64_t host_monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

void qemu_clock_virtual_follow_host(void)
{
    virtual_follows_host = true;
}

bool qemu_clock_virtual_follows_host(void)
{
    return virtual_follows_host;
}

void qemu_clock_virtual_set_running(bool running)
{
    if (!virtual_follows_host || running == virtual_running) {
        return;
    }
    if (running) {
        virtual_offset_ns = host_monotonic_ns() - virtual_clock_ns;
    } else {
        virtual_clock_ns = host_monotonic_ns() - virtual_offset_ns;
    }
    virtual_running = running;
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    switch (type) {
    case QEMU_CLOCK_VIRTUAL:
        if (virtual_running) {
            return host_monotonic_ns() - virtual_offset_ns;
        }
        return virtual_clock_ns;
    case QEMU_CLOCK_HOST:
        return g_get_real_time() * SCALE_US;
    case QEMU_CLOCK_REALTIME:
    default:
        return host_monotonic_ns();
    }
}

int64_t qemu_clock_get_ms(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_MS;
}

int64_t qemu_clock_get_us(QEMUClockType type)
{
    return qemu_clock_get_ns(type) / SCALE_US;
}

QEMUTimer *timer_new(QEMUClockType type, int scale, QEMUTimerCB *cb,
                     void *opaque)
{
    QEMUTimer *ts = g_new0(QEMUTimer, 1);

    g_assert(type >= 0 && type < QEMU_CLOCK_MAX);
    ts->type = type;
    ts->scale = scale;
    ts->cb = cb;
    ts->opaque = opaque;
    ts->expire_ns = -1;
    return ts;
}

QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    return timer_new(type, SCALE_NS, cb, opaque);
}

QEMUTimer *timer_new_us(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    return timer_new(type, SCALE_US, cb, opaque);
}

QEMUTimer *timer_new_ms(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    return timer_new(type, SCALE_MS, cb, opaque);
}

static void timer_unlink(QEMUTimer *ts)
{
    QEMUTimer **pt;

    for (pt = &active_timers[ts->type]; *pt; pt = &(*pt)->next) {
        if (*pt == ts) {
            *pt = ts->next;
            break;
        }
    }
    ts->next = NULL;
    ts->expire_ns = -1;
}

void timer_del(QEMUTimer *ts)
{
    if (ts && ts->expire_ns >= 0) {
        timer_unlink(ts);
    }
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        g_free(ts);
    }
}

void timer_mod_ns(QEMUTimer *ts, int64_t expire_time_ns)
{
    QEMUTimer **pt;

    timer_del(ts);
    ts->expire_ns = MAX(expire_time_ns, 0);
    /* Equal deadlines fire in the order they were armed. */
    for (pt = &active_timers[ts->type]; *pt; pt = &(*pt)->next) {
        if ((*pt)->expire_ns > ts->expire_ns) {
            break;
        }
    }
    ts->next = *pt;
    *pt = ts;
    /*
     * Armed by a vCPU thread (under the BQL) as the earliest timer: the
     * main loop may be asleep with a later deadline.
     */
    if (pt == &active_timers[ts->type] && !qemu_in_main_thread()) {
        qemu_notify_event();
    }
}

static int64_t scale_to_ns(QEMUTimer *ts, int64_t t)
{
    if (t > INT64_MAX / ts->scale) {
        return INT64_MAX;
    }
    return t * ts->scale;
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    timer_mod_ns(ts, scale_to_ns(ts, expire_time));
}

void timer_mod_anticipate(QEMUTimer *ts, int64_t expire_time)
{
    int64_t ns = scale_to_ns(ts, expire_time);

    if (ts->expire_ns < 0 || ns < ts->expire_ns) {
        timer_mod_ns(ts, ns);
    }
}

bool timer_pending(QEMUTimer *ts)
{
    return ts->expire_ns >= 0;
}

bool timer_expired(QEMUTimer *ts, int64_t current_time)
{
    return timer_pending(ts) && ts->expire_ns <= scale_to_ns(ts, current_time);
}

int64_t timer_expire_time_ns(QEMUTimer *ts)
{
    return ts->expire_ns;
}

int64_t qemu_clock_deadline_ns(QEMUClockType type)
{
    QEMUTimer *first = active_timers[type];
    int64_t now;

    if (!first) {
        return -1;
    }
    now = qemu_clock_get_ns(type);
    return first->expire_ns <= now ? 0 : first->expire_ns - now;
}

/* Pops and runs the first timer of @type if it is due at @now. */
static bool run_one_timer(QEMUClockType type, int64_t now)
{
    QEMUTimer *ts = active_timers[type];

    if (!ts || ts->expire_ns > now) {
        return false;
    }
    timer_unlink(ts);
    ts->cb(ts->opaque);
    return true;
}

bool qemu_clock_run_timers(QEMUClockType type)
{
    int64_t now = qemu_clock_get_ns(type);
    bool ran = false;

    while (run_one_timer(type, now)) {
        ran = true;
    }
    return ran;
}

int64_t qemu_clock_advance_virtual(int64_t dest_ns)
{
    QEMUTimer *ts;

    while ((ts = active_timers[QEMU_CLOCK_VIRTUAL]) &&
           ts->expire_ns <= dest_ns) {
        if (ts->expire_ns > virtual_clock_ns) {
            virtual_clock_ns = ts->expire_ns;
        }
        run_one_timer(QEMU_CLOCK_VIRTUAL, virtual_clock_ns);
    }
    if (dest_ns > virtual_clock_ns) {
        virtual_clock_ns = dest_ns;
    }
    return virtual_clock_ns;
}
