/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -daemonize and -pidfile.
 *
 * Management tools (libvirt's capability probe among them) start the
 * binary with -daemonize -pidfile FILE, wait for the process they
 * started to exit, then read FILE and connect to the QMP socket.  So the
 * order is: the starting process forks and waits; the daemon sets
 * everything up (monitors listening, machine created), writes the pid
 * file, detaches its stdio, and only then tells the waiting parent,
 * which exits 0.  If the daemon fails before that, its error went to the
 * original stderr and the parent exits 1.
 */
#ifndef SYSTEM_DAEMONIZE_H
#define SYSTEM_DAEMONIZE_H

#include <stdbool.h>
#include "qapi/error.h"

/*
 * Forks into the background (call before any thread exists).  Returns
 * only in the daemon; the starting process exits with the daemon's
 * start-up status.
 */
void os_daemonize_start(void);
/* True between os_daemonize_start() and the end of the process. */
bool os_is_daemonized(void);
/*
 * Writes and locks @pidfile (if not NULL), removed again at exit; false
 * with "Cannot open pid file: ..." or "Cannot lock pid file: ...".
 */
bool os_write_pidfile(const char *pidfile, Error **errp);
/*
 * In the daemon: start-up is complete.  Points stdio at /dev/null,
 * leaves the working directory and releases the waiting parent.
 */
void os_daemonize_finish(void);

#endif
