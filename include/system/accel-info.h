/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accelerators this binary has, and the one in use.
 *
 * An accelerator registers itself at start-up with its init function;
 * "-machine accel=kvm:tcg" tries the listed ones in order and keeps the
 * first that initialises (accel_select()).  query-kvm answers from here:
 * "present" is whether the binary has KVM, "enabled" whether it is the
 * accelerator in use.
 */
#ifndef SYSTEM_ACCEL_INFO_H
#define SYSTEM_ACCEL_INFO_H

#include <stdbool.h>
#include "qapi/error.h"

/* Opens the host side of the accelerator; false with @errp set. */
typedef bool AccelInitFunc(Error **errp);

/* Registers accelerator @name (a static string).  Twice aborts. */
void accel_register(const char *name, AccelInitFunc *init);
/* True if the binary has accelerator @name. */
bool accel_exists(const char *name);
/* The accelerator in use, or NULL before one is chosen. */
const char *accel_current(void);
/*
 * Initialises accelerator @name and makes it current: false with @errp
 * set ("invalid accelerator NAME", or the accelerator's own reason).
 */
bool accel_init_by_name(const char *name, Error **errp);
/*
 * "-machine accel=A:B...", as QEMU: reports every unknown name ("invalid
 * accelerator NAME"), then tries the others in order ("failed to
 * initialize NAME: ..."), keeping the first that works ("falling back to
 * NAME" if anything failed before it).  False if none does.
 */
bool accel_select(const char *list);

#endif
