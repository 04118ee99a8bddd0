/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: a simulated VFIO/iommufd kernel, loaded with LD_PRELOAD
 *
 * Internal contract between the library's files.  Nothing here is
 * exported from the shared object except the libc entry points in
 * interpose.c.  Every entry point takes sim_lock() before it touches the
 * state below; the lock is recursive because the library's own GLib calls
 * come back through the interposed libc functions.
 *
 * See docs/devel/vfio-sim.rst for the configuration, the rules enforced
 * and where each rule comes from.
 */
#ifndef VFIO_SIM_H
#define VFIO_SIM_H

#include <sys/types.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>

#define offsetofend(type, field) \
    (offsetof(type, field) + sizeof(((type *)0)->field))

#define SIM_PAGE            0x1000ULL
#define SIM_REGION_SHIFT    40
#define SIM_MAX_BARS        6
#define SIM_CONFIG_SIZE     0x100

/* Char device numbers, as the bench guest's kernel gave them. */
#define SIM_MISC_MAJOR      10
#define SIM_VFIO_MINOR      196
#define SIM_IOMMU_MINOR     257
#define SIM_GROUP_MAJOR     253
#define SIM_CDEV_MAJOR      252

typedef struct SimIommuConfig {
    GArray *ranges;             /* struct iommu_iova_range, sorted, allowed */
    uint64_t pgsizes;           /* IOMMU page-size bitmap */
    bool dirty_tracking;
    uint32_t dma_avail;         /* type1 max mappings */
    uint64_t memlock;           /* bytes that may be pinned; 0: no limit */
    bool incompatible_domain;   /* one device's domains per IOAS */
    uint64_t ioctl_ns;          /* modelled cost of any ioctl (model.c) */
    uint64_t pin_ns_per_page;   /* modelled cost of pinning one page */
    uint64_t map_ns_per_page;   /* modelled cost of a page entering a domain */
} SimIommuConfig;

typedef struct SimDeviceConfig {
    char *bdf;
    char *parent;               /* upstream bridge BDF, NULL: root bus */
    uint32_t group;
    uint32_t cdev;              /* N of vfioN */
    uint16_t vendor, device_id;
    uint64_t bar_size[SIM_MAX_BARS];
    bool bar_mmap[SIM_MAX_BARS];
    uint32_t msi, msix;
    bool msi_maskbit;           /* per-vector mask and pending bits */
    bool intx;
    bool flr;
    bool pm;                    /* a power management capability */
    bool pcie;                  /* a PCIe capability (FLR in it with flr) */
} SimDeviceConfig;

/*
 * The kernel whose answers the simulator gives: one of the bench's kernel
 * series (VFIO_SIM_KERNEL, else [kernel] series= in the configuration,
 * else 6.12).  What differs between them is listed here, nowhere else.
 */
typedef struct SimKernel {
    const char *series;         /* "6.12" or "7.3" */
    /*
     * BARs exported as dma-bufs, files mapped into an IOAS
     * (VFIO_DEVICE_FEATURE_DMA_BUF since 6.19, IOMMU_IOAS_MAP_FILE since
     * 6.13); 6.12 answers both with ENOTTY
     */
    bool dma_buf;
    /*
     * IOMMU_GET_HW_INFO sets IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED for a
     * device without ATS (the edu has none); 6.12 has no such flag
     */
    bool hw_cap_ats_not_supported;
} SimKernel;

typedef struct SimConfig {
    const SimKernel *kernel;
    SimIommuConfig iommu;
    GPtrArray *devices;         /* SimDeviceConfig */
} SimConfig;

/*
 * Loads @path (GKeyFile) or, for NULL, the built-in default; @kernel (the
 * VFIO_SIM_KERNEL value), if set, chooses the kernel over the file's.
 */
SimConfig *sim_config_load(const char *path, const char *kernel,
                           Error **errp);

/* ---- DMA address spaces (a type1 container or an IOAS) ---- */

/*
 * User memory, shared by the areas IOAS_COPY made from one map.  It is
 * pinned while at least one area in a space with a domain uses it.
 */
typedef struct SimPages {
    int refs;
    int domain_refs;            /* areas in spaces with a domain */
    uint64_t va;
    uint64_t len;
    bool pinned;
    bool reserved;              /* a BAR mmap: PFNs followed, never pinned */
    /* IOMMU_IOAS_MAP_FILE: @va is the library's own view of the file */
    void *file_view;            /* our mmap of a memfd, unmapped at free */
    uint64_t file_view_len;
    struct SimDmabuf *dmabuf;   /* a BAR slice: @va is the BAR's view */
    bool revoked;               /* the dma-buf was revoked: DMA faults */
} SimPages;

typedef struct SimArea {
    uint64_t iova;
    uint64_t len;
    SimPages *pages;
    uint64_t pages_off;         /* where in @pages this area starts */
    bool readonly;
    bool in_domain;             /* holds one of @pages' domain_refs */
} SimArea;

typedef enum SimSpaceKind {
    SIM_SPACE_CONTAINER,        /* a type1 container */
    SIM_SPACE_IOAS,             /* an iommufd IOAS */
} SimSpaceKind;

typedef struct SimSpace {
    GTree *areas;               /* uint64_t *iova -> SimArea */
    bool has_domain;            /* pages are pinned while true */
    unsigned domains;           /* IOMMU domains its areas fill (model) */
    SimSpaceKind kind;
    uint32_t id;                /* container number or IOAS id */
} SimSpace;

/* A new empty space, listed by sim_spaces_json() until freed. */
SimSpace *sim_space_new(SimSpaceKind kind, uint32_t id);
void sim_space_free(SimSpace *s);
/* The first area overlapping [iova, iova + len), or NULL. */
SimArea *sim_space_overlap(SimSpace *s, uint64_t iova, uint64_t len);
/* Adds an area; pins if the space has a domain.  Returns 0 or -errno. */
int sim_space_add(SimSpace *s, uint64_t iova, uint64_t len, SimPages *pages,
                  uint64_t pages_off, bool readonly);
/* Appends every live space and its areas (sorted by IOVA) as a JSON array */
void sim_spaces_json(GString *out);
void sim_space_remove(SimSpace *s, SimArea *a);
guint sim_space_count(SimSpace *s);
/*
 * A domain appears (pins every area; a failure leaves nothing pinned new)
 * or goes away (unpins what no other domain needs).
 */
int sim_space_set_domain(SimSpace *s, bool on);
/*
 * One more (@on) or one fewer IOMMU domain is filled from @s's areas: the
 * cost model charges every page of every area once more for a new one.
 * Independent of the pinning above: an IOAS with two HWPTs pins once and
 * fills two domains.
 */
void sim_space_count_domain(SimSpace *s, bool on);
/* The process VA for @iova, if @len bytes from it are mapped; else 0. */
uint64_t sim_space_translate(SimSpace *s, uint64_t iova, uint64_t len);
/*
 * Is [iova, iova + len) a mapped dma-buf slice of a BAR?  Then *@peer,
 * *@bar and *@off say where (a revoked one translates to nothing).
 */
struct SimDevice;
bool sim_space_peer(SimSpace *s, uint64_t iova, uint64_t len,
                    struct SimDevice **peer, int *bar, uint64_t *off);
SimPages *sim_pages_new(uint64_t va, uint64_t len);
void sim_pages_unref(SimPages *p);
/* Checks the VA range is mapped memory of the process (EFAULT if not). */
int sim_check_user_va(uint64_t va, uint64_t len, bool allow_bar);
/* Is @arg a readable struct led by its u32 argsz (or size)? */
bool sim_user_struct_ok(const void *arg);

/* ---- devices ---- */

typedef struct SimContainer SimContainer;
typedef struct SimIommufd SimIommufd;
typedef struct SimHwpt SimHwpt;

typedef struct SimGroup {
    uint32_t id;
    GPtrArray *devices;         /* SimDevice, not owned */
    bool open;
    SimContainer *container;
    int device_fds;             /* device fds got through the group */
} SimGroup;

typedef struct SimDmabuf SimDmabuf;

typedef struct SimDevice {
    SimDeviceConfig *cfg;
    SimGroup *group;
    uint8_t config[SIM_CONFIG_SIZE];
    uint32_t bar_raw[SIM_MAX_BARS];
    int bar_memfd[SIM_MAX_BARS];
    uint8_t *bar[SIM_MAX_BARS]; /* the library's own view of each BAR */
    /* interrupts */
    int irq_type;               /* -1 none, else VFIO_PCI_*_IRQ_INDEX */
    int msi_fd[32];
    int intx_fd;
    int intx_unmask_fd;         /* ACTION_UNMASK eventfd (KVM's resample) */
    bool intx_masked;
    bool intx_held;             /* raised while the command register's
                                   INTx-disable bit was set */
    /* who has it open */
    bool cdev_open;
    unsigned opens;             /* device fds, cdev or through the group */
    SimIommufd *ictx;           /* bound iommufd, NULL if not bound */
    uint32_t dev_id;
    SimHwpt *hwpt;              /* attached HWPT (iommufd) */
    GPtrArray *dmabufs;         /* SimDmabuf exported and not revoked for good */
    /* edu state */
    uint32_t edu_irq_status;
    uint32_t edu_status;
    uint64_t dma_src, dma_dst, dma_count, dma_cmd;
    uint8_t edu_buffer[4096];
} SimDevice;

/*
 * The command register's INTx-disable bit changed: a held INTx goes out
 * once it is clear again (device.c).
 */
void sim_device_intx_disable_changed(SimDevice *d);

extern GPtrArray *sim_devices;   /* SimDevice */
extern GPtrArray *sim_groups;    /* SimGroup */
extern SimConfig *sim_cfg;

SimDevice *sim_device_by_bdf(const char *bdf);
SimDevice *sim_device_by_cdev(uint32_t n);
SimGroup *sim_group_by_id(uint32_t id);

/* ---- files ---- */

typedef enum SimFileKind {
    SIM_FILE_CONTAINER,
    SIM_FILE_GROUP,
    SIM_FILE_DEVICE,            /* from GET_DEVICE_FD or a cdev open */
    SIM_FILE_IOMMUFD,
    SIM_FILE_DMABUF,            /* a BAR slice exported as a dma-buf */
} SimFileKind;

typedef struct SimFile {
    SimFileKind kind;
    int fds;                    /* process fds that refer to it */
    ino_t ino;                  /* of the memfd behind it */
    dev_t rdev;                 /* what fstat reports */
    union {
        SimContainer *container;
        SimGroup *group;
        SimDevice *device;
        SimIommufd *ictx;
        SimDmabuf *dmabuf;
    };
    bool cdev;                  /* a device file opened as a cdev */
} SimFile;

/* The SimFile behind @fd, or NULL for any other fd. */
SimFile *sim_file_lookup(int fd);
/* Makes a new fd for a new SimFile of @kind; returns the fd or -errno. */
int sim_file_open(SimFileKind kind, dev_t rdev, const char *name,
                  SimFile **out);

/* Per-kind release when the last fd closes. */
void sim_container_release(SimContainer *c);
void sim_group_release(SimGroup *g);
void sim_device_release(SimFile *f);
void sim_iommufd_release(SimIommufd *ictx);

SimContainer *sim_container_new(void);
SimIommufd *sim_iommufd_new(void);

/* ioctl handlers: return >= 0 or -errno. */
long sim_container_ioctl(SimContainer *c, unsigned long req, void *arg);
long sim_group_ioctl(SimGroup *g, unsigned long req, void *arg);
long sim_device_ioctl(SimFile *f, unsigned long req, void *arg);
long sim_iommufd_ioctl(SimIommufd *ictx, unsigned long req, void *arg);

/* iommufd services the device side needs */
long sim_iommufd_bind(SimIommufd *ictx, SimDevice *d, uint32_t *out_id);
void sim_iommufd_unbind(SimDevice *d);
long sim_iommufd_attach(SimDevice *d, uint32_t *pt_id);
long sim_iommufd_detach(SimDevice *d);
SimIommufd *sim_iommufd_of_fd(int fd);
bool sim_container_is_type1(SimContainer *c);
/* The container's number (from 1, in order of opening) */
uint32_t sim_container_id(SimContainer *c);
SimSpace *sim_container_space(SimContainer *c);
SimSpace *sim_hwpt_space(SimHwpt *h);

/* Region I/O on a device fd: returns bytes or -errno. */
ssize_t sim_device_rw(SimDevice *d, void *buf, size_t len, uint64_t off,
                      bool write);
/* mmap of a device fd region; returns the address or MAP_FAILED/errno. */
void *sim_device_mmap(SimDevice *d, void *addr, size_t len, int prot,
                      int flags, uint64_t off);
bool sim_device_munmap(void *addr, size_t len);
/*
 * Resets the device's registers.  @restore: the PCI core's save and
 * restore around a function or bus reset (VFIO_DEVICE_RESET, hot reset)
 * keeps the config header (command, BARs), so decoding that was on stays
 * on; closing the device does not restore.  Revokes the dma-bufs around
 * it, as vfio-pci does.
 */
void sim_device_reset(SimDevice *d, bool restore);
/*
 * A device fd was opened; the first one enables the device as vfio-pci
 * does (memory decoding on, bus mastering off) before the user reads its
 * config space.
 */
void sim_device_open(SimDevice *d);
/* Memory decoding on (the command register's MEMORY bit, and in D0) */
bool sim_device_decoding(SimDevice *d);
/* In D0 (a device without the PM capability always is) (edu.c) */
bool sim_device_powered(SimDevice *d);
/* Is [va, va+len) inside a BAR mmap?  Then *internal gets our view. */
bool sim_bar_lookup(uint64_t va, uint64_t len, uint8_t **internal);
/* Is [va, va+len) inside a BAR mmap?  Then which device, BAR and offset. */
bool sim_bar_peer(uint64_t va, uint64_t len, SimDevice **peer, int *bar,
                  uint64_t *off);

/* ---- BARs as dma-bufs, files mapped into an IOAS (dmabuf.c) ---- */

/* VFIO_DEVICE_FEATURE on a device: returns >= 0 (a new fd) or -errno */
long sim_device_feature(SimDevice *d, void *arg);
/*
 * The device's memory decoding, reset or closing changed: revoke its
 * dma-bufs (mappings of a revoked one fault for good) or let new
 * mappings of them work again.  @closed: the device file went away.
 */
void sim_dmabuf_sync(SimDevice *d, bool resetting, bool closed);
/*
 * The pages IOMMU_IOAS_MAP_FILE of @fd maps, [start, start + len), with
 * write access if @writeable; NULL with *@err set to -errno if refused.
 */
SimPages *sim_file_pages_new(int fd, uint64_t start, uint64_t len,
                             bool writeable, int *err);
/* Where in which BAR @off bytes into dma-buf pages @p lead */
bool sim_file_pages_peer(SimPages *p, uint64_t off, SimDevice **peer,
                         int *bar, uint64_t *bar_off);
/* The last fd of a dma-buf closed */
void sim_dmabuf_release(SimDmabuf *b);
/* A mapping lets go of its dma-buf / file view (sim_pages_unref) */
void sim_file_pages_free(SimPages *p);

/* ---- the edu model ---- */
void sim_edu_init(SimDevice *d);
uint64_t sim_edu_read(SimDevice *d, uint64_t off, unsigned size);
void sim_edu_write(SimDevice *d, uint64_t off, uint64_t val, unsigned size);
void sim_config_space_init(SimDevice *d);
uint32_t sim_config_read(SimDevice *d, uint32_t off, unsigned size);
void sim_config_write(SimDevice *d, uint32_t off, uint32_t val,
                      unsigned size);
/* Signals the device's current interrupt (MSI vector 0 or INTx). */
void sim_device_raise_irq(SimDevice *d);

/* The trap that makes BAR mmaps act (trap.c) */
void sim_trap_install(void);
void sim_trap_register(void *addr, SimDevice *d, int bar);
void sim_trap_unregister(void *addr);

/* ---- sysfs and /dev paths (sysfs.c) ---- */

typedef enum SimNode {
    SIM_NODE_NONE,
    SIM_NODE_VFIO,              /* /dev/vfio/vfio */
    SIM_NODE_GROUP,             /* /dev/vfio/N */
    SIM_NODE_CDEV,              /* /dev/vfio/devices/vfioN */
    SIM_NODE_IOMMU,             /* /dev/iommu */
} SimNode;

bool sim_sysfs_create(Error **errp);
void sim_sysfs_destroy(void);
/* What /dev node @path names; *@n gets N for groups and cdevs. */
SimNode sim_node_of(const char *path, uint32_t *n);
/* Rewrites a sysfs path of a simulated device into @buf; NULL if not. */
const char *sim_sysfs_map(const char *path, char *buf, size_t size);
/* Reverses sim_sysfs_map() for realpath() results, in place. */
void sim_sysfs_unmap(char *path);
dev_t sim_node_rdev(SimNode node, uint32_t n);

/* ---- observability and fault injection (log.c) ---- */

void sim_log_init(void);
void sim_log_event(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Counts the call; returns an errno to inject, or 0. */
/* ioctl numbers repeat across file kinds (MAP_DMA is HOT_RESET's number) */
int sim_log_ioctl(SimFileKind kind, unsigned long req);
void sim_log_ioctl_result(SimFileKind kind, unsigned long req, long ret);
const char *sim_ioctl_name(SimFileKind kind, unsigned long req);
void sim_log_dump(void);
/* Appends the per-ioctl counters as a JSON object; @sep between members */
void sim_log_ioctls_json(GString *out, const char *sep);
void sim_json_string(GString *out, const char *str);
/* Leak report counters */
extern int sim_live_ioas, sim_live_hwpt, sim_live_fds, sim_live_dmabufs;
extern uint64_t sim_pinned_bytes;
extern bool sim_used;           /* this process opened a simulated node */
extern guint sim_live_areas;
void sim_report_write(void);

/* ---- the modelled kernel cost (model.c): counted, never slept ---- */

/* An ioctl starts: charges ioctl-ns to *@model_ns, which gets later charges */
void sim_model_begin(uint64_t *model_ns);
void sim_model_end(void);
/* [va, va + len) is pinned: charges pin-ns-per-page for each page */
void sim_model_pin(uint64_t va, uint64_t len);
/*
 * [iova, iova + len) enters @domains IOMMU domains: charges
 * map-ns-per-page for each page and domain
 */
void sim_model_map(uint64_t iova, uint64_t len, unsigned domains);
/* Appends {"pinned_pages": n, "domain_pages": n, "kernel_ns": n} */
void sim_model_json(GString *out);

/* ---- the map/unmap/copy history (events.c) ---- */

/* 32 bytes: a million of them is the history's bound */
typedef struct SimMapEvent {
    uint64_t iova, size;
    uint64_t vaddr;             /* maps only */
    uint32_t space_id;
    int16_t result;             /* 0 or -errno */
    uint8_t op;                 /* SIM_EVENT_* */
    uint8_t space_kind;         /* SimSpaceKind */
} SimMapEvent;

enum { SIM_EVENT_MAP, SIM_EVENT_UNMAP, SIM_EVENT_COPY };

/* Reads VFIO_SIM_HISTORY (events kept); exits on a bad value */
void sim_events_init(void);
/* Records the call if it is a map, unmap or copy of a simulated file */
void sim_event_ioctl(SimFile *f, unsigned long req, const void *arg,
                     long ret);
/* How many events were recorded so far */
uint64_t sim_event_seq(void);
/*
 * The kept events with seq >= @from (a copy the caller frees); *@first
 * gets the seq of its first element.  Older ones may have been dropped.
 */
GArray *sim_events_since(uint64_t from, uint64_t *first);
/* Appends one event as a JSON object */
void sim_event_json(GString *out, const SimMapEvent *e, uint64_t seq);

/* ---- the control socket (control.c) ---- */

/* Listens on VFIO_SIM_CONTROL if set; exits on an unusable path */
void sim_control_init(void);
/* The process starts using the simulation: take over the path if needed */
void sim_control_claim(void);
/* Removes the socket file if this process made it */
void sim_control_exit(void);

void sim_lock(void);
void sim_unlock(void);
bool sim_active(void);

/* The real libc functions. */
typedef struct SimLibc {
    int (*open)(const char *, int, ...);
    int (*openat)(int, const char *, int, ...);
    int (*close)(int);
    int (*ioctl)(int, unsigned long, ...);
    ssize_t (*pread)(int, void *, size_t, off_t);
    ssize_t (*pwrite)(int, const void *, size_t, off_t);
    void *(*mmap)(void *, size_t, int, int, int, off_t);
    int (*munmap)(void *, size_t);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*fcntl)(int, int, ...);
} SimLibc;
extern SimLibc sim_libc;

#endif
