/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "memory-backend-ram": anonymous guest RAM (see hostmem.h)
 */
#include "qemu/osdep.h"
#include "system/hostmem.h"

static bool ram_backend_alloc(HostMemoryBackend *backend, Error **errp)
{
    g_autofree char *name = object_get_canonical_path_component(
        OBJECT(backend));

    return memory_region_init_ram_flags(&backend->mr, OBJECT(backend),
                                        name ? name : TYPE_MEMORY_BACKEND_RAM,
                                        backend->size,
                                        backend->share ? RAM_SHARED : 0, errp);
}

static void ram_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = ram_backend_alloc;
}

static const TypeInfo ram_backend_info = {
    .name = TYPE_MEMORY_BACKEND_RAM,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = ram_backend_class_init,
};

static void ram_backend_register_types(void)
{
    type_register_static(&ram_backend_info);
}

type_init(ram_backend_register_types)
