/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict number, size and boolean parsing
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/host-utils.h"
#include "qemu/units.h"

typedef struct I64Case {
    const char *str;
    int base;
    int ret;
    int64_t val;
} I64Case;

static void test_strtoi64(void)
{
    static const I64Case cases[] = {
        { "0", 10, 0, 0 },
        { "42", 10, 0, 42 },
        { "-42", 10, 0, -42 },
        { "+7", 10, 0, 7 },
        { "  12", 10, 0, 12 },
        { "0x1f", 0, 0, 31 },
        { "1f", 16, 0, 31 },
        { "0x1F", 16, 0, 31 },
        { "010", 0, 0, 8 },
        { "010", 10, 0, 10 },
        { "9223372036854775807", 0, 0, INT64_MAX },
        { "-9223372036854775808", 0, 0, INT64_MIN },
        { "9223372036854775808", 0, -ERANGE, INT64_MAX },
        { "-9223372036854775809", 0, -ERANGE, INT64_MIN },
        { "", 0, -EINVAL, 0 },
        { "  ", 0, -EINVAL, 0 },
        { "x", 0, -EINVAL, 0 },
        { "-", 0, -EINVAL, 0 },
        { "12 ", 0, -EINVAL, 0 },
        { "12abc", 10, -EINVAL, 0 },
        { "0x", 0, -EINVAL, 0 },
        { "1.5", 0, -EINVAL, 0 },
        /* Junk wins over range: the caller learns the input is not a number. */
        { "99999999999999999999x", 0, -EINVAL, 0 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        int64_t val = 0x5a5a;
        int ret = qemu_strtoi64(cases[i].str, NULL, cases[i].base, &val);

        g_test_message("'%s' base %d", cases[i].str, cases[i].base);
        g_assert_cmpint(ret, ==, cases[i].ret);
        g_assert_cmpint(val, ==, cases[i].val);
    }
}

static void test_strtoi64_endptr(void)
{
    const char *str = "123abc", *end = NULL;
    int64_t val;

    g_assert_cmpint(qemu_strtoi64(str, &end, 10, &val), ==, 0);
    g_assert_cmpint(val, ==, 123);
    g_assert_true(end == str + 3);

    str = "abc";
    g_assert_cmpint(qemu_strtoi64(str, &end, 10, &val), ==, -EINVAL);
    g_assert_true(end == str);

    str = "99999999999999999999 rest";
    g_assert_cmpint(qemu_strtoi64(str, &end, 10, &val), ==, -ERANGE);
    g_assert_cmpint(val, ==, INT64_MAX);
    g_assert_true(end == str + 20);

    end = "unset";
    g_assert_cmpint(qemu_strtoi64(NULL, &end, 10, &val), ==, -EINVAL);
    g_assert_null(end);
    g_assert_cmpint(qemu_strtoi64(NULL, NULL, 10, &val), ==, -EINVAL);
}

static void test_strtoi(void)
{
    const char *end;
    int val;

    g_assert_cmpint(qemu_strtoi("2147483647", NULL, 0, &val), ==, 0);
    g_assert_cmpint(val, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("-2147483648", NULL, 0, &val), ==, 0);
    g_assert_cmpint(val, ==, INT_MIN);
    g_assert_cmpint(qemu_strtoi("2147483648", NULL, 0, &val), ==, -ERANGE);
    g_assert_cmpint(val, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("-2147483649", NULL, 0, &val), ==, -ERANGE);
    g_assert_cmpint(val, ==, INT_MIN);
    g_assert_cmpint(qemu_strtoi("0x10", NULL, 16, &val), ==, 0);
    g_assert_cmpint(val, ==, 16);
    g_assert_cmpint(qemu_strtoi("12,", NULL, 0, &val), ==, -EINVAL);
    g_assert_cmpint(val, ==, 0);
    g_assert_cmpint(qemu_strtoi("12,", &end, 0, &val), ==, 0);
    g_assert_cmpint(val, ==, 12);
    g_assert_cmpstr(end, ==, ",");
    g_assert_cmpint(qemu_strtoi("", NULL, 0, &val), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi(NULL, NULL, 0, &val), ==, -EINVAL);
}

typedef struct U64Case {
    const char *str;
    int base;
    int ret;
    uint64_t val;
} U64Case;

static void test_strtou64(void)
{
    static const U64Case cases[] = {
        { "0", 10, 0, 0 },
        { "18446744073709551615", 0, 0, UINT64_MAX },
        { "0xffffffffffffffff", 0, 0, UINT64_MAX },
        { "ffffffffffffffff", 16, 0, UINT64_MAX },
        { "18446744073709551616", 0, -ERANGE, UINT64_MAX },
        { "0x10000000000000000", 0, -ERANGE, UINT64_MAX },
        /* No silent wrap-around of negative numbers. */
        { "-1", 0, -ERANGE, 0 },
        { " -18446744073709551615", 0, -ERANGE, 0 },
        { "-0", 0, 0, 0 },
        { "+5", 0, 0, 5 },
        { "", 0, -EINVAL, 0 },
        { "z", 0, -EINVAL, 0 },
        { "5z", 0, -EINVAL, 0 },
        { "-x", 0, -EINVAL, 0 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint64_t val = 0x5a5a;
        int ret = qemu_strtou64(cases[i].str, NULL, cases[i].base, &val);

        g_test_message("'%s' base %d", cases[i].str, cases[i].base);
        g_assert_cmpint(ret, ==, cases[i].ret);
        g_assert_cmpuint(val, ==, cases[i].val);
    }
}

static void test_strtoui(void)
{
    unsigned int val;
    const char *end;

    g_assert_cmpint(qemu_strtoui("4294967295", NULL, 0, &val), ==, 0);
    g_assert_cmpuint(val, ==, UINT_MAX);
    g_assert_cmpint(qemu_strtoui("4294967296", NULL, 0, &val), ==, -ERANGE);
    g_assert_cmpuint(val, ==, UINT_MAX);
    g_assert_cmpint(qemu_strtoui("-1", NULL, 0, &val), ==, -ERANGE);
    g_assert_cmpuint(val, ==, 0);
    g_assert_cmpint(qemu_strtoui("7:", &end, 0, &val), ==, 0);
    g_assert_cmpuint(val, ==, 7);
    g_assert_cmpstr(end, ==, ":");
    g_assert_cmpint(qemu_strtoui("x", NULL, 0, &val), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoui(NULL, NULL, 0, &val), ==, -EINVAL);
}

typedef struct SizeCase {
    const char *str;
    int ret;
    uint64_t val;
} SizeCase;

static void test_strtosz(void)
{
    static const SizeCase cases[] = {
        { "0", 0, 0 },
        { "12345", 0, 12345 },
        { " 12", 0, 12 },
        { "1B", 0, 1 },
        { "1b", 0, 1 },
        { "4k", 0, 4 * KiB },
        { "4K", 0, 4 * KiB },
        { "64M", 0, 64 * MiB },
        { "2G", 0, 2 * GiB },
        { "3T", 0, 3 * TiB },
        { "1P", 0, PiB },
        { "15E", 0, 15ULL * EiB },
        { "1.5G", 0, GiB + GiB / 2 },
        { "0.5K", 0, 512 },
        { "1.0001K", 0, 1024 },
        { "0x1000", 0, 4096 },
        { "0x10M", 0, 16 * MiB },
        { "0x1E", 0, 30 },
        { "0x", -EINVAL, 0 },
        { "18446744073709551615", 0, UINT64_MAX },
        { "16E", -ERANGE, 0 },
        { "18446744073709551616", -ERANGE, 0 },
        { "16383.9999P", 0, 16383ULL * PiB + 9999ULL * PiB / 10000 },
        /* Truncated: just below 16 EiB. */
        { "15.99999999999999999999E", 0, UINT64_MAX },
        { "", -EINVAL, 0 },
        { " ", -EINVAL, 0 },
        { "K", -EINVAL, 0 },
        { "-1", -EINVAL, 0 },
        { "-0", -EINVAL, 0 },
        { "+1", -EINVAL, 0 },
        { "1.5", -EINVAL, 0 },
        { "1.5B", -EINVAL, 0 },
        { "1.", -EINVAL, 0 },
        { ".5K", -EINVAL, 0 },
        { "1Q", -EINVAL, 0 },
        { "1KB", -EINVAL, 0 },
        { "1 K", -EINVAL, 0 },
        { "0x1.8M", -EINVAL, 0 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint64_t val = 0x5a5a;
        int ret = qemu_strtosz(cases[i].str, NULL, &val);

        g_test_message("'%s'", cases[i].str);
        g_assert_cmpint(ret, ==, cases[i].ret);
        /* Only success writes the result. */
        g_assert_cmpuint(val, ==, ret ? 0x5a5a : cases[i].val);
    }
}

static void test_strtosz_end(void)
{
    const char *str = "4K,next", *end = NULL;
    uint64_t val;

    g_assert_cmpint(qemu_strtosz(str, &end, &val), ==, 0);
    g_assert_cmpuint(val, ==, 4096);
    g_assert_true(end == str + 2);

    /* A fraction of a byte is wrong, not trailing text. */
    str = "1.5";
    g_assert_cmpint(qemu_strtosz(str, &end, &val), ==, -EINVAL);
    g_assert_true(end == str);

    str = "nope";
    end = NULL;
    g_assert_cmpint(qemu_strtosz(str, &end, &val), ==, -EINVAL);
    g_assert_true(end == str);

    str = "99999999999999999999";
    end = NULL;
    g_assert_cmpint(qemu_strtosz(str, &end, &val), ==, -ERANGE);
    g_assert_true(end == str);

    g_assert_cmpint(qemu_strtosz(NULL, NULL, &val), ==, -EINVAL);
}

static void test_strtosz_MiB(void)
{
    uint64_t val;

    g_assert_cmpint(qemu_strtosz_MiB("512", NULL, &val), ==, 0);
    g_assert_cmpuint(val, ==, 512 * MiB);
    g_assert_cmpint(qemu_strtosz_MiB("1.5", NULL, &val), ==, 0);
    g_assert_cmpuint(val, ==, MiB + MiB / 2);
    g_assert_cmpint(qemu_strtosz_MiB("2G", NULL, &val), ==, 0);
    g_assert_cmpuint(val, ==, 2 * GiB);
    g_assert_cmpint(qemu_strtosz_MiB("4096B", NULL, &val), ==, 0);
    g_assert_cmpuint(val, ==, 4096);
    g_assert_cmpint(qemu_strtosz_MiB("17592186044416", NULL, &val), ==,
                    -ERANGE);
    g_assert_cmpint(qemu_strtosz_MiB("-1", NULL, &val), ==, -EINVAL);
    g_assert_cmpint(qemu_strtosz_MiB("1x", NULL, &val), ==, -EINVAL);
}

static void test_size_to_str(void)
{
    static const struct {
        uint64_t size;
        const char *str;
    } cases[] = {
        { 0, "0 B" },
        { 1, "1 B" },
        { 1023, "1023 B" },
        { 1024, "1 KiB" },
        { 1536, "1.5 KiB" },
        { 4096, "4 KiB" },
        { 1025, "1 KiB" },
        { 10 * KiB + 512, "10.5 KiB" },
        { 100 * KiB + 512, "100 KiB" },
        { MiB - 1, "1 MiB" },
        { 64 * MiB, "64 MiB" },
        { 3 * GiB / 2, "1.5 GiB" },
        { 2 * TiB, "2 TiB" },
        { PiB, "1 PiB" },
        { EiB, "1 EiB" },
        { UINT64_MAX, "16 EiB" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *str = size_to_str(cases[i].size);

        g_assert_cmpstr(str, ==, cases[i].str);
    }
}

static void test_parse_bool(void)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    Error *err = NULL;
    bool val;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(yes); i++) {
        val = false;
        g_assert_true(qemu_parse_bool("x", yes[i], &val, &error_abort));
        g_assert_true(val);
        g_assert_true(qemu_parse_bool("x", no[i], &val, &error_abort));
        g_assert_false(val);
    }

    val = true;
    g_assert_false(qemu_parse_bool("x-balloon", "On", &val, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'x-balloon' expects 'on' or 'off'");
    error_free_or_abort(&err);
    g_assert_false(qemu_parse_bool("p", "", &val, &err));
    error_free_or_abort(&err);
    g_assert_false(qemu_parse_bool("p", NULL, &val, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'p' expects 'on' or 'off'");
    error_free_or_abort(&err);
    g_assert_true(val);
}

static void test_units(void)
{
    g_assert_cmpint(KiB, ==, 1024);
    g_assert_cmpint(MiB, ==, 1024 * KiB);
    g_assert_cmpint(GiB, ==, 1024 * MiB);
    g_assert_cmpint(TiB, ==, 1024 * GiB);
    g_assert_cmpint(PiB, ==, 1024 * TiB);
    g_assert_cmpint(EiB, ==, 1024 * PiB);
    /* Signed, so that negative sizes do not become huge ones. */
    g_assert_cmpint(-1 * KiB, ==, -1024);
}

static void test_host_utils(void)
{
    g_assert_false(is_power_of_2(0));
    g_assert_true(is_power_of_2(1));
    g_assert_true(is_power_of_2(4096));
    g_assert_false(is_power_of_2(4097));
    g_assert_true(is_power_of_2(UINT64_C(1) << 63));
    g_assert_false(is_power_of_2(UINT64_MAX));

    g_assert_cmpint(ctz64(0), ==, 64);
    g_assert_cmpint(ctz64(1), ==, 0);
    g_assert_cmpint(ctz64(0x1000), ==, 12);
    g_assert_cmpint(ctz64(UINT64_C(1) << 63), ==, 63);
    g_assert_cmpint(clz64(0), ==, 64);
    g_assert_cmpint(clz64(1), ==, 63);
    g_assert_cmpint(clz64(UINT64_MAX), ==, 0);

    g_assert_cmpuint(pow2floor(0), ==, 0);
    g_assert_cmpuint(pow2floor(1), ==, 1);
    g_assert_cmpuint(pow2floor(4097), ==, 4096);
    g_assert_cmpuint(pow2floor(UINT64_MAX), ==, UINT64_C(1) << 63);
    g_assert_cmpuint(pow2ceil(0), ==, 1);
    g_assert_cmpuint(pow2ceil(1), ==, 1);
    g_assert_cmpuint(pow2ceil(3), ==, 4);
    g_assert_cmpuint(pow2ceil(4096), ==, 4096);
    g_assert_cmpuint(pow2ceil(4097), ==, 8192);
    g_assert_cmpuint(pow2ceil(UINT64_C(1) << 63), ==, UINT64_C(1) << 63);
    g_assert_cmpuint(pow2ceil((UINT64_C(1) << 63) + 1), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/strtoi64", test_strtoi64);
    g_test_add_func("/cutils/strtoi64/endptr", test_strtoi64_endptr);
    g_test_add_func("/cutils/strtoi", test_strtoi);
    g_test_add_func("/cutils/strtou64", test_strtou64);
    g_test_add_func("/cutils/strtoui", test_strtoui);
    g_test_add_func("/cutils/strtosz", test_strtosz);
    g_test_add_func("/cutils/strtosz/end", test_strtosz_end);
    g_test_add_func("/cutils/strtosz/MiB", test_strtosz_MiB);
    g_test_add_func("/cutils/size_to_str", test_size_to_str);
    g_test_add_func("/cutils/parse_bool", test_parse_bool);
    g_test_add_func("/cutils/units", test_units);
    g_test_add_func("/cutils/host-utils", test_host_utils);
    return g_test_run();
}
