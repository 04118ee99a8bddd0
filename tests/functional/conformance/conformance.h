/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance program: shared declarations
 *
 * The program drives the kernel's VFIO and iommufd uAPI directly, with
 * QEMU's edu device as the assigned device, and writes a transcript of
 * every call (see transcript.h).  host.c finds things on the host (sysfs,
 * /dev), legacy.c and iommufd.c are the two backends, edu.c holds the
 * device checks both backends share.
 *
 * Every path the program opens goes through host_path(), so that a
 * simulated kernel can be pointed at with UAPI_CONFORMANCE_ROOT=/dir
 * (prefixed to /dev/... and /sys/... paths).
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include "transcript.h"

/* What the backends need to know about the device under test. */
typedef struct HostDevice {
    char *bdf;              /* "0000:00:03.0" */
    char *group;            /* IOMMU group number, as in /dev/vfio/GROUP */
    char *cdev;             /* "vfio0" or NULL if the kernel has no cdev */
    bool on_root_bus;       /* no upstream bridge: no bus reset */
    bool shares_bus;        /* other functions on its bus: a bus reset
                               is not a reset of this function alone */
} HostDevice;

/* Returns a newly allocated path: UAPI_CONFORMANCE_ROOT + @fmt. */
char *host_path(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * Finds the device to test: @bdf if non-NULL, else the first BDF in
 * $BENCH_DEVICES, else the first edu (1234:11e8) bound to vfio-pci.
 * Fills @dev (release with host_device_clear()).  Sets @errp and returns
 * false if there is none or sysfs lacks its IOMMU group.
 */
bool host_device_find(HostDevice *dev, const char *bdf, Error **errp);
void host_device_clear(HostDevice *dev);

/*
 * Returns a page-aligned anonymous shared mapping of @size bytes, zeroed
 * and not yet faulted in, or NULL with @errp set.  Free with munmap().
 */
void *host_buffer(size_t size, Error **errp);

/* One --map-floor measurement. */
typedef struct MapFloor {
    uint64_t size;
    bool prefault;          /* touch every page before the timed map */
    bool private_thp;       /* private + MADV_HUGEPAGE, like QEMU's RAM */
    double prefault_seconds;
    double map_seconds;
    double unmap_seconds;
    /*
     * iommufd only (--copy): while the map stands, the same range is
     * copied (IOMMU_IOAS_COPY) into a second IOAS with a domain of its own
     * (IOMMU_HWPT_ALLOC, no attach), and after that copy is unmapped, the
     * same memory is mapped there again (IOMMU_IOAS_MAP)
     */
    bool copy;
    double copy_seconds;
    double remap_seconds;
} MapFloor;

/*
 * The buffer a map-floor run maps: host_buffer(@mf->size), or with
 * @mf->private_thp private anonymous memory advised for transparent huge
 * pages (as a VMM backs guest RAM); every page written first (timed into
 * @mf->prefault_seconds) if @mf->prefault.  Free with munmap().
 */
void *host_floor_buffer(MapFloor *mf, Error **errp);

/* Monotonic seconds. */
double host_now(void);

/* ioctl() that returns 0 or the errno, never -1. */
int host_ioctl(int fd, unsigned long request, void *arg);

/*
 * Parses a size such as "512M", "1G", "4096" or "0x1000" into @size.
 * Sets @errp naming @str on a bad value.
 */
bool host_parse_size(const char *str, uint64_t *size, Error **errp);

/*
 * Backends.  *_run() runs the whole conformance sequence against @dev and
 * records it in @t; it returns false only when the sequence had to stop
 * early (the failure is also in the transcript).  *_map_floor() maps
 * @mf->size bytes of anonymous memory (see host_floor_buffer()) at IOVA 0
 * and stores the seconds the map and unmap calls took in @mf.
 */
bool legacy_run(Transcript *t, HostDevice *dev);
bool legacy_map_floor(HostDevice *dev, MapFloor *mf, Error **errp);
#ifdef CONFIG_IOMMUFD
bool iommufd_run(Transcript *t, HostDevice *dev);
bool iommufd_map_floor(HostDevice *dev, MapFloor *mf, Error **errp);
#endif

#endif
