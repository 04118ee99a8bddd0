/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: the legacy VFIO container backend (type1v2)
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include "edu.h"

#define PAGE        0x1000ULL
#define MIB         0x100000ULL
#define BUFFER_LEN  (16 * MIB)
/* Where the BAR0 mmap is mapped for DMA: peer-to-peer, type1 allows it */
#define BAR_IOVA    0x8000000ULL

typedef struct Legacy {
    Transcript *tr;
    HostDevice *host;
    int container;
    int group;
    int device;
    uint8_t *buf;
    GArray *ranges;             /* struct vfio_iova_range, from GET_INFO */
} Legacy;

static const TranscriptFlag group_flag_names[] = {
    { VFIO_GROUP_FLAGS_VIABLE, "VIABLE" },
    { VFIO_GROUP_FLAGS_CONTAINER_SET, "CONTAINER_SET" },
    { 0, NULL },
};

static const TranscriptFlag info_flag_names[] = {
    { VFIO_IOMMU_INFO_PGSIZES, "PGSIZES" },
    { VFIO_IOMMU_INFO_CAPS, "CAPS" },
    { 0, NULL },
};

static bool open_path(Legacy *l, const char *what, const char *path, int *fd)
{
    transcript_begin(l->tr, "open %s", what);
    *fd = open(path, O_RDWR | O_CLOEXEC);
    return transcript_end(l->tr, *fd < 0 ? errno : 0, 0, NULL);
}

static bool check_extension(Legacy *l, unsigned long ext, const char *name)
{
    int ret = ioctl(l->container, VFIO_CHECK_EXTENSION, ext);

    return transcript_check(l->tr, ret == 1, "1",
                            "VFIO_CHECK_EXTENSION %s -> %d", name, ret);
}

static bool group_status(Legacy *l, uint32_t expected_flags)
{
    struct vfio_group_status status = { .argsz = sizeof(status) };
    g_autofree char *flags = NULL;
    g_autofree char *want = transcript_flags(expected_flags,
                                             group_flag_names);
    int err;

    transcript_begin(l->tr, "VFIO_GROUP_GET_STATUS");
    err = host_ioctl(l->group, VFIO_GROUP_GET_STATUS, &status);
    if (!transcript_end(l->tr, err, 0, NULL)) {
        return false;
    }
    flags = transcript_flags(status.flags, group_flag_names);
    return transcript_check(l->tr, status.flags == expected_flags, want,
                            "group flags=%s", flags);
}

static int set_container(Legacy *l)
{
    return host_ioctl(l->group, VFIO_GROUP_SET_CONTAINER, &l->container);
}

static void print_caps(Legacy *l, struct vfio_iommu_type1_info *info)
{
    uint8_t *base = (uint8_t *)info;
    uint32_t off = info->cap_offset;

    /* Bound the walk: a malformed chain must not loop or overrun */
    for (int n = 0; off && off + sizeof(struct vfio_info_cap_header) <=
                    info->argsz && n < 16; n++) {
        struct vfio_info_cap_header *hdr = (void *)(base + off);

        if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
            struct vfio_iommu_type1_info_cap_iova_range *cap = (void *)hdr;

            transcript_note(l->tr, "  cap IOVA_RANGE version=%u nr_iovas=%u",
                            hdr->version, cap->nr_iovas);
            for (uint32_t i = 0; i < cap->nr_iovas; i++) {
                g_array_append_val(l->ranges, cap->iova_ranges[i]);
                transcript_note(l->tr, "    range 0x%llx..0x%llx",
                                (unsigned long long)cap->iova_ranges[i].start,
                                (unsigned long long)cap->iova_ranges[i].end);
            }
        } else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
            struct vfio_iommu_type1_info_cap_migration *cap = (void *)hdr;

            transcript_note(l->tr, "  cap MIGRATION version=%u "
                            "pgsize_bitmap=0x%llx", hdr->version,
                            (unsigned long long)cap->pgsize_bitmap);
        } else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
            struct vfio_iommu_type1_info_dma_avail *cap = (void *)hdr;

            transcript_note(l->tr, "  cap DMA_AVAIL version=%u avail=%u",
                            hdr->version, cap->avail);
        } else {
            transcript_note(l->tr, "  cap id=%u version=%u", hdr->id,
                            hdr->version);
        }
        off = hdr->next;
    }
}

static bool get_iommu_info(Legacy *l)
{
    struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
    g_autofree struct vfio_iommu_type1_info *info = NULL;
    g_autofree char *flags = NULL;
    int err;

    /* First with no room for capabilities: the kernel says how much */
    transcript_begin(l->tr, "VFIO_IOMMU_GET_INFO argsz=fixed-part");
    err = host_ioctl(l->container, VFIO_IOMMU_GET_INFO, &probe);
    if (!transcript_end(l->tr, err, 0, "argsz-grew=%s",
                        probe.argsz > sizeof(probe) ? "yes" : "no")) {
        return false;
    }
    transcript_check(l->tr, probe.argsz > sizeof(probe) &&
                     (probe.flags & VFIO_IOMMU_INFO_CAPS),
                     "a larger argsz and CAPS",
                     "iommu info asks for room for its capability chain");

    info = g_malloc0(probe.argsz);
    info->argsz = probe.argsz;
    transcript_begin(l->tr, "VFIO_IOMMU_GET_INFO argsz=as-asked");
    err = host_ioctl(l->container, VFIO_IOMMU_GET_INFO, info);
    if (!transcript_end(l->tr, err, 0, NULL)) {
        return false;
    }
    flags = transcript_flags(info->flags, info_flag_names);
    transcript_note(l->tr, "  flags=%s iova_pgsizes=0x%llx", flags,
                    (unsigned long long)info->iova_pgsizes);
    print_caps(l, info);
    return transcript_check(l->tr, l->ranges->len > 0 &&
                            (info->iova_pgsizes & PAGE),
                            "IOVA ranges and 4 KiB pages",
                            "iommu info has %u IOVA ranges", l->ranges->len);
}

/* @vaddr_name keeps the transcript free of addresses */
static bool map_dma(Legacy *l, void *vaddr, const char *vaddr_name,
                    uint64_t iova, uint64_t size, int expected)
{
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)vaddr,
        .iova = iova,
        .size = size,
    };

    transcript_begin(l->tr, "VFIO_IOMMU_MAP_DMA vaddr=%s iova=0x%" PRIx64
                     " size=0x%" PRIx64 " flags=READ|WRITE", vaddr_name,
                     iova, size);
    return transcript_end(l->tr, host_ioctl(l->container, VFIO_IOMMU_MAP_DMA,
                                            &map), expected, NULL);
}

static bool unmap_dma(Legacy *l, uint64_t iova, uint64_t size, uint32_t flags,
                      int expected, uint64_t expected_size)
{
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap),
        .flags = flags,
        .iova = iova,
        .size = size,
    };
    g_autofree char *want = g_strdup_printf("0x%" PRIx64, expected_size);
    int err;

    transcript_begin(l->tr, "VFIO_IOMMU_UNMAP_DMA iova=0x%" PRIx64
                     " size=0x%" PRIx64 "%s", iova, size,
                     flags & VFIO_DMA_UNMAP_FLAG_ALL ? " flags=ALL" : "");
    err = host_ioctl(l->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
    if (err) {
        return transcript_end(l->tr, err, expected, NULL);
    }
    if (!transcript_end(l->tr, err, expected, "unmapped=0x%llx",
                        (unsigned long long)unmap.size)) {
        return false;
    }
    return transcript_check(l->tr, unmap.size == expected_size, want,
                            "unmapped size is what was mapped in the range");
}

/*
 * The type1v2 rules: mappings never overlap, an unmap may cover several
 * whole mappings but must not bisect one, and an unmap of nothing
 * succeeds with size 0.
 */
static void map_rules(Legacy *l)
{
    uint8_t *b = l->buf;

    transcript_note(l->tr, "-- type1v2 map/unmap rules");
    map_dma(l, b, "buf", MIB, 2 * MIB, 0);
    map_dma(l, b + 2 * MIB, "buf+0x200000", 2 * MIB, MIB, EEXIST);
    map_dma(l, b + 4 * MIB, "buf+0x400000", 0, 2 * MIB, EEXIST);
    unmap_dma(l, MIB, MIB, 0, EINVAL, 0);          /* bisects the end */
    unmap_dma(l, 2 * MIB, 2 * MIB, 0, EINVAL, 0);  /* bisects the start */
    unmap_dma(l, MIB, 2 * MIB, 0, 0, 2 * MIB);     /* exact */
    unmap_dma(l, MIB, 2 * MIB, 0, 0, 0);           /* nothing there */

    map_dma(l, b, "buf", MIB, MIB, 0);
    map_dma(l, b + MIB, "buf+0x100000", 2 * MIB, MIB, 0);
    map_dma(l, b + 4 * MIB, "buf+0x400000", 4 * MIB, MIB, 0);
    unmap_dma(l, 0, 8 * MIB, 0, 0, 3 * MIB);       /* superset of three */

    map_dma(l, b, "buf", MIB + 0x800, MIB, EINVAL);  /* unaligned iova */
    map_dma(l, b, "buf", MIB, 0x800, EINVAL);        /* unaligned size */
    map_dma(l, b, "buf", MIB, 0, EINVAL);            /* empty */
    unmap_dma(l, MIB, 0, 0, EINVAL, 0);

    /* In the first hole between the IOVA ranges, and past the last one */
    if (l->ranges->len >= 2) {
        map_dma(l, b, "buf", g_array_index(l->ranges, struct vfio_iova_range,
                                           0).end + 1, PAGE, EINVAL);
    }
    if (l->ranges->len) {
        uint64_t end = g_array_index(l->ranges, struct vfio_iova_range,
                                     l->ranges->len - 1).end;
        if (end < UINT64_MAX - PAGE) {
            map_dma(l, b, "buf", end + 1, PAGE, EINVAL);
        }
    }

    map_dma(l, b, "buf", MIB, MIB, 0);
    map_dma(l, b + 2 * MIB, "buf+0x200000", 3 * MIB, MIB, 0);
    unmap_dma(l, 0, MIB, VFIO_DMA_UNMAP_FLAG_ALL, EINVAL, 0);
    unmap_dma(l, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, 0, 2 * MIB);
}

static bool get_device(Legacy *l)
{
    int fd;

    transcript_begin(l->tr, "VFIO_GROUP_GET_DEVICE_FD name=0000:ff:1f.7");
    fd = ioctl(l->group, VFIO_GROUP_GET_DEVICE_FD, "0000:ff:1f.7");
    transcript_end(l->tr, fd < 0 ? errno : 0, ENODEV, NULL);
    if (fd >= 0) {
        close(fd);
    }

    transcript_begin(l->tr, "VFIO_GROUP_GET_DEVICE_FD name=BDF");
    l->device = ioctl(l->group, VFIO_GROUP_GET_DEVICE_FD, l->host->bdf);
    return transcript_end(l->tr, l->device < 0 ? errno : 0, 0, NULL);
}

static void device_checks(Legacy *l)
{
    EduDevice edu;
    uint8_t *win = l->buf + 8 * MIB;

    if (!edu_probe(&edu, l->device, l->tr, l->host) || !edu_enable(&edu) ||
        !edu_map_bar(&edu)) {
        edu_release(&edu);
        return;
    }

    transcript_note(l->tr, "-- DMA through a type1 mapping");
    if (map_dma(l, win, "buf+0x800000", EDU_TEST_IOVA, EDU_TEST_LEN, 0)) {
        edu_dma_roundtrip(&edu, win, EDU_TEST_IOVA, "map");
        unmap_dma(l, EDU_TEST_IOVA, EDU_TEST_LEN, 0, 0, EDU_TEST_LEN);
        edu_dma_blocked(&edu, win + 0x2000, EDU_TEST_IOVA + 0x2000,
                        "unmapped");
    }

    /* type1 follows the BAR's PFNs, so peer-to-peer mappings work here */
    transcript_note(l->tr, "-- a BAR mmap as a DMA source");
    if (map_dma(l, edu.bar0, "BAR0-mmap", BAR_IOVA, edu.bar0_size, 0)) {
        unmap_dma(l, BAR_IOVA, edu.bar0_size, 0, 0, edu.bar0_size);
    }

    transcript_note(l->tr, "-- interrupts");
    edu_msi(&edu);

    transcript_note(l->tr, "-- hot reset");
    if (edu_hot_reset_info(&edu, false) && !l->host->on_root_bus) {
        edu_hot_reset(&edu, l->group);
    }
    edu_release(&edu);
}

static bool setup_container(Legacy *l, bool with_checks)
{
    g_autofree char *group_path = host_path("/dev/vfio/%s", l->host->group);
    g_autofree char *container_path = host_path("/dev/vfio/vfio");
    int version;

    if (!open_path(l, "/dev/vfio/vfio", container_path, &l->container)) {
        return false;
    }
    version = ioctl(l->container, VFIO_GET_API_VERSION);
    transcript_check(l->tr, version == VFIO_API_VERSION, "0",
                     "VFIO_GET_API_VERSION -> %d", version);
    if (with_checks) {
        check_extension(l, VFIO_TYPE1v2_IOMMU, "TYPE1v2");
        check_extension(l, VFIO_UNMAP_ALL, "UNMAP_ALL");
    }
    if (!open_path(l, "/dev/vfio/GROUP", group_path, &l->group)) {
        return false;
    }
    if (with_checks) {
        group_status(l, VFIO_GROUP_FLAGS_VIABLE);
        transcript_begin(l->tr, "VFIO_SET_IOMMU TYPE1v2 (no group yet)");
        transcript_end(l->tr, host_ioctl(l->container, VFIO_SET_IOMMU,
                                         (void *)VFIO_TYPE1v2_IOMMU),
                       EINVAL, NULL);
    }
    transcript_begin(l->tr, "VFIO_GROUP_SET_CONTAINER");
    if (!transcript_end(l->tr, set_container(l), 0, NULL)) {
        return false;
    }
    if (with_checks) {
        transcript_begin(l->tr, "VFIO_GROUP_SET_CONTAINER (again)");
        transcript_end(l->tr, set_container(l), EINVAL, NULL);
        group_status(l, VFIO_GROUP_FLAGS_VIABLE |
                     VFIO_GROUP_FLAGS_CONTAINER_SET);
        transcript_begin(l->tr, "VFIO_GROUP_GET_DEVICE_FD name=BDF "
                         "(no IOMMU set)");
        l->device = ioctl(l->group, VFIO_GROUP_GET_DEVICE_FD, l->host->bdf);
        transcript_end(l->tr, l->device < 0 ? errno : 0, EINVAL, NULL);
        if (l->device >= 0) {
            close(l->device);
        }
        l->device = -1;
    }
    transcript_begin(l->tr, "VFIO_SET_IOMMU TYPE1v2");
    return transcript_end(l->tr, host_ioctl(l->container, VFIO_SET_IOMMU,
                                            (void *)VFIO_TYPE1v2_IOMMU),
                          0, NULL);
}

static void teardown(Legacy *l)
{
    if (l->device >= 0) {
        close(l->device);
    }
    if (l->group >= 0) {
        transcript_begin(l->tr, "VFIO_GROUP_UNSET_CONTAINER");
        transcript_end(l->tr, host_ioctl(l->group, VFIO_GROUP_UNSET_CONTAINER,
                                         NULL), 0, NULL);
        group_status(l, VFIO_GROUP_FLAGS_VIABLE);
        close(l->group);
    }
    if (l->container >= 0) {
        close(l->container);
    }
    if (l->buf) {
        munmap(l->buf, BUFFER_LEN);
    }
    g_array_free(l->ranges, TRUE);
}

static void legacy_init(Legacy *l, Transcript *t, HostDevice *dev)
{
    *l = (Legacy) {
        .tr = t,
        .host = dev,
        .container = -1,
        .group = -1,
        .device = -1,
        .ranges = g_array_new(FALSE, TRUE, sizeof(struct vfio_iova_range)),
    };
}

bool legacy_run(Transcript *t, HostDevice *dev)
{
    Legacy l;
    bool ok = false;

    legacy_init(&l, t, dev);
    l.buf = host_buffer(BUFFER_LEN, NULL);
    if (!l.buf) {
        transcript_abort(t, "buffer allocation");
    } else if (setup_container(&l, true) && get_iommu_info(&l)) {
        map_rules(&l);
        if (get_device(&l)) {
            device_checks(&l);
            ok = true;
        }
    }
    teardown(&l);
    return ok;
}

bool legacy_map_floor(HostDevice *dev, MapFloor *mf, Error **errp)
{
    g_autoptr(Transcript) quiet = transcript_new(NULL, NULL, &error_abort);
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .size = mf->size,
    };
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap),
        .size = mf->size,
    };
    Legacy l;
    double start;
    bool ok = false;
    int err;

    legacy_init(&l, quiet, dev);
    ok = setup_container(&l, false);
    if (!ok) {
        error_setg(errp, "cannot set up a type1v2 container for group %s",
                   dev->group);
        goto out;
    }
    map.vaddr = (uintptr_t)host_floor_buffer(mf, errp);
    if (!map.vaddr) {
        ok = false;
        goto out;
    }
    start = host_now();
    err = host_ioctl(l.container, VFIO_IOMMU_MAP_DMA, &map);
    mf->map_seconds = host_now() - start;
    if (err) {
        error_setg_errno(errp, err, "VFIO_IOMMU_MAP_DMA of 0x%" PRIx64
                         " bytes failed", mf->size);
        ok = false;
    } else {
        start = host_now();
        err = host_ioctl(l.container, VFIO_IOMMU_UNMAP_DMA, &unmap);
        mf->unmap_seconds = host_now() - start;
        if (err) {
            error_setg_errno(errp, err, "VFIO_IOMMU_UNMAP_DMA failed");
            ok = false;
        }
    }
    munmap((void *)(uintptr_t)map.vaddr, mf->size);
out:
    teardown(&l);
    return ok;
}
