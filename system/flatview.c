/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FlatView: rendering a region tree into sorted, non-overlapping ranges
 *
 * Rendering is a recursive descent that visits the winners first: a
 * container offers its window to its children from the highest priority
 * down (newest first among equals), then, if it is a leaf itself, claims
 * whatever they left uncovered.  Each region can only fill gaps, so an
 * earlier (stronger) claim is never overwritten.  The claimed ranges live
 * in a balanced tree keyed by address, making each claim O(log n) plus the
 * number of ranges it runs into, instead of a scan of the whole view.
 */
#include "qemu/osdep.h"
#include "memory-internal.h"

typedef struct RenderState {
    GTree *claimed;         /* FlatRange* keyed by start, non-overlapping */
    unsigned count;
} RenderState;

static gint flatrange_cmp(gconstpointer a, gconstpointer b,
                          gpointer unused)
{
    const FlatRange *x = a, *y = b;

    if (int128_lt(x->addr.start, y->addr.start)) {
        return -1;
    }
    return int128_gt(x->addr.start, y->addr.start) ? 1 : 0;
}

static void claim(RenderState *rs, const FlatRange *tmpl, Int128 start,
                  Int128 end)
{
    FlatRange *fr = g_new(FlatRange, 1);

    *fr = *tmpl;
    fr->offset_in_region += int128_getlo(int128_sub(start, tmpl->addr.start));
    fr->addr.start = start;
    fr->addr.size = int128_sub(end, start);
    g_tree_insert(rs->claimed, fr, fr);
    rs->count++;
}

/*
 * Claims the parts of [tmpl->addr) nobody claimed yet.  The gaps are
 * collected before inserting so the tree is not modified while walked.
 */
static void claim_gaps(RenderState *rs, const FlatRange *tmpl)
{
    Int128 cur = tmpl->addr.start;
    Int128 end = addrrange_end(tmpl->addr);
    FlatRange key = { .addr = { .start = cur } };
    GTreeNode *node = g_tree_upper_bound(rs->claimed, &key);
    GTreeNode *prev = node ? g_tree_node_previous(node)
                           : g_tree_node_last(rs->claimed);
    g_autoptr(GArray) gaps = NULL;

    if (prev) {
        const FlatRange *p = g_tree_node_key(prev);
        cur = int128_max(cur, addrrange_end(p->addr));
    }
    for (; node && int128_lt(cur, end); node = g_tree_node_next(node)) {
        const FlatRange *n = g_tree_node_key(node);

        if (int128_ge(n->addr.start, end)) {
            break;
        }
        if (int128_lt(cur, n->addr.start)) {
            AddrRange gap = { cur, int128_sub(n->addr.start, cur) };

            if (!gaps) {
                gaps = g_array_new(FALSE, FALSE, sizeof(AddrRange));
            }
            g_array_append_val(gaps, gap);
        }
        cur = int128_max(cur, addrrange_end(n->addr));
    }
    if (gaps) {
        for (unsigned i = 0; i < gaps->len; i++) {
            AddrRange *g = &g_array_index(gaps, AddrRange, i);
            claim(rs, tmpl, g->start, addrrange_end(*g));
        }
    }
    if (int128_lt(cur, end)) {
        claim(rs, tmpl, cur, end);
    }
}

/*
 * @base is the absolute address of @mr's container; @clip_* the window
 * the container offers.  readonly/nonvolatile are inherited downwards.
 */
static void render_region(RenderState *rs, MemoryRegion *mr, Int128 base,
                          Int128 clip_start, Int128 clip_end,
                          bool readonly, bool nonvolatile)
{
    Int128 start, end;

    if (!mr->enabled) {
        return;
    }
    start = int128_add(base, int128_make64(mr->addr));
    end = int128_add(start, mr->size);
    clip_start = int128_max(clip_start, start);
    clip_end = int128_min(clip_end, end);
    if (int128_ge(clip_start, clip_end)) {
        return;
    }
    readonly |= mr->readonly;
    nonvolatile |= mr->nonvolatile;

    if (mr->alias) {
        /* Byte alias_offset of the target appears at our start. */
        Int128 target_base = int128_sub(
            int128_sub(start, int128_make64(mr->alias_offset)),
            int128_make64(mr->alias->addr));
        render_region(rs, mr->alias, target_base, clip_start, clip_end,
                      readonly, nonvolatile);
        return;
    }

    for (unsigned i = mr->nr_subregions; i-- > 0;) {
        render_region(rs, mr->subregions[i], start, clip_start, clip_end,
                      readonly, nonvolatile);
    }

    if (mr->terminates) {
        FlatRange tmpl = {
            .mr = mr,
            .offset_in_region = int128_getlo(int128_sub(clip_start, start)),
            .addr = { clip_start, int128_sub(clip_end, clip_start) },
            .dirty_log_mask = memory_region_get_dirty_log_mask(mr),
            .readonly = readonly,
            .nonvolatile = nonvolatile,
        };
        claim_gaps(rs, &tmpl);
    }
}

static bool flatrange_can_merge(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr
        && int128_eq(addrrange_end(a->addr), b->addr.start)
        && int128_eq(int128_add(int128_make64(a->offset_in_region),
                                a->addr.size),
                     int128_make64(b->offset_in_region))
        && a->dirty_log_mask == b->dirty_log_mask
        && a->readonly == b->readonly
        && a->nonvolatile == b->nonvolatile;
}

typedef struct CollectState {
    FlatView *fv;
} CollectState;

/* In-order walk: appends, merging with the previous range when possible. */
static gboolean collect_range(gpointer key, gpointer value, gpointer opaque)
{
    CollectState *cs = opaque;
    FlatRange *fr = value;
    FlatView *fv = cs->fv;

    if (fv->nr && flatrange_can_merge(&fv->ranges[fv->nr - 1], fr)) {
        FlatRange *last = &fv->ranges[fv->nr - 1];
        last->addr.size = int128_add(last->addr.size, fr->addr.size);
    } else {
        fv->ranges[fv->nr++] = *fr;
    }
    g_free(fr);
    return FALSE;
}

FlatView *flatview_render(MemoryRegion *root)
{
    FlatView *fv = g_new0(FlatView, 1);
    RenderState rs = {
        .claimed = g_tree_new_full(flatrange_cmp, NULL, NULL, NULL),
    };
    CollectState cs = { .fv = fv };

    fv->ref = 1;
    fv->root = root;
    if (root) {
        render_region(&rs, root, int128_zero(), int128_zero(),
                      int128_2_64(), false, false);
    }
    fv->ranges = g_new(FlatRange, MAX(rs.count, 1));
    g_tree_foreach(rs.claimed, collect_range, &cs);
    g_tree_destroy(rs.claimed);
    if (fv->nr < rs.count) {
        fv->ranges = g_renew(FlatRange, fv->ranges, MAX(fv->nr, 1));
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        memory_region_ref(fv->ranges[i].mr);
    }
    return fv;
}

void flatview_ref(FlatView *fv)
{
    fv->ref++;
}

void flatview_unref(FlatView *fv)
{
    if (!fv) {
        return;
    }
    assert(fv->ref > 0);
    if (--fv->ref) {
        return;
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        memory_region_unref(fv->ranges[i].mr);
    }
    g_free(fv->ranges);
    g_free(fv);
}

unsigned flatview_nr_sections(FlatView *fv)
{
    return fv->nr;
}

MemoryRegionSection flatview_range_section(FlatView *fv, const FlatRange *fr)
{
    return (MemoryRegionSection) {
        .mr = fr->mr,
        .fv = fv,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = int128_getlo(fr->addr.start),
        .size = fr->addr.size,
        .readonly = fr->readonly,
        .nonvolatile = fr->nonvolatile,
    };
}

MemoryRegionSection flatview_section(FlatView *fv, unsigned i)
{
    assert(i < fv->nr);
    return flatview_range_section(fv, &fv->ranges[i]);
}

void flatview_for_each_range(FlatView *fv, flatview_cb cb, void *opaque)
{
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];

        if (cb(fr->addr.start, fr->addr.size, fr->mr, fr->offset_in_region,
               opaque)) {
            break;
        }
    }
}

const FlatRange *flatview_lookup(FlatView *fv, hwaddr addr, Int128 *gap_end)
{
    Int128 a = int128_make64(addr);
    unsigned lo = 0, hi = fv->nr;

    /* First range that ends after @addr. */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (int128_le(addrrange_end(fv->ranges[mid].addr), a)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < fv->nr && int128_le(fv->ranges[lo].addr.start, a)) {
        return &fv->ranges[lo];
    }
    if (gap_end) {
        *gap_end = lo < fv->nr ? fv->ranges[lo].addr.start : int128_2_64();
    }
    return NULL;
}
