/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim tests of the simulated device: config space, BAR0 through
 * pread/pwrite and mmap, edu DMA through both backends, MSI and INTx
 * through eventfds.  Runs under LD_PRELOAD=libvfio-sim.so with the
 * built-in default configuration (edu at 0000:00:10.0, group 3).
 */
#include "qemu/osdep.h"
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#define BDF         "0000:00:10.0"
#define CONFIG_OFF  (7ULL << 40)
#define BAR0_LEN    0x100000
#define BUF_LEN     0x200000
#define IOVA        0x1000000ULL
#define DMA_LEN     256

typedef struct Dev {
    int fd;
    int aux[2];                 /* container+group or iommufd, -1 if unused */
    volatile uint32_t *bar;
    uint8_t *buf;
} Dev;

static void dev_setup_common(Dev *d)
{
    uint16_t cmd = 0x6;         /* memory + bus master */

    g_assert_cmpint(pwrite(d->fd, &cmd, 2, CONFIG_OFF + 4), ==, 2);
    d->bar = mmap(NULL, BAR0_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
                  0);
    g_assert_true(d->bar != MAP_FAILED);
    d->buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(d->buf != MAP_FAILED);
}

static void dev_open_legacy(Dev *d)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .iova = IOVA, .size = BUF_LEN,
    };

    d->aux[0] = open("/dev/vfio/vfio", O_RDWR);
    d->aux[1] = open("/dev/vfio/3", O_RDWR);
    g_assert_cmpint(ioctl(d->aux[1], VFIO_GROUP_SET_CONTAINER, &d->aux[0]),
                    ==, 0);
    g_assert_cmpint(ioctl(d->aux[0], VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ==,
                    0);
    d->fd = ioctl(d->aux[1], VFIO_GROUP_GET_DEVICE_FD, BDF);
    g_assert_cmpint(d->fd, >=, 0);
    dev_setup_common(d);
    m.vaddr = (uintptr_t)d->buf;
    g_assert_cmpint(ioctl(d->aux[0], VFIO_IOMMU_MAP_DMA, &m), ==, 0);
    /* type1 follows a BAR's PFNs: peer-to-peer mappings are allowed */
    m.vaddr = (uintptr_t)d->bar;
    m.iova = 0x8000000;
    m.size = BAR0_LEN;
    g_assert_cmpint(ioctl(d->aux[0], VFIO_IOMMU_MAP_DMA, &m), ==, 0);
}

static void dev_open_iommufd(Dev *d)
{
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
    struct iommu_ioas_map m = {
        .size = sizeof(m),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .iova = IOVA, .length = BUF_LEN,
    };

    d->aux[0] = open("/dev/iommu", O_RDWR);
    d->aux[1] = -1;
    d->fd = open("/dev/vfio/devices/vfio0", O_RDWR);
    bind.iommufd = d->aux[0];
    g_assert_cmpint(ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), ==, 0);
    g_assert_cmpint(ioctl(d->aux[0], IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    at.pt_id = alloc.out_ioas_id;
    g_assert_cmpint(ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ==, 0);
    dev_setup_common(d);
    m.ioas_id = alloc.out_ioas_id;
    m.user_va = (uintptr_t)d->buf;
    g_assert_cmpint(ioctl(d->aux[0], IOMMU_IOAS_MAP, &m), ==, 0);
    /* GUP cannot pin a BAR mapping */
    m.user_va = (uintptr_t)d->bar;
    m.iova = 0x8000000;
    m.length = BAR0_LEN;
    g_assert_cmpint(ioctl(d->aux[0], IOMMU_IOAS_MAP, &m), ==, -1);
    g_assert_cmpint(errno, ==, EFAULT);
}

static void dev_close(Dev *d)
{
    munmap((void *)d->bar, BAR0_LEN);
    munmap(d->buf, BUF_LEN);
    close(d->fd);
    for (int i = 1; i >= 0; i--) {
        if (d->aux[i] >= 0) {
            close(d->aux[i]);
        }
    }
}

static void dma(Dev *d, uint64_t src, uint64_t dst, uint32_t cmd)
{
    d->bar[0x80 / 4] = src;
    d->bar[0x88 / 4] = dst;
    d->bar[0x90 / 4] = DMA_LEN;
    d->bar[0x98 / 4] = cmd | 1;
    g_assert_cmpuint(d->bar[0x98 / 4] & 1, ==, 0);   /* completes at once */
}

static void check_device(Dev *d)
{
    uint32_t id = 0;

    g_assert_cmpint(pread(d->fd, &id, 4, CONFIG_OFF), ==, 4);
    g_assert_cmphex(id, ==, 0x11e81234);
    g_assert_cmphex(d->bar[0], ==, 0x010000ed);
    d->bar[1] = 0x12345678;
    g_assert_cmphex(d->bar[1], ==, 0xedcba987);
    /* the same register through the region's pread/pwrite */
    id = 0x0badf00d;
    g_assert_cmpint(pwrite(d->fd, &id, 4, 4), ==, 4);
    g_assert_cmpint(pread(d->fd, &id, 4, 4), ==, 4);
    g_assert_cmphex(id, ==, 0xf4520ff2);
    d->bar[0x08 / 4] = 5;
    g_assert_cmpuint(d->bar[0x08 / 4], ==, 120);

    for (int i = 0; i < DMA_LEN; i++) {
        d->buf[i] = i * 3 + 1;
    }
    memset(d->buf + 0x1000, 0, DMA_LEN);
    dma(d, IOVA, 0x40000, 0);
    dma(d, 0x40000, IOVA + 0x1000, 2);
    g_assert_cmpmem(d->buf, DMA_LEN, d->buf + 0x1000, DMA_LEN);
    /* an unmapped IOVA: the transfer ends, nothing lands */
    memset(d->buf + 0x2000, 0x5a, DMA_LEN);
    dma(d, 0x40000, 0x4000000, 2);
    g_assert_cmpuint(d->buf[0x2000], ==, 0x5a);
}

static bool fired(int efd)
{
    struct pollfd p = { .fd = efd, .events = POLLIN };
    uint64_t n;

    return poll(&p, 1, 1000) == 1 && read(efd, &n, 8) == 8 && n >= 1;
}

static int set_irq(Dev *d, uint32_t index, uint32_t flags, int count,
                   int efd)
{
    g_autofree struct vfio_irq_set *s = g_malloc0(sizeof(*s) + 4);

    s->argsz = sizeof(*s) + 4;
    s->flags = flags;
    s->index = index;
    s->count = count;
    memcpy(s->data, &efd, 4);
    return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s);
}

static void check_irqs(Dev *d)
{
    int efd = eventfd(0, EFD_NONBLOCK);

    g_assert_cmpint(set_irq(d, VFIO_PCI_MSI_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_EVENTFD |
                            VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd), ==, 0);
    /* one interrupt type at a time */
    g_assert_cmpint(set_irq(d, VFIO_PCI_INTX_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_EVENTFD |
                            VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd), ==, -1);
    d->bar[0x60 / 4] = 0x1000;
    g_assert_true(fired(efd));
    g_assert_cmphex(d->bar[0x24 / 4] & 0x1000, ==, 0x1000);
    d->bar[0x64 / 4] = 0x1000;
    /* DMA completion with the interrupt bit */
    dma(d, IOVA, 0x40000, 4);
    g_assert_true(fired(efd));
    g_assert_cmpint(set_irq(d, VFIO_PCI_MSI_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_NONE |
                            VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1), ==, 0);

    /* INTx is automasked until unmasked */
    g_assert_cmpint(set_irq(d, VFIO_PCI_INTX_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_EVENTFD |
                            VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd), ==, 0);
    d->bar[0x60 / 4] = 1;
    g_assert_true(fired(efd));
    d->bar[0x60 / 4] = 1;
    g_assert_false(fired(efd));
    g_assert_cmpint(set_irq(d, VFIO_PCI_INTX_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_NONE |
                            VFIO_IRQ_SET_ACTION_UNMASK, 1, -1), ==, 0);
    d->bar[0x60 / 4] = 1;
    g_assert_true(fired(efd));
    g_assert_cmpint(set_irq(d, VFIO_PCI_INTX_IRQ_INDEX,
                            VFIO_IRQ_SET_DATA_NONE |
                            VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1), ==, 0);
    close(efd);
}

static void test_legacy(void)
{
    Dev d;

    dev_open_legacy(&d);
    check_device(&d);
    check_irqs(&d);
    dev_close(&d);
}

static void test_iommufd(void)
{
    Dev d;

    dev_open_iommufd(&d);
    check_device(&d);
    check_irqs(&d);
    dev_close(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio0", F_OK)) {
        g_test_skip("not running under libvfio-sim.so");
    }
    g_test_add_func("/vfio-sim/edu/legacy", test_legacy);
    g_test_add_func("/vfio-sim/edu/iommufd", test_iommufd);
    return g_test_run();
}
