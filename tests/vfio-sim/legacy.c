/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the legacy VFIO container (/dev/vfio/vfio, type1v2) and
 * groups (/dev/vfio/N)
 */
#include "qemu/osdep.h"
#include "sim.h"

struct SimContainer {
    GPtrArray *groups;          /* SimGroup, not owned */
    bool type1;                 /* VFIO_SET_IOMMU done */
    SimSpace *space;
    uint32_t id;
};

SimContainer *sim_container_new(void)
{
    static uint32_t containers;
    SimContainer *c = g_new0(SimContainer, 1);

    c->groups = g_ptr_array_new();
    c->id = ++containers;
    return c;
}

uint32_t sim_container_id(SimContainer *c)
{
    return c->id;
}

bool sim_container_is_type1(SimContainer *c)
{
    return c && c->type1;
}

SimSpace *sim_container_space(SimContainer *c)
{
    return c && c->type1 ? c->space : NULL;
}

static void container_drop_iommu(SimContainer *c)
{
    /* the last group left: the kernel tears the IOMMU down with it */
    c->type1 = false;
    sim_space_free(c->space);
    c->space = NULL;
}

static void group_unset(SimGroup *g)
{
    SimContainer *c = g->container;

    g_ptr_array_remove(c->groups, g);
    g->container = NULL;
    if (!c->groups->len) {
        container_drop_iommu(c);
    }
}

void sim_container_release(SimContainer *c)
{
    while (c->groups->len) {
        group_unset(g_ptr_array_index(c->groups, 0));
    }
    container_drop_iommu(c);
    g_ptr_array_free(c->groups, TRUE);
    g_free(c);
}

void sim_group_release(SimGroup *g)
{
    if (g->container) {
        group_unset(g);
    }
    g->open = false;
}

static bool iova_allowed(uint64_t iova, uint64_t size)
{
    GArray *r = sim_cfg->iommu.ranges;

    for (guint i = 0; i < r->len; i++) {
        struct iommu_iova_range *x = &g_array_index(r, struct iommu_iova_range,
                                                    i);
        if (iova >= x->start && iova + size - 1 <= x->last) {
            return true;
        }
    }
    return false;
}

static long map_dma(SimContainer *c, struct vfio_iommu_type1_dma_map *m)
{
    uint64_t mask = SIM_PAGE - 1;   /* smallest IOMMU page */
    uint8_t *internal;
    SimDevice *peer;
    uint64_t off;
    int bar;
    SimPages *pages;
    int ret;

    if (m->argsz < offsetofend(struct vfio_iommu_type1_dma_map, size) ||
        m->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
                     VFIO_DMA_MAP_FLAG_VADDR)) {
        return -EINVAL;
    }
    if (m->flags & VFIO_DMA_MAP_FLAG_VADDR) {
        return -EINVAL;     /* UPDATE_VADDR is not offered */
    }
    if (!m->size || (m->size | m->iova | m->vaddr) & mask) {
        return -EINVAL;
    }
    if (m->iova + m->size - 1 < m->iova || m->vaddr + m->size - 1 < m->vaddr) {
        return -EINVAL;
    }
    if (sim_space_overlap(c->space, m->iova, m->size)) {
        return -EEXIST;
    }
    if (sim_space_count(c->space) >= sim_cfg->iommu.dma_avail) {
        return -ENOSPC;
    }
    if (!iova_allowed(m->iova, m->size)) {
        return -EINVAL;
    }
    ret = sim_check_user_va(m->vaddr, m->size, true);
    if (ret) {
        return ret;
    }
    /*
     * type1 follows a BAR mmap's PFNs by faulting them in, and vfio-pci's
     * fault handler refuses (SIGBUS, so EFAULT here) while the device's
     * memory decoding is off.
     */
    if (sim_bar_peer(m->vaddr, m->size, &peer, &bar, &off) &&
        !sim_device_decoding(peer)) {
        return -EFAULT;
    }
    pages = sim_pages_new(m->vaddr, m->size);
    pages->reserved = sim_bar_lookup(m->vaddr, m->size, &internal);
    ret = sim_space_add(c->space, m->iova, m->size, pages, 0,
                        !(m->flags & VFIO_DMA_MAP_FLAG_WRITE));
    sim_pages_unref(pages);
    return ret;
}

static long unmap_dma(SimContainer *c, struct vfio_iommu_type1_dma_unmap *u)
{
    uint64_t iova = u->iova, size = u->size, done = 0;
    SimArea *a;

    if (u->argsz < offsetofend(struct vfio_iommu_type1_dma_unmap, size) ||
        u->flags & ~(VFIO_DMA_UNMAP_FLAG_ALL |
                     VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
                     VFIO_DMA_UNMAP_FLAG_VADDR)) {
        return -EINVAL;
    }
    if (u->flags & (VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
                    VFIO_DMA_UNMAP_FLAG_VADDR)) {
        return -EINVAL;
    }
    if (u->flags & VFIO_DMA_UNMAP_FLAG_ALL) {
        if (iova || size) {
            return -EINVAL;
        }
        iova = 0;
        size = UINT64_MAX;
    } else {
        if (!size || (iova | size) & (SIM_PAGE - 1) ||
            iova + size - 1 < iova) {
            return -EINVAL;
        }
        /* v2: an unmap must not bisect a mapping at either end */
        a = sim_space_overlap(c->space, iova, 1);
        if (a && a->iova < iova) {
            return -EINVAL;
        }
        a = sim_space_overlap(c->space, iova + size - 1, 1);
        if (a && a->iova + a->len > iova + size) {
            return -EINVAL;
        }
    }
    while ((a = sim_space_overlap(c->space, iova, size))) {
        done += a->len;
        sim_space_remove(c->space, a);
    }
    u->size = done;
    return 0;
}

/* The info chain: MIGRATION, DMA_AVAIL, IOVA_RANGE, as the kernel orders */
static long get_info(SimContainer *c, struct vfio_iommu_type1_info *info)
{
    GArray *r = sim_cfg->iommu.ranges;
    size_t migr = sizeof(struct vfio_iommu_type1_info_cap_migration);
    size_t avail = sizeof(struct vfio_iommu_type1_info_dma_avail);
    size_t ranges = sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
                    r->len * sizeof(struct vfio_iova_range);
    size_t base = sizeof(struct vfio_iommu_type1_info);
    size_t need = base + ROUND_UP(migr, 8) + ROUND_UP(avail, 8) + ranges;
    uint8_t *p = (uint8_t *)info;
    struct vfio_iommu_type1_info_cap_migration *cm;
    struct vfio_iommu_type1_info_dma_avail *ca;
    struct vfio_iommu_type1_info_cap_iova_range *cr;
    size_t off;

    if (info->argsz < offsetofend(struct vfio_iommu_type1_info,
                                  iova_pgsizes)) {
        return -EINVAL;
    }
    info->flags = VFIO_IOMMU_INFO_PGSIZES;
    info->iova_pgsizes = sim_cfg->iommu.pgsizes;
    if (info->argsz < base) {
        return 0;
    }
    info->flags |= VFIO_IOMMU_INFO_CAPS;
    info->cap_offset = 0;
    if (info->argsz < need) {
        info->argsz = need;
        return 0;
    }
    off = base;
    cm = (void *)(p + off);
    memset(cm, 0, migr);
    cm->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
    cm->header.version = 1;
    cm->flags = 0;
    cm->pgsize_bitmap = SIM_PAGE;
    cm->max_dirty_bitmap_size = 256ULL << 20;
    info->cap_offset = off;
    off += ROUND_UP(migr, 8);
    cm->header.next = off;
    ca = (void *)(p + off);
    memset(ca, 0, avail);
    ca->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
    ca->header.version = 1;
    ca->avail = sim_cfg->iommu.dma_avail - sim_space_count(c->space);
    off += ROUND_UP(avail, 8);
    ca->header.next = off;
    cr = (void *)(p + off);
    memset(cr, 0, ranges);
    cr->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
    cr->header.version = 1;
    cr->nr_iovas = r->len;
    for (guint i = 0; i < r->len; i++) {
        struct iommu_iova_range *x = &g_array_index(r, struct iommu_iova_range,
                                                    i);
        cr->iova_ranges[i].start = x->start;
        cr->iova_ranges[i].end = x->last;
    }
    cr->header.next = 0;
    return 0;
}

/* The type1 ioctls read a struct that starts with argsz */
static bool takes_struct(unsigned long req)
{
    return req == VFIO_IOMMU_GET_INFO || req == VFIO_IOMMU_MAP_DMA ||
           req == VFIO_IOMMU_UNMAP_DMA || req == VFIO_IOMMU_DIRTY_PAGES;
}

long sim_container_ioctl(SimContainer *c, unsigned long req, void *arg)
{
    if (takes_struct(req) && !sim_user_struct_ok(arg)) {
        return -EFAULT;
    }
    switch (req) {
    case VFIO_GET_API_VERSION:
        return VFIO_API_VERSION;
    case VFIO_CHECK_EXTENSION:
        switch ((unsigned long)arg) {
        case VFIO_TYPE1_IOMMU:
        case VFIO_TYPE1v2_IOMMU:
        case VFIO_UNMAP_ALL:
            return 1;
        case VFIO_DMA_CC_IOMMU:
            return c->type1 ? 1 : 0;
        default:
            return 0;
        }
    case VFIO_SET_IOMMU:
        if ((unsigned long)arg != VFIO_TYPE1v2_IOMMU &&
            (unsigned long)arg != VFIO_TYPE1_IOMMU) {
            return -EINVAL;
        }
        /* no group yet, or already set: EINVAL */
        if (!c->groups->len || c->type1) {
            return -EINVAL;
        }
        c->type1 = true;
        c->space = sim_space_new(SIM_SPACE_CONTAINER, c->id);
        c->space->has_domain = true;
        sim_space_count_domain(c->space, true);
        return 0;
    case VFIO_IOMMU_GET_INFO:
        return c->type1 ? get_info(c, arg) : -EINVAL;
    case VFIO_IOMMU_MAP_DMA:
        return c->type1 ? map_dma(c, arg) : -EINVAL;
    case VFIO_IOMMU_UNMAP_DMA:
        return c->type1 ? unmap_dma(c, arg) : -EINVAL;
    case VFIO_IOMMU_DIRTY_PAGES: {
        struct vfio_iommu_type1_dirty_bitmap *d = arg;
        if (!c->type1 || d->argsz < sizeof(*d)) {
            return -EINVAL;
        }
        if (d->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_START ||
            d->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
            return 0;
        }
        return -EINVAL;
    }
    default:
        return -ENOTTY;
    }
}

static bool group_viable(SimGroup *g)
{
    /* every device of a simulated group is bound to vfio-pci */
    return g->devices->len > 0;
}

static bool group_cdev_bound(SimGroup *g)
{
    for (guint i = 0; i < g->devices->len; i++) {
        SimDevice *d = g_ptr_array_index(g->devices, i);
        if (d->ictx || d->cdev_open) {
            return true;
        }
    }
    return false;
}

static long get_device_fd(SimGroup *g, const char *name)
{
    SimFile *f;
    int fd;

    if (!g->container || !g->container->type1) {
        return -EINVAL;
    }
    for (guint i = 0; i < g->devices->len; i++) {
        SimDevice *d = g_ptr_array_index(g->devices, i);
        if (!strcmp(d->cfg->bdf, name)) {
            if (d->cdev_open) {
                return -EBUSY;
            }
            fd = sim_file_open(SIM_FILE_DEVICE, 0, "vfio-device", &f);
            if (fd < 0) {
                return fd;
            }
            f->device = d;
            f->cdev = false;
            g->device_fds++;
            sim_device_open(d);
            return fd;
        }
    }
    return -ENODEV;
}

long sim_group_ioctl(SimGroup *g, unsigned long req, void *arg)
{
    if (req != VFIO_GROUP_UNSET_CONTAINER &&
        sim_check_user_va((uintptr_t)arg, 1, true)) {
        return -EFAULT;
    }
    switch (req) {
    case VFIO_GROUP_GET_STATUS: {
        struct vfio_group_status *st = arg;
        if (st->argsz < sizeof(*st)) {
            return -EINVAL;
        }
        st->flags = (group_viable(g) ? VFIO_GROUP_FLAGS_VIABLE : 0) |
                    (g->container ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        return 0;
    }
    case VFIO_GROUP_SET_CONTAINER: {
        int fd = *(int *)arg;
        SimFile *cf = sim_file_lookup(fd);
        SimContainer *c;

        if (g->container) {
            return -EINVAL;
        }
        if (!cf || cf->kind != SIM_FILE_CONTAINER) {
            return -EBADF;
        }
        if (!group_viable(g)) {
            return -EPERM;
        }
        /* the group's devices are in use through iommufd cdevs */
        if (group_cdev_bound(g)) {
            return -EBUSY;
        }
        c = cf->container;
        g_ptr_array_add(c->groups, g);
        g->container = c;
        return 0;
    }
    case VFIO_GROUP_UNSET_CONTAINER:
        if (!g->container) {
            return -EINVAL;
        }
        if (g->device_fds) {
            return -EBUSY;
        }
        group_unset(g);
        return 0;
    case VFIO_GROUP_GET_DEVICE_FD:
        return get_device_fd(g, arg);
    default:
        return -ENOTTY;
    }
}
