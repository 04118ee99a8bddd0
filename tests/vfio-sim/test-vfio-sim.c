/*
 * vfio-sim's own tests: run under LD_PRELOAD=libvfio-sim.so (meson does),
 * with tests/vfio-sim/configs/test.conf.  GLib gtest, TAP.
 *
 * Each case drives the raw uAPI and checks one rule of the simulated
 * kernel (docs/devel/vfio-sim.rst lists them).
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#define MIB 0x100000ULL
#define BDF "0000:00:10.0"      /* group 3, cdev vfio0 */
#define MAP_RW (IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | \
                IOMMU_IOAS_MAP_WRITEABLE)

static int err_of(int ret)
{
    return ret < 0 ? errno : 0;
}

typedef struct Legacy {
    int container, group, device;
} Legacy;

static void legacy_open(Legacy *l, bool with_device)
{
    l->container = open("/dev/vfio/vfio", O_RDWR);
    l->group = open("/dev/vfio/3", O_RDWR);
    g_assert_cmpint(l->container, >=, 0);
    g_assert_cmpint(l->group, >=, 0);
    g_assert_cmpint(ioctl(l->group, VFIO_GROUP_SET_CONTAINER, &l->container),
                    ==, 0);
    g_assert_cmpint(ioctl(l->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU),
                    ==, 0);
    l->device = with_device ? ioctl(l->group, VFIO_GROUP_GET_DEVICE_FD, BDF)
                            : -1;
    if (with_device) {
        g_assert_cmpint(l->device, >=, 0);
    }
}

static void legacy_close(Legacy *l)
{
    if (l->device >= 0) {
        close(l->device);
    }
    close(l->group);
    close(l->container);
}

static int map_dma(Legacy *l, void *va, uint64_t iova, uint64_t size)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)va, .iova = iova, .size = size,
    };
    return err_of(ioctl(l->container, VFIO_IOMMU_MAP_DMA, &m));
}

static void test_dev_nodes(void)
{
    struct stat st;

    g_assert_cmpint(stat("/dev/vfio/vfio", &st), ==, 0);
    g_assert_true(S_ISCHR(st.st_mode));
    g_assert_cmpint(major(st.st_rdev), ==, 10);
    g_assert_cmpint(minor(st.st_rdev), ==, 196);
    g_assert_cmpint(stat("/dev/iommu", &st), ==, 0);
    g_assert_cmpint(minor(st.st_rdev), ==, 257);
    g_assert_cmpint(access("/dev/vfio/devices/vfio0", R_OK | W_OK), ==, 0);
}

static void test_sysfs(void)
{
    g_autofree char *group = g_file_read_link(
        "/sys/bus/pci/devices/" BDF "/iommu_group", NULL);
    g_autofree char *dev = NULL;
    g_autofree char *real = realpath("/sys/bus/pci/devices/" BDF, NULL);

    g_assert_nonnull(group);
    g_assert_true(g_str_has_suffix(group, "/iommu_groups/3"));
    g_assert_true(g_file_get_contents("/sys/class/vfio-dev/vfio0/dev", &dev,
                                      NULL, NULL));
    g_assert_cmpstr(dev, ==, "252:0\n");
    g_assert_cmpstr(real, ==, "/sys/devices/pci0000:00/" BDF);
}

static void test_group_rules(void)
{
    Legacy l = { .device = -1 };
    int fd, group2;

    l.container = open("/dev/vfio/vfio", O_RDWR);
    l.group = open("/dev/vfio/3", O_RDWR);
    group2 = open("/dev/vfio/3", O_RDWR);
    g_assert_cmpint(group2, ==, -1);        /* one opener per group */
    g_assert_cmpint(errno, ==, EBUSY);
    /* GET_DEVICE_FD before the container has an IOMMU */
    fd = ioctl(l.group, VFIO_GROUP_GET_DEVICE_FD, BDF);
    g_assert_cmpint(err_of(fd), ==, EINVAL);
    g_assert_cmpint(ioctl(l.group, VFIO_GROUP_SET_CONTAINER, &l.container),
                    ==, 0);
    g_assert_cmpint(ioctl(l.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU),
                    ==, 0);
    l.device = ioctl(l.group, VFIO_GROUP_GET_DEVICE_FD, BDF);
    g_assert_cmpint(l.device, >=, 0);
    /* a device fd holds the group in its container */
    g_assert_cmpint(err_of(ioctl(l.group, VFIO_GROUP_UNSET_CONTAINER)), ==,
                    EBUSY);
    legacy_close(&l);
}

static void test_type1_rules(void)
{
    uint8_t *buf = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u) };
    Legacy l;

    legacy_open(&l, false);
    g_assert_cmpint(map_dma(&l, buf, MIB, 2 * MIB), ==, 0);
    g_assert_cmpint(map_dma(&l, buf, 2 * MIB, MIB), ==, EEXIST);
    u.iova = MIB;
    u.size = MIB;                           /* bisects */
    g_assert_cmpint(err_of(ioctl(l.container, VFIO_IOMMU_UNMAP_DMA, &u)), ==,
                    EINVAL);
    u.size = 2 * MIB;
    g_assert_cmpint(ioctl(l.container, VFIO_IOMMU_UNMAP_DMA, &u), ==, 0);
    g_assert_cmpuint(u.size, ==, 2 * MIB);
    /* unmapped memory of the process: GUP fails */
    munmap(buf + 4 * MIB, MIB);
    g_assert_cmpint(map_dma(&l, buf + 4 * MIB, 0, MIB), ==, EFAULT);
    legacy_close(&l);
    munmap(buf, 4 * MIB);
}

static void test_dma_avail(void)
{
    uint8_t *buf = mmap(NULL, 8 * 0x1000, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    Legacy l;
    int i;

    legacy_open(&l, false);
    /* test.conf: dma-avail=4 */
    for (i = 0; i < 4; i++) {
        g_assert_cmpint(map_dma(&l, buf + i * 0x1000, i * 0x1000, 0x1000),
                        ==, 0);
    }
    g_assert_cmpint(map_dma(&l, buf + i * 0x1000, i * 0x1000, 0x1000), ==,
                    ENOSPC);
    legacy_close(&l);
    munmap(buf, 8 * 0x1000);
}

typedef struct Iommufd {
    int iommufd, device;
    uint32_t dev_id, ioas;
} Iommufd;

static void iommufd_open(Iommufd *f, bool attach)
{
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

    f->iommufd = open("/dev/iommu", O_RDWR);
    f->device = open("/dev/vfio/devices/vfio0", O_RDWR);
    g_assert_cmpint(f->iommufd, >=, 0);
    g_assert_cmpint(f->device, >=, 0);
    g_assert_cmpint(ioctl(f->iommufd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    f->ioas = alloc.out_ioas_id;
    /* ATTACH before BIND */
    at.pt_id = f->ioas;
    g_assert_cmpint(err_of(ioctl(f->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
                                 &at)), ==, EINVAL);
    bind.iommufd = f->iommufd;
    g_assert_cmpint(ioctl(f->device, VFIO_DEVICE_BIND_IOMMUFD, &bind), ==, 0);
    f->dev_id = bind.out_devid;
    if (attach) {
        g_assert_cmpint(ioctl(f->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at),
                        ==, 0);
    }
}

static void iommufd_close(Iommufd *f)
{
    close(f->device);
    close(f->iommufd);
}

static int ioas_map(Iommufd *f, void *va, uint64_t iova, uint64_t len)
{
    struct iommu_ioas_map m = {
        .size = sizeof(m), .flags = MAP_RW, .ioas_id = f->ioas,
        .user_va = (uintptr_t)va, .length = len, .iova = iova,
    };
    return err_of(ioctl(f->iommufd, IOMMU_IOAS_MAP, &m));
}

static void test_legacy_blocks_bind(void)
{
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    Legacy l;
    int iommufd = open("/dev/iommu", O_RDWR);
    int cdev;

    legacy_open(&l, true);
    cdev = open("/dev/vfio/devices/vfio0", O_RDWR);
    g_assert_cmpint(cdev, >=, 0);
    bind.iommufd = iommufd;
    g_assert_cmpint(err_of(ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, &bind)), ==,
                    EBUSY);
    close(cdev);
    close(iommufd);
    legacy_close(&l);
}

static void test_ioas_busy(void)
{
    struct iommu_destroy d = { .size = sizeof(d) };
    Iommufd f;

    iommufd_open(&f, true);
    d.id = f.ioas;
    g_assert_cmpint(err_of(ioctl(f.iommufd, IOMMU_DESTROY, &d)), ==, EBUSY);
    iommufd_close(&f);
}

static void test_memlock(void)
{
    /* test.conf: memlock=0x300000 */
    uint8_t *buf = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    Iommufd f;

    iommufd_open(&f, true);
    g_assert_cmpint(ioas_map(&f, buf, 0, 2 * MIB), ==, 0);
    g_assert_cmpint(ioas_map(&f, buf + 2 * MIB, 2 * MIB, 2 * MIB), ==,
                    ENOMEM);
    iommufd_close(&f);
    munmap(buf, 4 * MIB);
}

static void test_fault_injection(void)
{
    /* meson sets VFIO_SIM_FAIL=IOMMU_OPTION:2:5 for this program */
    struct iommu_option o = {
        .size = sizeof(o), .option_id = IOMMU_OPTION_RLIMIT_MODE,
        .op = IOMMU_OPTION_OP_GET,
    };
    int fd = open("/dev/iommu", O_RDWR);

    g_assert_cmpint(ioctl(fd, IOMMU_OPTION, &o), ==, 0);
    g_assert_cmpint(err_of(ioctl(fd, IOMMU_OPTION, &o)), ==, EIO);
    g_assert_cmpint(ioctl(fd, IOMMU_OPTION, &o), ==, 0);
    close(fd);
}

static void test_dup_and_close(void)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    int fd = open("/dev/iommu", O_RDWR);
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 100);

    g_assert_cmpint(copy, >=, 100);
    close(fd);
    /* the file lives on through its other number */
    g_assert_cmpint(ioctl(copy, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    close(copy);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio0", F_OK)) {
        g_test_skip("not running under libvfio-sim.so");
    }
    g_test_add_func("/vfio-sim/dev-nodes", test_dev_nodes);
    g_test_add_func("/vfio-sim/sysfs", test_sysfs);
    g_test_add_func("/vfio-sim/group-rules", test_group_rules);
    g_test_add_func("/vfio-sim/type1-rules", test_type1_rules);
    g_test_add_func("/vfio-sim/dma-avail", test_dma_avail);
    g_test_add_func("/vfio-sim/legacy-blocks-bind", test_legacy_blocks_bind);
    g_test_add_func("/vfio-sim/ioas-busy", test_ioas_busy);
    g_test_add_func("/vfio-sim/memlock", test_memlock);
    g_test_add_func("/vfio-sim/fault-injection", test_fault_injection);
    g_test_add_func("/vfio-sim/dup-and-close", test_dup_and_close);
    return g_test_run();
}
