/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: library start-up and exit, the global lock, the simulated
 * devices and groups, and the table of simulated files
 *
 * Each simulated file (container, group, device, iommufd) is backed by a
 * memfd, so its fd numbers are real fds of the process that can never
 * collide with others; the memfd's inode identifies the file again when a
 * number comes back some other way (dup through a raw syscall, SCM_RIGHTS).
 */
#include "qemu/osdep.h"
#include <dlfcn.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "qemu/error-report.h"
#include "sim.h"

SimLibc sim_libc;
SimConfig *sim_cfg;
GPtrArray *sim_devices;
GPtrArray *sim_groups;

static GRecMutex sim_mutex;
static bool sim_ready;
static GHashTable *files_by_fd;     /* int fd -> SimFile */
static GHashTable *files_by_ino;    /* ino -> SimFile */
static dev_t memfd_dev;             /* the st_dev every memfd shares */

void sim_lock(void)
{
    g_rec_mutex_lock(&sim_mutex);
}

void sim_unlock(void)
{
    g_rec_mutex_unlock(&sim_mutex);
}

bool sim_active(void)
{
    return sim_ready;
}

SimDevice *sim_device_by_bdf(const char *bdf)
{
    for (guint i = 0; sim_devices && i < sim_devices->len; i++) {
        SimDevice *d = g_ptr_array_index(sim_devices, i);
        if (!strcmp(d->cfg->bdf, bdf)) {
            return d;
        }
    }
    return NULL;
}

SimDevice *sim_device_by_cdev(uint32_t n)
{
    for (guint i = 0; sim_devices && i < sim_devices->len; i++) {
        SimDevice *d = g_ptr_array_index(sim_devices, i);
        if (d->cfg->cdev == n) {
            return d;
        }
    }
    return NULL;
}

SimGroup *sim_group_by_id(uint32_t id)
{
    for (guint i = 0; sim_groups && i < sim_groups->len; i++) {
        SimGroup *g = g_ptr_array_index(sim_groups, i);
        if (g->id == id) {
            return g;
        }
    }
    return NULL;
}

static int real_fstat(int fd, struct stat *st)
{
    return syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
}

void sim_file_adopt(int fd);

/*
 * The table is the fast path; a number it does not know (a raw dup, a
 * close the library did not see) is checked by the memfd's inode.
 */
SimFile *sim_file_lookup(int fd)
{
    SimFile *f;

    if (!sim_ready || fd < 0) {
        return NULL;
    }
    f = g_hash_table_lookup(files_by_fd, GINT_TO_POINTER(fd));
    if (f) {
        struct stat st;

        /* a number closed behind the library's back may be reused */
        if (real_fstat(fd, &st) == 0 && st.st_dev == memfd_dev &&
            st.st_ino == f->ino) {
            return f;
        }
        g_hash_table_remove(files_by_fd, GINT_TO_POINTER(fd));
        sim_live_fds--;
        f->fds--;
        f = NULL;
    }
    if (!f) {
        sim_file_adopt(fd);
        f = g_hash_table_lookup(files_by_fd, GINT_TO_POINTER(fd));
    }
    return f;
}

/* Records @fd as another number for the file whose memfd it refers to */
void sim_file_adopt(int fd)
{
    struct stat st;
    SimFile *f;

    if (!sim_ready || fd < 0 || real_fstat(fd, &st) < 0) {
        return;
    }
    /* inode numbers are only unique within the memfd file system */
    if (st.st_dev != memfd_dev) {
        return;
    }
    f = g_hash_table_lookup(files_by_ino, GSIZE_TO_POINTER(st.st_ino));
    if (f && !g_hash_table_contains(files_by_fd, GINT_TO_POINTER(fd))) {
        g_hash_table_insert(files_by_fd, GINT_TO_POINTER(fd), f);
        f->fds++;
        sim_live_fds++;
    }
}

int sim_file_open(SimFileKind kind, dev_t rdev, const char *name,
                  SimFile **out)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    struct stat st;
    SimFile *f;

    if (fd < 0) {
        return -errno;
    }
    real_fstat(fd, &st);
    memfd_dev = st.st_dev;
    f = g_new0(SimFile, 1);
    f->kind = kind;
    f->ino = st.st_ino;
    f->rdev = rdev;
    f->fds = 1;
    g_hash_table_insert(files_by_fd, GINT_TO_POINTER(fd), f);
    g_hash_table_insert(files_by_ino, GSIZE_TO_POINTER(f->ino), f);
    sim_live_fds++;
    if (!sim_used) {
        sim_used = true;
        sim_control_claim();
    }
    *out = f;
    return fd;
}

/* Another fd of the process that still refers to @f, or -1 */
static int find_other_fd(SimFile *f, int closed)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    const char *name;
    struct stat st;

    while (dir && (name = g_dir_read_name(dir))) {
        int fd = atoi(name);
        if (fd != closed && real_fstat(fd, &st) == 0 &&
            st.st_dev == memfd_dev && st.st_ino == f->ino &&
            !g_hash_table_contains(files_by_fd, GINT_TO_POINTER(fd))) {
            return fd;
        }
    }
    return -1;
}

static void file_release(SimFile *f)
{
    switch (f->kind) {
    case SIM_FILE_CONTAINER:
        sim_container_release(f->container);
        break;
    case SIM_FILE_GROUP:
        sim_group_release(f->group);
        break;
    case SIM_FILE_DEVICE:
        sim_device_release(f);
        break;
    case SIM_FILE_IOMMUFD:
        sim_iommufd_release(f->ictx);
        break;
    case SIM_FILE_DMABUF:
        sim_dmabuf_release(f->dmabuf);
        break;
    }
    g_hash_table_remove(files_by_ino, GSIZE_TO_POINTER(f->ino));
    g_free(f);
}

/* Called before the real close of @fd (which is a simulated file's) */
void sim_file_forget(int fd);
void sim_file_forget(int fd)
{
    SimFile *f = sim_ready && fd >= 0 ?
                 g_hash_table_lookup(files_by_fd, GINT_TO_POINTER(fd)) : NULL;
    int other;

    if (!f) {
        return;
    }
    g_hash_table_remove(files_by_fd, GINT_TO_POINTER(fd));
    sim_live_fds--;
    if (--f->fds > 0) {
        return;
    }
    /* a number the library never saw (a raw dup) keeps the file alive */
    other = find_other_fd(f, fd);
    if (other >= 0) {
        g_hash_table_insert(files_by_fd, GINT_TO_POINTER(other), f);
        f->fds++;
        sim_live_fds++;
        return;
    }
    file_release(f);
}

/* @newfd now refers to the same file as @oldfd */
void sim_file_dup(int oldfd, int newfd);
void sim_file_dup(int oldfd, int newfd)
{
    SimFile *f = sim_file_lookup(oldfd);

    if (g_hash_table_contains(files_by_fd, GINT_TO_POINTER(newfd))) {
        return;
    }
    if (f && newfd >= 0 && newfd != oldfd) {
        g_hash_table_insert(files_by_fd, GINT_TO_POINTER(newfd), f);
        f->fds++;
        sim_live_fds++;
    }
}

static bool device_create(SimDeviceConfig *c, Error **errp)
{
    SimDevice *d = g_new0(SimDevice, 1);
    SimGroup *g = sim_group_by_id(c->group);
    struct stat st;

    d->cfg = c;
    d->irq_type = -1;
    d->intx_fd = d->intx_unmask_fd = -1;
    for (int i = 0; i < 32; i++) {
        d->msi_fd[i] = -1;
    }
    for (int i = 0; i < SIM_MAX_BARS; i++) {
        d->bar_memfd[i] = -1;
        if (!c->bar_size[i]) {
            continue;
        }
        d->bar_memfd[i] = memfd_create("vfio-sim-bar", MFD_CLOEXEC);
        if (d->bar_memfd[i] < 0 ||
            ftruncate(d->bar_memfd[i], c->bar_size[i]) < 0) {
            error_setg_errno(errp, errno, "cannot back BAR%d of %s", i,
                             c->bdf);
            return false;
        }
        real_fstat(d->bar_memfd[i], &st);
        memfd_dev = st.st_dev;
        d->bar[i] = sim_libc.mmap(NULL, c->bar_size[i],
                                  PROT_READ | PROT_WRITE, MAP_SHARED,
                                  d->bar_memfd[i], 0);
        if (d->bar[i] == MAP_FAILED) {
            error_setg_errno(errp, errno, "cannot map BAR%d of %s", i,
                             c->bdf);
            return false;
        }
        memset(d->bar[i], 0xff, c->bar_size[i]);
    }
    if (!g) {
        g = g_new0(SimGroup, 1);
        g->id = c->group;
        g->devices = g_ptr_array_new();
        g_ptr_array_add(sim_groups, g);
    }
    d->group = g;
    g_ptr_array_add(g->devices, d);
    sim_config_space_init(d);
    sim_edu_init(d);
    g_ptr_array_add(sim_devices, d);
    return true;
}

static void sim_exit(void)
{
    sim_control_exit();
    sim_log_dump();
    sim_report_write();
    sim_sysfs_destroy();
}

static void resolve_libc(void)
{
#define R(name) sim_libc.name = dlsym(RTLD_NEXT, #name)
    R(open);
    R(openat);
    R(close);
    R(ioctl);
    R(pread);
    R(pwrite);
    R(mmap);
    R(munmap);
    R(dup);
    R(dup2);
    R(dup3);
    R(fcntl);
#undef R
}

/*
 * A fork while another thread (the control socket's) holds the lock would
 * leave the child's copy locked for good, and a recursive mutex cannot be
 * unlocked by the child's thread, whose id differs: the child gets a new
 * lock instead, which is safe because it has no other thread.
 */
static void fork_prepare(void)
{
    sim_lock();
}

static void fork_parent(void)
{
    sim_unlock();
}

static void fork_child(void)
{
    g_rec_mutex_init(&sim_mutex);
}

__attribute__((constructor))
static void sim_init(void)
{
    Error *err = NULL;

    resolve_libc();
    error_set_progname("vfio-sim");
    sim_lock();
    sim_log_init();
    sim_events_init();
    sim_cfg = sim_config_load(g_getenv("VFIO_SIM_CONFIG"),
                              g_getenv("VFIO_SIM_KERNEL"), &err);
    if (!sim_cfg) {
        error_report_err(err);
        exit(1);
    }
    sim_devices = g_ptr_array_new();
    sim_groups = g_ptr_array_new();
    files_by_fd = g_hash_table_new(NULL, NULL);
    files_by_ino = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < sim_cfg->devices->len; i++) {
        if (!device_create(g_ptr_array_index(sim_cfg->devices, i), &err)) {
            error_report_err(err);
            exit(1);
        }
    }
    if (!sim_sysfs_create(&err)) {
        error_report_err(err);
        exit(1);
    }
    atexit(sim_exit);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    sim_ready = true;
    sim_unlock();
    sim_control_init();
}
