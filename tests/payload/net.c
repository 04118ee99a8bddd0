/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The igbvf step: the guest's igbvf driver runs an assigned SR-IOV VF.  The
 * step finds the interface igbvf bound, sets it up, says it is waiting and
 * waits until the PF's mailbox reports the link (operstate "up", carrier 1).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

struct iface {
    char name[IFNAMSIZ];
};

static bool find_igbvf(void *opaque)
{
    struct iface *ifc = opaque;
    DIR *d = opendir("/sys/class/net");
    struct dirent *e;
    bool found = false;

    if (!d) {
        return false;
    }
    while (!found && (e = readdir(d))) {
        char path[512], target[256];
        ssize_t n;

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver",
                 e->d_name);
        n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0) {
            continue;
        }
        target[n] = '\0';
        if (!strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target,
                    "igbvf") && strlen(e->d_name) < IFNAMSIZ) {
            snprintf(ifc->name, sizeof(ifc->name), "%s", e->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

static bool link_up(void *opaque)
{
    struct iface *ifc = opaque;
    char path[128], state[32], carrier[8];

    snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifc->name);
    if (!read_text(path, state, sizeof(state)) || strcmp(state, "up")) {
        return false;
    }
    snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifc->name);
    return read_text(path, carrier, sizeof(carrier)) && !strcmp(carrier, "1");
}

static bool set_up(const char *name, char *err, size_t size)
{
    struct ifreq ifr = { 0 };
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = false;

    if (s < 0) {
        snprintf(err, size, "socket: %s", strerror(errno));
        return false;
    }
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        snprintf(err, size, "SIOCGIFFLAGS on %s: %s", name, strerror(errno));
    } else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
            snprintf(err, size, "SIOCSIFFLAGS on %s: %s", name,
                     strerror(errno));
        } else {
            ok = true;
        }
    }
    close(s);
    return ok;
}

/*
 * Waits up to timeout_s for the host to answer a "waiting" line with a line
 * on the console (any text); false if none came.
 */
static bool host_answer(double timeout_s)
{
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    char line[128];

    if (poll(&pfd, 1, (int)(timeout_s * 1000)) <= 0) {
        return false;
    }
    return fgets(line, sizeof(line), stdin) != NULL;
}

/* Unbind and bind igbvf again: its probe resets the VF and asks the PF. */
static bool rebind_igbvf(const char *ifname, char *err, size_t size)
{
    char path[256], target[256], *bdf;
    ssize_t n;

    snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
    n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0) {
        snprintf(err, size, "no PCI device behind %s", ifname);
        return false;
    }
    target[n] = '\0';
    bdf = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    for (int i = 0; i < 2; i++) {
        const char *op = i ? "bind" : "unbind";

        snprintf(path, sizeof(path), "/sys/bus/pci/drivers/igbvf/%s", op);
        if (!write_text(path, bdf)) {
            snprintf(err, size, "igbvf %s of %.64s: %s", op, bdf,
                     strerror(errno));
            return false;
        }
    }
    return true;
}

bool step_igbvf_link(void)
{
    struct iface ifc = { "" };
    double wait = payload_param_ulong("wait", 30), start;
    char err[160], path[128], mac[32] = "unknown", state[32] = "unknown";
    bool answered;

    if (!wait_for(find_igbvf, &ifc, wait)) {
        payload_step("igbvf-link", false, "no interface bound to igbvf (is "
                     "the VF assigned and the igbvf driver built in?)",
                     "waited=%.0f", wait);
        return false;
    }
    /*
     * igbvf's probe resets the VF and waits for the PF driver's answer on
     * the mailbox, which comes only while the PF's interface is up.  So
     * the guest says it is waiting, whoever runs the PF makes sure of
     * that, and when the host answers (a line on the console) the guest
     * probes igbvf again.  With no answer it goes on with the VF as it is.
     */
    payload_line("event=waiting name=igbvf-link iface=%s", ifc.name);
    answered = host_answer(wait);
    if (answered && (!rebind_igbvf(ifc.name, err, sizeof(err)) ||
                     !wait_for(find_igbvf, &ifc, wait))) {
        payload_step("igbvf-link", false, err, "iface=%s", ifc.name);
        return false;
    }
    if (!set_up(ifc.name, err, sizeof(err))) {
        payload_step("igbvf-link", false, err, "iface=%s", ifc.name);
        return false;
    }
    start = payload_uptime();
    bool up = wait_for(link_up, &ifc, wait);
    snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifc.name);
    read_text(path, mac, sizeof(mac));
    snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifc.name);
    read_text(path, state, sizeof(state));
    payload_step("igbvf-link", up, up ? NULL : "the link did not come up",
                 "iface=%s mac=%s operstate=%s link_s=%.2f host=%s", ifc.name,
                 mac, state, payload_uptime() - start,
                 answered ? "answered" : "silent");
    return up;
}
