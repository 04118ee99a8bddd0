/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the fuzz harness over files and directories without fuzzing, so a
 * build without libFuzzer (gcc, the ASan build) replays the corpus and the
 * regressions:  fuzz-vfio-pci-replay PATH..., fuzz-qmp-replay PATH...
 */
#include "qemu/osdep.h"
#include "fuzz-vfio-pci.h"

static int replay_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "%s: %s\n", g_get_prgname(), err->message);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    return 0;
}

static int cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, unsigned *count)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    const char *name;
    int fails = 0;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        (*count)++;
        return replay_file(path);
    }
    dir = g_dir_open(path, 0, NULL);
    if (!dir) {
        fprintf(stderr, "%s: cannot open '%s'\n", g_get_prgname(), path);
        return 1;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir))) {
        if (name[0] != '.' && !g_str_has_suffix(name, ".md")) {
            g_ptr_array_add(names, g_build_filename(path, name, NULL));
        }
    }
    /* a fixed order, so a failure reproduces alike everywhere */
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        fails += replay_path(g_ptr_array_index(names, i), count);
    }
    return fails;
}

int main(int argc, char **argv)
{
    g_autofree char *name = g_path_get_basename(argv[0]);
    unsigned count = 0;
    int fails = 0;

    g_set_prgname(name);
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        fails += replay_path(argv[i], &count);
    }
    printf("replayed %u inputs\n", count);
    return fails ? 1 : 0;
}
