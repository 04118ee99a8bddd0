/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -daemonize and -pidfile (see include/system/daemonize.h).
 */
#include "qemu/osdep.h"
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "qemu/error-report.h"
#include "system/daemonize.h"

static int ready_fd = -1;       /* the daemon's end of the status pipe */
static bool daemonized;
static char *pidfile_path;

static G_NORETURN void wait_for_daemon(int fd)
{
    uint8_t status;
    ssize_t n;

    do {
        n = read(fd, &status, 1);
    } while (n < 0 && errno == EINTR);
    /* EOF: the daemon exited before start-up was complete. */
    _exit(n == 1 ? status : 1);
}

static G_NORETURN void daemonize_fail(const char *what)
{
    error_report("-daemonize: %s: %s", what, strerror(errno));
    exit(1);
}

static pid_t daemonize_fork(void)
{
    pid_t pid = fork();

    if (pid < 0) {
        daemonize_fail("fork");
    }
    return pid;
}

void os_daemonize_start(void)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0) {
        daemonize_fail("pipe");
    }
    if (daemonize_fork() > 0) {
        close(fds[1]);
        wait_for_daemon(fds[0]);
    }
    close(fds[0]);
    /* A new session, then a second fork so we never reacquire a tty. */
    setsid();
    if (daemonize_fork() > 0) {
        _exit(0);
    }
    umask(027);
    signal(SIGTSTP, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    ready_fd = fds[1];
    daemonized = true;
}

bool os_is_daemonized(void)
{
    return daemonized;
}

static void remove_pidfile(void)
{
    if (pidfile_path) {
        unlink(pidfile_path);
    }
}

bool os_write_pidfile(const char *pidfile, Error **errp)
{
    g_autofree char *text = NULL;
    int fd;

    if (!pidfile) {
        return true;
    }
    fd = open(pidfile, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Cannot open pid file");
        return false;
    }
    /* The lock is held as long as the process lives (fd stays open). */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        error_setg_errno(errp, errno, "Cannot lock pid file");
        close(fd);
        return false;
    }
    text = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        error_setg_errno(errp, errno, "Failed to write pid file");
        close(fd);
        return false;
    }
    pidfile_path = g_canonicalize_filename(pidfile, NULL);
    atexit(remove_pidfile);
    return true;
}

void os_daemonize_finish(void)
{
    uint8_t status = 0;
    int null_fd;

    if (!daemonized || ready_fd < 0) {
        return;
    }
    if (chdir("/") < 0) {
        /* Not fatal: only keeps a directory busy. */
    }
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }
    while (write(ready_fd, &status, 1) < 0 && errno == EINTR) {
        /* retry */
    }
    close(ready_fd);
    ready_fd = -1;
}
