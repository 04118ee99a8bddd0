/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QEMU_COMPILER_H
#define QEMU_COMPILER_H

#include <stddef.h>

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define QEMU_ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define QEMU_ALIGN_UP(n, m)   QEMU_ALIGN_DOWN((n) + (m) - 1, (m))
#define QEMU_IS_ALIGNED(n, m) (((n) % (m)) == 0)
#define ROUND_UP(n, d)        QEMU_ALIGN_UP(n, d)
#define DIV_ROUND_UP(n, d)    (((n) + (d) - 1) / (d))
#define ARRAY_SIZE(x)         G_N_ELEMENTS(x)
#define QEMU_PACKED           __attribute__((packed))
#define QEMU_NORETURN         __attribute__((noreturn))
#define likely(x)             __builtin_expect(!!(x), 1)
#define unlikely(x)           __builtin_expect(!!(x), 0)

#endif
