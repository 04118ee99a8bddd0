/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the simulated devices' sysfs tree and /dev node names
 *
 * At load time the library builds, in a temporary directory, the part of
 * sysfs a VFIO user looks at for each simulated device (the device
 * directory with vendor/device/driver/iommu_group/vfio-dev, the
 * bus/pci/devices link, the IOMMU group and the vfio-dev class link).
 * Interposed path calls rewrite /sys paths that fall inside it; every
 * other path is left to the host.
 */
#include "qemu/osdep.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "sim.h"

static char *sim_root;          /* the temporary directory, resolved */
static char *sim_root_sys;      /* sim_root + "/sys" */
static GPtrArray *sim_prefixes; /* /sys paths that are ours */
static pid_t sim_root_owner;

static char *device_dir(SimDeviceConfig *d)
{
    if (d->parent) {
        return g_strdup_printf("devices/pci%.4s:%.2s/%s/%s", d->parent,
                               d->parent + 5, d->parent, d->bdf);
    }
    return g_strdup_printf("devices/pci%.4s:%.2s/%s", d->bdf, d->bdf + 5,
                           d->bdf);
}

/* "../" once per component of @from (a directory relative to /sys) */
static char *up_from(const char *from)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (const char *p = from; *p; p++) {
        if (*p == '/') {
            g_string_append(s, "../");
        }
    }
    g_string_append(s, "../");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static bool write_file(const char *rel, const char *text, Error **errp)
{
    g_autofree char *path = g_build_filename(sim_root_sys, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) gerr = NULL;

    if (g_mkdir_with_parents(dir, 0755) < 0 ||
        !g_file_set_contents(path, text, -1, &gerr)) {
        error_setg(errp, "cannot create sysfs file '%s'", path);
        return false;
    }
    return true;
}

static bool make_link(const char *rel, const char *target, Error **errp)
{
    g_autofree char *path = g_build_filename(sim_root_sys, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, 0755) < 0 || symlink(target, path) < 0) {
        error_setg_errno(errp, errno, "cannot create sysfs link '%s'", path);
        return false;
    }
    return true;
}

static bool make_dir(const char *rel, Error **errp)
{
    g_autofree char *path = g_build_filename(sim_root_sys, rel, NULL);

    if (g_mkdir_with_parents(path, 0755) < 0) {
        error_setg_errno(errp, errno, "cannot create sysfs dir '%s'", path);
        return false;
    }
    return true;
}

static void add_prefix(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void add_prefix(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(sim_prefixes, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static bool create_device(SimDeviceConfig *d, Error **errp)
{
    g_autofree char *dir = device_dir(d);
    g_autofree char *up = up_from(dir);
    g_autofree char *vendor = g_strdup_printf("0x%04x\n", d->vendor);
    g_autofree char *devid = g_strdup_printf("0x%04x\n", d->device_id);
    g_autofree char *cdev = g_strdup_printf("vfio%u", d->cdev);
    g_autofree char *cdev_dev = g_strdup_printf("%u:%u\n", SIM_CDEV_MAJOR,
                                                d->cdev);
    g_autofree char *f_vendor = g_strdup_printf("%s/vendor", dir);
    g_autofree char *f_device = g_strdup_printf("%s/device", dir);
    g_autofree char *f_reset = g_strdup_printf("%s/reset_method", dir);
    g_autofree char *f_cdev = g_strdup_printf("%s/vfio-dev/%s/dev", dir,
                                              cdev);
    g_autofree char *l_group = g_strdup_printf("%s/iommu_group", dir);
    g_autofree char *t_group = g_strdup_printf("%skernel/iommu_groups/%u",
                                               up, d->group);
    g_autofree char *l_driver = g_strdup_printf("%s/driver", dir);
    g_autofree char *t_driver = g_strdup_printf("%sbus/pci/drivers/vfio-pci",
                                                up);
    g_autofree char *l_bus = g_strdup_printf("bus/pci/devices/%s", d->bdf);
    g_autofree char *t_bus = g_strdup_printf("../../../%s", dir);
    g_autofree char *l_gdev = g_strdup_printf("kernel/iommu_groups/%u/"
                                              "devices/%s", d->group, d->bdf);
    g_autofree char *t_gdev = g_strdup_printf("../../../../%s", dir);
    g_autofree char *l_class = g_strdup_printf("class/vfio-dev/%s", cdev);
    g_autofree char *t_class = g_strdup_printf("../../%s/vfio-dev/%s", dir,
                                               cdev);
    const char *reset = d->flr ? "flr\n" : d->parent ? "bus\n" : "\n";

    if (!write_file(f_vendor, vendor, errp) ||
        !write_file(f_device, devid, errp) ||
        !write_file(f_reset, reset, errp) ||
        !write_file(f_cdev, cdev_dev, errp) ||
        !make_link(l_group, t_group, errp) ||
        !make_link(l_driver, t_driver, errp) ||
        !make_link(l_bus, t_bus, errp) ||
        !make_link(l_gdev, t_gdev, errp) ||
        !make_link(l_class, t_class, errp)) {
        return false;
    }
    add_prefix("/sys/bus/pci/devices/%s", d->bdf);
    add_prefix("/sys/%s", dir);
    if (d->parent) {
        g_autofree char *pdir = g_path_get_dirname(dir);
        add_prefix("/sys/%s", pdir);
    }
    add_prefix("/sys/kernel/iommu_groups/%u", d->group);
    add_prefix("/sys/class/vfio-dev/%s", cdev);
    return true;
}

bool sim_sysfs_create(Error **errp)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *tmp = g_dir_make_tmp("vfio-sim-XXXXXX", &gerr);

    if (!tmp) {
        error_setg(errp, "cannot create the sysfs tree: %s", gerr->message);
        return false;
    }
    sim_root = realpath(tmp, NULL);
    sim_root_sys = g_build_filename(sim_root, "sys", NULL);
    sim_root_owner = getpid();
    sim_prefixes = g_ptr_array_new_with_free_func(g_free);
    if (!make_dir("bus/pci/drivers/vfio-pci", errp)) {
        return false;
    }
    add_prefix("/sys/bus/pci/drivers/vfio-pci");
    for (guint i = 0; i < sim_cfg->devices->len; i++) {
        if (!create_device(g_ptr_array_index(sim_cfg->devices, i), errp)) {
            return false;
        }
    }
    return true;
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        struct stat st;

        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_tree(child);
        } else {
            unlink(child);
        }
    }
    rmdir(path);
}

void sim_sysfs_destroy(void)
{
    if (sim_root && getpid() == sim_root_owner) {
        remove_tree(sim_root);
    }
}

static bool has_component_prefix(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);

    return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/');
}

const char *sim_sysfs_map(const char *path, char *buf, size_t size)
{
    if (!sim_prefixes || !path || strncmp(path, "/sys/", 5)) {
        return NULL;
    }
    for (guint i = 0; i < sim_prefixes->len; i++) {
        if (has_component_prefix(path, g_ptr_array_index(sim_prefixes, i))) {
            if ((size_t)snprintf(buf, size, "%s%s", sim_root, path) >= size) {
                return NULL;
            }
            return buf;
        }
    }
    return NULL;
}

void sim_sysfs_unmap(char *path)
{
    size_t n = sim_root ? strlen(sim_root) : 0;

    if (n && has_component_prefix(path, sim_root_sys)) {
        memmove(path, path + n, strlen(path + n) + 1);
    }
}

static bool parse_index(const char *s, uint32_t *n)
{
    char *end;
    unsigned long v;

    if (!g_ascii_isdigit(*s)) {
        return false;
    }
    v = strtoul(s, &end, 10);
    if (*end || v > UINT32_MAX) {
        return false;
    }
    *n = v;
    return true;
}

SimNode sim_node_of(const char *path, uint32_t *n)
{
    *n = 0;     /* defined for the single nodes too */
    if (!path || strncmp(path, "/dev/", 5) || !sim_cfg) {
        return SIM_NODE_NONE;
    }
    if (!strcmp(path, "/dev/vfio/vfio")) {
        return SIM_NODE_VFIO;
    }
    if (!strcmp(path, "/dev/iommu")) {
        return SIM_NODE_IOMMU;
    }
    if (g_str_has_prefix(path, "/dev/vfio/devices/vfio") &&
        parse_index(path + strlen("/dev/vfio/devices/vfio"), n)) {
        return sim_device_by_cdev(*n) ? SIM_NODE_CDEV : SIM_NODE_NONE;
    }
    if (g_str_has_prefix(path, "/dev/vfio/") &&
        parse_index(path + strlen("/dev/vfio/"), n)) {
        return sim_group_by_id(*n) ? SIM_NODE_GROUP : SIM_NODE_NONE;
    }
    return SIM_NODE_NONE;
}

dev_t sim_node_rdev(SimNode node, uint32_t n)
{
    switch (node) {
    case SIM_NODE_VFIO:
        return makedev(SIM_MISC_MAJOR, SIM_VFIO_MINOR);
    case SIM_NODE_IOMMU:
        return makedev(SIM_MISC_MAJOR, SIM_IOMMU_MINOR);
    case SIM_NODE_GROUP: {
        /* minors in group order, as the kernel hands them out */
        for (guint i = 0; i < sim_groups->len; i++) {
            SimGroup *g = g_ptr_array_index(sim_groups, i);
            if (g->id == n) {
                return makedev(SIM_GROUP_MAJOR, i);
            }
        }
        return 0;
    }
    case SIM_NODE_CDEV:
        return makedev(SIM_CDEV_MAJOR, n);
    default:
        return 0;
    }
}
