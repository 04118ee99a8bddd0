/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory API: regions, address spaces, flat views and listeners
 *
 * Guest-visible memory is described as a tree of MemoryRegions.  Leaves are
 * RAM (host memory, always backed by a file descriptor here), MMIO (host
 * callbacks in MemoryRegionOps), RAM devices (mmapped device memory accessed
 * word by word) and IOMMU regions (translate an IOVA into another address
 * space).  Inner nodes are containers, and aliases that show a window of
 * another region.  An AddressSpace has a root region; rendering the tree
 * gives a FlatView, a sorted list of non-overlapping ranges, each owned by
 * exactly one leaf region.  MemoryListeners registered on an address space
 * see that view as MemoryRegionSections and are told exactly which sections
 * appeared and disappeared each time the topology changes.
 *
 * Ownership and lifetime: a MemoryRegion is embedded in the structure of
 * the device (its "owner", an Object) that creates it.  memory_region_ref()
 * takes a reference on the owner, so the owner stays alive while a flat view,
 * a container of another owner, or a caller still uses the region (a
 * container does not reference children of its own owner: that would be a
 * cycle).  Regions with a NULL owner are never
 * reference counted; whoever embeds them must keep them alive while mapped.
 * The embedding structure calls memory_region_finalize() before freeing the
 * memory holding the region.
 *
 * Topology changes (adding, removing, moving, resizing, enabling a region,
 * changing an alias offset, readonly or dirty logging) take effect at the
 * outermost memory_region_transaction_commit(); every mutator wraps itself
 * in a transaction, so without an explicit one a change is visible at once.
 *
 * Everything here runs on the main loop thread; nothing is thread-safe.
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/hwaddr.h"
#include "exec/int128.h"
#include "qapi/error.h"

typedef struct Object Object;
typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct MemoryListener MemoryListener;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct RAMBlock RAMBlock;
typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;
typedef struct IOMMUMemoryRegionClass IOMMUMemoryRegionClass;
typedef struct IOMMUNotifier IOMMUNotifier;

/* ------------------------------------------------------------------ */
/* Transactions: results and attributes                               */

typedef uint32_t MemTxResult;
#define MEMTX_OK             0
#define MEMTX_ERROR          (1U << 0) /* device returned an error */
#define MEMTX_DECODE_ERROR   (1U << 1) /* nothing at that address */
#define MEMTX_ACCESS_ERROR   (1U << 2) /* access refused (size, permission) */

typedef struct MemTxAttrs {
    unsigned int unspecified:1;
    unsigned int secure:1;
    unsigned int user:1;
    unsigned int memory:1;
    unsigned int requester_id:16;
} MemTxAttrs;

#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { .unspecified = 1 })

enum device_endian {
    DEVICE_NATIVE_ENDIAN,   /* the host's; little endian on our hosts */
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
};

/* ------------------------------------------------------------------ */
/* MMIO callbacks                                                     */

/*
 * Callbacks of an MMIO region.  @addr is relative to the start of the
 * region; @size is in bytes (1, 2, 4 or 8); data travels in host order
 * and is converted from/to @endianness by the core.
 *
 * @valid says what the guest may do: an access outside those limits is
 * refused (reads see all ones, writes are dropped, MEMTX_DECODE_ERROR).
 * @impl says what the callbacks can handle: the core splits or widens a
 * valid access to fit it.  A zero min_access_size means 1.  A zero
 * valid.max_access_size accepts any size on direct dispatch, while
 * address_space_rw() then splits into pieces of at most 4 bytes; a zero
 * impl.max_access_size means 4.  Without valid.unaligned, an access whose
 * address is not a multiple of its size is refused; without
 * impl.unaligned, address_space_rw() splits it into aligned pieces.
 * A widened read returns the bytes asked for; a widened write stores the
 * data zero-extended to the wider, aligned access.
 *
 * Either read/write or read_with_attrs/write_with_attrs may be set; a
 * missing read yields zeros and a missing write ignores the data.
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    MemTxResult (*read_with_attrs)(void *opaque, hwaddr addr, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs);
    MemTxResult (*write_with_attrs)(void *opaque, hwaddr addr, uint64_t data,
                                    unsigned size, MemTxAttrs attrs);

    enum device_endian endianness;

    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
        /* Optional: a false return refuses the access like @valid does. */
        bool (*accepts)(void *opaque, hwaddr addr, unsigned size,
                        bool is_write, MemTxAttrs attrs);
    } valid;

    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

/* ------------------------------------------------------------------ */
/* IOMMU                                                              */

typedef enum {
    IOMMU_NONE = 0,
    IOMMU_RO   = 1,
    IOMMU_WO   = 2,
    IOMMU_RW   = 3,
} IOMMUAccessFlags;

#define IOMMU_ACCESS_FLAG(r, w) (((r) ? IOMMU_RO : 0) | ((w) ? IOMMU_WO : 0))

/*
 * One translation: [iova, iova + addr_mask] maps to
 * [translated_addr, translated_addr + addr_mask] of @target_as with @perm.
 * addr_mask is a power of two minus one (4 KiB page: 0xfff).
 */
typedef struct IOMMUTLBEntry {
    AddressSpace *target_as;
    hwaddr iova;
    hwaddr translated_addr;
    hwaddr addr_mask;
    IOMMUAccessFlags perm;
} IOMMUTLBEntry;

typedef enum {
    IOMMU_NOTIFIER_NONE = 0,
    IOMMU_NOTIFIER_UNMAP = 0x1,         /* a mapping went away */
    IOMMU_NOTIFIER_MAP = 0x2,           /* a mapping appeared */
    IOMMU_NOTIFIER_DEVIOTLB_UNMAP = 0x4,
} IOMMUNotifierFlag;

#define IOMMU_NOTIFIER_IOTLB_EVENTS (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP)
#define IOMMU_NOTIFIER_ALL (IOMMU_NOTIFIER_IOTLB_EVENTS | \
                            IOMMU_NOTIFIER_DEVIOTLB_UNMAP)

typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;     /* exactly one of MAP, UNMAP, DEVIOTLB_UNMAP */
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

typedef void (*IOMMUNotify)(IOMMUNotifier *notifier, IOMMUTLBEntry *data);

/*
 * A subscriber to mapping changes of an IOMMU region, restricted to the
 * IOVA range [start, end] (inclusive) and the events in notifier_flags.
 * Embedded by the subscriber; initialise with iommu_notifier_init().
 */
struct IOMMUNotifier {
    IOMMUNotify notify;
    IOMMUNotifierFlag notifier_flags;
    hwaddr start;
    hwaddr end;
    int iommu_idx;
    /* private */
    IOMMUNotifier *next;
};

static inline void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                                       IOMMUNotifierFlag flags,
                                       hwaddr start, hwaddr end,
                                       int iommu_idx)
{
    n->notify = fn;
    n->notifier_flags = flags;
    n->start = start;
    n->end = end;
    n->iommu_idx = iommu_idx;
    n->next = NULL;
}

/*
 * What an IOMMU model implements (QEMU keeps this in a QOM class; here it
 * is a plain table handed to memory_region_init_iommu()).
 *
 * translate: mandatory.  Look up @addr for an access of kind @flag
 *   (IOMMU_NONE means "just look, no access") and return the entry; a
 *   missing mapping is returned with perm IOMMU_NONE.
 * get_min_page_size: smallest page the IOMMU maps (default: 4 KiB).
 * notify_flag_changed: the union of the flags of all registered notifiers
 *   changed from @old to @new; return false (with errp) to refuse a
 *   notifier the model cannot serve.
 * replay: call memory_region_notify_iommu_one(n, ...) with a MAP event for
 *   every current mapping; default walks translate() page by page.
 * attrs_to_index / num_indexes: several translation contexts (default 1).
 */
struct IOMMUMemoryRegionClass {
    IOMMUTLBEntry (*translate)(IOMMUMemoryRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    uint64_t (*get_min_page_size)(IOMMUMemoryRegion *iommu);
    bool (*notify_flag_changed)(IOMMUMemoryRegion *iommu,
                                IOMMUNotifierFlag old_flags,
                                IOMMUNotifierFlag new_flags, Error **errp);
    void (*replay)(IOMMUMemoryRegion *iommu, IOMMUNotifier *notifier);
    int (*attrs_to_index)(IOMMUMemoryRegion *iommu, MemTxAttrs attrs);
    int (*num_indexes)(IOMMUMemoryRegion *iommu);
};

/* ------------------------------------------------------------------ */
/* Regions                                                            */

/* Dirty-log clients, bits of MemoryRegion.dirty_log_mask. */
#define DIRTY_MEMORY_VGA        0
#define DIRTY_MEMORY_CODE       1
#define DIRTY_MEMORY_MIGRATION  2
#define DIRTY_MEMORY_NUM        3

/* Flags of memory_region_init_ram_from_fd(). */
#define RAM_SHARED     (1U << 1)
#define RAM_READONLY   (1U << 7)

/* Flags of memory_global_dirty_log_start/stop. */
#define GLOBAL_DIRTY_MIGRATION  (1U << 0)
#define GLOBAL_DIRTY_DIRTY_RATE (1U << 1)

/*
 * A region.  Fields are read by the core only; use the accessors.  The
 * struct is public so that owners can embed it.
 */
struct MemoryRegion {
    /* private: */
    Object *owner;
    char *name;
    Int128 size;            /* 2^64 for a region given size UINT64_MAX */
    hwaddr addr;            /* offset within the container */
    MemoryRegion *container;

    const MemoryRegionOps *ops;
    void *opaque;

    bool initialized;
    bool enabled;
    bool readonly;          /* writes from the guest are refused */
    bool ram;               /* host memory accessed by memcpy */
    bool ram_device;        /* host mapping of device memory */
    bool terminates;        /* a leaf: not a pure container or alias */
    bool is_iommu;
    bool may_overlap;       /* added with memory_region_add_subregion_overlap */
    bool nonvolatile;

    RAMBlock *ram_block;    /* RAM and RAM-device regions */

    MemoryRegion *alias;
    hwaddr alias_offset;
    unsigned alias_count;   /* aliases pointing at us */

    int32_t priority;
    /* children, highest priority first; the newer first among equals */
    MemoryRegion **subregions;
    unsigned nr_subregions;
    unsigned subregions_alloc;
    uint64_t add_order;     /* sequence number of memory_region_add_* */

    uint8_t dirty_log_mask;
};

/*
 * An IOMMU region.  Embed it like a MemoryRegion; the MemoryRegion must
 * stay the first member so that either pointer converts to the other.
 */
struct IOMMUMemoryRegion {
    MemoryRegion parent_obj;
    const IOMMUMemoryRegionClass *imrc;
    IOMMUNotifierFlag iommu_notify_flags;
    IOMMUNotifier *iommu_notify;        /* singly linked, newest first */
};

#define IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr) ((iommu_mr)->imrc)
#define MEMORY_REGION(iommu_mr) (&(iommu_mr)->parent_obj)

/*
 * Initialisers.  All of them reset *mr first, so a region can be
 * initialised from zeroed or from garbage memory, but only once between
 * memory_region_finalize() calls.  @owner may be NULL.  @size UINT64_MAX
 * means the full 2^64 space.  @name is copied and may be NULL.
 */

/* A pure container: no content of its own; holes read as unassigned. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);

/* MMIO: accesses call @ops with @opaque.  @ops NULL acts as a reservation. */
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);

/*
 * An MMIO region without callbacks: it claims the range (hiding what lies
 * below it) but every access is unassigned (reads all ones).
 */
void memory_region_init_reservation(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size);

/*
 * RAM: @size bytes (rounded up to the host page size), zero-filled and
 * untouched until used.  It is private anonymous memory aligned for, and
 * advised to use, transparent huge pages: pinning it for DMA then costs a
 * fraction of what 4 KiB shared pages cost.  It has no fd
 * (memory_region_get_fd() is -1).  On failure sets errp, returns false and
 * leaves *mr an empty container.
 */
bool memory_region_init_ram(MemoryRegion *mr, Object *owner,
                            const char *name, uint64_t size, Error **errp);

/*
 * Like memory_region_init_ram(), but with @ram_flags RAM_SHARED the memory
 * is a fresh memfd mapped MAP_SHARED, so it has an fd and offset that can
 * be handed to another process or to the kernel.  Other flags: none.
 */
bool memory_region_init_ram_flags(MemoryRegion *mr, Object *owner,
                                  const char *name, uint64_t size,
                                  uint32_t ram_flags, Error **errp);

/* Like memory_region_init_ram() but readonly for the guest. */
bool memory_region_init_rom(MemoryRegion *mr, Object *owner,
                            const char *name, uint64_t size, Error **errp);

/*
 * RAM from an existing file descriptor, mapped from @offset.  On success
 * the region owns @fd (closes it at finalize).  @ram_flags: RAM_SHARED
 * (MAP_SHARED, otherwise MAP_PRIVATE), RAM_READONLY (PROT_READ mapping and
 * readonly region).  On failure @fd is left to the caller.
 */
bool memory_region_init_ram_from_fd(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    ram_addr_t offset, Error **errp);

/*
 * RAM at a host pointer the caller owns and keeps mapped until finalize.
 * Such RAM has no fd (memory_region_get_fd() returns -1).
 */
void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner,
                                const char *name, uint64_t size, void *ptr);

/*
 * A mapping of device memory (e.g. an mmapped VFIO BAR) at @ptr, owned by
 * the caller.  memory_region_is_ram() and memory_region_is_ram_device()
 * are true, so listeners may DMA-map it; but accesses through
 * address_space_rw() are done as single loads/stores of 1..8 bytes, never
 * memcpy, because device memory may have side effects.
 */
void memory_region_init_ram_device_ptr(MemoryRegion *mr, Object *owner,
                                       const char *name, uint64_t size,
                                       void *ptr);

/*
 * A window [offset, offset + size) of @orig.  Aliases may point at
 * aliases; the alias's own subregions are ignored.  @orig gains no
 * reference: it must outlive the alias.
 */
void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);

/*
 * An IOMMU region: accesses are translated by @imrc->translate into the
 * target address space.  @iommu_mr is the embedded IOMMUMemoryRegion.
 */
void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *imrc,
                              Object *owner, const char *name, uint64_t size);

/*
 * Tear down: detaches the region from its container, detaches its
 * children, unmaps and closes RAM it owns.  The region must no longer be
 * used by callers (no outstanding memory_region_ref() beyond flat views,
 * which drop theirs during the detach).  Idempotent.
 */
void memory_region_finalize(MemoryRegion *mr);

/* References on the owner; no-ops for a NULL owner. */
void memory_region_ref(MemoryRegion *mr);
void memory_region_unref(MemoryRegion *mr);

/* Accessors. */
const char *memory_region_name(const MemoryRegion *mr);
Object *memory_region_owner(MemoryRegion *mr);
/* Size, saturated to UINT64_MAX for a 2^64 region. */
uint64_t memory_region_size(MemoryRegion *mr);
bool memory_region_is_ram(MemoryRegion *mr);
bool memory_region_is_ram_device(MemoryRegion *mr);
bool memory_region_is_rom(MemoryRegion *mr);
bool memory_region_is_readonly(MemoryRegion *mr);
/*
 * True if a DMA master may not write through @s: the section is read-only
 * in its view, or its region is read-only or a ROM.
 */
bool memory_region_section_is_readonly(const MemoryRegionSection *s);
bool memory_region_is_enabled(MemoryRegion *mr);
bool memory_region_is_mapped(MemoryRegion *mr);   /* has a container */
bool memory_region_is_nonvolatile(MemoryRegion *mr);
/* The IOMMU behind @mr (following aliases), or NULL. */
IOMMUMemoryRegion *memory_region_get_iommu(MemoryRegion *mr);
static inline bool memory_region_is_iommu(MemoryRegion *mr)
{
    return memory_region_get_iommu(mr) != NULL;
}
MemoryRegion *memory_region_get_container(MemoryRegion *mr);
hwaddr memory_region_get_address(MemoryRegion *mr);   /* within container */
MemoryRegion *memory_region_get_alias(MemoryRegion *mr);
hwaddr memory_region_get_alias_offset(MemoryRegion *mr);

/*
 * Host pointer of the start of a RAM or RAM-device region (aliases are
 * followed and their offset applied), or NULL for other regions.
 */
void *memory_region_get_ram_ptr(MemoryRegion *mr);
/*
 * File descriptor of RAM (aliases followed) or -1.  The fd stays owned by
 * the region.  The offset of the region's start within that fd is
 * memory_region_get_fd_offset(); for sections add offset_within_region.
 */
int memory_region_get_fd(MemoryRegion *mr);
uint64_t memory_region_get_fd_offset(MemoryRegion *mr);
/*
 * True for RAM mapped shared (RAM_SHARED, aliases followed): then what the
 * process writes is in its file, and the file can stand for the memory.
 */
bool memory_region_is_ram_shared(MemoryRegion *mr);
/* The RAM block behind a RAM region (aliases followed), or NULL. */
RAMBlock *memory_region_get_ram_block(MemoryRegion *mr);
/* Offset of the region's start in the global RAM space, or RAM_ADDR_MAX. */
ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr);

/* Mutators; each is a one-step transaction (see the top of the file). */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
void memory_region_set_nonvolatile(MemoryRegion *mr, bool nonvolatile);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* Moves the region within its container (or records it for later). */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
/* @size UINT64_MAX means 2^64.  RAM cannot grow past its allocation. */
void memory_region_set_size(MemoryRegion *mr, uint64_t size);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
/* Turns dirty logging for @client (DIRTY_MEMORY_*) on or off. */
void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client);
uint8_t memory_region_get_dirty_log_mask(MemoryRegion *mr);
bool memory_region_is_logging(MemoryRegion *mr, uint8_t client);

/*
 * Children.  A container shows its children at @offset (relative to its own
 * start) and is transparent where none is.  Where children overlap, the
 * higher @priority wins; with equal priority the child added later wins.
 * Priorities only compare siblings: a child's whole subtree is ranked by
 * that child's priority within its parent.  Children are clipped to the
 * parent's size.  A leaf region (MMIO, RAM) may have children too: they
 * cover it.  A region may be the child of only one container at a time;
 * re-adding a mapped region is a programming error (asserted).
 */
void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);
/* @subregion must be a child of @mr (asserted). */
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);

/* Batches topology changes; nestable.  See the top of the file. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);
/* Nesting depth, 0 outside any transaction. */
unsigned memory_region_transaction_depth(void);

/* ------------------------------------------------------------------ */
/* Sections, address spaces, flat views                               */

/*
 * A contiguous piece of one region as seen in an address space:
 * [offset_within_address_space, + size) shows
 * [offset_within_region, + size) of @mr.  @size is at most 2^64.
 * Sections handed to listeners are valid only during the callback;
 * copy what you need.  @mr is never an alias or a pure container.
 */
struct MemoryRegionSection {
    Int128 size;
    MemoryRegion *mr;
    FlatView *fv;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    bool readonly;
    bool nonvolatile;
};

static inline bool memory_region_section_is_empty(const MemoryRegionSection *s)
{
    return !int128_nz(s->size);
}

struct AddressSpace {
    /* private: */
    char *name;
    MemoryRegion *root;
    FlatView *current_map;
    MemoryListener **listeners;     /* ascending priority */
    unsigned nr_listeners;
    unsigned listeners_alloc;
};

/*
 * Makes @as show @root, rendered at once.  @as is caller-owned storage;
 * @root must outlive the address space.  @name is copied.
 */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
/*
 * Releases the view.  Listeners still registered are unregistered first
 * (they see region_del for every section).
 */
void address_space_destroy(AddressSpace *as);
const char *address_space_name(AddressSpace *as);
/* The first live address space named @name in creation order, or NULL. */
AddressSpace *address_space_find(const char *name);
/* Calls @fn on every live address space, in creation order. */
void address_space_foreach(void (*fn)(AddressSpace *as, void *opaque),
                           void *opaque);

/* The current view with a reference the caller drops with flatview_unref. */
FlatView *address_space_get_flatview(AddressSpace *as);
/* The current view, borrowed: valid until the next topology change. */
FlatView *address_space_to_flatview(AddressSpace *as);
void flatview_ref(FlatView *fv);
void flatview_unref(FlatView *fv);
unsigned flatview_nr_sections(FlatView *fv);
/* The @i-th section in ascending address order; @i < flatview_nr_sections. */
MemoryRegionSection flatview_section(FlatView *fv, unsigned i);

/* Return true to stop the iteration. */
typedef bool (*flatview_cb)(Int128 start, Int128 len, const MemoryRegion *mr,
                            hwaddr offset_in_region, void *opaque);
void flatview_for_each_range(FlatView *fv, flatview_cb cb, void *opaque);

/*
 * The section of @mr's address space at [addr, addr + size), clipped to
 * the one flat range that contains @addr (@addr is relative to @mr, which
 * must be the root of an address space or a descendant of one).  .mr is
 * NULL when nothing is there.  A found .mr is referenced: the caller
 * calls memory_region_unref(section.mr).
 */
MemoryRegionSection memory_region_find(MemoryRegion *mr, hwaddr addr,
                                       uint64_t size);

/* ------------------------------------------------------------------ */
/* Listeners                                                          */

/*
 * Observer of the flat view of one address space.  All callbacks are
 * optional.  Callback order across listeners: begin, region_add,
 * region_nop, log_start, log_global_start and commit run in ascending
 * @priority; region_del, log_stop and log_global_stop in descending.
 *
 * On every topology change of the address space a listener gets
 *   begin, region_del for each section that disappeared (ascending
 *   address), region_add for each that appeared (ascending address),
 *   region_nop for unchanged ones, log_start/log_stop for unchanged
 *   sections whose dirty_log_mask changed, commit.
 * A section "changed" if its address range, region, offset_within_region
 * or readonly flag differs; then the old one is deleted and the new one
 * added.  begin/commit are also called around changes of other address
 * spaces (as in QEMU), without sections.  Callbacks may change the
 * topology (that becomes a further round of callbacks) but must not
 * register or unregister listeners.
 */
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_nop)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_start)(MemoryListener *listener, MemoryRegionSection *section,
                      int old_val, int new_val);
    void (*log_stop)(MemoryListener *listener, MemoryRegionSection *section,
                     int old_val, int new_val);
    void (*log_sync)(MemoryListener *listener, MemoryRegionSection *section);
    /* Return false with errp set to refuse; the start is then undone. */
    bool (*log_global_start)(MemoryListener *listener, Error **errp);
    void (*log_global_stop)(MemoryListener *listener);

    unsigned priority;
    const char *name;

    /* private: set by memory_listener_register */
    AddressSpace *address_space;
    uint64_t register_order;
};

#define MEMORY_LISTENER_PRIORITY_MIN         0
#define MEMORY_LISTENER_PRIORITY_ACCEL       10
#define MEMORY_LISTENER_PRIORITY_DEV_BACKEND 10

/*
 * Starts observing @as: begin, then region_add (and log_start for logged
 * sections) for every current section in ascending address order, then
 * commit.  If global dirty logging is on, log_global_start comes first.
 * Listeners of equal priority keep registration order.
 */
void memory_listener_register(MemoryListener *listener, AddressSpace *as);
/*
 * Stops observing: begin, region_del for every section in descending
 * address order (log_stop before it for logged sections), commit.
 * Unregistering an unregistered listener does nothing.
 */
void memory_listener_unregister(MemoryListener *listener);

/*
 * Global dirty logging (migration).  Start calls log_global_start on every
 * listener; if one refuses, those already started are stopped and false
 * is returned with errp set.  @flags is a set of GLOBAL_DIRTY_*.
 */
bool memory_global_dirty_log_start(unsigned int flags, Error **errp);
void memory_global_dirty_log_stop(unsigned int flags);
unsigned int memory_global_dirty_log_flags(void);
/* Calls log_sync for every logged section of every address space. */
void memory_global_dirty_log_sync(void);

/* ------------------------------------------------------------------ */
/* Accesses                                                           */

/*
 * Reads/writes @len bytes at @addr of @as.  RAM is copied; MMIO and RAM
 * devices are accessed in pieces the region accepts; IOMMU regions are
 * translated (a missing or insufficient mapping fails the piece).  Holes
 * read as all ones and swallow writes.  The result ORs the MEMTX_* bits
 * of all pieces; the whole range is always attempted.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len);
/* Fills [addr, addr + len) with byte @c. */
MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len, MemTxAttrs attrs);

/*
 * Single accesses in a fixed byte order, made like address_space_rw()
 * (so unassigned bytes read as 0xff).  @result may be NULL.
 */
uint32_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                            MemTxResult *result);
uint32_t address_space_lduw_le(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, MemTxResult *result);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result);
void address_space_stb(AddressSpace *as, hwaddr addr, uint32_t val,
                       MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/* Shorthands with unspecified attributes that ignore the result. */
uint32_t ldl_le_phys(AddressSpace *as, hwaddr addr);
void stl_le_phys(AddressSpace *as, hwaddr addr, uint32_t val);

/*
 * Calls the region's callbacks for one access of @size bytes (1/2/4/8) at
 * @addr within @mr, applying its valid/impl rules and endianness.  Used by
 * address_space_rw and by devices that forward accesses (e.g. quirks).
 */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, unsigned size,
                                        MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs);

/*
 * Follows IOMMUs from @addr in @as to the terminal region.  Returns it
 * with *xlat (offset within it) and *plen (clipped to what is contiguous)
 * set; the unassigned region (no ops: all ones) when nothing is there,
 * the IOMMU refuses, or @is_write meets a readonly section.  Borrowed:
 * valid until the next topology change.
 */
MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs);

/* ------------------------------------------------------------------ */
/* IOMMU notifiers                                                    */

/*
 * Subscribes @n to @mr (an IOMMU region, aliases followed).  The model's
 * notify_flag_changed may refuse: then false and errp.
 */
bool memory_region_register_iommu_notifier(MemoryRegion *mr,
                                           IOMMUNotifier *n, Error **errp);
void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n);
/*
 * Called by the IOMMU model when a mapping appears (MAP) or goes away
 * (UNMAP): every notifier of @iommu_idx subscribed to that event type and
 * overlapping the entry's range gets it.
 */
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);
/* Delivers @event to @n alone, if @n subscribes to it and overlaps it. */
void memory_region_notify_iommu_one(IOMMUNotifier *n, IOMMUTLBEvent *event);
/* Sends @n a MAP for every current mapping (model's replay or a walk). */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);
uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);
int memory_region_iommu_attrs_to_index(IOMMUMemoryRegion *iommu_mr,
                                       MemTxAttrs attrs);
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);

/* ------------------------------------------------------------------ */
/* RAM blocks and the global roots (system/physmem.c)                 */

/* The host side of a RAM region. */
struct RAMBlock {
    MemoryRegion *mr;
    uint8_t *host;          /* mapping of [fd_offset, + max_length) */
    ram_addr_t offset;      /* in the global RAM space */
    uint64_t used_length;
    uint64_t max_length;    /* mapped length (page aligned) */
    int fd;                 /* -1 for memory_region_init_ram_ptr */
    uint64_t fd_offset;
    uint32_t flags;         /* RAM_* */
    bool owns_fd;
    bool owns_mapping;
    unsigned long *dirty;   /* one bit per host page, lazily allocated */
};

int qemu_ram_get_fd(RAMBlock *rb);
uint64_t qemu_ram_get_fd_offset(RAMBlock *rb);
void *qemu_ram_get_host_addr(RAMBlock *rb);
ram_addr_t qemu_ram_get_offset(RAMBlock *rb);
ram_addr_t qemu_ram_get_used_length(RAMBlock *rb);
MemoryRegion *qemu_ram_get_mr(RAMBlock *rb);
/*
 * The RAM block containing host address @ptr, and the offset of @ptr in
 * it (rounded down to the host page if @round_offset); NULL if none.
 */
RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset);

/*
 * Dirty tracking in the global RAM space, host-page granular.  Devices
 * that write guest RAM behind our back (VFIO dirty page reports) mark it
 * here; migration code reads and clears it.
 */
void physical_memory_set_dirty_range(ram_addr_t start, ram_addr_t length);
/*
 * @bitmap has one bit per host page in little-endian long order, @pages
 * bits, starting at @start (page aligned).  Returns the pages marked.
 */
uint64_t physical_memory_set_dirty_lebitmap(const unsigned long *bitmap,
                                            ram_addr_t start,
                                            ram_addr_t pages);
/*
 * True if any page of [addr, addr + size) of RAM region @mr is dirty
 * (one bitmap serves every client for now); the _and_clear form clears
 * those pages.
 */
bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr size, unsigned client);
bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client);

/*
 * The machine's root regions and address spaces: system memory (2^64
 * bytes, address_space_memory) and port I/O (64 KiB, address_space_io).
 * Created by memory_map_init(), or on the first use of any of them.
 */
void memory_map_init(void);
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

#endif
