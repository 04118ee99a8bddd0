/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accesses: address_space_rw and friends, MMIO dispatch, IOMMU walks
 *
 * Everything here is reachable by the guest (qtest, device DMA), so no
 * address, length or size may crash: holes read as all ones, refused
 * accesses are reported in MemTxResult, and the callbacks are only ever
 * called with sizes their ops declare they implement.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "memory-internal.h"

/* ------------------------------------------------------------------ */
/* Special regions                                                    */

static MemoryRegion unassigned_mr;

MemoryRegion *memory_region_unassigned(void)
{
    if (!unassigned_mr.initialized) {
        memory_region_init_io(&unassigned_mr, NULL, NULL, NULL, "unassigned",
                              UINT64_MAX);
    }
    return &unassigned_mr;
}

/*
 * Device memory must be touched with single loads and stores of the size
 * the guest used: a memcpy could tear or merge accesses.
 */
static uint64_t ram_device_read(void *opaque, hwaddr addr, unsigned size)
{
    MemoryRegion *mr = opaque;
    volatile void *p = mr->ram_block->host + addr;

    switch (size) {
    case 1:
        return *(volatile uint8_t *)p;
    case 2:
        return *(volatile uint16_t *)p;
    case 4:
        return *(volatile uint32_t *)p;
    default:
        return *(volatile uint64_t *)p;
    }
}

static void ram_device_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size)
{
    MemoryRegion *mr = opaque;
    volatile void *p = mr->ram_block->host + addr;

    switch (size) {
    case 1:
        *(volatile uint8_t *)p = data;
        break;
    case 2:
        *(volatile uint16_t *)p = data;
        break;
    case 4:
        *(volatile uint32_t *)p = data;
        break;
    default:
        *(volatile uint64_t *)p = data;
        break;
    }
}

const MemoryRegionOps ram_device_mem_ops = {
    .read = ram_device_read,
    .write = ram_device_write,
    .endianness = DEVICE_NATIVE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = false },
};

/* ------------------------------------------------------------------ */
/* Single accesses to a region                                        */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static bool is_power_of_2_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool ops_big_endian(const MemoryRegionOps *ops)
{
    return ops->endianness == DEVICE_BIG_ENDIAN;
}

static uint64_t bswap_sized(uint64_t v, unsigned size)
{
    switch (size) {
    case 2:
        return GUINT16_SWAP_LE_BE((uint16_t)v);
    case 4:
        return GUINT32_SWAP_LE_BE((uint32_t)v);
    case 8:
        return GUINT64_SWAP_LE_BE(v);
    default:
        return v;
    }
}

static bool access_valid(MemoryRegion *mr, hwaddr addr, unsigned size,
                         bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = ops->valid.min_access_size ?: 1;

    if (!is_power_of_2_size(size)) {
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        return false;
    }
    if (ops->valid.max_access_size &&
        (size > ops->valid.max_access_size || size < min)) {
        return false;
    }
    if (ops->valid.accepts &&
        !ops->valid.accepts(mr->opaque, addr, size, is_write, attrs)) {
        return false;
    }
    /* Past the end of the region: never call the device there. */
    return int128_le(int128_add(int128_make64(addr), int128_make64(size)),
                     mr->size);
}

static MemTxResult call_read(MemoryRegion *mr, hwaddr addr, uint64_t *val,
                             unsigned size, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->read_with_attrs) {
        return ops->read_with_attrs(mr->opaque, addr, val, size, attrs);
    }
    *val = ops->read ? ops->read(mr->opaque, addr, size) : 0;
    return MEMTX_OK;
}

static MemTxResult call_write(MemoryRegion *mr, hwaddr addr, uint64_t val,
                              unsigned size, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;

    if (ops->write_with_attrs) {
        return ops->write_with_attrs(mr->opaque, addr, val, size, attrs);
    }
    if (ops->write) {
        ops->write(mr->opaque, addr, val, size);
    }
    return MEMTX_OK;
}

/*
 * Performs a valid access of @size bytes with the callbacks' own sizes:
 * several narrower calls, or one wider aligned call.
 */
static MemTxResult access_adjusted(MemoryRegion *mr, hwaddr addr,
                                   uint64_t *val, unsigned size,
                                   bool is_write, MemTxAttrs attrs)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = ops->impl.min_access_size ?: 1;
    unsigned max = ops->impl.max_access_size ?: 4;
    unsigned step = MAX(MIN(size, max), min);
    bool big = ops_big_endian(ops);
    MemTxResult r = MEMTX_OK;

    if (step > size) {
        hwaddr base = QEMU_ALIGN_DOWN(addr, step);
        unsigned shift;
        uint64_t wide = 0;

        if (!int128_le(int128_add(int128_make64(base), int128_make64(step)),
                       mr->size)) {
            /* An odd-sized region: slide the window back inside it. */
            if (int128_lt(mr->size, int128_make64(step))) {
                if (!is_write) {
                    *val = size_mask(size);
                }
                return MEMTX_DECODE_ERROR;
            }
            base = int128_get64(int128_sub(mr->size, int128_make64(step)));
        }
        shift = big ? (step - size - (addr - base)) * 8 : (addr - base) * 8;
        if (is_write) {
            return call_write(mr, base, (*val & size_mask(size)) << shift,
                              step, attrs);
        }
        r = call_read(mr, base, &wide, step, attrs);
        *val = (wide >> shift) & size_mask(size);
        return r;
    }

    if (!is_write) {
        *val = 0;
    }
    for (unsigned i = 0; i < size; i += step) {
        unsigned shift = big ? (size - step - i) * 8 : i * 8;
        uint64_t piece;

        if (is_write) {
            r |= call_write(mr, addr + i, (*val >> shift) & size_mask(step),
                            step, attrs);
        } else {
            piece = 0;
            r |= call_read(mr, addr + i, &piece, step, attrs);
            *val |= (piece & size_mask(step)) << shift;
        }
    }
    return r;
}

static MemTxResult ram_access(MemoryRegion *mr, hwaddr addr, void *buf,
                              hwaddr len, bool is_write)
{
    RAMBlock *rb = mr->ram_block;

    if (!rb->host || addr >= rb->used_length || len > rb->used_length - addr) {
        if (!is_write) {
            memset(buf, 0xff, len);
        }
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        memcpy(rb->host + addr, buf, len);
        physical_memory_set_dirty_range(rb->offset + addr, len);
    } else {
        memcpy(buf, rb->host + addr, len);
    }
    return MEMTX_OK;
}

static MemTxResult dispatch(MemoryRegion *mr, hwaddr addr, uint64_t *val,
                            unsigned size, bool is_write, MemTxAttrs attrs)
{
    MemTxResult r;

    if (mr->ram && !mr->ram_device) {
        uint8_t bytes[8] = { 0 };
        uint64_t v = *val;

        if (size > 8) {
            return MEMTX_ACCESS_ERROR;
        }
        if (is_write) {
            v = GUINT64_TO_LE(v);
            memcpy(bytes, &v, size);
        }
        r = ram_access(mr, addr, bytes, size, is_write);
        if (!is_write) {
            memcpy(&v, bytes, 8);
            *val = GUINT64_FROM_LE(v) & size_mask(size);
        }
        return r;
    }
    if (!mr->ops || mr->is_iommu ||
        (mr->ram_device && !mr->ram_block->host) ||
        !access_valid(mr, addr, size, is_write, attrs)) {
        if (!is_write) {
            *val = size_mask(size);
        }
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        uint64_t data = *val & size_mask(size);

        if (ops_big_endian(mr->ops)) {
            data = bswap_sized(data, size);
        }
        return access_adjusted(mr, addr, &data, size, true, attrs);
    }
    r = access_adjusted(mr, addr, val, size, false, attrs);
    *val &= size_mask(size);
    if (ops_big_endian(mr->ops)) {
        *val = bswap_sized(*val, size);
    }
    return r;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, unsigned size,
                                        MemTxAttrs attrs)
{
    hwaddr offset = 0;

    mr = memory_region_resolve_alias(mr, &offset);
    return dispatch(mr, addr + offset, pval, size, false, attrs);
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs)
{
    hwaddr offset = 0;

    mr = memory_region_resolve_alias(mr, &offset);
    return dispatch(mr, addr + offset, &data, size, true, attrs);
}

/* ------------------------------------------------------------------ */
/* Translation                                                        */

/* IOMMUs translating into IOMMUs: bound the walk against loops. */
#define MAX_IOMMU_DEPTH 8

/* Like address_space_translate(), but a write to readonly gives NULL. */
static MemoryRegion *translate(AddressSpace *as, hwaddr addr, hwaddr *xlat,
                               hwaddr *plen, bool is_write, MemTxAttrs attrs)
{
    for (unsigned depth = 0; depth < MAX_IOMMU_DEPTH; depth++) {
        FlatView *fv = address_space_to_flatview(as);
        Int128 gap_end;
        const FlatRange *fr = flatview_lookup(fv, addr, &gap_end);
        IOMMUMemoryRegion *iommu_mr;
        IOMMUTLBEntry entry;
        hwaddr offset, avail;

        if (!fr) {
            avail = int128_getlo(int128_sub(gap_end, int128_make64(addr)));
            if (avail && avail < *plen) {
                *plen = avail;
            }
            *xlat = addr;
            return memory_region_unassigned();
        }
        offset = addr - int128_getlo(fr->addr.start) + fr->offset_in_region;
        avail = int128_getlo(int128_sub(addrrange_end(fr->addr),
                                        int128_make64(addr)));
        if (avail && avail < *plen) {
            *plen = avail;
        }
        if (!fr->mr->is_iommu) {
            *xlat = offset;
            if (is_write && fr->readonly) {
                /* Signalled as a refused access by the caller. */
                return NULL;
            }
            return fr->mr;
        }

        iommu_mr = container_of(fr->mr, IOMMUMemoryRegion, parent_obj);
        entry = iommu_mr->imrc->translate(
            iommu_mr, offset, is_write ? IOMMU_WO : IOMMU_RO,
            memory_region_iommu_attrs_to_index(iommu_mr, attrs));
        if (!(entry.perm & (is_write ? IOMMU_WO : IOMMU_RO)) ||
            !entry.target_as) {
            *xlat = addr;
            return memory_region_unassigned();
        }
        addr = (entry.translated_addr & ~entry.addr_mask) |
               (offset & entry.addr_mask);
        avail = (addr | entry.addr_mask) - addr + 1;
        if (avail && avail < *plen) {
            *plen = avail;
        }
        as = entry.target_as;
    }
    {
        static bool warned;

        warn_report_once_cond(&warned,
                              "IOMMU translation nests deeper than %d levels",
                              MAX_IOMMU_DEPTH);
    }
    *xlat = addr;
    return memory_region_unassigned();
}

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs)
{
    MemoryRegion *mr = translate(as, addr, xlat, plen, is_write, attrs);

    return mr ? mr : memory_region_unassigned();
}

/* ------------------------------------------------------------------ */
/* address_space_rw                                                   */

/* Largest piece of @len at @addr the region accepts in one access. */
static unsigned io_piece_size(MemoryRegion *mr, hwaddr addr, hwaddr len)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned max = 8;
    unsigned l;

    if (ops) {
        max = ops->valid.max_access_size ?: 4;
        if (!ops->impl.unaligned) {
            hwaddr align = addr & -addr;

            if (align && align < max) {
                max = align;
            }
        }
    }
    l = MIN(len, (hwaddr)max);
    /* Round down to a power of two. */
    while (l & (l - 1)) {
        l &= l - 1;
    }
    return l ? l : 1;
}

static MemTxResult io_access(MemoryRegion *mr, hwaddr addr, uint8_t *buf,
                             hwaddr len, bool is_write, MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    while (len) {
        unsigned l = io_piece_size(mr, addr, len);
        uint64_t v = 0;

        if (is_write) {
            memcpy(&v, buf, l);
            v = GUINT64_FROM_LE(v);
            r |= dispatch(mr, addr, &v, l, true, attrs);
        } else {
            r |= dispatch(mr, addr, &v, l, false, attrs);
            v = GUINT64_TO_LE(v);
            memcpy(buf, &v, l);
        }
        addr += l;
        buf += l;
        len -= l;
    }
    return r;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    uint8_t *p = buf;
    MemTxResult result = MEMTX_OK;

    while (len) {
        hwaddr xlat, l = len;
        MemoryRegion *mr = translate(as, addr, &xlat, &l, is_write, attrs);

        if (!mr) {
            /* Write to a readonly section: dropped. */
            result |= MEMTX_ACCESS_ERROR;
        } else if (!mr->ops && !mr->ram) {
            if (!is_write) {
                memset(p, 0xff, l);
            }
            result |= MEMTX_DECODE_ERROR;
        } else {
            /* Keep the owner alive even if a callback unplugs it. */
            memory_region_ref(mr);
            if (mr->ram && !mr->ram_device) {
                result |= ram_access(mr, xlat, p, l, is_write);
            } else {
                result |= io_access(mr, xlat, p, l, is_write, attrs);
            }
            memory_region_unref(mr);
        }
        p += l;
        addr += l;
        len -= l;
    }
    return result;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, (void *)buf, len, true);
}

MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len, MemTxAttrs attrs)
{
    uint8_t chunk[512];
    MemTxResult r = MEMTX_OK;

    memset(chunk, c, sizeof(chunk));
    while (len) {
        hwaddr l = MIN(len, (hwaddr)sizeof(chunk));

        r |= address_space_write(as, addr, attrs, chunk, l);
        addr += l;
        len -= l;
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Fixed-size helpers                                                 */

static uint64_t load_le(AddressSpace *as, hwaddr addr, unsigned size,
                        MemTxAttrs attrs, MemTxResult *result)
{
    uint64_t v = 0;
    MemTxResult r = address_space_read(as, addr, attrs, &v, size);

    if (result) {
        *result = r;
    }
    return GUINT64_FROM_LE(v);
}

static void store_le(AddressSpace *as, hwaddr addr, uint64_t val,
                     unsigned size, MemTxAttrs attrs, MemTxResult *result)
{
    uint64_t v = GUINT64_TO_LE(val);
    MemTxResult r = address_space_write(as, addr, attrs, &v, size);

    if (result) {
        *result = r;
    }
}

uint32_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                            MemTxResult *result)
{
    return load_le(as, addr, 1, attrs, result);
}

uint32_t address_space_lduw_le(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, MemTxResult *result)
{
    return load_le(as, addr, 2, attrs, result);
}

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return load_le(as, addr, 4, attrs, result);
}

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                              MemTxResult *result)
{
    return load_le(as, addr, 8, attrs, result);
}

void address_space_stb(AddressSpace *as, hwaddr addr, uint32_t val,
                       MemTxAttrs attrs, MemTxResult *result)
{
    store_le(as, addr, val, 1, attrs, result);
}

void address_space_stw_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    store_le(as, addr, val, 2, attrs, result);
}

void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    store_le(as, addr, val, 4, attrs, result);
}

void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result)
{
    store_le(as, addr, val, 8, attrs, result);
}

uint32_t ldl_le_phys(AddressSpace *as, hwaddr addr)
{
    return address_space_ldl_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

void stl_le_phys(AddressSpace *as, hwaddr addr, uint32_t val)
{
    address_space_stl_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
}
