/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the control socket (VFIO_SIM_CONTROL=path)
 *
 * A Unix stream socket served by the library's own thread, which runs with
 * every signal blocked: it answers even in a program that blocks signals
 * in all its threads (Debian's QEMU 10 blocks SIGUSR1), and no signal
 * handler of the program (nor the BAR trap) ever runs on it.  One request
 * line, one JSON reply line:
 *
 *   snapshot       counters, modelled cost, every space's mappings
 *   events FROM    the map/unmap/copy calls numbered FROM and later
 *
 * The thread takes sim_lock() only while it copies the state into a reply,
 * never while it waits on a client, so a slow client cannot stall the
 * program; it uses the real close() so that its own fds never go through
 * the library's bookkeeping.
 *
 * Ownership of the path: a process whose LD_PRELOAD reached a wrapper too
 * (timeout, a shell) must not keep the socket from the program it runs.
 * A process listens at start-up when the path is free or stale; when a
 * live server holds it, the process takes it over only once it opens a
 * simulated node.  Only the process that bound the file removes it.
 */
#include "qemu/osdep.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "qemu/error-report.h"
#include "sim.h"

#define MAX_CLIENTS 16
#define CLIENT_SEND_TIMEOUT_S 5
#define MAX_LINE    4096

typedef struct Client {
    int fd;
    GString *in;
} Client;

static char *path;
static bool pending;            /* a live server holds the path: claim later */
static bool serving;
static pid_t owner;             /* the process that bound the file */
static ino_t bound_ino;

static void real_close(int fd)
{
    sim_libc.close(fd);
}

/* stat() without the library's path rewriting */
static int real_stat(struct stat *st)
{
    return syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
}

static bool fill_addr(struct sockaddr_un *sa, Error **errp)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        error_setg(errp, "VFIO_SIM_CONTROL '%s': path longer than %zu bytes",
                   path, sizeof(sa->sun_path) - 1);
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

/* Does a server answer at the path? */
static bool path_live(void)
{
    struct sockaddr_un sa;
    int fd;
    bool live;

    if (!fill_addr(&sa, NULL)) {
        return false;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    real_close(fd);
    return live;
}

/*
 * False if the client went away or stopped reading: one thread serves
 * every client, so a reply that cannot be delivered within the socket's
 * send timeout (CLIENT_SEND_TIMEOUT_S) costs that client its connection
 * rather than stalling the others.
 */
static bool send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

static void reply_snapshot(GString *out)
{
    sim_lock();
    g_string_append_printf(out, "{\"seq\": %" PRIu64 ", \"ioctls\": ",
                           sim_event_seq());
    sim_log_ioctls_json(out, ", ");
    g_string_append(out, ", \"model\": ");
    sim_model_json(out);
    g_string_append(out, ", \"spaces\": ");
    sim_spaces_json(out);
    sim_unlock();
    g_string_append(out, "}\n");
}

/* The events are copied under the lock and formatted after it */
static void reply_events(GString *out, uint64_t from)
{
    g_autoptr(GArray) events = NULL;
    uint64_t seq, first;

    sim_lock();
    seq = sim_event_seq();
    events = sim_events_since(from, &first);
    sim_unlock();
    g_string_append_printf(out, "{\"seq\": %" PRIu64 ", \"truncated\": %s, "
                           "\"events\": [", seq,
                           first > from ? "true" : "false");
    for (guint i = 0; i < events->len; i++) {
        if (i) {
            g_string_append(out, ", ");
        }
        sim_event_json(out, &g_array_index(events, SimMapEvent, i),
                       first + i);
    }
    g_string_append(out, "]}\n");
}

static bool parse_seq(const char *text, uint64_t *out)
{
    char *end;

    if (!g_ascii_isdigit(*text)) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(text, &end, 10);
    return !errno && !*end;
}

static bool answer(int fd, const char *line)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *valid = NULL;
    g_autofree char *what = NULL;
    uint64_t from;

    if (!strcmp(line, "snapshot")) {
        reply_snapshot(out);
    } else if (g_str_has_prefix(line, "events ") &&
               parse_seq(line + strlen("events "), &from)) {
        reply_events(out, from);
    } else {
        valid = g_utf8_make_valid(line, -1);     /* the reply is UTF-8 */
        what = g_strdup_printf("unknown request '%s'", valid);
        g_string_append(out, "{\"error\": ");
        sim_json_string(out, what);
        g_string_append(out, "}\n");
    }
    return send_all(fd, out->str, out->len);
}

/* Answers every complete line; false when the client is to be dropped */
static bool client_read(Client *c)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    char *nl;

    if (n < 0 && errno == EINTR) {
        return true;
    }
    if (n <= 0) {
        return false;
    }
    g_string_append_len(c->in, buf, n);
    while ((nl = memchr(c->in->str, '\n', c->in->len))) {
        size_t len = nl - c->in->str;
        g_autofree char *line = g_strndup(c->in->str, len);

        g_strchomp(line);       /* a "\r\n" client */
        g_string_erase(c->in, 0, len + 1);
        if (!answer(c->fd, line)) {
            return false;
        }
    }
    /* a line that never ends is not a request */
    return c->in->len <= MAX_LINE;
}

static void client_drop(GArray *clients, guint i)
{
    Client *c = &g_array_index(clients, Client, i);

    real_close(c->fd);
    g_string_free(c->in, TRUE);
    g_array_remove_index(clients, i);
}

static void *serve(void *opaque)
{
    int lfd = GPOINTER_TO_INT(opaque);
    g_autoptr(GArray) clients = g_array_new(FALSE, FALSE, sizeof(Client));
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    for (;;) {
        struct pollfd pfd[MAX_CLIENTS + 1];
        guint n = clients->len;

        pfd[0] = (struct pollfd) { .fd = lfd, .events = POLLIN };
        for (guint i = 0; i < n; i++) {
            pfd[i + 1] = (struct pollfd) {
                .fd = g_array_index(clients, Client, i).fd, .events = POLLIN,
            };
        }
        if (poll(pfd, n + 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return NULL;
        }
        /* from the last, so that dropping one keeps the others' indexes */
        for (guint i = n; i > 0; i--) {
            if (pfd[i].revents &&
                !client_read(&g_array_index(clients, Client, i - 1))) {
                client_drop(clients, i - 1);
            }
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0 && clients->len < MAX_CLIENTS) {
                struct timeval tv = { .tv_sec = CLIENT_SEND_TIMEOUT_S };
                Client c = { .fd = fd, .in = g_string_new(NULL) };

                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                g_array_append_val(clients, c);
            } else if (fd >= 0) {
                real_close(fd);     /* too many: it sees EOF */
            } else if (errno != EINTR && errno != EAGAIN) {
                g_usleep(10000);    /* out of fds: do not spin */
            }
        }
    }
}

/* Binds the path (removing what is there) and starts the thread */
static bool listen_and_serve(Error **errp)
{
    struct sockaddr_un sa;
    struct stat st;
    sigset_t all, old;
    pthread_t tid;
    int fd, ret;

    if (!fill_addr(&sa, errp)) {
        return false;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "VFIO_SIM_CONTROL: cannot make a "
                         "socket");
        return false;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 8) < 0) {
        error_setg_errno(errp, errno, "VFIO_SIM_CONTROL '%s': cannot listen",
                         path);
        real_close(fd);
        return false;
    }
    if (real_stat(&st) == 0) {
        bound_ino = st.st_ino;
    }
    owner = getpid();
    /* the thread inherits the mask: no signal is ever delivered to it */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ret = pthread_create(&tid, NULL, serve, GINT_TO_POINTER(fd));
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ret) {
        error_setg_errno(errp, ret, "VFIO_SIM_CONTROL: cannot start a "
                         "thread");
        unlink(path);
        real_close(fd);
        return false;
    }
    pthread_setname_np(tid, "vfio-sim-ctl");
    pthread_detach(tid);
    serving = true;
    return true;
}

void sim_control_init(void)
{
    const char *env = g_getenv("VFIO_SIM_CONTROL");
    Error *err = NULL;

    if (!env || !*env) {
        return;
    }
    path = g_strdup(env);
    if (path_live()) {
        pending = true;
        return;
    }
    if (!listen_and_serve(&err)) {
        error_report_err(err);
        exit(1);
    }
}

void sim_control_claim(void)
{
    Error *err = NULL;

    if (!pending) {
        return;
    }
    pending = false;
    if (!listen_and_serve(&err)) {
        warn_report_err(err);
    }
}

void sim_control_exit(void)
{
    struct stat st;

    /* not a forked child's, nor a file another process bound since */
    if (serving && owner == getpid() && real_stat(&st) == 0 &&
        st.st_ino == bound_ino) {
        unlink(path);
    }
}
