/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 128-bit integers for address arithmetic that must represent 2^64
 *
 * The memory API measures region and section sizes in Int128 so that a
 * region covering the whole 64-bit space (size 2^64) is representable.
 * We rely on the compiler's native __int128; the helpers exist so that
 * callers read like the rest of the tree and never open-code casts.
 */
#ifndef EXEC_INT128_H
#define EXEC_INT128_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

typedef __int128 Int128;

static inline Int128 int128_make64(uint64_t a) { return (Int128)a; }
static inline Int128 int128_exts64(int64_t a) { return (Int128)a; }
static inline Int128 int128_zero(void) { return 0; }
static inline Int128 int128_one(void) { return 1; }
static inline Int128 int128_2_64(void) { return (Int128)1 << 64; }

/* The value must fit in 64 bits (asserted). */
static inline uint64_t int128_get64(Int128 a)
{
    assert(a >= 0 && a <= (Int128)UINT64_MAX);
    return (uint64_t)a;
}

static inline uint64_t int128_getlo(Int128 a) { return (uint64_t)a; }
static inline int64_t int128_gethi(Int128 a) { return (int64_t)(a >> 64); }

static inline Int128 int128_add(Int128 a, Int128 b) { return a + b; }
static inline Int128 int128_sub(Int128 a, Int128 b) { return a - b; }
static inline Int128 int128_neg(Int128 a) { return -a; }
static inline Int128 int128_and(Int128 a, Int128 b) { return a & b; }
static inline Int128 int128_rshift(Int128 a, int n) { return a >> n; }
static inline Int128 int128_lshift(Int128 a, int n) { return a << n; }

static inline bool int128_eq(Int128 a, Int128 b) { return a == b; }
static inline bool int128_ne(Int128 a, Int128 b) { return a != b; }
static inline bool int128_lt(Int128 a, Int128 b) { return a < b; }
static inline bool int128_le(Int128 a, Int128 b) { return a <= b; }
static inline bool int128_gt(Int128 a, Int128 b) { return a > b; }
static inline bool int128_ge(Int128 a, Int128 b) { return a >= b; }
static inline bool int128_nz(Int128 a) { return a != 0; }

static inline Int128 int128_min(Int128 a, Int128 b) { return a < b ? a : b; }
static inline Int128 int128_max(Int128 a, Int128 b) { return a > b ? a : b; }

#endif
