/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clocks and timers: the virtual clock moves only when told, timers fire
 * in deadline order with the clock at their deadline, callbacks may
 * re-arm or delete timers, and realtime timers run from the main loop.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

typedef struct Fired {
    GArray *order;          /* of int: ids in firing order */
    GArray *at;             /* of int64: virtual time seen by the callback */
} Fired;

typedef struct Tick {
    int id;
    Fired *fired;
    QEMUTimer *rearm;       /* re-armed 100 ns later once, if set */
    QEMUTimer *kill;        /* deleted by this callback, if set */
} Tick;

static void tick(void *opaque)
{
    Tick *t = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    g_array_append_val(t->fired->order, t->id);
    g_array_append_val(t->fired->at, now);
    if (t->rearm) {
        timer_mod(t->rearm, now + 100);
        t->rearm = NULL;
    }
    if (t->kill) {
        timer_del(t->kill);
    }
}

static void test_virtual_order(void)
{
    Fired f = { g_array_new(FALSE, FALSE, sizeof(int)),
                g_array_new(FALSE, FALSE, sizeof(int64_t)) };
    int64_t base = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    Tick a = { 1, &f }, b = { 2, &f }, c = { 3, &f };
    QEMUTimer *ta = timer_new_ns(QEMU_CLOCK_VIRTUAL, tick, &a);
    QEMUTimer *tb = timer_new_ns(QEMU_CLOCK_VIRTUAL, tick, &b);
    QEMUTimer *tc = timer_new_us(QEMU_CLOCK_VIRTUAL, tick, &c);

    timer_mod(ta, base + 300);
    timer_mod(tb, base + 100);
    timer_mod(tc, (base + 2000) / SCALE_US);    /* microseconds */
    a.rearm = ta;           /* fires at +300 and again at +400 */
    g_assert_true(timer_pending(ta));
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, 100);

    g_assert_cmpint(qemu_clock_advance_virtual(base + 50), ==, base + 50);
    g_assert_cmpuint(f.order->len, ==, 0);
    qemu_clock_advance_virtual(base + 1000);
    g_assert_cmpuint(f.order->len, ==, 3);
    g_assert_cmpint(g_array_index(f.order, int, 0), ==, 2);
    g_assert_cmpint(g_array_index(f.at, int64_t, 0), ==, base + 100);
    g_assert_cmpint(g_array_index(f.order, int, 1), ==, 1);
    g_assert_cmpint(g_array_index(f.at, int64_t, 1), ==, base + 300);
    g_assert_cmpint(g_array_index(f.order, int, 2), ==, 1);
    g_assert_cmpint(g_array_index(f.at, int64_t, 2), ==, base + 400);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, base + 1000);
    g_assert_false(timer_pending(ta));
    g_assert_true(timer_pending(tc));

    /* The clock never goes back. */
    g_assert_cmpint(qemu_clock_advance_virtual(base), ==, base + 1000);

    /* A callback deleting a later timer stops it from firing. */
    b.kill = tc;
    timer_mod(tb, base + 1500);
    qemu_clock_advance_virtual(base + 5000);
    g_assert_cmpuint(f.order->len, ==, 4);
    g_assert_cmpint(g_array_index(f.order, int, 3), ==, 2);
    g_assert_false(timer_pending(tc));
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, -1);

    timer_free(ta);
    timer_free(tb);
    timer_free(tc);
    timer_free(NULL);
    g_array_free(f.order, TRUE);
    g_array_free(f.at, TRUE);
}

static void test_mod_anticipate(void)
{
    Fired f = { g_array_new(FALSE, FALSE, sizeof(int)),
                g_array_new(FALSE, FALSE, sizeof(int64_t)) };
    Tick a = { 1, &f };
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, tick, &a);
    int64_t base = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    timer_mod_anticipate(t, base + 500);
    timer_mod_anticipate(t, base + 800);        /* later: ignored */
    g_assert_cmpint(timer_expire_time_ns(t), ==, base + 500);
    timer_mod_anticipate(t, base + 200);
    g_assert_cmpint(timer_expire_time_ns(t), ==, base + 200);
    g_assert_false(timer_expired(t, base + 199));
    g_assert_true(timer_expired(t, base + 200));
    timer_del(t);
    timer_del(t);
    g_assert_cmpint(timer_expire_time_ns(t), ==, -1);
    timer_free(t);
    g_array_free(f.order, TRUE);
    g_array_free(f.at, TRUE);
}

static void realtime_tick(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_realtime_main_loop(void)
{
    int count = 0;
    QEMUTimer *t = timer_new_ms(QEMU_CLOCK_REALTIME, realtime_tick, &count);
    int64_t start = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

    g_assert_true(qemu_init_main_loop(&error_abort));
    timer_mod(t, start + 20);
    while (!count) {
        main_loop_wait(true);
    }
    g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), >=, start + 20);
    g_assert_false(timer_pending(t));
    timer_free(t);
}

static void virtual_tick(void *opaque)
{
    *(bool *)opaque = true;
}

/*
 * Under an accelerator the virtual clock stands still while the VM is
 * stopped, never goes back, and its timers fire from the main loop.
 * (Switches the process's clock for good: runs last.)
 */
static void test_virtual_follows_host(void)
{
    bool fired = false;
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, virtual_tick, &fired);
    int64_t frozen, now;
    Error *err = NULL;

    g_assert_true(qemu_init_main_loop(&err));
    qemu_clock_virtual_follow_host();
    frozen = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, frozen);

    qemu_clock_virtual_set_running(true);
    timer_mod_ns(t, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 1000000);
    while (!fired) {
        main_loop_wait(true);
    }
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(now, >=, frozen + 1000000);

    qemu_clock_virtual_set_running(false);
    frozen = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(frozen, >=, now);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, frozen);
    qemu_clock_virtual_set_running(true);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >=, frozen);
    qemu_clock_virtual_set_running(false);
    timer_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timer/virtual-order", test_virtual_order);
    g_test_add_func("/timer/mod-anticipate", test_mod_anticipate);
    g_test_add_func("/timer/realtime-main-loop", test_realtime_main_loop);
    g_test_add_func("/timer/virtual-follows-host", test_virtual_follows_host);
    return g_test_run();
}
