/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unix stream socket chardev: client, server, or an inherited fd
 * (listening or already connected, as libvirt passes them).
 *
 * A server serves one client at a time; when it goes away the server
 * listens again.  Bytes and SCM_RIGHTS fds are read together so that the
 * frontend finds the fds of a command when it parses the command.
 */
#include "qemu/osdep.h"
#include "qemu/byte-queue.h"
#include <glib-unix.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "chardev/char.h"
#include "qemu/error-report.h"
#include "qemu/keyval.h"

#define MAX_MSGFDS 16
/*
 * Output the peer has not taken yet is queued; past this much we stop
 * reading its input until it catches up, so a client that writes without
 * reading can neither stall the main loop nor grow the queue unboundedly.
 */
#define OUT_HIGH_WATER (1024 * 1024)

typedef struct SocketChardev {
    char *path;             /* unix path we created (unlinked on close) */
    int listen_fd;          /* -1 for clients */
    int fd;                 /* connected socket, -1 if none */
    guint listen_watch;
    guint read_watch;
    guint write_watch;
    ByteQueue out;          /* queued output (see qemu/byte-queue.h) */
    bool read_paused;       /* output above OUT_HIGH_WATER */
} SocketChardev;

static void socket_start_listening(Chardev *chr);

static size_t out_pending(SocketChardev *s)
{
    return byte_queue_pending(&s->out);
}

static void socket_disconnect(Chardev *chr)
{
    SocketChardev *s = chr->backend;

    if (s->fd < 0) {
        return;
    }
    if (s->read_watch) {
        g_source_remove(s->read_watch);
        s->read_watch = 0;
    }
    if (s->write_watch) {
        g_source_remove(s->write_watch);
        s->write_watch = 0;
    }
    byte_queue_clear(&s->out);
    s->read_paused = false;
    close(s->fd);
    s->fd = -1;
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (s->listen_fd >= 0) {
        socket_start_listening(chr);
    }
}

static gboolean socket_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = chr->backend;
    uint8_t buf[4096];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MAX_MSGFDS)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    ssize_t n;

    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
         c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fds[MAX_MSGFDS];

            nfds = MIN(nfds, MAX_MSGFDS);
            memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
            qemu_chr_be_set_msgfds(chr, fds, nfds);
        }
    }
    if (n <= 0) {
        s->read_watch = 0;      /* we return REMOVE below */
        socket_disconnect(chr);
        return G_SOURCE_REMOVE;
    }
    qemu_chr_be_write(chr, buf, n);
    return G_SOURCE_CONTINUE;
}

static void socket_start_reading(Chardev *chr)
{
    SocketChardev *s = chr->backend;

    if (s->fd >= 0 && !s->read_watch && chr->fe_read && !s->read_paused) {
        s->read_watch = g_unix_fd_add(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      socket_readable, chr);
    }
}

static void socket_connected(Chardev *chr, int fd)
{
    SocketChardev *s = chr->backend;

    s->fd = fd;
    socket_start_reading(chr);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
}

static gboolean socket_acceptable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = chr->backend;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (cfd < 0) {
        return G_SOURCE_CONTINUE;
    }
    /* One client at a time: stop accepting until this one leaves. */
    s->listen_watch = 0;
    socket_connected(chr, cfd);
    return G_SOURCE_REMOVE;
}

static void socket_start_listening(Chardev *chr)
{
    SocketChardev *s = chr->backend;

    if (!s->listen_watch) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        socket_acceptable, chr);
    }
}

static bool fill_sockaddr(struct sockaddr_un *sun, const char *path,
                          Error **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", path);
        return false;
    }
    strcpy(sun->sun_path, path);
    return true;
}

static int unix_listen(const char *path, Error **errp)
{
    struct sockaddr_un sun;
    int fd;

    if (!fill_sockaddr(&sun, path, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create Unix socket");
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        close(fd);
        return -1;
    }
    if (listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket");
        close(fd);
        return -1;
    }
    return fd;
}

static int unix_connect(const char *path, Error **errp)
{
    struct sockaddr_un sun;
    int fd;

    if (!fill_sockaddr(&sun, path, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create Unix socket");
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "Failed to connect to '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Validates an inherited fd; returns whether it is listening via *listening. */
static bool check_inherited_fd(int64_t fd, bool *listening, Error **errp)
{
    int type = 0, acc = 0;
    socklen_t len = sizeof(type);

    if (fd < 0 || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0) {
        error_setg(errp, "fd=%" PRId64 " is not an open file descriptor", fd);
        return false;
    }
    if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
        type != SOCK_STREAM) {
        error_setg(errp, "fd=%" PRId64 " is not a stream socket", fd);
        return false;
    }
    len = sizeof(acc);
    if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0) {
        acc = 0;
    }
    *listening = acc != 0;
    return true;
}

static bool socket_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    g_autofree SocketChardev *s = g_new0(SocketChardev, 1);
    const char *path_opt = NULL;
    g_autofree char *path = NULL;
    int64_t fd = -1;
    bool server = false, wait = true, listening = false;

    if (optdict_has(opts, "host") || optdict_has(opts, "port")) {
        error_setg(errp, "chardev '%s': TCP sockets are not supported, "
                   "use path=PATH or fd=N", chr->id);
        return false;
    }
    if (!optdict_get_str(opts, "path", true, &path_opt, errp) ||
        !optdict_get_int(opts, "fd", true, &fd, errp) ||
        !optdict_get_bool(opts, "server", true, &server, errp) ||
        !optdict_get_bool(opts, "wait", true, &wait, errp)) {
        return false;
    }
    path = g_strdup(path_opt);      /* path_opt dies with the member */
    optdict_remove(opts, "path");
    optdict_remove(opts, "fd");
    optdict_remove(opts, "server");
    optdict_remove(opts, "wait");
    optdict_remove(opts, "nodelay");  /* meaningless for unix sockets */
    if (!optdict_check_empty(opts, errp)) {
        return false;
    }
    if (!path && fd < 0) {
        error_setg(errp, "chardev '%s': socket needs path=PATH or fd=N",
                   chr->id);
        return false;
    }
    if (path && fd >= 0) {
        error_setg(errp, "chardev '%s': path and fd are mutually exclusive",
                   chr->id);
        return false;
    }
    s->listen_fd = -1;
    s->fd = -1;
    byte_queue_init(&s->out);
    chr->backend = s;

    if (fd >= 0) {
        if (!check_inherited_fd(fd, &listening, errp)) {
            goto fail;
        }
        if (listening && !server) {
            error_setg(errp, "fd=%" PRId64 " is a listening socket: "
                       "it needs server=on", fd);
            goto fail;
        }
        if (!listening && server) {
            error_setg(errp, "fd=%" PRId64 " is not a listening socket: "
                       "server=on needs one", fd);
            goto fail;
        }
        fcntl((int)fd, F_SETFD, FD_CLOEXEC);
        if (listening) {
            s->listen_fd = (int)fd;
        } else {
            s->fd = (int)fd;
            chr->connected = true;
        }
    } else if (server) {
        s->listen_fd = unix_listen(path, errp);
        if (s->listen_fd < 0) {
            goto fail;
        }
        s->path = g_strdup(path);
    } else {
        s->fd = unix_connect(path, errp);
        if (s->fd < 0) {
            goto fail;
        }
        chr->connected = true;
    }

    if (s->listen_fd >= 0) {
        if (wait) {
            int cfd;

            info_report("QEMU waiting for connection on: "
                        "disconnected:unix:%s,server=on",
                        path ? path : "(inherited fd)");
            do {
                cfd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            } while (cfd < 0 && errno == EINTR);
            if (cfd < 0) {
                error_setg_errno(errp, errno, "Failed to accept connection");
                goto fail;
            }
            s->fd = cfd;
            chr->connected = true;
        } else {
            socket_start_listening(chr);
        }
    }
    s = NULL;       /* chr->backend owns it now */
    return true;

fail:
    if (s->listen_fd >= 0 && fd < 0) {
        close(s->listen_fd);
    }
    byte_queue_destroy(&s->out);
    chr->backend = NULL;
    return false;
}

static void socket_attach(Chardev *chr)
{
    socket_start_reading(chr);
}

/* Sends what it can without blocking; returns false on a dead peer. */
static bool socket_flush_some(SocketChardev *s)
{
    while (out_pending(s)) {
        size_t len;
        const uint8_t *data = byte_queue_peek(&s->out, &len);
        ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return true;
        }
        if (n <= 0) {
            return false;
        }
        byte_queue_consume(&s->out, n);
    }
    return true;
}

static gboolean socket_writable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = chr->backend;

    if (!socket_flush_some(s)) {
        s->write_watch = 0;         /* we return REMOVE below */
        socket_disconnect(chr);
        return G_SOURCE_REMOVE;
    }
    if (s->read_paused && out_pending(s) < OUT_HIGH_WATER / 2) {
        s->read_paused = false;
        socket_start_reading(chr);
    }
    if (!out_pending(s)) {
        s->write_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static ssize_t socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SocketChardev *s = chr->backend;

    if (s->fd < 0) {
        return -1;
    }
    byte_queue_append(&s->out, buf, len);
    if (!socket_flush_some(s)) {
        byte_queue_clear(&s->out);
        return -1;
    }
    if (out_pending(s) && !s->write_watch) {
        s->write_watch = g_unix_fd_add(s->fd, G_IO_OUT, socket_writable, chr);
    }
    if (out_pending(s) > OUT_HIGH_WATER && !s->read_paused) {
        s->read_paused = true;
        if (s->read_watch) {
            g_source_remove(s->read_watch);
            s->read_watch = 0;
        }
    }
    return len;
}

/* Blocks (up to a second) until queued output is sent, e.g. at exit. */
static void socket_flush(Chardev *chr)
{
    SocketChardev *s = chr->backend;
    int64_t deadline = g_get_monotonic_time() + G_USEC_PER_SEC;

    while (s && s->fd >= 0 && out_pending(s) &&
           g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

        poll(&pfd, 1, 100);
        if (!socket_flush_some(s)) {
            break;
        }
    }
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = chr->backend;

    if (!s) {
        return;
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->read_watch) {
        g_source_remove(s->read_watch);
    }
    if (s->write_watch) {
        g_source_remove(s->write_watch);
    }
    byte_queue_destroy(&s->out);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->path) {
        unlink(s->path);
        g_free(s->path);
    }
    g_free(s);
    chr->backend = NULL;
}

const ChardevOps chardev_socket_ops = {
    .name = "socket",
    .open = socket_open,
    .write = socket_write,
    .close = socket_close,
    .attach = socket_attach,
    .flush = socket_flush,
};
