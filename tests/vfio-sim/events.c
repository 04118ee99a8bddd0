/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the history of map, unmap and copy calls, for the control
 * socket (control.c)
 *
 * Every VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA, IOMMU_IOAS_MAP,
 * IOMMU_IOAS_UNMAP and IOMMU_IOAS_COPY is recorded with its result, failed
 * or not, numbered from 0 in call order.  The newest MAX_EVENTS (or
 * VFIO_SIM_HISTORY) are kept in a ring that grows as needed (32 bytes an
 * event), so a long benchmark loses its oldest events rather than memory.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "sim.h"

#define MAX_EVENTS  1000000

G_STATIC_ASSERT(sizeof(SimMapEvent) == 32);

static SimMapEvent *ring;
static size_t ring_size;        /* allocated slots, up to max_events */
static size_t max_events = MAX_EVENTS;
static uint64_t total;          /* events recorded so far */

void sim_events_init(void)
{
    const char *env = g_getenv("VFIO_SIM_HISTORY");
    char *end;

    if (env) {
        errno = 0;
        max_events = g_ascii_strtoull(env, &end, 10);
        if (errno || end == env || *end || !max_events ||
            max_events > 100 * MAX_EVENTS) {
            error_report("VFIO_SIM_HISTORY: '%s' is not a number of events "
                         "from 1 to %d", env, 100 * MAX_EVENTS);
            exit(1);
        }
    }
}

static void record(const SimMapEvent *e)
{
    if (total >= ring_size && ring_size < max_events) {
        ring_size = MIN(MAX(ring_size * 2, 1024), max_events);
        ring = g_renew(SimMapEvent, ring, ring_size);
    }
    /* until the ring is full, total < ring_size, so this is total */
    ring[total % ring_size] = *e;
    total++;
}

#ifdef CONFIG_VFIO_DMABUF
#define IS_MAP_FILE(req)    ((req) == IOMMU_IOAS_MAP_FILE)
#define MAP_FILE_SIZE       sizeof(struct iommu_ioas_map_file)
#else
#define IS_MAP_FILE(req)    false
#define MAP_FILE_SIZE       0
#endif

/* Reads the call's struct after the call: outputs (an IOVA) are filled */
void sim_event_ioctl(SimFile *f, unsigned long req, const void *arg,
                     long ret)
{
    SimMapEvent e = { .result = ret < 0 ? ret : 0 };
    size_t need;

    if (f->kind == SIM_FILE_CONTAINER &&
        (req == VFIO_IOMMU_MAP_DMA || req == VFIO_IOMMU_UNMAP_DMA)) {
        e.space_kind = SIM_SPACE_CONTAINER;
        e.space_id = sim_container_id(f->container);
        need = req == VFIO_IOMMU_MAP_DMA ?
               sizeof(struct vfio_iommu_type1_dma_map) :
               sizeof(struct vfio_iommu_type1_dma_unmap);
    } else if (f->kind == SIM_FILE_IOMMUFD &&
               (req == IOMMU_IOAS_MAP || req == IOMMU_IOAS_UNMAP ||
                req == IOMMU_IOAS_COPY || IS_MAP_FILE(req))) {
        e.space_kind = SIM_SPACE_IOAS;
        need = req == IOMMU_IOAS_MAP ? sizeof(struct iommu_ioas_map) :
               IS_MAP_FILE(req) ? MAP_FILE_SIZE :
               req == IOMMU_IOAS_UNMAP ? sizeof(struct iommu_ioas_unmap) :
               sizeof(struct iommu_ioas_copy);
    } else {
        return;
    }
    /* a bad pointer is recorded as a call on nothing (it got EFAULT) */
    if (sim_check_user_va((uintptr_t)arg, need, true)) {
        arg = NULL;
    }
    e.op = req == VFIO_IOMMU_MAP_DMA || req == IOMMU_IOAS_MAP ||
           IS_MAP_FILE(req) ?
           SIM_EVENT_MAP : req == IOMMU_IOAS_COPY ? SIM_EVENT_COPY :
           SIM_EVENT_UNMAP;
    if (!arg) {
        record(&e);
        return;
    }
    switch (req) {
    case VFIO_IOMMU_MAP_DMA: {
        const struct vfio_iommu_type1_dma_map *m = arg;
        e.iova = m->iova;
        e.size = m->size;
        e.vaddr = m->vaddr;
        break;
    }
    case VFIO_IOMMU_UNMAP_DMA: {
        const struct vfio_iommu_type1_dma_unmap *u = arg;
        e.iova = u->iova;
        e.size = u->size;
        break;
    }
    case IOMMU_IOAS_MAP: {
        const struct iommu_ioas_map *m = arg;
        e.space_id = m->ioas_id;
        e.iova = m->iova;
        e.size = m->length;
        e.vaddr = m->user_va;
        break;
    }
#ifdef CONFIG_VFIO_DMABUF
    case IOMMU_IOAS_MAP_FILE: {
        const struct iommu_ioas_map_file *m = arg;
        e.space_id = m->ioas_id;
        e.iova = m->iova;
        e.size = m->length;
        break;                  /* no process address: vaddr 0 */
    }
#endif
    case IOMMU_IOAS_UNMAP: {
        const struct iommu_ioas_unmap *u = arg;
        e.space_id = u->ioas_id;
        e.iova = u->iova;
        e.size = u->length;
        break;
    }
    default: {
        const struct iommu_ioas_copy *c = arg;
        e.space_id = c->dst_ioas_id;
        e.iova = c->dst_iova;
        e.size = c->length;
        break;
    }
    }
    record(&e);
}

uint64_t sim_event_seq(void)
{
    return total;
}

GArray *sim_events_since(uint64_t from, uint64_t *first)
{
    uint64_t oldest = total > ring_size ? total - ring_size : 0;
    GArray *out = g_array_new(FALSE, FALSE, sizeof(SimMapEvent));

    from = MAX(from, oldest);
    *first = from;
    if (from < total) {
        g_array_set_size(out, total - from);
        for (uint64_t k = from; k < total; k++) {
            g_array_index(out, SimMapEvent, k - from) = ring[k % ring_size];
        }
    }
    return out;
}

void sim_event_json(GString *out, const SimMapEvent *e, uint64_t seq)
{
    static const char *const ops[] = { "map", "unmap", "copy" };

    g_string_append_printf(out, "{\"seq\": %" PRIu64 ", \"op\": \"%s\", "
                           "\"space\": {\"kind\": \"%s\", \"id\": %u}, "
                           "\"iova\": %" PRIu64 ", \"size\": %" PRIu64 ", ",
                           seq, ops[e->op],
                           e->space_kind == SIM_SPACE_CONTAINER ?
                           "container" : "ioas", e->space_id, e->iova,
                           e->size);
    if (e->op == SIM_EVENT_MAP) {
        g_string_append_printf(out, "\"vaddr\": %" PRIu64, e->vaddr);
    } else {
        g_string_append(out, "\"vaddr\": null");
    }
    g_string_append_printf(out, ", \"result\": %d}", e->result);
}
