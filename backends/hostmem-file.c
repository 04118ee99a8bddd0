/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "memory-backend-file": guest RAM in a file the user names (see
 * system/hostmem.h)
 *
 * mem-path names a file, created if missing and grown to offset + size,
 * or a directory, where an unnamed file is made (created and unlinked at
 * once, so nothing is left behind).  The file is mapped private unless
 * share=on, as in QEMU; only a shared mapping makes the guest's writes
 * reach the file.  readonly=on opens and maps it read-only (the guest
 * then cannot write its RAM: for ROM-like images).  discard-data=on says
 * the contents need not reach the file: at the end the pages are dropped
 * instead of written back.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include "system/hostmem.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendFile, MEMORY_BACKEND_FILE)

struct HostMemoryBackendFile {
    HostMemoryBackend parent_obj;

    char *mem_path;
    uint64_t offset;
    bool readonly;
    bool discard_data;
};

/* An unnamed file in directory @dir, or -1 with errp set. */
static int file_backend_tmpfile(const char *dir, Error **errp)
{
    g_autofree char *tmpl = g_build_filename(dir, "qemu_back_mem.XXXXXX",
                                             NULL);
    int fd = mkstemp(tmpl);

    if (fd < 0) {
        error_setg_errno(errp, errno, "memory-backend-file: can't create a "
                         "backing file in '%s'", dir);
        return -1;
    }
    unlink(tmpl);
    return fd;
}

static int file_backend_open(HostMemoryBackendFile *f, uint64_t size,
                             Error **errp)
{
    struct stat st;
    int fd;

    if (stat(f->mem_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (f->readonly) {
            error_setg(errp, "memory-backend-file: mem-path '%s' is a "
                       "directory, which readonly=on cannot use",
                       f->mem_path);
            return -1;
        }
        fd = file_backend_tmpfile(f->mem_path, errp);
    } else {
        fd = open(f->mem_path, f->readonly ? O_RDONLY : O_RDWR | O_CREAT,
                  0600);
        if (fd < 0) {
            error_setg_errno(errp, errno, "memory-backend-file: can't open "
                             "backing store '%s' for guest RAM", f->mem_path);
            return -1;
        }
    }
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0) {
            error_setg_errno(errp, errno, "memory-backend-file: can't stat "
                             "'%s'", f->mem_path);
            close(fd);
        }
        return -1;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < f->offset + size) {
        if (f->readonly) {
            error_setg(errp, "memory-backend-file: '%s' is %" PRIu64
                       " bytes, smaller than offset + size (%" PRIu64 ")",
                       f->mem_path, (uint64_t)st.st_size, f->offset + size);
            close(fd);
            return -1;
        }
        if (ftruncate(fd, f->offset + size) < 0) {
            error_setg_errno(errp, errno, "memory-backend-file: can't grow "
                             "'%s' to %" PRIu64 " bytes", f->mem_path,
                             f->offset + size);
            close(fd);
            return -1;
        }
    }
    return fd;
}

static bool file_backend_alloc(HostMemoryBackend *backend, Error **errp)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(backend);
    g_autofree char *name = object_get_canonical_path_component(
        OBJECT(backend));
    uint32_t flags = (backend->share ? RAM_SHARED : 0) |
                     (f->readonly ? RAM_READONLY : 0);
    int fd;

    if (!f->mem_path || !*f->mem_path) {
        error_setg(errp, "Property 'memory-backend-file.mem-path' is "
                   "required");
        return false;
    }
    fd = file_backend_open(f, backend->size, errp);
    if (fd < 0) {
        return false;
    }
    if (!memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend),
                                        name ? name : TYPE_MEMORY_BACKEND_FILE,
                                        backend->size, flags, fd, f->offset,
                                        errp)) {
        close(fd);
        return false;
    }
    return true;
}

static char *file_backend_get_mem_path(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_FILE(obj)->mem_path);
}

static void file_backend_set_mem_path(Object *obj, const char *value,
                                      Error **errp)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(obj);

    if (MEMORY_BACKEND(obj)->allocated) {
        error_setg(errp, "Property 'memory-backend-file.mem-path' can't be "
                   "changed once the backend is created");
        return;
    }
    g_free(f->mem_path);
    f->mem_path = g_strdup(value);
}

static void file_backend_finalize(Object *obj)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(obj);
    MemoryRegion *mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));

    /*
     * The mapping goes with the memory region; dropping its pages first
     * saves the write-back of a shared mapping nobody wants.
     */
    if (f->discard_data && mr && !f->readonly) {
        madvise(memory_region_get_ram_ptr(mr), memory_region_size(mr),
                MADV_REMOVE);
    }
    g_free(f->mem_path);
}

static void file_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = file_backend_alloc;
    object_class_property_add_str(oc, "mem-path", file_backend_get_mem_path,
                                  file_backend_set_mem_path);
    object_class_property_set_description(oc, "mem-path",
        "the backing file, or a directory to make an unnamed one in");
    host_memory_backend_class_add_size(oc, "offset",
        offsetof(HostMemoryBackendFile, offset),
        "where the RAM starts in the file (a multiple of the page size)");
    host_memory_backend_class_add_bool(oc, "readonly",
        offsetof(HostMemoryBackendFile, readonly),
        "open and map the file read-only");
    host_memory_backend_class_add_bool(oc, "discard-data",
        offsetof(HostMemoryBackendFile, discard_data),
        "do not write the contents back to the file at the end");
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackendFile),
    .instance_finalize = file_backend_finalize,
    .class_init = file_backend_class_init,
};

static void file_backend_register_types(void)
{
    type_register_static(&file_backend_info);
}

type_init(file_backend_register_types)
