/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory regions: creation, hierarchy, properties, transactions
 *
 * Rendering lives in flatview.c, listeners and address spaces in
 * memory-listener.c, accesses in memory-dispatch.c, RAM in physmem.c.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "qom/object.h"
#include "memory-internal.h"

bool memory_region_update_pending;
static unsigned transaction_depth;
static uint64_t add_sequence;

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

/* Topology changes happen under the BQL (docs/devel/accel.rst). */
void memory_region_transaction_begin(void)
{
    BQL_ASSERT_HELD();
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    BQL_ASSERT_HELD();
    assert(transaction_depth > 0);
    if (--transaction_depth > 0 || !memory_region_update_pending) {
        return;
    }
    /* Listener callbacks may start nested transactions; they batch here. */
    transaction_depth++;
    while (memory_region_update_pending) {
        memory_region_update_pending = false;
        address_spaces_update_topology();
    }
    transaction_depth--;
}

unsigned memory_region_transaction_depth(void)
{
    return transaction_depth;
}

/* ------------------------------------------------------------------ */
/* Initialisation and teardown                                        */

static Int128 size_from_u64(uint64_t size)
{
    return size == UINT64_MAX ? int128_2_64() : int128_make64(size);
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->owner = owner;
    mr->name = g_strdup(name);
    mr->size = size_from_u64(size);
    mr->enabled = true;
    mr->initialized = true;
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    memory_region_init(mr, owner, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
    mr->terminates = true;
}

void memory_region_init_reservation(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size)
{
    memory_region_init_io(mr, owner, NULL, mr, name, size);
}

static bool init_ram_common(MemoryRegion *mr, RAMBlock *rb)
{
    if (!rb) {
        return false;
    }
    mr->ram = true;
    mr->terminates = true;
    mr->ram_block = rb;
    return true;
}

bool memory_region_init_ram_flags(MemoryRegion *mr, Object *owner,
                                  const char *name, uint64_t size,
                                  uint32_t ram_flags, Error **errp)
{
    g_assert(!(ram_flags & ~RAM_SHARED));
    memory_region_init(mr, owner, name, size);
    return init_ram_common(mr, (ram_flags & RAM_SHARED)
                           ? ram_block_new_memfd(mr, size, errp)
                           : ram_block_new_anon(mr, size, errp));
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner,
                            const char *name, uint64_t size, Error **errp)
{
    return memory_region_init_ram_flags(mr, owner, name, size, 0, errp);
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner,
                            const char *name, uint64_t size, Error **errp)
{
    if (!memory_region_init_ram(mr, owner, name, size, errp)) {
        return false;
    }
    mr->readonly = true;
    return true;
}

bool memory_region_init_ram_from_fd(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    ram_addr_t offset, Error **errp)
{
    memory_region_init(mr, owner, name, size);
    if (!init_ram_common(mr, ram_block_new_from_fd(mr, size, ram_flags, fd,
                                                   offset, errp))) {
        return false;
    }
    mr->readonly = !!(ram_flags & RAM_READONLY);
    return true;
}

void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner,
                                const char *name, uint64_t size, void *ptr)
{
    memory_region_init(mr, owner, name, size);
    init_ram_common(mr, ram_block_new_from_ptr(mr, size, ptr));
}

void memory_region_init_ram_device_ptr(MemoryRegion *mr, Object *owner,
                                       const char *name, uint64_t size,
                                       void *ptr)
{
    memory_region_init_ram_ptr(mr, owner, name, size, ptr);
    mr->ram_device = true;
    mr->ops = &ram_device_mem_ops;
    mr->opaque = mr;
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    assert(orig && orig != mr);
    memory_region_init(mr, owner, name, size);
    mr->alias = orig;
    mr->alias_offset = offset;
    orig->alias_count++;
}

void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *imrc,
                              Object *owner, const char *name, uint64_t size)
{
    MemoryRegion *mr = MEMORY_REGION(iommu_mr);

    assert(imrc && imrc->translate);
    memory_region_init(mr, owner, name, size);
    mr->terminates = true;
    mr->is_iommu = true;
    iommu_mr->imrc = imrc;
    iommu_mr->iommu_notify_flags = IOMMU_NOTIFIER_NONE;
    iommu_mr->iommu_notify = NULL;
}

void memory_region_finalize(MemoryRegion *mr)
{
    if (!mr->initialized) {
        return;
    }
    memory_region_transaction_begin();
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    while (mr->nr_subregions) {
        memory_region_del_subregion(mr,
                                    mr->subregions[mr->nr_subregions - 1]);
    }
    memory_region_transaction_commit();

    if (mr->alias) {
        mr->alias->alias_count--;
    }
    if (mr->ram_block) {
        ram_block_free(mr->ram_block);
    }
    g_free(mr->subregions);
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

void memory_region_ref(MemoryRegion *mr)
{
    if (mr && mr->owner) {
        object_ref(mr->owner);
    }
}

void memory_region_unref(MemoryRegion *mr)
{
    if (mr && mr->owner) {
        object_unref(mr->owner);
    }
}

/* ------------------------------------------------------------------ */
/* Accessors                                                          */

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name ? mr->name : "";
}

Object *memory_region_owner(MemoryRegion *mr)
{
    return mr->owner;
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    if (int128_eq(mr->size, int128_2_64())) {
        return UINT64_MAX;
    }
    return int128_get64(mr->size);
}

MemoryRegion *memory_region_resolve_alias(MemoryRegion *mr, hwaddr *offset)
{
    while (mr->alias) {
        if (offset) {
            *offset += mr->alias_offset;
        }
        mr = mr->alias;
    }
    return mr;
}

bool memory_region_is_ram(MemoryRegion *mr)
{
    return memory_region_resolve_alias(mr, NULL)->ram;
}

bool memory_region_is_ram_device(MemoryRegion *mr)
{
    return memory_region_resolve_alias(mr, NULL)->ram_device;
}

bool memory_region_is_rom(MemoryRegion *mr)
{
    MemoryRegion *target = memory_region_resolve_alias(mr, NULL);

    return target->ram && target->readonly;
}

bool memory_region_is_readonly(MemoryRegion *mr)
{
    return mr->readonly;
}

bool memory_region_section_is_readonly(const MemoryRegionSection *s)
{
    return s->readonly || memory_region_is_readonly(s->mr) ||
           memory_region_is_rom(s->mr);
}

bool memory_region_is_enabled(MemoryRegion *mr)
{
    return mr->enabled;
}

bool memory_region_is_mapped(MemoryRegion *mr)
{
    return mr->container != NULL;
}

bool memory_region_is_nonvolatile(MemoryRegion *mr)
{
    return mr->nonvolatile;
}

IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr)
{
    mr = memory_region_resolve_alias(mr, NULL);
    return mr->is_iommu ? container_of(mr, IOMMUMemoryRegion, parent_obj)
                        : NULL;
}

MemoryRegion *memory_region_get_container(MemoryRegion *mr)
{
    return mr->container;
}

hwaddr memory_region_get_address(MemoryRegion *mr)
{
    return mr->addr;
}

MemoryRegion *memory_region_get_alias(MemoryRegion *mr)
{
    return mr->alias;
}

hwaddr memory_region_get_alias_offset(MemoryRegion *mr)
{
    return mr->alias_offset;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;
    MemoryRegion *target = memory_region_resolve_alias(mr, &offset);

    if (!target->ram_block || !target->ram_block->host) {
        return NULL;
    }
    return target->ram_block->host + offset;
}

RAMBlock *memory_region_get_ram_block(MemoryRegion *mr)
{
    return memory_region_resolve_alias(mr, NULL)->ram_block;
}

int memory_region_get_fd(MemoryRegion *mr)
{
    RAMBlock *rb = memory_region_get_ram_block(mr);

    return rb ? rb->fd : -1;
}

bool memory_region_is_ram_shared(MemoryRegion *mr)
{
    RAMBlock *rb = memory_region_get_ram_block(mr);

    return rb && (rb->flags & RAM_SHARED);
}

uint64_t memory_region_get_fd_offset(MemoryRegion *mr)
{
    hwaddr offset = 0;
    MemoryRegion *target = memory_region_resolve_alias(mr, &offset);

    return target->ram_block ? target->ram_block->fd_offset + offset : 0;
}

ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr)
{
    hwaddr offset = 0;
    MemoryRegion *target = memory_region_resolve_alias(mr, &offset);

    return target->ram_block ? target->ram_block->offset + offset
                             : RAM_ADDR_MAX;
}

uint8_t memory_region_get_dirty_log_mask(MemoryRegion *mr)
{
    uint8_t mask = mr->dirty_log_mask;

    /* Device memory is not migrated as RAM, so it is never logged. */
    if ((memory_global_dirty_tracking() & GLOBAL_DIRTY_MIGRATION) &&
        mr->ram && !mr->ram_device) {
        mask |= 1 << DIRTY_MEMORY_MIGRATION;
    }
    return mask;
}

bool memory_region_is_logging(MemoryRegion *mr, uint8_t client)
{
    return memory_region_get_dirty_log_mask(mr) & (1 << client);
}

/* ------------------------------------------------------------------ */
/* Mutators                                                           */

/*
 * Every mutator is a transaction of its own.  Whether the change is
 * visible is decided at commit by comparing views, so we only need to
 * avoid marking a change that certainly is none.
 */
#define MUTATE(cond, body)                                  \
    do {                                                    \
        if (cond) {                                         \
            memory_region_transaction_begin();              \
            body;                                           \
            memory_region_mark_changed();                   \
            memory_region_transaction_commit();             \
        }                                                   \
    } while (0)

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    MUTATE(mr->readonly != readonly, mr->readonly = readonly);
}

void memory_region_set_nonvolatile(MemoryRegion *mr, bool nonvolatile)
{
    MUTATE(mr->nonvolatile != nonvolatile, mr->nonvolatile = nonvolatile);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    MUTATE(mr->enabled != enabled, mr->enabled = enabled);
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    Int128 s = size_from_u64(size);

    if (mr->ram_block && int128_gt(s, int128_make64(mr->ram_block->max_length))) {
        warn_report("memory region '%s' can't grow beyond its RAM",
                    memory_region_name(mr));
        s = int128_make64(mr->ram_block->max_length);
    }
    MUTATE(int128_ne(mr->size, s), mr->size = s);
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    MUTATE(mr->alias_offset != offset, mr->alias_offset = offset);
}

void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    uint8_t mask = 1 << client;
    uint8_t new_mask = log ? (mr->dirty_log_mask | mask)
                           : (mr->dirty_log_mask & ~mask);

    assert(client < DIRTY_MEMORY_NUM);
    MUTATE(new_mask != mr->dirty_log_mask, mr->dirty_log_mask = new_mask);
}

/* ------------------------------------------------------------------ */
/* Hierarchy                                                          */

/*
 * Children are kept in ascending (priority, add order): rendering walks
 * them from the end so the highest priority, then the newest, comes first,
 * and the common case (equal priorities) appends in O(1).
 */
static unsigned subregion_insert_index(MemoryRegion *mr, int32_t priority)
{
    unsigned lo = 0, hi = mr->nr_subregions;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (mr->subregions[mid]->priority <= priority) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * A container keeps its children's owners alive, except its own owner:
 * referencing that would be a cycle that keeps the owner alive forever.
 */
static void subregion_ref(MemoryRegion *mr, MemoryRegion *subregion)
{
    if (subregion->owner != mr->owner) {
        memory_region_ref(subregion);
    }
}

static void subregion_unref(MemoryRegion *mr, MemoryRegion *subregion)
{
    if (subregion->owner != mr->owner) {
        memory_region_unref(subregion);
    }
}

static void subregion_add_common(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    unsigned idx;

    assert(mr->initialized && subregion->initialized);
    assert(!subregion->container);
    assert(subregion != mr);

    memory_region_transaction_begin();
    subregion_ref(mr, subregion);
    subregion->container = mr;
    subregion->addr = offset;
    subregion->add_order = ++add_sequence;

    if (mr->nr_subregions == mr->subregions_alloc) {
        mr->subregions_alloc = MAX(8, mr->subregions_alloc * 2);
        mr->subregions = g_renew(MemoryRegion *, mr->subregions,
                                 mr->subregions_alloc);
    }
    idx = subregion_insert_index(mr, subregion->priority);
    memmove(&mr->subregions[idx + 1], &mr->subregions[idx],
            (mr->nr_subregions - idx) * sizeof(mr->subregions[0]));
    mr->subregions[idx] = subregion;
    mr->nr_subregions++;

    memory_region_mark_changed();
    memory_region_transaction_commit();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    subregion->may_overlap = false;
    subregion->priority = 0;
    subregion_add_common(mr, offset, subregion);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    subregion->may_overlap = true;
    subregion->priority = priority;
    subregion_add_common(mr, offset, subregion);
}

static unsigned subregion_index(MemoryRegion *mr, MemoryRegion *subregion)
{
    unsigned lo = 0, hi = mr->nr_subregions;

    /* Equal priorities are in add order, so add_order breaks ties. */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        MemoryRegion *m = mr->subregions[mid];

        if (m->priority < subregion->priority ||
            (m->priority == subregion->priority &&
             m->add_order < subregion->add_order)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    assert(lo < mr->nr_subregions && mr->subregions[lo] == subregion);
    return lo;
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    unsigned idx;

    assert(subregion->container == mr);
    idx = subregion_index(mr, subregion);

    memory_region_transaction_begin();
    memmove(&mr->subregions[idx], &mr->subregions[idx + 1],
            (mr->nr_subregions - idx - 1) * sizeof(mr->subregions[0]));
    mr->nr_subregions--;
    subregion->container = NULL;
    memory_region_mark_changed();
    memory_region_transaction_commit();
    /* After the commit, so that the old view's references go first. */
    subregion_unref(mr, subregion);
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    MemoryRegion *container = mr->container;

    if (addr == mr->addr) {
        return;
    }
    if (!container) {
        mr->addr = addr;
        return;
    }
    /* Re-adding keeps the priority but makes it the newest among equals. */
    memory_region_transaction_begin();
    memory_region_ref(mr);
    memory_region_del_subregion(container, mr);
    subregion_add_common(container, addr, mr);
    memory_region_unref(mr);
    memory_region_transaction_commit();
}

/* ------------------------------------------------------------------ */
/* IOMMU notifiers                                                    */

static void iommu_update_notify_flags(IOMMUMemoryRegion *iommu_mr,
                                      Error **errp, bool *ok)
{
    IOMMUNotifierFlag flags = IOMMU_NOTIFIER_NONE;
    const IOMMUMemoryRegionClass *imrc = iommu_mr->imrc;

    for (IOMMUNotifier *n = iommu_mr->iommu_notify; n; n = n->next) {
        flags |= n->notifier_flags;
    }
    *ok = true;
    if (flags != iommu_mr->iommu_notify_flags && imrc->notify_flag_changed) {
        *ok = imrc->notify_flag_changed(iommu_mr, iommu_mr->iommu_notify_flags,
                                        flags, errp);
    }
    if (*ok) {
        iommu_mr->iommu_notify_flags = flags;
    }
}

static void iommu_unlink_notifier(IOMMUMemoryRegion *iommu_mr,
                                  IOMMUNotifier *n)
{
    for (IOMMUNotifier **p = &iommu_mr->iommu_notify; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            n->next = NULL;
            return;
        }
    }
}

bool memory_region_register_iommu_notifier(MemoryRegion *mr,
                                           IOMMUNotifier *n, Error **errp)
{
    IOMMUMemoryRegion *iommu_mr = memory_region_get_iommu(mr);
    bool ok;

    if (!iommu_mr) {
        error_setg(errp, "memory region '%s' is not an IOMMU",
                   memory_region_name(mr));
        return false;
    }
    assert(n->notifier_flags != IOMMU_NOTIFIER_NONE);
    assert(n->start <= n->end);
    assert(n->iommu_idx >= 0 &&
           n->iommu_idx < memory_region_iommu_num_indexes(iommu_mr));

    n->next = iommu_mr->iommu_notify;
    iommu_mr->iommu_notify = n;
    iommu_update_notify_flags(iommu_mr, errp, &ok);
    if (!ok) {
        iommu_unlink_notifier(iommu_mr, n);
    }
    return ok;
}

void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n)
{
    IOMMUMemoryRegion *iommu_mr = memory_region_get_iommu(mr);
    bool ok;

    if (!iommu_mr) {
        return;
    }
    iommu_unlink_notifier(iommu_mr, n);
    iommu_update_notify_flags(iommu_mr, NULL, &ok);
}

void memory_region_notify_iommu_one(IOMMUNotifier *n, IOMMUTLBEvent *event)
{
    IOMMUTLBEntry entry = event->entry;
    hwaddr entry_end = entry.iova + entry.addr_mask;
    hwaddr start, end;

    if (!(event->type & n->notifier_flags)) {
        return;
    }
    if (entry_end < entry.iova) {
        entry_end = HWADDR_MAX;
    }
    if (n->start > entry_end || n->end < entry.iova) {
        return;
    }
    /* Guest-chosen ranges may straddle the notifier: hand over the overlap. */
    start = MAX(n->start, entry.iova);
    end = MIN(n->end, entry_end);
    entry.translated_addr += start - entry.iova;
    entry.iova = start;
    entry.addr_mask = end - start;
    n->notify(n, &entry);
}

void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event)
{
    IOMMUNotifier *n, *next;

    for (n = iommu_mr->iommu_notify; n; n = next) {
        /* A notifier may unregister itself from its callback. */
        next = n->next;
        if (n->iommu_idx == iommu_idx) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
}

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *imrc = iommu_mr->imrc;

    return imrc->get_min_page_size ? imrc->get_min_page_size(iommu_mr) : 4096;
}

void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n)
{
    const IOMMUMemoryRegionClass *imrc = iommu_mr->imrc;
    MemoryRegion *mr = MEMORY_REGION(iommu_mr);
    uint64_t granule = memory_region_iommu_get_min_page_size(iommu_mr);
    hwaddr last = memory_region_size(mr) ? memory_region_size(mr) - 1 : 0;
    hwaddr addr;

    if (imrc->replay) {
        imrc->replay(iommu_mr, n);
        return;
    }
    if (!memory_region_size(mr) || !granule) {
        return;
    }
    last = MIN(last, n->end);
    for (addr = QEMU_ALIGN_DOWN(n->start, granule); addr <= last;
         addr += granule) {
        IOMMUTLBEntry entry = imrc->translate(iommu_mr, addr, IOMMU_NONE,
                                              n->iommu_idx);
        if (entry.perm != IOMMU_NONE) {
            IOMMUTLBEvent event = {
                .type = IOMMU_NOTIFIER_MAP,
                .entry = entry,
            };
            memory_region_notify_iommu_one(n, &event);
        }
        if (addr + granule < addr) {
            break;
        }
    }
}

int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs)
{
    const IOMMUMemoryRegionClass *imrc = iommu_mr->imrc;

    return imrc->attrs_to_index ? imrc->attrs_to_index(iommu_mr, attrs) : 0;
}

int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *imrc = iommu_mr->imrc;

    return imrc->num_indexes ? imrc->num_indexes(iommu_mr) : 1;
}
