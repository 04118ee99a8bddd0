/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bit arithmetic on 64-bit values: powers of two and bit scans
 *
 * Defined for every input, including 0 (where the compiler builtins are
 * not), so guest-provided values may be passed as they are.
 */
#ifndef QEMU_HOST_UTILS_H
#define QEMU_HOST_UTILS_H

#include <stdbool.h>
#include <stdint.h>

static inline bool is_power_of_2(uint64_t value)
{
    return value && !(value & (value - 1));
}

/* Count of trailing zero bits; 64 for 0. */
static inline int ctz64(uint64_t value)
{
    return value ? __builtin_ctzll(value) : 64;
}

/* Count of leading zero bits; 64 for 0. */
static inline int clz64(uint64_t value)
{
    return value ? __builtin_clzll(value) : 64;
}

/* The largest power of 2 <= @value; 0 for 0. */
static inline uint64_t pow2floor(uint64_t value)
{
    return value ? UINT64_C(1) << (63 - clz64(value)) : 0;
}

/* The smallest power of 2 >= @value; 1 for 0, and 0 if it does not fit. */
static inline uint64_t pow2ceil(uint64_t value)
{
    if (value <= 1) {
        return 1;
    }
    return clz64(value - 1) ? UINT64_C(1) << (64 - clz64(value - 1)) : 0;
}

#endif
