/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uapi-conformance: checks the kernel's VFIO/iommufd uAPI behaves as the
 * project's backends assume, and measures the raw mapping floor
 *
 *   uapi-conformance --backend legacy|iommufd [--device BDF]
 *                    [--transcript FILE]
 *   uapi-conformance --backend legacy|iommufd [--device BDF]
 *                    --map-floor SIZE [--prefault] [--thp]
 *   uapi-conformance --backend iommufd [--device BDF]
 *                    --map-floor SIZE --copy [--prefault] [--thp]
 *
 * Exit status: 0 when every expectation held, 1 otherwise or on a usage
 * error.  See docs/devel/uapi-conformance.rst for what is checked.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "conformance.h"

static char *opt_backend;
static char *opt_device;
static char *opt_transcript;
static char *opt_map_floor;
static gboolean opt_prefault;
static gboolean opt_thp;
static gboolean opt_copy;

static GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt_backend,
      "host IOMMU backend: legacy or iommufd", "NAME" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
      "PCI address of the edu device bound to vfio-pci", "BDF" },
    { "transcript", 't', 0, G_OPTION_ARG_FILENAME, &opt_transcript,
      "also write the transcript to FILE", "FILE" },
    { "map-floor", 0, 0, G_OPTION_ARG_STRING, &opt_map_floor,
      "time mapping SIZE bytes at IOVA 0 instead of the checks", "SIZE" },
    { "prefault", 0, 0, G_OPTION_ARG_NONE, &opt_prefault,
      "with --map-floor: touch the memory before the timed map", NULL },
    { "thp", 0, 0, G_OPTION_ARG_NONE, &opt_thp,
      "with --map-floor: private memory advised for huge pages (as a VMM's "
      "guest RAM) instead of shared memory", NULL },
    { "copy", 0, 0, G_OPTION_ARG_NONE, &opt_copy,
      "with --map-floor and iommufd: also time IOMMU_IOAS_COPY of the "
      "mapped memory into a second IOAS with a domain, and a map of the "
      "same memory there", NULL },
    { NULL }
};

static bool backend_known(const char *name)
{
    if (!strcmp(name, "legacy")) {
        return true;
    }
#ifdef CONFIG_IOMMUFD
    if (!strcmp(name, "iommufd")) {
        return true;
    }
#endif
    return false;
}

static int run_map_floor(HostDevice *dev, uint64_t size)
{
    Error *err = NULL;
    MapFloor mf = {
        .size = size,
        .prefault = opt_prefault,
        .private_thp = opt_thp,
        .copy = opt_copy,
    };
    bool ok;

    if (!strcmp(opt_backend, "legacy")) {
        ok = legacy_map_floor(dev, &mf, &err);
    } else {
#ifdef CONFIG_IOMMUFD
        ok = iommufd_map_floor(dev, &mf, &err);
#else
        g_assert_not_reached();
#endif
    }
    if (!ok) {
        error_report_err(err);
        return 1;
    }
    printf("map-floor backend=%s size=%" PRIu64 " memory=%s-%s "
           "prefault_seconds=%.6f map_seconds=%.6f unmap_seconds=%.6f\n",
           opt_backend, mf.size, mf.private_thp ? "private-thp" : "shared",
           mf.prefault ? "prefaulted" : "fresh",
           mf.prefault_seconds, mf.map_seconds, mf.unmap_seconds);
    if (mf.copy) {
        printf("copy-floor backend=%s size=%" PRIu64 " memory=%s-%s "
               "copy_seconds=%.6f remap_seconds=%.6f\n", opt_backend,
               mf.size, mf.private_thp ? "private-thp" : "shared",
               mf.prefault ? "prefaulted" : "fresh", mf.copy_seconds,
               mf.remap_seconds);
    }
    return 0;
}

static int run_checks(HostDevice *dev)
{
    g_autoptr(Transcript) t = NULL;
    Error *err = NULL;
    double start = host_now();

    t = transcript_new(opt_backend, opt_transcript, &err);
    if (!t) {
        error_report_err(err);
        return 1;
    }
    if (!strcmp(opt_backend, "legacy")) {
        legacy_run(t, dev);
    } else {
#ifdef CONFIG_IOMMUFD
        iommufd_run(t, dev);
#else
        g_assert_not_reached();
#endif
    }
    transcript_timing(t, "total", host_now() - start);
    return transcript_finish(t) ? 1 : 0;
}

int main(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = NULL;
    g_autoptr(GError) gerr = NULL;
    Error *err = NULL;
    HostDevice dev;
    uint64_t floor_size = 0;
    int ret;

    error_set_progname(argv[0]);
    context = g_option_context_new("- VFIO/iommufd uAPI conformance checks");
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &gerr)) {
        error_report("%s", gerr->message);
        return 1;
    }
    if (argc > 1) {
        error_report("unexpected argument '%s'", argv[1]);
        return 1;
    }
    if (!opt_backend) {
        error_report("--backend is required (legacy or iommufd)");
        return 1;
    }
    if (!backend_known(opt_backend)) {
        error_report("invalid --backend '%s': expected legacy%s", opt_backend,
#ifdef CONFIG_IOMMUFD
                     " or iommufd"
#else
                     " (built without iommufd)"
#endif
                     );
        return 1;
    }
    if (opt_map_floor &&
        !host_parse_size(opt_map_floor, &floor_size, &err)) {
        error_prepend(&err, "--map-floor: ");
        error_report_err(err);
        return 1;
    }
    if ((opt_prefault || opt_thp || opt_copy) && !opt_map_floor) {
        error_report("--prefault, --thp and --copy need --map-floor");
        return 1;
    }
    if (opt_copy && strcmp(opt_backend, "iommufd")) {
        error_report("--copy needs --backend iommufd: type1 has no copy");
        return 1;
    }
    if (!host_device_find(&dev, opt_device, &err)) {
        error_report_err(err);
        return 1;
    }
    ret = opt_map_floor ? run_map_floor(&dev, floor_size)
                        : run_checks(&dev);
    host_device_clear(&dev);
    return ret;
}
