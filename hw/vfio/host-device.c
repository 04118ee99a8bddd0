/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding the host device and choosing its IOMMU backend
 * (see the top of hw/vfio/vfio-device.h for the rules)
 */
#include "qemu/osdep.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "hw/vfio/vfio-device.h"
#include "vfio-container.h"
#include "vfio-iommufd-device.h"
#include "qemu/cutils.h"
#include "hw/qdev-core.h"
#include "qom/object_interfaces.h"
#include "system/iommufd.h"

#define VFIO_CDEV_DIR "/dev/vfio/devices"

/* "0000:00:05.0" from "0000:00:05.0" or "00:05.0"; NULL if malformed. */
static char *vfio_parse_pci_address(const char *host)
{
    unsigned dom = 0, bus, slot, fn;
    char tail;

    if (sscanf(host, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) != 4 &&
        (dom = 0, sscanf(host, "%x:%x.%x%c", &bus, &slot, &fn, &tail) != 3)) {
        return NULL;
    }
    if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) {
        return NULL;
    }
    return g_strdup_printf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
}

/* The basename of the symlink @dir/@link, or NULL with errno set. */
static char *vfio_sysfs_link_name(const char *dir, const char *link)
{
    g_autofree char *path = g_build_filename(dir, link, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!target) {
        return NULL;
    }
    return g_path_get_basename(target);
}

bool vfio_device_set_host(VFIODevice *vbasedev, const char *host,
                          const char *sysfsdev, Error **errp)
{
    g_autofree char *driver = NULL;
    struct stat st;

    if (host && sysfsdev) {
        error_setg(errp, "vfio: host= and sysfsdev= are mutually exclusive");
        return false;
    }
    if (sysfsdev && !*sysfsdev) {
        error_setg(errp, "vfio: sysfsdev= is empty: give the device's sysfs "
                   "directory, e.g. /sys/bus/pci/devices/0000:01:00.0");
        return false;
    }
    if (!host && !sysfsdev) {
        if (vbasedev->preset_fd < 0) {
            error_setg(errp, "vfio: a host device is needed: "
                       "host=, sysfsdev= or fd=");
            return false;
        }
        vbasedev->name = g_strdup_printf("VFIO_FD%d", vbasedev->preset_fd);
        return true;
    }
    if (host) {
        vbasedev->name = vfio_parse_pci_address(host);
        if (!vbasedev->name) {
            error_setg(errp, "vfio: host '%s' is not a PCI address "
                       "(DDDD:BB:DD.F)", host);
            return false;
        }
        vbasedev->sysfsdev = g_strdup_printf("/sys/bus/pci/devices/%s",
                                             vbasedev->name);
    } else {
        vbasedev->name = g_path_get_basename(sysfsdev);
        if (!strcmp(vbasedev->name, ".") || !strcmp(vbasedev->name, "/") ||
            !strcmp(vbasedev->name, "..")) {
            error_setg(errp, "vfio: sysfsdev '%s' does not name a device's "
                       "sysfs directory", sysfsdev);
            g_clear_pointer(&vbasedev->name, g_free);
            return false;
        }
        vbasedev->sysfsdev = g_strdup(sysfsdev);
    }
    /* With a pre-opened fd, sysfs only names the device. */
    if (vbasedev->preset_fd >= 0) {
        return true;
    }
    vbasedev->groupid = vfio_device_group_id(vbasedev, NULL);
    if (stat(vbasedev->sysfsdev, &st) < 0) {
        error_setg_errno(errp, errno, "vfio %s: no such host device",
                         vbasedev->name);
        return false;
    }
    driver = vfio_sysfs_link_name(vbasedev->sysfsdev, "driver");
    if (!driver) {
        error_setg(errp, "vfio %s: device is not bound to vfio-pci "
                   "(no driver)", vbasedev->name);
        return false;
    }
    if (!strstr(driver, "vfio")) {
        error_setg(errp, "vfio %s: device is not bound to vfio-pci "
                   "(driver: %s)", vbasedev->name, driver);
        return false;
    }
    return true;
}

/* Resolves fd names (getfd); weak so that builds without it still link. */
int monitor_fd_param(const char *fdname_or_number, Error **errp)
    __attribute__((weak));

bool vfio_device_set_fd(VFIODevice *vbasedev, const char *str, Error **errp)
{
    int fd;

    if (monitor_fd_param) {
        fd = monitor_fd_param(str, errp);
    } else if (qemu_strtoi(str, NULL, 10, &fd) < 0 || fd < 0) {
        error_setg(errp, "Invalid file descriptor number '%s'", str);
        fd = -1;
    }
    if (fd < 0) {
        error_prepend(errp, "vfio: fd '%s': ", str);
        return false;
    }
    if (fd <= STDERR_FILENO) {
        static const char *const stdio_name[] = {
            "standard input", "standard output", "standard error"
        };

        error_setg(errp, "vfio: fd '%s': fd %d is QEMU's %s, not a VFIO "
                   "device cdev", str, fd, stdio_name[fd]);
        return false;
    }
    vbasedev->preset_fd = fd;
    return true;
}

/* ---- One assignment per host device ------------------------------------- */

/* Host device keys ("pci BDF", "cdev MAJ:MIN") -> the VFIODevice using it. */
static GHashTable *vfio_host_claims;

/* "cdev MAJ:MIN" of the device's VFIO cdev, from sysfs; NULL if none. */
static char *vfio_sysfs_cdev_key(const char *sysfsdev)
{
    g_autofree char *dir = g_build_filename(sysfsdev, "vfio-dev", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d && (entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, "dev", NULL);
        g_autofree char *text = NULL;
        unsigned maj, min;

        if (g_str_has_prefix(entry, "vfio") &&
            g_file_get_contents(path, &text, NULL, NULL) &&
            sscanf(text, "%u:%u", &maj, &min) == 2) {
            return g_strdup_printf("cdev %u:%u", maj, min);
        }
    }
    return NULL;
}

/*
 * Who holds a claim, for messages: the qdev id, else the QOM path, else
 * (no owner) the name the device was given.
 */
static char *vfio_host_user_name(VFIODevice *user)
{
    Object *owner = user->owner;
    DeviceState *dev = owner ? (DeviceState *)object_dynamic_cast(
                                   owner, TYPE_DEVICE) : NULL;
    g_autofree char *path = NULL;

    if (dev && dev->id) {
        return g_strdup(dev->id);
    }
    path = owner ? object_get_canonical_path(owner) : NULL;
    return path ? g_steal_pointer(&path) : g_strdup(user->name);
}

bool vfio_device_claim_host(VFIODevice *vbasedev, Error **errp)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

    g_assert(!vbasedev->host_keys);
    if (vbasedev->sysfsdev) {
        char *cdev = vfio_sysfs_cdev_key(vbasedev->sysfsdev);

        g_ptr_array_add(keys, g_strdup_printf("pci %s", vbasedev->name));
        if (cdev) {
            g_ptr_array_add(keys, cdev);
        }
    }
    if (vbasedev->preset_fd >= 0) {
        struct stat st;

        /* The cdev's device number is what the fd is, however named. */
        if (fstat(vbasedev->preset_fd, &st) == 0 && S_ISCHR(st.st_mode)) {
            g_autofree char *key = g_strdup_printf("cdev %u:%u",
                                                   major(st.st_rdev),
                                                   minor(st.st_rdev));

            if (!g_ptr_array_find_with_equal_func(keys, key, g_str_equal,
                                                  NULL)) {
                g_ptr_array_add(keys, g_steal_pointer(&key));
            }
        }
    }
    if (!vfio_host_claims) {
        vfio_host_claims = g_hash_table_new(g_str_hash, g_str_equal);
    }
    for (guint i = 0; i < keys->len; i++) {
        VFIODevice *user = g_hash_table_lookup(vfio_host_claims,
                                               g_ptr_array_index(keys, i));

        if (user && user != vbasedev) {
            g_autofree char *who = vfio_host_user_name(user);

            /* "as NAME" when the first user calls the device otherwise */
            if (!strcmp(user->name, vbasedev->name) ||
                !strcmp(user->name, who)) {
                error_setg(errp, "vfio %s: the host device is already "
                           "assigned to '%s'", vbasedev->name, who);
            } else {
                error_setg(errp, "vfio %s: the host device is already "
                           "assigned to '%s' as %s", vbasedev->name, who,
                           user->name);
            }
            return false;
        }
    }
    for (guint i = 0; i < keys->len; i++) {
        g_hash_table_insert(vfio_host_claims, g_ptr_array_index(keys, i),
                            vbasedev);
    }
    g_ptr_array_add(keys, NULL);
    vbasedev->host_keys = (char **)g_ptr_array_free(g_steal_pointer(&keys),
                                                    false);
    return true;
}

void vfio_device_release_host(VFIODevice *vbasedev)
{
    for (char **k = vbasedev->host_keys; k && *k; k++) {
        if (g_hash_table_lookup(vfio_host_claims, *k) == vbasedev) {
            g_hash_table_remove(vfio_host_claims, *k);
        }
    }
    g_clear_pointer(&vbasedev->host_keys, g_strfreev);
}

int vfio_device_group_id(VFIODevice *vbasedev, Error **errp)
{
    g_autofree char *group = NULL;
    int groupid;

    if (!vbasedev->sysfsdev) {
        error_setg(errp, "vfio %s: the legacy backend needs host= or "
                   "sysfsdev=", vbasedev->name);
        return -1;
    }
    group = vfio_sysfs_link_name(vbasedev->sysfsdev, "iommu_group");
    if (!group) {
        error_setg_errno(errp, errno, "vfio %s: no iommu_group",
                         vbasedev->name);
        error_append_hint(errp, "Is the host IOMMU enabled?\n");
        return -1;
    }
    if (sscanf(group, "%d", &groupid) != 1 || groupid < 0) {
        error_setg(errp, "vfio %s: bad iommu_group '%s'", vbasedev->name,
                   group);
        return -1;
    }
    return groupid;
}

#ifdef CONFIG_IOMMUFD

/* The device's cdev path (/dev/vfio/devices/vfioN), or NULL. */
static char *vfio_device_cdev_path(VFIODevice *vbasedev)
{
    g_autofree char *dir = g_build_filename(vbasedev->sysfsdev, "vfio-dev",
                                            NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;

    while (d && (entry = g_dir_read_name(d))) {
        if (g_str_has_prefix(entry, "vfio")) {
            return g_build_filename(VFIO_CDEV_DIR, entry, NULL);
        }
    }
    return NULL;
}

/*
 * The major of VFIO device cdevs ("vfio-dev" in /proc/devices), or -1
 * when the kernel has none.
 */
static int vfio_cdev_major(void)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents("/proc/devices", &text, NULL, NULL)) {
        return -1;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        int maj;
        char name[32];

        if (sscanf(*l, "%d %31s", &maj, name) == 2 &&
            !strcmp(name, "vfio-dev")) {
            return maj;
        }
    }
    return -1;
}

static bool vfio_check_cdev_fd(VFIODevice *vbasedev, int fd, Error **errp)
{
    struct stat st;
    int major_nr = vfio_cdev_major();

    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "vfio %s: fd %d is not usable",
                         vbasedev->name, fd);
        return false;
    }
    if (!S_ISCHR(st.st_mode) || major_nr < 0 ||
        major(st.st_rdev) != (unsigned)major_nr) {
        error_setg(errp, "vfio %s: fd %d is not a VFIO device cdev",
                   vbasedev->name, fd);
        return false;
    }
    return true;
}

/* The iommufd backend's per-device state ends with the backend. */
static void vfio_iommufd_device_free(void *opaque)
{
    VFIOIOMMUFDDevice *idev = opaque;

    iommufd_backend_disconnect(idev->be);
    object_unref(idev->be);
    g_free(idev);
}

/*
 * Prepares the iommufd backend: connects be and opens (or takes) the
 * cdev.  Returns 1 on success, 0 if it cannot work (with *errp set),
 * -1 on errors that auto must not hide.
 */
static int vfio_device_prepare_iommufd(VFIODevice *vbasedev,
                                       IOMMUFDBackend *be, Error **errp)
{
    g_autofree char *cdev = NULL;
    VFIOIOMMUFDDevice *idev;
    int fd;

    if (vbasedev->preset_fd >= 0) {
        if (!vfio_check_cdev_fd(vbasedev, vbasedev->preset_fd, errp)) {
            return -1;
        }
    } else {
        cdev = vfio_device_cdev_path(vbasedev);
        if (!cdev) {
            error_setg(errp, "vfio %s: no VFIO device cdev in %s/vfio-dev",
                       vbasedev->name, vbasedev->sysfsdev);
            error_append_hint(errp, "Does the host kernel have "
                              "CONFIG_VFIO_DEVICE_CDEV?\n");
            return 0;
        }
    }
    if (!iommufd_backend_connect(be, errp)) {
        error_prepend(errp, "vfio %s: ", vbasedev->name);
        return 0;
    }
    if (vbasedev->preset_fd >= 0) {
        fd = vbasedev->preset_fd;
        vbasedev->preset_fd = -1;
    } else {
        fd = open(cdev, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            error_setg_errno(errp, errno, "vfio %s: cannot open %s",
                             vbasedev->name, cdev);
            iommufd_backend_disconnect(be);
            return 0;
        }
    }
    vbasedev->fd = fd;
    idev = g_new0(VFIOIOMMUFDDevice, 1);
    idev->be = be;
    object_ref(be);
    vbasedev->backend_state = idev;
    vbasedev->backend_state_free = vfio_iommufd_device_free;
    return 1;
}

#endif

const char *vfio_device_backend_name(const VFIODevice *vbasedev)
{
    switch (vbasedev->backend) {
    case VFIO_BACKEND_LEGACY:
        return "legacy";
    case VFIO_BACKEND_IOMMUFD:
        return "iommufd";
    default:
        return "none";
    }
}

const char *vfio_device_select_backend(VFIODevice *vbasedev, Error **errp)
{
    const char *opt = vbasedev->iommufd_opt ? vbasedev->iommufd_opt : "auto";
    bool is_auto = !strcmp(opt, "auto");
    bool is_on = !strcmp(opt, "on");

    if (!strcmp(opt, "off")) {
        if (vbasedev->preset_fd >= 0) {
            error_setg(errp, "vfio %s: fd= needs the iommufd backend, but "
                       "iommufd=off", vbasedev->name);
            return NULL;
        }
        vbasedev->backend = VFIO_BACKEND_LEGACY;
        return TYPE_VFIO_CONTAINER_LEGACY;
    }
    if (!is_auto && !is_on && !id_wellformed(opt)) {
        error_setg(errp, "vfio %s: invalid iommufd value '%s': expected on, "
                   "off, auto or the id of an iommufd object",
                   vbasedev->name, opt);
        return NULL;
    }
#ifdef CONFIG_IOMMUFD
    {
        IOMMUFDBackend *be;
        Error *local_err = NULL;
        int ret;

        if (is_auto || is_on) {
            be = iommufd_backend_get_shared();
        } else {
            be = iommufd_backend_find(opt, errp);
            if (!be) {
                error_prepend(errp, "vfio %s: ", vbasedev->name);
                return NULL;
            }
        }
        ret = vfio_device_prepare_iommufd(vbasedev, be, &local_err);
        if (ret > 0) {
            vbasedev->backend = VFIO_BACKEND_IOMMUFD;
            return TYPE_VFIO_CONTAINER_IOMMUFD;
        }
        if (ret < 0 || !is_auto || vbasedev->preset_fd >= 0) {
            error_propagate(errp, local_err);
            return NULL;
        }
        error_free(local_err);
    }
#else
    if (!is_auto || vbasedev->preset_fd >= 0) {
        error_setg(errp, "vfio %s: iommufd=%s: this QEMU was built without "
                   "iommufd support", vbasedev->name,
                   vbasedev->preset_fd >= 0 ? "auto (fd=)" : opt);
        return NULL;
    }
#endif
    vbasedev->backend = VFIO_BACKEND_LEGACY;
    return TYPE_VFIO_CONTAINER_LEGACY;
}

void vfio_device_release_backend(VFIODevice *vbasedev)
{
    if (vbasedev->fd >= 0) {
        close(vbasedev->fd);
        vbasedev->fd = -1;
    }
    if (vbasedev->backend_state) {
        vbasedev->backend_state_free(vbasedev->backend_state);
        vbasedev->backend_state = NULL;
    }
    vbasedev->backend = VFIO_BACKEND_NONE;
}
