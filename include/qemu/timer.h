/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers
 *
 * Three clocks, all in nanoseconds:
 *   QEMU_CLOCK_REALTIME  monotonic host time; timers fire from the main loop
 *   QEMU_CLOCK_HOST      wall-clock (gettimeofday) time; timers as realtime
 *   QEMU_CLOCK_VIRTUAL   the guest's time.  Without an accelerator there
 *                        is no CPU, so it moves only when qtest says so
 *                        ("clock_step", "clock_set"); timers on it fire
 *                        during that step, in deadline order, with the
 *                        clock set to each timer's deadline while its
 *                        callback runs.  Under KVM it follows the host's
 *                        monotonic clock while the VM runs and stands
 *                        still while it is stopped; its timers fire from
 *                        the main loop.
 *
 * Devices use timer_new_ns() + timer_mod() + timer_del() + timer_free().
 * Callbacks run in the main loop thread with the BQL held; timers may be
 * armed by any thread that holds the BQL (a vCPU thread wakes the main
 * loop).  A callback may modify or free any timer, including its own.
 */
#ifndef QEMU_TIMER_H
#define QEMU_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define NANOSECONDS_PER_SECOND 1000000000LL
#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

typedef enum QEMUClockType {
    QEMU_CLOCK_REALTIME = 0,
    QEMU_CLOCK_VIRTUAL = 1,
    QEMU_CLOCK_HOST = 2,
    QEMU_CLOCK_MAX
} QEMUClockType;

typedef void QEMUTimerCB(void *opaque);
typedef struct QEMUTimer QEMUTimer;

/* Current time of @type in ns (ms for the _ms variant). */
int64_t qemu_clock_get_ns(QEMUClockType type);
int64_t qemu_clock_get_ms(QEMUClockType type);
int64_t qemu_clock_get_us(QEMUClockType type);

/*
 * A new, inactive timer on @type calling @cb(@opaque) when it expires;
 * @scale is the unit of timer_mod()'s expiry (SCALE_NS, SCALE_US,
 * SCALE_MS).  Never fails.  Free with timer_free().
 */
QEMUTimer *timer_new(QEMUClockType type, int scale, QEMUTimerCB *cb,
                     void *opaque);
QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque);
QEMUTimer *timer_new_us(QEMUClockType type, QEMUTimerCB *cb, void *opaque);
QEMUTimer *timer_new_ms(QEMUClockType type, QEMUTimerCB *cb, void *opaque);
/* Deactivates and frees; NULL is accepted. */
void timer_free(QEMUTimer *ts);

/* (Re)arms @ts to expire at absolute time @expire_time (in its scale). */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
void timer_mod_ns(QEMUTimer *ts, int64_t expire_time_ns);
/* Like timer_mod() but only moves the deadline earlier. */
void timer_mod_anticipate(QEMUTimer *ts, int64_t expire_time);
/* Deactivates; harmless on an inactive timer. */
void timer_del(QEMUTimer *ts);
bool timer_pending(QEMUTimer *ts);
/* True if @ts is pending and its deadline is <= @current_time (its scale). */
bool timer_expired(QEMUTimer *ts, int64_t current_time);
/* Deadline in ns, or -1 if inactive. */
int64_t timer_expire_time_ns(QEMUTimer *ts);

/*
 * Deadline of the earliest pending timer on @type, in ns relative to now
 * (0 if already due), or -1 if none is pending.
 */
int64_t qemu_clock_deadline_ns(QEMUClockType type);

/*
 * Virtual clock control, for qtest only.
 * qemu_clock_advance_virtual() moves the virtual clock to @dest_ns, firing
 * every timer due at or before it; a @dest_ns in the past is ignored.
 * Returns the new virtual time.
 */
int64_t qemu_clock_advance_virtual(int64_t dest_ns);
/*
 * Under an accelerator: the virtual clock follows the host's monotonic
 * clock while qemu_clock_virtual_set_running(true) (the VM runs).
 */
void qemu_clock_virtual_follow_host(void);
bool qemu_clock_virtual_follows_host(void);
void qemu_clock_virtual_set_running(bool running);
/* Runs expired timers of @type now; returns true if any ran. */
bool qemu_clock_run_timers(QEMUClockType type);

#endif
