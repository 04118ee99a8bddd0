/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: the iommufd backend (VFIO device cdev + /dev/iommu)
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "edu.h"
#ifdef CONFIG_UAPI_DMABUF
#include "dmabuf.h"
#endif

#define PAGE        0x1000ULL
#define MIB         0x100000ULL
#define BUFFER_LEN  (16 * MIB)
/* Where IOMMU_IOAS_COPY places the DMA window in the second IOAS */
#define COPY_IOVA   0x3000000ULL
#define NO_SUCH_ID  0x7ffffff0u
#define MAP_RW      (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FIXED_RW (IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW)

typedef struct Iommufd {
    Transcript *tr;
    HostDevice *host;
    int iommufd;
    int device;
    uint32_t dev_id;
    uint32_t ioas_a;
    uint32_t ioas_b;
    uint8_t *buf;
    GArray *ranges;             /* struct iommu_iova_range of ioas_a */
} Iommufd;

static const TranscriptFlag map_flag_names[] = {
    { IOMMU_IOAS_MAP_FIXED_IOVA, "FIXED_IOVA" },
    { IOMMU_IOAS_MAP_READABLE, "READABLE" },
    { IOMMU_IOAS_MAP_WRITEABLE, "WRITEABLE" },
    { 0, NULL },
};

static const TranscriptFlag hw_cap_names[] = {
    { IOMMU_HW_CAP_DIRTY_TRACKING, "DIRTY_TRACKING" },
    { IOMMU_HW_CAP_PCI_PASID_EXEC, "PCI_PASID_EXEC" },
    { IOMMU_HW_CAP_PCI_PASID_PRIV, "PCI_PASID_PRIV" },
    { 0, NULL },
};

static const char *hw_info_type_name(uint32_t type)
{
    switch (type) {
    case IOMMU_HW_INFO_TYPE_NONE:
        return "NONE";
    case IOMMU_HW_INFO_TYPE_INTEL_VTD:
        return "INTEL_VTD";
    default:
        return "unknown";
    }
}

static const char *name_of(Iommufd *f, uint32_t id)
{
    return id == NO_SUCH_ID ? "no-such-id" : transcript_id_name(f->tr, id);
}

static bool ioas_alloc(Iommufd *f, const char *name, uint32_t *id)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    int err;

    transcript_begin(f->tr, "IOMMU_IOAS_ALLOC");
    err = host_ioctl(f->iommufd, IOMMU_IOAS_ALLOC, &alloc);
    if (!transcript_end(f->tr, err, 0, err ? NULL : "id=%s", name)) {
        return false;
    }
    *id = alloc.out_ioas_id;
    transcript_name_id(f->tr, *id, name);
    return true;
}

static bool destroy(Iommufd *f, uint32_t id, int expected)
{
    struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
    bool ok;

    transcript_begin(f->tr, "IOMMU_DESTROY id=%s", name_of(f, id));
    ok = transcript_end(f->tr, host_ioctl(f->iommufd, IOMMU_DESTROY, &cmd),
                        expected, NULL);
    if (ok && !expected) {
        transcript_name_id(f->tr, id, NULL);
    }
    return ok;
}

static bool iova_ranges(Iommufd *f, uint32_t ioas, bool keep)
{
    struct iommu_ioas_iova_ranges cmd = {
        .size = sizeof(cmd),
        .ioas_id = ioas,
    };
    g_autofree struct iommu_iova_range *ranges = NULL;
    int err;

    /* No room: the kernel answers EMSGSIZE and the count it needs */
    transcript_begin(f->tr, "IOMMU_IOAS_IOVA_RANGES ioas=%s num_iovas=0",
                     name_of(f, ioas));
    err = host_ioctl(f->iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd);
    if (!transcript_end(f->tr, err, EMSGSIZE, "num_iovas=%u", cmd.num_iovas)) {
        return false;
    }
    ranges = g_new0(struct iommu_iova_range, cmd.num_iovas);
    cmd.allowed_iovas = (uintptr_t)ranges;
    transcript_begin(f->tr, "IOMMU_IOAS_IOVA_RANGES ioas=%s num_iovas=%u",
                     name_of(f, ioas), cmd.num_iovas);
    err = host_ioctl(f->iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd);
    if (!transcript_end(f->tr, err, 0, "alignment=0x%llx",
                        (unsigned long long)cmd.out_iova_alignment)) {
        return false;
    }
    if (keep) {
        g_array_set_size(f->ranges, 0);
    }
    for (uint32_t i = 0; i < cmd.num_iovas; i++) {
        transcript_note(f->tr, "    range 0x%llx..0x%llx",
                        (unsigned long long)ranges[i].start,
                        (unsigned long long)ranges[i].last);
        if (keep) {
            g_array_append_val(f->ranges, ranges[i]);
        }
    }
    return true;
}

/*
 * Attaches the device to @pt_id and checks what the kernel answers:
 * for a HWPT its own id, for an IOAS the id of a HWPT it created.
 */
static bool attach(Iommufd *f, uint32_t pt_id, bool is_ioas, int expected)
{
    struct vfio_device_attach_iommufd_pt cmd = {
        .argsz = sizeof(cmd),
        .pt_id = pt_id,
    };
    int err;

    transcript_begin(f->tr, "VFIO_DEVICE_ATTACH_IOMMUFD_PT pt_id=%s",
                     name_of(f, pt_id));
    err = host_ioctl(f->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);
    if (err || expected) {
        return transcript_end(f->tr, err, expected, NULL);
    }
    if (is_ioas) {
        /* The automatic HWPT is not user-owned; it has no stable name */
        transcript_end(f->tr, err, expected, "pt_id=%s",
                       cmd.pt_id != pt_id ? "auto-hwpt" : "same-as-ioas");
        return transcript_check(f->tr, cmd.pt_id != pt_id, "a new HWPT id",
                                "attach to an IOAS returns its automatic "
                                "HWPT");
    }
    return transcript_end(f->tr, err, expected, "pt_id=%s",
                          name_of(f, cmd.pt_id));
}

static bool detach(Iommufd *f)
{
    struct vfio_device_detach_iommufd_pt cmd = { .argsz = sizeof(cmd) };

    transcript_begin(f->tr, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
    return transcript_end(f->tr, host_ioctl(f->device,
                                            VFIO_DEVICE_DETACH_IOMMUFD_PT,
                                            &cmd), 0, NULL);
}

static bool ioas_map(Iommufd *f, uint32_t ioas, void *va, const char *va_name,
                     uint64_t iova, uint64_t len, uint32_t flags,
                     int expected, uint64_t *out_iova)
{
    struct iommu_ioas_map cmd = {
        .size = sizeof(cmd),
        .flags = flags,
        .ioas_id = ioas,
        .user_va = (uintptr_t)va,
        .length = len,
        .iova = iova,
    };
    g_autofree char *names = transcript_flags(flags, map_flag_names);
    int err;

    if (flags & IOMMU_IOAS_MAP_FIXED_IOVA) {
        transcript_begin(f->tr, "IOMMU_IOAS_MAP ioas=%s va=%s iova=0x%" PRIx64
                         " len=0x%" PRIx64 " flags=%s", name_of(f, ioas),
                         va_name, iova, len, names);
    } else {
        transcript_begin(f->tr, "IOMMU_IOAS_MAP ioas=%s va=%s len=0x%" PRIx64
                         " flags=%s", name_of(f, ioas), va_name, len, names);
    }
    err = host_ioctl(f->iommufd, IOMMU_IOAS_MAP, &cmd);
    if (out_iova) {
        *out_iova = cmd.iova;
    }
    return transcript_end(f->tr, err, expected, NULL);
}

static bool ioas_unmap(Iommufd *f, uint32_t ioas, uint64_t iova, uint64_t len,
                       int expected, uint64_t expected_len)
{
    struct iommu_ioas_unmap cmd = {
        .size = sizeof(cmd),
        .ioas_id = ioas,
        .iova = iova,
        .length = len,
    };
    g_autofree char *want = g_strdup_printf("0x%" PRIx64, expected_len);
    int err;

    transcript_begin(f->tr, "IOMMU_IOAS_UNMAP ioas=%s iova=0x%" PRIx64
                     " len=0x%" PRIx64, name_of(f, ioas), iova, len);
    err = host_ioctl(f->iommufd, IOMMU_IOAS_UNMAP, &cmd);
    if (err) {
        return transcript_end(f->tr, err, expected, NULL);
    }
    if (!transcript_end(f->tr, err, expected, "unmapped=0x%llx",
                        (unsigned long long)cmd.length)) {
        return false;
    }
    return transcript_check(f->tr, cmd.length == expected_len, want,
                            "unmapped length is what was mapped in the range");
}

static bool ioas_copy(Iommufd *f, uint32_t dst, uint32_t src, uint64_t src_iova,
                      uint64_t len, uint64_t dst_iova, int expected)
{
    struct iommu_ioas_copy cmd = {
        .size = sizeof(cmd),
        .flags = MAP_FIXED_RW,
        .dst_ioas_id = dst,
        .src_ioas_id = src,
        .length = len,
        .dst_iova = dst_iova,
        .src_iova = src_iova,
    };

    transcript_begin(f->tr, "IOMMU_IOAS_COPY dst=%s src=%s src_iova=0x%" PRIx64
                     " len=0x%" PRIx64 " dst_iova=0x%" PRIx64
                     " flags=FIXED_IOVA|READABLE|WRITEABLE", name_of(f, dst),
                     name_of(f, src), src_iova, len, dst_iova);
    return transcript_end(f->tr, host_ioctl(f->iommufd, IOMMU_IOAS_COPY, &cmd),
                          expected, NULL);
}

/*
 * The IOAS rules: areas never overlap, an unmap must cover whole areas
 * (several at once is fine, splitting one is not: ENOENT), unmapping
 * nothing is ENOENT except for the "everything" form, and IOVAs must be
 * aligned and outside reserved ranges.
 */
static void map_rules(Iommufd *f)
{
    uint8_t *b = f->buf;
    uint32_t a = f->ioas_a;
    uint64_t iova = 0;

    transcript_note(f->tr, "-- IOAS map/unmap rules");
    ioas_map(f, a, b, "buf", MIB, 2 * MIB, MAP_FIXED_RW, 0, NULL);
    ioas_map(f, a, b + 2 * MIB, "buf+0x200000", 2 * MIB, MIB, MAP_FIXED_RW,
             EEXIST, NULL);
    ioas_map(f, a, b + 4 * MIB, "buf+0x400000", 0, 2 * MIB, MAP_FIXED_RW,
             EEXIST, NULL);
    ioas_unmap(f, a, MIB, MIB, ENOENT, 0);          /* splits the area */
    ioas_unmap(f, a, 2 * MIB, 2 * MIB, ENOENT, 0);  /* truncates it */
    ioas_unmap(f, a, MIB, 2 * MIB, 0, 2 * MIB);     /* exact */
    ioas_unmap(f, a, MIB, 2 * MIB, ENOENT, 0);      /* nothing there */

    ioas_map(f, a, b, "buf", MIB, MIB, MAP_FIXED_RW, 0, NULL);
    ioas_map(f, a, b + MIB, "buf+0x100000", 2 * MIB, MIB, MAP_FIXED_RW, 0,
             NULL);
    ioas_map(f, a, b + 4 * MIB, "buf+0x400000", 4 * MIB, MIB, MAP_FIXED_RW,
             0, NULL);
    ioas_unmap(f, a, 0, 8 * MIB, 0, 3 * MIB);       /* superset of three */

    ioas_map(f, a, b, "buf", MIB + 0x800, MIB, MAP_FIXED_RW, EINVAL, NULL);
    ioas_map(f, a, b, "buf", MIB, MIB, IOMMU_IOAS_MAP_FIXED_IOVA, EINVAL,
             NULL);
    ioas_map(f, a, b, "buf", MIB, MIB, MAP_FIXED_RW | (1u << 7), EOPNOTSUPP,
             NULL);
    if (f->ranges->len >= 2) {
        ioas_map(f, a, b, "buf", g_array_index(f->ranges,
                                               struct iommu_iova_range,
                                               0).last + 1,
                 PAGE, MAP_FIXED_RW, EINVAL, NULL);
    }

    /* Without FIXED_IOVA the kernel picks an allowed, aligned IOVA */
    if (ioas_map(f, a, b, "buf", 0, MIB, MAP_RW, 0, &iova)) {
        bool inside = false;

        for (guint i = 0; i < f->ranges->len; i++) {
            struct iommu_iova_range *r = &g_array_index(
                f->ranges, struct iommu_iova_range, i);
            inside |= iova >= r->start && iova + MIB - 1 <= r->last;
        }
        transcript_check(f->tr, inside && QEMU_IS_ALIGNED(iova, PAGE),
                         "an aligned IOVA inside the ranges",
                         "kernel-chosen iova is allowed and aligned");
    }
    ioas_unmap(f, a, 0, UINT64_MAX, 0, MIB);        /* everything */
    ioas_unmap(f, a, 0, UINT64_MAX, 0, 0);          /* everything, empty */
}

static bool hw_info(Iommufd *f)
{
    struct iommu_hw_info_vtd vtd = { 0 };
    struct iommu_hw_info cmd = {
        .size = sizeof(cmd),
        .dev_id = f->dev_id,
        .data_len = sizeof(vtd),
        .data_uptr = (uintptr_t)&vtd,
    };
    g_autofree char *caps = NULL;
    int err;

    transcript_begin(f->tr, "IOMMU_GET_HW_INFO dev_id=%s data_len=0x%zx",
                     name_of(f, f->dev_id), sizeof(vtd));
    err = host_ioctl(f->iommufd, IOMMU_GET_HW_INFO, &cmd);
    if (err) {
        return transcript_end(f->tr, err, 0, NULL);
    }
    caps = transcript_flags(cmd.out_capabilities, hw_cap_names);
    transcript_end(f->tr, err, 0, "type=%s data_len=0x%x capabilities=%s "
                   "max_pasid_log2=%u", hw_info_type_name(cmd.out_data_type),
                   cmd.data_len, caps, cmd.out_max_pasid_log2);

    cmd = (struct iommu_hw_info) { .size = sizeof(cmd), .dev_id = NO_SUCH_ID };
    transcript_begin(f->tr, "IOMMU_GET_HW_INFO dev_id=no-such-id");
    transcript_end(f->tr, host_ioctl(f->iommufd, IOMMU_GET_HW_INFO, &cmd),
                   ENOENT, NULL);
    return true;
}

static bool bind(Iommufd *f)
{
    struct vfio_device_bind_iommufd cmd = { .argsz = sizeof(cmd) };
    struct vfio_device_info info = { .argsz = sizeof(info) };
    int err;

    /* A cdev grants no access until it is bound */
    transcript_begin(f->tr, "VFIO_DEVICE_GET_INFO (unbound)");
    transcript_end(f->tr, host_ioctl(f->device, VFIO_DEVICE_GET_INFO, &info),
                   EINVAL, NULL);

    cmd.iommufd = -1;
    transcript_begin(f->tr, "VFIO_DEVICE_BIND_IOMMUFD iommufd=-1");
    transcript_end(f->tr, host_ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD,
                                     &cmd), EINVAL, NULL);
    cmd.iommufd = f->device;
    transcript_begin(f->tr, "VFIO_DEVICE_BIND_IOMMUFD iommufd=not-an-iommufd");
    transcript_end(f->tr, host_ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD,
                                     &cmd), EBADFD, NULL);

    cmd.iommufd = f->iommufd;
    transcript_begin(f->tr, "VFIO_DEVICE_BIND_IOMMUFD iommufd=/dev/iommu");
    err = host_ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD, &cmd);
    if (!transcript_end(f->tr, err, 0, err ? NULL : "devid=dev")) {
        return false;
    }
    f->dev_id = cmd.out_devid;
    transcript_name_id(f->tr, f->dev_id, "dev");

    transcript_begin(f->tr, "VFIO_DEVICE_BIND_IOMMUFD (again)");
    transcript_end(f->tr, host_ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD,
                                     &cmd), EINVAL, NULL);
    return true;
}

static bool hwpt_checks(Iommufd *f)
{
    struct iommu_hwpt_alloc cmd = {
        .size = sizeof(cmd),
        .dev_id = f->dev_id,
        .pt_id = f->ioas_a,
        .data_type = IOMMU_HWPT_DATA_NONE,
    };
    uint32_t hwpt;
    int err;

    transcript_note(f->tr, "-- explicit HWPT");
    transcript_begin(f->tr, "IOMMU_HWPT_ALLOC dev_id=dev pt_id=%s "
                     "data_type=NONE", name_of(f, f->ioas_a));
    err = host_ioctl(f->iommufd, IOMMU_HWPT_ALLOC, &cmd);
    if (!transcript_end(f->tr, err, 0, err ? NULL : "id=hwpt")) {
        return false;
    }
    hwpt = cmd.out_hwpt_id;
    transcript_name_id(f->tr, hwpt, "hwpt");
    attach(f, hwpt, false, 0);
    destroy(f, hwpt, EBUSY);
    destroy(f, f->ioas_a, EBUSY);       /* the HWPT holds the IOAS */
    detach(f);
    destroy(f, hwpt, 0);
    return attach(f, f->ioas_a, true, 0);
}

static void device_checks(Iommufd *f)
{
    EduDevice edu;
    uint8_t *win = f->buf + 8 * MIB;

    if (!edu_probe(&edu, f->device, f->tr, f->host) || !edu_enable(&edu) ||
        !edu_map_bar(&edu)) {
        edu_release(&edu);
        return;
    }

    /* iommufd pins pages through GUP, which a BAR's PFN map can't give */
    transcript_note(f->tr, "-- a BAR mmap as a DMA source");
    ioas_map(f, f->ioas_a, edu.bar0, "BAR0-mmap", 0x8000000ULL,
             edu.bar0_size, MAP_FIXED_RW, EFAULT, NULL);
#ifdef CONFIG_UAPI_DMABUF
    /* What the kernel offers instead since 6.19: the BAR as a dma-buf */
    iommufd_dmabuf_checks(f->tr, f->iommufd, f->ioas_a, &edu);
#endif

    transcript_note(f->tr, "-- DMA through an IOAS mapping");
    if (ioas_map(f, f->ioas_a, win, "buf+0x800000", EDU_TEST_IOVA,
                 EDU_TEST_LEN, MAP_FIXED_RW, 0, NULL)) {
        edu_dma_roundtrip(&edu, win, EDU_TEST_IOVA, "ioas-a");
    }

    transcript_note(f->tr, "-- DMA through a copied mapping");
    if (ioas_alloc(f, "ioas-b", &f->ioas_b)) {
        ioas_copy(f, f->ioas_b, f->ioas_a, EDU_TEST_IOVA + EDU_TEST_LEN, MIB,
                  COPY_IOVA, ENOENT);
        if (ioas_copy(f, f->ioas_b, f->ioas_a, EDU_TEST_IOVA, EDU_TEST_LEN,
                      COPY_IOVA, 0) &&
            attach(f, f->ioas_b, true, 0)) {
            ioas_unmap(f, f->ioas_a, EDU_TEST_IOVA, EDU_TEST_LEN, 0,
                       EDU_TEST_LEN);
            edu_dma_roundtrip(&edu, win, COPY_IOVA, "ioas-b copy");
            edu_dma_blocked(&edu, win + 0x2000, EDU_TEST_IOVA + 0x2000,
                            "ioas-b unmapped");
        }
        destroy(f, f->ioas_a, 0);
    }

    transcript_note(f->tr, "-- interrupts");
    edu_msi(&edu);

    transcript_note(f->tr, "-- hot reset");
    if (edu_hot_reset_info(&edu, true) && !f->host->on_root_bus) {
        edu_hot_reset(&edu, -1);
    }
    edu_release(&edu);
}

static bool setup(Iommufd *f, bool with_checks)
{
    g_autofree char *iommu_path = host_path("/dev/iommu");
    g_autofree char *cdev_path = NULL;

    transcript_begin(f->tr, "open /dev/iommu");
    f->iommufd = open(iommu_path, O_RDWR | O_CLOEXEC);
    if (!transcript_end(f->tr, f->iommufd < 0 ? errno : 0, 0, NULL)) {
        return false;
    }
    if (!transcript_check(f->tr, f->host->cdev != NULL,
                          "/sys/bus/pci/devices/BDF/vfio-dev/vfioN",
                          "sysfs vfio-dev cdev %s",
                          f->host->cdev ? "found" : "missing")) {
        return false;
    }
    cdev_path = host_path("/dev/vfio/devices/%s", f->host->cdev);
    transcript_begin(f->tr, "open /dev/vfio/devices/CDEV");
    f->device = open(cdev_path, O_RDWR | O_CLOEXEC);
    if (!transcript_end(f->tr, f->device < 0 ? errno : 0, 0, NULL)) {
        return false;
    }
    if (with_checks) {
        if (!bind(f)) {
            return false;
        }
        hw_info(f);
    } else {
        struct vfio_device_bind_iommufd cmd = {
            .argsz = sizeof(cmd),
            .iommufd = f->iommufd,
        };
        if (host_ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD, &cmd)) {
            return false;
        }
        f->dev_id = cmd.out_devid;
    }
    if (!ioas_alloc(f, "ioas-a", &f->ioas_a)) {
        return false;
    }
    if (with_checks) {
        iova_ranges(f, f->ioas_a, false);
        attach(f, NO_SUCH_ID, false, ENOENT);
    }
    if (!attach(f, f->ioas_a, true, 0)) {
        return false;
    }
    return !with_checks || iova_ranges(f, f->ioas_a, true);
}

static void teardown(Iommufd *f, bool with_checks)
{
    if (with_checks && f->device >= 0 && f->ioas_b) {
        detach(f);
        destroy(f, f->ioas_b, 0);
        destroy(f, NO_SUCH_ID, ENOENT);
    }
    if (f->device >= 0) {
        close(f->device);
    }
    if (f->iommufd >= 0) {
        close(f->iommufd);
    }
    if (f->buf) {
        munmap(f->buf, BUFFER_LEN);
    }
    g_array_free(f->ranges, TRUE);
}

static void iommufd_init(Iommufd *f, Transcript *t, HostDevice *dev)
{
    *f = (Iommufd) {
        .tr = t,
        .host = dev,
        .iommufd = -1,
        .device = -1,
        .ranges = g_array_new(FALSE, TRUE, sizeof(struct iommu_iova_range)),
    };
}

bool iommufd_run(Transcript *t, HostDevice *dev)
{
    Iommufd f;
    bool ok = false;

    iommufd_init(&f, t, dev);
    f.buf = host_buffer(BUFFER_LEN, NULL);
    if (!f.buf) {
        transcript_abort(t, "buffer allocation");
    } else if (setup(&f, true)) {
        map_rules(&f);
        if (hwpt_checks(&f)) {
            device_checks(&f);
            ok = true;
        }
    }
    teardown(&f, true);
    return ok;
}

/*
 * --copy: the second IOAS of a VMM that cannot share the first one,
 * filled by copy and by a map of the same (already pinned) memory.  The
 * domain comes from IOMMU_HWPT_ALLOC, so one device is enough.
 */
static bool copy_floor(Iommufd *f, MapFloor *mf, void *va, Error **errp)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct iommu_hwpt_alloc hwpt = {
        .size = sizeof(hwpt),
        .dev_id = f->dev_id,
        .data_type = IOMMU_HWPT_DATA_NONE,
    };
    struct iommu_ioas_copy copy = {
        .size = sizeof(copy),
        .flags = MAP_FIXED_RW,
        .src_ioas_id = f->ioas_a,
        .length = mf->size,
    };
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = MAP_FIXED_RW,
        .user_va = (uintptr_t)va,
        .length = mf->size,
    };
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap),
        .length = mf->size,
    };
    struct iommu_destroy destroy_cmd = { .size = sizeof(destroy_cmd) };
    double start;
    bool ok = false;
    int err;

    err = host_ioctl(f->iommufd, IOMMU_IOAS_ALLOC, &alloc);
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_ALLOC of the copy's IOAS "
                         "failed");
        return false;
    }
    hwpt.pt_id = alloc.out_ioas_id;
    err = host_ioctl(f->iommufd, IOMMU_HWPT_ALLOC, &hwpt);
    if (err) {
        error_setg_errno(errp, err, "IOMMU_HWPT_ALLOC in the copy's IOAS "
                         "failed");
        goto out_ioas;
    }
    copy.dst_ioas_id = map.ioas_id = unmap.ioas_id = alloc.out_ioas_id;
    start = host_now();
    err = host_ioctl(f->iommufd, IOMMU_IOAS_COPY, &copy);
    mf->copy_seconds = host_now() - start;
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_COPY of 0x%" PRIx64
                         " bytes failed", mf->size);
        goto out_hwpt;
    }
    err = host_ioctl(f->iommufd, IOMMU_IOAS_UNMAP, &unmap);
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_UNMAP of the copy failed");
        goto out_hwpt;
    }
    start = host_now();
    err = host_ioctl(f->iommufd, IOMMU_IOAS_MAP, &map);
    mf->remap_seconds = host_now() - start;
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_MAP into the copy's IOAS "
                         "failed");
        goto out_hwpt;
    }
    unmap.length = mf->size;
    err = host_ioctl(f->iommufd, IOMMU_IOAS_UNMAP, &unmap);
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_UNMAP of the re-map failed");
        goto out_hwpt;
    }
    ok = true;
out_hwpt:
    destroy_cmd.id = hwpt.out_hwpt_id;
    host_ioctl(f->iommufd, IOMMU_DESTROY, &destroy_cmd);
out_ioas:
    destroy_cmd.id = alloc.out_ioas_id;
    host_ioctl(f->iommufd, IOMMU_DESTROY, &destroy_cmd);
    return ok;
}

bool iommufd_map_floor(HostDevice *dev, MapFloor *mf, Error **errp)
{
    g_autoptr(Transcript) quiet = transcript_new(NULL, NULL, &error_abort);
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = MAP_FIXED_RW,
        .length = mf->size,
        .iova = 0,
    };
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap),
        .length = mf->size,
    };
    Iommufd f;
    double start;
    bool ok;
    int err;

    iommufd_init(&f, quiet, dev);
    /* Attached first, so that the map fills a real IOMMU domain */
    ok = setup(&f, false);
    if (!ok) {
        error_setg(errp, "cannot bind and attach device '%s' through "
                   "/dev/iommu", dev->bdf);
        goto out;
    }
    map.ioas_id = unmap.ioas_id = f.ioas_a;
    map.user_va = (uintptr_t)host_floor_buffer(mf, errp);
    if (!map.user_va) {
        ok = false;
        goto out;
    }
    start = host_now();
    err = host_ioctl(f.iommufd, IOMMU_IOAS_MAP, &map);
    mf->map_seconds = host_now() - start;
    if (err) {
        error_setg_errno(errp, err, "IOMMU_IOAS_MAP of 0x%" PRIx64
                         " bytes failed", mf->size);
        ok = false;
    } else {
        if (mf->copy) {
            ok = copy_floor(&f, mf, (void *)(uintptr_t)map.user_va, errp);
        }
        start = host_now();
        err = host_ioctl(f.iommufd, IOMMU_IOAS_UNMAP, &unmap);
        mf->unmap_seconds = host_now() - start;
        if (err && ok) {
            error_setg_errno(errp, err, "IOMMU_IOAS_UNMAP failed");
            ok = false;
        }
    }
    munmap((void *)(uintptr_t)map.user_va, mf->size);
out:
    teardown(&f, false);
    return ok;
}
