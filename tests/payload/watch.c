/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "watch" step: the guest follows what its host does to it, the way a
 * managed guest must for libvirt's lifecycle commands.  It reports an
 * assigned device going away and coming back (hot-unplug and hot-plug on a
 * root port, acknowledged once the guest's own driver has the device
 * again), and ends when the ACPI power button is pressed, so that the
 * guest powers off as `virsh shutdown` expects.
 *
 * The power button is seen through /sys/firmware/acpi/interrupts/
 * ff_pwr_btn, the ACPI core's count of fixed power-button events: the
 * bench kernel has ACPI's button driver (which takes the event) but no
 * evdev to read its input device from.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

#define POWER_BUTTON_COUNT "/sys/firmware/acpi/interrupts/ff_pwr_btn"
#define POLL_US 100000

/* The count of fixed power-button events, or -1 if there is none. */
static long power_button_count(void)
{
    char text[64];

    if (!read_text(POWER_BUTTON_COUNT, text, sizeof(text))) {
        return -1;
    }
    return strtol(text, NULL, 10);
}

/* The driver bound to a PCI function, "" if none. */
static void pci_driver(const char *bdf, char *name, size_t size)
{
    char path[512], target[256];
    ssize_t len;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
    len = readlink(path, target, sizeof(target) - 1);
    if (len <= 0) {
        snprintf(name, size, "%s", "");
        return;
    }
    target[len] = '\0';
    snprintf(name, size, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1
                                                    : target);
}

bool step_watch(void)
{
    /* payload_param() returns a shared buffer: take a copy first. */
    const char *param = payload_param("hotplug", NULL);
    char want[64], driver[256];
    double wait, idle_since;
    struct pci_id id = { "", "", "" };
    unsigned gone = 0, back = 0;
    bool present, bound;
    long presses, base = power_button_count();

    snprintf(want, sizeof(want), "%s", param ? param : "");
    wait = payload_param_ulong("wait", 30);
    if (!param || sscanf(want, "%4[0-9a-f]:%4[0-9a-f]", id.vendor,
                        id.device) != 2) {
        payload_step("watch", false, "payload.hotplug=VVVV:DDDD (lower-case "
                     "hex) names the device to follow", "%s", "");
        return false;
    }
    if (base < 0) {
        payload_step("watch", false, "no " POWER_BUTTON_COUNT " (no ACPI "
                     "fixed power button)", "%s", "");
        return false;
    }
    present = pci_find(&id);
    pci_driver(id.bdf, driver, sizeof(driver));
    bound = present && driver[0];
    /* The host acts once the guest says it is watching. */
    payload_line("event=waiting name=watch device=%s:%s bdf=%s driver=%s",
                 id.vendor, id.device, present ? id.bdf : "none",
                 driver[0] ? driver : "none");
    idle_since = payload_uptime();
    for (;;) {
        bool now = pci_find(&id);

        if (present && !now) {
            gone++;
            payload_line("event=device-gone device=%s:%s bdf=%s", id.vendor,
                         id.device, id.bdf);
            bound = false;
            idle_since = payload_uptime();
        }
        present = now;
        if (present && !bound) {
            pci_driver(id.bdf, driver, sizeof(driver));
            if (driver[0]) {
                bound = true;
                back++;
                payload_line("event=device-back device=%s:%s bdf=%s "
                             "driver=%s", id.vendor, id.device, id.bdf,
                             driver);
                idle_since = payload_uptime();
            }
        }
        presses = power_button_count();
        if (presses > base) {
            payload_line("event=power-button count=%ld", presses);
            break;
        }
        if (payload_uptime() - idle_since > wait) {
            payload_step("watch", false, "nothing happened for "
                         "payload.wait seconds and the power button was not "
                         "pressed", "gone=%u back=%u", gone, back);
            return false;
        }
        usleep(POLL_US);
    }
    payload_step("watch", true, NULL, "gone=%u back=%u power_button=pressed",
                 gone, back);
    return true;
}
