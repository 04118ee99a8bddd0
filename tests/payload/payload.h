/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second-level guest's payload: what the kernel command line asks for
 * and the steps that can be asked for.
 */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* Block size and stamp of the test images (tests/harness/guest/stamp.py). */
#define PAYLOAD_BLOCK_SIZE 4096
#define PAYLOAD_STAMP_FMT "BLK%08u"
#define PAYLOAD_STAMP_LEN 11

/* "payload.NAME=value" from /proc/cmdline, or fallback; valid until the
 * next call. */
const char *payload_param(const char *name, const char *fallback);
unsigned long payload_param_ulong(const char *name, unsigned long fallback);

/* sysfs and /proc helpers: read a small file, trimmed; false on error. */
bool read_text(const char *path, char *buf, size_t size);
/* Write text to a sysfs or procfs file in one write; false on error, with
 * errno set. */
bool write_text(const char *path, const char *text);
/* Poll until fn() returns true or timeout_s of guest time pass. */
bool wait_for(bool (*fn)(void *), void *opaque, double timeout_s);

/* A PCI function by its ids (lower-case hex without 0x), and its address. */
struct pci_id {
    char vendor[8];
    char device[8];
    char bdf[256];
};

/* A wait_for() predicate: the first function with id's ids, into id->bdf. */
bool pci_find(void *opaque);

/*
 * The steps.  Each prints exactly one "event=step" line and returns whether
 * it passed.
 */
bool step_nvme_verify(void);
bool step_nvme_perf(void);
bool step_nvme_bench(void);
bool step_nvme_write(void);
bool step_edu(void);
bool step_edu_bench(void);
bool step_igbvf_link(void);
bool step_hotplug_wait(void);
bool step_pci_list(void);
bool step_watch(void);

#endif
