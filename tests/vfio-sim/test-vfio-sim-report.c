/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim tests of what the library writes and refuses: the leak report,
 * the log (both name the kernel the simulator answers as), "any" fault
 * injection and bad settings.  The program runs
 * itself as a child (with a mode argument) under LD_PRELOAD, which meson
 * sets for the parent and the child inherits.
 */
#include "qemu/osdep.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <json-glib/json-glib.h>
#include <linux/iommufd.h>

static const char *self;

/* The child: maps one page into an IOAS, leaks or cleans up */
static int child(const char *mode)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    void *buf = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
        .user_va = (uintptr_t)buf, .length = 0x1000,
    };
    int fd = open("/dev/iommu", O_RDWR);

    if (!strcmp(mode, "usr1")) {
        /* the dump happens on the library's thread: wait for the file */
        g_autofree char *text = NULL;
        raise(SIGUSR1);
        for (int i = 0; i < 200 && !text; i++) {
            g_usleep(10000);
            g_file_get_contents(g_getenv("VFIO_SIM_LOG"), &text, NULL, NULL);
        }
        /* the single node has no number (it used to log garbage) */
        return text && g_regex_match_simple("\"open iommu -> fd [0-9]+\"",
                                            text, 0, 0) ? 0 : 4;
    }
    if (fd < 0 || ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) < 0) {
        return 2;
    }
    map.ioas_id = alloc.out_ioas_id;
    if (ioctl(fd, IOMMU_IOAS_MAP, &map) < 0) {
        return 3;               /* "any" injection fails this second call */
    }
    if (!strcmp(mode, "clean")) {
        close(fd);
    }
    return 0;
}

static int run_child(const char *mode, const char *const *env_extra,
                     char **err)
{
    g_auto(GStrv) env = g_get_environ();
    const char *argv[] = { self, "--child", mode, NULL };
    g_autoptr(GError) gerr = NULL;
    int status;

    for (int i = 0; env_extra && env_extra[i]; i += 2) {
        env = g_environ_setenv(env, env_extra[i], env_extra[i + 1], TRUE);
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT,
                               NULL, NULL, NULL, err, &status, &gerr));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static JsonObject *load(const char *path, JsonParser **parser)
{
    *parser = json_parser_new();
    g_assert_true(json_parser_load_from_file(*parser, path, NULL));
    return json_node_get_object(json_parser_get_root(*parser));
}

static void test_leak_report(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-report-XXXXXX", NULL);
    g_autofree char *leak = g_build_filename(dir, "leak.json", NULL);
    g_autofree char *clean = g_build_filename(dir, "clean.json", NULL);
    const char *env_leak[] = { "VFIO_SIM_REPORT", leak, NULL };
    const char *env_clean[] = { "VFIO_SIM_REPORT", clean, NULL };
    g_autoptr(JsonParser) p1 = NULL;
    g_autoptr(JsonParser) p2 = NULL;
    JsonObject *o;

    g_assert_cmpint(run_child("leak", env_leak, NULL), ==, 0);
    o = load(leak, &p1);
    g_assert_cmpint(json_object_get_int_member(o, "ioas"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "mappings"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "open_fds"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(o, "hwpt"), ==, 0);

    /* which kernel the simulator answered as: 6.12 unless told */
    g_assert_cmpstr(json_object_get_string_member(o, "kernel"), ==,
                    g_getenv("VFIO_SIM_KERNEL") ?: "6.12");

    g_assert_cmpint(run_child("clean", env_clean, NULL), ==, 0);
    o = load(clean, &p2);
    g_assert_cmpint(json_object_get_int_member(o, "ioas"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(o, "mappings"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(o, "pinned_bytes"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(o, "open_fds"), ==, 0);
    unlink(leak);
    unlink(clean);
    rmdir(dir);
}

static void test_any_fault_and_log(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-log-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "log.json", NULL);
    const char *env[] = { "VFIO_SIM_FAIL", "any:2:14", "VFIO_SIM_LOG", log,
                          NULL };
    g_autoptr(JsonParser) p = NULL;
    JsonObject *o, *map;
    JsonArray *events;
    bool injected = false;

    g_assert_cmpint(run_child("clean", env, NULL), ==, 3);
    o = load(log, &p);
    map = json_object_get_object_member(
        json_object_get_object_member(o, "ioctls"), "IOMMU_IOAS_MAP");
    g_assert_cmpint(json_object_get_int_member(map, "calls"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(map, "errors"), ==, 1);
    events = json_object_get_array_member(o, "events");
    for (guint i = 0; i < json_array_get_length(events); i++) {
        injected |= strstr(json_array_get_string_element(events, i),
                           "injected failure 14") != NULL;
    }
    g_assert_true(injected);
    unlink(log);
    rmdir(dir);
}

static void test_sigusr1_dump(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-usr1-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "log.json", NULL);
    const char *env[] = { "VFIO_SIM_LOG", log, NULL };

    g_assert_cmpint(run_child("usr1", env, NULL), ==, 0);
    unlink(log);
    rmdir(dir);
}

/* VFIO_SIM_KERNEL picks the kernel over the configuration's */
static void test_kernel_choice(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-kernel-XXXXXX", NULL);
    g_autofree char *report = g_build_filename(dir, "report.json", NULL);
    g_autofree char *log = g_build_filename(dir, "log.json", NULL);
    const char *env[] = { "VFIO_SIM_KERNEL", "7.3", "VFIO_SIM_REPORT", report,
                          "VFIO_SIM_LOG", log, NULL };
    g_autoptr(JsonParser) p1 = NULL;
    g_autoptr(JsonParser) p2 = NULL;

    g_assert_cmpint(run_child("clean", env, NULL), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(load(report, &p1),
                                                  "kernel"), ==, "7.3");
    g_assert_cmpstr(json_object_get_string_member(load(log, &p2), "kernel"),
                    ==, "7.3");
    unlink(report);
    unlink(log);
    rmdir(dir);
}

static void test_bad_settings(void)
{
    const char *bad_fail[] = { "VFIO_SIM_FAIL", "IOMMU_NOPE:1:5", NULL };
    const char *bad_config[] = { "VFIO_SIM_CONFIG", "/nonexistent.conf",
                                 NULL };
    const char *bad_kernel[] = { "VFIO_SIM_KERNEL", "6.1", NULL };
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-conf-XXXXXX", NULL);
    g_autofree char *old_conf = g_build_filename(dir, "old.conf", NULL);
    const char *old_key[] = { "VFIO_SIM_CONFIG", old_conf, NULL };
    g_autofree char *err1 = NULL;
    g_autofree char *err2 = NULL;
    g_autofree char *err3 = NULL;
    g_autofree char *err4 = NULL;

    g_assert_cmpint(run_child("clean", bad_fail, &err1), ==, 1);
    g_assert_nonnull(strstr(err1, "unknown ioctl 'IOMMU_NOPE'"));
    g_assert_cmpint(run_child("clean", bad_config, &err2), ==, 1);
    g_assert_nonnull(strstr(err2, "/nonexistent.conf"));
    /* one line */
    g_assert_cmpint(strchr(err2, '\n')[1], ==, 0);
    g_assert_cmpint(run_child("clean", bad_kernel, &err3), ==, 1);
    g_assert_nonnull(strstr(err3, "VFIO_SIM_KERNEL: unknown kernel '6.1' "
                            "(expected one of 6.12, 7.3)"));
    g_assert_cmpint(strchr(err3, '\n')[1], ==, 0);
    /* the switch the kernel choice replaced is refused, not ignored */
    g_assert_true(g_file_set_contents(old_conf, "[iommu]\ndma-buf=true\n"
                                      "[device 0000:00:10.0]\ngroup=3\n",
                                      -1, NULL));
    g_assert_cmpint(run_child("clean", old_key, &err4), ==, 1);
    g_assert_nonnull(strstr(err4, "[kernel] series=7.3"));
    unlink(old_conf);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--child")) {
        return child(argv[2]);
    }
    self = argv[0];
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio0", F_OK)) {
        g_test_skip("not running under libvfio-sim.so");
    }
    g_test_add_func("/vfio-sim/report/leaks", test_leak_report);
    g_test_add_func("/vfio-sim/report/any-fault-and-log",
                    test_any_fault_and_log);
    g_test_add_func("/vfio-sim/report/kernel-choice", test_kernel_choice);
    g_test_add_func("/vfio-sim/report/bad-settings", test_bad_settings);
    g_test_add_func("/vfio-sim/report/sigusr1-dump", test_sigusr1_dump);
    return g_test_run();
}
