/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the VFIO device fd (regions, interrupts, resets, cdev binding)
 */
#include "qemu/osdep.h"
#include <poll.h>
#include <sys/mman.h>
#include "sim.h"

#define NUM_REGIONS     (VFIO_PCI_NUM_REGIONS)      /* 9 */
#define NUM_IRQS        (VFIO_PCI_NUM_IRQS)         /* 5 */

/* BAR mmaps the process holds, for the trap and the EFAULT rule */
typedef struct BarMap {
    uint64_t va;
    uint64_t len;
    SimDevice *dev;
    int bar;
    uint64_t off;               /* into the BAR */
} BarMap;

static GArray *bar_maps;        /* BarMap */

static bool bus_reset_possible(SimDevice *d)
{
    return d->cfg->parent != NULL;
}

/* The devices a bus reset of @d's bus affects (d's siblings), with d */
static GPtrArray *reset_set(SimDevice *d)
{
    GPtrArray *set = g_ptr_array_new();

    for (guint i = 0; i < sim_devices->len; i++) {
        SimDevice *o = g_ptr_array_index(sim_devices, i);
        if (o->cfg->parent && !strcmp(o->cfg->parent, d->cfg->parent)) {
            g_ptr_array_add(set, o);
        }
    }
    return set;
}

/*
 * A function reset needs FLR, or a bus reset that touches no one else
 * (the kernel's reset probe falls back to the bus only for a lone device).
 */
static bool function_reset_works(SimDevice *d)
{
    g_autoptr(GPtrArray) set = NULL;

    if (d->cfg->flr) {
        return true;
    }
    if (!bus_reset_possible(d)) {
        return false;
    }
    set = reset_set(d);
    return set->len == 1;
}

static void bdf_split(const char *bdf, uint16_t *seg, uint8_t *bus,
                      uint8_t *devfn)
{
    unsigned s, b, sl, fn;

    sscanf(bdf, "%x:%x:%x.%x", &s, &b, &sl, &fn);
    *seg = s;
    *bus = b;
    *devfn = (sl << 3) | fn;
}

static bool file_bound(SimFile *f)
{
    return !f->cdev || f->device->ictx;
}

static long get_info(SimDevice *d, struct vfio_device_info *info)
{
    if (info->argsz < offsetofend(struct vfio_device_info, num_irqs)) {
        return -EINVAL;
    }
    info->flags = VFIO_DEVICE_FLAGS_PCI;
    if (function_reset_works(d)) {
        info->flags |= VFIO_DEVICE_FLAGS_RESET;
    }
    info->num_regions = NUM_REGIONS;
    info->num_irqs = NUM_IRQS;
    if (info->argsz >= offsetofend(struct vfio_device_info, cap_offset)) {
        info->cap_offset = 0;
    }
    return 0;
}

static long get_region_info(SimDevice *d, struct vfio_region_info *r)
{
    if (r->argsz < offsetofend(struct vfio_region_info, offset)) {
        return -EINVAL;
    }
    if (r->index >= NUM_REGIONS || r->index == VFIO_PCI_VGA_REGION_INDEX) {
        return -EINVAL;
    }
    r->offset = (uint64_t)r->index << SIM_REGION_SHIFT;
    r->cap_offset = 0;
    if (r->index == VFIO_PCI_CONFIG_REGION_INDEX) {
        r->size = SIM_CONFIG_SIZE;
        r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    } else if (r->index < SIM_MAX_BARS && d->cfg->bar_size[r->index]) {
        r->size = d->cfg->bar_size[r->index];
        r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
                   (d->cfg->bar_mmap[r->index] ? VFIO_REGION_INFO_FLAG_MMAP :
                    0);
    } else {
        r->size = 0;
        r->flags = 0;
    }
    return 0;
}

static long get_irq_info(SimDevice *d, struct vfio_irq_info *i)
{
    if (i->argsz < sizeof(*i) || i->index >= NUM_IRQS) {
        return -EINVAL;
    }
    i->flags = VFIO_IRQ_INFO_EVENTFD;
    switch (i->index) {
    case VFIO_PCI_INTX_IRQ_INDEX:
        i->count = d->cfg->intx;
        i->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
        break;
    case VFIO_PCI_MSI_IRQ_INDEX:
        i->count = d->cfg->msi;
        i->flags |= VFIO_IRQ_INFO_NORESIZE;
        break;
    case VFIO_PCI_MSIX_IRQ_INDEX:
        i->count = d->cfg->msix;
        i->flags |= VFIO_IRQ_INFO_NORESIZE;
        break;
    case VFIO_PCI_ERR_IRQ_INDEX:
        i->count = 0;           /* conventional PCI: no AER */
        break;
    default:
        i->count = 1;           /* the release request */
        break;
    }
    return 0;
}

static void irq_disable(SimDevice *d)
{
    for (int i = 0; i < 32; i++) {
        if (d->msi_fd[i] >= 0) {
            sim_libc.close(d->msi_fd[i]);
            d->msi_fd[i] = -1;
        }
    }
    if (d->intx_fd >= 0) {
        sim_libc.close(d->intx_fd);
        d->intx_fd = -1;
    }
    if (d->intx_unmask_fd >= 0) {
        sim_libc.close(d->intx_unmask_fd);
        d->intx_unmask_fd = -1;
    }
    d->irq_type = -1;
    d->intx_masked = false;
    d->intx_held = false;
}

static void signal_fd(int fd)
{
    uint64_t one = 1;

    if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
        sim_log_event("eventfd write failed: %s", strerror(errno));
    }
}

/*
 * The kernel unmasks INTx as soon as the ACTION_UNMASK eventfd (KVM's
 * resample eventfd) is signalled; the simulator has no thread for it and
 * looks at the eventfd whenever the device is about to interrupt, which
 * is the first moment the difference shows.
 */
static void intx_poll_unmask(SimDevice *d)
{
    struct pollfd p = { .fd = d->intx_unmask_fd, .events = POLLIN };
    uint64_t count;

    if (d->intx_unmask_fd < 0 || poll(&p, 1, 0) != 1 ||
        read(d->intx_unmask_fd, &count, sizeof(count)) != sizeof(count)) {
        return;
    }
    if (d->intx_masked) {
        sim_log_event("%s: INTx unmasked by eventfd", d->cfg->bdf);
    }
    d->intx_masked = false;
}

static bool intx_disabled(SimDevice *d)
{
    return d->config[0x05] & 0x04;      /* PCI_COMMAND_INTX_DISABLE */
}

static void intx_fire(SimDevice *d)
{
    intx_poll_unmask(d);
    if (d->intx_masked) {
        return;
    }
    if (intx_disabled(d)) {
        sim_log_event("%s: INTx held (INTx disabled)", d->cfg->bdf);
        d->intx_held = true;
        return;
    }
    sim_log_event("%s: INTx", d->cfg->bdf);
    d->intx_masked = true;      /* automasked until unmasked */
    d->intx_held = false;
    signal_fd(d->intx_fd);
}

void sim_device_intx_disable_changed(SimDevice *d)
{
    if (d->irq_type == VFIO_PCI_INTX_IRQ_INDEX && d->intx_held &&
        !intx_disabled(d)) {
        intx_fire(d);
    }
}

void sim_device_raise_irq(SimDevice *d)
{
    if (d->irq_type == VFIO_PCI_MSI_IRQ_INDEX ||
        d->irq_type == VFIO_PCI_MSIX_IRQ_INDEX) {
        sim_log_event("%s: MSI vector 0", d->cfg->bdf);
        signal_fd(d->msi_fd[0]);
    } else if (d->irq_type == VFIO_PCI_INTX_IRQ_INDEX) {
        intx_fire(d);
    }
}

static long set_irqs(SimDevice *d, struct vfio_irq_set *s)
{
    uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    struct vfio_irq_info info = { .argsz = sizeof(info), .index = s->index };
    int32_t *fds = (int32_t *)s->data;

    if (s->argsz < offsetofend(struct vfio_irq_set, count) ||
        s->index >= NUM_IRQS ||
        s->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
                     VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
        __builtin_popcount(action) != 1 || __builtin_popcount(data) != 1) {
        return -EINVAL;
    }
    get_irq_info(d, &info);
    if (s->start >= info.count + (s->count == 0) ||
        s->start + s->count > info.count) {
        if (!(s->count == 0 && data == VFIO_IRQ_SET_DATA_NONE)) {
            return -EINVAL;
        }
    }
    if (data == VFIO_IRQ_SET_DATA_EVENTFD &&
        s->argsz < sizeof(*s) + s->count * sizeof(int32_t)) {
        return -EINVAL;
    }
    if (s->index == VFIO_PCI_INTX_IRQ_INDEX &&
        action != VFIO_IRQ_SET_ACTION_TRIGGER) {
        if (d->irq_type != VFIO_PCI_INTX_IRQ_INDEX) {
            return -EINVAL;
        }
        if (data == VFIO_IRQ_SET_DATA_NONE) {
            d->intx_masked = action == VFIO_IRQ_SET_ACTION_MASK;
        } else if (data == VFIO_IRQ_SET_DATA_EVENTFD &&
                   action == VFIO_IRQ_SET_ACTION_UNMASK) {
            /* unmask when the eventfd fires; -1 stops watching */
            int nfd = fds[0] >= 0 ? sim_libc.dup(fds[0]) : -1;

            if (fds[0] >= 0 && nfd < 0) {
                return -EBADF;
            }
            if (d->intx_unmask_fd >= 0) {
                sim_libc.close(d->intx_unmask_fd);
            }
            d->intx_unmask_fd = nfd;
        }
        return 0;
    }
    if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
        return s->index == VFIO_PCI_MSI_IRQ_INDEX ||
               s->index == VFIO_PCI_MSIX_IRQ_INDEX ? -EINVAL : 0;
    }
    if (s->index > VFIO_PCI_MSIX_IRQ_INDEX) {
        return 0;               /* ERR/REQ eventfds: accepted, never fire */
    }
    if (data == VFIO_IRQ_SET_DATA_NONE && s->count == 0) {
        if (d->irq_type == (int)s->index) {
            irq_disable(d);
        }
        return 0;
    }
    if (d->irq_type >= 0 && d->irq_type != (int)s->index) {
        return -EINVAL;         /* one interrupt type at a time */
    }
    if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
        for (uint32_t i = 0; i < s->count; i++) {
            int *slot = s->index == VFIO_PCI_INTX_IRQ_INDEX ? &d->intx_fd :
                        &d->msi_fd[MIN(s->start + i, 31)];
            int nfd = fds[i] >= 0 ? sim_libc.dup(fds[i]) : -1;
            if (fds[i] >= 0 && nfd < 0) {
                return -EBADF;
            }
            if (*slot >= 0) {
                sim_libc.close(*slot);
            }
            *slot = nfd;
        }
        d->irq_type = s->index;
        return 0;
    }
    /* DATA_NONE / DATA_BOOL with a count: fire the vectors (loopback) */
    if (d->irq_type == (int)s->index) {
        sim_device_raise_irq(d);
    }
    return 0;
}

static long hot_reset_info(SimFile *f, struct vfio_pci_hot_reset_info *info)
{
    SimDevice *d = f->device;
    g_autoptr(GPtrArray) set = NULL;
    uint32_t room;
    bool owned = true;

    if (info->argsz < sizeof(*info)) {
        return -EINVAL;
    }
    if (!bus_reset_possible(d)) {
        return -ENODEV;
    }
    set = reset_set(d);
    room = (info->argsz - sizeof(*info)) /
           sizeof(struct vfio_pci_dependent_device);
    info->flags = f->cdev ? VFIO_PCI_HOT_RESET_FLAG_DEV_ID : 0;
    info->count = set->len;
    if (room < set->len) {
        return -ENOSPC;
    }
    for (guint i = 0; i < set->len; i++) {
        SimDevice *o = g_ptr_array_index(set, i);
        struct vfio_pci_dependent_device *dep = &info->devices[i];

        memset(dep, 0, sizeof(*dep));
        bdf_split(o->cfg->bdf, &dep->segment, &dep->bus, &dep->devfn);
        if (f->cdev) {
            if (o->ictx == d->ictx && o->ictx) {
                dep->devid = o->dev_id;
            } else if (o->group == d->group) {
                dep->devid = VFIO_PCI_DEVID_OWNED;
            } else {
                dep->devid = VFIO_PCI_DEVID_NOT_OWNED;
                owned = false;
            }
        } else {
            dep->group_id = o->group->id;
        }
    }
    if (f->cdev && owned) {
        info->flags |= VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
    }
    return 0;
}

static long hot_reset(SimFile *f, struct vfio_pci_hot_reset *r)
{
    SimDevice *d = f->device;
    g_autoptr(GPtrArray) set = NULL;
    g_autoptr(GPtrArray) groups = g_ptr_array_new();

    if (r->argsz < sizeof(*r) || r->flags) {
        return -EINVAL;
    }
    if (r->argsz < sizeof(*r) + r->count * sizeof(int32_t)) {
        return -EINVAL;
    }
    if (!bus_reset_possible(d)) {
        return -ENODEV;
    }
    if (f->cdev && r->count) {
        return -EINVAL;         /* a cdev proves ownership by its iommufd */
    }
    for (uint32_t i = 0; i < r->count; i++) {
        SimFile *g = sim_file_lookup(r->group_fds[i]);
        if (!g || g->kind != SIM_FILE_GROUP) {
            return -EINVAL;
        }
        g_ptr_array_add(groups, g->group);
    }
    set = reset_set(d);
    for (guint i = 0; i < set->len; i++) {
        SimDevice *o = g_ptr_array_index(set, i);
        if (f->cdev) {
            if (!o->ictx || o->ictx != d->ictx) {
                return -EPERM;
            }
        } else if (!g_ptr_array_find(groups, o->group, NULL)) {
            return -EPERM;
        }
    }
    for (guint i = 0; i < set->len; i++) {
        sim_device_reset(g_ptr_array_index(set, i), true);
    }
    sim_log_event("%s: bus reset of %u device(s)", d->cfg->bdf, set->len);
    return 0;
}

static long bind_iommufd(SimFile *f, struct vfio_device_bind_iommufd *b)
{
    SimDevice *d = f->device;
    SimIommufd *ictx;

    if (b->argsz < offsetofend(struct vfio_device_bind_iommufd, out_devid) ||
        b->flags) {
        return -EINVAL;
    }
    if (d->ictx) {
        return -EINVAL;         /* already bound */
    }
    if (b->iommufd < 0) {
        return -EINVAL;
    }
    ictx = sim_iommufd_of_fd(b->iommufd);
    if (!ictx) {
        return -EBADFD;
    }
    /* the group is in use by the legacy container */
    if (d->group->container || d->group->device_fds) {
        return -EBUSY;
    }
    return sim_iommufd_bind(ictx, d, &b->out_devid);
}

long sim_device_ioctl(SimFile *f, unsigned long req, void *arg)
{
    SimDevice *d = f->device;

    /* every device ioctl but RESET reads a struct that starts with argsz */
    if (req != VFIO_DEVICE_RESET && !sim_user_struct_ok(arg)) {
        return -EFAULT;
    }

    if (f->cdev && req == VFIO_DEVICE_BIND_IOMMUFD) {
        return bind_iommufd(f, arg);
    }
    if (!file_bound(f)) {
        return -EINVAL;
    }
    switch (req) {
    case VFIO_DEVICE_GET_INFO:
        return get_info(d, arg);
    case VFIO_DEVICE_GET_REGION_INFO:
        return get_region_info(d, arg);
    case VFIO_DEVICE_GET_IRQ_INFO:
        return get_irq_info(d, arg);
    case VFIO_DEVICE_SET_IRQS:
        return set_irqs(d, arg);
    case VFIO_DEVICE_RESET:
        if (!function_reset_works(d)) {
            return -EINVAL;
        }
        sim_device_reset(d, true);
        return 0;
    case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
        return hot_reset_info(f, arg);
    case VFIO_DEVICE_PCI_HOT_RESET:
        return hot_reset(f, arg);
    case VFIO_DEVICE_ATTACH_IOMMUFD_PT: {
        struct vfio_device_attach_iommufd_pt *a = arg;
        if (!f->cdev || a->argsz < offsetofend(typeof(*a), pt_id) ||
            a->flags) {
            return -EINVAL;
        }
        return sim_iommufd_attach(d, &a->pt_id);
    }
    case VFIO_DEVICE_DETACH_IOMMUFD_PT: {
        struct vfio_device_detach_iommufd_pt *a = arg;
        if (!f->cdev || a->argsz < offsetofend(typeof(*a), flags) ||
            a->flags) {
            return -EINVAL;
        }
        return sim_iommufd_detach(d);
    }
    case VFIO_DEVICE_FEATURE:
        return sim_device_feature(d, arg);
    case VFIO_DEVICE_BIND_IOMMUFD:
        return -EINVAL;
    default:
        return -ENOTTY;
    }
}

#define CFG_COMMAND     0x04
#define CMD_MEMORY      0x0002
#define CMD_MASTER      0x0004

bool sim_device_decoding(SimDevice *d)
{
    /* vfio-pci: no BAR access in D3hot whatever the command register says */
    return d->config[CFG_COMMAND] & CMD_MEMORY && sim_device_powered(d);
}

/*
 * vfio-pci's open clears bus mastering and enables the device, which
 * turns memory decoding on for its BARs; its config space as the user
 * first reads it says so.  (Closing restores the state saved at open,
 * decoding on again, so whatever the last user left, a new one starts
 * with decoding on.)  A user that believes what it read, maps the BARs
 * and only later turns decoding off, is caught by the EFAULT rule of
 * legacy.c and the revoked dma-bufs of dmabuf.c.
 */
void sim_device_open(SimDevice *d)
{
    bool has_bar = false;

    if (d->opens++) {
        return;
    }
    for (int i = 0; i < SIM_MAX_BARS; i++) {
        has_bar |= d->cfg->bar_size[i] != 0;
    }
    d->config[CFG_COMMAND] &= ~CMD_MASTER;
    if (has_bar) {
        d->config[CFG_COMMAND] |= CMD_MEMORY;
    }
}

void sim_device_release(SimFile *f)
{
    SimDevice *d = f->device;

    if (d->opens) {
        d->opens--;
    }

    /* closing the device revokes its dma-bufs for good */
    sim_dmabuf_sync(d, false, true);
    irq_disable(d);
    if (f->cdev) {
        sim_iommufd_unbind(d);
        d->cdev_open = false;
    } else {
        d->group->device_fds--;
    }
    sim_device_reset(d, false);
}

/* The standard header: what the PCI core saves and restores over a reset */
#define SIM_CONFIG_HEADER 64

void sim_device_reset(SimDevice *d, bool restore)
{
    uint8_t header[SIM_CONFIG_HEADER];
    uint32_t bars[SIM_MAX_BARS];

    memcpy(header, d->config, sizeof(header));
    memcpy(bars, d->bar_raw, sizeof(bars));
    /* vfio-pci revokes the dma-bufs around a reset... */
    sim_dmabuf_sync(d, true, false);
    sim_config_space_init(d);
    sim_edu_init(d);
    if (restore) {
        memcpy(d->config, header, sizeof(header));
        memcpy(d->bar_raw, bars, sizeof(bars));
    }
    /* ...and gives them back if decoding is on afterwards */
    sim_dmabuf_sync(d, false, false);
}

ssize_t sim_device_rw(SimDevice *d, void *buf, size_t len, uint64_t off,
                      bool write)
{
    uint32_t index = off >> SIM_REGION_SHIFT;
    uint64_t pos = off & ((1ULL << SIM_REGION_SHIFT) - 1);
    uint64_t size;
    size_t done = 0;

    if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
        size = SIM_CONFIG_SIZE;
    } else if (index < SIM_MAX_BARS) {
        size = d->cfg->bar_size[index];
    } else {
        return -EINVAL;
    }
    if (pos >= size) {
        return -EINVAL;
    }
    len = MIN(len, size - pos);
    /* the kernel splits into naturally aligned accesses of up to 4 bytes */
    while (done < len) {
        uint64_t at = pos + done;
        unsigned n = (at & 3) == 0 && len - done >= 4 ? 4 :
                     (at & 1) == 0 && len - done >= 2 ? 2 : 1;
        uint32_t v = 0;

        if (write) {
            memcpy(&v, (uint8_t *)buf + done, n);
            if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
                sim_config_write(d, at, v, n);
            } else if (index == 0) {
                sim_edu_write(d, at, v, n);
            } else {
                memcpy(d->bar[index] + at, &v, n);
            }
        } else {
            if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
                v = sim_config_read(d, at, n);
            } else if (index == 0) {
                v = sim_edu_read(d, at, n);
            } else {
                memcpy(&v, d->bar[index] + at, n);
            }
            memcpy((uint8_t *)buf + done, &v, n);
        }
        done += n;
    }
    return done;
}

void *sim_device_mmap(SimDevice *d, void *addr, size_t len, int prot,
                      int flags, uint64_t off)
{
    uint32_t index = off >> SIM_REGION_SHIFT;
    uint64_t pos = off & ((1ULL << SIM_REGION_SHIFT) - 1);
    BarMap m;
    void *p;

    if (index >= SIM_MAX_BARS || !d->cfg->bar_mmap[index] ||
        !d->cfg->bar_size[index] || pos + len > d->cfg->bar_size[index] ||
        pos & (SIM_PAGE - 1) || !(flags & MAP_SHARED)) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    p = sim_libc.mmap(addr, len, prot, flags, d->bar_memfd[index], pos);
    if (p == MAP_FAILED) {
        return p;
    }
    if (!bar_maps) {
        bar_maps = g_array_new(FALSE, TRUE, sizeof(BarMap));
    }
    m = (BarMap) { (uintptr_t)p, len, d, index, pos };
    g_array_append_val(bar_maps, m);
    if (index == 0 && pos == 0) {
        /* edu's registers live in the first page: trap accesses there */
        sim_trap_register(p, d, index);
    }
    return p;
}

bool sim_device_munmap(void *addr, size_t len)
{
    uint64_t va = (uintptr_t)addr;

    for (guint i = 0; bar_maps && i < bar_maps->len; i++) {
        BarMap *m = &g_array_index(bar_maps, BarMap, i);
        if (va <= m->va && va + len >= m->va + m->len) {
            sim_trap_unregister((void *)(uintptr_t)m->va);
            g_array_remove_index(bar_maps, i);
            return true;
        }
    }
    return false;
}

bool sim_bar_peer(uint64_t va, uint64_t len, SimDevice **peer, int *bar,
                  uint64_t *off)
{
    for (guint i = 0; bar_maps && i < bar_maps->len; i++) {
        BarMap *m = &g_array_index(bar_maps, BarMap, i);
        if (va >= m->va && va + len <= m->va + m->len) {
            *peer = m->dev;
            *bar = m->bar;
            *off = m->off + (va - m->va);
            return true;
        }
    }
    return false;
}

bool sim_bar_lookup(uint64_t va, uint64_t len, uint8_t **internal)
{
    for (guint i = 0; bar_maps && i < bar_maps->len; i++) {
        BarMap *m = &g_array_index(bar_maps, BarMap, i);
        if (va < m->va + m->len && va + len > m->va) {
            *internal = m->dev->bar[m->bar] + m->off + (va - m->va);
            return true;
        }
    }
    return false;
}
