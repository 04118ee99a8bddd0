/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VFIO DMA mapping engine and listener, against a fake container
 *
 * The fake "kernel" behaves like type1/iommufd where it matters: a map
 * may not overlap an existing mapping, and an unmap must name exactly one
 * existing mapping.  So any redundant or mis-split call fails loudly.
 */
#include "qemu/osdep.h"

#include "hw/vfio/vfio-container.h"
#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-dma-map.h"
#include "qemu/error-report.h"
#include "system/memory.h"

#define PG 4096ULL
#define TYPE_VFIO_CONTAINER_FAKE "vfio-container-fake"

typedef struct FakeMapping {
    hwaddr iova;
    uint64_t size;
    uintptr_t vaddr;
    bool readonly;
} FakeMapping;

typedef struct FakeContainer {
    VFIOContainer parent_obj;
    GArray *kernel;         /* FakeMapping, unsorted */
    unsigned maps, unmaps, copies;
    unsigned map_calls;     /* dma_map calls, failed ones included */
    unsigned file_maps;     /* successful dma_map_file calls */
    int file_refused_fd;    /* dma_map_file of this fd: EINVAL */
    uintptr_t fail_lo, fail_hi;     /* maps of host addresses here fail */
    int fail_errno;                 /* with this (0: EFAULT) */
    GArray *unmap_log;      /* FakeMapping of every unmap */
} FakeContainer;

#define FAKE(obj) ((FakeContainer *)(obj))

static int fake_find(FakeContainer *f, hwaddr iova, uint64_t size,
                     bool exact)
{
    for (guint i = 0; i < f->kernel->len; i++) {
        FakeMapping *m = &g_array_index(f->kernel, FakeMapping, i);

        if (exact ? (m->iova == iova && m->size == size)
                  : (iova < m->iova + m->size && m->iova < iova + size)) {
            return i;
        }
    }
    return -1;
}

static int fake_dma_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                        void *vaddr, bool readonly, Error **errp)
{
    FakeContainer *f = FAKE(c);
    FakeMapping m = { iova, size, (uintptr_t)vaddr, readonly };

    f->map_calls++;
    g_assert_cmpuint(size, >, 0);
    g_assert_cmpuint(iova % PG, ==, 0);
    g_assert_cmpuint(size % PG, ==, 0);
    g_assert_cmpuint((uintptr_t)vaddr % PG, ==, 0);
    if ((uintptr_t)vaddr >= f->fail_lo && (uintptr_t)vaddr < f->fail_hi) {
        int err = f->fail_errno ? f->fail_errno : EFAULT;

        error_setg_errno(errp, err, "IOMMU_IOAS_MAP failed");
        return -err;
    }
    /* An overlapping map is a bug of the engine, not a runtime error. */
    g_assert_cmpint(fake_find(f, iova, size, false), ==, -1);
    g_array_append_val(f->kernel, m);
    f->maps++;
    return 0;
}

/* Records a file mapping with vaddr = fd << 40 | offset. */
static int fake_dma_map_file(VFIOContainer *c, hwaddr iova, uint64_t size,
                             int fd, uint64_t start, bool readonly,
                             Error **errp)
{
    FakeContainer *f = FAKE(c);
    FakeMapping m = { iova, size, ((uintptr_t)fd << 40) | start, readonly };

    g_assert_cmpuint(start % PG, ==, 0);
    if (fd == f->file_refused_fd) {
        error_setg_errno(errp, EINVAL, "IOMMU_IOAS_MAP_FILE failed");
        return -EINVAL;
    }
    g_assert_cmpint(fake_find(f, iova, size, false), ==, -1);
    g_array_append_val(f->kernel, m);
    f->file_maps++;
    return 0;
}

static int fake_dma_unmap(VFIOContainer *c, hwaddr iova, uint64_t size,
                          Error **errp)
{
    FakeContainer *f = FAKE(c);
    int i = fake_find(f, iova, size, true);

    g_assert_cmpint(i, >=, 0);
    g_array_append_val(f->unmap_log, g_array_index(f->kernel, FakeMapping, i));
    g_array_remove_index_fast(f->kernel, i);
    f->unmaps++;
    return 0;
}

static int fake_dma_copy(VFIOContainer *src, VFIOContainer *dst, hwaddr iova,
                         uint64_t size, bool readonly, Error **errp)
{
    FakeContainer *s = FAKE(src), *d = FAKE(dst);
    FakeMapping m = { iova, size, 0, readonly };

    /* Like IOMMU_IOAS_COPY: the source must cover the range, page by page. */
    for (uint64_t off = 0; off < size; off += PG) {
        int i = fake_find(s, iova + off, PG, false);
        FakeMapping *sm;

        g_assert_cmpint(i, >=, 0);
        sm = &g_array_index(s->kernel, FakeMapping, i);
        if (!off) {
            m.vaddr = sm->vaddr + (iova - sm->iova);
        }
        g_assert_cmphex(sm->vaddr + (iova + off - sm->iova), ==,
                        m.vaddr + off);
    }
    g_assert_cmpint(fake_find(d, iova, size, false), ==, -1);
    g_array_append_val(d->kernel, m);
    d->copies++;
    return 0;
}

static bool fake_setup(VFIOContainer *c, VFIODevice *first, Error **errp)
{
    return true;
}

static int fake_attach(VFIOContainer *c, VFIODevice *dev, Error **errp)
{
    return 0;
}

static void fake_detach(VFIOContainer *c, VFIODevice *dev)
{
}

static bool fake_get_iova_ranges(VFIOContainer *c, VFIOIommuLimits *limits,
                                 Error **errp)
{
    limits->pgsizes = PG | (2 * 1024 * 1024);
    return true;
}

static void fake_init(Object *obj)
{
    FAKE(obj)->kernel = g_array_new(false, false, sizeof(FakeMapping));
    FAKE(obj)->unmap_log = g_array_new(false, false, sizeof(FakeMapping));
}

static void fake_finalize(Object *obj)
{
    g_array_free(FAKE(obj)->kernel, true);
    g_array_free(FAKE(obj)->unmap_log, true);
}

static void fake_class_init(ObjectClass *oc, const void *data)
{
    VFIOContainerClass *k = VFIO_CONTAINER_CLASS(oc);

    k->setup = fake_setup;
    k->attach_device = fake_attach;
    k->detach_device = fake_detach;
    k->get_iova_ranges = fake_get_iova_ranges;
    k->dma_map = fake_dma_map;
    k->dma_unmap = fake_dma_unmap;
    k->dma_copy = fake_dma_copy;
    k->dma_map_file = fake_dma_map_file;
    /* Like iommufd: a BAR refused with EFAULT is refused for good. */
    k->ram_device_efault_final = true;
}

static const TypeInfo fake_info = {
    .name = TYPE_VFIO_CONTAINER_FAKE,
    .parent = TYPE_VFIO_CONTAINER,
    .instance_size = sizeof(FakeContainer),
    .instance_init = fake_init,
    .instance_finalize = fake_finalize,
    .class_init = fake_class_init,
};

static FakeContainer *fake_new(void)
{
    VFIOContainer *c = VFIO_CONTAINER(object_new(TYPE_VFIO_CONTAINER_FAKE));

    c->pgsizes = PG;
    FAKE(c)->file_refused_fd = -1;
    return FAKE(c);
}

static void fake_free(FakeContainer *f)
{
    vfio_dma_unmap_all(VFIO_CONTAINER(f));
    g_assert_cmpuint(f->kernel->len, ==, 0);
    object_unref(f);
}

static VFIOSection sec(hwaddr iova, uint64_t size, uintptr_t vaddr)
{
    return (VFIOSection) { .iova = iova, .size = size,
                           .vaddr = (void *)vaddr, .name = "ram" };
}

/* RAM shared from file @fd at @offset */
static VFIOSection file_sec(hwaddr iova, uint64_t size, uintptr_t vaddr,
                            int fd, uint64_t offset)
{
    VFIOSection s = sec(iova, size, vaddr);

    s.has_file = true;
    s.fd = fd;
    s.fd_offset = offset;
    return s;
}

/* ---- Warnings sink ------------------------------------------------------ */

static GPtrArray *messages;

static void capture(const char *line, void *opaque)
{
    g_ptr_array_add(messages, g_strdup(line));
}

static void capture_start(void)
{
    messages = g_ptr_array_new_with_free_func(g_free);
    error_set_sink(capture, NULL);
}

static void capture_stop(void)
{
    error_set_sink(NULL, NULL);
    g_ptr_array_free(messages, true);
    messages = NULL;
}

/* ---- Engine tests ------------------------------------------------------- */

static void test_coalesce(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    VFIOSection a[] = { sec(0, 2 * PG, 0x100000),
                        sec(2 * PG, 3 * PG, 0x100000 + 2 * PG) };
    VFIOSection more = sec(5 * PG, PG, 0x100000 + 5 * PG);

    vfio_dma_commit(c, NULL, 0, a, 2);
    g_assert_cmpuint(f->maps, ==, 1);
    g_assert_cmpuint(g_array_index(f->kernel, FakeMapping, 0).size, ==,
                     5 * PG);

    /* A later neighbour gets its own mapping: the old one is untouched. */
    vfio_dma_commit(c, NULL, 0, &more, 1);
    g_assert_cmpuint(f->maps, ==, 2);
    g_assert_cmpuint(f->unmaps, ==, 0);

    /* Removing the first section splits the coalesced mapping. */
    vfio_dma_commit(c, &a[0], 1, NULL, 0);
    g_assert_cmpuint(f->unmaps, ==, 1);
    g_assert_cmpuint(f->maps, ==, 3);
    g_assert_nonnull(vfio_dma_lookup(c, 2 * PG));
    g_assert_null(vfio_dma_lookup(c, PG));
    g_assert_cmpuint(vfio_dma_lookup(c, 2 * PG)->size, ==, 3 * PG);
    g_assert_cmphex((uintptr_t)vfio_dma_lookup(c, 2 * PG)->vaddr, ==,
                    0x100000 + 2 * PG);
    g_assert_true(c->map_error == NULL);
    fake_free(f);
}

static void test_same_pages_new_bounds(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    VFIOSection whole = sec(0, 4 * PG, 0x100000);
    VFIOSection halves[] = { sec(0, 2 * PG, 0x100000),
                             sec(2 * PG, 2 * PG + 0x800, 0x100000 + 2 * PG) };

    vfio_dma_commit(c, NULL, 0, &whole, 1);
    /* Re-split into sections covering the same pages: nothing to do. */
    vfio_dma_commit(c, &whole, 1, halves, 2);
    g_assert_cmpuint(f->maps, ==, 1);
    g_assert_cmpuint(f->unmaps, ==, 0);
    fake_free(f);
}

static void test_no_merge_across_kinds(void)
{
    FakeContainer *f = fake_new();
    VFIOSection a[] = { sec(0, PG, 0x100000), sec(PG, PG, 0x100000 + PG),
                        sec(2 * PG, PG, 0x900000) };

    a[1].readonly = true;
    vfio_dma_commit(VFIO_CONTAINER(f), NULL, 0, a, 3);
    g_assert_cmpuint(f->maps, ==, 3);
    fake_free(f);
}

/*
 * Two BAR mmaps of one device that the host placed back to back, at
 * adjacent IOVAs (what sim-batching met with seed 446719275), and RAM
 * right after them: three mappings, so that moving one BAR later leaves
 * the others alone.
 */
static void test_bars_keep_their_own_mappings(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    Object *dev = object_new(TYPE_CONTAINER);
    int region_a, region_b;
    VFIOSection s[] = { sec(0, 16 * PG, 0x200000),
                        sec(16 * PG, 128 * PG, 0x200000 + 16 * PG),
                        sec(144 * PG, PG, 0x200000 + 144 * PG) };
    VFIOSection moved;

    for (int i = 0; i < 2; i++) {
        s[i].ram_device = true;
        s[i].owner = dev;
        s[i].region = i ? (void *)&region_b : (void *)&region_a;
    }
    vfio_dma_commit(c, NULL, 0, s, 3);
    g_assert_cmpuint(f->maps, ==, 3);
    g_assert_cmpuint(vfio_dma_lookup(c, 0)->size, ==, 16 * PG);

    moved = s[0];
    moved.iova = 0x100000;
    vfio_dma_commit(c, &s[0], 1, &moved, 1);
    g_assert_cmpuint(f->unmaps, ==, 1);
    g_assert_cmpuint(f->maps, ==, 4);
    g_assert_cmpuint(vfio_dma_lookup(c, 16 * PG)->size, ==, 128 * PG);
    g_assert_true(c->map_error == NULL);
    fake_free(f);
    vfio_p2p_forget(dev);
    object_unref(dev);
}

static void test_unaligned(void)
{
    FakeContainer *f = fake_new();
    VFIOSection s = sec(0x800, 0x3000, 0x100800);
    VFIOSection tiny = sec(0x10100, 0x200, 0x200100);
    const VFIODMAMapping *m;

    vfio_dma_commit(VFIO_CONTAINER(f), NULL, 0, &s, 1);
    vfio_dma_commit(VFIO_CONTAINER(f), NULL, 0, &tiny, 1);
    g_assert_cmpuint(f->maps, ==, 1);
    m = vfio_dma_lookup(VFIO_CONTAINER(f), 0x1000);
    g_assert_nonnull(m);
    g_assert_cmphex(m->iova, ==, 0x1000);
    g_assert_cmphex(m->size, ==, 0x2000);
    g_assert_cmphex((uintptr_t)m->vaddr, ==, 0x101000);
    fake_free(f);
}

static void test_iova_ranges(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    VFIOIovaRange r[] = { { 0x200000, 0x2fffff }, { 0, 0xfffff } };
    VFIOSection in = sec(0x1000, PG, 0x100000);
    VFIOSection out = sec(0xff000, 2 * PG, 0x200000);

    vfio_dma_set_iova_ranges(c, r, 2);
    g_assert_true(vfio_dma_iova_usable(c, 0, 0x100000));
    g_assert_false(vfio_dma_iova_usable(c, 0xff000, 0x2000));
    g_assert_true(vfio_dma_iova_usable(c, 0x2ff000, 0x1000));
    g_assert_false(vfio_dma_iova_usable(c, 0x300000, 0x1000));

    vfio_dma_commit(c, NULL, 0, &in, 1);
    g_assert_null(c->map_error);
    vfio_dma_commit(c, NULL, 0, &out, 1);
    g_assert_nonnull(c->map_error);
    g_assert_nonnull(strstr(error_get_pretty(c->map_error),
                            "outside the host IOMMU's usable IOVA ranges"));
    g_assert_cmpuint(f->maps, ==, 1);
    error_free(g_steal_pointer(&c->map_error));
    fake_free(f);
}

static void test_bar_failure_warns_once(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    Object *dev1 = object_new(TYPE_CONTAINER);
    Object *dev2 = object_new(TYPE_CONTAINER);
    VFIOSection bars[] = { sec(0xfe000000, PG, 0x7000000),
                           sec(0xfe100000, PG, 0x7100000),
                           sec(0xfe200000, PG, 0x7200000) };
    VFIOSection ram = sec(0, PG, 0x100000);

    for (int i = 0; i < 3; i++) {
        bars[i].ram_device = true;
        bars[i].name = "0000:00:05.0 BAR 0";
        bars[i].owner = i < 2 ? dev1 : dev2;
    }
    f->fail_lo = 0x7000000;
    f->fail_hi = 0x8000000;
    capture_start();
    vfio_dma_commit(c, NULL, 0, bars, 3);
    vfio_dma_commit(c, NULL, 0, &ram, 1);
    g_assert_null(c->map_error);
    g_assert_cmpuint(messages->len, ==, 2);
    g_assert_nonnull(strstr(g_ptr_array_index(messages, 0),
                            "peer-to-peer DMA to this device's BARs is "
                            "unavailable"));
    g_assert_nonnull(strstr(g_ptr_array_index(messages, 0), "Bad address"));
    capture_stop();
    g_assert_cmpuint(f->kernel->len, ==, 1);
    fake_free(f);
    /* As a departing device does: the next owner here may reuse them. */
    vfio_p2p_forget(dev1);
    vfio_p2p_forget(dev2);
    object_unref(dev1);
    object_unref(dev2);
}

/* A BAR of @owner at iova in the failing host range, of region @region. */
static VFIOSection bar_sec(hwaddr iova, const void *region, Object *owner)
{
    VFIOSection s = sec(iova, PG, 0x7000000);

    s.ram_device = true;
    s.region = region;
    s.owner = owner;
    s.name = "0000:00:05.0 BAR 0 mmaps[0]";
    return s;
}

/* Moves a BAR from @from to @to, as a guest's BAR reprogramming does. */
static void move_bar(VFIOContainer *c, VFIOSection *bar, hwaddr to)
{
    VFIOSection old = *bar;

    bar->iova = to;
    vfio_dma_commit(c, &old, 1, bar, 1);
}

static void test_bar_efault_remembered(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(c);
    Object *dev = object_new(TYPE_CONTAINER);
    int region_a, region_b;     /* their addresses are the identities */
    VFIOSection a = bar_sec(0xfe000000, &region_a, dev);
    VFIOSection b = bar_sec(0xfd000000, &region_b, dev);

    f->fail_lo = 0x7000000;
    f->fail_hi = 0x8000000;
    capture_start();

    /* The first attempt fails with EFAULT and warns. */
    vfio_dma_commit(c, NULL, 0, &a, 1);
    g_assert_cmpuint(f->map_calls, ==, 1);
    g_assert_cmpuint(messages->len, ==, 1);
    g_assert_nonnull(strstr(g_ptr_array_index(messages, 0), "Bad address"));

    /* Moves and re-adds of that region cost nothing. */
    for (int i = 1; i <= 100; i++) {
        move_bar(c, &a, 0xfe000000 + i * 0x100000ULL);
    }
    vfio_dma_commit(c, &a, 1, NULL, 0);
    vfio_dma_commit(c, NULL, 0, &a, 1);
    g_assert_cmpuint(f->map_calls, ==, 1);

    /* Another region (same device) is still tried; one warning in all. */
    vfio_dma_commit(c, NULL, 0, &b, 1);
    g_assert_cmpuint(f->map_calls, ==, 2);
    move_bar(c, &b, 0xfd100000);
    g_assert_cmpuint(f->map_calls, ==, 2);
    g_assert_cmpuint(messages->len, ==, 1);

    /* Tearing the region down forgets it: a new region there is tried. */
    vfio_dma_forget_unmappable(&region_a, NULL);
    move_bar(c, &a, 0xfe000000);
    g_assert_cmpuint(f->map_calls, ==, 3);
    move_bar(c, &b, 0xfd200000);
    g_assert_cmpuint(f->map_calls, ==, 3);

    /* So does the owner's teardown, for all its regions. */
    vfio_dma_forget_unmappable(NULL, dev);
    move_bar(c, &a, 0xfe100000);
    move_bar(c, &b, 0xfd300000);
    g_assert_cmpuint(f->map_calls, ==, 5);
    vfio_dma_forget_unmappable(NULL, dev);

    /* Other errors may be transient: every move tries again. */
    f->fail_errno = ENOMEM;
    move_bar(c, &a, 0xfe200000);
    move_bar(c, &a, 0xfe300000);
    g_assert_cmpuint(f->map_calls, ==, 7);

    /* A backend that can map BARs (legacy) is never spared a try. */
    f->fail_errno = 0;
    k->ram_device_efault_final = false;
    move_bar(c, &a, 0xfe400000);
    move_bar(c, &a, 0xfe500000);
    g_assert_cmpuint(f->map_calls, ==, 9);
    k->ram_device_efault_final = true;

    g_assert_cmpuint(messages->len, ==, 1);
    capture_stop();
    g_assert_cmpuint(f->kernel->len, ==, 0);
    fake_free(f);
    vfio_p2p_forget(dev);
    object_unref(dev);
}

static gint iova_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    hwaddr x = *(const hwaddr *)a, y = *(const hwaddr *)b;

    return x < y ? -1 : x > y;
}

static void test_replay_with_copy(void)
{
    FakeContainer *donor = fake_new(), *f = fake_new(), *g = fake_new();
    GTree *sections = g_tree_new_full(iova_cmp, NULL, NULL, NULL);
    VFIOSection a[] = { sec(0, 4 * PG, 0x100000),
                        sec(0x100000, PG, 0x900000) };

    for (int i = 0; i < 2; i++) {
        g_tree_insert(sections, &a[i].iova, &a[i]);
    }
    vfio_dma_commit(VFIO_CONTAINER(donor), NULL, 0, a, 2);
    g_assert_cmpuint(donor->maps, ==, 2);

    /* What the donor holds identically is copied, not mapped again. */
    vfio_dma_replay(VFIO_CONTAINER(f), sections, VFIO_CONTAINER(donor));
    g_assert_cmpuint(f->copies, ==, 2);
    g_assert_cmpuint(f->maps, ==, 0);

    /* A donor holding the pages in two mappings still serves one copy. */
    {
        FakeContainer *split = fake_new(), *h = fake_new();
        VFIOSection halves[] = { sec(0, 2 * PG, 0x100000),
                                 sec(2 * PG, 2 * PG, 0x100000 + 2 * PG) };

        vfio_dma_commit(VFIO_CONTAINER(split), NULL, 0, &halves[0], 1);
        vfio_dma_commit(VFIO_CONTAINER(split), NULL, 0, &halves[1], 1);
        g_assert_cmpuint(split->maps, ==, 2);
        vfio_dma_replay(VFIO_CONTAINER(h), sections, VFIO_CONTAINER(split));
        g_assert_cmpuint(h->copies, ==, 1);     /* [0, 4 pages) */
        g_assert_cmpuint(h->maps, ==, 1);       /* the donor lacks the 2nd */
        fake_free(h);
        fake_free(split);
    }

    /* Without a donor, replay maps. */
    vfio_dma_replay(VFIO_CONTAINER(g), sections, NULL);
    g_assert_cmpuint(g->maps, ==, 2);

    g_tree_destroy(sections);
    fake_free(g);
    fake_free(f);
    fake_free(donor);
}

/* ---- Listener tests against the real memory API ----------------------- */

typedef struct Rig {
    MemoryRegion root;
    AddressSpace as;
    VFIODevice dev;
    FakeContainer *f;
} Rig;

static void rig_init(Rig *r)
{
    memory_region_init(&r->root, NULL, "vfio-test-root", UINT64_MAX);
    address_space_init(&r->as, &r->root, "vfio-test");
    vfio_device_init(&r->dev, NULL);
    r->dev.name = g_strdup("fake");
}

static void rig_attach(Rig *r, VFIODevice *dev)
{
    g_assert_true(vfio_container_attach_device(TYPE_VFIO_CONTAINER_FAKE, dev,
                                               &r->as, &error_abort));
    r->f = FAKE(dev->container);
}

static void rig_destroy(Rig *r)
{
    vfio_container_detach_device(&r->dev);
    g_assert_null(vfio_address_space_lookup(&r->as));
    g_free(r->dev.name);
    address_space_destroy(&r->as);
    memory_region_finalize(&r->root);
}

/* Host address of each mapped page, from the fake kernel. */
static GHashTable *kernel_pages(FakeContainer *f)
{
    GHashTable *h = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                          NULL);

    for (guint i = 0; i < f->kernel->len; i++) {
        FakeMapping *m = &g_array_index(f->kernel, FakeMapping, i);

        for (uint64_t off = 0; off < m->size; off += PG) {
            uint64_t *key = g_new(uint64_t, 1);

            *key = m->iova + off;
            g_assert_false(g_hash_table_contains(h, key));
            g_hash_table_insert(h, key, GSIZE_TO_POINTER(m->vaddr + off));
        }
    }
    return h;
}

/* Host address of each page the flat view says should be mapped. */
static GHashTable *flatview_pages(AddressSpace *as)
{
    GHashTable *h = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                          NULL);
    FlatView *fv = address_space_get_flatview(as);

    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection s = flatview_section(fv, i);
        hwaddr start, end;
        uintptr_t host;

        if (!memory_region_is_ram(s.mr)) {
            continue;
        }
        start = QEMU_ALIGN_UP(s.offset_within_address_space, PG);
        end = QEMU_ALIGN_DOWN(s.offset_within_address_space +
                              int128_get64(s.size), PG);
        host = (uintptr_t)memory_region_get_ram_ptr(s.mr) +
               s.offset_within_region +
               (start - s.offset_within_address_space);
        if (host % PG) {
            continue;   /* host and IOVA page offsets differ: unmappable */
        }
        for (hwaddr a = start; a < end; a += PG, host += PG) {
            uint64_t *key = g_new(uint64_t, 1);

            *key = a;
            g_hash_table_insert(h, key, GSIZE_TO_POINTER(host));
        }
    }
    flatview_unref(fv);
    return h;
}

static void assert_same_pages(GHashTable *want, GHashTable *got)
{
    GHashTableIter it;
    gpointer k, v;

    g_assert_cmpuint(g_hash_table_size(want), ==, g_hash_table_size(got));
    g_hash_table_iter_init(&it, want);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_assert_true(g_hash_table_contains(got, k));
        g_assert_true(g_hash_table_lookup(got, k) == v);
    }
}

static void test_listener_basic(void)
{
    Rig r;
    MemoryRegion ram, alias_lo, alias_hi, mmio;
    g_autoptr(GHashTable) want = NULL, got = NULL;

    rig_init(&r);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 16 * PG,
                                         &error_abort));
    /* Two aliases showing contiguous halves back to back: one mapping. */
    memory_region_init_alias(&alias_lo, NULL, "lo", &ram, 0, 8 * PG);
    memory_region_init_alias(&alias_hi, NULL, "hi", &ram, 8 * PG, 8 * PG);
    memory_region_init_io(&mmio, NULL, NULL, NULL, "mmio", PG);
    memory_region_add_subregion(&r.root, 0x100000, &alias_lo);
    memory_region_add_subregion(&r.root, 0x100000 + 8 * PG, &alias_hi);
    memory_region_add_subregion(&r.root, 0x200000, &mmio);

    rig_attach(&r, &r.dev);
    g_assert_cmpuint(r.f->maps, ==, 1);
    want = flatview_pages(&r.as);
    got = kernel_pages(r.f);
    assert_same_pages(want, got);

    /* Unrelated MMIO changes cost nothing. */
    memory_region_del_subregion(&r.root, &mmio);
    g_assert_cmpuint(r.f->maps, ==, 1);
    g_assert_cmpuint(r.f->unmaps, ==, 0);

    memory_region_del_subregion(&r.root, &alias_hi);
    g_assert_cmpuint(r.f->unmaps, ==, 1);
    g_assert_cmpuint(r.f->maps, ==, 2);

    memory_region_del_subregion(&r.root, &alias_lo);
    g_assert_cmpuint(r.f->kernel->len, ==, 0);
    rig_destroy(&r);
    memory_region_finalize(&alias_lo);
    memory_region_finalize(&alias_hi);
    memory_region_finalize(&mmio);
    memory_region_finalize(&ram);
}

static void test_listener_second_container_copies(void)
{
    Rig r;
    MemoryRegion ram;
    VFIODevice dev2, dev3;
    FakeContainer *second, *third;

    rig_init(&r);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 64 * PG,
                                         &error_abort));
    memory_region_add_subregion(&r.root, 0, &ram);
    rig_attach(&r, &r.dev);

    vfio_device_init(&dev2, NULL);
    dev2.name = g_strdup("fake2");
    dev2.force_separate_ioas = true;
    g_assert_true(vfio_container_attach_device(TYPE_VFIO_CONTAINER_FAKE,
                                               &dev2, &r.as, &error_abort));
    second = FAKE(dev2.container);
    g_assert_true(second != r.f);
    g_assert_cmpuint(second->copies, ==, 1);
    g_assert_cmpuint(second->maps, ==, 0);

    /* x-ioas-copy=off: a third container maps instead of copying. */
    vfio_device_init(&dev3, NULL);
    dev3.name = g_strdup("fake3");
    dev3.force_separate_ioas = true;
    dev3.ioas_copy = false;
    g_assert_true(vfio_container_attach_device(TYPE_VFIO_CONTAINER_FAKE,
                                               &dev3, &r.as, &error_abort));
    third = FAKE(dev3.container);
    g_assert_true(third != r.f && third != second);
    g_assert_cmpuint(third->copies, ==, 0);
    g_assert_cmpuint(third->maps, ==, 1);

    /* All containers follow later changes. */
    memory_region_del_subregion(&r.root, &ram);
    g_assert_cmpuint(r.f->kernel->len, ==, 0);
    g_assert_cmpuint(second->kernel->len, ==, 0);
    g_assert_cmpuint(third->kernel->len, ==, 0);

    vfio_container_detach_device(&dev3);
    g_free(dev3.name);
    vfio_container_detach_device(&dev2);
    g_free(dev2.name);
    rig_destroy(&r);
    memory_region_finalize(&ram);
}

/*
 * Through the listener: a BAR mmap the host refused is not tried again
 * when the guest moves it, and a region freed and allocated again at the
 * same address (vfio_dma_forget_unmappable() on teardown) is tried.
 */
static void test_listener_bar_refused_once(void)
{
    Rig r;
    MemoryRegion ram, *bar = g_new0(MemoryRegion, 1);
    void *devmem = g_aligned_alloc0(1, PG, PG);

    rig_init(&r);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 16 * PG,
                                         &error_abort));
    memory_region_add_subregion(&r.root, 0, &ram);
    rig_attach(&r, &r.dev);
    g_assert_cmpuint(r.f->map_calls, ==, 1);
    r.f->fail_lo = (uintptr_t)devmem;
    r.f->fail_hi = (uintptr_t)devmem + PG;

    capture_start();
    memory_region_init_ram_device_ptr(bar, NULL, "bar", PG, devmem);
    memory_region_add_subregion(&r.root, 0x100000, bar);
    g_assert_cmpuint(r.f->map_calls, ==, 2);
    for (int i = 1; i <= 50; i++) {
        memory_region_set_address(bar, 0x100000 + i * PG);
    }
    g_assert_cmpuint(r.f->map_calls, ==, 2);

    /* Teardown, then a new region in the same memory: tried again. */
    vfio_dma_forget_unmappable(bar, NULL);
    memory_region_del_subregion(&r.root, bar);
    memory_region_finalize(bar);
    memory_region_init_ram_device_ptr(bar, NULL, "bar", PG, devmem);
    memory_region_add_subregion(&r.root, 0x100000, bar);
    g_assert_cmpuint(r.f->map_calls, ==, 3);
    g_assert_cmpuint(messages->len, ==, 1);
    capture_stop();

    memory_region_del_subregion(&r.root, bar);
    memory_region_finalize(bar);
    rig_destroy(&r);
    memory_region_finalize(&ram);
    g_free(bar);
    g_aligned_free(devmem);
}

/* Splitting RAM into two windows and moving one, in one transaction. */
static void test_listener_split_and_move(void)
{
    Rig r;
    MemoryRegion ram, lo, hi;
    g_autoptr(GHashTable) want = NULL, got = NULL;

    rig_init(&r);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 16 * PG,
                                         &error_abort));
    memory_region_add_subregion(&r.root, 0, &ram);
    rig_attach(&r, &r.dev);
    g_assert_cmpuint(r.f->maps, ==, 1);

    memory_region_init_alias(&lo, NULL, "lo", &ram, 0, 8 * PG);
    memory_region_init_alias(&hi, NULL, "hi", &ram, 8 * PG, 8 * PG);
    memory_region_transaction_begin();
    memory_region_del_subregion(&r.root, &ram);
    memory_region_add_subregion(&r.root, 0, &lo);
    memory_region_add_subregion(&r.root, 0x400000, &hi);
    memory_region_transaction_commit();
    want = flatview_pages(&r.as);
    got = kernel_pages(r.f);
    assert_same_pages(want, got);
    g_assert_nonnull(vfio_dma_lookup(VFIO_CONTAINER(r.f), 0x400000));
    g_assert_null(vfio_dma_lookup(VFIO_CONTAINER(r.f), 8 * PG));
    /* The old mapping could not be kept; the new ones are one each. */
    g_assert_cmpuint(r.f->unmaps, ==, 1);
    g_assert_cmpuint(r.f->maps, ==, 3);

    memory_region_transaction_begin();
    memory_region_del_subregion(&r.root, &lo);
    memory_region_del_subregion(&r.root, &hi);
    memory_region_add_subregion(&r.root, 0, &ram);
    memory_region_transaction_commit();
    g_assert_nonnull(vfio_dma_lookup(VFIO_CONTAINER(r.f), 8 * PG));
    rig_destroy(&r);
    memory_region_finalize(&lo);
    memory_region_finalize(&hi);
    memory_region_finalize(&ram);
}

/* One IOMMU group cannot span two address spaces, whatever the backend. */
static void test_group_spans_spaces(void)
{
    Rig r1, r2;
    VFIODevice dev2;
    Error *err = NULL;

    rig_init(&r1);
    rig_init(&r2);
    r1.dev.groupid = 7;
    rig_attach(&r1, &r1.dev);
    vfio_device_init(&dev2, NULL);
    dev2.name = g_strdup("fake2");
    dev2.groupid = 7;
    g_assert_false(vfio_container_attach_device(TYPE_VFIO_CONTAINER_FAKE,
                                                &dev2, &r2.as, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "vfio fake2: group 7 is already used in address space "
                    "'vfio-test'; all devices of a group must share one "
                    "address space");
    error_free(err);
    g_assert_null(dev2.container);
    g_assert_null(vfio_address_space_lookup(&r2.as));
    /* The same address space is fine. */
    g_assert_true(vfio_container_attach_device(TYPE_VFIO_CONTAINER_FAKE,
                                               &dev2, &r1.as, &error_abort));
    g_assert_true(dev2.container == r1.dev.container);
    vfio_container_detach_device(&dev2);
    g_free(dev2.name);
    rig_destroy(&r2);
    rig_destroy(&r1);
}

#define NR_RANDOM_REGIONS 6

static void test_listener_random(void)
{
    Rig r;
    MemoryRegion ram[NR_RANDOM_REGIONS], alias[NR_RANDOM_REGIONS];
    bool mapped[NR_RANDOM_REGIONS] = { 0 };
    GRand *rnd = g_rand_new_with_seed(0x5eed);

    rig_init(&r);
    for (int i = 0; i < NR_RANDOM_REGIONS; i++) {
        g_autofree char *name = g_strdup_printf("ram%d", i);
        g_autofree char *aname = g_strdup_printf("alias%d", i);

        g_assert_true(memory_region_init_ram(&ram[i], NULL, name, 32 * PG,
                                             &error_abort));
        memory_region_init_alias(&alias[i], NULL, aname, &ram[i], 0, 32 * PG);
    }
    rig_attach(&r, &r.dev);
    capture_start();    /* misaligned sections warn; that is expected */

    for (int round = 0; round < 1000; round++) {
        g_autoptr(GHashTable) before = kernel_pages(r.f);
        g_autoptr(GHashTable) want = NULL, got = NULL;
        int nops = g_rand_int_range(rnd, 1, 4);

        g_array_set_size(r.f->unmap_log, 0);
        memory_region_transaction_begin();
        for (int op = 0; op < nops; op++) {
            int i = g_rand_int_range(rnd, 0, NR_RANDOM_REGIONS);

            if (mapped[i]) {
                memory_region_del_subregion(&r.root, &alias[i]);
                mapped[i] = false;
            } else {
                /* Sometimes unaligned, sometimes overlapping others. */
                hwaddr off = g_rand_int_range(rnd, 0, 24) * PG / 2;
                hwaddr at = g_rand_int_range(rnd, 0, 96) * PG / 2;
                uint64_t size = g_rand_int_range(rnd, 1, 16) * PG / 2;

                memory_region_set_alias_offset(&alias[i], off);
                memory_region_set_size(&alias[i], size);
                memory_region_add_subregion_overlap(&r.root, at, &alias[i],
                                                    g_rand_int_range(rnd, 0,
                                                                     3));
                mapped[i] = true;
            }
        }
        memory_region_transaction_commit();

        want = flatview_pages(&r.as);
        got = kernel_pages(r.f);
        assert_same_pages(want, got);

        /* Minimality: every unmap touched a page whose mapping changed. */
        for (guint u = 0; u < r.f->unmap_log->len; u++) {
            FakeMapping *m = &g_array_index(r.f->unmap_log, FakeMapping, u);
            bool changed = false;

            for (uint64_t off = 0; off < m->size && !changed; off += PG) {
                uint64_t key = m->iova + off;

                changed = g_hash_table_lookup(want, &key) !=
                          g_hash_table_lookup(before, &key);
            }
            g_assert_true(changed);
        }
    }
    capture_stop();

    for (int i = 0; i < NR_RANDOM_REGIONS; i++) {
        if (mapped[i]) {
            memory_region_del_subregion(&r.root, &alias[i]);
        }
    }
    g_assert_cmpuint(r.f->kernel->len, ==, 0);
    rig_destroy(&r);
    for (int i = 0; i < NR_RANDOM_REGIONS; i++) {
        memory_region_finalize(&alias[i]);
        memory_region_finalize(&ram[i]);
    }
    g_rand_free(rnd);
}

/*
 * RAM shared from a file maps by file where the container says the kernel
 * can, merged only along the file; other RAM, and every file the kernel
 * refuses, by address.
 */
static void test_ram_by_file(void)
{
    FakeContainer *f = fake_new();
    VFIOContainer *c = VFIO_CONTAINER(f);
    VFIOSection a[] = {
        file_sec(0, 2 * PG, 0x100000, 7, 0),
        file_sec(2 * PG, 2 * PG, 0x100000 + 2 * PG, 7, 2 * PG),
        /* contiguous in IOVA and host address, but another file */
        file_sec(4 * PG, PG, 0x100000 + 4 * PG, 8, 0),
        sec(5 * PG, PG, 0x100000 + 5 * PG),
    };
    VFIOSection disk = file_sec(16 * PG, PG, 0x400000, 9, 0);
    VFIOSection cut = file_sec(PG, PG, 0x100000 + PG, 7, PG);

    /* a kernel without IOMMU_IOAS_MAP_FILE: everything by address */
    vfio_dma_commit(c, NULL, 0, a, 4);
    g_assert_cmpuint(f->file_maps, ==, 0);
    g_assert_cmpuint(f->maps, ==, 1);
    vfio_dma_unmap_all(c);

    c->ram_by_file = true;
    f->maps = 0;
    vfio_dma_commit(c, NULL, 0, a, 4);
    /* file 7 as one mapping, file 8 alone, the anonymous page by address */
    g_assert_cmpuint(f->file_maps, ==, 2);
    g_assert_cmpuint(f->maps, ==, 1);
    g_assert_cmpint(fake_find(f, 0, 4 * PG, true), >=, 0);
    g_assert_cmphex(g_array_index(f->kernel, FakeMapping,
                                  fake_find(f, 4 * PG, PG, true)).vaddr, ==,
                    (uintptr_t)8 << 40);

    /* a removal in the middle maps what is left at the right offsets */
    vfio_dma_commit(c, &cut, 1, NULL, 0);
    g_assert_cmpuint(f->file_maps, ==, 4);
    g_assert_cmphex(g_array_index(f->kernel, FakeMapping,
                                  fake_find(f, 2 * PG, 2 * PG, true)).vaddr,
                    ==, ((uintptr_t)7 << 40) | (2 * PG));

    /* a file the kernel does not pin (a disk file): by address instead */
    f->file_refused_fd = 9;
    vfio_dma_commit(c, NULL, 0, &disk, 1);
    g_assert_cmpuint(f->maps, ==, 2);
    g_assert_cmphex(g_array_index(f->kernel, FakeMapping,
                                  fake_find(f, 16 * PG, PG, true)).vaddr,
                    ==, 0x400000);
    fake_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    type_register_static(&fake_info);

    g_test_add_func("/vfio/dma/coalesce", test_coalesce);
    g_test_add_func("/vfio/dma/same-pages-new-bounds",
                    test_same_pages_new_bounds);
    g_test_add_func("/vfio/dma/no-merge-across-kinds",
                    test_no_merge_across_kinds);
    g_test_add_func("/vfio/dma/bars-keep-their-own-mappings",
                    test_bars_keep_their_own_mappings);
    g_test_add_func("/vfio/dma/unaligned", test_unaligned);
    g_test_add_func("/vfio/dma/iova-ranges", test_iova_ranges);
    g_test_add_func("/vfio/dma/bar-failure-warns-once",
                    test_bar_failure_warns_once);
    g_test_add_func("/vfio/dma/bar-efault-remembered",
                    test_bar_efault_remembered);
    g_test_add_func("/vfio/dma/replay-with-copy", test_replay_with_copy);
    g_test_add_func("/vfio/dma/ram-by-file", test_ram_by_file);
    g_test_add_func("/vfio/listener/basic", test_listener_basic);
    g_test_add_func("/vfio/listener/second-container-copies",
                    test_listener_second_container_copies);
    g_test_add_func("/vfio/listener/bar-refused-once",
                    test_listener_bar_refused_once);
    g_test_add_func("/vfio/listener/split-and-move",
                    test_listener_split_and_move);
    g_test_add_func("/vfio/listener/group-spans-spaces",
                    test_group_spans_spaces);
    g_test_add_func("/vfio/listener/random", test_listener_random);
    return g_test_run();
}
