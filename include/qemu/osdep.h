/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Included first by every C file: the host headers and the build
 * configuration that all code may assume.
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include "config-host.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib.h>

#include "qemu/compiler.h"
#include "qapi/error.h"

#endif
