/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host device lookup, backend selection and the iommufd object, without
 * a VFIO kernel: every user error must be one clear line and leak nothing.
 */
#include "qemu/osdep.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "hw/vfio/vfio-device.h"
#include "hw/vfio/vfio-ioctl.h"
#include "qom/object_interfaces.h"
#include "system/iommufd.h"

static char *attach_error(VFIODevice *dev, const char *iommufd)
{
    Error *err = NULL;
    char *msg;

    dev->iommufd_opt = g_strdup(iommufd);
    g_assert_null(vfio_device_select_backend(dev, &err));
    g_assert_nonnull(err);
    msg = g_strdup(error_get_pretty(err));
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(dev->fd, ==, -1);
    g_assert_null(dev->backend_state);   /* no iommufd object held */
    return msg;
}

static void test_no_such_device(void)
{
    VFIODevice dev;
    Error *err = NULL;

    vfio_device_init(&dev, NULL);
    g_assert_false(vfio_device_set_host(&dev, "0000:7f:1f.7", NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "vfio 0000:7f:1f.7: no such host device: "
                    "No such file or directory");
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&dev);

    vfio_device_init(&dev, NULL);
    g_assert_false(vfio_device_set_host(&dev, "7f:1f.7", NULL, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "vfio 0000:7f:1f.7: "));
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&dev);
}

static void test_bad_host(void)
{
    VFIODevice dev;
    Error *err = NULL;

    vfio_device_init(&dev, NULL);
    g_assert_false(vfio_device_set_host(&dev, "zz:99", NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "vfio: host 'zz:99' is not a PCI address (DDDD:BB:DD.F)");
    g_clear_pointer(&err, error_free);
    g_assert_false(vfio_device_set_host(&dev, "00:01.0", "/sys/x", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "mutually exclusive"));
    g_clear_pointer(&err, error_free);
    g_assert_false(vfio_device_set_host(&dev, NULL, NULL, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "host=, sysfsdev= or fd="));
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&dev);
}

static void test_not_bound(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-test-XXXXXX", NULL);
    g_autofree char *drv = g_build_filename(dir, "driver", NULL);
    VFIODevice dev;
    Error *err = NULL;

    vfio_device_init(&dev, NULL);
    g_assert_false(vfio_device_set_host(&dev, NULL, dir, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "device is not bound to vfio-pci (no driver)"));
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&dev);

    g_assert_cmpint(symlink("../../bus/pci/drivers/e1000e", drv), ==, 0);
    vfio_device_init(&dev, NULL);
    g_assert_false(vfio_device_set_host(&dev, NULL, dir, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "device is not bound to vfio-pci "
                            "(driver: e1000e)"));
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&dev);
    unlink(drv);
    rmdir(dir);
}

static void test_iommufd_values(void)
{
    VFIODevice dev;
    g_autofree char *bad = NULL, *missing = NULL;

    vfio_device_init(&dev, NULL);
    dev.name = g_strdup("0000:00:05.0");
    bad = attach_error(&dev, "not an id!");
    g_assert_cmpstr(bad, ==, "vfio 0000:00:05.0: invalid iommufd value "
                    "'not an id!': expected on, off, auto or the id of an "
                    "iommufd object");
    g_free(dev.iommufd_opt);
#ifdef CONFIG_IOMMUFD
    missing = attach_error(&dev, "nosuch");
    g_assert_cmpstr(missing, ==,
                    "vfio 0000:00:05.0: iommufd object 'nosuch' not found");
#else
    missing = attach_error(&dev, "on");
    g_assert_nonnull(strstr(missing, "built without iommufd"));
#endif
    vfio_device_finalize(&dev);
}

static void test_fd_needs_iommufd(void)
{
    VFIODevice dev;
    int fds[2];
    g_autofree char *msg = NULL;

    g_assert_cmpint(pipe(fds), ==, 0);
    close(fds[1]);
    vfio_device_init(&dev, NULL);
    dev.preset_fd = fds[0];
    g_assert_true(vfio_device_set_host(&dev, NULL, NULL, &error_abort));
    msg = attach_error(&dev, "off");
    g_assert_nonnull(strstr(msg, "fd= needs the iommufd backend"));
    vfio_device_finalize(&dev);
    /* finalize closed the unused preset fd */
    g_assert_cmpint(fcntl(fds[0], F_GETFD), ==, -1);
}

#ifdef CONFIG_IOMMUFD
static void test_fd_wrong_kind(void)
{
    VFIODevice dev;
    int fds[2];
    g_autofree char *msg = NULL, *want = NULL;

    g_assert_cmpint(pipe(fds), ==, 0);
    close(fds[1]);
    vfio_device_init(&dev, NULL);
    dev.preset_fd = fds[0];
    g_assert_true(vfio_device_set_host(&dev, NULL, NULL, &error_abort));
    msg = attach_error(&dev, "auto");
    want = g_strdup_printf("vfio VFIO_FD%d: fd %d is not a VFIO device cdev",
                           fds[0], fds[0]);
    g_assert_cmpstr(msg, ==, want);
    vfio_device_finalize(&dev);
}

/*
 * One host device, three ways: two fds of one character device (here
 * /dev/null, as good as a cdev for its device number) and a sysfs
 * directory whose vfio-dev/vfio0/dev names that number.
 */
static void test_claim_by_device_number(void)
{
    g_autofree char *dir = g_dir_make_tmp("vfio-test-XXXXXX", NULL);
    g_autofree char *cdir = g_build_filename(dir, "vfio-dev", "vfio0", NULL);
    g_autofree char *devfile = g_build_filename(cdir, "dev", NULL);
    g_autofree char *text = NULL, *want = NULL;
    VFIODevice a, b, c;
    struct stat st;
    Error *err = NULL;

    g_assert_cmpint(stat("/dev/null", &st), ==, 0);
    text = g_strdup_printf("%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
    g_assert_cmpint(g_mkdir_with_parents(cdir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(devfile, text, -1, NULL));

    vfio_device_init(&a, NULL);
    a.preset_fd = open("/dev/null", O_RDWR);
    g_assert_true(vfio_device_set_host(&a, NULL, NULL, &error_abort));
    g_assert_true(vfio_device_claim_host(&a, &error_abort));

    vfio_device_init(&b, NULL);
    b.preset_fd = open("/dev/null", O_RDWR);
    g_assert_true(vfio_device_set_host(&b, NULL, NULL, &error_abort));
    g_assert_false(vfio_device_claim_host(&b, &err));
    want = g_strdup_printf("vfio VFIO_FD%d: the host device is already "
                           "assigned to 'VFIO_FD%d'", b.preset_fd,
                           a.preset_fd);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    g_clear_pointer(&err, error_free);
    g_clear_pointer(&want, g_free);

    vfio_device_init(&c, NULL);
    c.name = g_strdup("0000:01:00.0");
    c.sysfsdev = g_strdup(dir);
    g_assert_false(vfio_device_claim_host(&c, &err));
    want = g_strdup_printf("vfio 0000:01:00.0: the host device is already "
                           "assigned to 'VFIO_FD%d'", a.preset_fd);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    g_clear_pointer(&err, error_free);

    /* The claim ends with the first user. */
    vfio_device_finalize(&a);
    g_assert_true(vfio_device_claim_host(&c, &error_abort));
    g_assert_false(vfio_device_claim_host(&b, &err));
    g_clear_pointer(&err, error_free);
    vfio_device_finalize(&c);
    g_assert_true(vfio_device_claim_host(&b, &error_abort));
    vfio_device_finalize(&b);

    unlink(devfile);
    rmdir(cdir);
    *strrchr(cdir, '/') = '\0';       /* .../vfio-dev */
    rmdir(cdir);
    rmdir(dir);
}

static void test_iommufd_object(void)
{
    Error *err = NULL;
    Object *obj;
    IOMMUFDBackend *be;
    int fds[2];
    g_autofree char *bad = NULL, *want = NULL;

    obj = user_creatable_add_type(TYPE_IOMMUFD_BACKEND, "iofd0", NULL, true,
                                  &error_abort);
    be = iommufd_backend_find("iofd0", &error_abort);
    g_assert_true(OBJECT(be) == obj);
    g_assert_cmpint(be->fd, ==, -1);   /* opened lazily */

    /* fd of the wrong kind */
    g_assert_cmpint(pipe(fds), ==, 0);
    bad = g_strdup_printf("%d", fds[0]);
    g_assert_false(object_property_parse(obj, "fd", bad, &err));
    want = g_strdup_printf("fd %d is not /dev/iommu", fds[0]);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    g_clear_pointer(&err, error_free);
    g_assert_false(object_property_parse(obj, "fd", "x1", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "x1"));
    g_clear_pointer(&err, error_free);
    close(fds[0]);
    close(fds[1]);

    /* in use: cannot be deleted */
    be->users = 1;
    g_assert_false(user_creatable_del("iofd0", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "in use"));
    g_clear_pointer(&err, error_free);
    be->users = 0;
    g_assert_true(user_creatable_del("iofd0", &error_abort));

    g_assert_null(iommufd_backend_find("iofd0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "iommufd object 'iofd0' not found");
    g_clear_pointer(&err, error_free);
}
#endif

/* A failing ioctl: one error naming it, -errno, called once. */
static void test_ioctl_errors(void)
{
    int fd = open("/dev/null", O_RDWR);
    Error *err = NULL;
    uint32_t devid = 0, flags = 0;
    g_autofree struct vfio_region_info *info = NULL;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(vfio_ioctl_device_reset(fd, &err), ==, -ENOTTY);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "VFIO_DEVICE_RESET failed: Inappropriate ioctl for device");
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(vfio_ioctl_device_bind_iommufd(fd, fd, &devid, &err), ==,
                    -ENOTTY);
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "VFIO_DEVICE_BIND_IOMMUFD failed"));
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(vfio_ioctl_group_get_status(fd, &flags, &err), ==,
                    -ENOTTY);
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(vfio_ioctl_device_get_region_info(fd, 0, &info, &err), ==,
                    -ENOTTY);
    g_assert_null(info);
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(vfio_ioctl_map_dma(fd, 0, 4096, NULL, false, NULL), ==,
                    -ENOTTY);
    close(fd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/backend/ioctl-errors", test_ioctl_errors);
    g_test_add_func("/vfio/backend/no-such-device", test_no_such_device);
    g_test_add_func("/vfio/backend/bad-host", test_bad_host);
    g_test_add_func("/vfio/backend/not-bound", test_not_bound);
    g_test_add_func("/vfio/backend/iommufd-values", test_iommufd_values);
    g_test_add_func("/vfio/backend/fd-needs-iommufd", test_fd_needs_iommufd);
#ifdef CONFIG_IOMMUFD
    g_test_add_func("/vfio/backend/fd-wrong-kind", test_fd_wrong_kind);
    g_test_add_func("/vfio/backend/iommufd-object", test_iommufd_object);
    g_test_add_func("/vfio/backend/claim-by-device-number",
                    test_claim_by_device_number);
#endif
    return g_test_run();
}
