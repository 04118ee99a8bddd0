/*
 * QMP x-query-flatview: the rendered view of an address space
 *
 * Tests compare what a listener did (VFIO's mappings in the simulated
 * kernel) with what the memory API says the guest sees, so the reply is
 * the FlatView itself, one entry per section, with the host address of
 * RAM.  Numbers are 64-bit two's complement on the wire, as in every QMP
 * reply of this tree: a value at or above 2^63 reads negative, and a
 * section of the whole 2^64 space has size 0.
 */
#include "qemu/osdep.h"

#include "hw/pci/pci_device.h"
#include "monitor/qmp.h"
#include "qom/object.h"
#include "system/memory.h"

/*
 * Address spaces are found where they are embedded: the two global ones,
 * and each PCI function's bus-master space and the DMA space the PCI core
 * gives it (the system's, or a vIOMMU's).  No other code in this tree
 * creates address spaces.
 */
typedef struct FlatviewLookup {
    const char *name;
    AddressSpace *found;
    GPtrArray *names;   /* every candidate's name, for the error */
} FlatviewLookup;

static bool flatview_lookup_try(FlatviewLookup *l, AddressSpace *as)
{
    const char *name = address_space_name(as);

    if (!name) {
        return false;       /* destroyed */
    }
    if (!strcmp(name, l->name)) {
        l->found = as;
        return true;
    }
    if (!g_ptr_array_find_with_equal_func(l->names, name, g_str_equal,
                                          NULL)) {
        g_ptr_array_add(l->names, (gpointer)name);
    }
    return false;
}

static int flatview_lookup_pci(Object *obj, void *opaque)
{
    FlatviewLookup *l = opaque;
    PCIDevice *pdev;

    if (!object_dynamic_cast(obj, TYPE_PCI_DEVICE)) {
        return 0;
    }
    pdev = PCI_DEVICE(obj);
    if (pdev->bus_master_as_ready &&
        flatview_lookup_try(l, &pdev->bus_master_as)) {
        return 1;
    }
    if (DEVICE(pdev)->realized &&
        flatview_lookup_try(l, pci_device_iommu_address_space(pdev))) {
        return 1;
    }
    return 0;
}

static AddressSpace *flatview_find_address_space(const char *name,
                                                 Error **errp)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    FlatviewLookup l = { .name = name, .names = names };
    g_autoptr(GString) known = g_string_new(NULL);

    memory_map_init();
    if (flatview_lookup_try(&l, &address_space_memory) ||
        flatview_lookup_try(&l, &address_space_io) ||
        object_child_foreach_recursive(object_get_root(),
                                       flatview_lookup_pci, &l)) {
        return l.found;
    }
    for (guint i = 0; i < names->len; i++) {
        g_string_append_printf(known, "%s'%s'", i ? ", " : "",
                               (const char *)g_ptr_array_index(names, i));
    }
    error_setg(errp, "address space '%s' not found (known: %s)", name,
               known->str);
    return NULL;
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

static JsonObject *flatview_section_to_json(const MemoryRegionSection *s)
{
    JsonObject *o = json_object_new();
    MemoryRegion *mr = s->mr;
    bool ram = memory_region_is_ram(mr) && !memory_region_is_iommu(mr);

    json_object_set_int_member(o, "start", s->offset_within_address_space);
    /* 2^64 truncates to 0 (see the top of the file). */
    json_object_set_int_member(o, "size", (int64_t)int128_getlo(s->size));
    json_object_set_string_member(o, "region", memory_region_name(mr));
    json_object_set_string_member(o, "kind", flatview_kind(mr));
    /* Readonly as VFIO maps it: the section, the region, or a ROM. */
    json_object_set_boolean_member(o, "readonly",
                                   s->readonly ||
                                   memory_region_is_readonly(mr) ||
                                   memory_region_is_rom(mr));
    if (ram) {
        char *host = memory_region_get_ram_ptr(mr);

        json_object_set_int_member(o, "host",
                                   (int64_t)(uintptr_t)(host +
                                       s->offset_within_region));
    }
    return o;
}

/*
 * x-query-flatview [address-space: str, default "memory"]
 * -> [ {"start", "size", "region", "kind", "readonly"[, "host"]}, ... ]
 */
static JsonNode *qmp_x_query_flatview(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "address-space", NULL };
    const char *name = "memory";
    g_autoptr(JsonArray) arr = NULL;
    AddressSpace *as;
    FlatView *fv;

    if (!qmp_arg_check_known(args, allowed, errp) ||
        !qmp_arg_opt_str(args, "address-space", &name, errp)) {
        return NULL;
    }
    as = flatview_find_address_space(name, errp);
    if (!as) {
        return NULL;
    }
    arr = json_array_new();
    fv = address_space_get_flatview(as);
    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection s = flatview_section(fv, i);

        json_array_add_object_element(arr, flatview_section_to_json(&s));
    }
    flatview_unref(fv);
    return qmp_return_array(arr);
}

static void memory_qmp_register(void)
{
    qmp_register_command("x-query-flatview", qmp_x_query_flatview, 0);
}

type_init(memory_qmp_register)
