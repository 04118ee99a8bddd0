/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest server: QEMU's line protocol over a chardev.
 *
 * Every request is one line of space-separated words; every reply is one
 * line starting with "OK" or "FAIL".  IRQ notifications ("IRQ raise N")
 * may come between replies.  Anything a test sends is validated: a bad
 * request gets "FAIL reason", never an assertion.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "hw/irq.h"
#include "hw/qdev-core.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "qom/object.h"
#include "system/memory.h"
#include "system/qtest.h"

/* Largest read/write/memset a single request may ask for. */
#define QTEST_MAX_ACCESS (256 * 1024 * 1024)
#define QTEST_MAX_LINE (QTEST_MAX_ACCESS * 2 + 4096)

typedef struct QTestState {
    Chardev *chr;
    GString *inbuf;
    FILE *log;
    int64_t start_us;
    DeviceState *irq_dev;
    bool irq_in;                /* intercepting inputs (else outputs) */
    GArray *irq_levels;         /* of int, last level sent per line */
} QTestState;

static bool enabled;
static QTestState qts;

bool qtest_enabled(void)
{
    return enabled;
}

void qtest_set_enabled(void)
{
    enabled = true;
}

static double elapsed(void)
{
    return (g_get_monotonic_time() - qts.start_us) / (double)G_USEC_PER_SEC;
}

static void qtest_log(char dir, const char *text)
{
    if (qts.log) {
        fprintf(qts.log, "[%c +%f] %s", dir, elapsed(), text);
        fflush(qts.log);
    }
}

static void qtest_send(const char *line)
{
    qtest_log('S', line);
    qemu_chr_fe_write_all(qts.chr, line, strlen(line));
}

static void G_GNUC_PRINTF(1, 2) qtest_sendf(const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_send(line);
}

static void qtest_irq_observer(void *opaque, int n, int level)
{
    int *last;

    level = !!level;
    if (n < 0 || (guint)n >= qts.irq_levels->len) {
        g_array_set_size(qts.irq_levels, MAX(n + 1, 0));
    }
    if (n < 0) {
        return;
    }
    last = &g_array_index(qts.irq_levels, int, n);
    if (*last != level) {
        *last = level;
        qtest_sendf("IRQ %s %d\n", level ? "raise" : "lower", n);
    }
}

/* ---- argument parsing: each fails the request with a reason ---------- */

static bool parse_u64(const char *word, const char *what, uint64_t *value)
{
    if (!word) {
        qtest_sendf("FAIL missing %s\n", what);
        return false;
    }
    if (qemu_strtou64(word, NULL, 0, value) < 0) {
        qtest_sendf("FAIL invalid %s '%s'\n", what, word);
        return false;
    }
    return true;
}

static bool parse_i64(const char *word, const char *what, int64_t *value)
{
    if (!word) {
        qtest_sendf("FAIL missing %s\n", what);
        return false;
    }
    if (qemu_strtoi64(word, NULL, 0, value) < 0) {
        qtest_sendf("FAIL invalid %s '%s'\n", what, word);
        return false;
    }
    return true;
}

static bool parse_size(const char *word, uint64_t *size)
{
    if (!parse_u64(word, "size", size)) {
        return false;
    }
    if (*size > QTEST_MAX_ACCESS) {
        qtest_sendf("FAIL size %" PRIu64 " exceeds the limit of %d bytes\n",
                    *size, QTEST_MAX_ACCESS);
        return false;
    }
    return true;
}

static bool check_argc(char **words, int min, int max)
{
    int n = g_strv_length(words) - 1;

    if (n < min) {
        qtest_sendf("FAIL '%s' needs %d argument%s\n", words[0], min,
                    min == 1 ? "" : "s");
        return false;
    }
    if (n > max) {
        qtest_sendf("FAIL too many arguments for '%s'\n", words[0]);
        return false;
    }
    return true;
}

/* Width in bytes from the suffix of inb/outw/readl/writeq; 0 if none. */
static unsigned access_width(const char *cmd, size_t prefix_len)
{
    const char *suffix = cmd + prefix_len;

    if (suffix[0] && !suffix[1]) {
        switch (suffix[0]) {
        case 'b': return 1;
        case 'w': return 2;
        case 'l': return 4;
        case 'q': return 8;
        }
    }
    return 0;
}

/* ---- commands --------------------------------------------------------- */

static void cmd_out(char **words, unsigned width)
{
    uint64_t addr, value;
    uint8_t buf[4];

    if (!check_argc(words, 2, 2) || !parse_u64(words[1], "address", &addr) ||
        !parse_u64(words[2], "value", &value)) {
        return;
    }
    if (addr > 0xffff) {
        qtest_sendf("FAIL port address 0x%" PRIx64 " out of range\n", addr);
        return;
    }
    for (unsigned i = 0; i < width; i++) {
        buf[i] = value >> (8 * i);
    }
    address_space_write(&address_space_io, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, width);
    qtest_send("OK\n");
}

static void cmd_in(char **words, unsigned width)
{
    uint64_t addr;
    uint8_t buf[4] = { 0 };
    uint32_t value = 0;

    if (!check_argc(words, 1, 1) || !parse_u64(words[1], "address", &addr)) {
        return;
    }
    if (addr > 0xffff) {
        qtest_sendf("FAIL port address 0x%" PRIx64 " out of range\n", addr);
        return;
    }
    address_space_read(&address_space_io, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, width);
    for (unsigned i = 0; i < width; i++) {
        value |= (uint32_t)buf[i] << (8 * i);
    }
    qtest_sendf("OK 0x%04x\n", value);
}

static void cmd_write_n(char **words, unsigned width)
{
    uint64_t addr, value;
    uint8_t buf[8];

    if (!check_argc(words, 2, 2) || !parse_u64(words[1], "address", &addr) ||
        !parse_u64(words[2], "value", &value)) {
        return;
    }
    for (unsigned i = 0; i < width; i++) {
        buf[i] = value >> (8 * i);
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, width);
    qtest_send("OK\n");
}

static void cmd_read_n(char **words, unsigned width)
{
    uint64_t addr, value = 0;
    uint8_t buf[8] = { 0 };

    if (!check_argc(words, 1, 1) || !parse_u64(words[1], "address", &addr)) {
        return;
    }
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, width);
    for (unsigned i = 0; i < width; i++) {
        value |= (uint64_t)buf[i] << (8 * i);
    }
    qtest_sendf("OK 0x%016" PRIx64 "\n", value);
}

static void cmd_read(char **words, bool b64)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    g_autofree char *enc = NULL;

    if (!check_argc(words, 2, 2) || !parse_u64(words[1], "address", &addr) ||
        !parse_size(words[2], &size)) {
        return;
    }
    data = g_malloc0(size ? size : 1);
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       data, size);
    if (b64) {
        enc = g_base64_encode(data, size);
        qtest_sendf("OK %s\n", enc);
        return;
    }
    enc = g_malloc(size * 2 + 1);
    for (uint64_t i = 0; i < size; i++) {
        snprintf(enc + i * 2, 3, "%02x", data[i]);
    }
    enc[size * 2] = '\0';
    qtest_sendf("OK 0x%s\n", enc);
}

static void cmd_write(char **words)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    const char *hex;
    size_t hexlen;

    if (!check_argc(words, 3, 3) || !parse_u64(words[1], "address", &addr) ||
        !parse_size(words[2], &size)) {
        return;
    }
    hex = words[3];
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        qtest_send("FAIL data must start with 0x\n");
        return;
    }
    hex += 2;
    hexlen = strlen(hex);
    if (hexlen % 2 || hexlen / 2 > size) {
        qtest_sendf("FAIL data has %zu hex digits for %" PRIu64 " bytes\n",
                    hexlen, size);
        return;
    }
    data = g_malloc0(size ? size : 1);
    for (size_t i = 0; i < hexlen; i += 2) {
        int hi = g_ascii_xdigit_value(hex[i]);
        int lo = g_ascii_xdigit_value(hex[i + 1]);

        if (hi < 0 || lo < 0) {
            qtest_sendf("FAIL invalid hex digit in data at offset %zu\n", i);
            return;
        }
        data[i / 2] = hi << 4 | lo;
    }
    /* Bytes the data does not cover are written as zero, as QEMU does. */
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        data, size);
    qtest_send("OK\n");
}

static void cmd_b64write(char **words)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    gsize len = 0;
    const char *p;

    if (!check_argc(words, 3, 3) || !parse_u64(words[1], "address", &addr) ||
        !parse_size(words[2], &size)) {
        return;
    }
    for (p = words[3]; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
            qtest_send("FAIL data is not base64\n");
            return;
        }
    }
    data = g_base64_decode(words[3], &len);
    if (len != size) {
        qtest_sendf("FAIL base64 data is %zu bytes, size says %" PRIu64 "\n",
                    (size_t)len, size);
        return;
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        data, size);
    qtest_send("OK\n");
}

static void cmd_memset(char **words)
{
    uint64_t addr, size, value;

    if (!check_argc(words, 3, 3) || !parse_u64(words[1], "address", &addr) ||
        !parse_size(words[2], &size) || !parse_u64(words[3], "value", &value)) {
        return;
    }
    if (value > 0xff) {
        qtest_sendf("FAIL memset value 0x%" PRIx64 " is not a byte\n", value);
        return;
    }
    if (size) {
        address_space_set(&address_space_memory, addr, value, size,
                          MEMTXATTRS_UNSPECIFIED);
    }
    qtest_send("OK\n");
}

static void cmd_clock_step(char **words)
{
    int64_t step, now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (!check_argc(words, 0, 1)) {
        return;
    }
    if (words[1]) {
        if (!parse_i64(words[1], "step", &step)) {
            return;
        }
        if (step < 0) {
            qtest_sendf("FAIL negative step %" PRId64 "\n", step);
            return;
        }
    } else {
        /* To the next virtual timer; nothing to do if there is none. */
        step = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);
        if (step < 0) {
            step = 0;
        }
    }
    if (step > INT64_MAX - now) {
        step = INT64_MAX - now;
    }
    qtest_sendf("OK %" PRIi64 "\n", qemu_clock_advance_virtual(now + step));
}

static void cmd_clock_set(char **words)
{
    int64_t ns;

    if (!check_argc(words, 1, 1) || !parse_i64(words[1], "time", &ns)) {
        return;
    }
    qtest_sendf("OK %" PRIi64 "\n", qemu_clock_advance_virtual(ns));
}

static DeviceState *find_device(const char *path)
{
    Object *obj = object_resolve_path(path, NULL);

    if (!obj || !object_dynamic_cast(obj, TYPE_DEVICE)) {
        return NULL;
    }
    return DEVICE(obj);
}

static void cmd_irq_intercept(char **words, bool in)
{
    DeviceState *dev;
    Error *err = NULL;
    int n;

    if (!check_argc(words, 1, 2)) {
        return;
    }
    dev = find_device(words[1]);
    if (!dev) {
        qtest_send("FAIL Unknown device\n");
        return;
    }
    if (qts.irq_dev) {
        if (qts.irq_dev != dev || qts.irq_in != in) {
            qtest_send("FAIL IRQ intercept already enabled\n");
        } else {
            qtest_send("OK\n");
        }
        return;
    }
    n = in ? qdev_intercept_gpio_in(dev, qtest_irq_observer, &qts, words[2],
                                    &err)
           : qdev_intercept_gpio_out(dev, qtest_irq_observer, &qts, words[2],
                                     &err);
    if (n < 0) {
        qtest_sendf("FAIL %s\n", error_get_pretty(err));
        error_free(err);
        return;
    }
    qts.irq_dev = dev;
    qts.irq_in = in;
    g_array_set_size(qts.irq_levels, n);
    qtest_send("OK\n");
}

static void cmd_set_irq_in(char **words)
{
    DeviceState *dev;
    const char *name;
    int64_t num, level;
    qemu_irq irq;

    if (!check_argc(words, 4, 4)) {
        return;
    }
    dev = find_device(words[1]);
    if (!dev) {
        qtest_send("FAIL Unknown device\n");
        return;
    }
    if (!parse_i64(words[3], "line", &num) ||
        !parse_i64(words[4], "level", &level)) {
        return;
    }
    name = strcmp(words[2], "unnamed-gpio-in") ? words[2] : NULL;
    irq = (num >= 0 && num <= INT_MAX) ?
          qdev_get_gpio_in_named(dev, name, num) : NULL;
    if (!irq) {
        qtest_sendf("FAIL no input line %s %" PRId64 "\n", words[2], num);
        return;
    }
    qemu_set_irq(irq, level);
    qtest_send("OK\n");
}

static void process_command(char **words)
{
    const char *cmd = words[0];
    unsigned width;

    if (!cmd || !*cmd) {
        qtest_send("FAIL empty command\n");
        return;
    }
    if (g_str_has_prefix(cmd, "out") && (width = access_width(cmd, 3)) &&
        width <= 4) {
        cmd_out(words, width);
    } else if (g_str_has_prefix(cmd, "in") &&
               (width = access_width(cmd, 2)) && width <= 4) {
        cmd_in(words, width);
    } else if (g_str_has_prefix(cmd, "write") &&
               (width = access_width(cmd, 5))) {
        cmd_write_n(words, width);
    } else if (g_str_has_prefix(cmd, "read") &&
               (width = access_width(cmd, 4))) {
        cmd_read_n(words, width);
    } else if (!strcmp(cmd, "read")) {
        cmd_read(words, false);
    } else if (!strcmp(cmd, "b64read")) {
        cmd_read(words, true);
    } else if (!strcmp(cmd, "write")) {
        cmd_write(words);
    } else if (!strcmp(cmd, "b64write")) {
        cmd_b64write(words);
    } else if (!strcmp(cmd, "memset")) {
        cmd_memset(words);
    } else if (!strcmp(cmd, "clock_step")) {
        cmd_clock_step(words);
    } else if (!strcmp(cmd, "clock_set")) {
        cmd_clock_set(words);
    } else if (!strcmp(cmd, "irq_intercept_in")) {
        cmd_irq_intercept(words, true);
    } else if (!strcmp(cmd, "irq_intercept_out")) {
        cmd_irq_intercept(words, false);
    } else if (!strcmp(cmd, "set_irq_in")) {
        cmd_set_irq_in(words);
    } else if (!strcmp(cmd, "endianness")) {
        if (check_argc(words, 0, 0)) {
            qtest_send("OK little\n");
        }
    } else {
        qtest_sendf("FAIL Unknown command '%s'\n", cmd);
    }
}

static void process_line(char *line)
{
    g_auto(GStrv) raw = NULL;
    g_autoptr(GPtrArray) words = g_ptr_array_new();
    size_t len = strlen(line);

    if (len && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    if (qts.log) {
        fprintf(qts.log, "[R +%f] %s\n", elapsed(), line);
    }
    /* Runs of spaces separate words; empty words are dropped. */
    raw = g_strsplit(line, " ", -1);
    for (int i = 0; raw[i]; i++) {
        if (*raw[i]) {
            g_ptr_array_add(words, raw[i]);
        }
    }
    g_ptr_array_add(words, NULL);
    process_command((char **)words->pdata);
}

static void qtest_read(void *opaque, const uint8_t *buf, size_t size)
{
    char *nl;

    g_string_append_len(qts.inbuf, (const char *)buf, size);
    while ((nl = memchr(qts.inbuf->str, '\n', qts.inbuf->len))) {
        g_autofree char *line = g_strndup(qts.inbuf->str,
                                          nl - qts.inbuf->str);

        g_string_erase(qts.inbuf, 0, nl - qts.inbuf->str + 1);
        process_line(line);
    }
    if (qts.inbuf->len > QTEST_MAX_LINE) {
        g_string_truncate(qts.inbuf, 0);
        qtest_send("FAIL line too long\n");
    }
}

static void qtest_event(void *opaque, QEMUChrEvent event)
{
    if (event == CHR_EVENT_OPENED) {
        g_string_truncate(qts.inbuf, 0);
        qts.start_us = g_get_monotonic_time();
        if (qts.log) {
            /* QEMU writes the opening time without the '+'. */
            fprintf(qts.log, "[I %f] OPENED\n", 0.0);
            fflush(qts.log);
        }
    } else {
        qtest_log('I', "CLOSED\n");
    }
}

bool qtest_server_init(const char *spec, const char *logfile, Error **errp)
{
    Chardev *chr;

    qtest_set_enabled();
    qts.start_us = g_get_monotonic_time();
    /* Like QEMU: no -qtest-log means stderr; "none" means no log. */
    if (!logfile) {
        qts.log = stderr;
    } else if (strcmp(logfile, "none")) {
        if (!strcmp(logfile, "-")) {
            qts.log = stderr;
        } else {
            qts.log = fopen(logfile, "w");
            if (!qts.log) {
                error_setg_errno(errp, errno, "could not open '%s'",
                                 logfile);
                return false;
            }
        }
    }
    chr = qemu_chr_new_short("qtest", spec, errp);
    if (!chr) {
        return false;
    }
    qts.chr = chr;
    qts.inbuf = g_string_new(NULL);
    qts.irq_levels = g_array_new(FALSE, TRUE, sizeof(int));
    return qemu_chr_fe_init(chr, qtest_read, qtest_event, &qts, errp);
}
