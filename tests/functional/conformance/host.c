/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: what the program finds on the host (sysfs, /dev)
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include "conformance.h"

char *host_path(const char *fmt, ...)
{
    const char *root = g_getenv("UAPI_CONFORMANCE_ROOT");
    g_autofree char *path = NULL;
    va_list ap;

    va_start(ap, fmt);
    path = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_strconcat(root ? root : "", path, NULL);
}

int host_ioctl(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg) < 0 ? errno : 0;
}

double host_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void *host_buffer(size_t size, Error **errp)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot allocate a %zu-byte buffer",
                         size);
        return NULL;
    }
    return p;
}

void *host_floor_buffer(MapFloor *mf, Error **errp)
{
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *p;
    double start;

    if (mf->private_thp) {
        p = mmap(NULL, mf->size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            error_setg_errno(errp, errno, "cannot allocate a %" PRIu64
                             "-byte buffer", mf->size);
            return NULL;
        }
        /* Only advice: without THP the floor is simply the 4 KiB one */
        madvise(p, mf->size, MADV_HUGEPAGE);
    } else {
        p = host_buffer(mf->size, errp);
    }
    if (p && mf->prefault) {
        start = host_now();
        for (uint64_t off = 0; off < mf->size; off += page) {
            p[off] = 1;
        }
        mf->prefault_seconds = host_now() - start;
    }
    return p;
}

bool host_parse_size(const char *str, uint64_t *size, Error **errp)
{
    char *end;
    guint64 value;
    int shift = 0;

    errno = 0;
    value = g_ascii_strtoull(str, &end, 0);
    if (errno || end == str) {
        error_setg(errp, "invalid size '%s': expected a number with an "
                   "optional K, M or G suffix", str);
        return false;
    }
    switch (*end) {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    }
    if (*end || value == 0 || value > (UINT64_MAX >> shift)) {
        error_setg(errp, "invalid size '%s': expected a non-zero number "
                   "with an optional K, M or G suffix", str);
        return false;
    }
    *size = value << shift;
    return true;
}

static char *read_sysfs_line(const char *path)
{
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    return g_strstrip(text);
}

static bool is_edu_on_vfio(const char *bdf)
{
    g_autofree char *vendor_path = host_path("/sys/bus/pci/devices/%s/vendor",
                                             bdf);
    g_autofree char *device_path = host_path("/sys/bus/pci/devices/%s/device",
                                             bdf);
    g_autofree char *driver_path = host_path("/sys/bus/pci/devices/%s/driver",
                                             bdf);
    g_autofree char *vendor = read_sysfs_line(vendor_path);
    g_autofree char *device = read_sysfs_line(device_path);
    g_autofree char *driver = g_file_read_link(driver_path, NULL);
    g_autofree char *driver_name = driver ? g_path_get_basename(driver) : NULL;

    return vendor && device && driver_name &&
           !strcmp(vendor, "0x1234") && !strcmp(device, "0x11e8") &&
           !strcmp(driver_name, "vfio-pci");
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *first_edu_on_vfio(void)
{
    g_autofree char *dir_path = host_path("/sys/bus/pci/devices");
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!dir) {
        return NULL;
    }
    while ((name = g_dir_read_name(dir))) {
        if (is_edu_on_vfio(name)) {
            g_ptr_array_add(found, g_strdup(name));
        }
    }
    if (!found->len) {
        return NULL;
    }
    /* readdir order is arbitrary; the lowest BDF keeps runs stable */
    g_ptr_array_sort(found, compare_names);
    return g_strdup(g_ptr_array_index(found, 0));
}

static char *device_cdev(const char *bdf)
{
    g_autofree char *dir_path = host_path("/sys/bus/pci/devices/%s/vfio-dev",
                                          bdf);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, "vfio")) {
            return g_strdup(name);
        }
    }
    return NULL;
}

/*
 * A device on a root bus sits directly under the host bridge's directory
 * ("pci0000:00"); behind a bridge its parent is another PCI function.
 */
static bool device_on_root_bus(const char *bdf)
{
    g_autofree char *link = host_path("/sys/bus/pci/devices/%s", bdf);
    g_autofree char *real = realpath(link, NULL);
    g_autofree char *parent = real ? g_path_get_dirname(real) : NULL;
    g_autofree char *parent_name = parent ? g_path_get_basename(parent) : NULL;

    return parent_name && g_str_has_prefix(parent_name, "pci");
}

static bool is_pci_address(const char *name)
{
    unsigned dom, bus, slot, fn;
    char end;

    return sscanf(name, "%4x:%2x:%2x.%1u%c", &dom, &bus, &slot, &fn,
                  &end) == 4;
}

/* Siblings of the device in sysfs are the other functions on its bus. */
static bool device_shares_bus(const char *bdf)
{
    g_autofree char *link = host_path("/sys/bus/pci/devices/%s", bdf);
    g_autofree char *real = realpath(link, NULL);
    g_autofree char *parent = real ? g_path_get_dirname(real) : NULL;
    g_autoptr(GDir) dir = parent ? g_dir_open(parent, 0, NULL) : NULL;
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (is_pci_address(name) && strcmp(name, bdf)) {
            return true;
        }
    }
    return false;
}

bool host_device_find(HostDevice *dev, const char *bdf, Error **errp)
{
    g_autofree char *chosen = NULL;
    g_autofree char *group_link = NULL;
    g_autofree char *group_target = NULL;
    const char *bench = g_getenv("BENCH_DEVICES");

    if (bdf) {
        chosen = g_strdup(bdf);
    } else if (bench && *bench) {
        g_auto(GStrv) list = g_strsplit_set(bench, " ,", -1);
        chosen = g_strdup(list[0]);
    } else {
        chosen = first_edu_on_vfio();
        if (!chosen) {
            error_setg(errp, "no edu device (1234:11e8) bound to vfio-pci; "
                       "use --device BDF");
            return false;
        }
    }

    group_link = host_path("/sys/bus/pci/devices/%s/iommu_group", chosen);
    group_target = g_file_read_link(group_link, NULL);
    if (!group_target) {
        error_setg(errp, "device '%s' has no IOMMU group (is the IOMMU on "
                   "and the device present?)", chosen);
        return false;
    }
    memset(dev, 0, sizeof(*dev));
    dev->group = g_path_get_basename(group_target);
    dev->cdev = device_cdev(chosen);
    dev->on_root_bus = device_on_root_bus(chosen);
    dev->shares_bus = device_shares_bus(chosen);
    dev->bdf = g_steal_pointer(&chosen);
    return true;
}

void host_device_clear(HostDevice *dev)
{
    g_free(dev->bdf);
    g_free(dev->group);
    g_free(dev->cdev);
    memset(dev, 0, sizeof(*dev));
}
