/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: what kernels since 6.19 add for peer-to-peer DMA
 *
 * VFIO exports a BAR (or a slice of it) as a dma-buf
 * (VFIO_DEVICE_FEATURE_DMA_BUF) and iommufd maps files, memfds and such
 * dma-bufs, into an IOAS (IOMMU_IOAS_MAP_FILE), where IOMMU_IOAS_MAP of
 * the BAR's mmap fails with EFAULT.  Built only against the uAPI headers of
 * a kernel that has both (harness/guest/kernel.py keeps 7.3's), into
 * uapi-conformance-7.3.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "dmabuf.h"

#define MIB             0x100000ULL
#define MEMFD_LEN       (2 * MIB)
/* Below edu's 28-bit DMA mask, away from the other windows */
#define MEMFD_IOVA      0x4000000ULL
#define DMABUF_IOVA     0x5000000ULL
#define MAP_FIXED_RW    (IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | \
                         IOMMU_IOAS_MAP_WRITEABLE)

typedef struct DmabufRequest {
    struct vfio_device_feature feature;
    struct vfio_device_feature_dma_buf get;
    struct vfio_region_dma_range range;
} DmabufRequest;

/*
 * VFIO_DEVICE_FEATURE(GET | DMA_BUF) for one range of @region; returns the
 * dma-buf fd (>= 0) or -errno.  The fd number is never printed.
 */
static int dmabuf_get(int device, uint32_t flags, uint32_t region,
                      uint32_t get_flags, uint32_t nr_ranges,
                      uint64_t offset, uint64_t length)
{
    DmabufRequest req = {
        .feature = {
            .argsz = sizeof(req),
            .flags = flags | VFIO_DEVICE_FEATURE_DMA_BUF,
        },
        .get = {
            .region_index = region,
            .open_flags = O_RDWR | O_CLOEXEC,
            .flags = get_flags,
            .nr_ranges = nr_ranges,
        },
        .range = { .offset = offset, .length = length },
    };
    int ret = ioctl(device, VFIO_DEVICE_FEATURE, &req);

    return ret < 0 ? -errno : ret;
}

static int dmabuf_check(Transcript *t, int device, uint32_t flags,
                        uint32_t region, uint32_t get_flags,
                        uint32_t nr_ranges, uint64_t offset, uint64_t length,
                        int expected)
{
    bool probe = flags & VFIO_DEVICE_FEATURE_PROBE;
    int ret;

    transcript_begin(t, "VFIO_DEVICE_FEATURE %sDMA_BUF region=%u flags=0x%x "
                     "nr_ranges=%u offset=0x%" PRIx64 " len=0x%" PRIx64,
                     probe ? "PROBE|GET|" : "GET|", region, get_flags,
                     nr_ranges, offset, length);
    ret = dmabuf_get(device, flags, region, get_flags, nr_ranges, offset,
                     length);
    transcript_end(t, ret < 0 ? -ret : 0, expected,
                   ret >= 0 && !probe ? "fd" : NULL);
    return ret;
}

static bool map_file(Transcript *t, int iommufd, uint32_t ioas, int fd,
                     const char *fd_name, uint64_t start, uint64_t length,
                     uint64_t iova, uint32_t flags, int expected)
{
    struct iommu_ioas_map_file cmd = {
        .size = sizeof(cmd),
        .flags = flags,
        .ioas_id = ioas,
        .fd = fd,
        .start = start,
        .length = length,
        .iova = iova,
    };

    transcript_begin(t, "IOMMU_IOAS_MAP_FILE ioas=%s fd=%s start=0x%" PRIx64
                     " len=0x%" PRIx64 " iova=0x%" PRIx64 " flags=0x%x",
                     transcript_id_name(t, ioas), fd_name, start, length,
                     iova, flags);
    return transcript_end(t, host_ioctl(iommufd, IOMMU_IOAS_MAP_FILE, &cmd),
                          expected, NULL);
}

static bool unmap(Transcript *t, int iommufd, uint32_t ioas, uint64_t iova,
                  uint64_t length)
{
    struct iommu_ioas_unmap cmd = {
        .size = sizeof(cmd),
        .ioas_id = ioas,
        .iova = iova,
        .length = length,
    };

    transcript_begin(t, "IOMMU_IOAS_UNMAP ioas=%s iova=0x%" PRIx64
                     " len=0x%" PRIx64, transcript_id_name(t, ioas), iova,
                     length);
    return transcript_end(t, host_ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd), 0,
                          NULL);
}

/* A memfd mapped by file, then a DMA round trip through it. */
static void memfd_checks(Transcript *t, int iommufd, uint32_t ioas,
                         EduDevice *edu)
{
    int memfd = memfd_create("uapi-conformance", MFD_CLOEXEC);
    uint8_t *view;

    transcript_begin(t, "memfd_create + ftruncate 0x%llx",
                     (unsigned long long)MEMFD_LEN);
    if (!transcript_end(t, memfd < 0 || ftruncate(memfd, MEMFD_LEN) ? errno
                        : 0, 0, NULL)) {
        if (memfd >= 0) {
            close(memfd);
        }
        return;
    }
    map_file(t, iommufd, ioas, memfd, "memfd", 0, MEMFD_LEN, MEMFD_IOVA,
             IOMMU_IOAS_MAP_FIXED_IOVA, EINVAL);       /* no access */
    map_file(t, iommufd, ioas, memfd, "memfd", 0, 0, MEMFD_IOVA,
             MAP_FIXED_RW, EINVAL);                    /* nothing */
    map_file(t, iommufd, ioas, -1, "-1", 0, MEMFD_LEN, MEMFD_IOVA,
             MAP_FIXED_RW, EBADF);
    if (map_file(t, iommufd, ioas, memfd, "memfd", 0, MEMFD_LEN, MEMFD_IOVA,
                 MAP_FIXED_RW, 0)) {
        /* The device writes the file's pages; the CPU sees them via mmap */
        view = mmap(NULL, MEMFD_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
                    memfd, 0);
        if (view == MAP_FAILED) {
            transcript_abort(t, "mmap of the memfd: %s", strerror(errno));
        } else {
            edu_dma_roundtrip(edu, view, MEMFD_IOVA, "memfd by file");
            munmap(view, MEMFD_LEN);
        }
        unmap(t, iommufd, ioas, MEMFD_IOVA, MEMFD_LEN);
    }
    close(memfd);
}

/* BAR0 exported as a dma-buf, its errors, and the dma-buf mapped by file. */
static void bar_dmabuf_checks(Transcript *t, int iommufd, uint32_t ioas,
                              EduDevice *edu)
{
    uint64_t bar = edu->bar0_size;
    int fd;

    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_PROBE |
                 VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, bar, 0);
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 0, 0, 0, 0, bar,
                 EINVAL);                              /* no range */
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 0, 1, 1, 0, bar,
                 EINVAL);                              /* flags must be 0 */
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET,
                 VFIO_PCI_ROM_REGION_INDEX, 0, 1, 0, 0x1000, ENODEV);
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 1, 0, 1, 0, 0x1000,
                 ENODEV);                              /* edu has no BAR1 */
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0x10, 0x1000,
                 EINVAL);                              /* unaligned */
    dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, 2 * bar,
                 EINVAL);                              /* past the BAR */
    fd = dmabuf_check(t, edu->fd, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, bar,
                      0);
    if (fd < 0) {
        return;
    }
    transcript_check(t, lseek(fd, 0, SEEK_END) == (off_t)bar, "BAR0 size",
                     "dma-buf size is the range's length");
    map_file(t, iommufd, ioas, fd, "dma-buf", 0, bar + 0x1000, DMABUF_IOVA,
             MAP_FIXED_RW, EINVAL);                    /* past its end */
    if (map_file(t, iommufd, ioas, fd, "dma-buf", 0, bar, DMABUF_IOVA,
                 MAP_FIXED_RW, 0)) {
        unmap(t, iommufd, ioas, DMABUF_IOVA, bar);
    }
    close(fd);
}

void iommufd_dmabuf_checks(Transcript *t, int iommufd, uint32_t ioas,
                           EduDevice *edu)
{
    transcript_note(t, "-- a memfd mapped by file (IOMMU_IOAS_MAP_FILE)");
    memfd_checks(t, iommufd, ioas, edu);
    transcript_note(t, "-- BAR0 as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF)");
    bar_dmabuf_checks(t, iommufd, ioas, edu);
}
