/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's capability probe, replayed: the binary is started the way
 * libvirt starts it (-S -no-user-config -nodefaults -nographic -machine
 * none,accel=kvm:tcg -qmp unix:...,server=on,wait=off -pidfile F
 * -daemonize), the test waits for the starting process to exit, reads
 * the pid file and connects, then sends what libvirt asks, in its order,
 * and checks each reply's shape and that it is true for this binary
 * (cross-checking the answers against each other and against QOM).
 *
 * Without KVM in the binary or on the host, "accel=kvm:tcg" fails with
 * QEMU's messages; the test checks them and probes with accel=qtest
 * instead, which changes nothing but the query-kvm answer.
 */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libqtest.h"

#define P "qemu-system-x86_64: "

typedef struct Probe {
    int fd;
    GString *buf;
    int next_id;
    pid_t pid;
    char *dir, *pidfile, *sock;
    char *accel;
} Probe;

static JsonObject *probe_read(Probe *p)
{
    char chunk[4096];
    char *nl;

    while (!(nl = strchr(p->buf->str, '\n'))) {
        ssize_t n = read(p->fd, chunk, sizeof(chunk));

        g_assert_cmpint(n, >, 0);
        g_string_append_len(p->buf, chunk, n);
    }
    {
        g_autofree char *line = g_strndup(p->buf->str, nl - p->buf->str);
        g_autoptr(JsonNode) node = json_from_string(line, NULL);

        g_string_erase(p->buf, 0, nl - p->buf->str + 1);
        g_assert_true(node && JSON_NODE_HOLDS_OBJECT(node));
        return json_object_ref(json_node_get_object(node));
    }
}

/* Sends @cmd with @args (JSON text or NULL) as libvirt does (with an id). */
static JsonObject *probe_cmd(Probe *p, const char *cmd, const char *args)
{
    g_autofree char *id = g_strdup_printf("libvirt-%d", ++p->next_id);
    g_autofree char *msg = g_strdup_printf(
        "{\"execute\":\"%s\"%s%s,\"id\":\"%s\"}\n", cmd,
        args ? ",\"arguments\":" : "", args ? args : "", id);
    JsonObject *rsp;

    g_assert_cmpint(write(p->fd, msg, strlen(msg)), ==, strlen(msg));
    for (;;) {
        rsp = probe_read(p);
        if (!json_object_has_member(rsp, "event")) {
            break;
        }
        json_object_unref(rsp);
    }
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, id);
    return rsp;
}

/* The element of @arr whose @key is @value, or NULL. */
static JsonObject *find_by(JsonArray *arr, const char *key, const char *value)
{
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);

        if (!g_strcmp0(json_object_get_string_member_with_default(o, key,
                                                                  NULL),
                       value)) {
            return o;
        }
    }
    return NULL;
}

/* The daemon is not our child: a failed assertion must not leave it. */
static pid_t daemon_pid;

static void kill_daemon_on_abort(int sig)
{
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGKILL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Starts the binary as libvirt does; false if @accel cannot be used. */
static bool probe_start(Probe *p, const char *accel, char **err)
{
    g_autofree char *args = g_strdup_printf(
        "-S -no-user-config -nodefaults -nographic -machine none,accel=%s "
        "-qmp unix:%s,server=on,wait=off -pidfile %s -daemonize",
        accel, p->sock, p->pidfile);
    g_autofree char *pidtext = NULL;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int status = qtest_run(args, NULL, err, 30);

    if (status != 0) {
        return false;
    }
    /* The parent exited 0: the pid file and the socket must be there. */
    g_assert_true(g_file_get_contents(p->pidfile, &pidtext, NULL, NULL));
    p->pid = atoi(pidtext);
    g_assert_cmpint(p->pid, >, 1);
    daemon_pid = p->pid;
    g_assert_cmpint(kill(p->pid, 0), ==, 0);
    p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    strcpy(sun.sun_path, p->sock);
    g_assert_cmpint(connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)),
                    ==, 0);
    p->accel = g_strdup(accel);
    return true;
}

static void check_greeting_and_version(Probe *p)
{
    g_autoptr(JsonObject) greeting = probe_read(p);
    g_autoptr(JsonObject) caps = probe_cmd(p, "qmp_capabilities", NULL);
    g_autoptr(JsonObject) ver = probe_cmd(p, "query-version", NULL);
    JsonObject *g = json_object_get_object_member(
        json_object_get_object_member(greeting, "QMP"), "version");
    JsonObject *v = qmp_expect_return_object(ver);

    qmp_expect_return(caps);
    g_assert_nonnull(g);
    /* The greeting and query-version tell the same version. */
    for (const char *const *k = (const char *const[]){ "major", "minor",
                                                       "micro", NULL };
         *k; k++) {
        g_assert_cmpint(json_object_get_int_member(
                            json_object_get_object_member(g, "qemu"), *k),
                        ==,
                        json_object_get_int_member(
                            json_object_get_object_member(v, "qemu"), *k));
    }
    /*
     * The QEMU release we implement (libvirt refuses releases below its
     * minimum), and our own name where a distribution puts its.
     */
    g_assert_cmpint(json_object_get_int_member(
                        json_object_get_object_member(v, "qemu"), "major"),
                    ==, 10);
    g_assert_true(g_str_has_prefix(
        json_object_get_string_member(v, "package"), "qemu-vfio "));
}

/* Every name the schema uses is defined in it, once. */
static void check_schema_closed(JsonArray *schema, GHashTable *by_name)
{
    static const char *const refs[] = { "arg-type", "ret-type",
                                        "element-type", NULL };

    for (guint i = 0; i < json_array_get_length(schema); i++) {
        JsonObject *e = json_array_get_object_element(schema, i);
        const char *name = json_object_get_string_member(e, "name");

        g_assert_false(g_hash_table_contains(by_name, name));
        g_hash_table_insert(by_name, (gpointer)name, e);
    }
    for (guint i = 0; i < json_array_get_length(schema); i++) {
        JsonObject *e = json_array_get_object_element(schema, i);

        for (int r = 0; refs[r]; r++) {
            if (json_object_has_member(e, refs[r])) {
                g_assert_true(g_hash_table_contains(by_name,
                    json_object_get_string_member(e, refs[r])));
            }
        }
        if (json_object_has_member(e, "members") &&
            !strcmp(json_object_get_string_member(e, "meta-type"),
                    "object")) {
            JsonArray *m = json_object_get_array_member(e, "members");

            for (guint j = 0; j < json_array_get_length(m); j++) {
                g_assert_true(g_hash_table_contains(by_name,
                    json_object_get_string_member(
                        json_array_get_object_element(m, j), "type")));
            }
        }
    }
}

static JsonObject *schema_member(GHashTable *by_name, const char *type,
                                 const char *member)
{
    JsonObject *t = g_hash_table_lookup(by_name, type);
    JsonArray *m = json_object_get_array_member(t, "members");

    return find_by(m, "name", member);
}

static bool array_has_string(JsonArray *arr, const char *s)
{
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        if (!strcmp(json_array_get_string_element(arr, i), s)) {
            return true;
        }
    }
    return false;
}

static void check_schema(Probe *p)
{
    g_autoptr(JsonObject) target = probe_cmd(p, "query-target", NULL);
    g_autoptr(JsonObject) schema_rsp = probe_cmd(p, "query-qmp-schema", NULL);
    g_autoptr(JsonObject) cmds_rsp = probe_cmd(p, "query-commands", NULL);
    g_autoptr(JsonObject) uc_rsp = probe_cmd(p, "qom-list-types",
        "{\"implements\":\"user-creatable\"}");
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    JsonArray *schema = qmp_expect_return_array(schema_rsp);
    JsonArray *cmds = qmp_expect_return_array(cmds_rsp);
    JsonArray *uc = qmp_expect_return_array(uc_rsp);
    JsonObject *dev_add, *qom_type, *enum_t;

    g_assert_cmpstr(json_object_get_string_member(qmp_expect_return_object(target),
                                                  "arch"), ==, "x86_64");
    check_schema_closed(schema, by_name);
    /* The schema's commands are exactly the ones dispatched. */
    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        const char *name = json_object_get_string_member(
            json_array_get_object_element(cmds, i), "name");
        JsonObject *e = g_hash_table_lookup(by_name, name);

        g_assert_nonnull(e);
        g_assert_cmpstr(json_object_get_string_member(e, "meta-type"), ==,
                        "command");
    }
    for (guint i = 0; i < json_array_get_length(schema); i++) {
        JsonObject *e = json_array_get_object_element(schema, i);

        if (!strcmp(json_object_get_string_member(e, "meta-type"),
                    "command")) {
            g_assert_nonnull(find_by(cmds, "name",
                json_object_get_string_member(e, "name")));
        }
    }
    /* -device and device_add take JSON (libvirt's json-cli checks). */
    dev_add = g_hash_table_lookup(by_name, "device_add");
    g_assert_true(array_has_string(
        json_object_get_array_member(dev_add, "features"),
        "json-cli-hotplug"));
    /* object-add's qom-type lists exactly the user-creatable types. */
    qom_type = schema_member(by_name, json_object_get_string_member(
        g_hash_table_lookup(by_name, "object-add"), "arg-type"), "qom-type");
    enum_t = g_hash_table_lookup(by_name,
                                 json_object_get_string_member(qom_type,
                                                               "type"));
    g_assert_cmpstr(json_object_get_string_member(enum_t, "meta-type"), ==,
                    "enum");
    for (guint i = 0; i < json_array_get_length(uc); i++) {
        JsonObject *t = json_array_get_object_element(uc, i);

        if (!json_object_get_boolean_member_with_default(t, "abstract",
                                                         false)) {
            g_assert_true(array_has_string(
                json_object_get_array_member(enum_t, "values"),
                json_object_get_string_member(t, "name")));
        }
    }
    g_assert_cmpint(json_array_get_length(
        json_object_get_array_member(enum_t, "values")), ==,
        json_array_get_length(uc));
}

static void check_kvm(Probe *p)
{
    g_autoptr(JsonObject) rsp = probe_cmd(p, "query-kvm", NULL);
    JsonObject *kvm = qmp_expect_return_object(rsp);
    bool enabled = json_object_get_boolean_member(kvm, "enabled");
    bool present = json_object_get_boolean_member(kvm, "present");

    /* Enabled exactly when the probe's accel= list settled on kvm. */
    g_assert_cmpint(enabled, ==, !strcmp(p->accel, "kvm:tcg"));
    g_assert_true(present || !enabled);
}

static void check_types_and_properties(Probe *p)
{
    g_autoptr(JsonObject) types_rsp = probe_cmd(p, "qom-list-types", NULL);
    JsonArray *types = qmp_expect_return_array(types_rsp);
    static const char *const have[] = { "none-machine", "q35-machine",
                                        "vfio-pci", NULL };
    /* A build without the iommufd backend has no iommufd object type. */
    bool iommufd = find_by(types, "name", "iommufd") != NULL;

    for (int i = 0; have[i]; i++) {
        g_assert_nonnull(find_by(types, "name", have[i]));
    }
    /* No TCG in this binary: libvirt must not plan a TCG probe. */
    g_assert_null(find_by(types, "name", "tcg-accel"));

    {
        g_autoptr(JsonObject) rsp = probe_cmd(p, "device-list-properties",
            "{\"typename\":\"vfio-pci\"}");
        JsonArray *props = qmp_expect_return_array(rsp);

        /* libvirt passes the device cdev and the iommufd object. */
        g_assert_nonnull(find_by(props, "name", "fd"));
        g_assert_nonnull(find_by(props, "name", "iommufd"));
        g_assert_nonnull(find_by(props, "name", "host"));
    }
    {
        /* A device libvirt asks about that this binary does not have. */
        g_autoptr(JsonObject) rsp = probe_cmd(p, "device-list-properties",
            "{\"typename\":\"virtio-blk-pci\"}");

        g_assert_cmpstr(qmp_expect_error(rsp, "DeviceNotFound"), ==,
                        "Device 'virtio-blk-pci' not found");
    }
    if (iommufd) {
        g_autoptr(JsonObject) rsp = probe_cmd(p, "qom-list-properties",
            "{\"typename\":\"iommufd\"}");

        g_assert_nonnull(find_by(qmp_expect_return_array(rsp), "name", "fd"));
    }
    {
        /* libvirt takes these for granted: their absence fails its probe. */
        g_autoptr(JsonObject) file = probe_cmd(p, "qom-list-properties",
            "{\"typename\":\"memory-backend-file\"}");
        g_autoptr(JsonObject) pc = probe_cmd(p, "qom-list-properties",
            "{\"typename\":\"generic-pc-machine\"}");
        g_autoptr(JsonObject) bad = probe_cmd(p, "qom-list-properties",
            "{\"typename\":\"memory-backend-epc\"}");

        g_assert_nonnull(find_by(qmp_expect_return_array(file), "name",
                                 "mem-path"));
        g_assert_nonnull(find_by(qmp_expect_return_array(file), "name",
                                 "discard-data"));
        g_assert_nonnull(find_by(qmp_expect_return_array(pc), "name",
                                 "acpi"));
        g_assert_cmpstr(qmp_expect_error(bad, "GenericError"), ==,
                        "Class 'memory-backend-epc' not found");
    }
}

static void check_machines_and_cpus(Probe *p)
{
    g_autoptr(JsonObject) m_rsp = probe_cmd(p, "query-machines", NULL);
    g_autoptr(JsonObject) c_rsp = probe_cmd(p, "query-cpu-definitions",
                                            NULL);
    g_autoptr(JsonObject) t_rsp = probe_cmd(p, "qom-list-types",
        "{\"implements\":\"machine\"}");
    JsonArray *machines = qmp_expect_return_array(m_rsp);
    JsonArray *cpus = qmp_expect_return_array(c_rsp);
    JsonArray *mtypes = qmp_expect_return_array(t_rsp);
    /* As QEMU: "q35" is the alias of the versioned name libvirt keeps. */
    JsonObject *q35 = find_by(machines, "alias", "q35");
    JsonObject *none = find_by(machines, "name", "none");
    int defaults = 0;

    g_assert_nonnull(q35);
    g_assert_cmpstr(json_object_get_string_member(q35, "name"), ==,
                    "pc-q35-10.1");
    g_assert_nonnull(none);
    g_assert_true(json_object_get_boolean_member(q35, "acpi"));
    g_assert_false(json_object_get_boolean_member(none, "acpi"));
    g_assert_cmpstr(json_object_get_string_member(q35, "default-ram-id"),
                    ==, "pc.ram");
    /* One machine per (non-abstract) machine type, one default. */
    g_assert_cmpint(json_array_get_length(machines), ==,
                    json_array_get_length(mtypes));
    for (guint i = 0; i < json_array_get_length(machines); i++) {
        JsonObject *m = json_array_get_object_element(machines, i);
        g_autofree char *type = g_strconcat(
            json_object_get_string_member_with_default(
                m, "alias", json_object_get_string_member(m, "name")),
            "-machine", NULL);

        /* Our QOM types are named after the short name (q35-machine). */
        g_assert_nonnull(find_by(mtypes, "name", type));
        /* A default CPU type is one the binary has. */
        if (json_object_has_member(m, "default-cpu-type")) {
            g_autofree char *args = g_strdup_printf(
                "{\"implements\":\"%s\"}",
                json_object_get_string_member(m, "default-cpu-type"));
            g_autoptr(JsonObject) rsp = probe_cmd(p, "qom-list-types", args);

            g_assert_cmpint(json_array_get_length(qmp_expect_return_array(rsp)), ==, 1);
        }
        g_assert_cmpint(json_object_get_int_member(m, "cpu-max"), >=, 1);
        defaults += json_object_get_boolean_member_with_default(
            m, "is-default", false);
    }
    g_assert_cmpint(defaults, ==, 1);
    /* Each CPU model is a QOM type the binary has. */
    for (guint i = 0; i < json_array_get_length(cpus); i++) {
        JsonObject *c = json_array_get_object_element(cpus, i);
        g_autofree char *args = g_strdup_printf(
            "{\"implements\":\"%s\"}",
            json_object_get_string_member(c, "typename"));
        g_autoptr(JsonObject) rsp = probe_cmd(p, "qom-list-types", args);

        g_assert_cmpint(json_array_get_length(qmp_expect_return_array(rsp)), >=, 1);
    }
}

static void check_command_line_and_missing(Probe *p)
{
    g_autoptr(JsonObject) all = probe_cmd(p, "query-command-line-options",
                                          NULL);
    g_autoptr(JsonObject) machine = probe_cmd(p,
        "query-command-line-options", "{\"option\":\"machine\"}");
    g_autoptr(JsonObject) bad = probe_cmd(p, "query-command-line-options",
                                          "{\"option\":\"spice\"}");
    JsonArray *opts = qmp_expect_return_array(all);
    JsonArray *m = qmp_expect_return_array(machine);
    JsonArray *params;
    static const char *const libvirt_argv[] = { "machine", "qmp", "pidfile",
                                                NULL };
    static const char *const absent[] = { "query-sev-capabilities",
                                          "query-tpm-models",
                                          "query-cpu-model-expansion",
                                          NULL };

    for (int i = 0; libvirt_argv[i]; i++) {
        g_assert_nonnull(find_by(opts, "option", libvirt_argv[i]));
    }
    g_assert_cmpint(json_array_get_length(m), ==, 1);
    params = json_object_get_array_member(
        json_array_get_object_element(m, 0), "parameters");
    g_assert_nonnull(find_by(params, "name", "accel"));
    g_assert_nonnull(find_by(params, "name", "memory-backend"));
    g_assert_cmpstr(qmp_expect_error(bad, "GenericError"), ==,
                    "invalid option name: spice");
    /*
     * libvirt's first commands at every domain start: no migration, so
     * the one capability is "events", and an unknown one is refused.
     */
    {
        g_autoptr(JsonObject) set = probe_cmd(p, "migrate-set-capabilities",
            "{\"capabilities\":[{\"capability\":\"events\","
            "\"state\":true}]}");
        g_autoptr(JsonObject) rsp = probe_cmd(p, "query-migrate-capabilities",
                                              NULL);
        g_autoptr(JsonObject) bad = probe_cmd(p, "migrate-set-capabilities",
            "{\"capabilities\":[{\"capability\":\"postcopy-ram\","
            "\"state\":true}]}");
        JsonArray *caps = qmp_expect_return_array(rsp);

        qmp_expect_return(set);
        g_assert_cmpint(json_array_get_length(caps), ==, 1);
        g_assert_cmpstr(json_object_get_string_member(
            json_array_get_object_element(caps, 0), "capability"), ==,
            "events");
        g_assert_true(json_object_get_boolean_member(
            json_array_get_object_element(caps, 0), "state"));
        g_assert_cmpstr(qmp_expect_error(bad, "GenericError"), ==,
                        "Parameter 'capabilities[0].capability' does not "
                        "accept value 'postcopy-ram'");
    }
    /* Then the actions for the guest's power-off, reboot and panic. */
    {
        g_autoptr(JsonObject) set = probe_cmd(p, "set-action",
            "{\"shutdown\":\"pause\",\"reboot\":\"shutdown\","
            "\"panic\":\"none\",\"watchdog\":\"reset\"}");
        g_autoptr(JsonObject) bad = probe_cmd(p, "set-action",
            "{\"reboot\":\"explode\"}");

        qmp_expect_return(set);
        g_assert_cmpstr(qmp_expect_error(bad, "GenericError"), ==,
                        "Parameter 'reboot' does not accept value "
                        "'explode'");
    }
    /* What the binary lacks gets QEMU's CommandNotFound. */
    for (int i = 0; absent[i]; i++) {
        g_autoptr(JsonObject) rsp = probe_cmd(p, absent[i], NULL);
        g_autofree char *want = g_strdup_printf(
            "The command %s has not been found", absent[i]);

        g_assert_cmpstr(qmp_expect_error(rsp, "CommandNotFound"), ==, want);
    }
}

/* -machine none: no devices, no RAM. */
static void check_empty_machine(Probe *p)
{
    g_autoptr(JsonObject) pci = probe_cmd(p, "query-pci", NULL);
    g_autoptr(JsonObject) mem = probe_cmd(p, "x-query-flatview", NULL);

    g_assert_cmpint(json_array_get_length(qmp_expect_return_array(pci)), ==, 0);
    g_assert_cmpint(json_array_get_length(qmp_expect_return_array(mem)), ==, 0);
}

static void probe_quit(Probe *p)
{
    g_autoptr(JsonObject) rsp = probe_cmd(p, "quit", NULL);

    qmp_expect_return(rsp);
    /* The daemon is not our child: wait for it to go away. */
    for (int i = 0; i < 1000 && kill(p->pid, 0) == 0; i++) {
        g_usleep(10000);
    }
    g_assert_cmpint(kill(p->pid, 0), !=, 0);
    daemon_pid = 0;
    g_assert_false(g_file_test(p->pidfile, G_FILE_TEST_EXISTS));
    close(p->fd);
}

static void test_probe(void)
{
    Probe p = { .buf = g_string_new(NULL) };
    g_autofree char *err = NULL;

    p.dir = g_dir_make_tmp("libvirt-probe-XXXXXX", NULL);
    p.sock = g_build_filename(p.dir, "qmp.monitor", NULL);
    p.pidfile = g_build_filename(p.dir, "qmp.pid", NULL);
    if (!probe_start(&p, "kvm:tcg", &err)) {
        /*
         * No KVM here: QEMU's messages, the unknown names first (there is
         * no TCG), then the accelerators that failed.
         */
        g_assert_true(g_str_has_prefix(err, P "invalid accelerator kvm\n" P
                                       "invalid accelerator tcg\n") ||
                      g_str_has_prefix(err, P "invalid accelerator tcg\n" P
                                       "failed to initialize kvm: "));
        g_assert_false(g_file_test(p.pidfile, G_FILE_TEST_EXISTS));
        g_test_message("no KVM: probing with accel=qtest");
        g_clear_pointer(&err, g_free);
        g_assert_true(probe_start(&p, "kvm:qtest", &err));
    }
    check_greeting_and_version(&p);
    check_schema(&p);
    check_kvm(&p);
    check_types_and_properties(&p);
    check_machines_and_cpus(&p);
    check_command_line_and_missing(&p);
    check_empty_machine(&p);
    probe_quit(&p);
    g_string_free(p.buf, true);
    rmdir(p.dir);
    g_free(p.dir);
    g_free(p.sock);
    g_free(p.pidfile);
    g_free(p.accel);
}

static void test_daemon_failure(void)
{
    g_autofree char *dir = g_dir_make_tmp("libvirt-probe-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "x.pid", NULL);
    g_autofree char *args = g_strdup_printf(
        "-machine none,accel=qtest -device nosuchdev -pidfile %s -daemonize",
        pidfile);
    g_autofree char *err = NULL;

    /* The daemon's error reaches the starter's stderr; the starter fails. */
    g_assert_cmpint(qtest_run(args, NULL, &err, 30), ==, 1);
    g_assert_nonnull(strstr(err, "nosuchdev"));
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGABRT, kill_daemon_on_abort);
    g_test_add_func("/qtest/libvirt-probe/probe", test_probe);
    g_test_add_func("/qtest/libvirt-probe/daemon-failure",
                    test_daemon_failure);
    return g_test_run();
}
