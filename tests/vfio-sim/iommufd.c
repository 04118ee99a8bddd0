/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: /dev/iommu (IOAS, HWPT, device objects and their ioctls)
 */
#include "qemu/osdep.h"
#include "sim.h"

/*
 * IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED, which the 6.12 headers the library
 * is built against do not name
 */
#define SIM_HW_CAP_PCI_ATS_NOT_SUPPORTED (1u << 3)

int sim_live_ioas, sim_live_hwpt;

typedef enum SimObjType { OBJ_IOAS, OBJ_HWPT, OBJ_DEVICE } SimObjType;

typedef struct SimObj {
    SimObjType type;
    uint32_t id;
} SimObj;

typedef struct SimIoas {
    SimObj obj;
    SimSpace *space;
    int hwpts;
    GArray *allowed;            /* struct iommu_iova_range, NULL: all */
} SimIoas;

struct SimHwpt {
    SimObj obj;
    SimIoas *ioas;
    bool automatic;
    SimDevice *owner;           /* the device it was made for */
    int users;                  /* attached devices */
    bool dirty_tracking;
};

typedef struct SimDevObj {
    SimObj obj;
    SimDevice *dev;
} SimDevObj;

struct SimIommufd {
    GHashTable *objs;           /* id -> SimObj */
    bool file_open;
    int bound;                  /* devices bound to it */
};

SimIommufd *sim_iommufd_new(void)
{
    SimIommufd *ictx = g_new0(SimIommufd, 1);

    ictx->objs = g_hash_table_new(NULL, NULL);
    ictx->file_open = true;
    return ictx;
}

SimSpace *sim_hwpt_space(SimHwpt *h)
{
    return h ? h->ioas->space : NULL;
}

/* xarray-style: the lowest free id from 1 */
static uint32_t alloc_id(SimIommufd *ictx, SimObj *o)
{
    uint32_t id = 1;

    while (g_hash_table_contains(ictx->objs, GUINT_TO_POINTER(id))) {
        id++;
    }
    o->id = id;
    g_hash_table_insert(ictx->objs, GUINT_TO_POINTER(id), o);
    return id;
}

static SimObj *find(SimIommufd *ictx, uint32_t id, SimObjType type)
{
    SimObj *o = g_hash_table_lookup(ictx->objs, GUINT_TO_POINTER(id));

    return o && o->type == type ? o : NULL;
}

static void ioas_free(SimIommufd *ictx, SimIoas *ioas)
{
    g_hash_table_remove(ictx->objs, GUINT_TO_POINTER(ioas->obj.id));
    sim_space_free(ioas->space);
    if (ioas->allowed) {
        g_array_free(ioas->allowed, TRUE);
    }
    g_free(ioas);
    sim_live_ioas--;
}

static void hwpt_free(SimIommufd *ictx, SimHwpt *h)
{
    g_hash_table_remove(ictx->objs, GUINT_TO_POINTER(h->obj.id));
    sim_space_count_domain(h->ioas->space, false);
    if (--h->ioas->hwpts == 0) {
        sim_space_set_domain(h->ioas->space, false);
    }
    g_free(h);
    sim_live_hwpt--;
}

static bool ioas_constrained(SimIoas *ioas)
{
    return ioas->hwpts > 0;
}

static uint64_t ioas_alignment(SimIoas *ioas)
{
    return ioas_constrained(ioas) ? SIM_PAGE : 1;
}

/* The allowed ranges: ALLOW_IOVAS intersected with the domain ranges */
static GArray *ioas_ranges(SimIoas *ioas)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(struct iommu_iova_range));
    struct iommu_iova_range all = { 0, UINT64_MAX };
    GArray *dom = sim_cfg->iommu.ranges;
    GArray *allow = ioas->allowed;

    if (!ioas_constrained(ioas)) {
        dom = g_array_new(FALSE, TRUE, sizeof(all));
        g_array_append_val(dom, all);
    }
    if (!allow) {
        g_array_append_vals(out, dom->data, dom->len);
    } else {
        for (guint i = 0; i < dom->len; i++) {
            struct iommu_iova_range *d = &g_array_index(dom,
                                              struct iommu_iova_range, i);
            for (guint j = 0; j < allow->len; j++) {
                struct iommu_iova_range *a = &g_array_index(allow,
                                                  struct iommu_iova_range, j);
                struct iommu_iova_range r = { MAX(d->start, a->start),
                                              MIN(d->last, a->last) };
                if (r.start <= r.last) {
                    g_array_append_val(out, r);
                }
            }
        }
    }
    if (dom != sim_cfg->iommu.ranges) {
        g_array_free(dom, TRUE);
    }
    return out;
}

static bool iova_allowed(SimIoas *ioas, uint64_t iova, uint64_t len)
{
    g_autoptr(GArray) r = ioas_ranges(ioas);

    for (guint i = 0; i < r->len; i++) {
        struct iommu_iova_range *x = &g_array_index(r, struct iommu_iova_range,
                                                    i);
        if (iova >= x->start && iova + len - 1 <= x->last) {
            return true;
        }
    }
    return false;
}

/* iopt_check_iova order: alignment, overflow, reserved, existing */
static int check_iova(SimIoas *ioas, uint64_t iova, uint64_t len)
{
    uint64_t align = ioas_alignment(ioas);

    if (iova & (align - 1) || len & (align - 1)) {
        return -EINVAL;
    }
    if (iova + (len - 1) < iova) {
        return -EOVERFLOW;
    }
    if (!iova_allowed(ioas, iova, len)) {
        return -EINVAL;
    }
    if (sim_space_overlap(ioas->space, iova, len)) {
        return -EEXIST;
    }
    return 0;
}

/* The lowest aligned free IOVA for @len inside the allowed ranges */
static int alloc_iova(SimIoas *ioas, uint64_t len, uint64_t *out)
{
    g_autoptr(GArray) r = ioas_ranges(ioas);

    for (guint i = 0; i < r->len; i++) {
        struct iommu_iova_range *x = &g_array_index(r, struct iommu_iova_range,
                                                    i);
        uint64_t iova = ROUND_UP(x->start, SIM_PAGE);

        while (iova >= x->start && iova + len - 1 >= iova &&
               iova + len - 1 <= x->last) {
            SimArea *a = sim_space_overlap(ioas->space, iova, len);
            if (!a) {
                *out = iova;
                return 0;
            }
            iova = ROUND_UP(a->iova + a->len, SIM_PAGE);
        }
    }
    return -ENOSPC;
}

static long ioas_map(SimIommufd *ictx, struct iommu_ioas_map *m)
{
    const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA |
                           IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
    SimIoas *ioas;
    SimPages *pages;
    uint64_t iova = m->iova;
    int ret;

    if (m->flags & ~known || m->__reserved) {
        return -EOPNOTSUPP;
    }
    if (!(m->flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE))) {
        return -EINVAL;
    }
    if (m->iova >= ULONG_MAX || m->length >= ULONG_MAX) {
        return -EOVERFLOW;
    }
    ioas = (SimIoas *)find(ictx, m->ioas_id, OBJ_IOAS);
    if (!ioas) {
        return -ENOENT;
    }
    if (!m->length || m->user_va + m->length - 1 < m->user_va) {
        return -EINVAL;
    }
    if (m->flags & IOMMU_IOAS_MAP_FIXED_IOVA) {
        ret = check_iova(ioas, iova, m->length);
    } else {
        ret = alloc_iova(ioas, m->length, &iova);
    }
    if (ret) {
        return ret;
    }
    if (ioas->space->has_domain) {
        ret = sim_check_user_va(m->user_va, m->length, false);
        if (ret) {
            return ret;
        }
    }
    pages = sim_pages_new(m->user_va, m->length);
    ret = sim_space_add(ioas->space, iova, m->length, pages, 0,
                        !(m->flags & IOMMU_IOAS_MAP_WRITEABLE));
    sim_pages_unref(pages);
    if (!ret) {
        m->iova = iova;
    }
    return ret;
}

#ifdef CONFIG_VFIO_DMABUF
/* IOMMU_IOAS_MAP_FILE: IOMMU_IOAS_MAP's rules, pages from a file */
static long ioas_map_file(SimIommufd *ictx, struct iommu_ioas_map_file *m)
{
    const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA |
                           IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
    SimIoas *ioas;
    SimPages *pages;
    uint64_t iova = m->iova;
    int ret;

    if (!sim_cfg->kernel->dma_buf) {
        return -ENOTTY;
    }
    if (m->flags & ~known) {
        return -EOPNOTSUPP;
    }
    if (m->iova >= ULONG_MAX || m->length >= ULONG_MAX) {
        return -EOVERFLOW;
    }
    if (!(m->flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE))) {
        return -EINVAL;
    }
    ioas = (SimIoas *)find(ictx, m->ioas_id, OBJ_IOAS);
    if (!ioas) {
        return -ENOENT;
    }
    pages = sim_file_pages_new(m->fd, m->start, m->length,
                               m->flags & IOMMU_IOAS_MAP_WRITEABLE, &ret);
    if (!pages) {
        return ret;
    }
    if (m->flags & IOMMU_IOAS_MAP_FIXED_IOVA) {
        ret = check_iova(ioas, iova, m->length);
    } else {
        ret = alloc_iova(ioas, m->length, &iova);
    }
    if (!ret) {
        ret = sim_space_add(ioas->space, iova, m->length, pages, 0,
                            !(m->flags & IOMMU_IOAS_MAP_WRITEABLE));
    }
    sim_pages_unref(pages);
    if (!ret) {
        m->iova = iova;
    }
    return ret;
}
#endif

static long ioas_unmap(SimIommufd *ictx, struct iommu_ioas_unmap *u)
{
    SimIoas *ioas = (SimIoas *)find(ictx, u->ioas_id, OBJ_IOAS);
    uint64_t done = 0, last;
    SimArea *a;

    if (!ioas) {
        return -ENOENT;
    }
    if (u->iova == 0 && u->length == UINT64_MAX) {
        while ((a = sim_space_overlap(ioas->space, 0, UINT64_MAX))) {
            done += a->len;
            sim_space_remove(ioas->space, a);
        }
        u->length = done;
        return 0;
    }
    if (!u->length) {
        return -EINVAL;
    }
    if (u->iova + (u->length - 1) < u->iova) {
        return -EOVERFLOW;
    }
    last = u->iova + u->length - 1;
    /* whole areas only: an area crossing either end is not split */
    a = sim_space_overlap(ioas->space, u->iova, u->length);
    if (!a) {
        return -ENOENT;
    }
    for (SimArea *b = a; b; b = sim_space_overlap(ioas->space,
                                                  b->iova + b->len,
                                                  last - (b->iova + b->len)
                                                  + 1)) {
        if (b->iova < u->iova || b->iova + b->len - 1 > last) {
            return -ENOENT;
        }
        if (b->iova + b->len - 1 == last) {
            break;
        }
    }
    while ((a = sim_space_overlap(ioas->space, u->iova, u->length))) {
        done += a->len;
        sim_space_remove(ioas->space, a);
    }
    u->length = done;
    return 0;
}

static long ioas_copy(SimIommufd *ictx, struct iommu_ioas_copy *c)
{
    const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA |
                           IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
    SimIoas *src, *dst;
    uint64_t pos, dst_iova = c->dst_iova;
    int ret;

    if (c->flags & ~known) {
        return -EOPNOTSUPP;
    }
    if (!(c->flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE))) {
        return -EINVAL;
    }
    if (c->length >= ULONG_MAX || c->src_iova >= ULONG_MAX ||
        c->dst_iova >= ULONG_MAX) {
        return -EOVERFLOW;
    }
    src = (SimIoas *)find(ictx, c->src_ioas_id, OBJ_IOAS);
    dst = (SimIoas *)find(ictx, c->dst_ioas_id, OBJ_IOAS);
    if (!src || !dst) {
        return -ENOENT;
    }
    if (!c->length || c->src_iova + c->length - 1 < c->src_iova) {
        return -EINVAL;
    }
    /* the source range must be mapped without a gap */
    for (pos = c->src_iova; pos < c->src_iova + c->length;) {
        SimArea *a = sim_space_overlap(src->space, pos, 1);
        if (!a) {
            return -ENOENT;
        }
        pos = a->iova + a->len;
    }
    if (c->flags & IOMMU_IOAS_MAP_FIXED_IOVA) {
        ret = check_iova(dst, dst_iova, c->length);
    } else {
        ret = alloc_iova(dst, c->length, &dst_iova);
    }
    if (ret) {
        return ret;
    }
    for (pos = c->src_iova; pos < c->src_iova + c->length;) {
        SimArea *a = sim_space_overlap(src->space, pos, 1);
        uint64_t end = MIN(a->iova + a->len, c->src_iova + c->length);

        ret = sim_space_add(dst->space, dst_iova + (pos - c->src_iova),
                            end - pos, a->pages,
                            a->pages_off + (pos - a->iova),
                            !(c->flags & IOMMU_IOAS_MAP_WRITEABLE));
        if (ret) {
            return ret;
        }
        pos = end;
    }
    c->dst_iova = dst_iova;
    return 0;
}

static long iova_ranges(SimIommufd *ictx, struct iommu_ioas_iova_ranges *r)
{
    SimIoas *ioas = (SimIoas *)find(ictx, r->ioas_id, OBJ_IOAS);
    g_autoptr(GArray) ranges = NULL;
    struct iommu_iova_range *out;
    uint32_t room;

    if (!ioas) {
        return -ENOENT;
    }
    ranges = ioas_ranges(ioas);
    room = r->num_iovas;
    out = (void *)(uintptr_t)r->allowed_iovas;
    if (room && sim_check_user_va(r->allowed_iovas,
                                  room * sizeof(*out), true)) {
        return -EFAULT;
    }
    for (guint i = 0; i < ranges->len && i < room; i++) {
        out[i] = g_array_index(ranges, struct iommu_iova_range, i);
    }
    r->num_iovas = ranges->len;
    r->out_iova_alignment = ioas_alignment(ioas);
    return ranges->len > room ? -EMSGSIZE : 0;
}

static long allow_iovas(SimIommufd *ictx, struct iommu_ioas_allow_iovas *a)
{
    SimIoas *ioas = (SimIoas *)find(ictx, a->ioas_id, OBJ_IOAS);
    struct iommu_iova_range *in = (void *)(uintptr_t)a->allowed_iovas;
    GArray *allowed;

    if (!ioas) {
        return -ENOENT;
    }
    if (a->num_iovas && sim_check_user_va(a->allowed_iovas,
                                          a->num_iovas * sizeof(*in), true)) {
        return -EFAULT;
    }
    allowed = g_array_new(FALSE, TRUE, sizeof(struct iommu_iova_range));
    for (uint32_t i = 0; i < a->num_iovas; i++) {
        if (in[i].start > in[i].last) {
            g_array_free(allowed, TRUE);
            return -EINVAL;
        }
        g_array_append_val(allowed, in[i]);
    }
    if (ioas->allowed) {
        g_array_free(ioas->allowed, TRUE);
    }
    ioas->allowed = a->num_iovas ? allowed : NULL;
    if (!a->num_iovas) {
        g_array_free(allowed, TRUE);
    }
    return 0;
}

static long hw_info(SimIommufd *ictx, struct iommu_hw_info *h)
{
    SimDevObj *d = (SimDevObj *)find(ictx, h->dev_id, OBJ_DEVICE);
    struct iommu_hw_info_vtd vtd = {
        .cap_reg = 0x00d2008c22260206ULL,   /* QEMU's intel-iommu, 48-bit */
        .ecap_reg = 0x0000000000f00f5eULL,
    };
    uint32_t len;

    if (!d) {
        return -ENOENT;
    }
    if (h->flags) {
        return -EOPNOTSUPP;
    }
    len = MIN(h->data_len, sizeof(vtd));
    if (h->data_len && sim_check_user_va(h->data_uptr, h->data_len, true)) {
        return -EFAULT;
    }
    if (len && h->data_uptr) {
        memcpy((void *)(uintptr_t)h->data_uptr, &vtd, len);
        if (h->data_len > len) {
            memset((uint8_t *)(uintptr_t)h->data_uptr + len, 0,
                   h->data_len - len);
        }
    }
    h->data_len = sizeof(vtd);
    h->out_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
    h->out_capabilities = sim_cfg->iommu.dirty_tracking ?
                          IOMMU_HW_CAP_DIRTY_TRACKING : 0;
    if (sim_cfg->kernel->hw_cap_ats_not_supported) {
        /* no simulated device has an ATS capability */
        h->out_capabilities |= SIM_HW_CAP_PCI_ATS_NOT_SUPPORTED;
    }
    h->out_max_pasid_log2 = 0;
    return 0;
}

/* With incompatible-domain set, an IOAS holds one device's domains only */
static bool domain_incompatible(SimIommufd *ictx, SimIoas *ioas,
                                SimDevice *dev)
{
    GHashTableIter it;
    gpointer value;

    if (!sim_cfg->iommu.incompatible_domain) {
        return false;
    }
    g_hash_table_iter_init(&it, ictx->objs);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SimHwpt *h = value;
        if (h->obj.type == OBJ_HWPT && h->ioas == ioas && h->owner != dev) {
            return true;
        }
    }
    return false;
}

static long hwpt_new(SimIommufd *ictx, SimIoas *ioas, SimDevice *dev,
                     bool automatic, bool dirty, SimHwpt **out)
{
    SimHwpt *h;
    int ret;

    if (domain_incompatible(ictx, ioas, dev)) {
        sim_log_event("domain for %s incompatible with IOAS %u",
                      dev->cfg->bdf, ioas->obj.id);
        return -EINVAL;
    }
    if (!ioas->space->has_domain) {
        /* the new domain needs every mapped page: GUP faults show here */
        ret = sim_space_set_domain(ioas->space, true);
        if (ret) {
            return ret;
        }
    }
    /* a new domain is filled from every area, whoever pinned the pages */
    sim_space_count_domain(ioas->space, true);
    h = g_new0(SimHwpt, 1);
    h->obj.type = OBJ_HWPT;
    h->ioas = ioas;
    h->automatic = automatic;
    h->owner = dev;
    h->dirty_tracking = dirty;
    ioas->hwpts++;
    alloc_id(ictx, &h->obj);
    sim_live_hwpt++;
    *out = h;
    return 0;
}

static long hwpt_alloc(SimIommufd *ictx, struct iommu_hwpt_alloc *a)
{
    const uint32_t known = IOMMU_HWPT_ALLOC_NEST_PARENT |
                           IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
    SimDevObj *d;
    SimIoas *ioas;
    SimHwpt *h;
    long ret;

    if (a->flags & ~known || a->__reserved) {
        return -EOPNOTSUPP;
    }
    d = (SimDevObj *)find(ictx, a->dev_id, OBJ_DEVICE);
    if (!d) {
        return -ENOENT;
    }
    if (a->data_type != IOMMU_HWPT_DATA_NONE) {
        return find(ictx, a->pt_id, OBJ_HWPT) ? -EOPNOTSUPP : -EINVAL;
    }
    ioas = (SimIoas *)find(ictx, a->pt_id, OBJ_IOAS);
    if (!ioas) {
        return find(ictx, a->pt_id, OBJ_HWPT) ? -EINVAL : -ENOENT;
    }
    if ((a->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
        !sim_cfg->iommu.dirty_tracking) {
        return -EOPNOTSUPP;
    }
    ret = hwpt_new(ictx, ioas, d->dev, false,
                   a->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &h);
    if (ret) {
        return ret;
    }
    a->out_hwpt_id = h->obj.id;
    return 0;
}

static long destroy(SimIommufd *ictx, uint32_t id)
{
    SimObj *o = g_hash_table_lookup(ictx->objs, GUINT_TO_POINTER(id));

    if (!o) {
        return -ENOENT;
    }
    switch (o->type) {
    case OBJ_IOAS:
        if (((SimIoas *)o)->hwpts) {
            return -EBUSY;
        }
        ioas_free(ictx, (SimIoas *)o);
        return 0;
    case OBJ_HWPT:
        if (((SimHwpt *)o)->users) {
            return -EBUSY;
        }
        hwpt_free(ictx, (SimHwpt *)o);
        return 0;
    default:
        return -EBUSY;          /* the VFIO device holds its object */
    }
}

static long option(SimIommufd *ictx, struct iommu_option *o)
{
    if (o->__reserved) {
        return -EOPNOTSUPP;
    }
    if (o->op != IOMMU_OPTION_OP_SET && o->op != IOMMU_OPTION_OP_GET) {
        return -EOPNOTSUPP;
    }
    switch (o->option_id) {
    case IOMMU_OPTION_RLIMIT_MODE:
        if (o->object_id) {
            return -EOPNOTSUPP;
        }
        if (o->op == IOMMU_OPTION_OP_GET) {
            o->val64 = 0;
        }
        return o->op == IOMMU_OPTION_OP_SET && o->val64 > 1 ? -EINVAL : 0;
    case IOMMU_OPTION_HUGE_PAGES:
        if (!find(ictx, o->object_id, OBJ_IOAS)) {
            return -ENOENT;
        }
        if (o->op == IOMMU_OPTION_OP_GET) {
            o->val64 = 1;
        }
        return o->op == IOMMU_OPTION_OP_SET && o->val64 > 1 ? -EINVAL : 0;
    default:
        return -EOPNOTSUPP;
    }
}

/* The command struct's minimum size, as iommufd's ioctl table has it */
static size_t min_size(unsigned long req)
{
    switch (req) {
    case IOMMU_DESTROY: return offsetofend(struct iommu_destroy, id);
    case IOMMU_IOAS_ALLOC:
        return offsetofend(struct iommu_ioas_alloc, out_ioas_id);
    case IOMMU_IOAS_ALLOW_IOVAS:
        return offsetofend(struct iommu_ioas_allow_iovas, allowed_iovas);
    case IOMMU_IOAS_COPY: return offsetofend(struct iommu_ioas_copy, src_iova);
    case IOMMU_IOAS_IOVA_RANGES:
        return offsetofend(struct iommu_ioas_iova_ranges, out_iova_alignment);
    case IOMMU_IOAS_MAP: return offsetofend(struct iommu_ioas_map, iova);
#ifdef CONFIG_VFIO_DMABUF
    case IOMMU_IOAS_MAP_FILE:
        return offsetofend(struct iommu_ioas_map_file, iova);
#endif
    case IOMMU_IOAS_UNMAP: return offsetofend(struct iommu_ioas_unmap, length);
    case IOMMU_OPTION: return offsetofend(struct iommu_option, val64);
    case IOMMU_HWPT_ALLOC:
        return offsetofend(struct iommu_hwpt_alloc, __reserved);
    case IOMMU_GET_HW_INFO:
        return offsetofend(struct iommu_hw_info, out_data_type);
    case IOMMU_HWPT_SET_DIRTY_TRACKING:
        return offsetofend(struct iommu_hwpt_set_dirty_tracking, __reserved);
    case IOMMU_HWPT_GET_DIRTY_BITMAP:
        return offsetofend(struct iommu_hwpt_get_dirty_bitmap, data);
    default:
        return 0;
    }
}

long sim_iommufd_ioctl(SimIommufd *ictx, unsigned long req, void *arg)
{
    size_t need = min_size(req);
    uint32_t size;

    if (!need) {
        return -ENOTTY;
    }
    if (!sim_user_struct_ok(arg) ||
        sim_check_user_va((uintptr_t)arg, need, true)) {
        return -EFAULT;
    }
    size = *(uint32_t *)arg;
    if (size < need) {
        return -EINVAL;
    }
    switch (req) {
    case IOMMU_DESTROY:
        return destroy(ictx, ((struct iommu_destroy *)arg)->id);
    case IOMMU_IOAS_ALLOC: {
        struct iommu_ioas_alloc *a = arg;
        SimIoas *ioas;

        if (a->flags) {
            return -EOPNOTSUPP;
        }
        ioas = g_new0(SimIoas, 1);
        ioas->obj.type = OBJ_IOAS;
        a->out_ioas_id = alloc_id(ictx, &ioas->obj);
        ioas->space = sim_space_new(SIM_SPACE_IOAS, a->out_ioas_id);
        sim_live_ioas++;
        return 0;
    }
    case IOMMU_IOAS_ALLOW_IOVAS:
        return allow_iovas(ictx, arg);
    case IOMMU_IOAS_COPY:
        return ioas_copy(ictx, arg);
    case IOMMU_IOAS_IOVA_RANGES:
        return iova_ranges(ictx, arg);
    case IOMMU_IOAS_MAP:
        return ioas_map(ictx, arg);
#ifdef CONFIG_VFIO_DMABUF
    case IOMMU_IOAS_MAP_FILE:
        return ioas_map_file(ictx, arg);
#endif
    case IOMMU_IOAS_UNMAP:
        return ioas_unmap(ictx, arg);
    case IOMMU_OPTION:
        return option(ictx, arg);
    case IOMMU_HWPT_ALLOC:
        return hwpt_alloc(ictx, arg);
    case IOMMU_GET_HW_INFO:
        return hw_info(ictx, arg);
    case IOMMU_HWPT_SET_DIRTY_TRACKING: {
        struct iommu_hwpt_set_dirty_tracking *t = arg;
        SimHwpt *h = (SimHwpt *)find(ictx, t->hwpt_id, OBJ_HWPT);
        if (!h) {
            return -ENOENT;
        }
        if (t->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) {
            return -EOPNOTSUPP;
        }
        return h->dirty_tracking ? 0 : -EINVAL;
    }
    case IOMMU_HWPT_GET_DIRTY_BITMAP: {
        struct iommu_hwpt_get_dirty_bitmap *b = arg;
        SimHwpt *h = (SimHwpt *)find(ictx, b->hwpt_id, OBJ_HWPT);
        uint64_t bits;
        if (!h) {
            return -ENOENT;
        }
        if (!h->dirty_tracking || !b->page_size ||
            b->page_size & (b->page_size - 1)) {
            return -EINVAL;
        }
        /* nothing is reported dirty: the simulated DMA is not tracked */
        bits = DIV_ROUND_UP(b->length / b->page_size, 8);
        if (bits && sim_check_user_va(b->data, bits, true)) {
            return -EFAULT;
        }
        memset((void *)(uintptr_t)b->data, 0, bits);
        return 0;
    }
    default:
        return -ENOTTY;
    }
}

/* ---- the device side ---- */

SimIommufd *sim_iommufd_of_fd(int fd)
{
    SimFile *f = sim_file_lookup(fd);

    return f && f->kind == SIM_FILE_IOMMUFD ? f->ictx : NULL;
}

long sim_iommufd_bind(SimIommufd *ictx, SimDevice *d, uint32_t *out_id)
{
    SimDevObj *o = g_new0(SimDevObj, 1);

    o->obj.type = OBJ_DEVICE;
    o->dev = d;
    *out_id = alloc_id(ictx, &o->obj);
    d->ictx = ictx;
    d->dev_id = *out_id;
    ictx->bound++;
    return 0;
}

static void hwpt_drop_user(SimIommufd *ictx, SimHwpt *h)
{
    if (--h->users == 0 && h->automatic) {
        hwpt_free(ictx, h);
    }
}

long sim_iommufd_attach(SimDevice *d, uint32_t *pt_id)
{
    SimIommufd *ictx = d->ictx;
    SimObj *o = g_hash_table_lookup(ictx->objs, GUINT_TO_POINTER(*pt_id));
    SimHwpt *h = NULL;
    long ret;

    if (!o || o->type == OBJ_DEVICE) {
        return -ENOENT;
    }
    if (o->type == OBJ_HWPT) {
        h = (SimHwpt *)o;
        if (sim_cfg->iommu.incompatible_domain && h->owner != d) {
            return -EINVAL;
        }
    } else {
        SimIoas *ioas = (SimIoas *)o;
        GHashTableIter it;
        gpointer value;

        /* reuse an automatic domain of this IOAS, as the kernel tries to */
        g_hash_table_iter_init(&it, ictx->objs);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            SimHwpt *x = value;
            if (x->obj.type == OBJ_HWPT && x->automatic && x->ioas == ioas &&
                (!sim_cfg->iommu.incompatible_domain || x->owner == d)) {
                h = x;
                break;
            }
        }
        if (h == d->hwpt && h) {
            *pt_id = h->obj.id;
            return 0;
        }
        if (!h) {
            ret = hwpt_new(ictx, ioas, d, true, false, &h);
            if (ret) {
                return ret;
            }
        }
    }
    if (d->hwpt != h) {
        h->users++;
        if (d->hwpt) {
            hwpt_drop_user(ictx, d->hwpt);   /* a replace */
        }
        d->hwpt = h;
    }
    *pt_id = h->obj.id;
    return 0;
}

long sim_iommufd_detach(SimDevice *d)
{
    if (!d->hwpt) {
        return -EINVAL;
    }
    hwpt_drop_user(d->ictx, d->hwpt);
    d->hwpt = NULL;
    return 0;
}

static void iommufd_free(SimIommufd *ictx)
{
    GHashTableIter it;
    gpointer value;
    bool again = true;

    /* HWPTs before the IOAS they hold */
    while (again) {
        again = false;
        g_hash_table_iter_init(&it, ictx->objs);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            SimObj *o = value;
            if (o->type == OBJ_HWPT) {
                hwpt_free(ictx, (SimHwpt *)o);
                again = true;
                break;
            }
        }
    }
    g_hash_table_iter_init(&it, ictx->objs);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SimObj *o = value;
        g_hash_table_iter_steal(&it);
        if (o->type == OBJ_IOAS) {
            o->id = 0;
            sim_space_free(((SimIoas *)o)->space);
            if (((SimIoas *)o)->allowed) {
                g_array_free(((SimIoas *)o)->allowed, TRUE);
            }
            sim_live_ioas--;
        }
        g_free(o);
    }
    g_hash_table_destroy(ictx->objs);
    g_free(ictx);
}

void sim_iommufd_unbind(SimDevice *d)
{
    SimIommufd *ictx = d->ictx;
    SimObj *o;

    if (!ictx) {
        return;
    }
    if (d->hwpt) {
        sim_iommufd_detach(d);
    }
    o = g_hash_table_lookup(ictx->objs, GUINT_TO_POINTER(d->dev_id));
    g_hash_table_remove(ictx->objs, GUINT_TO_POINTER(d->dev_id));
    g_free(o);
    d->ictx = NULL;
    d->dev_id = 0;
    if (--ictx->bound == 0 && !ictx->file_open) {
        iommufd_free(ictx);
    }
}

void sim_iommufd_release(SimIommufd *ictx)
{
    ictx->file_open = false;
    if (!ictx->bound) {
        iommufd_free(ictx);
    }
}
