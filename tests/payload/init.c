/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /init of the second-level guest's initramfs.
 *
 * It mounts what the steps read (proc, sysfs, devtmpfs), runs the steps
 * that payload.cmd= on the kernel command line names, in order, reports
 * each on the console as a PAYLOAD line and ends the guest.  Any VMM that
 * can boot a bzImage with an initrd and a 16550A on ttyS0 can run it; the
 * lines are the whole interface (docs/devel/payload.rst).
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

#define PAYLOAD_PROTOCOL_VERSION 1
#define DEFAULT_CMD "pci-list,poweroff"

static const struct {
    const char *name;
    bool (*run)(void);
} steps[] = {
    { "nvme-verify", step_nvme_verify },
    { "nvme-perf", step_nvme_perf },
    { "nvme-bench", step_nvme_bench },
    { "nvme-write", step_nvme_write },
    { "edu", step_edu },
    { "edu-bench", step_edu_bench },
    { "igbvf-link", step_igbvf_link },
    { "hotplug-wait", step_hotplug_wait },
    { "pci-list", step_pci_list },
    { "watch", step_watch },
};

static void mount_basics(void)
{
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

/* The initramfs has no /dev/console node, so the kernel gave init none. */
static void open_console(void)
{
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);

    if (fd < 0) {
        return;
    }
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) {
        close(fd);
    }
}

/* PID 1 must not return: end the guest, and wait if even that failed. */
static void finish(int how)
{
    sync();
    reboot(how);
    payload_line("event=error msg=reboot(2) failed; halting in place");
    for (;;) {
        pause();
    }
}

static bool run_step(const char *name)
{
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (!strcmp(steps[i].name, name)) {
            return steps[i].run();
        }
    }
    payload_step(name, false, "unknown step", "%s", "");
    return false;
}

int main(void)
{
    char cmd[256], *save = NULL, *tok;
    struct utsname uts;
    unsigned passed = 0, failed = 0;
    int end = RB_POWER_OFF;

    mount_basics();
    open_console();
    setvbuf(stdout, NULL, _IOLBF, 0);
    uname(&uts);
    snprintf(cmd, sizeof(cmd), "%s", payload_param("cmd", DEFAULT_CMD));
    payload_line("event=start protocol=%d kernel=%s uptime=%.3f cmd=%s",
                 PAYLOAD_PROTOCOL_VERSION, uts.release, payload_uptime(),
                 cmd);

    for (tok = strtok_r(cmd, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "poweroff")) {
            end = RB_POWER_OFF;
            break;
        } else if (!strcmp(tok, "reboot")) {
            end = RB_AUTOBOOT;
            break;
        } else if (!strcmp(tok, "shell")) {
            payload_line("event=shell msg=busybox sh on the console");
            execl("/bin/busybox", "sh", (char *)NULL);
            payload_line("event=error msg=cannot start /bin/busybox sh");
            break;
        }
        if (run_step(tok)) {
            passed++;
        } else {
            failed++;
        }
    }
    payload_line("event=end status=%s passed=%u failed=%u uptime=%.3f "
                 "action=%s", failed ? "fail" : "pass", passed, failed,
                 payload_uptime(), end == RB_AUTOBOOT ? "reboot" : "poweroff");
    finish(end);
    return 0;
}
