/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "memory-backend-memfd": guest RAM in a memfd we create with the user's
 * hugetlb and sealing choices (see system/hostmem.h)
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <linux/memfd.h>
#include "system/hostmem.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendMemfd, MEMORY_BACKEND_MEMFD)

struct HostMemoryBackendMemfd {
    HostMemoryBackend parent_obj;

    bool hugetlb;
    uint64_t hugetlbsize;
    bool seal;
};

/* MFD_HUGE_* encodes log2 of the page size above MFD_HUGE_SHIFT. */
static bool hugetlb_flags(uint64_t pagesize, unsigned *flags, Error **errp)
{
    *flags = MFD_HUGETLB;
    if (!pagesize) {
        return true;
    }
    if (pagesize & (pagesize - 1)) {
        error_setg(errp, "Property 'memory-backend-memfd.hugetlbsize' doesn't "
                   "take value %" PRIu64 ": not a power of two", pagesize);
        return false;
    }
    *flags |= (unsigned)__builtin_ctzll(pagesize) << MFD_HUGE_SHIFT;
    return true;
}

static bool memfd_backend_alloc(HostMemoryBackend *backend, Error **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(backend);
    g_autofree char *name = object_get_canonical_path_component(
        OBJECT(backend));
    unsigned flags = MFD_CLOEXEC | (m->seal ? MFD_ALLOW_SEALING : 0);
    unsigned huge = 0;
    int fd;

    if (m->hugetlb && !hugetlb_flags(m->hugetlbsize, &huge, errp)) {
        return false;
    }
    fd = memfd_create(name ? name : "memory-backend-memfd", flags | huge);
    if (fd < 0) {
        error_setg_errno(errp, errno, "memory-backend-memfd: can't create "
                         "memfd%s", m->hugetlb ? " with hugetlb" : "");
        return false;
    }
    if (ftruncate(fd, backend->size) < 0) {
        error_setg_errno(errp, errno, "memory-backend-memfd: can't size memfd "
                         "to %" PRIu64 " bytes", backend->size);
        close(fd);
        return false;
    }
    /* The size is fixed from now on, as the guest expects. */
    if (m->seal && fcntl(fd, F_ADD_SEALS,
                         F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
        error_setg_errno(errp, errno, "memory-backend-memfd: can't seal memfd");
        close(fd);
        return false;
    }
    if (!memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend),
                                        name ? name : TYPE_MEMORY_BACKEND_MEMFD,
                                        backend->size,
                                        backend->share ? RAM_SHARED : 0,
                                        fd, 0, errp)) {
        close(fd);
        return false;
    }
    return true;
}

static void memfd_backend_instance_init(Object *obj)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    /* As in QEMU, a memfd backend is shared unless told otherwise. */
    m->parent_obj.share = true;
    m->seal = true;
}

static void memfd_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = memfd_backend_alloc;
    host_memory_backend_class_add_bool(oc, "hugetlb",
        offsetof(HostMemoryBackendMemfd, hugetlb),
        "back the memory with huge pages");
    host_memory_backend_class_add_size(oc, "hugetlbsize",
        offsetof(HostMemoryBackendMemfd, hugetlbsize),
        "huge page size (default: the system's)");
    host_memory_backend_class_add_bool(oc, "seal",
        offsetof(HostMemoryBackendMemfd, seal),
        "seal the memfd against growing and shrinking");
}

static const TypeInfo memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .instance_size = sizeof(HostMemoryBackendMemfd),
    .instance_init = memfd_backend_instance_init,
    .class_init = memfd_backend_class_init,
};

static void memfd_backend_register_types(void)
{
    type_register_static(&memfd_backend_info);
}

type_init(memfd_backend_register_types)
