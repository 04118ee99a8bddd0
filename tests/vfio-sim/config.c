/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the configuration file (GKeyFile) and the built-in default
 *
 * [kernel]                 series=6.12|7.3: whose answers to give
 * [iommu]                  host IOMMU properties
 * [device BDF]             one simulated device each
 * The keys are documented in docs/devel/vfio-sim.rst.
 */
#include "qemu/osdep.h"
#include "sim.h"

/* The kernels the simulator can answer as; the first is the default. */
static const SimKernel kernels[] = {
    { .series = "6.12" },
    { .series = "7.3", .dma_buf = true, .hw_cap_ats_not_supported = true },
};

/* The bench's root-bus topology: edu at 00:10.0 alone in group 3. */
static const char default_config[] =
    "[iommu]\n"
    "iova-ranges=0x0-0xfedfffff;0xfef00000-0xffffffffffff\n"
    "pgsizes=0x40201000\n"
    "dma-avail=65535\n"
    "[device 0000:00:10.0]\n"
    "group=3\n"
    "cdev=0\n";

static bool get_u64(GKeyFile *kf, const char *group, const char *key,
                    uint64_t *out, Error **errp)
{
    g_autofree char *text = g_key_file_get_string(kf, group, key, NULL);
    char *end;

    if (!text) {
        return true;            /* keep the default */
    }
    g_strstrip(text);
    errno = 0;
    *out = g_ascii_strtoull(text, &end, 0);
    if (errno || end == text || *end) {
        error_setg(errp, "[%s] %s: invalid number '%s'", group, key, text);
        return false;
    }
    return true;
}

static bool get_bool(GKeyFile *kf, const char *group, const char *key,
                     bool *out, Error **errp)
{
    g_autoptr(GError) gerr = NULL;
    gboolean v;

    if (!g_key_file_has_key(kf, group, key, NULL)) {
        return true;
    }
    v = g_key_file_get_boolean(kf, group, key, &gerr);
    if (gerr) {
        error_setg(errp, "[%s] %s: expected true or false", group, key);
        return false;
    }
    *out = v;
    return true;
}

static gint compare_ranges(gconstpointer a, gconstpointer b)
{
    const struct iommu_iova_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static bool parse_ranges(const char *text, GArray *ranges, Error **errp)
{
    g_auto(GStrv) items = g_strsplit(text, ";", -1);

    for (int i = 0; items[i]; i++) {
        struct iommu_iova_range r;
        char *dash, *end;

        g_strstrip(items[i]);
        if (!*items[i]) {
            continue;
        }
        dash = strchr(items[i], '-');
        if (!dash) {
            error_setg(errp, "[iommu] iova-ranges: '%s' is not START-LAST",
                       items[i]);
            return false;
        }
        *dash = 0;
        r.start = g_ascii_strtoull(items[i], &end, 0);
        if (*end) {
            error_setg(errp, "[iommu] iova-ranges: bad start '%s'", items[i]);
            return false;
        }
        r.last = g_ascii_strtoull(dash + 1, &end, 0);
        if (*end || r.last < r.start) {
            error_setg(errp, "[iommu] iova-ranges: bad last '%s'", dash + 1);
            return false;
        }
        g_array_append_val(ranges, r);
    }
    g_array_sort(ranges, compare_ranges);
    for (guint i = 1; i < ranges->len; i++) {
        if (g_array_index(ranges, struct iommu_iova_range, i).start <=
            g_array_index(ranges, struct iommu_iova_range, i - 1).last) {
            error_setg(errp, "[iommu] iova-ranges: ranges overlap");
            return false;
        }
    }
    return true;
}

static bool parse_iommu(GKeyFile *kf, SimIommuConfig *io, Error **errp)
{
    g_autofree char *ranges = NULL;
    uint64_t v;

    io->ranges = g_array_new(FALSE, TRUE, sizeof(struct iommu_iova_range));
    io->pgsizes = 0x40201000;
    io->dma_avail = 65535;
    ranges = g_key_file_get_string(kf, "iommu", "iova-ranges", NULL);
    if (!parse_ranges(ranges ? ranges :
                      "0x0-0xfedfffff;0xfef00000-0xffffffffffff",
                      io->ranges, errp)) {
        return false;
    }
    if (!io->ranges->len) {
        error_setg(errp, "[iommu] iova-ranges: no range given");
        return false;
    }
    if (!get_u64(kf, "iommu", "pgsizes", &io->pgsizes, errp) ||
        !get_u64(kf, "iommu", "memlock", &io->memlock, errp) ||
        !get_u64(kf, "iommu", "ioctl-ns", &io->ioctl_ns, errp) ||
        !get_u64(kf, "iommu", "pin-ns-per-page", &io->pin_ns_per_page,
                 errp) ||
        !get_u64(kf, "iommu", "map-ns-per-page", &io->map_ns_per_page,
                 errp) ||
        !get_bool(kf, "iommu", "dirty-tracking", &io->dirty_tracking, errp) ||
        !get_bool(kf, "iommu", "incompatible-domain",
                  &io->incompatible_domain, errp)) {
        return false;
    }
    if (g_key_file_has_key(kf, "iommu", "dma-buf", NULL)) {
        error_setg(errp, "[iommu] dma-buf: the kernel decides it now: use "
                   "[kernel] series=7.3 or VFIO_SIM_KERNEL=7.3");
        return false;
    }
    if (!(io->pgsizes & SIM_PAGE)) {
        error_setg(errp, "[iommu] pgsizes: 0x%" PRIx64 " lacks 4 KiB pages",
                   io->pgsizes);
        return false;
    }
    v = io->dma_avail;
    if (!get_u64(kf, "iommu", "dma-avail", &v, errp)) {
        return false;
    }
    if (v > UINT32_MAX) {
        error_setg(errp, "[iommu] dma-avail: %" PRIu64 " is too large", v);
        return false;
    }
    io->dma_avail = v;
    return true;
}

/* @env (VFIO_SIM_KERNEL) wins over the file's [kernel] series= */
static const SimKernel *parse_kernel(GKeyFile *kf, const char *env,
                                     Error **errp)
{
    g_autofree char *file = g_key_file_get_string(kf, "kernel", "series",
                                                  NULL);
    const char *series = env ? env : file;
    g_autoptr(GString) known = g_string_new(NULL);

    if (!series) {
        return &kernels[0];
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kernels); i++) {
        if (!strcmp(series, kernels[i].series)) {
            return &kernels[i];
        }
        g_string_append_printf(known, "%s%s", i ? ", " : "",
                               kernels[i].series);
    }
    error_setg(errp, "%s: unknown kernel '%s' (expected one of %s)",
               env ? "VFIO_SIM_KERNEL" : "[kernel] series", series,
               known->str);
    return NULL;
}

static bool valid_bdf(const char *bdf)
{
    unsigned dom, bus, slot, fn;
    char tail;

    return sscanf(bdf, "%4x:%2x:%2x.%1x%c", &dom, &bus, &slot, &fn,
                  &tail) == 4 && strlen(bdf) == 12 && slot < 32 && fn < 8;
}

static SimDeviceConfig *parse_device(GKeyFile *kf, const char *group,
                                     Error **errp)
{
    g_autofree SimDeviceConfig *d = g_new0(SimDeviceConfig, 1);
    const char *bdf = group + strlen("device ");
    uint64_t v;

    if (!valid_bdf(bdf)) {
        error_setg(errp, "[%s]: '%s' is not a PCI address like 0000:00:10.0",
                   group, bdf);
        return NULL;
    }
    d->vendor = 0x1234;
    d->device_id = 0x11e8;
    d->bar_size[0] = 0x100000;
    d->bar_mmap[0] = true;
    d->msi = 1;
    d->intx = true;

    v = 0;
    if (!g_key_file_has_key(kf, group, "group", NULL)) {
        error_setg(errp, "[%s]: 'group' is required", group);
        return NULL;
    }
    if (!get_u64(kf, group, "group", &v, errp)) {
        return NULL;
    }
    d->group = v;
    v = 0;
    if (!get_u64(kf, group, "cdev", &v, errp)) {
        return NULL;
    }
    d->cdev = v;
    v = d->vendor;
    if (!get_u64(kf, group, "vendor", &v, errp)) {
        return NULL;
    }
    d->vendor = v;
    v = d->device_id;
    if (!get_u64(kf, group, "device-id", &v, errp)) {
        return NULL;
    }
    d->device_id = v;
    for (int i = 0; i < SIM_MAX_BARS; i++) {
        g_autofree char *size_key = g_strdup_printf("bar%d", i);
        g_autofree char *mmap_key = g_strdup_printf("bar%d-mmap", i);

        if (!get_u64(kf, group, size_key, &d->bar_size[i], errp) ||
            !get_bool(kf, group, mmap_key, &d->bar_mmap[i], errp)) {
            return NULL;
        }
        if (d->bar_size[i] && (d->bar_size[i] & (d->bar_size[i] - 1) ||
                               d->bar_size[i] < SIM_PAGE ||
                               d->bar_size[i] > 0x40000000)) {
            error_setg(errp, "[%s] %s: 0x%" PRIx64 " is not a power of two "
                       "between 4 KiB and 1 GiB", group, size_key,
                       d->bar_size[i]);
            return NULL;
        }
    }
    if (d->bar_size[0] < SIM_PAGE) {
        error_setg(errp, "[%s] bar0: the edu model needs BAR0", group);
        return NULL;
    }
    v = d->msi;
    if (!get_u64(kf, group, "msi", &v, errp)) {
        return NULL;
    }
    if (v > 32 || (v & (v - 1))) {
        error_setg(errp, "[%s] msi: %" PRIu64 " is not a power of two up "
                   "to 32", group, v);
        return NULL;
    }
    d->msi = v;
    v = 0;
    if (!get_u64(kf, group, "msix", &v, errp)) {
        return NULL;
    }
    d->msix = MIN(v, 2048);
    if (!get_bool(kf, group, "msi-maskbit", &d->msi_maskbit, errp)) {
        return NULL;
    }
    if (d->msi_maskbit && (!d->msi || d->msix)) {
        error_setg(errp, "[%s] msi-maskbit: needs msi and no msix (the "
                   "larger MSI capability takes MSI-X's place)", group);
        return NULL;
    }
    if (!get_bool(kf, group, "intx", &d->intx, errp) ||
        !get_bool(kf, group, "flr", &d->flr, errp) ||
        !get_bool(kf, group, "pm", &d->pm, errp) ||
        !get_bool(kf, group, "pcie", &d->pcie, errp)) {
        return NULL;
    }
    d->parent = g_key_file_get_string(kf, group, "parent", NULL);
    if (d->parent && !valid_bdf(g_strstrip(d->parent))) {
        error_setg(errp, "[%s] parent: '%s' is not a PCI address", group,
                   d->parent);
        g_free(d->parent);
        return NULL;
    }
    d->bdf = g_strdup(bdf);
    return g_steal_pointer(&d);
}

static void device_config_free(SimDeviceConfig *d)
{
    g_free(d->bdf);
    g_free(d->parent);
    g_free(d);
}

SimConfig *sim_config_load(const char *path, const char *kernel,
                           Error **errp)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) groups = NULL;
    SimConfig *cfg;

    if (path) {
        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
            error_setg(errp, "cannot load VFIO_SIM_CONFIG '%s': %s", path,
                       gerr->message);
            return NULL;
        }
    } else {
        g_key_file_load_from_data(kf, default_config, -1, G_KEY_FILE_NONE,
                                  NULL);
    }
    cfg = g_new0(SimConfig, 1);
    cfg->devices = g_ptr_array_new_with_free_func(
        (GDestroyNotify)device_config_free);
    cfg->kernel = parse_kernel(kf, kernel, errp);
    if (!cfg->kernel || !parse_iommu(kf, &cfg->iommu, errp)) {
        goto fail;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (int i = 0; groups[i]; i++) {
        SimDeviceConfig *d;

        if (!strcmp(groups[i], "iommu") || !strcmp(groups[i], "kernel")) {
            continue;
        }
        if (!g_str_has_prefix(groups[i], "device ")) {
            error_setg(errp, "%s: unknown section [%s]",
                       path ? path : "built-in config", groups[i]);
            goto fail;
        }
        d = parse_device(kf, groups[i], errp);
        if (!d) {
            goto fail;
        }
        for (guint j = 0; j < cfg->devices->len; j++) {
            SimDeviceConfig *o = g_ptr_array_index(cfg->devices, j);
            if (o->cdev == d->cdev) {
                error_setg(errp, "[device %s] cdev: vfio%u is also %s",
                           d->bdf, d->cdev, o->bdf);
                device_config_free(d);
                goto fail;
            }
        }
        g_ptr_array_add(cfg->devices, d);
    }
    if (!cfg->devices->len) {
        error_setg(errp, "%s: no [device BDF] section",
                   path ? path : "built-in config");
        goto fail;
    }
    return cfg;
fail:
    /*
     * The library then refuses to start, but it exits through the
     * sanitizers' leak check like any program: leave nothing behind.
     */
    g_ptr_array_unref(cfg->devices);
    g_free(cfg);
    return NULL;
}
