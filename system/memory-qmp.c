/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP x-query-flatview: the rendered view of an address space
 * (qapi/machine.json)
 *
 * Tests compare what a listener did (VFIO's mappings in the simulated
 * kernel) with what the memory API says the guest sees, so the reply is
 * the FlatView itself, one entry per section, with the host address of
 * RAM.  Numbers are 64-bit two's complement on the wire, as in every QMP
 * reply of this tree: a value at or above 2^63 reads negative, and a
 * section of the whole 2^64 space has size 0.
 */
#include "qemu/osdep.h"

#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "system/memory.h"

static void flatview_add_name(AddressSpace *as, void *opaque)
{
    GString *known = opaque;

    g_string_append_printf(known, "%s'%s'", known->len ? ", " : "",
                           address_space_name(as));
}

static AddressSpace *flatview_find_address_space(const char *name,
                                                 Error **errp)
{
    g_autoptr(GString) known = g_string_new(NULL);
    AddressSpace *as;

    memory_map_init();
    as = address_space_find(name);
    if (!as) {
        address_space_foreach(flatview_add_name, known);
        error_setg(errp, "address space '%s' not found (known: %s)", name,
                   known->str);
    }
    return as;
}

static const char *flatview_kind(MemoryRegion *mr)
{
    if (memory_region_is_iommu(mr)) {
        return "iommu";
    }
    if (memory_region_is_ram_device(mr)) {
        return "ram-device";
    }
    if (memory_region_is_ram(mr)) {
        return "ram";
    }
    return "mmio";
}

static FlatViewSection *flatview_section_info(const MemoryRegionSection *s)
{
    FlatViewSection *o = g_new0(FlatViewSection, 1);
    MemoryRegion *mr = s->mr;
    bool ram = memory_region_is_ram(mr) && !memory_region_is_iommu(mr);

    o->start = s->offset_within_address_space;
    /* 2^64 truncates to 0 (see the top of the file). */
    o->size = (int64_t)int128_getlo(s->size);
    o->region = g_strdup(memory_region_name(mr));
    o->kind = g_strdup(flatview_kind(mr));
    o->readonly = memory_region_section_is_readonly(s);
    if (ram) {
        char *host = memory_region_get_ram_ptr(mr);

        o->has_host = true;
        o->host = (int64_t)(uintptr_t)(host + s->offset_within_region);
    }
    return o;
}

/*
 * x-query-flatview [address-space: str, default "memory"]
 * -> [ {"start", "size", "region", "kind", "readonly"[, "host"]}, ... ]
 */
GPtrArray *qmp_x_query_flatview(const char *name, Error **errp)
{
    GPtrArray *arr;
    AddressSpace *as;
    FlatView *fv;

    as = flatview_find_address_space(name ? name : "memory", errp);
    if (!as) {
        return NULL;
    }
    arr = qapi_FlatViewSectionList_new();
    fv = address_space_get_flatview(as);
    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection s = flatview_section(fv, i);

        g_ptr_array_add(arr, flatview_section_info(&s));
    }
    flatview_unref(fv);
    return arr;
}
