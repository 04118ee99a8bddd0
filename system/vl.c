/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main(): the command line, the machine, then the main loop.
 *
 * Options are first collected in command-line order, then applied in
 * phases (chardevs, objects, machine, qtest, devices, monitors), each
 * with its command-line location restored so errors name the option.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/char/serial.h"
#include "hw/i386/x86-boot-q35.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "monitor/monitor.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/keyval.h"
#include "qemu/main-loop.h"
#include "qemu/trace.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "hw/i386/boot-cpu-state.h"
#include "hw/i386/x86-cpu.h"
#include "system/cpus.h"
#include "system/kvm.h"
#include "system/memory.h"
#include "system/qtest.h"
#include "system/accel-info.h"
#include "system/daemonize.h"
#include "system/runstate.h"
#include "system/sysemu.h"
#include "system/vl.h"

unsigned int smp_cpus = 1;
bool qemu_nodefaults;

typedef struct Config {
    char *machine_type;             /* the last -machine type= wins */
    GPtrArray *machine_props;       /* of JsonObject (keyval) */
    uint64_t ram_size;
    bool ram_size_set;
    Location ram_size_loc;          /* of the last -m, for board errors */
    const char *qtest_spec;
    const char *qtest_log;
    bool accel_qtest;
    char *machine_accel;            /* -machine accel=A[:B...] */
    bool daemonize;
    const char *pidfile;
    const char *cpu_model;
    uint32_t tsc_khz;               /* -cpu ...,tsc-frequency= (0: host's) */
    bool autostart;
    const char *kernel;
    const char *initrd;
    const char *append;
    const char *serial;             /* the -serial argument, or NULL */
    bool nographic;
    const char *rtc_base;
} Config;

static Config config = { .autostart = true, .cpu_model = "qemu64" };

/* Accelerators this binary has, for "-accel help" and errors. */
static const char *const accel_names[] = { "kvm", "qtest", NULL };

/* -smp as given (0: not given), completed by finish_smp(). */
static struct {
    unsigned cpus, sockets, dies, clusters, modules, cores, threads, maxcpus;
    bool has_books, has_drawers;
} smp_config;
static GPtrArray *deferred;         /* of DeferredOpt */

typedef struct DeferredOpt {
    const QemuOption *opt;
    const char *arg;
    int index;                      /* of the option in argv */
    Location loc;
} DeferredOpt;

static void defer(const QemuOption *opt, const char *arg, int index)
{
    DeferredOpt *d = g_new0(DeferredOpt, 1);

    d->opt = opt;
    d->arg = arg;
    d->index = index;
    loc_save(&d->loc);
    g_ptr_array_add(deferred, d);
}

/* Runs @fn on every deferred option of @kind, in command-line order. */
static void foreach_deferred(int kind, void (*fn)(const char *arg))
{
    for (guint i = 0; i < deferred->len; i++) {
        DeferredOpt *d = g_ptr_array_index(deferred, i);

        if (d->opt->index == kind) {
            loc_restore(&d->loc);
            fn(d->arg);
        }
    }
    loc_set_none();
}

static G_NORETURN void fail(Error *err)
{
    error_report_err(err);
    exit(1);
}

static G_NORETURN void fail_msg(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static G_NORETURN void fail_msg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    exit(1);
}

/* Prints help text (ending it with a newline) and exits 0; frees @text. */
static G_NORETURN void print_and_exit(char *text)
{
    fputs(text, stdout);
    if (*text && !g_str_has_suffix(text, "\n")) {
        putchar('\n');
    }
    g_free(text);
    fflush(stdout);
    exit(0);
}

static JsonObject *parse_keyval_or_die(const char *arg, const char *implied,
                                       bool *help)
{
    Error *err = NULL;
    JsonObject *opts = keyval_parse(arg, implied, help, &err);

    if (!opts) {
        fail(err);
    }
    return opts;
}

/* Fails on the first member of @opts not in @known. */
static void check_known(JsonObject *opts, const char *const *known)
{
    JsonObjectIter iter;
    const char *name;

    json_object_iter_init_ordered(&iter, opts);
    while (json_object_iter_next_ordered(&iter, &name, NULL)) {
        if (!g_strv_contains(known, name)) {
            fail_msg("Invalid parameter '%s'", name);
        }
    }
}

static const char *opt_str(JsonObject *opts, const char *key)
{
    const char *value = NULL;
    Error *err = NULL;

    if (!optdict_get_str(opts, key, true, &value, &err)) {
        fail(err);
    }
    return value;
}

static bool opt_bool(JsonObject *opts, const char *key, bool def)
{
    Error *err = NULL;

    if (!optdict_get_bool(opts, key, true, &def, &err)) {
        fail(err);
    }
    return def;
}

static void check_choice(const char *param, const char *value,
                         const char *const *choices)
{
    if (value && !g_strv_contains(choices, value)) {
        fail_msg("Parameter '%s' does not accept value '%s'", param, value);
    }
}

/* ---- options handled while parsing ------------------------------------ */

static void parse_memory(const char *arg)
{
    static const char *const known[] = { "size", "maxmem", "slots", NULL };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "size", NULL);
    const char *size;
    uint64_t bytes;

    check_known(opts, known);
    if (optdict_has(opts, "maxmem") || optdict_has(opts, "slots")) {
        fail_msg("memory hotplug (maxmem, slots) is not supported");
    }
    size = opt_str(opts, "size");
    if (!size) {
        fail_msg("Parameter 'size' is missing");
    }
    if (qemu_strtosz_MiB(size, NULL, &bytes) < 0) {
        error_report("Parameter 'size' expects a non-negative number "
                     "below 2^64");
        fprintf(stderr, "Optional suffix k, M, G, T, P or E means kilo-, mega-, "
                     "giga-, tera-, peta-\nand exabytes, respectively.\n");
        exit(1);
    }
    if (bytes == 0) {
        fail_msg("Parameter 'size' expects a non-zero size");
    }
    if (bytes % 4096) {
        fail_msg("Parameter 'size' expects a multiple of 4 KiB, "
                 "got %" PRIu64 " bytes", bytes);
    }
    config.ram_size = bytes;
    config.ram_size_set = true;
    loc_save(&config.ram_size_loc);
}

static void add_accel(const char *accel)
{
    if (!strcmp(accel, "tcg")) {
        g_autofree char *avail = g_strjoinv(", ", (char **)accel_names);

        /* QEMU's usual choice: say what there is instead. */
        fail_msg("invalid accelerator tcg (this binary has: %s)", avail);
    }
    if (!accel_exists(accel)) {
        fail_msg("invalid accelerator %s", accel);
    }
    /* Several -accel: tried in command-line order. */
    if (config.machine_accel) {
        char *list = g_strconcat(config.machine_accel, ":", accel, NULL);

        g_free(config.machine_accel);
        config.machine_accel = list;
    } else {
        config.machine_accel = g_strdup(accel);
    }
}

static void parse_machine(const char *arg)
{
    bool help = false;
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "type", &help);
    const char *type = opt_str(opts, "type");

    if (help || (type && (!strcmp(type, "help") || !strcmp(type, "?")))) {
        print_and_exit(machine_help_list());
    }
    if (type) {
        g_free(config.machine_type);
        config.machine_type = g_strdup(type);
        optdict_remove(opts, "type");
    }
    if (optdict_has(opts, "accel")) {
        /* accel=kvm:qtest: tried in order, as QEMU does (accel_select). */
        g_free(config.machine_accel);
        config.machine_accel = g_strdup(opt_str(opts, "accel"));
        optdict_remove(opts, "accel");
    }
    g_ptr_array_add(config.machine_props, json_object_ref(opts));
}

static void parse_accel(const char *arg)
{
    bool help = false;
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "accel", &help);
    g_autofree char *accel = g_strdup(opt_str(opts, "accel"));
    const char *irqchip;

    if (help || (accel && !strcmp(accel, "help"))) {
        printf("Accelerators supported in QEMU binary:\n");
        for (int i = 0; accel_names[i]; i++) {
            printf("%s\n", accel_names[i]);
        }
        exit(0);
    }
    if (!accel) {
        fail_msg("Parameter 'accel' is missing");
    }
    add_accel(accel);
    optdict_remove(opts, "accel");
    if (!strcmp(accel, "kvm")) {
        check_known(opts, (const char *const[]){ "kernel-irqchip", NULL });
        irqchip = opt_str(opts, "kernel-irqchip");
        check_choice("kernel-irqchip", irqchip,
                     (const char *const[]){ "on", "off", "split", NULL });
        if (irqchip && strcmp(irqchip, "on")) {
            fail_msg("kernel-irqchip=%s: only the in-kernel irqchip "
                     "(kernel-irqchip=on) is supported", irqchip);
        }
    } else {
        check_known(opts, (const char *const[]){ NULL });
    }
}

static void parse_smp(const char *arg)
{
    static const char *const known[] = {
        "cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus",
        "books", "drawers", "modules", NULL
    };
    unsigned *fields[] = {
        &smp_config.cpus, &smp_config.sockets, &smp_config.dies,
        &smp_config.clusters, &smp_config.cores, &smp_config.threads,
        &smp_config.maxcpus, NULL, NULL, &smp_config.modules,
    };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "cpus", NULL);
    Error *err = NULL;

    check_known(opts, known);
    for (int i = 0; known[i]; i++) {
        int64_t v = 1;

        if (!optdict_has(opts, known[i])) {
            continue;
        }
        if (!optdict_get_int(opts, known[i], true, &v, &err)) {
            error_free(err);
            fail_msg("Parameter 'smp.%s' expects integer", known[i]);
        }
        if (v < 1 || v > 4096) {
            fail_msg("Parameter 'smp.%s' expects a number from 1 to 4096",
                     known[i]);
        }
        if (fields[i]) {
            *fields[i] = v;
        } else if (!strcmp(known[i], "books")) {
            smp_config.has_books = v > 1;
        } else {
            smp_config.has_drawers = v > 1;
        }
    }
}

/*
 * Completes -smp as QEMU does for current machine types (cores are
 * preferred over sockets) and checks it: one line, exit 1.
 */
static void finish_smp(void)
{
    CpuTopology *t = &cpu_topology;
    MachineClass *mc;
    unsigned product;

    if (smp_config.has_books) {
        fail_msg("books not supported by this machine's CPU topology");
    }
    if (smp_config.has_drawers) {
        fail_msg("drawers not supported by this machine's CPU topology");
    }
    if (smp_config.clusters > 1) {
        fail_msg("clusters not supported by this machine's CPU topology");
    }
    t->threads = smp_config.threads ?: 1;
    t->dies = smp_config.dies ?: 1;
    t->modules = smp_config.modules ?: 1;
    t->sockets = smp_config.sockets ?: 1;
    if (smp_config.cores) {
        t->cores = smp_config.cores;
    } else {
        unsigned want = smp_config.maxcpus ?: smp_config.cpus ?: 1;
        unsigned per_core = t->sockets * t->dies * t->modules * t->threads;

        t->cores = MAX(want / per_core, 1);
    }
    product = t->sockets * t->dies * t->modules * t->cores * t->threads;
    t->max_cpus = smp_config.maxcpus ?: product;
    t->cpus = smp_config.cpus ?: t->max_cpus;
    if (product != t->max_cpus) {
        fail_msg("Invalid CPU topology: product of the hierarchy must match "
                 "maxcpus: sockets (%u) * dies (%u) * modules (%u) * "
                 "cores (%u) * threads (%u) != maxcpus (%u)", t->sockets,
                 t->dies, t->modules, t->cores, t->threads, t->max_cpus);
    }
    if (t->max_cpus < t->cpus) {
        fail_msg("Invalid CPU topology: maxcpus must be equal to or greater "
                 "than smp: sockets (%u) * dies (%u) * modules (%u) * "
                 "cores (%u) * threads (%u) == maxcpus (%u) < smp_cpus (%u)",
                 t->sockets, t->dies, t->modules, t->cores, t->threads,
                 t->max_cpus, t->cpus);
    }
    mc = machine_find_class(config.machine_type, NULL);
    if (mc && mc->max_cpus && t->max_cpus > (unsigned)mc->max_cpus) {
        fail_msg("Invalid SMP CPUs %u. The max CPUs supported by machine "
                 "'%s' is %d", t->max_cpus, mc->name, mc->max_cpus);
    }
    smp_cpus = t->cpus;
}

static void parse_uuid(const char *arg)
{
    if (!g_uuid_string_is_valid(arg)) {
        fail_msg("failed to parse UUID string: wrong format");
    }
    for (int i = 0, j = 0; i < 16; i++, j += 2) {
        if (arg[j] == '-') {
            j++;
        }
        qemu_uuid[i] = g_ascii_xdigit_value(arg[j]) << 4 |
                       g_ascii_xdigit_value(arg[j + 1]);
    }
    qemu_uuid_set = true;
}

static void parse_name(const char *arg)
{
    static const char *const known[] = {
        "guest", "process", "debug-threads", NULL
    };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "guest", NULL);
    const char *guest;

    check_known(opts, known);
    opt_bool(opts, "debug-threads", false);
    guest = opt_str(opts, "guest");
    if (guest) {
        qemu_name = g_strdup(guest);
        g_set_application_name(qemu_name);
    }
}

static void parse_rtc(const char *arg)
{
    static const char *const known[] = {
        "base", "clock", "driftfix", NULL
    };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, NULL, NULL);
    const char *base;

    check_known(opts, known);
    base = opt_str(opts, "base");
    config.rtc_base = base ? g_strdup(base) : NULL;
    if (base && strcmp(base, "utc") && strcmp(base, "localtime")) {
        GDateTime *dt = NULL;
        g_autofree char *iso = NULL;

        iso = strchr(base, 'T') ? g_strconcat(base, "Z", NULL)
                                : g_strconcat(base, "T00:00:00Z", NULL);
        dt = g_date_time_new_from_iso8601(iso, NULL);
        if (!dt) {
            error_report("invalid datetime format");
            fprintf(stderr, "valid formats: '2006-06-17T16:01:21' or "
                         "'2006-06-17'\n");
            exit(1);
        }
        g_date_time_unref(dt);
    }
    check_choice("clock", opt_str(opts, "clock"),
                 (const char *const[]){ "host", "rt", "vm", NULL });
    check_choice("driftfix", opt_str(opts, "driftfix"),
                 (const char *const[]){ "none", "slew", NULL });
}

static void parse_boot(const char *arg)
{
    static const char *const known[] = {
        "order", "once", "menu", "splash", "splash-time", "reboot-timeout",
        "strict", NULL
    };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "order", NULL);

    check_known(opts, known);
    opt_bool(opts, "menu", false);
    opt_bool(opts, "strict", false);
}

static void parse_display(const char *arg)
{
    bool help = false;
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "type", &help);
    const char *type = opt_str(opts, "type");

    if (help || (type && !strcmp(type, "help"))) {
        printf("Available display backend types:\nnone\n");
        exit(0);
    }
    if (!type || strcmp(type, "none")) {
        fail_msg("Parameter 'type' does not accept value '%s'",
                 type ? type : "");
    }
    optdict_remove(opts, "type");
    check_known(opts, (const char *const[]){ NULL });
}

static void parse_msg(const char *arg)
{
    static const char *const known[] = { "timestamp", "guest-name", NULL };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "timestamp", NULL);

    check_known(opts, known);
    message_with_timestamp = opt_bool(opts, "timestamp", false);
    opt_bool(opts, "guest-name", false);
}

static void parse_overcommit(const char *arg)
{
    static const char *const known[] = { "mem-lock", "cpu-pm", NULL };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, NULL, NULL);
    const char *lock;

    check_known(opts, known);
    lock = opt_str(opts, "mem-lock");
    if (lock && !g_strv_contains((const char *const[]){ "on", "off",
                                                       "on-fault", NULL },
                                 lock)) {
        fail_msg("parameter 'mem-lock' expects one of 'on', 'off', "
                 "'on-fault'");
    }
    if (lock && strcmp(lock, "off")) {
        fail_msg("mem-lock=%s: locking guest memory is not supported", lock);
    }
    if (opt_bool(opts, "cpu-pm", false)) {
        fail_msg("cpu-pm=on: there are no vCPUs to give power management to");
    }
}

static void parse_sandbox(const char *arg)
{
    static const char *const known[] = {
        "enable", "obsolete", "elevateprivileges", "spawn", "resourcecontrol",
        NULL
    };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "enable", NULL);

    check_known(opts, known);
    opt_bool(opts, "enable", false);
    check_choice("obsolete", opt_str(opts, "obsolete"),
                 (const char *const[]){ "allow", "deny", NULL });
    check_choice("elevateprivileges", opt_str(opts, "elevateprivileges"),
                 (const char *const[]){ "allow", "deny", "children", NULL });
    check_choice("spawn", opt_str(opts, "spawn"),
                 (const char *const[]){ "allow", "deny", NULL });
    check_choice("resourcecontrol", opt_str(opts, "resourcecontrol"),
                 (const char *const[]){ "allow", "deny", NULL });
}

/*
 * -audiodev: libvirt passes {"id":...,"driver":"none"} for a domain without
 * sound.  We have no sound devices, so the one backend that makes sense is
 * the one that plays nothing; others get QEMU's refusal of an unknown
 * backend, which libvirt shows the user.
 */
static void parse_audiodev(const char *arg)
{
    static const char *const known[] = { "driver", "id", "timer-period",
                                         "in", "out", NULL };
    Error *err = NULL;
    bool is_json = false, help = false;
    g_autoptr(JsonObject) opts = qemu_parse_option_arg(arg, "driver",
                                                       &is_json, &help, &err);
    const char *driver = NULL, *id = NULL;

    if (!opts) {
        fail(err);
    }
    if (help) {
        printf("Available audio drivers:\nnone\n");
        exit(0);
    }
    check_known(opts, known);
    if (!optdict_require(opts, "driver", &err) ||
        !optdict_get_str(opts, "driver", !is_json, &driver, &err) ||
        !optdict_require(opts, "id", &err) ||
        !optdict_get_str(opts, "id", !is_json, &id, &err)) {
        fail(err);
    }
    if (strcmp(driver, "none")) {
        fail_msg("Parameter 'driver' does not accept value '%s'", driver);
    }
}

/* -add-fd: immediately, so that later options can name the set. */
static void parse_add_fd(const char *arg)
{
    static const char *const known[] = { "fd", "set", "opaque", NULL };
    Error *err = NULL;
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, NULL, NULL);
    int64_t fd = -1, set = -1;
    const char *opaque = NULL;

    check_known(opts, known);
    if (!optdict_get_int(opts, "fd", true, &fd, &err) ||
        !optdict_get_int(opts, "set", true, &set, &err) ||
        !optdict_get_str(opts, "opaque", true, &opaque, &err) ||
        !monitor_fdset_add_inherited(set, fd > INT_MAX ? -1 : fd, opaque,
                                     &err)) {
        fail(err);
    }
}

static void parse_global(const char *arg)
{
    Error *err = NULL;

    if (!qdev_prop_register_global_str(arg, &err)) {
        fail(err);
    }
}

static void parse_trace(const char *arg)
{
    Error *err = NULL;

    if (!trace_opt_parse(arg, &err)) {
        fail(err);
    }
}

/*
 * tsc-frequency=HZ: KVM takes the rate in kHz (KVM_SET_TSC_KHZ, a 32-bit
 * value): rounded down to whole kHz as QEMU does, from 1 kHz up to what
 * fits.
 */
static uint32_t parse_tsc_frequency(const char *value)
{
    uint64_t hz;

    if (qemu_strtou64(value, NULL, 10, &hz) < 0 || value[0] == '-' ||
        hz < 1000 || hz / 1000 > UINT32_MAX) {
        fail_msg("Parameter 'tsc-frequency' expects a frequency in Hz from "
                 "1000 to %" PRIu64, (uint64_t)UINT32_MAX * 1000 + 999);
    }
    return hz / 1000;
}

static void parse_cpu(const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);
    const char *model = parts[0];

    if (!strcmp(model, "help") || !strcmp(model, "?")) {
        print_and_exit(x86_cpu_list());
    }
    if (!x86_cpu_model_find(model)) {
        fail_msg("unable to find CPU model '%s'", model);
    }
    for (int i = 1; parts[i]; i++) {
        /* No migration: libvirt's migratable=on|off changes nothing. */
        if (!strcmp(parts[i], "migratable=on") ||
            !strcmp(parts[i], "migratable=off")) {
            continue;
        }
        if (g_str_has_prefix(parts[i], "tsc-frequency=")) {
            config.tsc_khz = parse_tsc_frequency(parts[i] +
                                                 strlen("tsc-frequency="));
            continue;
        }
        fail_msg("CPU feature '%s' is not supported: the model is used as "
                 "it is", parts[i]);
    }
    config.cpu_model = g_strdup(model);
}

/* ---- options applied after parsing ------------------------------------ */

static void apply_chardev(const char *arg)
{
    Error *err = NULL;

    if (!qemu_chr_new_from_opts(arg, &err)) {
        fail(err);
    }
}

static void apply_object(const char *arg)
{
    Error *err = NULL;
    bool is_json = false, help = false;
    g_autoptr(JsonObject) opts = qemu_parse_option_arg(arg, "qom-type",
                                                       &is_json, &help, &err);
    const char *type = NULL, *id = NULL;

    if (!opts) {
        fail(err);
    }
    optdict_get_str(opts, "qom-type", !is_json, &type, NULL);
    if (optdict_get_str(opts, "id", !is_json, &id, NULL) && id &&
        object_resolve_path_component(object_get_objects_root(), id)) {
        /* QEMU's words: its option groups refuse a repeated id. */
        fail_msg("Duplicate ID '%s' for object", id);
    }
    if (help || (type && !strcmp(type, "help"))) {
        if (help) {
            json_object_set_boolean_member(opts, "help", TRUE);
        }
        if (user_creatable_print_help(type ? type : "help", opts)) {
            exit(0);
        }
    }
    if (!user_creatable_add_from_json(opts, !is_json, &err)) {
        fail(err);
    }
}

static void apply_device(const char *arg)
{
    Error *err = NULL;
    bool is_json = false, help = false;
    g_autoptr(JsonObject) opts = qemu_parse_option_arg(arg, "driver",
                                                       &is_json, &help, &err);
    const char *driver = NULL;

    if (!opts) {
        fail(err);
    }
    optdict_get_str(opts, "driver", !is_json, &driver, NULL);
    if ((help && !driver) ||
        (driver && (!strcmp(driver, "help") || !strcmp(driver, "?")))) {
        print_and_exit(qdev_device_help_list());
    }
    if (help) {
        char *text = qdev_device_help_props(driver, &err);

        if (!text) {
            fail(err);
        }
        print_and_exit(text);
    }
    if (!qdev_device_add_from_json(opts, !is_json, &err)) {
        fail(err);
    }
}

static void apply_mon(const char *arg)
{
    static const char *const known[] = { "chardev", "mode", "pretty", "id",
                                         NULL };
    g_autoptr(JsonObject) opts = parse_keyval_or_die(arg, "chardev", NULL);
    const char *id, *mode;
    Chardev *chr;
    Error *err = NULL;

    check_known(opts, known);
    mode = opt_str(opts, "mode");
    check_choice("mode", mode,
                 (const char *const[]){ "readline", "control", NULL });
    if (!mode || !strcmp(mode, "readline")) {
        fail_msg("mode=readline: the human monitor is not supported, "
                 "use mode=control");
    }
    if (opt_bool(opts, "pretty", false)) {
        fail_msg("pretty=on is not supported");
    }
    id = opt_str(opts, "chardev");
    if (!id) {
        fail_msg("Parameter 'chardev' is missing");
    }
    chr = qemu_chr_find(id);
    if (!chr) {
        fail_msg("chardev \"%s\" not found", id);
    }
    if (!monitor_init_qmp(chr, &err)) {
        fail(err);
    }
}

static void apply_qmp(const char *arg)
{
    Error *err = NULL;
    Chardev *chr = qemu_chr_new_short("compat_monitor", arg, &err);

    if (!chr || !monitor_init_qmp(chr, &err)) {
        fail(err);
    }
}

/*
 * -device isa-serial,chardev=ID[,index=0][,id=...] (libvirt's form of a
 * <serial>): the board's COM1 on that chardev, the same 16550A at 0x3f8,
 * IRQ 4 that -serial makes, and described in ACPI the same way.  The
 * board builds COM1 before -device options are applied, so the option is
 * taken here and dropped from the device list.  Returns the chardev, or
 * NULL if there is no such -device.
 */
static Chardev *take_isa_serial(void)
{
    static const char *const known[] = { "driver", "chardev", "id", "index",
                                         "iobase", "irq", NULL };
    Chardev *chr = NULL;

    for (guint i = 0; i < deferred->len; i++) {
        DeferredOpt *d = g_ptr_array_index(deferred, i);
        Error *err = NULL;
        bool is_json = false, help = false;
        g_autoptr(JsonObject) opts = NULL;
        const char *driver = NULL, *chardev = NULL;
        int64_t index = 0, iobase = SERIAL_COM1_BASE, irq = SERIAL_COM1_IRQ;

        if (d->opt->index != QEMU_OPTION_device) {
            continue;
        }
        loc_restore(&d->loc);
        opts = qemu_parse_option_arg(d->arg, "driver", &is_json, &help, &err);
        if (!opts) {
            fail(err);
        }
        if (help) {
            continue;           /* -device help, -device X,help: later */
        }
        if (!optdict_get_str(opts, "driver", !is_json, &driver, &err)) {
            fail(err);
        }
        if (g_strcmp0(driver, "isa-serial")) {
            continue;
        }
        check_known(opts, known);
        if (!optdict_get_str(opts, "chardev", !is_json, &chardev, &err) ||
            !optdict_get_int(opts, "index", !is_json, &index, &err) ||
            !optdict_get_int(opts, "iobase", !is_json, &iobase, &err) ||
            !optdict_get_int(opts, "irq", !is_json, &irq, &err)) {
            fail(err);
        }
        if (chr || config.serial || index != 0 ||
            iobase != SERIAL_COM1_BASE || irq != SERIAL_COM1_IRQ) {
            fail_msg("isa-serial: only one serial port is supported: COM1 "
                     "(index 0, iobase 0x3f8, irq 4)");
        }
        if (!chardev) {
            fail_msg("Property 'isa-serial.chardev' is required");
        }
        chr = qemu_chr_find(chardev);
        if (!chr) {
            fail_msg("Property 'isa-serial.chardev' can't find value '%s'",
                     chardev);
        }
        g_ptr_array_remove_index(deferred, i--);
    }
    loc_set_none();
    return chr;
}

/*
 * -serial: "none" (no COM1), else a short chardev spec.  Without it COM1
 * exists (discarding output) unless -nodefaults; -nographic makes the
 * default stdio.  With -nodefaults there is no default to redirect (as
 * in QEMU): libvirt's probe passes -nographic -nodefaults -daemonize.
 */
static void apply_serial(MachineState *ms)
{
    Error *err = NULL;
    const char *spec = config.serial;
    Chardev *isa_serial = take_isa_serial();

    if (isa_serial) {
        ms->serial_chr = isa_serial;
        ms->serial_present = true;
        return;
    }
    if (!spec && config.nographic && !qemu_nodefaults) {
        spec = "stdio";
    }
    if (!spec) {
        ms->serial_present = !qemu_nodefaults;
        return;
    }
    if (!strcmp(spec, "none")) {
        ms->serial_present = false;
        return;
    }
    for (guint i = 0; i < deferred->len; i++) {
        DeferredOpt *d = g_ptr_array_index(deferred, i);

        if (d->opt->index == QEMU_OPTION_serial) {
            loc_restore(&d->loc);
        }
    }
    ms->serial_chr = qemu_chr_new_short("serial", spec, &err);
    if (!ms->serial_chr) {
        fail(err);
    }
    loc_set_none();
    ms->serial_present = true;
}

/* The direct-boot options, stored in @ms and checked against it. */
static void apply_kernel(MachineState *ms)
{
    if (!config.kernel) {
        if (config.initrd) {
            fail_msg("-initrd only allowed with -kernel option");
        }
        if (config.append) {
            fail_msg("-append only allowed with -kernel option");
        }
        return;
    }
    ms->kernel_filename = g_strdup(config.kernel);
    ms->initrd_filename = g_strdup(config.initrd);
    ms->kernel_cmdline = g_strdup(config.append ? config.append : "");
}

static void check_kernel(MachineState *ms)
{
    Error *err = NULL;

    if (!q35_direct_boot_validate(ms, &err)) {
        fail(err);
    }
}

static void create_machine(void)
{
    Error *err = NULL;
    MachineClass *mc;
    MachineState *ms;

    mc = machine_find_class(config.machine_type, &err);
    if (!mc) {
        fail(err);
    }
    ms = MACHINE(object_new_with_class(OBJECT_CLASS(mc)));
    object_property_add_child(object_get_root(), "machine", OBJECT(ms));
    object_unref(OBJECT(ms));
    /*
     * The machine's device containers exist from the start, as in QEMU:
     * clients such as libvirt list /machine/peripheral before any device
     * with an id has been plugged.
     */
    container_create(OBJECT(ms), "peripheral");
    container_create(OBJECT(ms), "peripheral-anon");
    container_create(OBJECT(ms), "unattached");
    ms->ram_size = config.ram_size_set ? config.ram_size
                                       : mc->default_ram_size;
    /* Properties of each -machine option, applied with its location. */
    for (guint i = 0, n = 0; i < deferred->len; i++) {
        DeferredOpt *d = g_ptr_array_index(deferred, i);
        JsonObject *props;

        if (d->opt->index != QEMU_OPTION_machine) {
            continue;
        }
        props = g_ptr_array_index(config.machine_props, n++);
        loc_restore(&d->loc);
        if (!object_set_properties_from_json(OBJECT(ms), props, true, NULL,
                                             &err)) {
            fail(err);
        }
    }
    loc_set_none();
    apply_kernel(ms);
    apply_serial(ms);
    if (!rtc_start_time(config.rtc_base, &ms->rtc_start, &err)) {
        fail(err);
    }
    /*
     * Board init is where the RAM size meets the board (its minimum) and
     * the host (too large to map): with -m given, its errors say "-m X:".
     */
    if (config.ram_size_set) {
        loc_restore(&config.ram_size_loc);
    }
    if (!machine_run_board_init(ms, &err)) {
        fail(err);
    }
    loc_set_none();
    check_kernel(ms);
}

static void start_qtest(void)
{
    Error *err = NULL;

    if (!config.qtest_spec) {
        return;
    }
    for (guint i = 0; i < deferred->len; i++) {
        DeferredOpt *d = g_ptr_array_index(deferred, i);

        if (d->opt->index == QEMU_OPTION_qtest) {
            loc_restore(&d->loc);
        }
    }
    if (!qtest_server_init(config.qtest_spec, config.qtest_log, &err)) {
        error_report_err(err);
        loc_set_none();
        fail_msg("Failed to initialize device for qtest: \"%s\"",
                 config.qtest_spec);
    }
    loc_set_none();
}

/* ---- accelerator list, daemon ----------------------------------------- */

/*
 * -machine accel=A[:B...] (libvirt's probe passes kvm:tcg): the first
 * that initialises is used; each failure is reported on the way.
 */
static void select_machine_accel(void)
{
    Error *err = NULL;

    if (!config.machine_accel) {
        return;
    }
    if (!accel_select(config.machine_accel)) {
        exit(1);
    }
    if (!strcmp(accel_current(), "qtest")) {
        config.accel_qtest = true;
        return;
    }
    /* kvm */
    if (config.qtest_spec) {
        fail_msg("-qtest cannot be used with -accel kvm: the qtest "
                 "protocol drives a machine without vCPUs");
    }
    if (!kvm_check_smp(cpu_topology.cpus, cpu_topology.max_cpus, &err)) {
        fail(err);
    }
}

/* Start-up is complete: the pid file, then release a -daemonize parent. */
static void finish_startup(void)
{
    Error *err = NULL;

    if (!os_write_pidfile(config.pidfile, &err)) {
        error_prepend(&err, "cannot create PID file: ");
        fail(err);
    }
    os_daemonize_finish();
}

/*
 * There is no firmware: the machine gets its legacy devices (ACPI PM
 * block with power-off and the reset ports, COM1, the RTC) and, with
 * -kernel, the direct Linux boot, redone at every reset; under KVM the
 * boot processor starts where it leaves it.
 */
static Q35LegacyDevices legacy_devices;
static Q35DirectBoot *direct_boot;

static void guest_power_off(void *opaque)
{
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

static void guest_reset(void *opaque)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
}

/*
 * A reset handler, after the devices': kernel, initrd, ACPI tables and
 * boot_params into RAM, and vCPU 0's start state for the accelerator.
 */
static void direct_boot_reset(void *opaque)
{
    X86BootCPUState cpu;
    Error *err = NULL;

    if (!q35_direct_boot_reset(direct_boot, &cpu, &err)) {
        error_report_err(err);
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
        return;
    }
    x86_boot_cpu_state_set(&cpu);
}

static void start_firmwareless_boot(void)
{
    MachineState *ms = qdev_get_machine();
    Error *err = NULL;

    if (!q35_legacy_devices_init(ms, &legacy_devices, guest_power_off,
                                 guest_reset, NULL, &err)) {
        fail(err);
    }
    direct_boot = q35_direct_boot_new(ms, smp_cpus, &err);
    if (err) {
        fail(err);
    }
    if (direct_boot) {
        qemu_register_reset(direct_boot_reset, NULL);
    }
}

/* ---- main ------------------------------------------------------------- */

static void handle_immediate(const QemuOption *opt, const char *arg,
                             int index)
{
    switch (opt->index) {
    case QEMU_OPTION_h:
        qemu_print_help();
        exit(0);
    case QEMU_OPTION_version:
        qemu_print_version();
        exit(0);
    case QEMU_OPTION_machine:
        parse_machine(arg);
        defer(opt, arg, index);
        break;
    case QEMU_OPTION_m:
        parse_memory(arg);
        break;
    case QEMU_OPTION_accel:
        parse_accel(arg);
        break;
    case QEMU_OPTION_smp:
        parse_smp(arg);
        break;
    case QEMU_OPTION_cpu:
        parse_cpu(arg);
        break;
    case QEMU_OPTION_uuid:
        parse_uuid(arg);
        break;
    case QEMU_OPTION_name:
        parse_name(arg);
        break;
    case QEMU_OPTION_rtc:
        parse_rtc(arg);
        break;
    case QEMU_OPTION_boot:
        parse_boot(arg);
        break;
    case QEMU_OPTION_display:
        parse_display(arg);
        break;
    case QEMU_OPTION_msg:
        parse_msg(arg);
        break;
    case QEMU_OPTION_overcommit:
        parse_overcommit(arg);
        break;
    case QEMU_OPTION_sandbox:
        parse_sandbox(arg);
        break;
    case QEMU_OPTION_global:
        parse_global(arg);
        break;
    case QEMU_OPTION_audiodev:
        parse_audiodev(arg);
        break;
    case QEMU_OPTION_add_fd:
        parse_add_fd(arg);
        break;
    case QEMU_OPTION_trace:
        parse_trace(arg);
        break;
    case QEMU_OPTION_watchdog_action:
        if (!qemu_set_watchdog_action(arg)) {
            fail_msg("Parameter 'watchdog' does not accept value '%s'", arg);
        }
        break;
    case QEMU_OPTION_no_shutdown:
        qemu_set_no_shutdown(true);
        break;
    case QEMU_OPTION_no_reboot:
        qemu_set_no_reboot(true);
        break;
    case QEMU_OPTION_enable_kvm:
        add_accel("kvm");
        break;
    case QEMU_OPTION_nodefaults:
        qemu_nodefaults = true;
        break;
    case QEMU_OPTION_no_user_config:
        break;  /* we read no configuration files anyway */
    case QEMU_OPTION_S:
        config.autostart = false;
        break;
    case QEMU_OPTION_qtest:
        config.qtest_spec = arg;
        defer(opt, arg, index);
        break;
    case QEMU_OPTION_qtest_log:
        config.qtest_log = arg;
        break;
    case QEMU_OPTION_kernel:
        config.kernel = arg;
        break;
    case QEMU_OPTION_initrd:
        config.initrd = arg;
        break;
    case QEMU_OPTION_append:
        config.append = arg;
        break;
    case QEMU_OPTION_serial:
        if (config.serial) {
            fail_msg("only one -serial is supported (COM1)");
        }
        config.serial = arg;
        defer(opt, arg, index);
        break;
    case QEMU_OPTION_nographic:
        config.nographic = true;
        break;
    case QEMU_OPTION_daemonize:
        config.daemonize = true;
        break;
    case QEMU_OPTION_pidfile:
        config.pidfile = arg;
        break;
    default:
        defer(opt, arg, index);
        break;
    }
}

static void parse_command_line(int argc, char **argv)
{
    int i = 1;

    while (i < argc) {
        const char *word = argv[i];
        const QemuOption *opt;
        const char *arg = NULL;
        int index = i;

        loc_set_cmdline(argv, i, 1);
        if (word[0] != '-') {
            fail_msg("disk images and other positional arguments are not "
                     "supported");
        }
        opt = qemu_find_option(word[1] == '-' ? word + 2 : word + 1);
        if (!opt) {
            fail_msg("invalid option");
        }
        i++;
        if (opt->has_arg) {
            if (i >= argc) {
                fail_msg("requires an argument");
            }
            arg = argv[i++];
            loc_set_cmdline(argv, index, 2);
        }
        handle_immediate(opt, arg, index);
    }
    loc_set_none();
}

int main(int argc, char **argv)
{
    Error *err = NULL;
    int status;

    error_set_progname(argv[0]);
    g_set_prgname("qemu-system-x86_64");
    deferred = g_ptr_array_new_with_free_func(g_free);
    config.machine_props = g_ptr_array_new_with_free_func(
        (GDestroyNotify)json_object_unref);

    parse_command_line(argc, argv);
    if (config.daemonize) {
        os_daemonize_start();
    }
    finish_smp();
    select_machine_accel();

    if (config.qtest_spec || config.accel_qtest) {
        qtest_set_enabled();
    }
    if (!qemu_init_main_loop(&err)) {
        fail(err);
    }
    foreach_deferred(QEMU_OPTION_chardev, apply_chardev);
    foreach_deferred(QEMU_OPTION_object, apply_object);
    foreach_deferred(QEMU_OPTION_mon, apply_mon);
    foreach_deferred(QEMU_OPTION_qmp, apply_qmp);
    create_machine();
    /* The empty machine ("-M none", libvirt's probe) has no CPU or board. */
    if (MACHINE_GET_CLASS(qdev_get_machine())->default_cpu_type) {
        if (kvm_enabled() && !kvm_init_vcpus(config.cpu_model, config.tsc_khz,
                                           &err)) {
            fail(err);
        }
        start_firmwareless_boot();
    }
    start_qtest();
    qdev_prop_check_globals();
    foreach_deferred(QEMU_OPTION_device, apply_device);
    qdev_machine_creation_done();
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    if (config.autostart) {
        vm_start();
    }
    finish_startup();

    status = qemu_main_loop();
    pause_all_vcpus();          /* nothing runs the guest while we exit */
    qemu_chr_flush_all();       /* e.g. the reply to "quit" */
    user_creatable_cleanup();
    return status;
}
