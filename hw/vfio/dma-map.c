/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO DMA mapping engine (see hw/vfio/vfio-dma-map.h)
 *
 * The container's mapping tree mirrors the kernel exactly: an entry is
 * added only after the backend mapped it and removed only after the
 * backend unmapped it, so a failure never leaves the two disagreeing.
 */
#include "qemu/osdep.h"

#include "vfio-dma-map.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "hw/vfio/trace.h"

typedef unsigned __int128 u128;

/* A mapping to make, with the section name for messages (may be NULL). */
typedef struct VFIODMAPending {
    VFIODMAMapping m;
    const char *name;
} VFIODMAPending;

static gint vfio_dma_key_cmp(gconstpointer a, gconstpointer b,
                             gpointer unused)
{
    hwaddr x = *(const hwaddr *)a, y = *(const hwaddr *)b;

    return x < y ? -1 : x > y;
}

/* Every container with engine state, for forgetting across all of them. */
static GPtrArray *vfio_dma_containers;

void vfio_dma_init(VFIOContainer *container)
{
    if (!vfio_dma_containers) {
        vfio_dma_containers = g_ptr_array_new();
    }
    g_ptr_array_add(vfio_dma_containers, container);
    container->iova_ranges = g_array_new(false, false, sizeof(VFIOIovaRange));
    /* Keys point into the values, so only values are freed. */
    container->mappings = g_tree_new_full(vfio_dma_key_cmp, NULL, NULL,
                                          g_free);
    container->unmappable = g_hash_table_new(NULL, NULL);
}

void vfio_dma_finalize(VFIOContainer *container)
{
    g_ptr_array_remove(vfio_dma_containers, container);
    g_array_free(container->iova_ranges, true);
    g_tree_destroy(container->mappings);
    g_hash_table_destroy(container->unmappable);
    if (container->map_error) {
        error_free(container->map_error);
    }
}

/* ---- What the engine decides with -------------------------------------- */

/* The smallest page in container->pgsizes (4 KiB if none was reported). */
static uint64_t vfio_dma_page_size(const VFIOContainer *container)
{
    uint64_t host = getpagesize();
    uint64_t iommu = container->pgsizes ?
                     1ULL << __builtin_ctzll(container->pgsizes) : 4096;

    return MAX(host, iommu);
}

static gint vfio_iova_range_cmp(gconstpointer a, gconstpointer b)
{
    const VFIOIovaRange *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

void vfio_dma_set_iova_ranges(VFIOContainer *container,
                              const VFIOIovaRange *ranges, guint n)
{
    g_array_set_size(container->iova_ranges, 0);
    for (guint i = 0; i < n; i++) {
        if (ranges[i].start <= ranges[i].last) {
            g_array_append_val(container->iova_ranges, ranges[i]);
        }
    }
    g_array_sort(container->iova_ranges, vfio_iova_range_cmp);
}

void vfio_dma_set_limits(VFIOContainer *container,
                         const VFIOIommuLimits *limits)
{
    container->pgsizes = limits->pgsizes;
    vfio_dma_set_iova_ranges(container,
                             (VFIOIovaRange *)limits->iova_ranges->data,
                             limits->iova_ranges->len);
    if (limits->has_dma_avail) {
        /* avail counts what is left; add what we already hold. */
        container->dma_max_mappings = limits->dma_avail +
                                      g_tree_nnodes(container->mappings);
    }
}

bool vfio_dma_iova_usable(const VFIOContainer *container, hwaddr iova,
                          uint64_t size)
{
    GArray *r = container->iova_ranges;
    hwaddr last = iova + size - 1;
    guint lo = 0, hi = r->len;

    if (!size || last < iova) {
        return false;
    }
    if (!r->len) {
        return true;
    }
    /* The last range starting at or below iova. */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (g_array_index(r, VFIOIovaRange, mid).start <= iova) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo > 0 && last <= g_array_index(r, VFIOIovaRange, lo - 1).last;
}

/* Owners with x-p2p=off: their ram_device regions are never mapped. */
static GHashTable *vfio_p2p_excluded;
/* Owners already warned about, across all containers. */
static GHashTable *vfio_p2p_warned;

void vfio_p2p_set_excluded(Object *owner, bool excluded)
{
    if (!vfio_p2p_excluded) {
        vfio_p2p_excluded = g_hash_table_new(NULL, NULL);
    }
    if (excluded) {
        g_hash_table_add(vfio_p2p_excluded, owner);
    } else {
        g_hash_table_remove(vfio_p2p_excluded, owner);
    }
}

bool vfio_p2p_is_excluded(Object *owner)
{
    return vfio_p2p_excluded && g_hash_table_contains(vfio_p2p_excluded,
                                                      owner);
}

/*
 * True the first time it is asked about @owner: a failed BAR mapping is
 * reported once per device, however many containers and BAR moves try it.
 */
static bool vfio_p2p_warn_once(Object *owner)
{
    if (!vfio_p2p_warned) {
        vfio_p2p_warned = g_hash_table_new(NULL, NULL);
    }
    return g_hash_table_add(vfio_p2p_warned, owner);
}

static gboolean vfio_dma_owned_by(gpointer region, gpointer owner,
                                  gpointer wanted)
{
    return owner == wanted;
}

void vfio_dma_forget_unmappable(const void *region, Object *owner)
{
    for (guint i = 0; vfio_dma_containers && i < vfio_dma_containers->len;
         i++) {
        VFIOContainer *c = g_ptr_array_index(vfio_dma_containers, i);

        if (region) {
            g_hash_table_remove(c->unmappable, region);
        } else {
            g_hash_table_foreach_remove(c->unmappable, vfio_dma_owned_by,
                                        owner);
        }
    }
}

void vfio_p2p_forget(Object *owner)
{
    vfio_p2p_set_excluded(owner, false);
    if (vfio_p2p_warned) {
        g_hash_table_remove(vfio_p2p_warned, owner);
    }
    vfio_dma_forget_unmappable(NULL, owner);
}

/* ---- ram_device regions mapped from a file (BARs as dma-bufs) --------- */

typedef struct VFIODMAFile {
    int fd;
    const void *base;           /* host address of the file's byte 0 */
} VFIODMAFile;

/* region -> VFIODMAFile */
static GHashTable *vfio_dma_files;

void vfio_dma_set_file(const void *region, int fd, const void *base)
{
    VFIODMAFile *f = g_new(VFIODMAFile, 1);

    if (!vfio_dma_files) {
        vfio_dma_files = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    *f = (VFIODMAFile) { .fd = fd, .base = base };
    g_hash_table_replace(vfio_dma_files, (void *)region, f);
}

void vfio_dma_forget_file(const void *region)
{
    if (vfio_dma_files) {
        g_hash_table_remove(vfio_dma_files, region);
    }
}

static const VFIODMAFile *vfio_dma_file_of(const VFIODMAMapping *m)
{
    return m->ram_device && m->region && vfio_dma_files ?
           g_hash_table_lookup(vfio_dma_files, m->region) : NULL;
}

typedef struct VFIODMAOwnerSearch {
    Object *owner;
    bool found;
} VFIODMAOwnerSearch;

static gboolean vfio_dma_find_owner(gpointer key, gpointer value,
                                    gpointer opaque)
{
    const VFIODMAMapping *m = value;
    VFIODMAOwnerSearch *search = opaque;

    search->found = m->ram_device && m->owner == search->owner;
    return search->found;
}

bool vfio_dma_owner_mapped(Object *owner)
{
    VFIODMAOwnerSearch search = { .owner = owner };

    for (guint i = 0; vfio_dma_containers && i < vfio_dma_containers->len &&
         !search.found; i++) {
        VFIOContainer *c = g_ptr_array_index(vfio_dma_containers, i);

        g_tree_foreach(c->mappings, vfio_dma_find_owner, &search);
    }
    return search.found;
}

/* ---- The mapping tree ------------------------------------------------- */

/* The node of the last mapping starting at or below iova, or NULL. */
static GTreeNode *vfio_dma_floor(GTree *tree, hwaddr iova)
{
    GTreeNode *above = g_tree_upper_bound(tree, &iova);

    return above ? g_tree_node_previous(above) : g_tree_node_last(tree);
}

static hwaddr vfio_dma_last(const VFIODMAMapping *m)
{
    return m->iova + m->size - 1;
}

const VFIODMAMapping *vfio_dma_lookup(VFIOContainer *container, hwaddr iova)
{
    GTreeNode *node = vfio_dma_floor(container->mappings, iova);
    const VFIODMAMapping *m = node ? g_tree_node_value(node) : NULL;

    return m && iova <= vfio_dma_last(m) ? m : NULL;
}

/*
 * The whole IOMMU pages inside a section, as a pending mapping.  False if
 * there are none, or if the host address cannot be page aligned together
 * with the IOVA (a section at an odd host offset cannot be mapped).
 */
static bool vfio_dma_trim(const VFIOSection *s, uint64_t pg,
                          VFIODMAPending *out)
{
    u128 end = (u128)s->iova + s->size;
    u128 start = ((u128)s->iova + pg - 1) & ~(u128)(pg - 1);
    hwaddr delta;

    end &= ~(u128)(pg - 1);
    if (!s->size || start >= end) {
        return false;
    }
    delta = (hwaddr)start - s->iova;
    if (((uintptr_t)s->vaddr + delta) & (pg - 1)) {
        warn_report("vfio: cannot DMA-map '%s' at IOVA 0x%" HWADDR_PRIx
                    ": host address %p is not aligned like the IOVA",
                    s->name ? s->name : "?", s->iova, s->vaddr);
        return false;
    }
    *out = (VFIODMAPending) {
        .m = {
            .iova = (hwaddr)start,
            .size = (uint64_t)(end - start),
            .vaddr = (char *)s->vaddr + delta,
            .readonly = s->readonly,
            .ram_device = s->ram_device,
            .owner = s->owner,
            .region = s->ram_device ? s->region : NULL,
            .has_file = s->has_file && !s->ram_device,
            .fd = s->fd,
            .fd_offset = s->fd_offset + delta,
        },
        .name = s->name,
    };
    return true;
}

/* The pages a section touches at all (rounded outward). */
static VFIOIovaRange vfio_dma_cut_of(const VFIOSection *s, uint64_t pg)
{
    u128 last = (u128)s->iova + s->size - 1;

    last |= pg - 1;
    return (VFIOIovaRange) {
        .start = s->iova & ~(pg - 1),
        .last = last > UINT64_MAX ? UINT64_MAX : (hwaddr)last,
    };
}

static gint vfio_dma_pending_cmp(gconstpointer a, gconstpointer b)
{
    const VFIODMAPending *x = a, *y = b;

    return x->m.iova < y->m.iova ? -1 : x->m.iova > y->m.iova;
}

/*
 * True if b can extend a: contiguous in IOVA and host address, same kind;
 * when RAM is mapped by file (@by_file), contiguous in the same file too.
 */
static bool vfio_dma_can_merge(const VFIODMAMapping *a,
                               const VFIODMAMapping *b, bool by_file)
{
    return a->iova + a->size == b->iova &&
           (char *)a->vaddr + a->size == (char *)b->vaddr &&
           a->readonly == b->readonly && a->ram_device == b->ram_device &&
           (!a->ram_device ||
            (a->owner == b->owner && a->region == b->region)) &&
           (!by_file || (a->has_file == b->has_file &&
                         (!a->has_file ||
                          (a->fd == b->fd &&
                           a->fd_offset + a->size == b->fd_offset))));
}

static char *vfio_dma_owner_name(Object *owner)
{
    char *name = owner ? object_get_canonical_path_component(owner) : NULL;

    if (!name && owner) {
        name = g_strdup(object_get_typename(owner));
    }
    return name ? name : g_strdup("unknown device");
}

/*
 * A failed mapping: fatal for RAM (recorded), a warning for BARs.  A BAR
 * the host refused for good is remembered, so that moving it costs no
 * further ioctl.
 */
static void vfio_dma_map_failed(VFIOContainer *container,
                                const VFIODMAPending *p, bool for_good,
                                Error *err)
{
    if (p->m.ram_device) {
        trace_vfio_dma_map_failed(p->m.iova, p->m.size, true);
        if (for_good && p->m.region) {
            g_hash_table_insert(container->unmappable, (void *)p->m.region,
                                p->m.owner);
        }
        if (vfio_p2p_warn_once(p->m.owner)) {
            g_autofree char *owner = vfio_dma_owner_name(p->m.owner);

            warn_report("vfio: cannot DMA-map BAR '%s' of %s (%s): "
                        "peer-to-peer DMA to this device's BARs is "
                        "unavailable", p->name ? p->name : "?", owner,
                        error_get_pretty(err));
        }
        error_free(err);
        return;
    }
    trace_vfio_dma_map_failed(p->m.iova, p->m.size, false);
    /* The collector prefixes the device ("vfio DEV: ") or "vfio: ". */
    error_prepend(&err, "cannot DMA-map '%s' at IOVA 0x%" HWADDR_PRIx
                  " size 0x%" PRIx64 ": ", p->name ? p->name : "RAM",
                  p->m.iova, p->m.size);
    if (!container->map_error) {
        container->map_error = err;
    } else {
        error_prepend(&err, "vfio: ");
        error_report_err(err);
    }
}

static void vfio_dma_insert(VFIOContainer *container, const VFIODMAMapping *m)
{
    VFIODMAMapping *entry = g_memdup2(m, sizeof(*m));

    g_tree_replace(container->mappings, &entry->iova, entry);
}

/*
 * True if donor's mappings cover m without a hole, mapping every page to
 * the same host address with the same access: then m can be copied from
 * the donor (one copy may span several donor mappings).
 */
static bool vfio_dma_donor_covers(VFIOContainer *donor,
                                  const VFIODMAMapping *m)
{
    hwaddr pos = m->iova, last = vfio_dma_last(m);
    GTreeNode *node = vfio_dma_floor(donor->mappings, pos);

    for (; node; node = g_tree_node_next(node)) {
        const VFIODMAMapping *d = g_tree_node_value(node);

        if (d->iova > pos || vfio_dma_last(d) < pos ||
            (char *)d->vaddr + (pos - d->iova) !=
            (char *)m->vaddr + (pos - m->iova) ||
            d->readonly != m->readonly) {
            return false;
        }
        if (vfio_dma_last(d) >= last) {
            return true;
        }
        pos = vfio_dma_last(d) + 1;
    }
    return false;
}

/* A BAR piece as a dma-buf: the kernel cannot pin its mmap. */
static int vfio_dma_map_by_dmabuf(VFIOContainer *container,
                                  const VFIODMAMapping *m,
                                  const VFIODMAFile *file, Error **errp)
{
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(container);
    uint64_t start = (const char *)m->vaddr - (const char *)file->base;

    trace_vfio_dma_map_file(m->iova, m->size, start, m->readonly);
    BQL_ASSERT_HELD();
    return k->dma_map_file(container, m->iova, m->size, file->fd, start,
                           m->readonly, errp);
}

/* RAM shared from a file, in a container whose kernel maps files. */
static bool vfio_dma_ram_by_file(VFIOContainer *container,
                                 const VFIODMAMapping *m)
{
    return container->ram_by_file && m->has_file &&
           VFIO_CONTAINER_GET_CLASS(container)->dma_map_file;
}

/* Maps p (by copy from donor when it holds the same pages). */
static void vfio_dma_map_one(VFIOContainer *container,
                             const VFIODMAPending *p, VFIOContainer *donor)
{
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(container);
    const VFIODMAFile *file;
    Error *err = NULL;
    int ret = -EOPNOTSUPP;

    if (p->m.region &&
        g_hash_table_contains(container->unmappable, p->m.region)) {
        trace_vfio_dma_map_skipped(p->m.iova, p->m.size);
        return;
    }
    if (!vfio_dma_iova_usable(container, p->m.iova, p->m.size)) {
        error_setg(&err, "the range is outside the host IOMMU's usable "
                   "IOVA ranges");
        vfio_dma_map_failed(container, p, false, err);
        return;
    }
    if (container->dma_max_mappings &&
        g_tree_nnodes(container->mappings) >= container->dma_max_mappings) {
        error_setg(&err, "the host allows no more than %u DMA mapping%s",
                   container->dma_max_mappings,
                   container->dma_max_mappings == 1 ? "" : "s");
        vfio_dma_map_failed(container, p, false, err);
        return;
    }
    if (donor && k->dma_copy && vfio_dma_donor_covers(donor, &p->m)) {
        BQL_ASSERT_HELD();
        ret = k->dma_copy(donor, container, p->m.iova, p->m.size,
                          p->m.readonly, NULL);
        if (ret == 0) {
            trace_vfio_dma_copy(p->m.iova, p->m.size);
        }
    }
    file = k->dma_map_file ? vfio_dma_file_of(&p->m) : NULL;
    if (ret < 0 && file) {
        ret = vfio_dma_map_by_dmabuf(container, &p->m, file, &err);
        if (ret == -ENODEV) {
            /*
             * Revoked: the host's decoding is off (the guest's view may
             * say otherwise after a reset of the device alone).  Not a
             * loss to warn about; the piece is mapped when it comes back.
             */
            trace_vfio_dma_file_revoked(p->m.iova, p->m.size,
                                        error_get_pretty(err));
            error_free(err);
            return;
        }
    } else if (ret < 0 && vfio_dma_ram_by_file(container, &p->m)) {
        trace_vfio_dma_map_ram_file(p->m.iova, p->m.size, p->m.fd,
                                    p->m.fd_offset, p->m.readonly);
        BQL_ASSERT_HELD();
        ret = k->dma_map_file(container, p->m.iova, p->m.size, p->m.fd,
                              p->m.fd_offset, p->m.readonly, &err);
        if (ret == -EINVAL || ret == -EOPNOTSUPP) {
            /* not a file the kernel pins (a regular file on disk) */
            trace_vfio_dma_map_ram_file_refused(p->m.iova,
                                                error_get_pretty(err));
            error_free(err);
            err = NULL;
            ret = -EOPNOTSUPP;
        }
    }
    if (ret < 0 && !file && !err) {
        trace_vfio_dma_map(p->m.iova, p->m.size, p->m.vaddr, p->m.readonly,
                           p->m.ram_device);
        BQL_ASSERT_HELD();
        ret = k->dma_map(container, p->m.iova, p->m.size, p->m.vaddr,
                         p->m.readonly, &err);
    }
    if (ret < 0) {
        /* EFAULT: the host cannot pin this memory, however often asked. */
        vfio_dma_map_failed(container, p,
                            ret == -EFAULT && k->ram_device_efault_final,
                            err);
        return;
    }
    vfio_dma_insert(container, &p->m);
}

/* Sorts, coalesces and maps the pending array. */
static void vfio_dma_map_pending(VFIOContainer *container, GArray *pending,
                                 VFIOContainer *donor)
{
    guint i = 0;

    g_array_sort(pending, vfio_dma_pending_cmp);
    while (i < pending->len) {
        VFIODMAPending cur = g_array_index(pending, VFIODMAPending, i++);

        while (i < pending->len) {
            VFIODMAPending *next = &g_array_index(pending, VFIODMAPending, i);

            if (!vfio_dma_can_merge(&cur.m, &next->m,
                                    container->ram_by_file)) {
                break;
            }
            cur.m.size += next->m.size;
            i++;
        }
        vfio_dma_map_one(container, &cur, donor);
    }
}

/* Merges sorted cuts in place so that they are disjoint and not adjacent. */
static void vfio_dma_merge_cuts(GArray *cuts)
{
    guint out = 0;

    g_array_sort(cuts, vfio_iova_range_cmp);
    for (guint i = 0; i < cuts->len; i++) {
        VFIOIovaRange *c = &g_array_index(cuts, VFIOIovaRange, i);
        VFIOIovaRange *prev = out ? &g_array_index(cuts, VFIOIovaRange, out - 1)
                               : NULL;

        bool touches = prev && (c->start <= prev->last ||
                                (prev->last != UINT64_MAX &&
                                 c->start == prev->last + 1));

        if (touches) {
            prev->last = MAX(prev->last, c->last);
        } else {
            g_array_index(cuts, VFIOIovaRange, out++) = *c;
        }
    }
    g_array_set_size(cuts, out);
}

/* Index of the first cut ending at or after iova (binary search). */
static guint vfio_dma_first_cut(GArray *cuts, hwaddr iova)
{
    guint lo = 0, hi = cuts->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (g_array_index(cuts, VFIOIovaRange, mid).last < iova) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Appends the parts of src that no cut covers to pending. */
static void vfio_dma_remainders(const VFIODMAPending *src, GArray *cuts,
                                GArray *pending)
{
    const VFIODMAMapping *m = &src->m;
    hwaddr pos = m->iova, last = vfio_dma_last(m);
    bool done = false;

    for (guint i = vfio_dma_first_cut(cuts, m->iova);
         i < cuts->len && !done; i++) {
        const VFIOIovaRange *c = &g_array_index(cuts, VFIOIovaRange, i);

        if (c->start > last) {
            break;
        }
        if (c->start > pos) {
            VFIODMAPending p = *src;

            p.m.iova = pos;
            p.m.size = c->start - pos;
            p.m.vaddr = (char *)m->vaddr + (pos - m->iova);
            p.m.fd_offset = m->fd_offset + (pos - m->iova);
            g_array_append_val(pending, p);
        }
        if (c->last >= last) {
            done = true;
        } else {
            pos = MAX(pos, c->last + 1);
        }
    }
    if (!done) {
        VFIODMAPending p = *src;

        p.m.iova = pos;
        p.m.size = last - pos + 1;
        p.m.vaddr = (char *)m->vaddr + (pos - m->iova);
        p.m.fd_offset = m->fd_offset + (pos - m->iova);
        g_array_append_val(pending, p);
    }
}

/* Index of the first chunk ending at or after iova (sorted, disjoint). */
static guint vfio_dma_first_chunk(GArray *chunks, hwaddr iova)
{
    guint lo = 0, hi = chunks->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (vfio_dma_last(&g_array_index(chunks, VFIODMAPending, mid).m) <
            iova) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * True if the added chunks map every page of [start, last] exactly as m
 * does (same host address, same kind): that part of m did not change.
 */
static bool vfio_dma_covered_alike(const VFIODMAMapping *m, hwaddr start,
                                   hwaddr last, GArray *chunks)
{
    hwaddr pos = start;

    for (guint i = vfio_dma_first_chunk(chunks, start); i < chunks->len; i++) {
        const VFIODMAMapping *c = &g_array_index(chunks, VFIODMAPending, i).m;

        if (c->iova > pos ||
            (char *)c->vaddr + (pos - c->iova) !=
            (char *)m->vaddr + (pos - m->iova) ||
            c->readonly != m->readonly || c->ram_device != m->ram_device ||
            (m->ram_device && c->owner != m->owner)) {
            return false;
        }
        if (vfio_dma_last(c) >= last) {
            return true;
        }
        pos = vfio_dma_last(c) + 1;
    }
    return false;
}

/* True if no page of m changed: every cut part of it was re-added alike. */
static bool vfio_dma_unchanged(const VFIODMAMapping *m, GArray *cuts,
                               GArray *chunks)
{
    hwaddr last = vfio_dma_last(m);

    for (guint i = vfio_dma_first_cut(cuts, m->iova); i < cuts->len; i++) {
        const VFIOIovaRange *c = &g_array_index(cuts, VFIOIovaRange, i);

        if (c->start > last) {
            break;
        }
        if (!vfio_dma_covered_alike(m, MAX(c->start, m->iova),
                                    MIN(c->last, last), chunks)) {
            return false;
        }
    }
    return true;
}

/* Unmaps one mapping and forgets it; false (with a report) on failure. */
static bool vfio_dma_unmap_one(VFIOContainer *container, VFIODMAMapping *m)
{
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(container);
    Error *err = NULL;

    trace_vfio_dma_unmap(m->iova, m->size);
    BQL_ASSERT_HELD();
    if (k->dma_unmap(container, m->iova, m->size, &err) < 0) {
        error_prepend(&err, "vfio: cannot unmap IOVA 0x%" HWADDR_PRIx
                      " size 0x%" PRIx64 ": ", m->iova, m->size);
        error_report_err(err);
        return false;
    }
    g_tree_remove(container->mappings, &m->iova);
    return true;
}

void vfio_dma_commit(VFIOContainer *container,
                     const VFIOSection *removed, guint n_removed,
                     const VFIOSection *added, guint n_added)
{
    uint64_t pg = vfio_dma_page_size(container);
    g_autoptr(GArray) cuts = g_array_new(false, false, sizeof(VFIOIovaRange));
    g_autoptr(GArray) pending = g_array_new(false, false,
                                            sizeof(VFIODMAPending));
    g_autoptr(GArray) chunks = g_array_new(false, false,
                                           sizeof(VFIODMAPending));
    g_autoptr(GArray) survivors = g_array_new(false, false,
                                              sizeof(VFIOIovaRange));
    g_autoptr(GPtrArray) affected = g_ptr_array_new();

    for (guint i = 0; i < n_removed; i++) {
        if (removed[i].size) {
            VFIOIovaRange c = vfio_dma_cut_of(&removed[i], pg);
            g_array_append_val(cuts, c);
        }
    }
    /* An addition over a stale mapping must displace it, too. */
    for (guint i = 0; i < n_added; i++) {
        if (added[i].size) {
            VFIOIovaRange c = vfio_dma_cut_of(&added[i], pg);
            g_array_append_val(cuts, c);
        }
    }
    vfio_dma_merge_cuts(cuts);

    /* Cuts are sorted and disjoint, so each mapping is met in order. */
    for (guint i = 0; i < cuts->len; i++) {
        const VFIOIovaRange *c = &g_array_index(cuts, VFIOIovaRange, i);
        GTreeNode *node = vfio_dma_floor(container->mappings, c->start);

        if (!node) {
            node = g_tree_node_first(container->mappings);
        }
        for (; node; node = g_tree_node_next(node)) {
            VFIODMAMapping *m = g_tree_node_value(node);

            if (m->iova > c->last) {
                break;
            }
            if (vfio_dma_last(m) < c->start) {
                continue;
            }
            if (!affected->len ||
                g_ptr_array_index(affected, affected->len - 1) != m) {
                g_ptr_array_add(affected, m);
            }
        }
    }

    for (guint i = 0; i < n_added; i++) {
        VFIODMAPending p;

        if (vfio_dma_trim(&added[i], pg, &p)) {
            g_array_append_val(chunks, p);
        }
    }
    g_array_sort(chunks, vfio_dma_pending_cmp);

    /*
     * A mapping whose every page is still wanted as it is stays (e.g. a
     * section deleted and re-added with other bounds but the same pages);
     * any other affected mapping goes, and what is left of it returns.
     */
    for (guint i = 0; i < affected->len; i++) {
        VFIODMAMapping *m = g_ptr_array_index(affected, i);
        VFIODMAPending copy = { .m = *m };

        if (vfio_dma_unchanged(m, cuts, chunks)) {
            VFIOIovaRange keep = { m->iova, vfio_dma_last(m) };
            g_array_append_val(survivors, keep);
        } else if (vfio_dma_unmap_one(container, m)) {
            vfio_dma_remainders(&copy, cuts, pending);
        } else {
            /* Still in the kernel: do not map over it. */
            VFIOIovaRange keep = { copy.m.iova, vfio_dma_last(&copy.m) };
            g_array_append_val(survivors, keep);
        }
    }
    trace_vfio_dma_commit(n_removed, n_added, affected->len, survivors->len);
    /* Survivors are disjoint mappings met in IOVA order: already sorted. */
    for (guint i = 0; i < chunks->len; i++) {
        vfio_dma_remainders(&g_array_index(chunks, VFIODMAPending, i),
                            survivors, pending);
    }
    vfio_dma_map_pending(container, pending, NULL);
}

static gboolean vfio_dma_collect_section(gpointer key, gpointer value,
                                         gpointer opaque)
{
    void **ctx = opaque;
    VFIODMAPending p;

    if (vfio_dma_trim(value, *(uint64_t *)ctx[1], &p)) {
        g_array_append_val((GArray *)ctx[0], p);
    }
    return false;
}

void vfio_dma_replay(VFIOContainer *container, GTree *sections,
                     VFIOContainer *donor)
{
    uint64_t pg = vfio_dma_page_size(container);
    g_autoptr(GArray) pending = g_array_new(false, false,
                                            sizeof(VFIODMAPending));
    void *ctx[2] = { pending, &pg };

    g_tree_foreach(sections, vfio_dma_collect_section, ctx);
    vfio_dma_map_pending(container, pending, donor);
}

void vfio_dma_unmap_all(VFIOContainer *container)
{
    GTreeNode *node;

    /* Removal may rebalance the tree: restart from the first node. */
    while ((node = g_tree_node_first(container->mappings))) {
        VFIODMAMapping *m = g_tree_node_value(node);

        if (!vfio_dma_unmap_one(container, m)) {
            /* Forget it anyway: the container is going away. */
            g_tree_remove(container->mappings, &m->iova);
        }
    }
}

/* ---- Revoked dma-bufs ------------------------------------------------- */

static gboolean vfio_dma_collect_files(gpointer key, gpointer value,
                                       gpointer opaque)
{
    VFIODMAMapping *m = value;
    void **ctx = opaque;

    if (m->ram_device && m->owner == ctx[1] && vfio_dma_file_of(m)) {
        g_array_append_val((GArray *)ctx[0], *m);
    }
    return false;
}

void vfio_dma_remap_files(Object *owner)
{
    for (guint i = 0; vfio_dma_containers && i < vfio_dma_containers->len;
         i++) {
        VFIOContainer *c = g_ptr_array_index(vfio_dma_containers, i);
        g_autoptr(GArray) stale = g_array_new(false, false,
                                              sizeof(VFIODMAMapping));
        void *ctx[2] = { stale, owner };

        if (!VFIO_CONTAINER_GET_CLASS(c)->dma_map_file) {
            continue;
        }
        /* collected first: unmapping changes the tree */
        g_tree_foreach(c->mappings, vfio_dma_collect_files, ctx);
        for (guint j = 0; j < stale->len; j++) {
            VFIODMAMapping m = g_array_index(stale, VFIODMAMapping, j);
            VFIODMAMapping *entry = g_tree_lookup(c->mappings, &m.iova);
            const VFIODMAFile *file = vfio_dma_file_of(&m);
            Error *err = NULL;

            if (!entry || !vfio_dma_unmap_one(c, entry)) {
                continue;
            }
            if (vfio_dma_map_by_dmabuf(c, &m, file, &err) < 0) {
                /* still revoked (decoding off): back when it is mapped */
                trace_vfio_dma_file_revoked(m.iova, m.size,
                                            error_get_pretty(err));
                error_free(err);
                continue;
            }
            vfio_dma_insert(c, &m);
        }
    }
}
