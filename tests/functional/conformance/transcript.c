/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance transcript: stable, line-per-call output
 */
#include "qemu/osdep.h"
#include "transcript.h"

struct Transcript {
    char *prefix;
    FILE *file;
    GString *pending;
    GHashTable *id_names;       /* uint32 id -> name */
    unsigned passed;
    unsigned failed;
};

static const struct {
    int err;
    const char *name;
} errno_names[] = {
    { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
    { EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
    { E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
    { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
    { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
    { ENOTDIR, "ENOTDIR" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
    { ERANGE, "ERANGE" }, { ENOTTY, "ENOTTY" }, { EOVERFLOW, "EOVERFLOW" },
    { EMSGSIZE, "EMSGSIZE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
    { ETIMEDOUT, "ETIMEDOUT" }, { ENOSYS, "ENOSYS" }, { EBADFD, "EBADFD" },
    { EDEADLK, "EDEADLK" }, { EADDRINUSE, "EADDRINUSE" },
};

const char *transcript_errno_name(int err)
{
    static char unknown[32];

    if (err == 0) {
        return "ok";
    }
    for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++) {
        if (errno_names[i].err == err) {
            return errno_names[i].name;
        }
    }
    snprintf(unknown, sizeof(unknown), "errno-%d", err);
    return unknown;
}

Transcript *transcript_new(const char *prefix, const char *path,
                           Error **errp)
{
    Transcript *t;
    FILE *file = NULL;

    if (path) {
        file = fopen(path, "w");
        if (!file) {
            error_setg_errno(errp, errno, "cannot create transcript '%s'",
                             path);
            return NULL;
        }
    }
    t = g_new0(Transcript, 1);
    t->prefix = g_strdup(prefix);
    t->file = file;
    t->pending = g_string_new(NULL);
    t->id_names = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                        NULL, g_free);
    return t;
}

void transcript_free(Transcript *t)
{
    if (!t) {
        return;
    }
    if (t->file) {
        fclose(t->file);
    }
    g_string_free(t->pending, TRUE);
    g_hash_table_destroy(t->id_names);
    g_free(t->prefix);
    g_free(t);
}

static void emit(Transcript *t, const char *line)
{
    if (!t->prefix) {
        return;
    }
    printf("%s %s\n", t->prefix, line);
    fflush(stdout);
    if (t->file) {
        fprintf(t->file, "%s %s\n", t->prefix, line);
        fflush(t->file);
    }
}

static void count(Transcript *t, bool ok)
{
    if (ok) {
        t->passed++;
    } else {
        t->failed++;
    }
}

void transcript_begin(Transcript *t, const char *fmt, ...)
{
    va_list ap;

    g_string_truncate(t->pending, 0);
    va_start(ap, fmt);
    g_string_append_vprintf(t->pending, fmt, ap);
    va_end(ap);
}

bool transcript_end(Transcript *t, int err, int expected,
                    const char *fmt, ...)
{
    bool ok = err == expected;
    va_list ap;

    g_string_append_printf(t->pending, " -> %s", transcript_errno_name(err));
    if (fmt) {
        g_string_append_c(t->pending, ' ');
        va_start(ap, fmt);
        g_string_append_vprintf(t->pending, fmt, ap);
        va_end(ap);
    }
    if (!ok) {
        g_string_append_printf(t->pending, " FAIL (expected %s)",
                               transcript_errno_name(expected));
    }
    emit(t, t->pending->str);
    g_string_truncate(t->pending, 0);
    count(t, ok);
    return ok;
}

bool transcript_check(Transcript *t, bool ok, const char *expected,
                      const char *fmt, ...)
{
    g_autoptr(GString) line = g_string_new(NULL);
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    if (!ok) {
        g_string_append_printf(line, " FAIL (expected %s)", expected);
    }
    emit(t, line->str);
    count(t, ok);
    return ok;
}

void transcript_note(Transcript *t, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    emit(t, line);
}

void transcript_abort(Transcript *t, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *line = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line = g_strdup_printf("%s FAIL (step not possible)", msg);
    emit(t, line);
    count(t, false);
}

void transcript_timing(Transcript *t, const char *label, double seconds)
{
    fprintf(stderr, "timing: %s %s %.6f\n", t->prefix ? t->prefix : "-",
            label, seconds);
}

void transcript_name_id(Transcript *t, uint32_t id, const char *name)
{
    if (!name) {
        g_hash_table_remove(t->id_names, GUINT_TO_POINTER(id));
        return;
    }
    g_hash_table_insert(t->id_names, GUINT_TO_POINTER(id), g_strdup(name));
}

const char *transcript_id_name(Transcript *t, uint32_t id)
{
    const char *name = g_hash_table_lookup(t->id_names, GUINT_TO_POINTER(id));

    return name ? name : "id-unknown";
}

int transcript_finish(Transcript *t)
{
    g_autofree char *line = g_strdup_printf("conformance: %u passed, %u failed",
                                            t->passed, t->failed);

    printf("%s\n", line);
    fflush(stdout);
    if (t->file) {
        fprintf(t->file, "%s\n", line);
        fflush(t->file);
    }
    return t->failed;
}

char *transcript_flags(uint64_t flags, const TranscriptFlag *names)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (; names->name; names++) {
        if (flags & names->bit) {
            g_string_append_printf(out, "%s%s", out->len ? "|" : "",
                                   names->name);
            flags &= ~names->bit;
        }
    }
    if (flags) {
        g_string_append_printf(out, "%s0x%" PRIx64, out->len ? "|" : "",
                               flags);
    }
    if (!out->len) {
        g_string_append_c(out, '0');
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}
