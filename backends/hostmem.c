/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract "memory-backend" object (see system/hostmem.h)
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "qom/qom-json.h"
#include "system/hostmem.h"

/* ------------------------------------------------------------------ */
/* Properties that freeze once the RAM exists                         */

static bool backend_prop_frozen(Object *obj, ObjectProperty *prop,
                                Error **errp)
{
    if (MEMORY_BACKEND(obj)->allocated) {
        error_setg(errp, "Property '%s.%s' can't be changed once the "
                   "backend is created", object_get_typename(obj),
                   prop->name);
        return true;
    }
    return false;
}

static void *backend_field(Object *obj, ObjectProperty *prop)
{
    return (char *)obj + (uintptr_t)prop->opaque;
}

static JsonNode *backend_get_bool(Object *obj, ObjectProperty *prop,
                                  Error **errp)
{
    return qom_json_new_bool(*(bool *)backend_field(obj, prop));
}

static bool backend_set_bool(Object *obj, ObjectProperty *prop,
                             JsonNode *value, bool keyval, Error **errp)
{
    bool v;

    if (backend_prop_frozen(obj, prop, errp) ||
        !qom_json_to_bool(value, prop->name, keyval, &v, errp)) {
        return false;
    }
    *(bool *)backend_field(obj, prop) = v;
    return true;
}

static JsonNode *backend_get_size(Object *obj, ObjectProperty *prop,
                                  Error **errp)
{
    return qom_json_new_uint(*(uint64_t *)backend_field(obj, prop));
}

static bool backend_set_size(Object *obj, ObjectProperty *prop,
                             JsonNode *value, bool keyval, Error **errp)
{
    uint64_t v;

    if (backend_prop_frozen(obj, prop, errp) ||
        !qom_json_to_size(value, prop->name, keyval, &v, errp)) {
        return false;
    }
    *(uint64_t *)backend_field(obj, prop) = v;
    return true;
}

void host_memory_backend_class_add_bool(ObjectClass *oc, const char *name,
                                        ptrdiff_t offset,
                                        const char *description)
{
    object_class_property_add(oc, name, "bool", backend_get_bool,
                              backend_set_bool, NULL, (void *)offset);
    object_class_property_set_description(oc, name, description);
}

void host_memory_backend_class_add_size(ObjectClass *oc, const char *name,
                                        ptrdiff_t offset,
                                        const char *description)
{
    object_class_property_add(oc, name, "size", backend_get_size,
                              backend_set_size, NULL, (void *)offset);
    object_class_property_set_description(oc, name, description);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                         */

/* Faults every page in now, so the guest never waits for allocation. */
static void backend_prealloc(HostMemoryBackend *backend)
{
    volatile uint8_t *p = memory_region_get_ram_ptr(&backend->mr);
    long page = sysconf(_SC_PAGESIZE);

    if (!p) {
        return;
    }
    for (uint64_t off = 0; off < backend->size; off += page) {
        p[off] = p[off];
    }
}

static bool backend_complete(UserCreatable *uc, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(uc);
    HostMemoryBackendClass *bc = MEMORY_BACKEND_GET_CLASS(uc);

    if (!backend->size) {
        error_setg(errp, "Property '%s.size' must be set to a non-zero size",
                   object_get_typename(OBJECT(uc)));
        return false;
    }
    if (!bc->alloc(backend, errp)) {
        return false;
    }
    backend->allocated = true;
    if (backend->prealloc) {
        backend_prealloc(backend);
    }
    return true;
}

static bool backend_can_be_deleted(UserCreatable *uc)
{
    return !MEMORY_BACKEND(uc)->is_mapped;
}

static void backend_instance_init(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    backend->merge = true;
    backend->dump = true;
    backend->prealloc_threads = 1;
}

static void backend_instance_finalize(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->allocated) {
        memory_region_finalize(&backend->mr);
        backend->allocated = false;
    }
}

static void backend_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = backend_complete;
    ucc->can_be_deleted = backend_can_be_deleted;

    host_memory_backend_class_add_size(oc, "size",
        offsetof(HostMemoryBackend, size),
        "size of the memory region in bytes");
    host_memory_backend_class_add_bool(oc, "share",
        offsetof(HostMemoryBackend, share),
        "map the memory shared with other processes");
    host_memory_backend_class_add_bool(oc, "prealloc",
        offsetof(HostMemoryBackend, prealloc),
        "fault all pages in when the backend is created");
    host_memory_backend_class_add_bool(oc, "merge",
        offsetof(HostMemoryBackend, merge),
        "allow identical page merging (accepted, no effect)");
    host_memory_backend_class_add_bool(oc, "dump",
        offsetof(HostMemoryBackend, dump),
        "include the memory in core dumps (accepted, no effect)");
    host_memory_backend_class_add_size(oc, "prealloc-threads",
        offsetof(HostMemoryBackend, prealloc_threads),
        "threads used for prealloc (accepted, no effect)");
}

static const TypeInfo host_memory_backend_info = {
    .name = TYPE_MEMORY_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(HostMemoryBackend),
    .instance_init = backend_instance_init,
    .instance_finalize = backend_instance_finalize,
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = backend_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void host_memory_backend_register_types(void)
{
    type_register_static(&host_memory_backend_info);
}

type_init(host_memory_backend_register_types)

/* ------------------------------------------------------------------ */
/* API                                                                */

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend)
{
    return backend->allocated ? &backend->mr : NULL;
}

void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped)
{
    backend->is_mapped = mapped;
}

bool host_memory_backend_is_mapped(HostMemoryBackend *backend)
{
    return backend->is_mapped;
}

HostMemoryBackend *host_memory_backend_find(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(), id);

    if (!obj) {
        error_setg(errp, "memory backend '%s' not found", id);
        return NULL;
    }
    if (!object_dynamic_cast(obj, TYPE_MEMORY_BACKEND)) {
        error_setg(errp, "object '%s' is not a memory backend", id);
        return NULL;
    }
    return MEMORY_BACKEND(obj);
}
