/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: BARs exported as dma-bufs, and files mapped into an IOAS
 *
 * What the 7.3 bench kernel offers where IOMMU_IOAS_MAP of a BAR's mmap
 * fails with EFAULT: VFIO_DEVICE_FEATURE(GET | DMA_BUF) makes a dma-buf of
 * slices of one BAR, and IOMMU_IOAS_MAP_FILE maps a memfd (any shmem or
 * hugetlbfs file) or such a dma-buf into an IOAS.  iommufd takes a
 * dma-buf of one range only.  The answers follow the uapi-conformance-7.3
 * transcript (docs/devel/uapi-conformance.rst); where it says nothing the
 * choice is ours and docs/devel/vfio-sim.rst names it.
 *
 * A dma-buf is revoked while its device's memory decoding is off, while
 * the device resets and for good once the device file closes.  Revoking
 * tears down every IOAS mapping of it: DMA to that IOVA faults from then
 * on, even after decoding comes back, until the VMM unmaps and maps the
 * dma-buf again (a new map of a revoked dma-buf is refused with ENODEV).
 *
 * Built only where the uAPI headers have both calls (CONFIG_VFIO_DMABUF);
 * without them, or with [iommu] dma-buf = false, the device answers
 * ENOTTY for the feature and iommufd ENOTTY for MAP_FILE, as 6.12 does.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include "sim.h"

int sim_live_dmabufs;

/* state.c: the library's bookkeeping of an fd it is about to close */
void sim_file_forget(int fd);

#ifdef CONFIG_VFIO_DMABUF

struct SimDmabuf {
    int refs;                   /* its file, and each mapping of it */
    SimDevice *dev;             /* NULL once revoked for good */
    uint32_t region;
    uint32_t nr_ranges;
    uint64_t offset;            /* of its first range in the BAR */
    uint64_t size;              /* all its ranges */
    bool revoked;
    GPtrArray *mappings;        /* SimPages mapping it, not owned */
};

static void dmabuf_unref(SimDmabuf *b)
{
    if (--b->refs == 0) {
        if (b->dev) {
            g_ptr_array_remove(b->dev->dmabufs, b);
        }
        g_ptr_array_free(b->mappings, TRUE);
        sim_live_dmabufs--;
        g_free(b);
    }
}

void sim_dmabuf_sync(SimDevice *d, bool resetting, bool closed)
{
    bool off = closed || resetting || !sim_device_decoding(d);

    for (guint i = d->dmabufs ? d->dmabufs->len : 0; i-- > 0;) {
        SimDmabuf *b = g_ptr_array_index(d->dmabufs, i);

        if (off && !b->revoked) {
            b->revoked = true;
            for (guint j = 0; j < b->mappings->len; j++) {
                SimPages *p = g_ptr_array_index(b->mappings, j);
                p->revoked = true;
            }
            sim_log_event("%s: dma-buf of BAR%u revoked (%u mappings)",
                          d->cfg->bdf, b->region, b->mappings->len);
        } else if (!off && b->revoked) {
            b->revoked = false;
        }
        if (closed) {
            b->dev = NULL;
            g_ptr_array_remove_index(d->dmabufs, i);
        }
    }
}

typedef struct DmabufRequest {
    struct vfio_device_feature_dma_buf get;
    struct vfio_region_dma_range first;
} DmabufRequest;

/* The checks of one range, in the kernel's order */
static int range_check(const struct vfio_region_dma_range *r)
{
    if (!r->length || (r->offset | r->length) & (SIM_PAGE - 1) ||
        r->offset + r->length < r->offset) {
        return -EINVAL;
    }
    return 0;
}

static long dmabuf_get(SimDevice *d, uint32_t flags, void *data,
                       uint64_t size)
{
    const struct vfio_device_feature_dma_buf *get = data;
    const struct vfio_region_dma_range *ranges;
    uint64_t total = 0, bar_size;
    SimDmabuf *b;
    SimFile *f;
    int fd;

    if (flags & VFIO_DEVICE_FEATURE_SET) {
        return -EINVAL;
    }
    if (flags & VFIO_DEVICE_FEATURE_PROBE) {
        return 0;
    }
    if (!(flags & VFIO_DEVICE_FEATURE_GET) || size < sizeof(*get)) {
        return -EINVAL;
    }
    if (!get->nr_ranges || get->flags) {
        return -EINVAL;
    }
    if (get->region_index >= VFIO_PCI_ROM_REGION_INDEX) {
        return -ENODEV;
    }
    ranges = get->dma_ranges;
    if (sim_check_user_va((uintptr_t)ranges,
                          (uint64_t)get->nr_ranges * sizeof(*ranges), true)) {
        return -EFAULT;
    }
    for (uint32_t i = 0; i < get->nr_ranges; i++) {
        int ret = range_check(&ranges[i]);
        if (ret) {
            return ret;
        }
        total += ranges[i].length;
    }
    bar_size = d->cfg->bar_size[get->region_index];
    if (!bar_size) {
        return -ENODEV;
    }
    for (uint32_t i = 0; i < get->nr_ranges; i++) {
        if (ranges[i].offset + ranges[i].length > bar_size) {
            return -EINVAL;
        }
    }
    fd = sim_file_open(SIM_FILE_DMABUF, 0, "dmabuf", &f);
    if (fd < 0) {
        return fd;
    }
    /* lseek(SEEK_END) of a dma-buf gives its size */
    if (ftruncate(fd, total) < 0) {
        int err = errno;
        sim_file_forget(fd);
        sim_libc.close(fd);
        return -err;
    }
    if (!(get->open_flags & O_CLOEXEC)) {
        sim_libc.fcntl(fd, F_SETFD, 0);
    }
    b = g_new0(SimDmabuf, 1);
    b->refs = 1;
    b->dev = d;
    b->region = get->region_index;
    b->nr_ranges = get->nr_ranges;
    b->offset = ranges[0].offset;
    b->size = total;
    b->revoked = !sim_device_decoding(d);
    b->mappings = g_ptr_array_new();
    if (!d->dmabufs) {
        d->dmabufs = g_ptr_array_new();
    }
    g_ptr_array_add(d->dmabufs, b);
    f->dmabuf = b;
    sim_live_dmabufs++;
    return fd;
}

long sim_device_feature(SimDevice *d, void *arg)
{
    const uint32_t known = VFIO_DEVICE_FEATURE_MASK |
                           VFIO_DEVICE_FEATURE_GET |
                           VFIO_DEVICE_FEATURE_SET |
                           VFIO_DEVICE_FEATURE_PROBE;
    struct vfio_device_feature *feature = arg;

    if (feature->argsz < sizeof(*feature) || feature->flags & ~known) {
        return -EINVAL;
    }
    if (!(feature->flags & VFIO_DEVICE_FEATURE_PROBE) &&
        (feature->flags & VFIO_DEVICE_FEATURE_SET) &&
        (feature->flags & VFIO_DEVICE_FEATURE_GET)) {
        return -EINVAL;
    }
    if ((feature->flags & VFIO_DEVICE_FEATURE_MASK) !=
        VFIO_DEVICE_FEATURE_DMA_BUF || !sim_cfg->kernel->dma_buf) {
        return -ENOTTY;
    }
    return dmabuf_get(d, feature->flags, feature->data,
                      feature->argsz - sizeof(*feature));
}

void sim_dmabuf_release(SimDmabuf *b)
{
    dmabuf_unref(b);
}

static SimPages *dmabuf_pages(SimDmabuf *b, uint64_t start, uint64_t len,
                              int *err)
{
    SimPages *p;

    if (b->nr_ranges != 1) {
        *err = -EOPNOTSUPP;     /* iommufd takes single-range dma-bufs */
        return NULL;
    }
    if (!b->dev || b->revoked) {
        *err = -ENODEV;
        return NULL;
    }
    if (start + len < start || start + len > b->size) {
        *err = -EINVAL;
        return NULL;
    }
    p = sim_pages_new((uintptr_t)b->dev->bar[b->region] + b->offset + start,
                      len);
    p->reserved = true;         /* MMIO: nothing to pin or to charge */
    p->dmabuf = b;
    b->refs++;
    g_ptr_array_add(b->mappings, p);
    return p;
}

static SimPages *memfd_pages(int fd, uint64_t start, uint64_t len,
                             bool writeable, int *err)
{
    uint64_t head = start & (SIM_PAGE - 1);
    struct stat st;
    SimPages *p;
    void *view;

    /* shmem and hugetlbfs files have seals; iommufd pins only those */
    if (sim_libc.fcntl(fd, F_GET_SEALS) < 0 || fstat(fd, &st) < 0) {
        *err = -EINVAL;
        return NULL;
    }
    if (start + len < start || start + len > (uint64_t)st.st_size) {
        *err = -EINVAL;
        return NULL;
    }
    view = sim_libc.mmap(NULL, head + len, PROT_READ |
                         (writeable ? PROT_WRITE : 0), MAP_SHARED, fd,
                         start - head);
    if (view == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    p = sim_pages_new((uintptr_t)view + head, len);
    p->file_view = view;
    p->file_view_len = head + len;
    return p;
}

SimPages *sim_file_pages_new(int fd, uint64_t start, uint64_t len,
                             bool writeable, int *err)
{
    SimFile *f;

    if (fd < 0 || sim_libc.fcntl(fd, F_GETFD) < 0) {
        *err = -EBADF;
        return NULL;
    }
    if (!len) {
        *err = -EINVAL;
        return NULL;
    }
    f = sim_file_lookup(fd);
    if (f && f->kind == SIM_FILE_DMABUF) {
        return dmabuf_pages(f->dmabuf, start, len, err);
    }
    if (f) {
        *err = -EINVAL;         /* a VFIO or iommufd file is no memfd */
        return NULL;
    }
    return memfd_pages(fd, start, len, writeable, err);
}

bool sim_file_pages_peer(SimPages *p, uint64_t off, SimDevice **peer,
                         int *bar, uint64_t *bar_off)
{
    SimDmabuf *b = p->dmabuf;

    if (!b->dev) {
        return false;
    }
    *peer = b->dev;
    *bar = b->region;
    *bar_off = (p->va - (uintptr_t)b->dev->bar[b->region]) + off;
    return true;
}

void sim_file_pages_free(SimPages *p)
{
    if (p->file_view) {
        sim_libc.munmap(p->file_view, p->file_view_len);
    }
    if (p->dmabuf) {
        g_ptr_array_remove(p->dmabuf->mappings, p);
        dmabuf_unref(p->dmabuf);
    }
}

#else /* !CONFIG_VFIO_DMABUF: the kernel is 6.12 */

void sim_dmabuf_sync(SimDevice *d, bool resetting, bool closed)
{
}

long sim_device_feature(SimDevice *d, void *arg)
{
    return -ENOTTY;
}

void sim_dmabuf_release(SimDmabuf *b)
{
}

SimPages *sim_file_pages_new(int fd, uint64_t start, uint64_t len,
                             bool writeable, int *err)
{
    *err = -ENOTTY;
    return NULL;
}

bool sim_file_pages_peer(SimPages *p, uint64_t off, SimDevice **peer,
                         int *bar, uint64_t *bar_off)
{
    return false;
}

void sim_file_pages_free(SimPages *p)
{
}

#endif
