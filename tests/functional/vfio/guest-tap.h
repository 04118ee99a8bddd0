/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TAP from the in-guest VFIO programs: check() prints one "ok N - ..." or
 * "not ok N - ..." line per check as it happens (a program that hangs
 * shows how far it got), tap_diag_sink() turns error_report() lines into
 * diagnostics, and tap_finish() prints the plan last ("1..N") and gives
 * the exit status.
 */
#ifndef TESTS_FUNCTIONAL_VFIO_GUEST_TAP_H
#define TESTS_FUNCTIONAL_VFIO_GUEST_TAP_H

static int tap_count, tap_failures;

static void G_GNUC_PRINTF(2, 3) check(bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", ok ? "ok" : "not ok", ++tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    tap_failures += !ok;
}

/* For error_set_sink(): a reported error or warning as a diagnostic. */
static void tap_diag_sink(const char *line, void *opaque)
{
    printf("# %s\n", line);
}

/* The plan, then the exit status: 1 if any check failed. */
static int tap_finish(void)
{
    printf("1..%d\n", tap_count);
    return tap_failures ? 1 : 0;
}

#endif
