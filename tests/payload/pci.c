/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI steps: list what the guest sees, and wait for a device the VMM
 * hot-plugs (PCIe native hot-plug on a root port).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

bool pci_find(void *opaque)
{
    struct pci_id *id = opaque;
    DIR *d = opendir(PCI_DEVICES);
    struct dirent *e;
    bool found = false;

    if (!d) {
        return false;
    }
    while (!found && (e = readdir(d))) {
        char path[512], vendor[16], device[16];

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor", e->d_name);
        if (!read_text(path, vendor, sizeof(vendor))) {
            continue;
        }
        snprintf(path, sizeof(path), PCI_DEVICES "/%s/device", e->d_name);
        if (!read_text(path, device, sizeof(device))) {
            continue;
        }
        if (!strcmp(vendor + 2, id->vendor) &&
            !strcmp(device + 2, id->device)) {
            snprintf(id->bdf, sizeof(id->bdf), "%s", e->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

bool step_hotplug_wait(void)
{
    /* payload_param() returns a shared buffer: take a copy first. */
    const char *param = payload_param("hotplug", NULL);
    char want[64];
    double wait = payload_param_ulong("wait", 30), start = payload_uptime();
    struct pci_id id = { "", "", "" };

    snprintf(want, sizeof(want), "%s", param ? param : "");
    if (!param || sscanf(want, "%4[0-9a-f]:%4[0-9a-f]", id.vendor,
                        id.device) != 2) {
        payload_step("hotplug-wait", false, "payload.hotplug=VVVV:DDDD "
                     "(lower-case hex) is required", "%s", "");
        return false;
    }
    /* The VMM is told to plug once the guest says it is waiting. */
    payload_line("event=waiting name=hotplug-wait device=%s:%s", id.vendor,
                 id.device);
    bool found = wait_for(pci_find, &id, wait);
    payload_step("hotplug-wait", found, found ? NULL : "the device did not "
                 "appear", "device=%s:%s bdf=%s after_s=%.2f", id.vendor,
                 id.device, found ? id.bdf : "none",
                 payload_uptime() - start);
    return found;
}

bool step_pci_list(void)
{
    struct dirent **list;
    int n = scandir(PCI_DEVICES, &list, NULL, alphasort);
    unsigned count = 0;

    if (n < 0) {
        payload_step("pci-list", false, "cannot read " PCI_DEVICES, "%s", "");
        return false;
    }
    for (int i = 0; i < n; i++) {
        char path[512], vendor[16], device[16], target[256] = "none";
        ssize_t len;

        if (list[i]->d_name[0] != '.') {
            snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor",
                     list[i]->d_name);
            if (!read_text(path, vendor, sizeof(vendor))) {
                strcpy(vendor, "0x?");
            }
            snprintf(path, sizeof(path), PCI_DEVICES "/%s/device",
                     list[i]->d_name);
            if (!read_text(path, device, sizeof(device))) {
                strcpy(device, "0x?");
            }
            snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver",
                     list[i]->d_name);
            len = readlink(path, target, sizeof(target) - 1);
            if (len > 0) {
                target[len] = '\0';
            }
            payload_line("event=pci bdf=%s id=%s:%s driver=%s",
                         list[i]->d_name, vendor + 2, device + 2,
                         strrchr(target, '/') ? strrchr(target, '/') + 1
                                              : target);
            count++;
        }
        free(list[i]);
    }
    free(list);
    payload_step("pci-list", true, NULL, "devices=%u", count);
    return true;
}
