/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-ram / memory-backend-memfd / memory-backend-file objects
 */
#include "qemu/osdep.h"
#include <sys/stat.h>
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

static Object *create(const char *type, const char *id, const char *size,
                      const char *extra_key, const char *extra_val,
                      Error **errp)
{
    g_autoptr(JsonObject) props = json_object_new();

    if (size) {
        json_object_set_string_member(props, "size", size);
    }
    if (extra_key) {
        json_object_set_string_member(props, extra_key, extra_val);
    }
    return user_creatable_add_type(type, id, props, true, errp);
}

/* Shared memory is a memfd; private memory has no fd. */
static void check_ram(HostMemoryBackend *be, uint64_t size)
{
    MemoryRegion *mr = host_memory_backend_get_memory(be);
    struct stat st;
    uint8_t *p;

    g_assert_nonnull(mr);
    g_assert_true(memory_region_is_ram(mr));
    g_assert_cmpuint(memory_region_size(mr), ==, size);
    g_assert_true(memory_region_owner(mr) == OBJECT(be));
    if (be->share) {
        g_assert_cmpint(memory_region_get_fd(mr), >=, 0);
        g_assert_cmpint(fstat(memory_region_get_fd(mr), &st), ==, 0);
        g_assert_cmpint(st.st_size, >=, size);
    } else {
        g_assert_cmpint(memory_region_get_fd(mr), ==, -1);
    }
    p = memory_region_get_ram_ptr(mr);
    p[size - 1] = 0x5a;
    g_assert_cmphex(p[size - 1], ==, 0x5a);
}

static void test_ram(void)
{
    Object *obj = create(TYPE_MEMORY_BACKEND_RAM, "ram0", "2M", "prealloc",
                         "on", &error_abort);
    HostMemoryBackend *be = host_memory_backend_find("ram0", &error_abort);
    Error *err = NULL;

    g_assert_true(OBJECT(be) == obj);
    check_ram(be, 2 * 1024 * 1024);
    g_assert_true(object_property_get_bool(obj, "merge", &error_abort));

    /* Frozen once created. */
    g_assert_false(object_property_set_uint(obj, "size", 4096, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Property "
                    "'memory-backend-ram.size' can't be changed once the "
                    "backend is created");
    error_free(err);
    err = NULL;

    /* In use: object-del refuses. */
    host_memory_backend_set_mapped(be, true);
    g_assert_false(user_creatable_del("ram0", &err));
    error_free(err);
    host_memory_backend_set_mapped(be, false);
    g_assert_true(user_creatable_del("ram0", &error_abort));
}

static void test_ram_shared(void)
{
    Object *obj = create(TYPE_MEMORY_BACKEND_RAM, "ram1", "1M", "share",
                         "on", &error_abort);

    check_ram(MEMORY_BACKEND(obj), 1024 * 1024);
    g_assert_cmpint(memory_region_get_fd(
        host_memory_backend_get_memory(MEMORY_BACKEND(obj))), >=, 0);
    g_assert_true(user_creatable_del("ram1", &error_abort));
}

static void test_memfd(void)
{
    Object *obj = create(TYPE_MEMORY_BACKEND_MEMFD, "mem0", "1M", "seal",
                         "on", &error_abort);
    HostMemoryBackend *be = MEMORY_BACKEND(obj);
    int fd;

    check_ram(be, 1024 * 1024);
    g_assert_true(be->share);
    fd = memory_region_get_fd(host_memory_backend_get_memory(be));
    g_assert_cmpint(fcntl(fd, F_GET_SEALS) & F_SEAL_GROW, !=, 0);
    g_assert_true(user_creatable_del("mem0", &error_abort));
    /* The fd went with the object. */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
}

static void test_errors(void)
{
    Error *err = NULL;

    g_assert_null(create(TYPE_MEMORY_BACKEND_RAM, "bad0", NULL, NULL, NULL,
                         &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Property "
                    "'memory-backend-ram.size' must be set to a non-zero size");
    error_free(err);
    err = NULL;

    g_assert_null(create(TYPE_MEMORY_BACKEND_RAM, "bad1", "lots", NULL, NULL,
                         &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    {
        g_autoptr(JsonObject) props = json_object_new();

        json_object_set_string_member(props, "size", "1M");
        json_object_set_string_member(props, "hugetlb", "on");
        json_object_set_string_member(props, "hugetlbsize", "3k");
        g_assert_null(user_creatable_add_type(TYPE_MEMORY_BACKEND_MEMFD,
                                              "bad2", props, true, &err));
        g_assert_cmpstr(error_get_pretty(err), ==, "Property "
                        "'memory-backend-memfd.hugetlbsize' doesn't take "
                        "value 3072: not a power of two");
        error_free(err);
        err = NULL;
    }

    g_assert_null(create(TYPE_MEMORY_BACKEND, "bad3", "1M", NULL, NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    g_assert_null(host_memory_backend_find("nothing", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "memory backend 'nothing' not found");
    error_free(err);
}

static Object *create_file(const char *id, const char *path,
                           const char *share, Error **errp)
{
    g_autoptr(JsonObject) props = json_object_new();

    json_object_set_string_member(props, "size", "1M");
    json_object_set_string_member(props, "mem-path", path);
    json_object_set_string_member(props, "share", share);
    return user_creatable_add_type(TYPE_MEMORY_BACKEND_FILE, id, props, true,
                                   errp);
}

/* A named file: grown, shared writes land in it, private ones do not. */
static void test_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ram", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    Object *obj;
    MemoryRegion *mr;
    uint8_t *p;
    Error *err = NULL;

    obj = create_file("file0", path, "on", &error_abort);
    mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));
    g_assert_cmpint(memory_region_get_fd(mr), >=, 0);
    g_assert_true(memory_region_is_ram_shared(mr));
    p = memory_region_get_ram_ptr(mr);
    p[4096] = 0x5a;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, ==, 1024 * 1024);
    g_assert_cmphex((uint8_t)data[4096], ==, 0x5a);
    g_assert_true(user_creatable_del("file0", &error_abort));

    obj = create_file("file1", path, "off", &error_abort);
    mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));
    g_assert_false(memory_region_is_ram_shared(mr));
    p = memory_region_get_ram_ptr(mr);
    g_assert_cmphex(p[4096], ==, 0x5a);
    p[4096] = 0x33;
    g_clear_pointer(&data, g_free);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmphex((uint8_t)data[4096], ==, 0x5a);
    g_assert_true(user_creatable_del("file1", &error_abort));
    g_assert_cmpint(unlink(path), ==, 0);

    /* a directory gets an unnamed file: nothing is left in it */
    obj = create_file("file2", dir, "on", &error_abort);
    g_assert_true(memory_region_is_ram_shared(
        host_memory_backend_get_memory(MEMORY_BACKEND(obj))));
    g_assert_true(user_creatable_del("file2", &error_abort));
    g_assert_cmpint(rmdir(dir), ==, 0);

    /* one line naming the file and the reason */
    g_assert_null(create_file("file3", "/nonexistent/dir/ram", "on", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "memory-backend-file: can't "
                    "open backing store '/nonexistent/dir/ram' for guest "
                    "RAM: No such file or directory");
    error_free(err);
    err = NULL;
    g_assert_null(create(TYPE_MEMORY_BACKEND_FILE, "file4", "1M", NULL, NULL,
                         &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Property "
                    "'memory-backend-file.mem-path' is required");
    error_free(err);
}

/* A mapped region keeps its owner alive until it leaves the view. */
static void test_owner_lifetime(void)
{
    Object *obj = create(TYPE_MEMORY_BACKEND_RAM, "life0", "64k", "share",
                         "on", &error_abort);
    MemoryRegion *mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));
    MemoryRegion root, inner;
    AddressSpace as;
    int fd = memory_region_get_fd(mr);

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    /* A container of the same owner does not pin it (no cycle)... */
    memory_region_init(&inner, obj, "inner", 0x100000);
    memory_region_add_subregion(&inner, 0, mr);
    /* ...but being in another owner's container and in a view does. */
    memory_region_add_subregion(&root, 0x100000, &inner);
    address_space_init(&as, &root, "as");

    g_assert_true(user_creatable_del("life0", &error_abort));
    /* Gone from /objects, alive through the view. */
    g_assert_true(memory_region_is_ram(mr));
    g_assert_cmpint(fcntl(fd, F_GETFD), >=, 0);
    g_assert_cmphex(address_space_ldl_le(&as, 0x100000,
                                         MEMTXATTRS_UNSPECIFIED, NULL),
                    ==, 0);

    memory_region_del_subregion(&root, &inner);
    /* The last reference went with the old view. */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&inner);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/backend/ram", test_ram);
    g_test_add_func("/memory/backend/ram-shared", test_ram_shared);
    g_test_add_func("/memory/backend/memfd", test_memfd);
    g_test_add_func("/memory/backend/file", test_file);
    g_test_add_func("/memory/backend/errors", test_errors);
    g_test_add_func("/memory/backend/owner-lifetime", test_owner_lifetime);
    return g_test_run();
}
