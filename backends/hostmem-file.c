/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "memory-backend-file": guest RAM mapped from a file the user names
 * (mem-path), e.g. on hugetlbfs or /dev/shm (see system/hostmem.h).  A
 * directory as mem-path gets a fresh unlinked file in it, as in QEMU.
 * libvirt takes this type for granted: its probe lists the type's
 * properties, and file-backed or shared <memoryBacking> uses it.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include "system/hostmem.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendFile, MEMORY_BACKEND_FILE)

struct HostMemoryBackendFile {
    HostMemoryBackend parent_obj;

    char *mem_path;
    bool discard_data;
    bool readonly;
};

/* The file at @path, or a new unlinked one in it if it is a directory. */
static int open_mem_path(const char *path, bool readonly, Error **errp)
{
    struct stat st;
    int fd;

    if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
        g_autofree char *tmpl = g_build_filename(path,
                                                 "qemu_back_mem.XXXXXX",
                                                 NULL);

        fd = mkstemp(tmpl);
        if (fd >= 0) {
            unlink(tmpl);
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    } else {
        fd = open(path, (readonly ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC,
                  0600);
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't open backing store %s for "
                         "guest RAM", path);
    }
    return fd;
}

static bool file_backend_alloc(HostMemoryBackend *backend, Error **errp)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(backend);
    g_autofree char *name = object_get_canonical_path_component(
        OBJECT(backend));
    struct stat st;
    int fd;

    if (!f->mem_path) {
        error_setg(errp, "mem-path property not set");
        return false;
    }
    fd = open_mem_path(f->mem_path, f->readonly, errp);
    if (fd < 0) {
        return false;
    }
    if (fstat(fd, &st) < 0 ||
        (S_ISREG(st.st_mode) && (uint64_t)st.st_size < backend->size &&
         (f->readonly || ftruncate(fd, backend->size) < 0))) {
        error_setg_errno(errp, f->readonly ? EINVAL : errno,
                         "backing store %s is smaller than the %" PRIu64
                         " bytes of guest RAM", f->mem_path, backend->size);
        close(fd);
        return false;
    }
    if (!memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend),
                                        name ? name : TYPE_MEMORY_BACKEND_FILE,
                                        backend->size,
                                        (backend->share ? RAM_SHARED : 0) |
                                        (f->readonly ? RAM_READONLY : 0),
                                        fd, 0, errp)) {
        close(fd);
        return false;
    }
    return true;
}

static char *file_get_mem_path(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_FILE(obj)->mem_path);
}

static void file_set_mem_path(Object *obj, const char *value, Error **errp)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(obj);

    if (host_memory_backend_get_memory(MEMORY_BACKEND(obj))) {
        error_setg(errp, "cannot change property 'mem-path' of %s",
                   object_get_typename(obj));
        return;
    }
    g_free(f->mem_path);
    f->mem_path = g_strdup(value);
}

static void file_backend_instance_finalize(Object *obj)
{
    HostMemoryBackendFile *f = MEMORY_BACKEND_FILE(obj);

    /*
     * discard-data: the contents need not reach the file.  The mapping
     * goes with the memory region; dropping its pages first saves the
     * write-back of a shared mapping.
     */
    if (f->discard_data && host_memory_backend_get_memory(
                               MEMORY_BACKEND(obj))) {
        MemoryRegion *mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));

        madvise(memory_region_get_ram_ptr(mr), memory_region_size(mr),
                MADV_REMOVE);
    }
    g_free(f->mem_path);
}

static void file_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = file_backend_alloc;
    object_class_property_add_str(oc, "mem-path", file_get_mem_path,
                                  file_set_mem_path);
    object_class_property_set_description(oc, "mem-path",
        "file (or directory for a new file) to map the memory from");
    host_memory_backend_class_add_bool(oc, "discard-data",
        offsetof(HostMemoryBackendFile, discard_data),
        "do not write the contents back to the file at exit");
    host_memory_backend_class_add_bool(oc, "readonly",
        offsetof(HostMemoryBackendFile, readonly),
        "map the file read-only");
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackendFile),
    .instance_finalize = file_backend_instance_finalize,
    .class_init = file_backend_class_init,
};

static void file_backend_register_types(void)
{
    type_register_static(&file_backend_info);
}

type_init(file_backend_register_types)
