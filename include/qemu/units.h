/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Binary size units, as signed 64-bit constants (like QEMU's) so that
 * "2 * GiB" and "-1 * KiB" both do what they say.
 */
#ifndef QEMU_UNITS_H
#define QEMU_UNITS_H

#include <stdint.h>

#define KiB (INT64_C(1) << 10)
#define MiB (INT64_C(1) << 20)
#define GiB (INT64_C(1) << 30)
#define TiB (INT64_C(1) << 40)
#define PiB (INT64_C(1) << 50)
#define EiB (INT64_C(1) << 60)

#endif
