/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest RAM: RAM blocks, dirty bitmaps, the global roots
 *
 * Plain RAM is private anonymous memory, 2 MiB aligned and advised to use
 * transparent huge pages, as the peer's is: VFIO pins every page of it, and
 * pinning huge pages costs a small fraction of pinning 4 KiB ones.  RAM that
 * must be shared with another process is a memfd mapped MAP_SHARED (or an
 * fd the user gave), so it can also be described as (fd, offset).
 * Blocks are also placed in one global "ram_addr" space, which is what
 * dirty tracking is indexed by.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "memory-internal.h"

static GPtrArray *ram_blocks;
static ram_addr_t next_ram_offset;

static uint64_t host_page_size(void)
{
    static uint64_t size;

    if (!size) {
        size = sysconf(_SC_PAGESIZE);
    }
    return size;
}

static RAMBlock *ram_block_register(MemoryRegion *mr, uint64_t size,
                                    uint64_t mapped, void *host)
{
    RAMBlock *rb = g_new0(RAMBlock, 1);

    rb->mr = mr;
    rb->host = host;
    rb->used_length = size;
    rb->max_length = mapped;
    rb->fd = -1;
    rb->offset = next_ram_offset;
    /* Keep blocks page aligned in ram_addr space, with a guard page. */
    next_ram_offset += QEMU_ALIGN_UP(mapped, host_page_size()) +
                       host_page_size();
    if (!ram_blocks) {
        ram_blocks = g_ptr_array_new();
    }
    g_ptr_array_add(ram_blocks, rb);
    return rb;
}

/* x86-64's PMD size: the host address alignment a huge page needs. */
#define RAM_THP_ALIGN (2 * 1024 * 1024)

static void advise_huge_pages(void *host, uint64_t len)
{
    /* Only advice: without THP the memory works, in 4 KiB pages. */
    if (len >= RAM_THP_ALIGN) {
        madvise(host, len, MADV_HUGEPAGE);
    }
}

/*
 * Private guest RAM is pinned for DMA; a fork() would make every pinned
 * page copy-on-write-shared with the child and have to copy it at once.
 * The child (a helper we exec) never needs guest RAM.
 */
static void keep_from_children(void *host, uint64_t len)
{
    madvise(host, len, MADV_DONTFORK);
}

static void *map_fd(int fd, uint64_t len, uint64_t offset, uint32_t flags,
                    const char *name, Error **errp)
{
    int prot = PROT_READ | ((flags & RAM_READONLY) ? 0 : PROT_WRITE);
    int mflags = (flags & RAM_SHARED) ? MAP_SHARED : MAP_PRIVATE;
    void *host;

    if (!len) {
        return NULL;
    }
    host = mmap(NULL, len, prot, mflags, fd, offset);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno,
                         "can't map %" PRIu64 " bytes of RAM for '%s'",
                         len, name);
        return MAP_FAILED;
    }
    advise_huge_pages(host, len);
    return host;
}

static bool ram_size_usable(uint64_t size, const char *name, Error **errp)
{
    if (size > INT64_MAX - RAM_THP_ALIGN) {
        error_setg(errp, "RAM size %" PRIu64 " of '%s' is too large",
                   size, name);
        return false;
    }
    return true;
}

RAMBlock *ram_block_new_anon(MemoryRegion *mr, uint64_t size, Error **errp)
{
    const char *name = memory_region_name(mr);
    uint64_t len, slack;
    uint8_t *base, *host;
    RAMBlock *rb;

    if (!ram_size_usable(size, name, errp)) {
        return NULL;
    }
    len = QEMU_ALIGN_UP(size, host_page_size());
    if (!len) {
        return ram_block_register(mr, size, 0, NULL);
    }
    /*
     * Reserve one alignment more than needed and trim both ends, so the
     * block starts on a huge page boundary.  MAP_NORESERVE: like a memfd,
     * a large guest costs nothing until it touches its memory.
     */
    slack = len >= RAM_THP_ALIGN ? RAM_THP_ALIGN : 0;
    base = mmap(NULL, len + slack, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        error_setg_errno(errp, errno,
                         "can't map %" PRIu64 " bytes of RAM for '%s'",
                         len, name);
        return NULL;
    }
    host = base;
    if (slack) {
        host = (uint8_t *)QEMU_ALIGN_UP((uintptr_t)base, RAM_THP_ALIGN);
    }
    if (host > base) {
        munmap(base, host - base);
    }
    if (base + slack > host) {
        munmap(host + len, base + slack - host);
    }
    advise_huge_pages(host, len);
    keep_from_children(host, len);
    rb = ram_block_register(mr, size, len, host);
    rb->owns_mapping = true;
    return rb;
}

RAMBlock *ram_block_new_memfd(MemoryRegion *mr, uint64_t size, Error **errp)
{
    const char *name = memory_region_name(mr);
    /* memfd names are limited to 249 bytes; they are only for debugging. */
    g_autofree char *fd_name = g_strndup(*name ? name : "qemu-ram", 200);
    uint64_t len;
    RAMBlock *rb;
    void *host;
    int fd;

    if (!ram_size_usable(size, name, errp)) {
        return NULL;
    }
    len = QEMU_ALIGN_UP(size, host_page_size());
    fd = memfd_create(fd_name, MFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "can't create memfd for RAM '%s'", name);
        return NULL;
    }
    if (ftruncate(fd, len) < 0) {
        error_setg_errno(errp, errno,
                         "can't size memfd of RAM '%s' to %" PRIu64 " bytes",
                         name, len);
        close(fd);
        return NULL;
    }
    host = map_fd(fd, len, 0, RAM_SHARED, name, errp);
    if (host == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    rb = ram_block_register(mr, size, len, host);
    rb->fd = fd;
    rb->flags = RAM_SHARED;
    rb->owns_fd = true;
    rb->owns_mapping = true;
    return rb;
}

RAMBlock *ram_block_new_from_fd(MemoryRegion *mr, uint64_t size,
                                uint32_t ram_flags, int fd, uint64_t offset,
                                Error **errp)
{
    const char *name = memory_region_name(mr);
    uint64_t len;
    RAMBlock *rb;
    void *host;

    if (fd < 0) {
        error_setg(errp, "RAM '%s' needs a valid file descriptor", name);
        return NULL;
    }
    if (!ram_size_usable(size, name, errp)) {
        return NULL;
    }
    if (!QEMU_IS_ALIGNED(offset, host_page_size())) {
        error_setg(errp, "RAM '%s': offset 0x%" PRIx64 " is not a multiple "
                   "of the host page size", name, offset);
        return NULL;
    }
    len = QEMU_ALIGN_UP(size, host_page_size());
    host = map_fd(fd, len, offset, ram_flags, name, errp);
    if (host == MAP_FAILED) {
        return NULL;
    }
    rb = ram_block_register(mr, size, len, host);
    rb->fd = fd;
    rb->fd_offset = offset;
    rb->flags = ram_flags;
    rb->owns_fd = true;
    rb->owns_mapping = true;
    return rb;
}

RAMBlock *ram_block_new_from_ptr(MemoryRegion *mr, uint64_t size, void *ptr)
{
    return ram_block_register(mr, size, size, ptr);
}

void ram_block_free(RAMBlock *rb)
{
    g_ptr_array_remove(ram_blocks, rb);
    if (rb->owns_mapping && rb->host) {
        munmap(rb->host, rb->max_length);
    }
    if (rb->owns_fd && rb->fd >= 0) {
        close(rb->fd);
    }
    g_free(rb->dirty);
    g_free(rb);
}

int qemu_ram_get_fd(RAMBlock *rb)
{
    return rb->fd;
}

uint64_t qemu_ram_get_fd_offset(RAMBlock *rb)
{
    return rb->fd_offset;
}

void *qemu_ram_get_host_addr(RAMBlock *rb)
{
    return rb->host;
}

ram_addr_t qemu_ram_get_offset(RAMBlock *rb)
{
    return rb->offset;
}

ram_addr_t qemu_ram_get_used_length(RAMBlock *rb)
{
    return rb->used_length;
}

MemoryRegion *qemu_ram_get_mr(RAMBlock *rb)
{
    return rb->mr;
}

RAMBlock *qemu_ram_block_from_host(void *ptr, bool round_offset,
                                   ram_addr_t *offset)
{
    uint8_t *p = ptr;

    for (unsigned i = 0; ram_blocks && i < ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ram_blocks, i);

        if (rb->host && p >= rb->host && p < rb->host + rb->max_length) {
            if (offset) {
                *offset = p - rb->host;
                if (round_offset) {
                    *offset = QEMU_ALIGN_DOWN(*offset, host_page_size());
                }
            }
            return rb;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Dirty tracking                                                     */

static RAMBlock *ram_block_by_offset(ram_addr_t addr)
{
    for (unsigned i = 0; ram_blocks && i < ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ram_blocks, i);

        if (addr >= rb->offset && addr - rb->offset < rb->max_length) {
            return rb;
        }
    }
    return NULL;
}

static void ram_block_mark_page(RAMBlock *rb, uint64_t page)
{
    const unsigned bits = sizeof(unsigned long) * 8;

    if (!rb->dirty) {
        uint64_t pages = rb->max_length / host_page_size();

        rb->dirty = g_new0(unsigned long, DIV_ROUND_UP(pages, bits));
    }
    rb->dirty[page / bits] |= 1UL << (page % bits);
}

void physical_memory_set_dirty_range(ram_addr_t start, ram_addr_t length)
{
    uint64_t psz = host_page_size();
    ram_addr_t addr = QEMU_ALIGN_DOWN(start, psz);
    ram_addr_t end = start + length;

    if (end < start) {
        end = RAM_ADDR_MAX;
    }
    for (; addr < end; addr += psz) {
        RAMBlock *rb = ram_block_by_offset(addr);

        if (rb) {
            ram_block_mark_page(rb, (addr - rb->offset) / psz);
        }
        if (addr + psz < addr) {
            break;
        }
    }
}

uint64_t physical_memory_set_dirty_lebitmap(const unsigned long *bitmap,
                                            ram_addr_t start,
                                            ram_addr_t pages)
{
    const unsigned bits = sizeof(unsigned long) * 8;
    uint64_t psz = host_page_size();
    uint64_t marked = 0;

    for (ram_addr_t i = 0; i < pages; i++) {
        if (bitmap[i / bits] & (1UL << (i % bits))) {
            physical_memory_set_dirty_range(start + i * psz, psz);
            marked++;
        }
    }
    return marked;
}

static bool dirty_scan(MemoryRegion *mr, hwaddr addr, hwaddr size,
                       bool clear)
{
    const unsigned bits = sizeof(unsigned long) * 8;
    hwaddr offset = 0;
    MemoryRegion *target = memory_region_resolve_alias(mr, &offset);
    RAMBlock *rb = target->ram_block;
    uint64_t psz = host_page_size();
    uint64_t first, last;
    bool found = false;

    if (!rb || !rb->dirty || !size) {
        return false;
    }
    offset += addr;
    if (offset >= rb->max_length) {
        return false;
    }
    first = offset / psz;
    last = (MIN(offset + size, rb->max_length) - 1) / psz;
    for (uint64_t p = first; p <= last; p++) {
        unsigned long bit = 1UL << (p % bits);

        if (rb->dirty[p / bits] & bit) {
            found = true;
            if (!clear) {
                break;
            }
            rb->dirty[p / bits] &= ~bit;
        }
    }
    return found;
}

bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size,
                             unsigned client)
{
    return dirty_scan(mr, addr, size, false);
}

bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr size, unsigned client)
{
    return dirty_scan(mr, addr, size, true);
}

/* ------------------------------------------------------------------ */
/* The machine's roots                                                */

static MemoryRegion system_memory;
static MemoryRegion system_io;
AddressSpace address_space_memory;
AddressSpace address_space_io;

void memory_map_init(void)
{
    if (system_memory.initialized) {
        return;
    }
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    address_space_init(&address_space_memory, &system_memory, "memory");
    memory_region_init_io(&system_io, NULL, NULL, NULL, "io", 65536);
    address_space_init(&address_space_io, &system_io, "I/O");
}

void memory_map_init_for(AddressSpace *as)
{
    if (as == &address_space_memory || as == &address_space_io) {
        memory_map_init();
    }
}

MemoryRegion *get_system_memory(void)
{
    memory_map_init();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    memory_map_init();
    return &system_io;
}
