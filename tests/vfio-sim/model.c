/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the modelled kernel cost of the simulated calls
 *
 * [iommu] ioctl-ns is charged for every call on a simulated file,
 * pin-ns-per-page for every page the simulated kernel pins and
 * map-ns-per-page for every page that enters an IOMMU domain, once per
 * domain (dma.c decides when pages are pinned and when a domain is
 * filled; docs/devel/vfio-sim.rst gives the rules and their kernel
 * sources).  The cost is only counted, never slept, so a benchmark can add
 * it to what it measured without the simulation slowing the program down.
 * Pages are counted even when the price is 0.
 */
#include "qemu/osdep.h"
#include "sim.h"

static uint64_t *current_ns;    /* the running ioctl's model_ns counter */
static uint64_t pinned_pages;   /* pages pinned so far, each pin counted */
static uint64_t domain_pages;   /* pages put into a domain, per domain */
static uint64_t kernel_ns;      /* everything charged so far */

static void charge(uint64_t ns)
{
    kernel_ns += ns;
    if (current_ns) {
        *current_ns += ns;
    }
}

void sim_model_begin(uint64_t *model_ns)
{
    current_ns = model_ns;
    charge(sim_cfg ? sim_cfg->iommu.ioctl_ns : 0);
}

void sim_model_end(void)
{
    current_ns = NULL;
}

/*
 * The kernel pins and maps whole pages: every page the range touches.  By
 * its last byte, as an IOAS range may end at the top of the IOVA space.
 */
static uint64_t pages_of(uint64_t addr, uint64_t len)
{
    if (!len) {
        return 0;
    }
    return (QEMU_ALIGN_DOWN(addr + (len - 1), SIM_PAGE) -
            QEMU_ALIGN_DOWN(addr, SIM_PAGE)) / SIM_PAGE + 1;
}

void sim_model_pin(uint64_t va, uint64_t len)
{
    uint64_t pages = pages_of(va, len);

    pinned_pages += pages;
    charge(pages * sim_cfg->iommu.pin_ns_per_page);
}

void sim_model_map(uint64_t iova, uint64_t len, unsigned domains)
{
    uint64_t pages = pages_of(iova, len) * domains;

    domain_pages += pages;
    charge(pages * sim_cfg->iommu.map_ns_per_page);
}

void sim_model_json(GString *out)
{
    g_string_append_printf(out, "{\"pinned_pages\": %" PRIu64
                           ", \"domain_pages\": %" PRIu64
                           ", \"kernel_ns\": %" PRIu64 "}", pinned_pages,
                           domain_pages, kernel_ns);
}
