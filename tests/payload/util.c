/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel command line parameters and small file helpers of the payload. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

static char cmdline[4096];

bool read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return false;
    }
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        return false;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) {
        buf[--n] = '\0';
    }
    return true;
}

bool write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    bool ok;
    int err;

    if (fd < 0) {
        return false;
    }
    ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    err = errno;
    close(fd);
    errno = err;        /* the caller reports the write's error */
    return ok;
}

/* The value stays valid until the next call. */
const char *payload_param(const char *name, const char *fallback)
{
    static char value[256];
    char key[128];
    const char *p;
    size_t klen;

    if (!cmdline[0] && !read_text("/proc/cmdline", cmdline,
                                  sizeof(cmdline))) {
        return fallback;
    }
    klen = snprintf(key, sizeof(key), "payload.%s=", name);
    for (p = cmdline; (p = strstr(p, key)); p += klen) {
        size_t n;

        /* A whole word only: "xpayload.cmd=" is not ours. */
        if (p != cmdline && p[-1] != ' ') {
            continue;
        }
        n = strcspn(p + klen, " ");
        if (n >= sizeof(value)) {
            n = sizeof(value) - 1;
        }
        memcpy(value, p + klen, n);
        value[n] = '\0';
        return value;
    }
    return fallback;
}

unsigned long payload_param_ulong(const char *name, unsigned long fallback)
{
    const char *s = payload_param(name, NULL);
    char *end;
    unsigned long v;

    if (!s) {
        return fallback;
    }
    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno || end == s || *end) {
        payload_line("event=warning param=%s msg=not a number, using %lu",
                     name, fallback);
        return fallback;
    }
    return v;
}

bool wait_for(bool (*fn)(void *), void *opaque, double timeout_s)
{
    double deadline = payload_uptime() + timeout_s;
    const struct timespec tick = { 0, 20 * 1000 * 1000 };

    for (;;) {
        if (fn(opaque)) {
            return true;
        }
        if (payload_uptime() >= deadline) {
            return false;
        }
        nanosleep(&tick, NULL);
    }
}
