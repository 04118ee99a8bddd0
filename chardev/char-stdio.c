/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stdio chardev (reads fd 0, writes fd 1) and the null chardev
 * (discards output, never produces input).
 */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <poll.h>
#include <termios.h>
#include "chardev/char.h"
#include "qemu/keyval.h"
#include "system/daemonize.h"

static bool stdio_in_use;
static guint stdin_watch;
static struct termios saved_tty;
static bool tty_modified;

static void stdio_restore_tty(void)
{
    if (tty_modified) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        tty_modified = false;
    }
}

/*
 * A guest console wants every key as typed: no echo (the guest echoes),
 * no line editing, no CR/LF translation, no flow control keys.  Output
 * processing stays on; so do signal keys unless @signals is false.
 */
static void stdio_make_raw(bool signals)
{
    static bool atexit_done;
    struct termios tty;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty) < 0) {
        return;
    }
    if (!tty_modified) {
        saved_tty = tty;
    }
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                     ICRNL | IXON);
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tty) == 0) {
        tty_modified = true;
        if (!atexit_done) {
            atexit(stdio_restore_tty);
            atexit_done = true;
        }
    }
}

static gboolean stdin_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /*
         * End of input only: stdout still takes the guest's output (a
         * guest console run with </dev/null, or by a harness), as in
         * QEMU.  Closing the chardev would drop every later write.
         */
        stdin_watch = 0;
        return G_SOURCE_REMOVE;
    }
    qemu_chr_be_write(chr, buf, n);
    return G_SOURCE_CONTINUE;
}

static bool stdio_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    bool signals = true;

    if (!optdict_get_bool(opts, "signal", true, &signals, errp)) {
        return false;
    }
    optdict_remove(opts, "signal");
    if (!optdict_check_empty(opts, errp)) {
        return false;
    }
    /* A daemon's stdio is /dev/null once it has started. */
    if (os_is_daemonized()) {
        error_setg(errp, "cannot use stdio with -daemonize");
        return false;
    }
    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    stdio_make_raw(signals);
    chr->connected = true;
    return true;
}

static void stdio_attach(Chardev *chr)
{
    if (!stdin_watch) {
        stdin_watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP,
                                    stdin_readable, chr);
    }
}

static ssize_t stdio_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        done += n;
    }
    return done;
}

static void stdio_close(Chardev *chr)
{
    if (stdin_watch) {
        g_source_remove(stdin_watch);
        stdin_watch = 0;
    }
    stdio_restore_tty();
    stdio_in_use = false;
}

const ChardevOps chardev_stdio_ops = {
    .name = "stdio",
    .open = stdio_open,
    .write = stdio_write,
    .close = stdio_close,
    .attach = stdio_attach,
};

static bool null_open(Chardev *chr, JsonObject *opts, Error **errp)
{
    if (!optdict_check_empty(opts, errp)) {
        return false;
    }
    chr->connected = true;
    return true;
}

static ssize_t null_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return len;
}

const ChardevOps chardev_null_ops = {
    .name = "null",
    .open = null_open,
    .write = null_write,
};
