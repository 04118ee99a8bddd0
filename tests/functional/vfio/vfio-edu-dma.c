/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-guest check of the VFIO core with a real kernel and QEMU's edu device
 *
 *   vfio-edu-dma --backend legacy|iommufd|auto [--same-group] BDF [BDF2]
 *
 * Builds an AddressSpace with memfd RAM, attaches the edu device through
 * the chosen backend, checks the mappings the listener made, then has
 * edu DMA RAM -> device -> RAM through the real (emulated VT-d) IOMMU and
 * checks the data landed in the RAM region.  The device's BAR is put in
 * the address space too: legacy maps it, iommufd must refuse it with one
 * warning (the peer-to-peer gap) and carry on.  With a second BDF, a
 * second device is attached to a container of its own
 * (x-force-separate-ioas), which iommufd fills by IOMMU_IOAS_COPY, and
 * DMA is checked through it as well.  With --same-group (two devices of
 * one IOMMU group), the second device must be refused in another address
 * space and share the first one's container in the same one.  Teardown
 * must leave nothing.
 *
 * Output is TAP; the exit status is 0 when every check passed.
 */
#include "qemu/osdep.h"

#include <time.h>

#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-dma-map.h"
#include "qemu/error-report.h"
#include "qemu/trace.h"
#include "system/memory.h"

#include "guest-tap.h"

#define RAM_SIZE (16 * 1024 * 1024)
#define BAR_GPA 0xfe000000ULL
#define EDU_BUF 0x40000
#define XFER 256

static GPtrArray *warnings;

static void sink(const char *line, void *opaque)
{
    tap_diag_sink(line, opaque);
    g_ptr_array_add(warnings, g_strdup(line));
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct Edu {
    VFIODevice dev;
    VFIORegion config, bar0;
    hwaddr bar_gpa;
} Edu;

static AddressSpace as;
static MemoryRegion root, ram;

static uint32_t bar_read(Edu *e, hwaddr off)
{
    return address_space_ldl_le(&as, e->bar_gpa + off, MEMTXATTRS_UNSPECIFIED,
                                NULL);
}

static void bar_write(Edu *e, hwaddr off, uint32_t val)
{
    address_space_stl_le(&as, e->bar_gpa + off, val, MEMTXATTRS_UNSPECIFIED,
                         NULL);
}

static void bar_write64(Edu *e, hwaddr off, uint64_t val)
{
    address_space_stq_le(&as, e->bar_gpa + off, val, MEMTXATTRS_UNSPECIFIED,
                         NULL);
}

static bool edu_open(Edu *e, const char *bdf, const char *backend,
                     bool separate, hwaddr bar_gpa)
{
    Error *err = NULL;
    uint32_t id = 0;
    uint16_t cmd;

    vfio_device_init(&e->dev, NULL);
    e->dev.iommufd_opt = g_strdup(!strcmp(backend, "legacy") ? "off" :
                                  !strcmp(backend, "iommufd") ? "on" :
                                  "auto");
    e->dev.force_separate_ioas = separate;
    e->bar_gpa = bar_gpa;
    if (!vfio_device_set_host(&e->dev, bdf, NULL, &err) ||
        !vfio_device_attach(&e->dev, &as, &err)) {
        check(false, "attach %s with %s: %s", bdf, backend,
              error_get_pretty(err));
        error_free(err);
        return false;
    }
    check(!strcmp(vfio_device_backend_name(&e->dev), backend) ||
          !strcmp(backend, "auto"),
          "%s attached with backend %s", bdf,
          vfio_device_backend_name(&e->dev));
    if (!vfio_region_setup(&e->dev, &e->config, VFIO_PCI_CONFIG_REGION_INDEX,
                           NULL, &err) ||
        !vfio_region_setup(&e->dev, &e->bar0, VFIO_PCI_BAR0_REGION_INDEX,
                           "edu BAR0", &err) ||
        !vfio_region_mmap(&e->bar0, &err)) {
        check(false, "regions of %s: %s", bdf, error_get_pretty(err));
        error_free(err);
        return false;
    }
    vfio_region_read(&e->config, 0, &id, 4);
    check(id == 0x11e81234, "config dword 0 of %s is 0x%08x", bdf, id);
    check(e->bar0.size == 1024 * 1024 && e->bar0.nr_mmaps == 1 &&
          e->bar0.mmaps[0].mmap, "BAR0 is 1 MiB and mmapped");
    vfio_region_read(&e->config, 4, &cmd, 2);
    cmd |= 0x6;     /* memory space, bus master */
    vfio_region_write(&e->config, 4, &cmd, 2);
    memory_region_add_subregion(&root, bar_gpa, e->bar0.mem);
    bar_write(e, 0x04, 0x12345678);
    check(bar_read(e, 0x04) == ~0x12345678u, "edu liveness through BAR0");
    return true;
}

static void edu_close(Edu *e)
{
    if (e->bar0.mem && memory_region_is_mapped(e->bar0.mem)) {
        memory_region_del_subregion(&root, e->bar0.mem);
    }
    vfio_region_finalize(&e->bar0);
    vfio_region_finalize(&e->config);
    vfio_device_finalize(&e->dev);
}

/* One edu DMA; false on timeout. */
static bool edu_dma(Edu *e, uint64_t src, uint64_t dst, bool to_ram)
{
    double deadline = now() + 10;

    bar_write64(e, 0x80, src);
    bar_write64(e, 0x88, dst);
    bar_write64(e, 0x90, XFER);
    bar_write64(e, 0x98, 1 | (to_ram ? 2 : 0));
    while (bar_read(e, 0x98) & 1) {
        if (now() > deadline) {
            return false;
        }
        g_usleep(1000);
    }
    return true;
}

/* DMA src -> edu -> dst (IOVAs); hsrc/hdst are their offsets in ram. */
static void dma_roundtrip(Edu *e, const char *what, hwaddr src, hwaddr dst,
                          hwaddr hsrc, hwaddr hdst)
{
    uint8_t *host = memory_region_get_ram_ptr(&ram);
    bool ok;

    for (int i = 0; i < XFER; i++) {
        host[hsrc + i] = (uint8_t)(i * 7 + src / 4096);
        host[hdst + i] = 0;
    }
    ok = edu_dma(e, src, EDU_BUF, false) && edu_dma(e, EDU_BUF, dst, true);
    check(ok, "%s: edu DMA completed", what);
    check(ok && !memcmp(host + hsrc, host + hdst, XFER),
          "%s: data went RAM -> edu -> RAM through the IOMMU", what);
}

int main(int argc, char **argv)
{
    const char *backend;
    const VFIODMAMapping *m;
    Edu e1, e2;
    double t0;
    bool p2p_warned = false;
    bool same_group = false;

    const char *bdf1, *bdf2;
    int arg = 3;

    if (argc > arg && !strcmp(argv[arg], "--same-group")) {
        same_group = true;
        arg++;
    }
    if (argc <= arg || strcmp(argv[1], "--backend")) {
        fprintf(stderr, "usage: %s --backend legacy|iommufd|auto "
                "[--same-group] BDF [BDF2]\n", argv[0]);
        return 2;
    }
    backend = argv[2];
    bdf1 = argv[arg];
    bdf2 = argc > arg + 1 ? argv[arg + 1] : NULL;
    warnings = g_ptr_array_new_with_free_func(g_free);
    error_set_sink(sink, NULL);

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "vfio-test");
    if (!memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_fatal)) {
        return 1;
    }
    memory_region_add_subregion(&root, 0, &ram);

    t0 = now();
    if (!edu_open(&e1, bdf1, backend, false, BAR_GPA)) {
        tap_finish();
        return 1;
    }
    printf("# attach took %.3f s\n", now() - t0);
    m = vfio_dma_lookup(e1.dev.container, 0);
    check(m && m->iova == 0 && m->size == RAM_SIZE &&
          m->vaddr == memory_region_get_ram_ptr(&ram),
          "RAM is mapped at IOVA 0 as one mapping");
    m = vfio_dma_lookup(e1.dev.container, BAR_GPA);
    for (guint i = 0; i < warnings->len; i++) {
        p2p_warned |= strstr(g_ptr_array_index(warnings, i),
                             "peer-to-peer") != NULL;
    }
    if (e1.dev.backend == VFIO_BACKEND_LEGACY) {
        check(m != NULL && !p2p_warned, "legacy maps the BAR for p2p");
    } else {
        check(m == NULL && p2p_warned && warnings->len == 1,
              "iommufd cannot map the BAR: one warning, not fatal");
    }

    dma_roundtrip(&e1, "device 1", 0x10000, 0x20000, 0x10000, 0x20000);

    /* A topology change: RAM's upper half moves to 64 MiB; DMA follows. */
    {
        MemoryRegion lo, hi;
        hwaddr moved = 0x4000000;

        memory_region_init_alias(&lo, NULL, "ram-lo", &ram, 0, RAM_SIZE / 2);
        memory_region_init_alias(&hi, NULL, "ram-hi", &ram, RAM_SIZE / 2,
                                 RAM_SIZE / 2);
        memory_region_transaction_begin();
        memory_region_del_subregion(&root, &ram);
        memory_region_add_subregion(&root, 0, &lo);
        memory_region_add_subregion(&root, moved, &hi);
        memory_region_transaction_commit();
        check(vfio_dma_lookup(e1.dev.container, moved) != NULL &&
              vfio_dma_lookup(e1.dev.container, RAM_SIZE / 2) == NULL,
              "the listener followed a topology change");
        dma_roundtrip(&e1, "moved RAM", moved + 0x1000, 0x10000,
                      RAM_SIZE / 2 + 0x1000, 0x10000);
        memory_region_transaction_begin();
        memory_region_del_subregion(&root, &lo);
        memory_region_del_subregion(&root, &hi);
        memory_region_add_subregion(&root, 0, &ram);
        memory_region_transaction_commit();
        memory_region_finalize(&lo);
        memory_region_finalize(&hi);
    }

    /* RAM in the host's MSI window cannot be mapped: a clear error. */
    {
        MemoryRegion msi_ram;
        guint before = warnings->len;
        bool reported = false;

        memory_region_init_ram(&msi_ram, NULL, "ram-in-msi-window", 0x1000,
                               &error_fatal);
        memory_region_add_subregion(&root, 0xfee00000, &msi_ram);
        for (guint i = before; i < warnings->len; i++) {
            reported |= strstr(g_ptr_array_index(warnings, i),
                               "outside the host IOMMU's usable IOVA "
                               "ranges") != NULL;
        }
        check(reported && !vfio_dma_lookup(e1.dev.container, 0xfee00000),
              "RAM at 0xfee00000 is refused: outside the usable IOVA ranges");
        memory_region_del_subregion(&root, &msi_ram);
        memory_region_finalize(&msi_ram);
    }

    if (bdf2 && same_group) {
        /* One group cannot span two address spaces: refused, no leak. */
        AddressSpace as2;
        MemoryRegion root2;
        VFIODevice other;
        Error *err = NULL;
        bool ok;

        memory_region_init(&root2, NULL, "root2", UINT64_MAX);
        address_space_init(&as2, &root2, "vfio-test-2");
        vfio_device_init(&other, NULL);
        other.iommufd_opt = g_strdup(e1.dev.iommufd_opt);
        ok = vfio_device_set_host(&other, bdf2, NULL, &err) &&
             vfio_device_attach(&other, &as2, &err);
        check(!ok && other.fd < 0 && !vfio_address_space_lookup(&as2),
              "a device of the same group in another address space is "
              "refused: %s", err ? error_get_pretty(err) : "(attached!)");
        error_free(err);
        vfio_device_finalize(&other);
        address_space_destroy(&as2);
        memory_region_finalize(&root2);

        /* In the same address space it shares the container. */
        if (edu_open(&e2, bdf2, backend, false, BAR_GPA + 0x100000)) {
            check(e2.dev.container == e1.dev.container,
                  "the second device of the group shares the container");
            dma_roundtrip(&e2, "device 2 (shared container)", 0x30000,
                          0x50000, 0x30000, 0x50000);
            edu_close(&e2);
        }
    } else if (bdf2) {
        t0 = now();
        /* test_vfio.py checks iommufd copies rather than maps. */
        trace_enable_events("vfio_dma_copy,vfio_dma_map,vfio_container_*",
                            &error_abort);
        if (edu_open(&e2, bdf2, backend, true, BAR_GPA + 0x100000)) {
            trace_enable_events("-vfio_*", &error_abort);
            printf("# second attach took %.3f s\n", now() - t0);
            check(e2.dev.container != e1.dev.container,
                  "the second device has a container of its own");
            dma_roundtrip(&e2, "device 2 (separate container)", 0x30000,
                          0x50000, 0x30000, 0x50000);
            edu_close(&e2);
        }
    }

    edu_close(&e1);
    check(vfio_address_space_lookup(&as) == NULL,
          "teardown released the address space");
    error_set_sink(NULL, NULL);
    return tap_finish();
}
