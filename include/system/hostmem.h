/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host memory backends: user-creatable objects that provide guest RAM
 *
 *   -object memory-backend-ram,id=ID,size=SIZE[,share=on|off][,prealloc=on]
 *   -object memory-backend-memfd,id=ID,size=SIZE[,share=on|off]
 *           [,hugetlb=on[,hugetlbsize=SIZE]][,seal=on|off]
 *   -object memory-backend-file,id=ID,size=SIZE,mem-path=PATH
 *           [,share=on|off][,offset=N][,readonly=on|off][,discard-data=on]
 *
 * memory-backend-ram is private anonymous memory (huge-page advised, see
 * memory_region_init_ram()) unless share=on, which makes it a shared memfd;
 * memory-backend-memfd is always a memfd, shared unless share=off;
 * memory-backend-file maps the file (or an unnamed file in the directory)
 * at mem-path, private unless share=on.
 * "memory-backend" is the abstract parent.  The RAM is created when the
 * object is completed; from then on its properties are read-only.  merge,
 * dump and prealloc-threads are accepted for command-line compatibility
 * and have no effect here.
 *
 * The object owns the MemoryRegion (its owner is the backend), so while
 * the region is in a flat view the backend stays alive.  A user of the
 * memory (the machine) marks it with host_memory_backend_set_mapped();
 * a mapped backend refuses object-del.
 */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include "qom/object.h"
#include "system/memory.h"

#define TYPE_MEMORY_BACKEND "memory-backend"
#define TYPE_MEMORY_BACKEND_RAM "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_MEMFD "memory-backend-memfd"
#define TYPE_MEMORY_BACKEND_FILE "memory-backend-file"

OBJECT_DECLARE_TYPE(HostMemoryBackend, HostMemoryBackendClass, MEMORY_BACKEND)

struct HostMemoryBackendClass {
    ObjectClass parent_class;

    /*
     * Initialises backend->mr with backend->size bytes (owner: the
     * backend).  Called once, from complete.  Mandatory for concrete types.
     */
    bool (*alloc)(HostMemoryBackend *backend, Error **errp);
};

struct HostMemoryBackend {
    Object parent_obj;

    /* properties */
    uint64_t size;
    bool share;
    bool prealloc;
    bool merge;
    bool dump;
    uint64_t prealloc_threads;

    /* private */
    bool allocated;
    bool is_mapped;
    MemoryRegion mr;
};

/* The backend's RAM, or NULL before the object is completed. */
MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend);
void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped);
bool host_memory_backend_is_mapped(HostMemoryBackend *backend);

/*
 * The backend with id @id under /objects, or NULL with "memory backend
 * 'ID' not found" / "object 'ID' is not a memory backend".
 */
HostMemoryBackend *host_memory_backend_find(const char *id, Error **errp);

/*
 * For subclasses: bool and size properties stored at @offset in the
 * instance, refusing changes once the backend is allocated.
 */
void host_memory_backend_class_add_bool(ObjectClass *oc, const char *name,
                                        ptrdiff_t offset,
                                        const char *description);
void host_memory_backend_class_add_size(ObjectClass *oc, const char *name,
                                        ptrdiff_t offset,
                                        const char *description);

#endif
