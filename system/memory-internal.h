/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory API internals shared by system/memory*.c, flatview.c, physmem.c
 */
#ifndef SYSTEM_MEMORY_INTERNAL_H
#define SYSTEM_MEMORY_INTERNAL_H

#include "system/memory.h"

/* A half-open range [start, start + size) of a 2^64 space. */
typedef struct AddrRange {
    Int128 start;
    Int128 size;
} AddrRange;

static inline Int128 addrrange_end(AddrRange r)
{
    return int128_add(r.start, r.size);
}

/* One piece of a flat view: [addr) shows @mr from @offset_in_region. */
typedef struct FlatRange {
    MemoryRegion *mr;
    hwaddr offset_in_region;
    AddrRange addr;
    uint8_t dirty_log_mask;
    bool readonly;
    bool nonvolatile;
} FlatRange;

/* Ranges are sorted by address, non-overlapping and maximally merged. */
struct FlatView {
    unsigned ref;
    FlatRange *ranges;
    unsigned nr;
    MemoryRegion *root;
};

/* Same mapping, ignoring the dirty log mask (listeners see log_start). */
static inline bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr
        && int128_eq(a->addr.start, b->addr.start)
        && int128_eq(a->addr.size, b->addr.size)
        && a->offset_in_region == b->offset_in_region
        && a->readonly == b->readonly
        && a->nonvolatile == b->nonvolatile;
}

/* flatview.c */
/* Renders the tree under @root (may be NULL: empty view); ref 1. */
FlatView *flatview_render(MemoryRegion *root);
MemoryRegionSection flatview_range_section(FlatView *fv, const FlatRange *fr);
/*
 * The range containing @addr, or NULL; in that case *gap_end gets the
 * start of the next range (2^64 if none).
 */
const FlatRange *flatview_lookup(FlatView *fv, hwaddr addr, Int128 *gap_end);

/* memory.c */
extern bool memory_region_update_pending;
/* Records that the visible topology may have changed. */
static inline void memory_region_mark_changed(void)
{
    memory_region_update_pending = true;
}
/* Follows aliases to the region that holds content; offsets in *offset. */
MemoryRegion *memory_region_resolve_alias(MemoryRegion *mr, hwaddr *offset);

/* memory-listener.c */
/* Re-renders every address space and tells the listeners. */
void address_spaces_update_topology(void);
unsigned int memory_global_dirty_tracking(void);

/* physmem.c */
RAMBlock *ram_block_new_memfd(MemoryRegion *mr, uint64_t size, Error **errp);
RAMBlock *ram_block_new_anon(MemoryRegion *mr, uint64_t size, Error **errp);
RAMBlock *ram_block_new_from_fd(MemoryRegion *mr, uint64_t size,
                                uint32_t ram_flags, int fd, uint64_t offset,
                                Error **errp);
RAMBlock *ram_block_new_from_ptr(MemoryRegion *mr, uint64_t size, void *ptr);
void ram_block_free(RAMBlock *rb);
/* Makes sure address_space_memory/io exist if @as is one of them. */
void memory_map_init_for(AddressSpace *as);

/* memory-dispatch.c */
/* The region every hole and failed translation dispatches to. */
MemoryRegion *memory_region_unassigned(void);
extern const MemoryRegionOps ram_device_mem_ops;

#endif
