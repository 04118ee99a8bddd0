/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MemoryListener of a VFIOAddressSpace (see vfio-listener.h)
 */
#include "qemu/osdep.h"

#include "vfio-dma-map.h"
#include "vfio-listener.h"
#include "qemu/error-report.h"
#include "system/memory.h"

struct VFIOListener {
    MemoryListener listener;
    VFIOAddressSpace *space;
    GTree *sections;    /* hwaddr iova -> VFIOSection * (name owned) */
    /* The open transaction: VFIOSection by value. */
    GArray *removed;    /* names owned here until commit */
    GArray *added;      /* names owned by the tree */
};

static gint vfio_listener_key_cmp(gconstpointer a, gconstpointer b,
                                  gpointer unused)
{
    hwaddr x = *(const hwaddr *)a, y = *(const hwaddr *)b;

    return x < y ? -1 : x > y;
}

static void vfio_section_free(gpointer p)
{
    VFIOSection *s = p;

    g_free((char *)s->name);
    g_free(s);
}

/* What VFIO maps of a section; false for sections it leaves alone. */
static bool vfio_listener_describe(MemoryRegionSection *section,
                                   VFIOSection *out)
{
    MemoryRegion *mr = section->mr;

    if (memory_region_is_iommu(mr)) {
        warn_report_once("vfio: DMA through an emulated IOMMU is not "
                         "supported: region '%s' is not mapped",
                         memory_region_name(mr));
        return false;
    }
    if (!memory_region_is_ram(mr) ||
        int128_ge(section->size, int128_2_64())) {
        return false;
    }
    if (memory_region_is_ram_device(mr) &&
        vfio_p2p_is_excluded(memory_region_owner(mr))) {
        return false;
    }
    *out = (VFIOSection) {
        .iova = section->offset_within_address_space,
        .size = int128_get64(section->size),
        .vaddr = (char *)memory_region_get_ram_ptr(mr) +
                 section->offset_within_region,
        .readonly = memory_region_section_is_readonly(section),
        .ram_device = memory_region_is_ram_device(mr),
        .owner = memory_region_owner(mr),
        .region = mr,
        .name = memory_region_name(mr),
    };
    /* shared RAM from a file: the kernel may map the file itself */
    if (!out->ram_device && memory_region_is_ram_shared(mr) &&
        memory_region_get_fd(mr) >= 0) {
        out->has_file = true;
        out->fd = memory_region_get_fd(mr);
        out->fd_offset = memory_region_get_fd_offset(mr) +
                         section->offset_within_region;
    }
    return out->size > 0;
}

static void vfio_listener_region_add(MemoryListener *ml,
                                     MemoryRegionSection *section)
{
    VFIOListener *l = container_of(ml, VFIOListener, listener);
    VFIOSection s, *entry;

    if (!vfio_listener_describe(section, &s)) {
        return;
    }
    entry = g_memdup2(&s, sizeof(s));
    entry->name = g_strdup(s.name ? s.name : "");
    g_tree_replace(l->sections, &entry->iova, entry);
    g_array_append_val(l->added, *entry);
}

static void vfio_listener_region_del(MemoryListener *ml,
                                     MemoryRegionSection *section)
{
    VFIOListener *l = container_of(ml, VFIOListener, listener);
    VFIOSection s, *entry;

    if (!vfio_listener_describe(section, &s)) {
        return;
    }
    entry = g_tree_lookup(l->sections, &s.iova);
    if (!entry) {
        return;
    }
    /* Keep the name alive for the commit's messages. */
    s = *entry;
    s.name = g_strdup(entry->name);
    g_array_append_val(l->removed, s);
    g_tree_remove(l->sections, &s.iova);
}

static bool vfio_section_same(const VFIOSection *a, const VFIOSection *b)
{
    return a->iova == b->iova && a->size == b->size &&
           a->vaddr == b->vaddr && a->readonly == b->readonly &&
           a->ram_device == b->ram_device && a->owner == b->owner &&
           a->region == b->region && a->has_file == b->has_file &&
           a->fd == b->fd && a->fd_offset == b->fd_offset;
}

/* Drops sections deleted and re-added unchanged: nothing to do for them. */
static void vfio_listener_cancel_pairs(VFIOListener *l)
{
    g_autoptr(GHashTable) by_iova = g_hash_table_new(g_int64_hash,
                                                     g_int64_equal);
    guint out = 0;

    if (!l->removed->len || !l->added->len) {
        return;
    }
    for (guint i = 0; i < l->removed->len; i++) {
        VFIOSection *r = &g_array_index(l->removed, VFIOSection, i);
        g_hash_table_insert(by_iova, &r->iova, r);
    }
    for (guint i = 0; i < l->added->len; i++) {
        VFIOSection *a = &g_array_index(l->added, VFIOSection, i);
        VFIOSection *r = g_hash_table_lookup(by_iova, &a->iova);

        if (r && r->size && vfio_section_same(r, a)) {
            r->size = 0;        /* marks the pair as cancelled */
            continue;
        }
        g_array_index(l->added, VFIOSection, out++) = *a;
    }
    g_array_set_size(l->added, out);
    out = 0;
    for (guint i = 0; i < l->removed->len; i++) {
        VFIOSection *r = &g_array_index(l->removed, VFIOSection, i);

        if (r->size) {
            g_array_index(l->removed, VFIOSection, out++) = *r;
        } else {
            g_free((char *)r->name);
        }
    }
    g_array_set_size(l->removed, out);
}

static void vfio_listener_commit(MemoryListener *ml)
{
    VFIOListener *l = container_of(ml, VFIOListener, listener);
    GPtrArray *containers = l->space->containers;

    vfio_listener_cancel_pairs(l);
    if (l->removed->len || l->added->len) {
        for (guint i = 0; i < containers->len; i++) {
            VFIOContainer *c = g_ptr_array_index(containers, i);

            vfio_dma_commit(c, (VFIOSection *)l->removed->data,
                            l->removed->len, (VFIOSection *)l->added->data,
                            l->added->len);
            /* Outside an attach, nobody collects errors: report them. */
            if (c->map_error) {
                Error *err = g_steal_pointer(&c->map_error);

                error_prepend(&err, "vfio: ");
                error_report_err(err);
            }
        }
    }
    for (guint i = 0; i < l->removed->len; i++) {
        g_free((char *)g_array_index(l->removed, VFIOSection, i).name);
    }
    g_array_set_size(l->removed, 0);
    g_array_set_size(l->added, 0);
}

VFIOListener *vfio_listener_new(VFIOAddressSpace *space)
{
    VFIOListener *l = g_new0(VFIOListener, 1);

    l->space = space;
    l->sections = g_tree_new_full(vfio_listener_key_cmp, NULL, NULL,
                                  vfio_section_free);
    l->removed = g_array_new(false, false, sizeof(VFIOSection));
    l->added = g_array_new(false, false, sizeof(VFIOSection));
    l->listener = (MemoryListener) {
        .name = "vfio",
        .region_add = vfio_listener_region_add,
        .region_del = vfio_listener_region_del,
        .commit = vfio_listener_commit,
        .priority = MEMORY_LISTENER_PRIORITY_DEV_BACKEND,
    };
    memory_listener_register(&l->listener, space->as);
    return l;
}

void vfio_listener_free(VFIOListener *l)
{
    if (!l) {
        return;
    }
    g_assert(!l->space->containers->len);
    memory_listener_unregister(&l->listener);
    g_tree_destroy(l->sections);
    g_array_free(l->removed, true);
    g_array_free(l->added, true);
    g_free(l);
}

GTree *vfio_listener_sections(VFIOListener *l)
{
    return l->sections;
}
