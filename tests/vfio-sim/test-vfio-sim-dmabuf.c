/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim tests of BARs as dma-bufs and IOMMU_IOAS_MAP_FILE, as the 7.3
 * bench kernel answers them: the refusals, a memfd mapped by file, edu A's
 * DMA into edu B's BAR0 through a dma-buf (B's liveness register shows
 * it), revocation by decode-off, reset and close, and the leak report's
 * dma-buf count (the program runs itself as a child for that).  Runs under
 * LD_PRELOAD=libvfio-sim.so with configs/p2p-7.3.conf and VFIO_SIM_KERNEL=7.3,
 * or with VFIO_SIM_KERNEL=6.12, where both calls answer ENOTTY as on 6.12.
 */
#include "qemu/osdep.h"
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <json-glib/json-glib.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#define CONFIG_OFF  (7ULL << 40)
#define BAR0_LEN    0x100000ULL
#define RAM_LEN     0x200000ULL
#define RAM_IOVA    0x1000000ULL
#define PEER_IOVA   0x4000000ULL    /* below edu's 28-bit DMA mask */
#define MEMFD_IOVA  0x6000000ULL
#define EDU_BUF     0x40000ULL
#define RW_FIXED    (IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | \
                     IOMMU_IOAS_MAP_WRITEABLE)

static const char *self;

typedef struct Edu {
    int fd;
    volatile uint32_t *bar;
} Edu;

typedef struct Bench {
    int iommufd;
    uint32_t ioas;
    Edu a, b;
    uint8_t *ram;
} Bench;

static void set_command(Edu *e, uint16_t cmd)
{
    g_assert_cmpint(pwrite(e->fd, &cmd, 2, CONFIG_OFF + 4), ==, 2);
}

static uint16_t get_command(Edu *e)
{
    uint16_t cmd = 0;

    g_assert_cmpint(pread(e->fd, &cmd, 2, CONFIG_OFF + 4), ==, 2);
    return cmd;
}

static void edu_open(Bench *s, Edu *e, const char *cdev)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind), .iommufd = s->iommufd,
    };
    struct vfio_device_attach_iommufd_pt at = {
        .argsz = sizeof(at), .pt_id = s->ioas,
    };

    e->fd = open(cdev, O_RDWR);
    g_assert_cmpint(e->fd, >=, 0);
    g_assert_cmpint(ioctl(e->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), ==, 0);
    g_assert_cmpint(ioctl(e->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ==, 0);
    set_command(e, 0x6);        /* memory + bus master */
    e->bar = mmap(NULL, BAR0_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd,
                  0);
    g_assert_true(e->bar != MAP_FAILED);
}

static void edu_close(Edu *e)
{
    munmap((void *)e->bar, BAR0_LEN);
    close(e->fd);
}

static void bench_open(Bench *s)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct iommu_ioas_map map = {
        .size = sizeof(map), .flags = RW_FIXED,
        .length = RAM_LEN, .iova = RAM_IOVA,
    };

    s->iommufd = open("/dev/iommu", O_RDWR);
    g_assert_cmpint(ioctl(s->iommufd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    s->ioas = alloc.out_ioas_id;
    edu_open(s, &s->a, "/dev/vfio/devices/vfio0");
    edu_open(s, &s->b, "/dev/vfio/devices/vfio1");
    s->ram = mmap(NULL, RAM_LEN, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(s->ram != MAP_FAILED);
    map.ioas_id = s->ioas;
    map.user_va = (uintptr_t)s->ram;
    g_assert_cmpint(ioctl(s->iommufd, IOMMU_IOAS_MAP, &map), ==, 0);
}

static void bench_close(Bench *s)
{
    edu_close(&s->b);
    edu_close(&s->a);
    munmap(s->ram, RAM_LEN);
    close(s->iommufd);
}

typedef struct DmabufRequest {
    struct vfio_device_feature feature;
    struct vfio_device_feature_dma_buf get;
    struct vfio_region_dma_range range[2];
} DmabufRequest;

/* VFIO_DEVICE_FEATURE DMA_BUF; returns the fd or -errno */
static int export(Edu *e, uint32_t flags, uint32_t region, uint32_t get_flags,
                  uint32_t nr_ranges, uint64_t offset, uint64_t length)
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
        .range = { { offset, length / 2 }, { offset + length / 2,
                                             length / 2 } },
    };
    int ret;

    if (nr_ranges == 1) {
        req.range[0].length = length;
    }
    ret = ioctl(e->fd, VFIO_DEVICE_FEATURE, &req);
    return ret < 0 ? -errno : ret;
}

static int map_file(Bench *s, int fd, uint64_t start, uint64_t length,
                    uint64_t iova, uint32_t flags)
{
    struct iommu_ioas_map_file m = {
        .size = sizeof(m), .flags = flags, .ioas_id = s->ioas, .fd = fd,
        .start = start, .length = length, .iova = iova,
    };

    return ioctl(s->iommufd, IOMMU_IOAS_MAP_FILE, &m) < 0 ? -errno : 0;
}

static int unmap(Bench *s, uint64_t iova, uint64_t length)
{
    struct iommu_ioas_unmap u = {
        .size = sizeof(u), .ioas_id = s->ioas, .iova = iova, .length = length,
    };

    return ioctl(s->iommufd, IOMMU_IOAS_UNMAP, &u) < 0 ? -errno : 0;
}

/* edu A copies @len bytes from bus address @src to bus address @dst */
static void edu_copy(Edu *e, uint64_t src, uint64_t dst, uint32_t len)
{
    e->bar[0x80 / 4] = src;
    e->bar[0x88 / 4] = EDU_BUF;
    e->bar[0x90 / 4] = len;
    e->bar[0x98 / 4] = 1;
    e->bar[0x80 / 4] = EDU_BUF;
    e->bar[0x88 / 4] = dst;
    e->bar[0x90 / 4] = len;
    e->bar[0x98 / 4] = 1 | 2;
    g_assert_cmpuint(e->bar[0x98 / 4] & 1, ==, 0);   /* completes at once */
}

/* A writes 0x12345678 to B's liveness register through @iova */
static uint32_t poke_liveness(Bench *s, uint64_t iova)
{
    uint32_t v = 0x12345678;

    s->b.bar[1] = 0;
    memcpy(s->ram, &v, 4);
    edu_copy(&s->a, RAM_IOVA, iova + 4, 4);
    return s->b.bar[1];
}

static void test_export_refusals(void)
{
    Bench s;
    int fd;

    bench_open(&s);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_PROBE |
                           VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN),
                    ==, 0);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_SET, 0, 0, 1, 0,
                           BAR0_LEN), ==, -EINVAL);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 0, 0,
                           BAR0_LEN), ==, -EINVAL);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 1, 1, 0,
                           BAR0_LEN), ==, -EINVAL);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET,
                           VFIO_PCI_ROM_REGION_INDEX, 0, 1, 0, 0x1000), ==,
                    -ENODEV);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET, 1, 0, 1, 0,
                           0x1000), ==, -ENODEV);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0x10,
                           0x1000), ==, -EINVAL);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0,
                           2 * BAR0_LEN), ==, -EINVAL);
    fd = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(lseek(fd, 0, SEEK_END), ==, BAR0_LEN);
    g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    close(fd);
    bench_close(&s);
}

static void test_map_file_refusals(void)
{
    Bench s;
    int efd = eventfd(0, EFD_CLOEXEC);
    int memfd = memfd_create("ram", MFD_CLOEXEC);
    int one, two;

    bench_open(&s);
    g_assert_cmpint(ftruncate(memfd, RAM_LEN), ==, 0);
    g_assert_cmpint(map_file(&s, memfd, 0, RAM_LEN, MEMFD_IOVA,
                             IOMMU_IOAS_MAP_FIXED_IOVA), ==, -EINVAL);
    g_assert_cmpint(map_file(&s, memfd, 0, 0, MEMFD_IOVA, RW_FIXED), ==,
                    -EINVAL);
    g_assert_cmpint(map_file(&s, -1, 0, RAM_LEN, MEMFD_IOVA, RW_FIXED), ==,
                    -EBADF);
    g_assert_cmpint(map_file(&s, memfd, 0, 2 * RAM_LEN, MEMFD_IOVA,
                             RW_FIXED), ==, -EINVAL);
    /* neither a memfd nor a VFIO dma-buf: foreign files are refused */
    g_assert_cmpint(map_file(&s, efd, 0, 0x1000, MEMFD_IOVA, RW_FIXED), ==,
                    -EINVAL);
    g_assert_cmpint(map_file(&s, s.iommufd, 0, 0x1000, MEMFD_IOVA,
                             RW_FIXED), ==, -EINVAL);
    g_assert_cmpint(map_file(&s, s.b.fd, 0, 0x1000, MEMFD_IOVA, RW_FIXED),
                    ==, -EINVAL);
    /* iommufd takes single-range dma-bufs only */
    two = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 2, 0, BAR0_LEN);
    g_assert_cmpint(two, >=, 0);
    g_assert_cmpint(lseek(two, 0, SEEK_END), ==, BAR0_LEN);
    g_assert_cmpint(map_file(&s, two, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    -EOPNOTSUPP);
    one = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN);
    g_assert_cmpint(map_file(&s, one, 0, BAR0_LEN + 0x1000, PEER_IOVA,
                             RW_FIXED), ==, -EINVAL);
    /* a dma-buf fd answers no VFIO or iommufd ioctl */
    g_assert_cmpint(ioctl(one, IOMMU_IOAS_UNMAP, &(int){ 0 }), ==, -1);
    g_assert_cmpint(errno, ==, ENOTTY);
    close(one);
    close(two);
    close(efd);
    close(memfd);
    bench_close(&s);
}

/* A memfd mapped by file: edu's DMA lands in the file's pages */
static void test_memfd(void)
{
    Bench s;
    int memfd = memfd_create("ram", MFD_CLOEXEC);
    uint8_t *view;

    bench_open(&s);
    g_assert_cmpint(ftruncate(memfd, RAM_LEN), ==, 0);
    g_assert_cmpint(map_file(&s, memfd, 0, RAM_LEN, MEMFD_IOVA, RW_FIXED),
                    ==, 0);
    view = mmap(NULL, RAM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    g_assert_true(view != MAP_FAILED);
    memcpy(s.ram, "by file", 8);
    edu_copy(&s.a, RAM_IOVA, MEMFD_IOVA + 0x3000, 8);
    g_assert_cmpstr((char *)view + 0x3000, ==, "by file");
    /* the same IOVA cannot be mapped twice */
    g_assert_cmpint(map_file(&s, memfd, 0, RAM_LEN, MEMFD_IOVA, RW_FIXED),
                    ==, -EEXIST);
    g_assert_cmpint(unmap(&s, MEMFD_IOVA, RAM_LEN), ==, 0);
    munmap(view, RAM_LEN);
    close(memfd);
    bench_close(&s);
}

/* The bench check on 7.3: A's DMA reaches B's liveness register */
static void test_peer_to_peer(void)
{
    struct iommu_ioas_map map = {
        .size = sizeof(map), .flags = RW_FIXED, .length = BAR0_LEN,
        .iova = PEER_IOVA,
    };
    Bench s;
    int fd;

    bench_open(&s);
    map.ioas_id = s.ioas;
    map.user_va = (uintptr_t)s.b.bar;
    g_assert_cmpint(ioctl(s.iommufd, IOMMU_IOAS_MAP, &map), ==, -1);
    g_assert_cmpint(errno, ==, EFAULT);
    fd = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    0);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xedcba987);
    /* the mapping holds the dma-buf: closing its fd changes nothing */
    close(fd);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xedcba987);
    g_assert_cmpint(unmap(&s, PEER_IOVA, BAR0_LEN), ==, 0);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xffffffff);
    bench_close(&s);
}

/* Decode off, reset, close: revoked, and the old mapping faults for good */
static void test_revoke(void)
{
    Bench s;
    int fd;

    bench_open(&s);
    fd = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    0);
    set_command(&s.b, 0x4);
    set_command(&s.b, 0x6);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xffffffff);
    /* the dma-buf itself works again once decoding is back */
    g_assert_cmpint(unmap(&s, PEER_IOVA, BAR0_LEN), ==, 0);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    0);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xedcba987);
    /* while decoding is off a new mapping is refused */
    g_assert_cmpint(unmap(&s, PEER_IOVA, BAR0_LEN), ==, 0);
    set_command(&s.b, 0x4);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    -ENODEV);
    set_command(&s.b, 0x6);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    0);
    /*
     * a reset revokes too, and the mapping stays dead although the PCI
     * core restored decoding: only a new mapping reaches the device
     */
    g_assert_cmpint(ioctl(s.b.fd, VFIO_DEVICE_RESET), ==, 0);
    g_assert_cmphex(get_command(&s.b) & 0x2, ==, 0x2);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xffffffff);
    g_assert_cmpint(unmap(&s, PEER_IOVA, BAR0_LEN), ==, 0);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    0);
    g_assert_cmphex(poke_liveness(&s, PEER_IOVA), ==, 0xedcba987);
    /* closing the device revokes for good */
    edu_close(&s.b);
    g_assert_cmpint(unmap(&s, PEER_IOVA, BAR0_LEN), ==, 0);
    g_assert_cmpint(map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED), ==,
                    -ENODEV);
    close(fd);
    edu_open(&s, &s.b, "/dev/vfio/devices/vfio1");
    bench_close(&s);
}

/* The child: maps B's BAR0 by dma-buf, then cleans up or leaks */
static int child(const char *mode)
{
    Bench s;
    int fd;

    bench_open(&s);
    fd = export(&s.b, VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN);
    if (fd < 0 || map_file(&s, fd, 0, BAR0_LEN, PEER_IOVA, RW_FIXED)) {
        return 2;
    }
    close(fd);
    if (!strcmp(mode, "clean")) {
        unmap(&s, PEER_IOVA, BAR0_LEN);
        bench_close(&s);
    }
    return 0;
}

static gint64 report_member(const char *path, const char *name)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(json_parser_load_from_file(parser, path, NULL));
    return json_object_get_int_member(
        json_node_get_object(json_parser_get_root(parser)), name);
}

static void test_leak_report(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-sim-dmabuf-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "report.json", NULL);

    for (int leak = 1; leak >= 0; leak--) {
        g_auto(GStrv) env = g_environ_setenv(g_get_environ(),
                                             "VFIO_SIM_REPORT", path, TRUE);
        const char *argv[] = { self, "--child", leak ? "leak" : "clean",
                               NULL };
        int status;

        g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT,
                                   NULL, NULL, NULL, NULL, &status, NULL));
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* the mapping holds the dma-buf after its fd closed */
        g_assert_cmpint(report_member(path, "dmabufs"), ==, leak);
        g_assert_cmpint(report_member(path, "mappings"), ==, 2 * leak);
        unlink(path);
    }
    rmdir(dir);
}

/* 6.12: neither call exists */
static void test_kernel_without(void)
{
    Bench s;
    int memfd = memfd_create("ram", MFD_CLOEXEC);

    bench_open(&s);
    g_assert_cmpint(ftruncate(memfd, RAM_LEN), ==, 0);
    g_assert_cmpint(export(&s.b, VFIO_DEVICE_FEATURE_PROBE |
                           VFIO_DEVICE_FEATURE_GET, 0, 0, 1, 0, BAR0_LEN),
                    ==, -ENOTTY);
    g_assert_cmpint(map_file(&s, memfd, 0, RAM_LEN, MEMFD_IOVA, RW_FIXED),
                    ==, -ENOTTY);
    close(memfd);
    bench_close(&s);
}

int main(int argc, char **argv)
{
    const char *kernel;

    self = argv[0];
    if (argc == 3 && !strcmp(argv[1], "--child")) {
        return child(argv[2]);
    }
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio1", F_OK)) {
        g_test_skip("not running under libvfio-sim.so with two devices");
    }
    kernel = g_getenv("VFIO_SIM_KERNEL");
    if (!kernel || (strcmp(kernel, "6.12") && strcmp(kernel, "7.3"))) {
        g_printerr("%s: set VFIO_SIM_KERNEL to 6.12 or 7.3, the kernel the "
                   "simulator answers as\n", self);
        return 1;
    }
    if (!strcmp(kernel, "6.12")) {
        g_test_add_func("/vfio-sim/dmabuf/kernel-without",
                        test_kernel_without);
        return g_test_run();
    }
    g_test_add_func("/vfio-sim/dmabuf/export-refusals",
                    test_export_refusals);
    g_test_add_func("/vfio-sim/dmabuf/map-file-refusals",
                    test_map_file_refusals);
    g_test_add_func("/vfio-sim/dmabuf/memfd", test_memfd);
    g_test_add_func("/vfio-sim/dmabuf/peer-to-peer", test_peer_to_peer);
    g_test_add_func("/vfio-sim/dmabuf/revoke", test_revoke);
    g_test_add_func("/vfio-sim/dmabuf/leak-report", test_leak_report);
    return g_test_run();
}
