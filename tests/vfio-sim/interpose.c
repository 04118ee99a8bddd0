/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the libc entry points the library replaces
 *
 * Only these functions are exported from libvfio-sim.so.  File calls on a
 * simulated fd go to the simulation; path calls on /dev/vfio/..., /dev/iommu
 * and the simulated devices' /sys paths are redirected; everything else
 * goes straight to libc.
 */
#include "qemu/osdep.h"
#include <dirent.h>
#include <dlfcn.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "sim.h"

#define EXPORT __attribute__((visibility("default")))

void sim_file_adopt(int fd);
void sim_file_forget(int fd);
void sim_file_dup(int oldfd, int newfd);

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

/* ---- opening the /dev nodes ---- */

static int node_open(SimNode node, uint32_t n, int flags)
{
    SimFile *f;
    SimGroup *g = NULL;
    SimDevice *d = NULL;
    int fd;

    if (node == SIM_NODE_GROUP) {
        g = sim_group_by_id(n);
        if (g->open) {
            return -EBUSY;      /* a group has one opener at a time */
        }
    } else if (node == SIM_NODE_CDEV) {
        d = sim_device_by_cdev(n);
        if (d->cdev_open) {
            return -EBUSY;
        }
    }
    fd = sim_file_open(node == SIM_NODE_VFIO ? SIM_FILE_CONTAINER :
                       node == SIM_NODE_IOMMU ? SIM_FILE_IOMMUFD :
                       node == SIM_NODE_GROUP ? SIM_FILE_GROUP :
                       SIM_FILE_DEVICE, sim_node_rdev(node, n), "vfio-sim",
                       &f);
    if (fd < 0) {
        return fd;
    }
    if (!(flags & O_CLOEXEC)) {
        fcntl(fd, F_SETFD, 0);
    }
    switch (node) {
    case SIM_NODE_VFIO:
        f->container = sim_container_new();
        break;
    case SIM_NODE_IOMMU:
        f->ictx = sim_iommufd_new();
        break;
    case SIM_NODE_GROUP:
        f->group = g;
        g->open = true;
        break;
    default:
        f->device = d;
        f->cdev = true;
        d->cdev_open = true;
        sim_device_open(d);
        break;
    }
    /* /dev/vfio/vfio and /dev/iommu are single nodes: no number. */
    if (node == SIM_NODE_VFIO || node == SIM_NODE_IOMMU) {
        sim_log_event("open %s -> fd %d",
                      node == SIM_NODE_VFIO ? "vfio" : "iommu", fd);
    } else {
        sim_log_event("open %s node %u -> fd %d",
                      node == SIM_NODE_GROUP ? "group" : "cdev", n, fd);
    }
    return fd;
}

/*
 * Returns the fd for a simulated node, -errno from it, or INT_MIN when
 * @path is not ours; *@mapped gets a rewritten sysfs path or @path.
 */
static int sim_open_path(const char *path, int flags, const char **mapped,
                         char *buf)
{
    SimNode node;
    uint32_t n;
    int ret;

    *mapped = path;
    if (!sim_active() || !path) {
        return INT_MIN;
    }
    sim_lock();
    node = sim_node_of(path, &n);
    if (node != SIM_NODE_NONE) {
        ret = node_open(node, n, flags);
    } else {
        const char *m = sim_sysfs_map(path, buf, PATH_MAX);
        *mapped = m ? m : path;
        ret = INT_MIN;
    }
    sim_unlock();
    return ret;
}

static int finish(int ret)
{
    if (ret < 0) {
        errno = -ret;
        return -1;
    }
    return ret;
}

#define OPEN_BODY(call)                                             \
    char buf[PATH_MAX];                                             \
    const char *mapped;                                             \
    mode_t mode = 0;                                                \
    int ret;                                                        \
    if (flags & (O_CREAT | __O_TMPFILE)) {                          \
        va_list ap;                                                 \
        va_start(ap, flags);                                        \
        mode = va_arg(ap, mode_t);                                  \
        va_end(ap);                                                 \
    }                                                               \
    ret = sim_open_path(path, flags, &mapped, buf);                 \
    if (ret != INT_MIN) {                                           \
        return finish(ret);                                         \
    }                                                               \
    return call;

EXPORT int open(const char *path, int flags, ...)
{
    OPEN_BODY(sim_libc.open(mapped, flags, mode))
}

EXPORT int open64(const char *path, int flags, ...)
{
    OPEN_BODY(sim_libc.open(mapped, flags, mode))
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    OPEN_BODY(sim_libc.openat(dirfd, mapped, flags, mode))
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    OPEN_BODY(sim_libc.openat(dirfd, mapped, flags, mode))
}

EXPORT int __open_2(const char *path, int flags)
{
    return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
    return open(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
    return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    return openat(dirfd, path, flags);
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    char buf[PATH_MAX];
    const char *m = NULL;

    if (!real) {
        real = next("fopen");
    }
    if (sim_active()) {
        sim_lock();
        m = sim_sysfs_map(path, buf, sizeof(buf));
        sim_unlock();
    }
    return real(m ? m : path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
    return fopen(path, mode);
}

/* ---- fd lifetime ---- */

EXPORT int close(int fd)
{
    if (!sim_libc.close) {
        return syscall(SYS_close, fd);
    }
    if (sim_active()) {
        sim_lock();
        sim_file_forget(fd);
        sim_unlock();
    }
    return sim_libc.close(fd);
}

EXPORT int dup(int oldfd)
{
    int fd = sim_libc.dup(oldfd);

    if (fd >= 0 && sim_active()) {
        sim_lock();
        sim_file_dup(oldfd, fd);
        sim_unlock();
    }
    return fd;
}

static int dup_to(int oldfd, int newfd, int flags, bool three)
{
    int fd;

    if (sim_active() && oldfd != newfd) {
        sim_lock();
        sim_file_forget(newfd);     /* closed implicitly */
        sim_unlock();
    }
    fd = three ? sim_libc.dup3(oldfd, newfd, flags) :
                 sim_libc.dup2(oldfd, newfd);
    if (fd >= 0 && sim_active()) {
        sim_lock();
        sim_file_dup(oldfd, fd);
        sim_unlock();
    }
    return fd;
}

EXPORT int dup2(int oldfd, int newfd)
{
    return dup_to(oldfd, newfd, 0, false);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
    return dup_to(oldfd, newfd, flags, true);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    long arg;
    int ret;

    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    ret = sim_libc.fcntl(fd, cmd, arg);
    if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && ret >= 0 &&
        sim_active()) {
        sim_lock();
        sim_file_dup(fd, ret);
        sim_unlock();
    }
    return ret;
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    long arg;

    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    static ssize_t (*real)(int, struct msghdr *, int);
    ssize_t ret;

    if (!real) {
        real = next("recvmsg");
    }
    ret = real(fd, msg, flags);
    if (ret >= 0 && sim_active()) {
        sim_lock();
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c;
             c = CMSG_NXTHDR(msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int *fds = (int *)CMSG_DATA(c);
                for (int i = 0; i < n; i++) {
                    sim_file_adopt(fds[i]);
                }
            }
        }
        sim_unlock();
    }
    return ret;
}

/* ---- the file operations ---- */

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    void *arg;
    SimFile *f;
    long ret;
    int inject;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!sim_active()) {
        return sim_libc.ioctl(fd, req, arg);
    }
    sim_lock();
    f = sim_file_lookup(fd);
    if (!f) {
        sim_unlock();
        return sim_libc.ioctl(fd, req, arg);
    }
    inject = sim_log_ioctl(f->kind, req);
    if (inject) {
        ret = -inject;
    } else {
        switch (f->kind) {
        case SIM_FILE_CONTAINER:
            ret = sim_container_ioctl(f->container, req, arg);
            break;
        case SIM_FILE_GROUP:
            ret = sim_group_ioctl(f->group, req, arg);
            break;
        case SIM_FILE_DEVICE:
            ret = sim_device_ioctl(f, req, arg);
            break;
        case SIM_FILE_DMABUF:
            ret = -ENOTTY;
            break;
        default:
            ret = sim_iommufd_ioctl(f->ictx, req, arg);
            break;
        }
    }
    sim_log_ioctl_result(f->kind, req, ret);
    sim_event_ioctl(f, req, arg, ret);
    sim_unlock();
    return finish(ret);
}

static ssize_t rw(int fd, void *buf, size_t len, off_t off, bool write,
                  bool *handled)
{
    SimFile *f;
    ssize_t ret;

    *handled = false;
    if (!sim_active()) {
        return 0;
    }
    sim_lock();
    f = sim_file_lookup(fd);
    if (f) {
        *handled = true;
        if (f->kind != SIM_FILE_DEVICE || (f->cdev && !f->device->ictx)) {
            ret = -EINVAL;
        } else {
            ret = sim_device_rw(f->device, buf, len, off, write);
        }
        sim_unlock();
        return finish(ret);
    }
    sim_unlock();
    return 0;
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
    bool handled;
    ssize_t ret = rw(fd, buf, len, off, false, &handled);

    return handled ? ret : sim_libc.pread(fd, buf, len, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
    return pread(fd, buf, len, off);
}

/* _FORTIFY_SOURCE builds (Debian's QEMU) call the checked variants */
EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off,
                           size_t buflen)
{
    return pread(fd, buf, len, off);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off,
                             size_t buflen)
{
    return pread(fd, buf, len, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    bool handled;
    ssize_t ret = rw(fd, (void *)buf, len, off, true, &handled);

    return handled ? ret : sim_libc.pwrite(fd, buf, len, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    return pwrite(fd, buf, len, off);
}

/*
 * A sanitizer runtime maps memory while it initialises, before this
 * library's constructor has looked up libc, so the pass-through paths of
 * mmap and munmap must work without the resolved pointers.
 */
static void *libc_mmap(void *addr, size_t len, int prot, int flags, int fd,
                       off_t off)
{
    if (!sim_libc.mmap) {
        return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    }
    return sim_libc.mmap(addr, len, prot, flags, fd, off);
}

static int libc_munmap(void *addr, size_t len)
{
    if (!sim_libc.munmap) {
        return syscall(SYS_munmap, addr, len);
    }
    return sim_libc.munmap(addr, len);
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    SimFile *f;
    void *p;

    if (fd < 0 || !sim_active() || (flags & MAP_ANONYMOUS)) {
        return libc_mmap(addr, len, prot, flags, fd, off);
    }
    sim_lock();
    f = sim_file_lookup(fd);
    if (!f) {
        sim_unlock();
        return libc_mmap(addr, len, prot, flags, fd, off);
    }
    if (f->kind != SIM_FILE_DEVICE || (f->cdev && !f->device->ictx)) {
        sim_unlock();
        errno = ENODEV;
        return MAP_FAILED;
    }
    p = sim_device_mmap(f->device, addr, len, prot, flags, off);
    sim_unlock();
    return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
                    off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
    if (sim_active()) {
        sim_lock();
        sim_device_munmap(addr, len);
        sim_unlock();
    }
    return libc_munmap(addr, len);
}

/* ---- path lookups: stat, access, links, directories ---- */

/* Fills @st for a /dev node of ours; returns false if @path is not one */
static bool node_stat(const char *path, struct stat *st)
{
    SimNode node;
    uint32_t n;

    if (!sim_active()) {
        return false;
    }
    sim_lock();
    node = sim_node_of(path, &n);
    if (node != SIM_NODE_NONE) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFCHR | 0666;
        st->st_rdev = sim_node_rdev(node, n);
        st->st_nlink = 1;
        st->st_blksize = 4096;
    }
    sim_unlock();
    return node != SIM_NODE_NONE;
}

static const char *map(const char *path, char *buf)
{
    const char *m = NULL;

    if (sim_active() && path) {
        sim_lock();
        m = sim_sysfs_map(path, buf, PATH_MAX);
        sim_unlock();
    }
    return m ? m : path;
}

static int at_stat(int dirfd, const char *path, struct stat *st, int flags)
{
    char buf[PATH_MAX];
    SimFile *f;

    if (path && *path && node_stat(path, st)) {
        return 0;
    }
    if ((!path || !*path) && (flags & AT_EMPTY_PATH) && sim_active()) {
        sim_lock();
        f = sim_file_lookup(dirfd);
        if (f) {
            syscall(SYS_newfstatat, dirfd, "", st, AT_EMPTY_PATH);
            st->st_mode = S_IFCHR | 0666;
            st->st_rdev = f->rdev;
            sim_unlock();
            return 0;
        }
        sim_unlock();
    }
    return syscall(SYS_newfstatat, dirfd, map(path, buf), st, flags);
}

EXPORT int stat(const char *path, struct stat *st)
{
    return at_stat(AT_FDCWD, path, st, 0);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
    return at_stat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int lstat(const char *path, struct stat *st)
{
    return at_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
    return at_stat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fstat(int fd, struct stat *st)
{
    return at_stat(fd, "", st, AT_EMPTY_PATH);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
    return at_stat(fd, "", (struct stat *)st, AT_EMPTY_PATH);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return at_stat(dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
                     int flags)
{
    return at_stat(dirfd, path, (struct stat *)st, flags);
}

/* The pre-2.33 glibc entry points, for binaries linked against them */
EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
    return at_stat(AT_FDCWD, path, st, 0);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
    return at_stat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
    return at_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
    return at_stat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
    return at_stat(fd, "", st, AT_EMPTY_PATH);
}

EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
    return at_stat(fd, "", (struct stat *)st, AT_EMPTY_PATH);
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
                      int flags)
{
    return at_stat(dirfd, path, st, flags);
}

EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
                        struct stat64 *st, int flags)
{
    return at_stat(dirfd, path, (struct stat *)st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
                 struct statx *stx)
{
    char buf[PATH_MAX];
    struct stat st;

    if (*path && node_stat(path, &st)) {
        memset(stx, 0, sizeof(*stx));
        stx->stx_mask = STATX_TYPE | STATX_MODE;
        stx->stx_mode = st.st_mode;
        stx->stx_rdev_major = major(st.st_rdev);
        stx->stx_rdev_minor = minor(st.st_rdev);
        return 0;
    }
    return syscall(SYS_statx, dirfd, map(path, buf), flags, mask, stx);
}

EXPORT int access(const char *path, int mode)
{
    char buf[PATH_MAX];
    struct stat st;

    if (node_stat(path, &st)) {
        return 0;
    }
    return syscall(SYS_faccessat, AT_FDCWD, map(path, buf), mode);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
    static int (*real)(int, const char *, int, int);
    char buf[PATH_MAX];
    struct stat st;

    if (!real) {
        real = next("faccessat");
    }
    if (node_stat(path, &st)) {
        return 0;
    }
    return real(dirfd, map(path, buf), mode, flags);
}

EXPORT ssize_t readlink(const char *path, char *out, size_t size)
{
    char buf[PATH_MAX];

    return syscall(SYS_readlinkat, AT_FDCWD, map(path, buf), out, size);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *out, size_t size)
{
    char buf[PATH_MAX];

    return syscall(SYS_readlinkat, dirfd, map(path, buf), out, size);
}

EXPORT char *realpath(const char *path, char *resolved)
{
    static char *(*real)(const char *, char *);
    char buf[PATH_MAX];
    char *r;

    if (!real) {
        real = next("realpath");
    }
    r = real(map(path, buf), resolved);
    if (r && sim_active()) {
        sim_lock();
        sim_sysfs_unmap(r);     /* report the path as /sys/... again */
        sim_unlock();
    }
    return r;
}

EXPORT ssize_t __readlink_chk(const char *path, char *out, size_t size,
                              size_t outlen)
{
    return readlink(path, out, size);
}

EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *out,
                                size_t size, size_t outlen)
{
    return readlinkat(dirfd, path, out, size);
}

EXPORT char *__realpath_chk(const char *path, char *resolved,
                            size_t resolvedlen)
{
    return realpath(path, resolved);
}

EXPORT char *canonicalize_file_name(const char *path)
{
    return realpath(path, NULL);
}

EXPORT DIR *opendir(const char *path)
{
    static DIR *(*real)(const char *);
    char buf[PATH_MAX];

    if (!real) {
        real = next("opendir");
    }
    return real(map(path, buf));
}
