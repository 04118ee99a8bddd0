/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest server: a test speaks QEMU's line protocol over a chardev to
 * drive I/O ports, guest memory, the virtual clock and IRQ lines.
 * Protocol reference: docs/system/invocation.rst (-qtest).
 */
#ifndef SYSTEM_QTEST_H
#define SYSTEM_QTEST_H

#include <stdbool.h>

#include "qapi/error.h"

/*
 * Starts serving on @spec ("unix:PATH", "stdio", "chardev:ID", ...: see
 * qemu_chr_new_short()).  @logfile: "none" for no log, NULL or "-" for
 * stderr (QEMU's default), else a file that receives every request and
 * reply with timestamps.  Call after the machine is built.
 */
bool qtest_server_init(const char *spec, const char *logfile, Error **errp);

/* True once -qtest (or -accel qtest) was given. */
bool qtest_enabled(void);
void qtest_set_enabled(void);

#endif
