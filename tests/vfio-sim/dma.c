/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: DMA address spaces shared by the type1 container and the IOAS
 *
 * A SimSpace is a set of non-overlapping areas, each translating an IOVA
 * range into process memory.  Pages are "pinned" (counted against the
 * memlock limit and charged by the cost model) while an area in a space
 * with a domain uses them, as the kernel pins when an IOMMU domain needs
 * the PFNs and unpins when the last one goes; IOAS_COPY shares a SimPages
 * between areas, so copied memory is pinned once.  Separately, every
 * page that enters one of a space's IOMMU domains is charged by the cost
 * model once per domain, copied or not: the kernel writes each domain's
 * page table itself.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "sim.h"

uint64_t sim_pinned_bytes;
guint sim_live_areas;

static gint compare_iova(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static GPtrArray *live_spaces;   /* SimSpace, for the control socket */

static void pages_unpin(SimPages *p)
{
    if (p->pinned) {
        if (!p->reserved) {
            sim_pinned_bytes -= p->len;
        }
        p->pinned = false;
    }
}

/*
 * Reserved PFNs (a BAR mmap that type1 follows) are neither pinned nor
 * charged to the memlock limit, as type1's pinning skips them.
 */
static int pages_pin(SimPages *p)
{
    uint64_t limit = sim_cfg->iommu.memlock;

    if (p->pinned) {
        return 0;
    }
    if (p->reserved) {
        p->pinned = true;
        return 0;
    }
    if (limit && sim_pinned_bytes + p->len > limit) {
        sim_log_event("pin of 0x%" PRIx64 " bytes refused: 0x%" PRIx64
                      " pinned, memlock 0x%" PRIx64, p->len, sim_pinned_bytes,
                      limit);
        return -ENOMEM;
    }
    sim_pinned_bytes += p->len;
    sim_model_pin(p->va, p->len);
    p->pinned = true;
    return 0;
}

/* @a now needs its pages in a domain */
static int area_domain_get(SimArea *a)
{
    int ret;

    if (a->in_domain) {
        return 0;
    }
    if (!a->pages->domain_refs) {
        ret = pages_pin(a->pages);
        if (ret) {
            return ret;
        }
    }
    a->pages->domain_refs++;
    a->in_domain = true;
    return 0;
}

/* The last domain that needed the pages lets them go */
static void area_domain_put(SimArea *a)
{
    if (a->in_domain) {
        a->in_domain = false;
        if (--a->pages->domain_refs == 0) {
            pages_unpin(a->pages);
        }
    }
}

SimPages *sim_pages_new(uint64_t va, uint64_t len)
{
    SimPages *p = g_new0(SimPages, 1);

    p->refs = 1;
    p->va = va;
    p->len = len;
    return p;
}

void sim_pages_unref(SimPages *p)
{
    if (--p->refs == 0) {
        pages_unpin(p);
        sim_file_pages_free(p);
        g_free(p);
    }
}

static void area_free(gpointer data)
{
    SimArea *a = data;

    area_domain_put(a);
    sim_pages_unref(a->pages);
    sim_live_areas--;
    g_free(a);
}

SimSpace *sim_space_new(SimSpaceKind kind, uint32_t id)
{
    SimSpace *s = g_new0(SimSpace, 1);

    /* the key points into the area, so only the area is freed */
    s->areas = g_tree_new_full(compare_iova, NULL, NULL, area_free);
    s->kind = kind;
    s->id = id;
    if (!live_spaces) {
        live_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(live_spaces, s);
    return s;
}

void sim_space_free(SimSpace *s)
{
    if (s) {
        g_ptr_array_remove(live_spaces, s);
        g_tree_destroy(s->areas);
        g_free(s);
    }
}

SimArea *sim_space_overlap(SimSpace *s, uint64_t iova, uint64_t len)
{
    uint64_t last = iova + len - 1;
    GTreeNode *n = g_tree_upper_bound(s->areas, &last);
    SimArea *a;

    /* the area starting at or before @last, if it reaches @iova */
    n = n ? g_tree_node_previous(n) : g_tree_node_last(s->areas);
    if (!n) {
        return NULL;
    }
    a = g_tree_node_value(n);
    if (a->iova + a->len - 1 >= iova) {
        /* there may be earlier ones too; return the first */
        GTreeNode *p;
        while ((p = g_tree_node_previous(n))) {
            SimArea *b = g_tree_node_value(p);
            if (b->iova + b->len - 1 < iova) {
                break;
            }
            n = p;
            a = b;
        }
        return a;
    }
    return NULL;
}

int sim_space_add(SimSpace *s, uint64_t iova, uint64_t len, SimPages *pages,
                  uint64_t pages_off, bool readonly)
{
    SimArea *a = g_new0(SimArea, 1);

    a->iova = iova;
    a->len = len;
    a->pages = pages;
    a->pages_off = pages_off;
    a->readonly = readonly;
    if (s->has_domain) {
        int ret = area_domain_get(a);
        if (ret) {
            g_free(a);
            return ret;
        }
    }
    pages->refs++;
    sim_live_areas++;
    g_tree_insert(s->areas, &a->iova, a);
    sim_model_map(iova, len, s->domains);
    return 0;
}

void sim_space_remove(SimSpace *s, SimArea *a)
{
    g_tree_remove(s->areas, &a->iova);
}

guint sim_space_count(SimSpace *s)
{
    return g_tree_nnodes(s->areas);
}

static gboolean pin_one(gpointer key, gpointer value, gpointer data)
{
    SimArea *a = value;
    int *ret = data;

    /*
     * only an IOAS gains a domain late: its pages are GUP-pinned now
     * (a file's pages are the library's own view, always there)
     */
    *ret = a->pages->domain_refs || a->pages->file_view ||
           a->pages->dmabuf ? 0 :
           sim_check_user_va(a->pages->va + a->pages_off, a->len, false);
    if (!*ret) {
        *ret = area_domain_get(a);
    }
    return *ret != 0;
}

static gboolean unpin_one(gpointer key, gpointer value, gpointer data)
{
    area_domain_put(value);
    return FALSE;
}

int sim_space_set_domain(SimSpace *s, bool on)
{
    int ret = 0;

    if (on && !s->has_domain) {
        g_tree_foreach(s->areas, pin_one, &ret);
        if (ret) {
            g_tree_foreach(s->areas, unpin_one, NULL);
            return ret;
        }
    } else if (!on && s->has_domain) {
        g_tree_foreach(s->areas, unpin_one, NULL);
    }
    s->has_domain = on;
    return 0;
}

static gboolean fill_one(gpointer key, gpointer value, gpointer data)
{
    SimArea *a = value;

    sim_model_map(a->iova, a->len, 1);
    return FALSE;
}

void sim_space_count_domain(SimSpace *s, bool on)
{
    if (on) {
        g_tree_foreach(s->areas, fill_one, NULL);
        s->domains++;
    } else if (s->domains) {
        s->domains--;
    }
}

static gboolean area_json(gpointer key, gpointer value, gpointer data)
{
    SimArea *a = value;
    GString *out = data;

    if (out->str[out->len - 1] != '[') {
        g_string_append(out, ", ");
    }
    g_string_append_printf(out, "{\"iova\": %" PRIu64 ", \"size\": %" PRIu64
                           ", \"vaddr\": %" PRIu64 ", \"readonly\": %s}",
                           a->iova, a->len, a->pages->va + a->pages_off,
                           a->readonly ? "true" : "false");
    return FALSE;
}

static gint compare_spaces(gconstpointer a, gconstpointer b)
{
    const SimSpace *x = *(SimSpace *const *)a, *y = *(SimSpace *const *)b;

    if (x->kind != y->kind) {
        return x->kind < y->kind ? -1 : 1;
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

void sim_spaces_json(GString *out)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    for (guint i = 0; live_spaces && i < live_spaces->len; i++) {
        g_ptr_array_add(sorted, g_ptr_array_index(live_spaces, i));
    }
    g_ptr_array_sort(sorted, compare_spaces);
    g_string_append_c(out, '[');
    for (guint i = 0; i < sorted->len; i++) {
        SimSpace *s = g_ptr_array_index(sorted, i);

        g_string_append_printf(out, "%s{\"kind\": \"%s\", \"id\": %u, "
                               "\"mappings\": [", i ? ", " : "",
                               s->kind == SIM_SPACE_CONTAINER ? "container" :
                               "ioas", s->id);
        g_tree_foreach(s->areas, area_json, out);
        g_string_append(out, "]}");
    }
    g_string_append_c(out, ']');
}

uint64_t sim_space_translate(SimSpace *s, uint64_t iova, uint64_t len)
{
    SimArea *a = len ? sim_space_overlap(s, iova, 1) : NULL;

    if (!a || iova < a->iova || iova + len > a->iova + a->len ||
        a->pages->dmabuf) {
        return 0;
    }
    return a->pages->va + a->pages_off + (iova - a->iova);
}

bool sim_space_peer(SimSpace *s, uint64_t iova, uint64_t len,
                    SimDevice **peer, int *bar, uint64_t *off)
{
    SimArea *a = len ? sim_space_overlap(s, iova, 1) : NULL;
    SimPages *p = a ? a->pages : NULL;

    if (!p || !p->dmabuf || p->revoked || iova + len > a->iova + a->len) {
        return false;
    }
    return sim_file_pages_peer(p, a->pages_off + (iova - a->iova), peer,
                               bar, off);
}

bool sim_user_struct_ok(const void *arg)
{
    uint32_t argsz;

    if (sim_check_user_va((uintptr_t)arg, sizeof(argsz), true)) {
        return false;
    }
    memcpy(&argsz, arg, sizeof(argsz));
    return argsz <= sizeof(argsz) ||
           !sim_check_user_va((uintptr_t)arg, argsz, true);
}

int sim_check_user_va(uint64_t va, uint64_t len, bool allow_bar)
{
    uint8_t *internal;

    if (!len || va + len < va) {
        return -EINVAL;
    }
    if (sim_bar_lookup(va, len, &internal)) {
        /* GUP cannot pin a VM_PFNMAP BAR mapping; type1 follows the PFNs */
        return allow_bar ? 0 : -EFAULT;
    }
    /* msync fails with ENOMEM on any unmapped page in the range */
    if (msync((void *)(uintptr_t)QEMU_ALIGN_DOWN(va, SIM_PAGE),
              QEMU_ALIGN_UP(va + len, SIM_PAGE) -
              QEMU_ALIGN_DOWN(va, SIM_PAGE), MS_ASYNC) < 0) {
        return -EFAULT;
    }
    return 0;
}
