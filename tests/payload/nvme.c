/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVMe steps: the guest's own nvme driver reads the assigned controller's
 * namespace.  The test image stamps every 4 KiB block with its number, so a
 * read proves which block of the image it came from; reads bypass the page
 * cache (O_DIRECT), so they are DMA from the device every time.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"

#define CHUNK (1024 * 1024)

static bool namespace_present(void *opaque)
{
    return access("/sys/block/nvme0n1/size", R_OK) == 0 &&
           access("/dev/nvme0n1", R_OK) == 0;
}

/* Interrupt kind and vector count of the controller: msix, msi or intx. */
static void nvme_irqs(char *kind, size_t size, unsigned *vectors)
{
    DIR *d = opendir("/sys/block/nvme0n1/device/device/msi_irqs");
    struct dirent *e;
    char path[512], mode[16];

    snprintf(kind, size, "intx");
    *vectors = 0;
    if (!d) {
        return;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path),
                 "/sys/block/nvme0n1/device/device/msi_irqs/%s", e->d_name);
        if (read_text(path, mode, sizeof(mode))) {
            snprintf(kind, size, "%s", mode);
        }
        (*vectors)++;
    }
    closedir(d);
}

/* Open the namespace for direct reads; -1 after a failed step line. */
static int open_namespace(const char *step, unsigned long long *blocks,
                          void **buf)
{
    char text[64];
    double wait = payload_param_ulong("wait", 30);
    int fd;

    if (!wait_for(namespace_present, NULL, wait)) {
        payload_step(step, false, "no nvme0n1 appeared (is the controller "
                     "assigned and the nvme driver built in?)",
                     "waited=%.0f", wait);
        return -1;
    }
    if (!read_text("/sys/block/nvme0n1/size", text, sizeof(text))) {
        payload_step(step, false, "cannot read /sys/block/nvme0n1/size", "%s",
                     "");
        return -1;
    }
    *blocks = strtoull(text, NULL, 10) * 512 / PAYLOAD_BLOCK_SIZE;
    fd = open("/dev/nvme0n1", O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) {
        payload_step(step, false, strerror(errno), "device=/dev/nvme0n1");
        return -1;
    }
    if (posix_memalign(buf, PAYLOAD_BLOCK_SIZE, CHUNK)) {
        close(fd);
        payload_step(step, false, "out of memory", "%s", "");
        return -1;
    }
    return fd;
}

bool step_nvme_verify(void)
{
    unsigned long long blocks, want, done = 0, bad_block = 0, bad = 0;
    char kind[16], expect[PAYLOAD_STAMP_LEN + 1], msg[160];
    unsigned vectors;
    void *buf;
    int fd = open_namespace("nvme-verify", &blocks, &buf);

    if (fd < 0) {
        return false;
    }
    want = payload_param_ulong("blocks", blocks);
    if (want > blocks) {
        want = blocks;
    }
    while (done < want) {
        size_t n = (want - done) * PAYLOAD_BLOCK_SIZE;
        ssize_t got;

        if (n > CHUNK) {
            n = CHUNK;
        }
        got = pread(fd, buf, n, done * PAYLOAD_BLOCK_SIZE);
        if (got <= 0 || got % PAYLOAD_BLOCK_SIZE) {
            snprintf(msg, sizeof(msg), "read at block %llu: %s", done,
                     got < 0 ? strerror(errno) : "short read");
            free(buf);
            close(fd);
            payload_step("nvme-verify", false, msg, "blocks=%llu", done);
            return false;
        }
        for (ssize_t off = 0; off < got; off += PAYLOAD_BLOCK_SIZE) {
            unsigned long long b = done + off / PAYLOAD_BLOCK_SIZE;

            snprintf(expect, sizeof(expect), PAYLOAD_STAMP_FMT, (unsigned)b);
            if (memcmp((char *)buf + off, expect, PAYLOAD_STAMP_LEN)) {
                if (!bad++) {
                    bad_block = b;
                }
            }
        }
        done += got / PAYLOAD_BLOCK_SIZE;
    }
    free(buf);
    close(fd);
    nvme_irqs(kind, sizeof(kind), &vectors);
    if (bad) {
        snprintf(msg, sizeof(msg), "%llu block(s) carry the wrong stamp, "
                 "first block %llu", bad, bad_block);
    }
    payload_step("nvme-verify", !bad, bad ? msg : NULL,
                 "blocks=%llu bad=%llu irq=%s vectors=%u", done, bad, kind,
                 vectors);
    return !bad;
}

bool step_nvme_perf(void)
{
    unsigned long long blocks, bytes, done = 0;
    double start, secs;
    void *buf;
    int fd = open_namespace("nvme-perf", &blocks, &buf);

    if (fd < 0) {
        return false;
    }
    bytes = payload_param_ulong("perf_mib", 64) * 1024 * 1024;
    if (bytes > blocks * PAYLOAD_BLOCK_SIZE) {
        bytes = blocks * PAYLOAD_BLOCK_SIZE;
    }
    start = payload_uptime();
    while (done < bytes) {
        ssize_t got = pread(fd, buf, CHUNK, done);

        if (got <= 0) {
            free(buf);
            close(fd);
            payload_step("nvme-perf", false,
                         got < 0 ? strerror(errno) : "unexpected end",
                         "bytes=%llu", done);
            return false;
        }
        done += got;
    }
    secs = payload_uptime() - start;
    free(buf);
    close(fd);
    payload_step("nvme-perf", true, NULL,
                 "bytes=%llu seconds=%.3f mib_per_s=%.1f", done, secs,
                 secs > 0 ? done / 1048576.0 / secs : 0.0);
    return true;
}
