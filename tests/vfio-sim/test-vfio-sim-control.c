/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim tests of the control socket (VFIO_SIM_CONTROL) and the
 * modelled kernel cost.  Each case runs this program again as a child
 * (LD_PRELOAD comes from meson and is inherited) with the socket, a
 * configuration that turns the model on and a log; the child blocks every
 * signal in every thread, drives the uAPI and asks its own library over
 * the socket, as a benchmark asks a running QEMU.
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#define IOCTL_NS    1000
#define PIN_NS      10
#define MAP_NS      3           /* a page entering a domain */
#define PAGE        0x1000ULL
#define BDF         "0000:00:10.0"

static const char *self;

/* ---- the child: a client of its own library ---- */

static int ctl_connect(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sa.sun_path, g_getenv("VFIO_SIM_CONTROL"), sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static JsonObject *ask_on(int fd, const char *line, JsonParser *parser)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    g_autofree char *req = g_strdup_printf("%s\n", line);
    char buf[4096];
    ssize_t n;

    g_assert_cmpint(write(fd, req, strlen(req)), ==, strlen(req));
    /* one request at a time: the reply is all there is to read */
    while (!reply->len || reply->str[reply->len - 1] != '\n') {
        n = read(fd, buf, sizeof(buf));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(reply, buf, n);
    }
    g_assert_true(json_parser_load_from_data(parser, reply->str, -1, NULL));
    return json_node_get_object(json_parser_get_root(parser));
}

static JsonObject *ask(const char *line, JsonParser *parser)
{
    static int ctl = -1;

    if (ctl < 0) {
        ctl = ctl_connect();
    }
    return ask_on(ctl, line, parser);
}

static void *idle_thread(void *opaque)
{
    pause();
    return NULL;
}

/* As QEMU 10 does for SIGUSR1, and more: nothing is ever delivered */
static void block_all_signals(void)
{
    sigset_t all;
    pthread_t tid;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_create(&tid, NULL, idle_thread, NULL);   /* inherits the mask */
}

/* Is every catchable signal blocked in the library's control thread? */
static void check_control_thread_mask(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
    const char *tid;
    bool found = false;

    while ((tid = g_dir_read_name(dir))) {
        g_autofree char *comm_path = g_strdup_printf("/proc/self/task/%s/comm",
                                                     tid);
        g_autofree char *status_path =
            g_strdup_printf("/proc/self/task/%s/status", tid);
        g_autofree char *comm = NULL;
        g_autofree char *status = NULL;
        const char *blk;
        uint64_t mask;

        if (!g_file_get_contents(comm_path, &comm, NULL, NULL) ||
            strcmp(g_strstrip(comm), "vfio-sim-ctl")) {
            continue;
        }
        g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
        blk = strstr(status, "SigBlk:");
        g_assert_nonnull(blk);
        mask = g_ascii_strtoull(blk + strlen("SigBlk:"), NULL, 16);
        for (int sig = 1; sig < 32; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) {
                g_assert_true(mask & (1ULL << (sig - 1)));
            }
        }
        found = true;
    }
    g_assert_true(found);
}

static JsonObject *space_of(JsonObject *snap, const char *kind, gint64 id)
{
    JsonArray *spaces = json_object_get_array_member(snap, "spaces");

    for (guint i = 0; i < json_array_get_length(spaces); i++) {
        JsonObject *s = json_array_get_object_element(spaces, i);
        if (!strcmp(json_object_get_string_member(s, "kind"), kind) &&
            json_object_get_int_member(s, "id") == id) {
            return s;
        }
    }
    return NULL;
}

typedef struct Mapping {
    uint64_t iova, size;
    void *vaddr;
    bool readonly;
} Mapping;

static void check_mappings(JsonObject *snap, const char *kind, gint64 id,
                           const Mapping *want, guint n)
{
    JsonObject *space = space_of(snap, kind, id);
    JsonArray *maps;

    g_assert_nonnull(space);
    maps = json_object_get_array_member(space, "mappings");
    g_assert_cmpuint(json_array_get_length(maps), ==, n);
    for (guint i = 0; i < n; i++) {
        JsonObject *m = json_array_get_object_element(maps, i);
        g_assert_cmphex(json_object_get_int_member(m, "iova"), ==,
                        want[i].iova);
        g_assert_cmphex(json_object_get_int_member(m, "size"), ==,
                        want[i].size);
        g_assert_cmphex(json_object_get_int_member(m, "vaddr"), ==,
                        (uintptr_t)want[i].vaddr);
        g_assert_cmpint(json_object_get_boolean_member(m, "readonly"), ==,
                        want[i].readonly);
    }
}

static gint64 ioctl_member(JsonObject *snap, const char *name,
                           const char *member)
{
    JsonObject *ioctls = json_object_get_object_member(snap, "ioctls");

    g_assert_true(json_object_has_member(ioctls, name));
    return json_object_get_int_member(
        json_object_get_object_member(ioctls, name), member);
}

static gint64 model_member(JsonObject *snap, const char *member)
{
    return json_object_get_int_member(
        json_object_get_object_member(snap, "model"), member);
}

/*
 * kernel_ns is ioctl-ns for every call, pin-ns for every pinned page and
 * map-ns for every page put into a domain
 */
static void check_model_total(JsonObject *snap)
{
    JsonObject *ioctls = json_object_get_object_member(snap, "ioctls");
    g_autoptr(GList) names = json_object_get_members(ioctls);
    gint64 calls = 0, sum = 0;

    for (GList *l = names; l; l = l->next) {
        JsonObject *c = json_object_get_object_member(ioctls, l->data);
        calls += json_object_get_int_member(c, "calls");
        sum += json_object_get_int_member(c, "model_ns");
    }
    g_assert_cmpint(model_member(snap, "kernel_ns"), ==, sum);
    g_assert_cmpint(model_member(snap, "kernel_ns"), ==,
                    calls * IOCTL_NS +
                    model_member(snap, "pinned_pages") * PIN_NS +
                    model_member(snap, "domain_pages") * MAP_NS);
}

typedef struct Event {
    const char *op;
    const char *kind;
    gint64 space;
    uint64_t iova, size;
    void *vaddr;                /* NULL: null */
    int result;
} Event;

static void check_events(JsonObject *reply, gint64 from, const Event *want,
                         guint n)
{
    JsonArray *events = json_object_get_array_member(reply, "events");

    g_assert_false(json_object_get_boolean_member(reply, "truncated"));
    g_assert_cmpuint(json_array_get_length(events), ==, n);
    for (guint i = 0; i < n; i++) {
        JsonObject *e = json_array_get_object_element(events, i);
        JsonObject *space = json_object_get_object_member(e, "space");

        g_assert_cmpint(json_object_get_int_member(e, "seq"), ==, from + i);
        g_assert_cmpstr(json_object_get_string_member(e, "op"), ==,
                        want[i].op);
        g_assert_cmpstr(json_object_get_string_member(space, "kind"), ==,
                        want[i].kind);
        g_assert_cmpint(json_object_get_int_member(space, "id"), ==,
                        want[i].space);
        g_assert_cmphex(json_object_get_int_member(e, "iova"), ==,
                        want[i].iova);
        g_assert_cmphex(json_object_get_int_member(e, "size"), ==,
                        want[i].size);
        if (want[i].vaddr) {
            g_assert_cmphex(json_object_get_int_member(e, "vaddr"), ==,
                            (uintptr_t)want[i].vaddr);
        } else {
            g_assert_true(json_object_get_null_member(e, "vaddr"));
        }
        g_assert_cmpint(json_object_get_int_member(e, "result"), ==,
                        want[i].result);
    }
}

static int map_dma(int container, void *va, uint64_t iova, uint64_t size,
                   bool readonly)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m),
        .flags = VFIO_DMA_MAP_FLAG_READ |
                 (readonly ? 0 : VFIO_DMA_MAP_FLAG_WRITE),
        .vaddr = (uintptr_t)va, .iova = iova, .size = size,
    };
    return ioctl(container, VFIO_IOMMU_MAP_DMA, &m) < 0 ? -errno : 0;
}

static void child_legacy(void)
{
    g_autoptr(JsonParser) p0 = json_parser_new();
    g_autoptr(JsonParser) p1 = json_parser_new();
    g_autoptr(JsonParser) p2 = json_parser_new();
    g_autoptr(JsonParser) p3 = json_parser_new();
    g_autoptr(JsonParser) p4 = json_parser_new();
    g_autoptr(JsonParser) p5 = json_parser_new();
    uint8_t *buf = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap), .iova = 0x100000, .size = 16 * PAGE,
    };
    int container, group;
    JsonObject *snap;
    gint64 id;

    block_all_signals();
    check_control_thread_mask();
    snap = ask("snapshot", p0);
    g_assert_cmpint(json_object_get_int_member(snap, "seq"), ==, 0);
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(snap, "spaces")), ==, 0);
    g_assert_cmpint(model_member(snap, "kernel_ns"), ==, 0);

    container = open("/dev/vfio/vfio", O_RDWR);
    group = open("/dev/vfio/3", O_RDWR);
    g_assert_cmpint(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container), ==, 0);
    g_assert_cmpint(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ==,
                    0);
    g_assert_cmpint(map_dma(container, buf, 0x100000, 16 * PAGE, false), ==,
                    0);
    g_assert_cmpint(map_dma(container, buf + 16 * PAGE, 0x200000, 4 * PAGE,
                            true), ==, 0);
    snap = ask("snapshot", p1);
    id = json_object_get_int_member(
        json_array_get_object_element(
            json_object_get_array_member(snap, "spaces"), 0), "id");
    {
        const Mapping want[] = {
            { 0x100000, 16 * PAGE, buf, false },
            { 0x200000, 4 * PAGE, buf + 16 * PAGE, true },
        };
        check_mappings(snap, "container", id, want, 2);
    }
    /* MAP_DMA pins its pages and maps them into the container's domain */
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 20);
    g_assert_cmpint(model_member(snap, "domain_pages"), ==, 20);
    g_assert_cmpint(ioctl_member(snap, "VFIO_IOMMU_MAP_DMA", "model_ns"), ==,
                    2 * IOCTL_NS + 20 * (PIN_NS + MAP_NS));
    g_assert_cmpint(ioctl_member(snap, "VFIO_SET_IOMMU", "model_ns"), ==,
                    IOCTL_NS);
    check_model_total(snap);

    /* unmapping pins nothing; a failed map is an event too */
    g_assert_cmpint(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap), ==, 0);
    g_assert_cmpint(map_dma(container, buf, 0x200000, PAGE, false), ==,
                    -EEXIST);
    /* mapping the same memory again pins it again */
    g_assert_cmpint(map_dma(container, buf, 0x100000, 16 * PAGE, false), ==,
                    0);
    snap = ask("snapshot", p2);
    g_assert_cmpint(json_object_get_int_member(snap, "seq"), ==, 5);
    g_assert_cmpint(ioctl_member(snap, "VFIO_IOMMU_UNMAP_DMA", "model_ns"),
                    ==, IOCTL_NS);
    g_assert_cmpint(ioctl_member(snap, "VFIO_IOMMU_MAP_DMA", "errors"), ==,
                    1);
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 36);
    g_assert_cmpint(ioctl_member(snap, "VFIO_IOMMU_MAP_DMA", "model_ns"), ==,
                    4 * IOCTL_NS + 36 * (PIN_NS + MAP_NS));
    check_model_total(snap);
    {
        const Mapping want[] = {
            { 0x100000, 16 * PAGE, buf, false },
            { 0x200000, 4 * PAGE, buf + 16 * PAGE, true },
        };
        check_mappings(snap, "container", id, want, 2);
    }
    {
        const Event want[] = {
            { "map", "container", id, 0x100000, 16 * PAGE, buf, 0 },
            { "map", "container", id, 0x200000, 4 * PAGE, buf + 16 * PAGE,
              0 },
            /* a successful unmap reports the bytes it unmapped */
            { "unmap", "container", id, 0x100000, 16 * PAGE, NULL, 0 },
            { "map", "container", id, 0x200000, PAGE, buf, -EEXIST },
            { "map", "container", id, 0x100000, 16 * PAGE, buf, 0 },
        };
        check_events(ask("events 0", p3), 0, want, 5);
        check_events(ask("events 3", p4), 3, want + 3, 2);
    }
    g_assert_cmpstr(json_object_get_string_member(ask("bogus 1", p5),
                                                  "error"), ==,
                    "unknown request 'bogus 1'");
    close(group);
    close(container);
}

static void child_iommufd(void)
{
    g_autoptr(JsonParser) p1 = json_parser_new();
    g_autoptr(JsonParser) p2 = json_parser_new();
    g_autoptr(JsonParser) p3 = json_parser_new();
    g_autoptr(JsonParser) p4 = json_parser_new();
    g_autoptr(JsonParser) p5 = json_parser_new();
    uint8_t *buf = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .user_va = (uintptr_t)buf, .length = 8 * PAGE, .iova = 0x100000,
    };
    struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
    struct iommu_ioas_copy copy = {
        .size = sizeof(copy),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
        .length = 8 * PAGE, .src_iova = 0x100000, .dst_iova = 0x300000,
    };
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap), .iova = 0x100000, .length = 8 * PAGE,
    };
    int fd, dev;
    uint32_t ioas1, ioas2;
    JsonObject *snap;

    block_all_signals();
    fd = open("/dev/iommu", O_RDWR);
    dev = open("/dev/vfio/devices/vfio0", O_RDWR);
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    ioas1 = alloc.out_ioas_id;
    map.ioas_id = ioas1;
    /* no domain yet: nothing is pinned */
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
    bind.iommufd = fd;
    g_assert_cmpint(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), ==, 0);
    snap = ask("snapshot", p1);
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 0);
    {
        const Mapping want[] = { { 0x100000, 8 * PAGE, buf, false } };
        check_mappings(snap, "ioas", ioas1, want, 1);
    }
    /* the attach gives the IOAS a domain: its areas are pinned now */
    at.pt_id = ioas1;
    g_assert_cmpint(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), ==, 0);
    /* with the domain, a map pins at once */
    map.user_va = (uintptr_t)(buf + 8 * PAGE);
    map.length = 4 * PAGE;
    map.iova = 0x200000;
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
    /* a second IOAS with a domain of its own, filled by copy */
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    ioas2 = alloc.out_ioas_id;
    hwpt.dev_id = bind.out_devid;
    hwpt.pt_id = ioas2;
    g_assert_cmpint(ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt), ==, 0);
    copy.src_ioas_id = ioas1;
    copy.dst_ioas_id = ioas2;
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_COPY, &copy), ==, 0);
    snap = ask("snapshot", p2);
    /* the attach pins the earlier area and fills the new domain with it */
    g_assert_cmpint(ioctl_member(snap, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
                                 "model_ns"), ==,
                    IOCTL_NS + 8 * (PIN_NS + MAP_NS));
    g_assert_cmpint(ioctl_member(snap, "IOMMU_IOAS_MAP", "model_ns"), ==,
                    2 * IOCTL_NS + 4 * (PIN_NS + MAP_NS));
    /* the second IOAS was empty: its new domain gets nothing */
    g_assert_cmpint(ioctl_member(snap, "IOMMU_HWPT_ALLOC", "model_ns"), ==,
                    IOCTL_NS);
    /*
     * the copy shares the pinned pages but still fills the destination's
     * domain page by page: map-ns for each, no pin-ns
     */
    g_assert_cmpint(ioctl_member(snap, "IOMMU_IOAS_COPY", "model_ns"), ==,
                    IOCTL_NS + 8 * MAP_NS);
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 12);
    g_assert_cmpint(model_member(snap, "domain_pages"), ==, 20);
    check_model_total(snap);
    {
        const Mapping want1[] = {
            { 0x100000, 8 * PAGE, buf, false },
            { 0x200000, 4 * PAGE, buf + 8 * PAGE, false },
        };
        const Mapping want2[] = { { 0x300000, 8 * PAGE, buf, true } };
        check_mappings(snap, "ioas", ioas1, want1, 2);
        check_mappings(snap, "ioas", ioas2, want2, 1);
    }

    /* re-mapping what was unmapped pins it again, unlike the copy */
    unmap.ioas_id = ioas1;
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ==, 0);
    map.user_va = (uintptr_t)buf;
    map.length = 8 * PAGE;
    map.iova = 0x100000;
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
    snap = ask("snapshot", p3);
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 20);
    g_assert_cmpint(ioctl_member(snap, "IOMMU_IOAS_MAP", "model_ns"), ==,
                    3 * IOCTL_NS + 12 * (PIN_NS + MAP_NS));
    check_model_total(snap);
    {
        const Event want[] = {
            { "map", "ioas", ioas1, 0x100000, 8 * PAGE, buf, 0 },
            { "map", "ioas", ioas1, 0x200000, 4 * PAGE, buf + 8 * PAGE, 0 },
            { "copy", "ioas", ioas2, 0x300000, 8 * PAGE, NULL, 0 },
            { "unmap", "ioas", ioas1, 0x100000, 8 * PAGE, NULL, 0 },
            { "map", "ioas", ioas1, 0x100000, 8 * PAGE, buf, 0 },
        };
        check_events(ask("events 0", p4), 0, want, 5);
    }

    /*
     * A second domain in the first IOAS is filled from its 12 pages,
     * already pinned by the first: map-ns each, nothing pinned.  Then a
     * map into the IOAS enters both domains.
     */
    hwpt.pt_id = ioas1;
    g_assert_cmpint(ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt), ==, 0);
    map.user_va = (uintptr_t)(buf + 12 * PAGE);
    map.length = 2 * PAGE;
    map.iova = 0x400000;
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
    snap = ask("snapshot", p5);
    g_assert_cmpint(ioctl_member(snap, "IOMMU_HWPT_ALLOC", "model_ns"), ==,
                    2 * IOCTL_NS + 12 * MAP_NS);
    g_assert_cmpint(ioctl_member(snap, "IOMMU_IOAS_MAP", "model_ns"), ==,
                    4 * IOCTL_NS + 12 * (PIN_NS + MAP_NS) +
                    2 * (PIN_NS + 2 * MAP_NS));
    g_assert_cmpint(model_member(snap, "pinned_pages"), ==, 22);
    g_assert_cmpint(model_member(snap, "domain_pages"), ==, 28 + 12 + 4);
    check_model_total(snap);
    close(dev);
    close(fd);
}

#define STRESS_ROUNDS   2000

static void *hammer(void *opaque)
{
    int fd = ctl_connect();
    uint64_t last = 0;

    for (int i = 0; i < 300; i++) {
        g_autoptr(JsonParser) p1 = json_parser_new();
        g_autoptr(JsonParser) p2 = json_parser_new();
        g_autofree char *since = g_strdup_printf("events %" PRIu64, last);
        JsonObject *snap = ask_on(fd, since, p1);
        uint64_t seq = json_object_get_int_member(snap, "seq");

        g_assert_cmpuint(seq, >=, last);
        g_assert_cmpuint(json_array_get_length(
            json_object_get_array_member(snap, "events")), >=, seq - last);
        last = seq;
        ask_on(fd, "snapshot", p2);
    }
    close(fd);
    return NULL;
}

/*
 * The program maps and unmaps, and forks, while the socket is asked all
 * the time: nothing deadlocks (meson's timeout would catch it), and a
 * forked child can use the library at once.
 */
static void child_stress(void)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    uint8_t *buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .user_va = (uintptr_t)buf, .length = 4 * PAGE,
    };
    struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
    pthread_t tid;
    int fd;

    block_all_signals();
    fd = open("/dev/iommu", O_RDWR);
    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    map.ioas_id = unmap.ioas_id = alloc.out_ioas_id;
    pthread_create(&tid, NULL, hammer, NULL);
    for (int i = 0; i < STRESS_ROUNDS; i++) {
        g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
        unmap.iova = map.iova;
        unmap.length = map.length;
        g_assert_cmpint(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ==, 0);
        if (i % 200 == 0) {
            pid_t pid = fork();
            int status;

            if (pid == 0) {
                close(open("/dev/iommu", O_RDWR));
                _exit(0);
            }
            g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
            g_assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
        }
    }
    pthread_join(tid, NULL);
    g_assert_cmpint(json_object_get_int_member(ask("snapshot", parser),
                                               "seq"), ==, 2 * STRESS_ROUNDS);
    close(fd);
}

/* run with VFIO_SIM_HISTORY=10 */
static void child_truncated(void)
{
    g_autoptr(JsonParser) p1 = json_parser_new();
    g_autoptr(JsonParser) p2 = json_parser_new();
    uint8_t *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
        .user_va = (uintptr_t)buf, .length = PAGE,
    };
    JsonObject *reply;
    JsonArray *events;
    int fd = open("/dev/iommu", O_RDWR);

    g_assert_cmpint(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), ==, 0);
    map.ioas_id = alloc.out_ioas_id;
    for (int i = 0; i < 25; i++) {
        map.iova = i * PAGE;
        g_assert_cmpint(ioctl(fd, IOMMU_IOAS_MAP, &map), ==, 0);
    }
    /* events 0..14 are gone: the reply says so and starts at 15 */
    reply = ask("events 3", p1);
    g_assert_true(json_object_get_boolean_member(reply, "truncated"));
    g_assert_cmpint(json_object_get_int_member(reply, "seq"), ==, 25);
    events = json_object_get_array_member(reply, "events");
    g_assert_cmpuint(json_array_get_length(events), ==, 10);
    g_assert_cmpint(json_object_get_int_member(
        json_array_get_object_element(events, 0), "seq"), ==, 15);
    g_assert_cmphex(json_object_get_int_member(
        json_array_get_object_element(events, 9), "iova"), ==, 24 * PAGE);
    reply = ask("events 20", p2);
    g_assert_false(json_object_get_boolean_member(reply, "truncated"));
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(reply, "events")), ==, 5);
    close(fd);
}

static int child(const char *mode)
{
    if (!strcmp(mode, "legacy")) {
        child_legacy();
    } else if (!strcmp(mode, "iommufd")) {
        child_iommufd();
    } else if (!strcmp(mode, "truncated")) {
        child_truncated();
    } else if (!strcmp(mode, "stress")) {
        child_stress();
    } else if (!strcmp(mode, "open")) {
        /* opens a simulated node: takes the control path over */
        g_autoptr(JsonParser) p = json_parser_new();
        close(open("/dev/iommu", O_RDWR));
        g_assert_cmpint(json_object_get_int_member(ask("snapshot", p),
                                                   "seq"), ==, 0);
    }
    /* "idle" uses nothing */
    return 0;
}

/* ---- the parent ---- */

typedef struct Env {
    char *dir;
    char *sock;
    char *config;
    char *log;
} Env;

static void env_init(Env *e)
{
    e->dir = g_dir_make_tmp("vfio-sim-control-XXXXXX", NULL);
    e->sock = g_build_filename(e->dir, "control.sock", NULL);
    e->config = g_build_filename(e->dir, "model.conf", NULL);
    e->log = g_build_filename(e->dir, "log.json", NULL);
    g_assert_true(g_file_set_contents(e->config,
                  "[iommu]\n"
                  "ioctl-ns=" G_STRINGIFY(IOCTL_NS) "\n"
                  "pin-ns-per-page=" G_STRINGIFY(PIN_NS) "\n"
                  "map-ns-per-page=" G_STRINGIFY(MAP_NS) "\n"
                  "[device " BDF "]\n"
                  "group=3\n"
                  "cdev=0\n", -1, NULL));
}

static void env_free(Env *e)
{
    unlink(e->log);
    unlink(e->config);
    unlink(e->sock);
    rmdir(e->dir);
    g_free(e->dir);
    g_free(e->sock);
    g_free(e->config);
    g_free(e->log);
}

static int run_child_env(Env *e, const char *mode, const char *history)
{
    g_auto(GStrv) env = g_get_environ();
    const char *argv[] = { self, "--child", mode, NULL };
    g_autoptr(GError) gerr = NULL;
    g_autofree char *err = NULL;
    int status;

    env = g_environ_setenv(env, "VFIO_SIM_CONTROL", e->sock, TRUE);
    env = g_environ_setenv(env, "VFIO_SIM_CONFIG", e->config, TRUE);
    env = g_environ_setenv(env, "VFIO_SIM_LOG", e->log, TRUE);
    if (history) {
        env = g_environ_setenv(env, "VFIO_SIM_HISTORY", history, TRUE);
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT,
                               NULL, NULL, NULL, &err, &status, &gerr));
    if (err && *err) {
        g_test_message("child %s: %s", mode, err);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_child(Env *e, const char *mode)
{
    return run_child_env(e, mode, NULL);
}

static void test_legacy(void)
{
    Env e;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *log, *map;

    env_init(&e);
    g_assert_cmpint(run_child(&e, "legacy"), ==, 0);
    /* the socket file goes with the process */
    g_assert_false(g_file_test(e.sock, G_FILE_TEST_EXISTS));
    /* the log carries the same cost */
    g_assert_true(json_parser_load_from_file(parser, e.log, NULL));
    log = json_node_get_object(json_parser_get_root(parser));
    map = json_object_get_object_member(
        json_object_get_object_member(log, "ioctls"), "VFIO_IOMMU_MAP_DMA");
    g_assert_cmpint(json_object_get_int_member(map, "model_ns"), ==,
                    4 * IOCTL_NS + 36 * (PIN_NS + MAP_NS));
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(log, "model"), "pinned_pages"), ==, 36);
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(log, "model"), "domain_pages"), ==, 36);
    env_free(&e);
}

static void test_iommufd(void)
{
    Env e;

    env_init(&e);
    g_assert_cmpint(run_child(&e, "iommufd"), ==, 0);
    env_free(&e);
}

static void test_truncated(void)
{
    Env e;

    env_init(&e);
    g_assert_cmpint(run_child_env(&e, "truncated", "10"), ==, 0);
    g_assert_cmpint(run_child_env(&e, "idle", "ten"), ==, 1);
    env_free(&e);
}

static void test_concurrent(void)
{
    Env e;

    env_init(&e);
    g_assert_cmpint(run_child(&e, "stress"), ==, 0);
    env_free(&e);
}

/*
 * A wrapper that inherited LD_PRELOAD (here: this parent's own socket)
 * keeps the path only until the program it runs opens a simulated node;
 * a process that never does leaves it alone.
 */
static void test_takeover(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat before, after;
    Env e;
    int fd;

    env_init(&e);
    g_strlcpy(sa.sun_path, e.sock, sizeof(sa.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 4), ==, 0);
    g_assert_cmpint(stat(e.sock, &before), ==, 0);

    g_assert_cmpint(run_child(&e, "idle"), ==, 0);
    g_assert_cmpint(stat(e.sock, &after), ==, 0);
    g_assert_cmpint(after.st_ino, ==, before.st_ino);

    /* the child answers its own snapshot, then removes its file */
    g_assert_cmpint(run_child(&e, "open"), ==, 0);
    g_assert_false(g_file_test(e.sock, G_FILE_TEST_EXISTS));
    close(fd);
    env_free(&e);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--child")) {
        return child(argv[2]);
    }
    self = argv[0];
    g_test_init(&argc, &argv, NULL);
    if (access("/dev/vfio/devices/vfio0", F_OK)) {
        g_test_skip("not running under libvfio-sim.so");
    }
    g_test_add_func("/vfio-sim/control/legacy", test_legacy);
    g_test_add_func("/vfio-sim/control/iommufd", test_iommufd);
    g_test_add_func("/vfio-sim/control/truncated", test_truncated);
    g_test_add_func("/vfio-sim/control/concurrent", test_concurrent);
    g_test_add_func("/vfio-sim/control/takeover", test_takeover);
    return g_test_run();
}
