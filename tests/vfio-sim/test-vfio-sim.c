/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include <sys/socket.h>
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

static int open_bound_cdev(const char *path, int iommufd, uint32_t *dev_id)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind), .iommufd = iommufd,
    };
    int fd = open(path, O_RDWR);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind), ==, 0);
    if (dev_id) {
        *dev_id = bind.out_devid;
    }
    return fd;
}

static void test_hot_reset_iommufd(void)
{
    size_t argsz = sizeof(struct vfio_pci_hot_reset_info) +
                   4 * sizeof(struct vfio_pci_dependent_device);
    g_autofree struct vfio_pci_hot_reset_info *info = g_malloc0(argsz);
    struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
    int iommufd = open("/dev/iommu", O_RDWR);
    uint32_t id0;
    int a = open_bound_cdev("/dev/vfio/devices/vfio1", iommufd, &id0);
    int b;

    info->argsz = argsz;
    g_assert_cmpint(ioctl(a, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info), ==,
                    0);
    g_assert_cmpuint(info->count, ==, 2);
    g_assert_true(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
    g_assert_false(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
    g_assert_cmpuint(info->devices[0].devid, ==, id0);
    g_assert_cmpuint(info->devices[1].devid, ==,
                     (uint32_t)VFIO_PCI_DEVID_NOT_OWNED);
    /* the sibling is not bound to this iommufd */
    g_assert_cmpint(err_of(ioctl(a, VFIO_DEVICE_PCI_HOT_RESET, &reset)), ==,
                    EPERM);
    b = open_bound_cdev("/dev/vfio/devices/vfio2", iommufd, NULL);
    g_assert_cmpint(ioctl(a, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info), ==,
                    0);
    g_assert_true(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
    g_assert_cmpint(ioctl(a, VFIO_DEVICE_PCI_HOT_RESET, &reset), ==, 0);
    close(b);
    close(a);
    close(iommufd);
}

static void test_hot_reset_legacy(void)
{
    g_autofree struct vfio_pci_hot_reset *reset =
        g_malloc0(sizeof(*reset) + 2 * sizeof(int32_t));
    int container = open("/dev/vfio/vfio", O_RDWR);
    int g5 = open("/dev/vfio/5", O_RDWR);
    int g6 = open("/dev/vfio/6", O_RDWR);
    int dev;

    g_assert_cmpint(ioctl(g5, VFIO_GROUP_SET_CONTAINER, &container), ==, 0);
    g_assert_cmpint(ioctl(g6, VFIO_GROUP_SET_CONTAINER, &container), ==, 0);
    g_assert_cmpint(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU),
                    ==, 0);
    dev = ioctl(g5, VFIO_GROUP_GET_DEVICE_FD, "0000:01:00.0");
    g_assert_cmpint(dev, >=, 0);
    reset->argsz = sizeof(*reset) + sizeof(int32_t);
    reset->count = 1;
    reset->group_fds[0] = g5;       /* group 6 is affected too */
    g_assert_cmpint(err_of(ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, reset)), ==,
                    EPERM);
    reset->argsz = sizeof(*reset) + 2 * sizeof(int32_t);
    reset->count = 2;
    reset->group_fds[1] = g6;
    g_assert_cmpint(ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, reset), ==, 0);
    close(dev);
    close(g6);
    close(g5);
    close(container);
}

static void test_ioas_copy_unmap_all(void)
{
    uint8_t *buf = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct iommu_ioas_copy copy = {
        .size = sizeof(copy), .flags = MAP_RW, .length = MIB,
        .dst_iova = 8 * MIB, .src_iova = 0,
    };
    struct iommu_ioas_unmap u = {
        .size = sizeof(u), .iova = 0, .length = UINT64_MAX,
    };
    Iommufd f;

    iommufd_open(&f, true);
    g_assert_cmpint(ioas_map(&f, buf, 0, MIB), ==, 0);
    g_assert_cmpint(ioctl(f.iommufd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    copy.dst_ioas_id = alloc.out_ioas_id;
    copy.src_ioas_id = f.ioas;
    g_assert_cmpint(ioctl(f.iommufd, IOMMU_IOAS_COPY, &copy), ==, 0);
    copy.src_iova = MIB;            /* nothing mapped there */
    copy.dst_iova = 16 * MIB;
    g_assert_cmpint(err_of(ioctl(f.iommufd, IOMMU_IOAS_COPY, &copy)), ==,
                    ENOENT);
    u.ioas_id = f.ioas;
    g_assert_cmpint(ioctl(f.iommufd, IOMMU_IOAS_UNMAP, &u), ==, 0);
    g_assert_cmpuint(u.length, ==, MIB);
    u.ioas_id = alloc.out_ioas_id;
    u.length = UINT64_MAX;
    g_assert_cmpint(ioctl(f.iommufd, IOMMU_IOAS_UNMAP, &u), ==, 0);
    g_assert_cmpuint(u.length, ==, MIB);
    iommufd_close(&f);
    munmap(buf, 4 * MIB);
}

static void test_scm_rights(void)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
    char byte = 'x';
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = cbuf, .msg_controllen = sizeof(cbuf),
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    int sv[2], fd = open("/dev/iommu", O_RDWR), got;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(sv[0], &msg, 0), ==, 1);
    memset(cbuf, 0, sizeof(cbuf));
    g_assert_cmpint(recvmsg(sv[1], &msg, 0), ==, 1);
    memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
    g_assert_cmpint(got, !=, fd);
    /* the sender's number may go: the received one keeps the file */
    close(fd);
    g_assert_cmpint(ioctl(got, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    close(got);
    close(sv[0]);
    close(sv[1]);
}

static void test_bad_pointers(void)
{
    struct iommu_ioas_iova_ranges r = {
        .size = sizeof(r), .num_iovas = 4, .allowed_iovas = 16,
    };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    int fd = open("/dev/iommu", O_RDWR);
    int dev = open("/dev/vfio/devices/vfio0", O_RDWR);

    g_assert_cmpint(err_of(ioctl(fd, IOMMU_IOAS_ALLOC, NULL)), ==, EFAULT);
    g_assert_cmpint(err_of(ioctl(dev, VFIO_DEVICE_GET_INFO, 8)), ==, EFAULT);
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    r.ioas_id = alloc.out_ioas_id;
    g_assert_cmpint(err_of(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r)), ==,
                    EFAULT);
    close(dev);
    close(fd);
}

/* Run with configs/incompatible.conf (VFIO_SIM_TEST_INCOMPATIBLE=1) */
static void test_incompatible_domain(void)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
    int iommufd = open("/dev/iommu", O_RDWR);
    int a = open_bound_cdev("/dev/vfio/devices/vfio0", iommufd, NULL);
    int b = open_bound_cdev("/dev/vfio/devices/vfio1", iommufd, NULL);

    g_assert_cmpint(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    at.pt_id = alloc.out_ioas_id;
    g_assert_cmpint(ioctl(a, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ==, 0);
    at.pt_id = alloc.out_ioas_id;
    g_assert_cmpint(err_of(ioctl(b, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)), ==,
                    EINVAL);
    /* the fallback: a second IOAS */
    g_assert_cmpint(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    at.pt_id = alloc.out_ioas_id;
    g_assert_cmpint(ioctl(b, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ==, 0);
    close(b);
    close(a);
    close(iommufd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio0", F_OK)) {
        g_test_skip("not running under libvfio-sim.so");
    }
    if (g_getenv("VFIO_SIM_TEST_INCOMPATIBLE")) {
        g_test_add_func("/vfio-sim/incompatible-domain",
                        test_incompatible_domain);
        return g_test_run();
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
    g_test_add_func("/vfio-sim/scm-rights", test_scm_rights);
    g_test_add_func("/vfio-sim/bad-pointers", test_bad_pointers);
    g_test_add_func("/vfio-sim/ioas-copy-unmap-all", test_ioas_copy_unmap_all);
    g_test_add_func("/vfio-sim/hot-reset-iommufd", test_hot_reset_iommufd);
    g_test_add_func("/vfio-sim/hot-reset-legacy", test_hot_reset_legacy);
    return g_test_run();
}
