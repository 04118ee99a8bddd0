/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: see libqtest.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define CONNECT_TIMEOUT_MS 30000
#define REPLY_TIMEOUT_MS 60000
#define MAX_IRQ 256

struct QTestState {
    pid_t pid;
    int exit_status;            /* -1 while running */
    char *tmpdir;
    int qtest_fd;
    int qmp_fd;
    GString *qtest_buf;
    GString *qmp_buf;
    GQueue events;              /* of JsonObject */
    bool irq_level[MAX_IRQ];
};

const char *qtest_qemu_binary(void)
{
    const char *bin = g_getenv("QTEST_QEMU_BINARY");

    g_assert_nonnull(bin);
    return bin;
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

int qtest_open_fds(QTestState *s)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", s->pid);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    int n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

long qtest_rss_kb(QTestState *s)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", s->pid);
    g_autofree char *text = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    line = strstr(text, "\nVmRSS:");
    g_assert_nonnull(line);
    return strtol(line + strlen("\nVmRSS:"), NULL, 10);
}

static int listen_unix(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(sun.sun_path));
    strcpy(sun.sun_path, path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

/* Checks whether the child is gone; records its status if so. */
static bool child_exited(QTestState *s)
{
    int status;

    if (s->exit_status >= 0) {
        return true;
    }
    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
        s->exit_status = WIFEXITED(status) ? WEXITSTATUS(status)
                                           : 128 + WTERMSIG(status);
        return true;
    }
    return false;
}

static int accept_with_timeout(QTestState *s, int lfd, const char *what)
{
    for (int waited = 0; waited < CONNECT_TIMEOUT_MS; waited += 100) {
        struct pollfd pfd = { .fd = lfd, .events = POLLIN };

        if (poll(&pfd, 1, 100) > 0) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

            g_assert_cmpint(fd, >=, 0);
            return fd;
        }
        if (child_exited(s)) {
            g_error("QEMU exited with status %d before connecting %s",
                    s->exit_status, what);
        }
    }
    g_error("QEMU did not connect %s in time", what);
}

QTestState *qtest_init_argv(const char *const *argv_tail,
                            const int *keep_fds, size_t n_keep_fds,
                            bool qmp_handshake)
{
    QTestState *s = g_new0(QTestState, 1);
    g_autofree char *qtest_path = NULL, *qmp_path = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    bool want_qtest = false, want_qmp = false;
    int qtest_lfd = -1, qmp_lfd = -1;

    s->exit_status = -1;
    s->qtest_fd = s->qmp_fd = -1;
    s->qtest_buf = g_string_new(NULL);
    s->qmp_buf = g_string_new(NULL);
    g_queue_init(&s->events);
    s->tmpdir = g_dir_make_tmp("qtest-XXXXXX", NULL);
    g_assert_nonnull(s->tmpdir);
    qtest_path = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    qmp_path = g_build_filename(s->tmpdir, "qmp.sock", NULL);

    g_ptr_array_add(argv, g_strdup(qtest_qemu_binary()));
    for (int i = 0; argv_tail[i]; i++) {
        char *arg = g_strdup(argv_tail[i]);

        if (strstr(arg, "%QTEST%")) {
            g_auto(GStrv) parts = g_strsplit(arg, "%QTEST%", -1);
            g_free(arg);
            arg = g_strjoinv(qtest_path, parts);
            want_qtest = true;
        }
        if (strstr(arg, "%QMP%")) {
            g_auto(GStrv) parts = g_strsplit(arg, "%QMP%", -1);
            g_free(arg);
            arg = g_strjoinv(qmp_path, parts);
            want_qmp = true;
        }
        g_ptr_array_add(argv, arg);
    }
    g_ptr_array_add(argv, NULL);
    if (want_qtest) {
        qtest_lfd = listen_unix(qtest_path);
    }
    if (want_qmp) {
        qmp_lfd = listen_unix(qmp_path);
    }

    s->pid = fork();
    g_assert_cmpint(s->pid, >=, 0);
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (size_t i = 0; i < n_keep_fds; i++) {
            fcntl(keep_fds[i], F_SETFD, 0);
        }
        execv(g_ptr_array_index(argv, 0), (char **)argv->pdata);
        _exit(127);
    }
    if (want_qtest) {
        s->qtest_fd = accept_with_timeout(s, qtest_lfd, "the qtest socket");
        close(qtest_lfd);
    }
    if (want_qmp) {
        s->qmp_fd = accept_with_timeout(s, qmp_lfd, "the QMP socket");
        close(qmp_lfd);
    }
    if (want_qmp && qmp_handshake) {
        g_autoptr(JsonObject) greeting = qtest_qmp_receive(s);
        g_autoptr(JsonObject) rsp = NULL;

        g_assert_true(json_object_has_member(greeting, "QMP"));
        rsp = qtest_qmp(s, "{'execute': 'qmp_capabilities'}");
        qmp_expect_return(rsp);
    }
    return s;
}

void qtest_qmp_connect(QTestState *s, const char *path, bool handshake)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(sun.sun_path));
    strcpy(sun.sun_path, path);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(s->qmp_fd, <, 0);
    s->qmp_fd = fd;
    if (handshake) {
        g_autoptr(JsonObject) greeting = qtest_qmp_receive(s);
        g_autoptr(JsonObject) rsp = NULL;

        g_assert_true(json_object_has_member(greeting, "QMP"));
        rsp = qtest_qmp(s, "{'execute': 'qmp_capabilities'}");
        qmp_expect_return(rsp);
    }
}

static QTestState *init_common(const char *extra_args, bool handshake)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) extra = NULL;
    static const char *const base[] = {
        "-qtest", "unix:%QTEST%", "-qtest-log", "none",
        "-chardev", "socket,path=%QMP%,id=char0",
        "-mon", "chardev=char0,mode=control",
        "-display", "none", "-nodefaults", "-accel", "qtest",
    };
    bool has_machine = false;

    if (extra_args && *extra_args) {
        g_assert_true(g_shell_parse_argv(extra_args, NULL, &extra, NULL));
    }
    for (int i = 0; extra && extra[i]; i++) {
        if (!strcmp(extra[i], "-M") || !strcmp(extra[i], "-machine")) {
            has_machine = true;
        }
    }
    if (!has_machine) {
        g_ptr_array_add(args, g_strdup("-M"));
        g_ptr_array_add(args, g_strdup("q35"));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++) {
        g_ptr_array_add(args, g_strdup(base[i]));
    }
    for (int i = 0; extra && extra[i]; i++) {
        g_ptr_array_add(args, g_strdup(extra[i]));
    }
    g_ptr_array_add(args, NULL);
    return qtest_init_argv((const char *const *)args->pdata, NULL, 0,
                           handshake);
}

QTestState *qtest_init(const char *extra_args)
{
    return init_common(extra_args, true);
}

QTestState *qtest_init_without_qmp_handshake(const char *extra_args)
{
    return init_common(extra_args, false);
}

static void cleanup(QTestState *s)
{
    g_autofree char *q = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    g_autofree char *m = g_build_filename(s->tmpdir, "qmp.sock", NULL);
    JsonObject *ev;

    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    unlink(q);
    unlink(m);
    rmdir(s->tmpdir);
    g_free(s->tmpdir);
    while ((ev = g_queue_pop_head(&s->events))) {
        json_object_unref(ev);
    }
    g_string_free(s->qtest_buf, TRUE);
    g_string_free(s->qmp_buf, TRUE);
    g_free(s);
}

int qtest_wait_exit(QTestState *s)
{
    int status;

    if (s->exit_status < 0) {
        g_assert_cmpint(waitpid(s->pid, &status, 0), ==, s->pid);
        s->exit_status = WIFEXITED(status) ? WEXITSTATUS(status)
                                           : 128 + WTERMSIG(status);
    }
    status = s->exit_status;
    cleanup(s);
    return status;
}

void qtest_quit(QTestState *s)
{
    int status;

    if (!child_exited(s)) {
        kill(s->pid, SIGTERM);
    }
    status = qtest_wait_exit(s);
    /* SIGTERM is handled: QEMU exits 0.  A crash shows as 128 + signal. */
    g_assert_cmpint(status, ==, 0);
}

/* Reads one line (without '\n') from @fd into a new string. */
static char *read_line(QTestState *s, int fd, GString *buf)
{
    for (;;) {
        char *nl = memchr(buf->str, '\n', buf->len);
        char chunk[4096];
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (nl) {
            char *line = g_strndup(buf->str, nl - buf->str);
            size_t len = strlen(line);

            g_string_erase(buf, 0, nl - buf->str + 1);
            if (len && line[len - 1] == '\r') {
                line[len - 1] = '\0';
            }
            return line;
        }
        if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
            g_error("no reply from QEMU within %d ms", REPLY_TIMEOUT_MS);
        }
        n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) {
            g_error("QEMU closed the connection (%s)",
                    n < 0 ? strerror(errno) : "EOF");
        }
        g_string_append_len(buf, chunk, n);
    }
}

static void write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        data += n;
        len -= n;
    }
}

/* ---- qtest ------------------------------------------------------------- */

static char *qtest_vcmd(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
    g_autofree char *line = g_strconcat(cmd, "\n", NULL);

    write_all(s->qtest_fd, line, strlen(line));
    for (;;) {
        char *reply = read_line(s, s->qtest_fd, s->qtest_buf);
        int n;

        if (sscanf(reply, "IRQ raise %d", &n) == 1 && n >= 0 && n < MAX_IRQ) {
            s->irq_level[n] = true;
        } else if (sscanf(reply, "IRQ lower %d", &n) == 1 && n >= 0 &&
                   n < MAX_IRQ) {
            s->irq_level[n] = false;
        } else {
            return reply;
        }
        g_free(reply);
    }
}

char *qtest_raw_cmd(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *reply;

    va_start(ap, fmt);
    reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    return reply;
}

static void G_GNUC_PRINTF(2, 3) qtest_ok(QTestState *s, const char *fmt, ...)
{
    g_autofree char *reply = NULL;
    va_list ap;

    va_start(ap, fmt);
    reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    g_assert_cmpstr(reply, ==, "OK");
}

static uint64_t G_GNUC_PRINTF(2, 3) qtest_ok_value(QTestState *s,
                                                   const char *fmt, ...)
{
    g_autofree char *reply = NULL;
    va_list ap;

    va_start(ap, fmt);
    reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    g_assert_true(g_str_has_prefix(reply, "OK "));
    return g_ascii_strtoull(reply + 3, NULL, 0);
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t v)
{
    qtest_ok(s, "outb 0x%x 0x%x", port, v);
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t v)
{
    qtest_ok(s, "outw 0x%x 0x%x", port, v);
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t v)
{
    qtest_ok(s, "outl 0x%x 0x%x", port, v);
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_ok_value(s, "inb 0x%x", port);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_ok_value(s, "inw 0x%x", port);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_ok_value(s, "inl 0x%x", port);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v)
{
    qtest_ok(s, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t v)
{
    qtest_ok(s, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t v)
{
    qtest_ok(s, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v)
{
    qtest_ok(s, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_ok_value(s, "readb 0x%" PRIx64, addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_ok_value(s, "readw 0x%" PRIx64, addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_ok_value(s, "readl 0x%" PRIx64, addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_ok_value(s, "readq 0x%" PRIx64, addr);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *reply = qtest_raw_cmd(s, "read 0x%" PRIx64 " 0x%zx",
                                           addr, size);
    uint8_t *out = data;

    g_assert_true(g_str_has_prefix(reply, "OK 0x"));
    g_assert_cmpuint(strlen(reply + 5), ==, size * 2);
    for (size_t i = 0; i < size; i++) {
        out[i] = g_ascii_xdigit_value(reply[5 + 2 * i]) << 4 |
                 g_ascii_xdigit_value(reply[6 + 2 * i]);
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    const uint8_t *in = data;
    g_autofree char *hex = g_malloc(size * 2 + 1);

    for (size_t i = 0; i < size; i++) {
        snprintf(hex + 2 * i, 3, "%02x", in[i]);
    }
    hex[size * 2] = '\0';
    qtest_ok(s, "write 0x%" PRIx64 " 0x%zx 0x%s", addr, size, hex);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *reply = qtest_raw_cmd(s, "b64read 0x%" PRIx64 " 0x%zx",
                                           addr, size);
    g_autofree uint8_t *dec = NULL;
    gsize len;

    g_assert_true(g_str_has_prefix(reply, "OK "));
    dec = g_base64_decode(reply + 3, &len);
    g_assert_cmpuint(len, ==, size);
    memcpy(data, dec, size);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    g_autofree char *enc = g_base64_encode(data, size);

    qtest_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, size, enc);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    qtest_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, size, pattern);
}

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    if (step < 0) {
        return qtest_ok_value(s, "clock_step");
    }
    return qtest_ok_value(s, "clock_step %" PRId64, step);
}

int64_t qtest_clock_set(QTestState *s, int64_t val)
{
    return qtest_ok_value(s, "clock_set %" PRId64, val);
}

void qtest_irq_intercept_in(QTestState *s, const char *qom_path)
{
    qtest_ok(s, "irq_intercept_in %s", qom_path);
}

void qtest_irq_intercept_out(QTestState *s, const char *qom_path)
{
    qtest_ok(s, "irq_intercept_out %s", qom_path);
}

bool qtest_get_irq(QTestState *s, int num)
{
    g_autofree char *reply = NULL;

    g_assert_cmpint(num, >=, 0);
    g_assert_cmpint(num, <, MAX_IRQ);
    /* Any pending notifications arrive before this reply. */
    reply = qtest_raw_cmd(s, "endianness");
    g_assert_cmpstr(reply, ==, "OK little");
    return s->irq_level[num];
}

uint32_t qtest_pci_cfg_readl(QTestState *s, int devfn, int offset)
{
    qtest_outl(s, 0xcf8, 0x80000000u | (devfn << 8) | (offset & 0xfc));
    return qtest_inl(s, 0xcfc);
}

/* ---- QMP --------------------------------------------------------------- */

/* Our test texts use single quotes for readability, like QEMU's tests. */
static char *quote_fixup(const char *text)
{
    return g_strdelimit(g_strdup(text), "'", '"');
}

static void qmp_send(QTestState *s, const int *fds, size_t nfds,
                     const char *text)
{
    /*
     * One write with the newline: QEMU acts on the closing brace, and
     * after "quit" it may be gone before a separate "\n" arrives.
     */
    g_autofree char *fixed = quote_fixup(text);
    g_autofree char *json = g_strconcat(fixed, "\n", NULL);

    if (nfds) {
        struct iovec iov = { .iov_base = json, .iov_len = strlen(json) };
        char control[CMSG_SPACE(sizeof(int) * 16)] = { 0 };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control,
            .msg_controllen = CMSG_SPACE(sizeof(int) * nfds),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        ssize_t n;

        g_assert_cmpuint(nfds, <=, 16);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        n = sendmsg(s->qmp_fd, &msg, MSG_NOSIGNAL);
        g_assert_cmpint(n, ==, (ssize_t)strlen(json));
        return;
    }
    write_all(s->qmp_fd, json, strlen(json));
}

void qtest_qmp_send_raw(QTestState *s, const char *text)
{
    write_all(s->qmp_fd, text, strlen(text));
}

char *qtest_qmp_receive_line(QTestState *s)
{
    return read_line(s, s->qmp_fd, s->qmp_buf);
}

static JsonObject *qmp_read_message(QTestState *s)
{
    g_autofree char *line = read_line(s, s->qmp_fd, s->qmp_buf);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, line, -1, &err)) {
        g_error("QEMU sent invalid JSON: %s (%s)", line, err->message);
    }
    root = json_parser_get_root(parser);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    return json_object_ref(json_node_get_object(root));
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    JsonObject *ev = g_queue_pop_head(&s->events);

    return ev ? ev : qmp_read_message(s);
}

JsonObject *qtest_qmp_receive_queued(QTestState *s)
{
    return g_queue_pop_head(&s->events);
}

static JsonObject *qmp_wait_reply(QTestState *s)
{
    for (;;) {
        JsonObject *msg = qmp_read_message(s);

        if (json_object_has_member(msg, "event")) {
            g_queue_push_tail(&s->events, msg);
            continue;
        }
        return msg;
    }
}

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qmp_send(s, NULL, 0, text);
    return qmp_wait_reply(s);
}

JsonObject *qtest_qmp_fds(QTestState *s, const int *fds, size_t nfds,
                          const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qmp_send(s, fds, nfds, text);
    return qmp_wait_reply(s);
}

JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event)
{
    for (GList *l = s->events.head; l; l = l->next) {
        JsonObject *ev = l->data;

        if (!g_strcmp0(json_object_get_string_member(ev, "event"), event)) {
            g_queue_delete_link(&s->events, l);
            return ev;
        }
    }
    for (;;) {
        JsonObject *msg = qmp_read_message(s);

        if (json_object_has_member(msg, "event") &&
            !g_strcmp0(json_object_get_string_member(msg, "event"), event)) {
            return msg;
        }
        g_queue_push_tail(&s->events, msg);
    }
}

void qtest_qmp_eventwait(QTestState *s, const char *event)
{
    json_object_unref(qtest_qmp_eventwait_ref(s, event));
}

uint32_t qtest_pmem_readl(QTestState *s, uint64_t addr, const char *path)
{
    g_autofree char *data = NULL;
    gsize len;
    uint32_t v;
    JsonObject *rsp = qtest_qmp(s,
        "{'execute': 'pmemsave', 'arguments': {'val': %" G_GUINT64_FORMAT
        ", 'size': 4, 'filename': '%s'}}", addr, path);

    qmp_expect_return(rsp);
    json_object_unref(rsp);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, ==, 4);
    memcpy(&v, data, 4);
    return GUINT32_FROM_LE(v);
}

bool qtest_kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        g_test_message("/dev/kvm cannot be opened (%s): these tests need "
                       "KVM and fail without it", g_strerror(errno));
        g_test_fail();
        return false;
    }
    close(fd);
    return true;
}

JsonNode *qmp_expect_return(JsonObject *rsp)
{
    if (!json_object_has_member(rsp, "return")) {
        g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(),
                                                         rsp);
        g_autofree char *text = json_to_string(node, FALSE);

        g_error("expected a QMP return, got %s", text);
    }
    return json_object_get_member(rsp, "return");
}

JsonObject *qmp_expect_return_object(JsonObject *rsp)
{
    JsonNode *ret = qmp_expect_return(rsp);

    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    return json_node_get_object(ret);
}

JsonArray *qmp_expect_return_array(JsonObject *rsp)
{
    JsonNode *ret = qmp_expect_return(rsp);

    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    return json_node_get_array(ret);
}

const char *qmp_expect_error(JsonObject *rsp, const char *cls)
{
    JsonObject *err;

    if (!json_object_has_member(rsp, "error")) {
        g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(),
                                                         rsp);
        g_autofree char *text = json_to_string(node, FALSE);

        g_error("expected a QMP error, got %s", text);
    }
    err = json_object_get_object_member(rsp, "error");
    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, cls);
    return json_object_get_string_member(err, "desc");
}

void qtest_qmp_getfd(QTestState *s, int fd, const char *name)
{
    g_autoptr(JsonObject) rsp = qtest_qmp_fds(
        s, &fd, 1, "{'execute': 'getfd', 'arguments': {'fdname': '%s'}}",
        name);

    qmp_expect_return(rsp);
}

/* ---- command-line runs ------------------------------------------------ */

int qtest_run(const char *args, char **out, char **err, int timeout_s)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) extra = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    if (args && *args) {
        g_assert_true(g_shell_parse_argv(args, NULL, &extra, NULL));
    }
    g_ptr_array_add(argv, g_strdup("timeout"));
    g_ptr_array_add(argv, g_strdup("-s"));
    g_ptr_array_add(argv, g_strdup("KILL"));
    g_ptr_array_add(argv, g_strdup_printf("%d", timeout_s));
    g_ptr_array_add(argv, g_strdup(qtest_qemu_binary()));
    for (int i = 0; extra && extra[i]; i++) {
        g_ptr_array_add(argv, g_strdup(extra[i]));
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                      NULL, NULL, out, err, &status, &gerr)) {
        g_error("cannot run %s: %s", qtest_qemu_binary(), gerr->message);
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + WTERMSIG(status);
}
