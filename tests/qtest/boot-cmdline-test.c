/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct-boot and console options on the command line: -kernel, -initrd,
 * -append, -serial, -nographic, -rtc.  Bad values give one line and
 * exit 1; good ones start the VM (the loader writes the kernel into RAM
 * only when an accelerator boots it, so here they are checked, not run).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "libqtest.h"

#define P "qemu-system-x86_64: "

static char *tmpdir;

typedef struct ErrorCase {
    const char *args;
    const char *stderr_line;
} ErrorCase;

static const ErrorCase error_cases[] = {
    { "-initrd /x", P "-initrd only allowed with -kernel option" },
    { "-append quiet", P "-append only allowed with -kernel option" },
    { "-kernel /nonexistent/bzImage", P "could not open kernel file "
      "'/nonexistent/bzImage': No such file or directory" },
    { "-kernel /", P "could not open kernel file '/': Is a directory" },
    { "-serial foo", P "-serial foo: 'foo' is not a valid char driver "
                     "name" },
    { "-serial chardev:nope", P "-serial chardev:nope: chardev 'nope' not "
                              "found" },
    { "-serial null -serial null", P "-serial null: only one -serial is "
                                   "supported (COM1)" },
    { "-serial file:/nonexistent/out", P "-serial file:/nonexistent/out: "
      "Could not open '/nonexistent/out': No such file or directory" },
    { "-rtc base=2006-13-45", P "-rtc base=2006-13-45: invalid datetime "
                              "format" },
};

static void run_expect_error(const char *extra, const char *want)
{
    g_autofree char *args = g_strdup_printf("-display none -nodefaults %s",
                                            extra);
    g_autofree char *out = NULL, *err = NULL;
    g_auto(GStrv) lines = NULL;
    int status = qtest_run(args, &out, &err, 30);

    lines = g_strsplit(err, "\n", 2);
    g_assert_cmpstr(lines[0], ==, want);
    g_assert_cmpint(status, ==, 1);
}

static void test_error(gconstpointer opaque)
{
    const ErrorCase *c = opaque;

    run_expect_error(c->args, c->stderr_line);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

/* A bzImage header: protocol @proto, 8 MiB to decompress at 16 MiB. */
static char *fake_kernel(const char *name, uint16_t proto,
                         uint32_t initrd_max)
{
    size_t len = 5 * 512 + 65536;
    g_autofree uint8_t *img = g_malloc0(len);
    char *path = g_build_filename(tmpdir, name, NULL);

    img[0x1f1] = 4;
    img[0x201] = 0x6a;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = proto;
    img[0x207] = proto >> 8;
    img[0x211] = 1;
    put32(img + 0x22c, initrd_max);
    img[0x236] = 1;
    put32(img + 0x238, 2047);
    put32(img + 0x258, 16 << 20);
    put32(img + 0x260, 8 << 20);
    g_assert_true(g_file_set_contents(path, (char *)img, len, NULL));
    return path;
}

static char *file_of(const char *name, size_t len)
{
    g_autofree char *buf = g_malloc0(len);
    char *path = g_build_filename(tmpdir, name, NULL);

    g_assert_true(g_file_set_contents(path, buf, len, NULL));
    return path;
}

static void test_bad_images(void)
{
    g_autofree char *junk = file_of("junk", 10000);
    g_autofree char *old = fake_kernel("old", 0x205, 0x37ffffff);
    g_autofree char *good = fake_kernel("good", 0x20f, 0x7fffffff);
    g_autofree char *big = file_of("big-initrd", (8 << 20) + 4096);
    const struct {
        char *args;
        char *line;
    } cases[] = {
        { g_strdup_printf("-kernel %s", junk),
          g_strdup_printf(P "kernel '%s' is not a bzImage: no \"HdrS\" "
                          "setup header", junk) },
        { g_strdup_printf("-kernel %s", old),
          g_strdup_printf(P "kernel '%s': boot protocol 2.05 is too old, "
                          "2.06 or later is needed", old) },
        { g_strdup_printf("-kernel %s -initrd /nonexistent/initrd", good),
          g_strdup(P "could not open initrd file '/nonexistent/initrd': No "
                   "such file or directory") },
        /* 32 MiB of RAM: 8 MiB left above the decompressed kernel. */
        { g_strdup_printf("-m 32M -kernel %s -initrd %s", good, big),
          g_strdup_printf(P "initrd '%s' is too large: %d bytes, at most "
                          "8388608 fit below the kernel's initrd limit",
                          big, (8 << 20) + 4096) },
        { g_strdup_printf("-m 16M -kernel %s", good),
          g_strdup_printf(P "kernel '%s' needs 24 MiB of RAM below 4 GiB "
                          "to decompress, the machine has 16 MiB", good) },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        run_expect_error(cases[i].args, cases[i].line);
        g_free(cases[i].args);
        g_free(cases[i].line);
    }
}

static void test_accepted(void)
{
    g_autofree char *kernel = fake_kernel("ok", 0x20f, 0x7fffffff);
    g_autofree char *initrd = file_of("initrd", 4096);
    g_autofree char *serial = g_build_filename(tmpdir, "com1.log", NULL);
    g_autofree char *args = g_strdup_printf(
        "-m 256M -kernel %s -initrd %s -append console=ttyS0 "
        "-serial file:%s -rtc base=localtime -name guest=boot1", kernel,
        initrd, serial);
    QTestState *s = qtest_init(args);
    JsonObject *rsp;

    /* -serial file: opens (creates) the file at start-up. */
    g_assert_true(g_file_test(serial, G_FILE_TEST_EXISTS));
    rsp = qtest_qmp(s, "{'execute': 'query-name'}");
    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(qmp_expect_return(rsp)), "name"), ==, "boot1");
    json_object_unref(rsp);
    rsp = qtest_qmp(s, "{'execute': 'query-uuid'}");
    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(qmp_expect_return(rsp)), "UUID"), ==,
        "00000000-0000-0000-0000-000000000000");
    json_object_unref(rsp);
    /* No PM block under qtest yet: accepted, nothing to press. */
    rsp = qtest_qmp(s, "{'execute': 'system_powerdown'}");
    qmp_expect_return(rsp);
    json_object_unref(rsp);
    qtest_quit(s);

    s = qtest_init("-uuid 6E3D1D94-7c1b-4f0f-9d41-0e1c2a1b3c4d");
    rsp = qtest_qmp(s, "{'execute': 'query-uuid'}");
    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(qmp_expect_return(rsp)), "UUID"), ==,
        "6e3d1d94-7c1b-4f0f-9d41-0e1c2a1b3c4d");
    json_object_unref(rsp);
    rsp = qtest_qmp(s, "{'execute': 'query-name'}");
    g_assert_cmpuint(json_object_get_size(
        json_node_get_object(qmp_expect_return(rsp))), ==, 0);
    json_object_unref(rsp);
    qtest_quit(s);

    s = qtest_init("-nographic -rtc base=2006-06-17 -serial none");
    qtest_quit(s);
}

static void test_real_kernel(void)
{
    const char *env = g_getenv("QEMU_VFIO_KERNEL");
    g_autofree char *cache = g_build_filename(g_get_home_dir(), ".cache",
                                              "qemu-vfio", "kernel", NULL);
    g_autofree char *kernel = env ? g_strdup(env) : NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;
    g_autofree char *args = NULL;
    QTestState *s;

    dir = kernel ? NULL : g_dir_open(cache, 0, NULL);
    while (dir && !kernel && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(cache, name, "bzImage", NULL);

        if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
            kernel = g_steal_pointer(&p);
        }
    }
    if (!kernel) {
        g_test_skip("no bench bzImage (set QEMU_VFIO_KERNEL)");
        return;
    }
    args = g_strdup_printf("-m 512M -kernel %s -append console=ttyS0",
                           kernel);
    s = qtest_init(args);
    qtest_quit(s);
}

static void remove_tmpdir(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);

        g_unlink(p);
    }
    g_rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("boot-cmdline-XXXXXX", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        g_autofree char *name = g_strdup_printf("/qtest/boot-cmdline/error/"
                                                "%zu", i);
        g_test_add_data_func(name, &error_cases[i], test_error);
    }
    g_test_add_func("/qtest/boot-cmdline/bad-images", test_bad_images);
    g_test_add_func("/qtest/boot-cmdline/accepted", test_accepted);
    g_test_add_func("/qtest/boot-cmdline/real-kernel", test_real_kernel);
    ret = g_test_run();
    remove_tmpdir();
    g_free(tmpdir);
    return ret;
}
