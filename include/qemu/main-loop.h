/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop: one thread, GLib's default main context.
 *
 * File descriptors and timers of every subsystem are GLib sources on the
 * default context (g_unix_fd_add(), the QEMUTimer API).  Realtime and
 * host timers are served by a source that qemu_init_main_loop() installs.
 */
#ifndef QEMU_MAIN_LOOP_H
#define QEMU_MAIN_LOOP_H

#include <stdbool.h>

#include "qapi/error.h"

/* Installs the timer source and SIGINT/SIGTERM/SIGHUP handling. */
bool qemu_init_main_loop(Error **errp);

/* One iteration: dispatches what is ready, sleeping first if @blocking. */
void main_loop_wait(bool blocking);

/* Runs until a shutdown is requested; returns the process exit status. */
int qemu_main_loop(void);

/* Wakes main_loop_wait() so that it re-checks requests. */
void qemu_notify_event(void);

/*
 * The big QEMU lock does not exist: everything runs in the main loop
 * thread.  These are no-ops kept so code reads like QEMU's.
 */
static inline void bql_lock(void) { }
static inline void bql_unlock(void) { }
static inline bool bql_locked(void) { return true; }

#endif
