/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: per-ioctl counters, the event log, the leak report and
 * fault injection
 *
 *   VFIO_SIM_LOG=path      JSON counters and events, at exit and on SIGUSR1
 *   VFIO_SIM_REPORT=path   JSON leak report at exit
 *   VFIO_SIM_FAIL=NAME:N:ERRNO[,...]   fail the Nth call of ioctl NAME
 *                          (or of any ioctl for NAME "any") with ERRNO
 */
#include "qemu/osdep.h"
#include <signal.h>
#include "sim.h"

#define MAX_EVENTS  10000

typedef struct IoctlName {
    SimFileKind kind;
    unsigned long req;
    const char *name;
} IoctlName;

#define C(x) { SIM_FILE_CONTAINER, x, #x }
#define G(x) { SIM_FILE_GROUP, x, #x }
#define D(x) { SIM_FILE_DEVICE, x, #x }
#define I(x) { SIM_FILE_IOMMUFD, x, #x }
static const IoctlName ioctl_names[] = {
    C(VFIO_GET_API_VERSION), C(VFIO_CHECK_EXTENSION), C(VFIO_SET_IOMMU),
    C(VFIO_IOMMU_GET_INFO), C(VFIO_IOMMU_MAP_DMA), C(VFIO_IOMMU_UNMAP_DMA),
    C(VFIO_IOMMU_DIRTY_PAGES),
    G(VFIO_GROUP_GET_STATUS), G(VFIO_GROUP_SET_CONTAINER),
    G(VFIO_GROUP_UNSET_CONTAINER), G(VFIO_GROUP_GET_DEVICE_FD),
    D(VFIO_DEVICE_GET_INFO), D(VFIO_DEVICE_GET_REGION_INFO),
    D(VFIO_DEVICE_GET_IRQ_INFO), D(VFIO_DEVICE_SET_IRQS),
    D(VFIO_DEVICE_RESET), D(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
    D(VFIO_DEVICE_PCI_HOT_RESET), D(VFIO_DEVICE_FEATURE),
    D(VFIO_DEVICE_BIND_IOMMUFD), D(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
    D(VFIO_DEVICE_DETACH_IOMMUFD_PT),
    I(IOMMU_DESTROY), I(IOMMU_IOAS_ALLOC), I(IOMMU_IOAS_ALLOW_IOVAS),
    I(IOMMU_IOAS_COPY), I(IOMMU_IOAS_IOVA_RANGES), I(IOMMU_IOAS_MAP),
    I(IOMMU_IOAS_UNMAP), I(IOMMU_OPTION), I(IOMMU_VFIO_IOAS),
    I(IOMMU_HWPT_ALLOC), I(IOMMU_GET_HW_INFO),
    I(IOMMU_HWPT_SET_DIRTY_TRACKING), I(IOMMU_HWPT_GET_DIRTY_BITMAP),
#ifdef CONFIG_VFIO_DMABUF
    I(IOMMU_IOAS_MAP_FILE),
#endif
};
#undef C
#undef G
#undef D
#undef I

typedef struct FailRule {
    const IoctlName *ioctl;     /* NULL: any */
    guint64 nth;
    int err;
} FailRule;

/* name -> uint64_t[COUNT_N]: calls, failures, modelled cost */
enum { COUNT_CALLS, COUNT_ERRORS, COUNT_MODEL_NS, COUNT_N };
static GHashTable *counts;
static GPtrArray *events;
static GArray *fail_rules;
static guint64 any_calls;
static char *log_path, *report_path;
int sim_live_fds;

static const IoctlName *ioctl_lookup(SimFileKind kind, unsigned long req)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ioctl_names); i++) {
        if (ioctl_names[i].kind == kind && ioctl_names[i].req == req) {
            return &ioctl_names[i];
        }
    }
    return NULL;
}

const char *sim_ioctl_name(SimFileKind kind, unsigned long req)
{
    const IoctlName *n = ioctl_lookup(kind, req);

    return n ? n->name : "unknown";
}

static bool parse_fail(const char *spec, Error **errp)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);

    for (int i = 0; items[i]; i++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(items[i]), ":", -1);
        FailRule r = { 0 };
        char *end;
        bool found = false;

        if (!*items[i]) {
            continue;
        }
        if (g_strv_length(f) != 3) {
            error_setg(errp, "VFIO_SIM_FAIL: '%s' is not NAME:N:ERRNO",
                       items[i]);
            return false;
        }
        if (strcmp(f[0], "any")) {
            for (size_t j = 0; j < G_N_ELEMENTS(ioctl_names); j++) {
                if (!strcmp(ioctl_names[j].name, f[0])) {
                    r.ioctl = &ioctl_names[j];
                    found = true;
                }
            }
            if (!found) {
                error_setg(errp, "VFIO_SIM_FAIL: unknown ioctl '%s'", f[0]);
                return false;
            }
        }
        r.nth = g_ascii_strtoull(f[1], &end, 10);
        if (*end || !r.nth) {
            error_setg(errp, "VFIO_SIM_FAIL: '%s' is not a call number "
                       "from 1", f[1]);
            return false;
        }
        r.err = g_ascii_strtoull(f[2], &end, 10);
        if (*end || r.err <= 0 || r.err > 4095) {
            error_setg(errp, "VFIO_SIM_FAIL: '%s' is not an errno number",
                       f[2]);
            return false;
        }
        g_array_append_val(fail_rules, r);
    }
    return true;
}

static int dump_pipe[2] = { -1, -1 };

/* The signal only wakes the dump thread: no work in signal context */
static void on_sigusr1(int sig)
{
    int saved = errno;
    char c = 0;

    if (write(dump_pipe[1], &c, 1) < 0) {
        /* a dump is already pending */
    }
    errno = saved;
}

static gpointer dump_thread(gpointer unused)
{
    char c;

    while (read(dump_pipe[0], &c, 1) == 1 || errno == EINTR) {
        sim_log_dump();
    }
    return NULL;
}

void sim_log_init(void)
{
    const char *fail = g_getenv("VFIO_SIM_FAIL");
    Error *err = NULL;

    counts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    events = g_ptr_array_new_with_free_func(g_free);
    fail_rules = g_array_new(FALSE, TRUE, sizeof(FailRule));
    log_path = g_strdup(g_getenv("VFIO_SIM_LOG"));
    report_path = g_strdup(g_getenv("VFIO_SIM_REPORT"));
    if (fail && !parse_fail(fail, &err)) {
        error_report_err(err);
        exit(1);
    }
    if (log_path && pipe2(dump_pipe, O_CLOEXEC) == 0) {
        g_thread_unref(g_thread_new("vfio-sim-log", dump_thread, NULL));
        signal(SIGUSR1, on_sigusr1);
    }
}

void sim_log_event(const char *fmt, ...)
{
    va_list ap;

    if (!events || events->len >= MAX_EVENTS) {
        return;
    }
    va_start(ap, fmt);
    g_ptr_array_add(events, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static uint64_t *counter(SimFileKind kind, unsigned long req)
{
    const char *name = sim_ioctl_name(kind, req);
    uint64_t *c = g_hash_table_lookup(counts, name);

    if (!c) {
        c = g_new0(uint64_t, COUNT_N);
        g_hash_table_insert(counts, (gpointer)name, c);
    }
    return c;
}

int sim_log_ioctl(SimFileKind kind, unsigned long req)
{
    const IoctlName *n = ioctl_lookup(kind, req);
    uint64_t *c = counter(kind, req);

    c[COUNT_CALLS]++;
    any_calls++;
    /* an injected failure still entered the kernel */
    sim_model_begin(&c[COUNT_MODEL_NS]);
    for (guint i = 0; i < fail_rules->len; i++) {
        FailRule *r = &g_array_index(fail_rules, FailRule, i);
        if ((r->ioctl && r->ioctl == n && r->nth == c[COUNT_CALLS]) ||
            (!r->ioctl && r->nth == any_calls)) {
            sim_log_event("%s: injected failure %d (call %" PRIu64 ")",
                          sim_ioctl_name(kind, req), r->err, c[COUNT_CALLS]);
            return r->err;
        }
    }
    return 0;
}

void sim_log_ioctl_result(SimFileKind kind, unsigned long req, long ret)
{
    sim_model_end();
    if (ret < 0) {
        counter(kind, req)[COUNT_ERRORS]++;
        sim_log_event("%s -> %s", sim_ioctl_name(kind, req), strerror(-ret));
    }
}

/*
 * JSON is written by hand: json-glib's symbols can be shadowed by a host
 * program that exports functions of the same names (QEMU does), and the
 * documents here are small and flat.
 */
void sim_json_string(GString *out, const char *str)
{
    g_string_append_c(out, '"');
    for (const char *p = str; *p; p++) {
        if (*p == '"' || *p == '\\') {
            g_string_append_printf(out, "\\%c", *p);
        } else if ((unsigned char)*p < 0x20) {
            g_string_append_printf(out, "\\u%04x", *p);
        } else {
            g_string_append_c(out, *p);
        }
    }
    g_string_append_c(out, '"');
}

bool sim_used;

/*
 * Only a process that used the simulation writes: a wrapper that merely
 * inherited LD_PRELOAD (timeout, env, a shell) must not overwrite the
 * program's files.  "%p" in the path becomes the process id.
 */
static void write_json(const char *template, GString *doc)
{
    g_autofree char *pid = g_strdup_printf("%d", getpid());
    g_auto(GStrv) parts = g_strsplit(template, "%p", -1);
    g_autofree char *path = g_strjoinv(pid, parts);

    if (!sim_used) {
        return;
    }
    if (!g_file_set_contents(path, doc->str, doc->len, NULL)) {
        /* nothing sensible to do at exit: the caller asked for a file */
        fprintf(stderr, "vfio-sim: cannot write '%s'\n", path);
    }
}

void sim_log_ioctls_json(GString *out, const char *sep)
{
    GHashTableIter it;
    gpointer key, value;
    bool first = true;

    g_string_append_c(out, '{');
    g_hash_table_iter_init(&it, counts);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        uint64_t *c = value;

        g_string_append(out, first ? sep + 1 : sep);
        sim_json_string(out, key);
        g_string_append_printf(out, ": {\"calls\": %" PRIu64
                               ", \"errors\": %" PRIu64
                               ", \"model_ns\": %" PRIu64 "}",
                               c[COUNT_CALLS], c[COUNT_ERRORS],
                               c[COUNT_MODEL_NS]);
        first = false;
    }
    g_string_append_c(out, '}');
}

void sim_log_dump(void)
{
    g_autoptr(GString) doc = NULL;

    if (!log_path || !counts || !sim_cfg) {
        return;
    }
    doc = g_string_new(NULL);
    g_string_printf(doc, "{\n  \"kernel\": \"%s\",\n  \"ioctls\": ",
                    sim_cfg->kernel->series);
    sim_lock();
    sim_log_ioctls_json(doc, ",\n    ");
    g_string_append(doc, ",\n  \"model\": ");
    sim_model_json(doc);
    g_string_append(doc, ",\n  \"events\": [");
    for (guint i = 0; i < events->len; i++) {
        g_string_append(doc, i ? ",\n    " : "\n    ");
        sim_json_string(doc, g_ptr_array_index(events, i));
    }
    g_string_append(doc, "\n  ]\n}\n");
    write_json(log_path, doc);
    sim_unlock();
}

void sim_report_write(void)
{
    g_autoptr(GString) doc = NULL;

    if (!report_path) {
        return;
    }
    doc = g_string_new(NULL);
    g_string_printf(doc, "{\"kernel\": \"%s\", \"ioas\": %d, "
                    "\"hwpt\": %d, \"mappings\": %u, "
                    "\"pinned_bytes\": %" PRIu64 ", \"open_fds\": %d, "
                    "\"dmabufs\": %d}\n", sim_cfg->kernel->series,
                    sim_live_ioas, sim_live_hwpt, sim_live_areas,
                    sim_pinned_bytes, sim_live_fds, sim_live_dmabufs);
    write_json(report_path, doc);
}
