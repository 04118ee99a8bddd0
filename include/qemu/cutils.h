/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict parsing of numbers, sizes and booleans from user input
 *
 * The qemu_strto*() functions share one contract, modelled on errno:
 *   - They return 0 on success, -EINVAL if @nptr is NULL, holds no number,
 *     or (when @endptr is NULL) has anything after the number, and -ERANGE
 *     if the number does not fit the result type.
 *   - On -ERANGE *@result is clamped to the nearest limit; on -EINVAL it is
 *     set to 0.
 *   - If @endptr is non-NULL, trailing text is allowed and *@endptr points
 *     after the number (or to @nptr on -EINVAL).
 *   - Leading whitespace is skipped, as strtol() does.
 *   - @base is as for strtol(): 0 (auto: "0x" hex, "0" octal, else
 *     decimal), 10, 16, ...
 *   - Unsigned variants reject a minus sign with -ERANGE (except "-0"),
 *     rather than wrapping around as strtoul() does.
 */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

int qemu_strtoi(const char *nptr, const char **endptr, int base,
                int *result);
int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result);
int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result);
int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result);

/*
 * Parse a size: a non-negative number with an optional unit suffix
 * B, K, M, G, T, P, E (either case; 1024-based).  A decimal number may
 * have a fraction when a unit larger than B applies ("1.5G"); the result
 * is truncated to whole bytes.  Hexadecimal ("0x1000", "0x10M") is
 * accepted without a fraction; there B and E are digits, so "0x1E" is 30.
 *
 * qemu_strtosz(): a bare number is bytes.
 * qemu_strtosz_MiB(): a bare number is MiB (as -m reads it).
 *
 * Returns 0, -EINVAL (no number, negative, fractional bytes, trailing junk
 * when @end is NULL) or -ERANGE (2^64 or above).  *@result is only written
 * on success.  @end works as @endptr above.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);

/*
 * A size for humans: "512 B", "4 KiB", "1.5 GiB" (up to three significant
 * digits; exact multiples print without a fraction).  Returns a new string.
 */
char *size_to_str(uint64_t size);

/*
 * Parse a boolean option value: "on", "yes", "true" or "off", "no",
 * "false".  On anything else fails with
 * "Parameter 'NAME' expects 'on' or 'off'".
 */
bool qemu_parse_bool(const char *name, const char *value, bool *result,
                     Error **errp);

#endif
