/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address spaces and memory listeners
 *
 * Each address space keeps its current FlatView.  At the outermost commit
 * of a transaction that changed something, every address space is
 * re-rendered and the old and new views, both sorted by address, are
 * merged in one linear pass: ranges only in the old view are deleted,
 * ranges only in the new view are added, the rest are "nops".  Listeners
 * therefore hear about exactly what changed, whatever the view's size.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "memory-internal.h"

/* All address spaces, in creation order. */
static GPtrArray *address_spaces;
/* All listeners, ascending (priority, registration order). */
static GPtrArray *all_listeners;
static uint64_t listener_sequence;
static unsigned int global_dirty_tracking;

unsigned int memory_global_dirty_tracking(void)
{
    return global_dirty_tracking;
}

unsigned int memory_global_dirty_log_flags(void)
{
    return global_dirty_tracking;
}

/* ------------------------------------------------------------------ */
/* Callback helpers                                                   */

#define FOR_EACH_FORWARD(arr, n, l) \
    for (unsigned _i = 0; _i < (n) && ((l) = (arr)[_i], true); _i++)
#define FOR_EACH_REVERSE(arr, n, l) \
    for (unsigned _i = (n); _i-- > 0 && ((l) = (arr)[_i], true);)

static MemoryListener **global_array(unsigned *n)
{
    *n = all_listeners ? all_listeners->len : 0;
    return all_listeners ? (MemoryListener **)all_listeners->pdata : NULL;
}

static void listeners_begin(void)
{
    unsigned n;
    MemoryListener **arr = global_array(&n), *l;

    FOR_EACH_FORWARD(arr, n, l) {
        if (l->begin) {
            l->begin(l);
        }
    }
}

static void listeners_commit(void)
{
    unsigned n;
    MemoryListener **arr = global_array(&n), *l;

    FOR_EACH_FORWARD(arr, n, l) {
        if (l->commit) {
            l->commit(l);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Topology updates                                                   */

static void section_log_change(AddressSpace *as, MemoryRegionSection *s,
                               uint8_t old_mask, uint8_t new_mask)
{
    MemoryListener *l;

    if (new_mask & ~old_mask) {
        FOR_EACH_FORWARD(as->listeners, as->nr_listeners, l) {
            if (l->log_start) {
                l->log_start(l, s, old_mask, new_mask);
            }
        }
    }
    if (old_mask & ~new_mask) {
        FOR_EACH_REVERSE(as->listeners, as->nr_listeners, l) {
            if (l->log_stop) {
                l->log_stop(l, s, old_mask, new_mask);
            }
        }
    }
}

/*
 * One pass of the merge: the deleting pass (adding == false) reports
 * ranges that vanished, the adding pass those that appeared or stayed.
 */
static void update_topology_pass(AddressSpace *as, FlatView *old_view,
                                 FlatView *new_view, bool adding)
{
    unsigned iold = 0, inew = 0;
    MemoryListener *l;

    while (iold < old_view->nr || inew < new_view->nr) {
        FlatRange *frold = iold < old_view->nr ? &old_view->ranges[iold] : NULL;
        FlatRange *frnew = inew < new_view->nr ? &new_view->ranges[inew] : NULL;

        if (frold && (!frnew
                      || int128_lt(frold->addr.start, frnew->addr.start)
                      || (int128_eq(frold->addr.start, frnew->addr.start)
                          && !flatrange_equal(frold, frnew)))) {
            if (!adding) {
                MemoryRegionSection s = flatview_range_section(old_view, frold);

                FOR_EACH_REVERSE(as->listeners, as->nr_listeners, l) {
                    if (l->region_del) {
                        l->region_del(l, &s);
                    }
                }
            }
            iold++;
        } else if (frold && frnew && flatrange_equal(frold, frnew)) {
            if (adding) {
                MemoryRegionSection s = flatview_range_section(new_view, frnew);

                FOR_EACH_FORWARD(as->listeners, as->nr_listeners, l) {
                    if (l->region_nop) {
                        l->region_nop(l, &s);
                    }
                }
                if (frold->dirty_log_mask != frnew->dirty_log_mask) {
                    section_log_change(as, &s, frold->dirty_log_mask,
                                       frnew->dirty_log_mask);
                }
            }
            iold++;
            inew++;
        } else {
            if (adding) {
                MemoryRegionSection s = flatview_range_section(new_view, frnew);

                FOR_EACH_FORWARD(as->listeners, as->nr_listeners, l) {
                    if (l->region_add) {
                        l->region_add(l, &s);
                    }
                }
            }
            inew++;
        }
    }
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old_view = as->current_map;
    FlatView *new_view = flatview_render(as->root);

    if (as->nr_listeners) {
        update_topology_pass(as, old_view, new_view, false);
        update_topology_pass(as, old_view, new_view, true);
    }
    as->current_map = new_view;
    flatview_unref(old_view);
}

void address_spaces_update_topology(void)
{
    listeners_begin();
    for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
        address_space_update(g_ptr_array_index(address_spaces, i));
    }
    listeners_commit();
}

/* ------------------------------------------------------------------ */
/* Address spaces                                                     */

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    /* Pending changes elsewhere must not leak into our first view. */
    memory_region_transaction_begin();
    as->current_map = flatview_render(root);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
    memory_region_transaction_commit();
}

void address_space_destroy(AddressSpace *as)
{
    if (!as->name) {
        return;
    }
    while (as->nr_listeners) {
        memory_listener_unregister(as->listeners[as->nr_listeners - 1]);
    }
    g_ptr_array_remove(address_spaces, as);
    flatview_unref(as->current_map);
    g_free(as->listeners);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

const char *address_space_name(AddressSpace *as)
{
    return as->name;
}

AddressSpace *address_space_find(const char *name)
{
    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);

        if (!strcmp(as->name, name)) {
            return as;
        }
    }
    return NULL;
}

void address_space_foreach(void (*fn)(AddressSpace *as, void *opaque),
                           void *opaque)
{
    for (guint i = 0; address_spaces && i < address_spaces->len; i++) {
        fn(g_ptr_array_index(address_spaces, i), opaque);
    }
}

FlatView *address_space_to_flatview(AddressSpace *as)
{
    memory_map_init_for(as);
    if (!as->current_map) {
        /* Never initialised: an empty view keeps accesses harmless. */
        as->current_map = flatview_render(NULL);
    }
    return as->current_map;
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *fv = address_space_to_flatview(as);

    flatview_ref(fv);
    return fv;
}

MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr,
                                       uint64_t size)
{
    MemoryRegionSection ret = { .mr = NULL };
    MemoryRegion *root = mr;
    AddressSpace *as = NULL;
    const FlatRange *fr;
    Int128 end;

    for (; root->container; root = root->container) {
        addr += root->addr;
    }
    for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
        AddressSpace *cand = g_ptr_array_index(address_spaces, i);

        if (cand->root == root) {
            as = cand;
            break;
        }
    }
    if (!as) {
        return ret;
    }
    fr = flatview_lookup(as->current_map, addr, NULL);
    if (!fr) {
        return ret;
    }
    ret = flatview_range_section(as->current_map, fr);
    end = int128_min(int128_add(int128_make64(addr), int128_make64(size)),
                     addrrange_end(fr->addr));
    ret.offset_within_region += addr - int128_getlo(fr->addr.start);
    ret.offset_within_address_space = addr;
    ret.size = int128_sub(end, int128_make64(addr));
    memory_region_ref(ret.mr);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Listeners                                                          */

static bool listener_before(const MemoryListener *a, const MemoryListener *b)
{
    return a->priority < b->priority ||
           (a->priority == b->priority && a->register_order < b->register_order);
}

static void as_listeners_insert(AddressSpace *as, MemoryListener *listener)
{
    unsigned i;

    if (as->nr_listeners == as->listeners_alloc) {
        as->listeners_alloc = MAX(4, as->listeners_alloc * 2);
        as->listeners = g_renew(MemoryListener *, as->listeners,
                                as->listeners_alloc);
    }
    for (i = as->nr_listeners; i > 0; i--) {
        if (listener_before(as->listeners[i - 1], listener)) {
            break;
        }
        as->listeners[i] = as->listeners[i - 1];
    }
    as->listeners[i] = listener;
    as->nr_listeners++;
}

static void as_listeners_remove(AddressSpace *as, MemoryListener *listener)
{
    for (unsigned i = 0; i < as->nr_listeners; i++) {
        if (as->listeners[i] == listener) {
            memmove(&as->listeners[i], &as->listeners[i + 1],
                    (as->nr_listeners - i - 1) * sizeof(as->listeners[0]));
            as->nr_listeners--;
            return;
        }
    }
}

static void global_listeners_insert(MemoryListener *listener)
{
    unsigned i;

    if (!all_listeners) {
        all_listeners = g_ptr_array_new();
    }
    for (i = all_listeners->len; i > 0; i--) {
        if (listener_before(g_ptr_array_index(all_listeners, i - 1),
                            listener)) {
            break;
        }
    }
    g_ptr_array_insert(all_listeners, i, listener);
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    FlatView *fv = address_space_to_flatview(as);

    BQL_ASSERT_HELD();
    assert(!listener->address_space);
    listener->address_space = as;
    listener->register_order = ++listener_sequence;
    global_listeners_insert(listener);
    as_listeners_insert(as, listener);

    if (global_dirty_tracking && listener->log_global_start) {
        Error *local_err = NULL;

        if (!listener->log_global_start(listener, &local_err)) {
            error_prepend(&local_err, "listener '%s': ",
                          listener->name ? listener->name : "anonymous");
            warn_report_err(local_err);
        }
    }
    if (listener->begin) {
        listener->begin(listener);
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        MemoryRegionSection s = flatview_range_section(fv, &fv->ranges[i]);

        if (listener->region_add) {
            listener->region_add(listener, &s);
        }
        if (fv->ranges[i].dirty_log_mask && listener->log_start) {
            listener->log_start(listener, &s, 0, fv->ranges[i].dirty_log_mask);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;
    FlatView *fv;

    BQL_ASSERT_HELD();
    if (!as) {
        return;
    }
    fv = as->current_map;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (unsigned i = fv ? fv->nr : 0; i-- > 0;) {
        MemoryRegionSection s = flatview_range_section(fv, &fv->ranges[i]);

        if (fv->ranges[i].dirty_log_mask && listener->log_stop) {
            listener->log_stop(listener, &s, fv->ranges[i].dirty_log_mask, 0);
        }
        if (listener->region_del) {
            listener->region_del(listener, &s);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    as_listeners_remove(as, listener);
    g_ptr_array_remove(all_listeners, listener);
    listener->address_space = NULL;
}

/* ------------------------------------------------------------------ */
/* Global dirty logging                                               */

bool memory_global_dirty_log_start(unsigned int flags, Error **errp)
{
    unsigned int old = global_dirty_tracking;
    unsigned n;
    MemoryListener **arr = global_array(&n), *l;

    flags &= ~old;
    if (!flags) {
        return true;
    }
    if (!old) {
        for (unsigned i = 0; i < n; i++) {
            l = arr[i];
            if (l->log_global_start && !l->log_global_start(l, errp)) {
                /* Undo the ones already started, newest first. */
                while (i-- > 0) {
                    if (arr[i]->log_global_stop) {
                        arr[i]->log_global_stop(arr[i]);
                    }
                }
                return false;
            }
        }
    }
    memory_region_transaction_begin();
    global_dirty_tracking |= flags;
    memory_region_mark_changed();
    memory_region_transaction_commit();
    return true;
}

void memory_global_dirty_log_stop(unsigned int flags)
{
    unsigned n;
    MemoryListener **arr = global_array(&n), *l;

    flags &= global_dirty_tracking;
    if (!flags) {
        return;
    }
    memory_region_transaction_begin();
    global_dirty_tracking &= ~flags;
    memory_region_mark_changed();
    memory_region_transaction_commit();
    if (!global_dirty_tracking) {
        FOR_EACH_REVERSE(arr, n, l) {
            if (l->log_global_stop) {
                l->log_global_stop(l);
            }
        }
    }
}

void memory_global_dirty_log_sync(void)
{
    for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);
        FlatView *fv = address_space_get_flatview(as);
        MemoryListener *l;

        FOR_EACH_FORWARD(as->listeners, as->nr_listeners, l) {
            if (!l->log_sync) {
                continue;
            }
            for (unsigned j = 0; j < fv->nr; j++) {
                if (fv->ranges[j].dirty_log_mask) {
                    MemoryRegionSection s =
                        flatview_range_section(fv, &fv->ranges[j]);
                    l->log_sync(l, &s);
                }
            }
        }
        flatview_unref(fv);
    }
}
