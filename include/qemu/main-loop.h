/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main loop: GLib's default main context, in the process's first
 * thread.
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
 * The big QEMU lock (BQL).  Device emulation, the memory API's
 * transactions, QMP and the VFIO subsystem run with it held.  The
 * process's first thread takes it before main() and keeps it except
 * while the main loop sleeps in poll(); a vCPU thread takes it to handle
 * an exit and drops it around KVM_RUN (docs/devel/accel.rst).
 */
void bql_lock(void);
void bql_unlock(void);
/* True if the calling thread holds the BQL. */
bool bql_locked(void);
/* True in the thread that runs the main loop. */
bool qemu_in_main_thread(void);

/*
 * Condition variables that go with the BQL: qemu_cond_wait_bql() drops
 * it while waiting and holds it again on return.
 */
#include <pthread.h>
void qemu_cond_wait_bql(pthread_cond_t *cond);

/* Asserts that the caller holds the BQL (entry points of subsystems). */
#define BQL_ASSERT_HELD() g_assert(bql_locked())

#endif
