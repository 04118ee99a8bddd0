/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI function's INTx for a guest program, through uio_pci_generic.
 *
 * A static program cannot take an interrupt itself, and INTx reaches a CPU
 * only once a kernel driver has requested the line.  uio_pci_generic is
 * the stock driver that requests it for any function: its handler masks
 * the function with the command register's INTx Disable bit (after
 * checking the status register's Interrupt Status bit, so the VMM must
 * show the device's), counts the interrupt and wakes a reader of
 * /dev/uioN.  It has no irqcontrol (a write to /dev/uioN fails with
 * ENOSYS): clearing INTx Disable again is the program's, in the
 * function's config space.  The driver has no
 * id table, so the function is handed to it with new_id (or bind, once the
 * id is known to it).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "payload.h"
#include "uio.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define UIO_DRIVER  "/sys/bus/pci/drivers/uio_pci_generic"

#define PCI_COMMAND                 0x04
#define PCI_COMMAND_INTX_DISABLE    0x400

struct uio_lookup {
    const char *bdf;
    char name[32];
};

/* A wait_for() predicate: the uio device the driver made for the function. */
static bool uio_node(void *opaque)
{
    struct uio_lookup *l = opaque;
    char path[512];
    struct dirent *e;
    DIR *d;

    snprintf(path, sizeof(path), PCI_DEVICES "/%s/uio", l->bdf);
    d = opendir(path);
    if (!d) {
        return false;
    }
    l->name[0] = '\0';
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, "uio", 3)) {
            snprintf(l->name, sizeof(l->name), "%.31s", e->d_name);
            break;
        }
    }
    closedir(d);
    return l->name[0] != '\0';
}

int uio_open(const struct pci_id *id, char *msg, size_t size)
{
    struct uio_lookup l = { .bdf = id->bdf };
    char path[512], ids[32], driver[512];
    ssize_t n;
    int fd;

    if (access(UIO_DRIVER, F_OK)) {
        snprintf(msg, size, "the guest kernel has no uio_pci_generic "
                 "(CONFIG_UIO_PCI_GENERIC)");
        return -1;
    }
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", id->bdf);
    n = readlink(path, driver, sizeof(driver) - 1);
    if (n >= 0) {
        driver[n] = '\0';
        if (!strstr(driver, "/uio_pci_generic")) {
            snprintf(msg, size, "%s is bound to %s", id->bdf,
                     strrchr(driver, '/') + 1);
            return -1;
        }
    } else {
        snprintf(ids, sizeof(ids), "%s %s", id->vendor, id->device);
        /* new_id binds every unbound match; bind covers an id it knows. */
        if (!write_text(UIO_DRIVER "/new_id", ids) &&
            !write_text(UIO_DRIVER "/bind", id->bdf)) {
            snprintf(msg, size, "uio_pci_generic did not take %s: %s "
                     "(kernel log: the driver refuses a function whose "
                     "INTx Disable bit does not stick)", id->bdf,
                     strerror(errno));
            return -1;
        }
    }
    if (!wait_for(uio_node, &l, 2)) {
        snprintf(msg, size, "uio_pci_generic made no uio device for %s "
                 "(it refuses a function whose INTx Disable bit does not "
                 "stick)", id->bdf);
        return -1;
    }
    snprintf(path, sizeof(path), "/dev/%s", l.name);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, size, "%s: %s", path, strerror(errno));
    }
    return fd;
}

bool uio_unmask(int config)
{
    uint16_t cmd;

    if (pread(config, &cmd, sizeof(cmd), PCI_COMMAND) != sizeof(cmd)) {
        return false;
    }
    cmd &= ~PCI_COMMAND_INTX_DISABLE;
    return pwrite(config, &cmd, sizeof(cmd), PCI_COMMAND) == sizeof(cmd);
}

int uio_wait(int fd, int timeout_ms, uint32_t *count)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);

    if (r <= 0) {
        return r;
    }
    return read(fd, count, sizeof(*count)) == sizeof(*count) ? 1 : -1;
}
