/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict parsing of numbers, sizes and booleans from user input
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"

/*
 * Shared tail of the qemu_strto*() family: decides between success,
 * trailing junk and the errno libc left behind.
 */
static int check_strtox(const char *nptr, const char *ep,
                        const char **endptr, int libc_errno)
{
    if (ep == nptr) {
        /* No digits at all: strtol() leaves ep at nptr. */
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    if (!endptr && *ep) {
        return -EINVAL;
    }
    if (endptr) {
        *endptr = ep;
    }
    return libc_errno == ERANGE ? -ERANGE : 0;
}

int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result)
{
    char *ep;
    long long val;
    int ret;

    if (!nptr) {
        if (endptr) {
            *endptr = nptr;
        }
        *result = 0;
        return -EINVAL;
    }
    errno = 0;
    val = strtoll(nptr, &ep, base);
    ret = check_strtox(nptr, ep, endptr, errno);
    *result = ret == -EINVAL ? 0 : val;
    return ret;
}

int qemu_strtoi(const char *nptr, const char **endptr, int base,
                int *result)
{
    int64_t val;
    int ret = qemu_strtoi64(nptr, endptr, base, &val);

    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    if (val > INT_MAX) {
        *result = INT_MAX;
        return -ERANGE;
    }
    if (val < INT_MIN) {
        *result = INT_MIN;
        return -ERANGE;
    }
    *result = val;
    return ret;
}

int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result)
{
    const char *p;
    char *ep;
    unsigned long long val;
    int ret;

    if (!nptr) {
        if (endptr) {
            *endptr = nptr;
        }
        *result = 0;
        return -EINVAL;
    }
    errno = 0;
    val = strtoull(nptr, &ep, base);
    ret = check_strtox(nptr, ep, endptr, errno);
    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    /* strtoull() negates "-N" modulo 2^64; we call that out of range. */
    for (p = nptr; g_ascii_isspace(*p); p++) {
        /* skip to the sign */
    }
    if (*p == '-' && val != 0) {
        *result = 0;
        return -ERANGE;
    }
    *result = val;
    return ret;
}

int qemu_strtoui(const char *nptr, const char **endptr, int base,
                 unsigned int *result)
{
    uint64_t val;
    int ret = qemu_strtou64(nptr, endptr, base, &val);

    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    if (val > UINT_MAX) {
        *result = UINT_MAX;
        return -ERANGE;
    }
    *result = val;
    return ret;
}

static uint64_t size_unit(char c)
{
    switch (g_ascii_tolower(c)) {
    case 'b':
        return 1;
    case 'k':
        return 1ULL << 10;
    case 'm':
        return 1ULL << 20;
    case 'g':
        return 1ULL << 30;
    case 't':
        return 1ULL << 40;
    case 'p':
        return 1ULL << 50;
    case 'e':
        return 1ULL << 60;
    default:
        return 0;
    }
}

/* More fraction digits than this cannot change a 64-bit byte count. */
#define SIZE_FRACTION_DIGITS 19

static int do_strtosz(const char *nptr, const char **end,
                      uint64_t default_unit, uint64_t *result)
{
    const char *p = nptr;
    char *ep;
    uint64_t ival, unit;
    uint64_t frac_num = 0, frac_den = 1;
    bool has_fraction = false;
    unsigned __int128 total;
    int ret = -EINVAL;

    if (!nptr) {
        goto out;
    }
    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (!g_ascii_isdigit(*p)) {
        /* Rejects "-1" and "+1" as well as "" and "K". */
        goto out;
    }

    errno = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        g_ascii_isxdigit(p[2])) {
        ival = strtoull(p, &ep, 16);
        if (*ep == '.') {
            goto out;
        }
    } else {
        ival = strtoull(p, &ep, 10);
    }
    if (errno == ERANGE) {
        ret = -ERANGE;
        goto out;
    }
    p = ep;

    if (*p == '.' && g_ascii_isdigit(p[1])) {
        int digits = 0;

        has_fraction = true;
        for (p++; g_ascii_isdigit(*p); p++) {
            if (digits < SIZE_FRACTION_DIGITS) {
                frac_num = frac_num * 10 + (*p - '0');
                frac_den *= 10;
                digits++;
            }
        }
    }

    unit = size_unit(*p);
    if (unit) {
        p++;
    } else {
        unit = default_unit;
    }
    if (unit == 1 && has_fraction) {
        /* There is no such thing as half a byte. */
        goto out;
    }
    if (!end && *p) {
        goto out;
    }

    total = (unsigned __int128)ival * unit +
            (unsigned __int128)frac_num * unit / frac_den;
    if (total > UINT64_MAX) {
        ret = -ERANGE;
        goto out;
    }
    *result = total;
    if (end) {
        *end = p;
    }
    return 0;

out:
    if (end) {
        *end = nptr;
    }
    return ret;
}

int qemu_strtosz(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 1, result);
}

int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 1ULL << 20, result);
}

char *size_to_str(uint64_t size)
{
    static const char *const units[] = {
        "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
    };
    unsigned i = 0;
    uint64_t div = 1;
    double val;
    g_autofree char *num = NULL;
    char *dot;

    while (i + 1 < G_N_ELEMENTS(units) && size / div >= 1024) {
        div <<= 10;
        i++;
    }
    if (size % div == 0) {
        return g_strdup_printf("%" PRIu64 " %s", size / div, units[i]);
    }

    val = (double)size / div;
    if (val >= 1023.5 && i + 1 < G_N_ELEMENTS(units)) {
        /* It would print as "1024 KiB". */
        div <<= 10;
        i++;
        val = (double)size / div;
    }

    /* Three significant digits, without trailing zeros. */
    num = g_strdup_printf("%.*f", val >= 100 ? 0 : val >= 10 ? 1 : 2, val);
    dot = strchr(num, '.');
    if (dot) {
        char *last = num + strlen(num) - 1;

        while (last > dot && *last == '0') {
            *last-- = '\0';
        }
        if (last == dot) {
            *dot = '\0';
        }
    }
    return g_strdup_printf("%s %s", num, units[i]);
}

bool qemu_parse_bool(const char *name, const char *value, bool *result,
                     Error **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    size_t i;

    for (i = 0; value && i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(value, yes[i])) {
            *result = true;
            return true;
        }
        if (!strcmp(value, no[i])) {
            *result = false;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}
