/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accesses: MMIO splitting, RAM, memfd sections, RAM devices, IOMMUs
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include "system/memory.h"

/* ------------------------------------------------------------------ */
/* An MMIO device that logs its calls                                 */

typedef struct Dev {
    MemoryRegion mr;
    uint8_t regs[64];
    GString *log;
} Dev;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = 0;

    g_string_append_printf(d->log, "r%u@%" PRIx64 " ", size, addr);
    memcpy(&v, &d->regs[addr], size);
    return GUINT64_FROM_LE(v);
}

static void dev_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = GUINT64_TO_LE(data);

    g_string_append_printf(d->log, "w%u@%" PRIx64 "=%" PRIx64 " ", size,
                           addr, data);
    memcpy(&d->regs[addr], &v, size);
}

static void dev_init(Dev *d, const MemoryRegionOps *ops)
{
    for (unsigned i = 0; i < sizeof(d->regs); i++) {
        d->regs[i] = 0x10 + i;
    }
    d->log = g_string_new(NULL);
    memory_region_init_io(&d->mr, NULL, ops, d, "dev", sizeof(d->regs));
}

static char *dev_take_log(Dev *d)
{
    char *s = g_strdup(g_strchomp(d->log->str));

    g_string_truncate(d->log, 0);
    return s;
}

#define assert_log(d, expect) do {              \
        g_autofree char *_s = dev_take_log(d);  \
        g_assert_cmpstr(_s, ==, expect);        \
    } while (0)

typedef struct Machine {
    MemoryRegion root;
    AddressSpace as;
} Machine;

static void machine_init(Machine *m)
{
    memory_region_init(&m->root, NULL, "root", UINT64_MAX);
    address_space_init(&m->as, &m->root, "test");
}

static void machine_fini(Machine *m)
{
    address_space_destroy(&m->as);
    memory_region_finalize(&m->root);
}

static const MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

/* ------------------------------------------------------------------ */

static void test_mmio_split_bytes(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 4 },
        .impl = { .min_access_size = 1, .max_access_size = 1 },
    };
    Machine m;
    Dev d;
    uint64_t q = 0;

    machine_init(&m);
    dev_init(&d, &ops);
    memory_region_add_subregion(&m.root, 0x1000, &d.mr);

    g_assert_cmphex(address_space_ldl_le(&m.as, 0x1004, attrs, NULL), ==,
                    0x17161514);
    assert_log(&d, "r1@4 r1@5 r1@6 r1@7");
    address_space_stw_le(&m.as, 0x1008, 0xbeef, attrs, NULL);
    assert_log(&d, "w1@8=ef w1@9=be");
    /* 8 bytes exceed valid.max 4: two 4-byte accesses, each split. */
    g_assert_cmpint(address_space_read(&m.as, 0x1000, attrs, &q, 8), ==,
                    MEMTX_OK);
    g_assert_cmphex(GUINT64_FROM_LE(q), ==, 0x1716151413121110ULL);
    assert_log(&d, "r1@0 r1@1 r1@2 r1@3 r1@4 r1@5 r1@6 r1@7");

    machine_fini(&m);
    memory_region_finalize(&d.mr);
    g_string_free(d.log, TRUE);
}

static void test_mmio_alignment(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 1, .max_access_size = 8 },
    };
    Machine m;
    Dev d;
    uint8_t buf[7];
    uint64_t v;

    machine_init(&m);
    dev_init(&d, &ops);
    memory_region_add_subregion(&m.root, 0x1000, &d.mr);

    /* 7 bytes at 1: aligned pieces 1, 2, 4. */
    g_assert_cmpint(address_space_read(&m.as, 0x1001, attrs, buf, 7), ==,
                    MEMTX_OK);
    assert_log(&d, "r1@1 r2@2 r4@4");
    for (int i = 0; i < 7; i++) {
        g_assert_cmphex(buf[i], ==, 0x11 + i);
    }
    /* Direct dispatch refuses an unaligned access (valid.unaligned). */
    g_assert_cmpint(memory_region_dispatch_read(&d.mr, 2, &v, 4, attrs), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffffffff);
    /* And one running off the end of the region. */
    g_assert_cmpint(memory_region_dispatch_read(&d.mr, 60, &v, 8, attrs), ==,
                    MEMTX_DECODE_ERROR);
    /* And nonsense sizes. */
    g_assert_cmpint(memory_region_dispatch_write(&d.mr, 0, 1, 3, attrs), ==,
                    MEMTX_DECODE_ERROR);
    assert_log(&d, "");
    /* Past the device but inside the root: unassigned. */
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x1040, attrs, NULL), ==,
                    0xffffffff);
    /* Straddling the device's end: device bytes, then all ones. */
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x103e, attrs, NULL), ==,
                    0xffff4f4e);
    assert_log(&d, "r2@3e");

    machine_fini(&m);
    memory_region_finalize(&d.mr);
    g_string_free(d.log, TRUE);
}

static void test_mmio_widen_and_endianness(void)
{
    static const MemoryRegionOps wide = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = 1, .max_access_size = 4 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    static const MemoryRegionOps big = {
        .read = dev_read, .write = dev_write,
        .endianness = DEVICE_BIG_ENDIAN,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    Machine m;
    Dev d, b;

    machine_init(&m);
    dev_init(&d, &wide);
    dev_init(&b, &big);
    memory_region_add_subregion(&m.root, 0x1000, &d.mr);
    memory_region_add_subregion(&m.root, 0x2000, &b.mr);

    /* A byte read of a 4-byte-only device reads the aligned word. */
    g_assert_cmphex(address_space_ldub(&m.as, 0x1006, attrs, NULL), ==, 0x16);
    assert_log(&d, "r4@4");

    /* A big-endian register 0x13121110 reads as bytes 13 12 11 10. */
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x2000, attrs, NULL), ==,
                    0x10111213);
    address_space_stl_le(&m.as, 0x2004, 0x11223344, attrs, NULL);
    assert_log(&b, "r4@0 w4@4=44332211");

    machine_fini(&m);
    memory_region_finalize(&d.mr);
    memory_region_finalize(&b.mr);
    g_string_free(d.log, TRUE);
    g_string_free(b.log, TRUE);
}

static void test_unassigned(void)
{
    Machine m;
    uint8_t buf[16];
    MemTxResult r;

    machine_init(&m);
    r = address_space_read(&m.as, 0x1234, attrs, buf, sizeof(buf));
    g_assert_cmpint(r, ==, MEMTX_DECODE_ERROR);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0xff);
    }
    /* Wrapping past 2^64 and writes into nothing are harmless. */
    r = address_space_write(&m.as, UINT64_MAX - 3, attrs, buf, sizeof(buf));
    g_assert_cmpint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(address_space_ldq_le(&m.as, UINT64_MAX - 3, attrs, NULL),
                    ==, UINT64_MAX);
    machine_fini(&m);

    /* The global spaces work without explicit set-up. */
    g_assert_cmphex(address_space_ldl_le(&address_space_io, 0xcf8, attrs,
                                         &r), ==, 0xffffffff);
    g_assert_cmpint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_nonnull(get_system_memory());
    g_assert_cmpuint(memory_region_size(get_system_io()), ==, 65536);
}

/* ------------------------------------------------------------------ */
/* RAM                                                                */

typedef struct SectionLog {
    MemoryListener l;
    MemoryRegionSection last;
    int adds;
} SectionLog;

static void section_log_add(MemoryListener *l, MemoryRegionSection *s)
{
    SectionLog *sl = container_of(l, SectionLog, l);

    sl->last = *s;
    sl->adds++;
}

/* True if /proc/self/smaps shows the mapping at @host advised huge. */
static bool mapping_advised_huge(void *host)
{
    g_autofree char *smaps = NULL;
    g_auto(GStrv) lines = NULL;
    bool in_mapping = false;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL,
                                      NULL));
    lines = g_strsplit(smaps, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long start, end;

        if (sscanf(*l, "%lx-%lx ", &start, &end) == 2) {
            in_mapping = (uintptr_t)host >= start && (uintptr_t)host < end;
        } else if (in_mapping && g_str_has_prefix(*l, "VmFlags:")) {
            return strstr(*l, " hg") != NULL;
        }
    }
    return false;
}

/*
 * Plain RAM is private anonymous memory on a huge page boundary, advised
 * huge, zero-filled, without an fd.
 */
static void test_ram_anonymous(void)
{
    const uint64_t size = 8 * 1024 * 1024;
    MemoryRegion ram;
    uint8_t *host;

    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", size,
                                         &error_abort));
    host = memory_region_get_ram_ptr(&ram);
    g_assert_cmpint(memory_region_get_fd(&ram), ==, -1);
    g_assert_cmphex((uintptr_t)host & (2 * 1024 * 1024 - 1), ==, 0);
    g_assert_cmphex(host[0] | host[size - 1], ==, 0);
    host[size - 1] = 0xa5;
    g_assert_true(qemu_ram_block_from_host(host + size - 1, false, NULL) ==
                  memory_region_get_ram_block(&ram));
    g_assert_true(mapping_advised_huge(host));
    memory_region_finalize(&ram);
}

static void test_ram_memfd(void)
{
    Machine m;
    MemoryRegion ram, alias, rom;
    SectionLog sl = { .l = { .region_add = section_log_add } };
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t *host, peek[8];
    struct stat st;
    int fd;

    machine_init(&m);
    g_assert_true(memory_region_init_ram_flags(&ram, NULL, "ram", 0x10000,
                                               RAM_SHARED, &error_abort));
    memory_region_add_subregion(&m.root, 0x100000, &ram);

    g_assert_cmpint(address_space_write(&m.as, 0x100010, attrs, buf, 8), ==,
                    MEMTX_OK);
    host = memory_region_get_ram_ptr(&ram);
    g_assert_cmpmem(host + 0x10, 8, buf, 8);
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x100010, attrs, NULL), ==,
                    0x04030201);
    g_assert_true(memory_region_is_ram(&ram));
    g_assert_false(memory_region_is_ram_device(&ram));

    /* The fd is a memfd of the region's size holding the same bytes. */
    fd = memory_region_get_fd(&ram);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 0x10000);
    g_assert_cmpint(pread(fd, peek, 8, 0x10), ==, 8);
    g_assert_cmpmem(peek, 8, buf, 8);
    g_assert_cmpint(qemu_ram_get_fd(memory_region_get_ram_block(&ram)), ==,
                    fd);

    /* Through an alias, a listener's section locates the same bytes. */
    memory_region_init_alias(&alias, NULL, "alias", &ram, 0x8000, 0x1000);
    memory_region_add_subregion(&m.root, 0x200000, &alias);
    memory_listener_register(&sl.l, &m.as);
    g_assert_cmpint(sl.adds, ==, 2);
    g_assert_true(sl.last.mr == &ram);
    g_assert_cmphex(sl.last.offset_within_address_space, ==, 0x200000);
    g_assert_cmphex(sl.last.offset_within_region, ==, 0x8000);
    g_assert_cmpint(memory_region_get_fd(sl.last.mr), ==, fd);
    address_space_stl_le(&m.as, 0x200004, 0xcafef00d, attrs, NULL);
    g_assert_cmpint(pread(fd, peek, 4, memory_region_get_fd_offset(sl.last.mr)
                          + sl.last.offset_within_region + 4), ==, 4);
    g_assert_cmphex(peek[0], ==, 0x0d);
    g_assert_true(memory_region_get_ram_ptr(&alias) == host + 0x8000);
    g_assert_true(qemu_ram_block_from_host(host + 0x8004, false, NULL) ==
                  memory_region_get_ram_block(&ram));
    /* Writes mark the page dirty. */
    g_assert_true(memory_region_test_and_clear_dirty(&ram, 0x8000, 0x1000,
                                                     DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(&ram, 0x8000, 0x1000,
                                           DIRTY_MEMORY_MIGRATION));
    memory_listener_unregister(&sl.l);

    /* ROM refuses writes and keeps its bytes. */
    g_assert_true(memory_region_init_rom(&rom, NULL, "rom", 0x1000,
                                         &error_abort));
    memory_region_add_subregion(&m.root, 0x300000, &rom);
    g_assert_cmpint(address_space_write(&m.as, 0x300000, attrs, buf, 4), ==,
                    MEMTX_ACCESS_ERROR);
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x300000, attrs, NULL), ==,
                    0);

    machine_fini(&m);
    memory_region_finalize(&alias);
    memory_region_finalize(&rom);
    memory_region_finalize(&ram);
    /* The fd went with the region. */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
}

static void test_ram_from_fd(void)
{
    MemoryRegion mr;
    Error *err = NULL;
    int fd = memfd_create("test", MFD_CLOEXEC);

    g_assert_cmpint(ftruncate(fd, 0x3000), ==, 0);
    g_assert_true(memory_region_init_ram_from_fd(&mr, NULL, "fdram", 0x2000,
                                                 RAM_SHARED, fd, 0x1000,
                                                 &error_abort));
    g_assert_cmpint(memory_region_get_fd(&mr), ==, fd);
    g_assert_cmphex(memory_region_get_fd_offset(&mr), ==, 0x1000);
    memory_region_finalize(&mr);

    /* A bad fd is reported, not fatal. */
    g_assert_false(memory_region_init_ram_from_fd(&mr, NULL, "bad", 0x1000,
                                                  RAM_SHARED, -1, 0, &err));
    g_assert_nonnull(err);
    error_free(err);
    memory_region_finalize(&mr);
}

static void test_ram_device(void)
{
    Machine m;
    MemoryRegion dev;
    uint64_t *mem = g_new0(uint64_t, 512);
    uint8_t buf[3];

    machine_init(&m);
    memory_region_init_ram_device_ptr(&dev, NULL, "bar", 4096, mem);
    memory_region_add_subregion(&m.root, 0x10000, &dev);
    g_assert_true(memory_region_is_ram(&dev));
    g_assert_true(memory_region_is_ram_device(&dev));
    g_assert_cmpint(memory_region_get_fd(&dev), ==, -1);

    address_space_stq_le(&m.as, 0x10008, 0x1122334455667788ULL, attrs, NULL);
    g_assert_cmphex(mem[1], ==, 0x1122334455667788ULL);
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x1000c, attrs, NULL), ==,
                    0x11223344);
    g_assert_cmpint(address_space_read(&m.as, 0x10009, attrs, buf, 3), ==,
                    MEMTX_OK);
    g_assert_cmphex(buf[0], ==, 0x77);
    g_assert_cmphex(buf[2], ==, 0x55);

    machine_fini(&m);
    memory_region_finalize(&dev);
    g_free(mem);
}

/* ------------------------------------------------------------------ */
/* IOMMU                                                              */

/* Maps IOVA page i to page (i + 0x10) of the target, pages 0..3 only. */
typedef struct TestIOMMU {
    IOMMUMemoryRegion iommu;
    AddressSpace *target;
    IOMMUAccessFlags perm[16];
    IOMMUNotifierFlag flags_seen;
} TestIOMMU;

static IOMMUTLBEntry test_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int idx)
{
    TestIOMMU *t = container_of(iommu, TestIOMMU, iommu);
    hwaddr page = addr >> 12;

    return (IOMMUTLBEntry) {
        .target_as = t->target,
        .iova = addr & ~0xfffULL,
        .translated_addr = (page + 0x10) << 12,
        .addr_mask = 0xfff,
        .perm = page < 16 ? t->perm[page] : IOMMU_NONE,
    };
}

static bool test_flag_changed(IOMMUMemoryRegion *iommu, IOMMUNotifierFlag old,
                              IOMMUNotifierFlag new, Error **errp)
{
    TestIOMMU *t = container_of(iommu, TestIOMMU, iommu);

    if (new & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) {
        error_setg(errp, "test IOMMU has no device IOTLB");
        return false;
    }
    t->flags_seen = new;
    return true;
}

static const IOMMUMemoryRegionClass test_iommu_class = {
    .translate = test_translate,
    .notify_flag_changed = test_flag_changed,
};

typedef struct Catcher {
    IOMMUNotifier n;
    GString *log;
} Catcher;

static void catch_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Catcher *c = container_of(n, Catcher, n);

    g_string_append_printf(c->log, "%s:%" PRIx64 "+%" PRIx64 "->%" PRIx64 " ",
                           e->perm ? "map" : "unmap", e->iova,
                           e->addr_mask + 1, e->translated_addr);
}

static void test_iommu(void)
{
    Machine m, dma;
    MemoryRegion ram;
    TestIOMMU t = { .perm = { IOMMU_RW, IOMMU_RO, IOMMU_RW, IOMMU_NONE } };
    Catcher c = { .log = g_string_new(NULL) };
    Catcher bad = { .log = NULL };
    IOMMUTLBEvent ev;
    Error *err = NULL;
    uint32_t v = 0;

    machine_init(&m);
    machine_init(&dma);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x100000,
                                         &error_abort));
    memory_region_add_subregion(&m.root, 0, &ram);
    t.target = &m.as;
    memory_region_init_iommu(&t.iommu, &test_iommu_class, NULL, "iommu",
                             0x10000);
    memory_region_add_subregion(&dma.root, 0, MEMORY_REGION(&t.iommu));
    g_assert_true(memory_region_is_iommu(MEMORY_REGION(&t.iommu)));

    /* DMA through the IOMMU lands at the translated address. */
    address_space_stl_le(&dma.as, 0x0123, 0xabcd1234, attrs, NULL);
    g_assert_cmphex(address_space_ldl_le(&m.as, 0x10123, attrs, NULL), ==,
                    0xabcd1234);
    g_assert_cmphex(address_space_ldl_le(&dma.as, 0x0123, attrs, NULL), ==,
                    0xabcd1234);
    /* Readonly page refuses writes; unmapped page reads all ones. */
    address_space_stl_le(&m.as, 0x11000, 0x55, attrs, NULL);
    g_assert_cmpint(address_space_write(&dma.as, 0x1000, attrs, &v, 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(address_space_ldl_le(&dma.as, 0x1000, attrs, NULL), ==,
                    0x55);
    g_assert_cmphex(address_space_ldl_le(&dma.as, 0x3000, attrs, NULL), ==,
                    0xffffffff);
    /* An access crossing pages is split at the page boundary. */
    address_space_stl_le(&m.as, 0x10ffe, 0x2211, attrs, NULL);
    address_space_stl_le(&m.as, 0x11000, 0x4433, attrs, NULL);
    g_assert_cmphex(address_space_ldl_le(&dma.as, 0x0ffe, attrs, NULL), ==,
                    0x44332211);

    /* Notifiers: range and event filtering. */
    iommu_notifier_init(&c.n, catch_notify, IOMMU_NOTIFIER_MAP, 0x1000,
                        0x2fff, 0);
    g_assert_true(memory_region_register_iommu_notifier(
                      MEMORY_REGION(&t.iommu), &c.n, &error_abort));
    g_assert_cmpint(t.flags_seen, ==, IOMMU_NOTIFIER_MAP);
    ev = (IOMMUTLBEvent) {
        .type = IOMMU_NOTIFIER_MAP,
        .entry = { .iova = 0x2000, .translated_addr = 0x12000,
                   .addr_mask = 0xfff, .perm = IOMMU_RW },
    };
    memory_region_notify_iommu(&t.iommu, 0, ev);
    ev.entry.iova = 0x5000;
    memory_region_notify_iommu(&t.iommu, 0, ev);
    ev.type = IOMMU_NOTIFIER_UNMAP;
    ev.entry.iova = 0x1000;
    ev.entry.perm = IOMMU_NONE;
    memory_region_notify_iommu(&t.iommu, 0, ev);
    /* A guest-sized entry straddling the range is clipped to it. */
    ev.type = IOMMU_NOTIFIER_MAP;
    ev.entry = (IOMMUTLBEntry) { .iova = 0, .translated_addr = 0x40000,
                                 .addr_mask = 0x3fff, .perm = IOMMU_RW };
    memory_region_notify_iommu(&t.iommu, 0, ev);
    g_assert_cmpstr(c.log->str, ==,
                    "map:2000+1000->12000 map:1000+2000->41000 ");
    g_string_truncate(c.log, 0);

    /* Replay walks the mappings inside the notifier's range. */
    memory_region_iommu_replay(&t.iommu, &c.n);
    g_assert_cmpstr(c.log->str, ==,
                    "map:1000+1000->11000 map:2000+1000->12000 ");

    /* The model may refuse a notifier it cannot serve. */
    iommu_notifier_init(&bad.n, catch_notify, IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
                        0, HWADDR_MAX, 0);
    g_assert_false(memory_region_register_iommu_notifier(
                       MEMORY_REGION(&t.iommu), &bad.n, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_false(memory_region_register_iommu_notifier(&ram, &bad.n, &err));
    error_free(err);

    memory_region_unregister_iommu_notifier(MEMORY_REGION(&t.iommu), &c.n);
    g_assert_cmpint(t.flags_seen, ==, IOMMU_NOTIFIER_NONE);

    machine_fini(&dma);
    machine_fini(&m);
    memory_region_finalize(MEMORY_REGION(&t.iommu));
    memory_region_finalize(&ram);
    g_string_free(c.log, TRUE);
}

static void test_find(void)
{
    Machine m;
    MemoryRegion sub, io;
    MemoryRegionSection s;

    machine_init(&m);
    memory_region_init(&sub, NULL, "sub", 0x10000);
    memory_region_init_io(&io, NULL, NULL, NULL, "io", 0x100);
    memory_region_add_subregion(&m.root, 0x100000, &sub);
    memory_region_add_subregion(&sub, 0x200, &io);

    s = memory_region_find(&sub, 0x280, 0x1000);
    g_assert_true(s.mr == &io);
    g_assert_cmphex(s.offset_within_address_space, ==, 0x100280);
    g_assert_cmphex(s.offset_within_region, ==, 0x80);
    g_assert_cmphex(int128_get64(s.size), ==, 0x80);
    memory_region_unref(s.mr);
    s = memory_region_find(&sub, 0x0, 0x10);
    g_assert_null(s.mr);

    machine_fini(&m);
    memory_region_finalize(&sub);
    memory_region_finalize(&io);
}

/* ------------------------------------------------------------------ */
/* Guest-chosen nonsense never crashes nor reaches a device wrongly   */

typedef struct FuzzDev {
    MemoryRegion mr;
    const MemoryRegionOps *ops;
    uint64_t size;
    uint64_t calls;
} FuzzDev;

static void fuzz_check(FuzzDev *d, hwaddr addr, unsigned size)
{
    unsigned min = d->ops->impl.min_access_size ?: 1;
    unsigned max = d->ops->impl.max_access_size ?: 4;

    g_assert_true(size == 1 || size == 2 || size == 4 || size == 8);
    g_assert_cmpuint(size, >=, min);
    g_assert_cmpuint(size, <=, max);
    g_assert_cmpuint(addr, <, d->size);
    g_assert_cmpuint(size, <=, d->size - addr);
    d->calls++;
}

static uint64_t fuzz_read(void *opaque, hwaddr addr, unsigned size)
{
    fuzz_check(opaque, addr, size);
    return 0x0123456789abcdefULL;
}

static void fuzz_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    fuzz_check(opaque, addr, size);
}

static const MemoryRegionOps fuzz_ops[] = {
    { .read = fuzz_read, .write = fuzz_write,
      .valid = { .min_access_size = 1, .max_access_size = 4 },
      .impl = { .min_access_size = 1, .max_access_size = 1 } },
    { .read = fuzz_read, .write = fuzz_write,
      .valid = { .min_access_size = 1, .max_access_size = 8,
                 .unaligned = true },
      .impl = { .min_access_size = 4, .max_access_size = 4 } },
    { .read = fuzz_read, .write = fuzz_write },
    { .read = fuzz_read, .write = fuzz_write,
      .endianness = DEVICE_BIG_ENDIAN,
      .valid = { .min_access_size = 2, .max_access_size = 8 },
      .impl = { .min_access_size = 2, .max_access_size = 8,
                .unaligned = true } },
};

/* Translates every page onto the next one of the same space: a loop. */
static IOMMUTLBEntry loop_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int idx)
{
    Machine *m = (Machine *)MEMORY_REGION(iommu)->opaque;

    return (IOMMUTLBEntry) {
        .target_as = &m->as, .iova = addr & ~0xfffULL,
        .translated_addr = 0x30000 + ((addr + 0x1000) & 0xffff),
        .addr_mask = 0xfff, .perm = IOMMU_RW,
    };
}

static const IOMMUMemoryRegionClass loop_iommu_class = {
    .translate = loop_translate,
};

static void test_fuzz(void)
{
    static const uint64_t sizes[] = { 0x40, 0x3e, 0x101, 0x17 };
    static const hwaddr bases[] = { 0x1000, 0x1040, 0x2000, 0x2200,
                                    0x10000, 0x20000, 0x30000, 0x40000 };
    Machine m;
    FuzzDev devs[ARRAY_SIZE(fuzz_ops)];
    MemoryRegion ram, ramdev, resv;
    IOMMUMemoryRegion loop;
    uint8_t *devmem = g_malloc0(0x1000);
    GRand *rng = g_rand_new_with_seed(777);
    uint8_t buf[80];

    machine_init(&m);
    for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
        devs[i] = (FuzzDev) { .ops = &fuzz_ops[i], .size = sizes[i] };
        memory_region_init_io(&devs[i].mr, NULL, &fuzz_ops[i], &devs[i],
                              "fuzz", sizes[i]);
        memory_region_add_subregion(&m.root, bases[i], &devs[i].mr);
    }
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x1000,
                                         &error_abort));
    memory_region_add_subregion(&m.root, 0x10000, &ram);
    memory_region_init_ram_device_ptr(&ramdev, NULL, "bar", 0x1000, devmem);
    memory_region_add_subregion(&m.root, 0x20000, &ramdev);
    memory_region_init_iommu(&loop, &loop_iommu_class, NULL, "loop", 0x10000);
    MEMORY_REGION(&loop)->opaque = &m;
    memory_region_add_subregion(&m.root, 0x30000, MEMORY_REGION(&loop));
    memory_region_init_reservation(&resv, NULL, "resv", 0x1000);
    memory_region_add_subregion(&m.root, 0x40000, &resv);

    for (int i = 0; i < 200000; i++) {
        hwaddr addr = g_rand_int_range(rng, 0, 8) == 0
            ? ((uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng))
            : bases[g_rand_int_range(rng, 0, ARRAY_SIZE(bases))] +
              g_rand_int_range(rng, -8, 0x120);
        unsigned len = g_rand_int_range(rng, 0, sizeof(buf) + 1);
        bool is_write = g_rand_boolean(rng);
        unsigned which = g_rand_int_range(rng, 0, ARRAY_SIZE(devs));
        unsigned size = g_rand_int_range(rng, 0, 10);
        uint64_t v = g_rand_int(rng);

        switch (g_rand_int_range(rng, 0, 3)) {
        case 0:
            address_space_rw(&m.as, addr, attrs, buf, len, is_write);
            break;
        case 1:
            if (is_write) {
                memory_region_dispatch_write(&devs[which].mr, addr & 0x1ff,
                                             v, size, attrs);
            } else {
                memory_region_dispatch_read(&devs[which].mr, addr & 0x1ff,
                                            &v, size, attrs);
            }
            break;
        default:
            address_space_ldq_le(&m.as, addr, attrs, NULL);
            address_space_stw_le(&m.as, addr, v, attrs, NULL);
            break;
        }
    }
    for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
        g_assert_cmpuint(devs[i].calls, >, 0);
    }

    machine_fini(&m);
    for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
        memory_region_finalize(&devs[i].mr);
    }
    memory_region_finalize(&ram);
    memory_region_finalize(&ramdev);
    memory_region_finalize(MEMORY_REGION(&loop));
    memory_region_finalize(&resv);
    g_free(devmem);
    g_rand_free(rng);
}

/* What VFIO does during migration: report device writes into the bitmap. */
typedef struct SyncListener {
    MemoryListener l;
    int syncs;
} SyncListener;

static void sync_mark_second_page(MemoryListener *l, MemoryRegionSection *s)
{
    unsigned long bitmap[1] = { 0x2 };
    ram_addr_t base = memory_region_get_ram_addr(s->mr) +
                      s->offset_within_region;

    container_of(l, SyncListener, l)->syncs++;
    g_assert_cmpuint(physical_memory_set_dirty_lebitmap(bitmap, base, 4), ==,
                     1);
}

static void test_dirty_sync(void)
{
    Machine m;
    MemoryRegion ram, dev;
    SyncListener sl = { .l = { .log_sync = sync_mark_second_page } };
    uint64_t page = sysconf(_SC_PAGESIZE);
    void *devmem = g_malloc0(page);

    machine_init(&m);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 4 * page,
                                         &error_abort));
    memory_region_add_subregion(&m.root, 0, &ram);
    memory_region_init_ram_device_ptr(&dev, NULL, "bar", page, devmem);
    memory_region_add_subregion(&m.root, 0x100000, &dev);
    memory_listener_register(&sl.l, &m.as);

    /* Not logging: no sync. */
    memory_global_dirty_log_sync();
    g_assert_cmpint(sl.syncs, ==, 0);

    g_assert_true(memory_global_dirty_log_start(GLOBAL_DIRTY_MIGRATION,
                                                &error_abort));
    g_assert_false(memory_region_is_logging(&dev, DIRTY_MEMORY_MIGRATION));
    memory_global_dirty_log_sync();
    g_assert_cmpint(sl.syncs, ==, 1);
    g_assert_false(memory_region_get_dirty(&ram, 0, page,
                                           DIRTY_MEMORY_MIGRATION));
    g_assert_true(memory_region_test_and_clear_dirty(&ram, page, page,
                                                     DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(&ram, 0, 4 * page,
                                           DIRTY_MEMORY_MIGRATION));
    memory_global_dirty_log_stop(GLOBAL_DIRTY_MIGRATION);

    memory_listener_unregister(&sl.l);
    machine_fini(&m);
    memory_region_finalize(&ram);
    memory_region_finalize(&dev);
    g_free(devmem);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/dispatch/split-bytes", test_mmio_split_bytes);
    g_test_add_func("/memory/dispatch/alignment", test_mmio_alignment);
    g_test_add_func("/memory/dispatch/widen-endianness",
                    test_mmio_widen_and_endianness);
    g_test_add_func("/memory/dispatch/unassigned", test_unassigned);
    g_test_add_func("/memory/dispatch/ram-anonymous", test_ram_anonymous);
    g_test_add_func("/memory/dispatch/ram-memfd", test_ram_memfd);
    g_test_add_func("/memory/dispatch/ram-from-fd", test_ram_from_fd);
    g_test_add_func("/memory/dispatch/ram-device", test_ram_device);
    g_test_add_func("/memory/dispatch/iommu", test_iommu);
    g_test_add_func("/memory/dispatch/find", test_find);
    g_test_add_func("/memory/dispatch/fuzz", test_fuzz);
    g_test_add_func("/memory/dispatch/dirty-sync", test_dirty_sync);
    return g_test_run();
}
