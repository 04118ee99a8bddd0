/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVMe steps: the guest's own nvme driver reads the assigned controller's
 * namespace.  The test image stamps every 4 KiB block with its number, so a
 * read proves which block of the image it came from; reads bypass the page
 * cache (O_DIRECT), so they are DMA from the device every time.  The
 * write step writes its own pattern, which carries a number drawn at boot,
 * and reads it back the same way: a block that still holds an older run's
 * data (the bench keeps the image between second-level boots) fails.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "blkbench.h"
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

/*
 * Open the namespace for direct I/O (flags: O_RDONLY or O_RDWR); -1 after a
 * failed step line.
 */
static int open_namespace(const char *step, int flags,
                          unsigned long long *blocks, void **buf)
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
    fd = open("/dev/nvme0n1", flags | O_DIRECT | O_CLOEXEC);
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
    int fd = open_namespace("nvme-verify", O_RDONLY, &blocks, &buf);

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
    int fd = open_namespace("nvme-perf", O_RDONLY, &blocks, &buf);

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

/*
 * The block read benchmark (blkbench.h) on the namespace, for
 * payload.bench_s seconds of guest time per job (default 3).  The bench
 * guest runs the same code on the same controller (nvme-bench.c).
 */
bool step_nvme_bench(void)
{
    unsigned long long blocks, bad = 0;
    char fields[768], err[200] = "";
    double seconds = payload_param_ulong("bench_s", 3);
    void *buf;
    int fd = open_namespace("nvme-bench", O_RDONLY, &blocks, &buf);
    bool ok;

    if (fd < 0) {
        return false;
    }
    free(buf);
    ok = blkbench_run(fd, blocks * PAYLOAD_BLOCK_SIZE, seconds, fields,
                      sizeof(fields), &bad, err, sizeof(err));
    close(fd);
    if (ok && bad) {
        snprintf(err, sizeof(err), "%llu block(s) read carry the wrong "
                 "stamp", bad);
    }
    payload_step("nvme-bench", ok && !bad, err[0] ? err : NULL,
                 "bytes=%llu seconds_per_job=%g%s%s",
                 blocks * PAYLOAD_BLOCK_SIZE, seconds, ok ? " " : "",
                 ok ? fields : "");
    return ok && !bad;
}

/*
 * The write pattern of one 4 KiB block: "WRT%08u" (the block) and the run's
 * number, then words of a sequence seeded by both, so every byte of every
 * block is checked.
 */
static void fill_block(uint32_t *words, unsigned long long block,
                       uint32_t run)
{
    uint32_t x = run ^ (uint32_t)(block * 2654435761u) ^ 0x5bd1e995u;

    memset(words, 0, 32);
    snprintf((char *)words, 32, "WRT%08u %08x", (unsigned)block, run);
    for (size_t i = 8; i < PAYLOAD_BLOCK_SIZE / sizeof(*words); i++) {
        /* xorshift32: cheap, and never stuck at zero with a non-zero x */
        x = x ? x : 1;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        words[i] = x;
    }
}

/* pwrite or pread all of n bytes at off; a short transfer is an error. */
static bool transfer(int fd, void *buf, size_t n, off_t off, bool write,
                     char *msg, size_t size)
{
    ssize_t got = write ? pwrite(fd, buf, n, off) : pread(fd, buf, n, off);

    if (got == (ssize_t)n) {
        return true;
    }
    snprintf(msg, size, "%s at byte %lld: %s", write ? "write" : "read",
             (long long)off, got < 0 ? strerror(errno) : "short transfer");
    return false;
}

bool step_nvme_write(void)
{
    unsigned long long blocks, want, first, bad = 0, bad_block = 0;
    double start, write_s, read_s;
    char msg[160] = "";
    uint32_t run, *expect;
    void *buf;
    int fd = open_namespace("nvme-write", O_RDWR, &blocks, &buf);
    bool ok = false;

    if (fd < 0) {
        return false;
    }
    want = payload_param_ulong("write_mib", 64) * (1024 * 1024 /
                                                   PAYLOAD_BLOCK_SIZE);
    /* By default the last write_mib of the namespace, after the stamps
     * that nvme-verify reads at its start. */
    first = payload_param_ulong("write_block", blocks > want ?
                                blocks - want : 0);
    expect = aligned_alloc(PAYLOAD_BLOCK_SIZE, PAYLOAD_BLOCK_SIZE);
    if (!expect || !want || first + want > blocks) {
        snprintf(msg, sizeof(msg), expect ? "blocks %llu..%llu do not fit "
                 "the namespace (%llu blocks)" : "out of memory", first,
                 first + want, blocks);
        goto out;
    }
    if (getrandom(&run, sizeof(run), 0) != sizeof(run)) {
        run = (uint32_t)(payload_uptime() * 1e9);
    }

    start = payload_uptime();
    for (unsigned long long b = 0; b < want; b += CHUNK / PAYLOAD_BLOCK_SIZE) {
        unsigned long long n = want - b;

        n = n > CHUNK / PAYLOAD_BLOCK_SIZE ? CHUNK / PAYLOAD_BLOCK_SIZE : n;
        for (unsigned long long i = 0; i < n; i++) {
            fill_block((uint32_t *)((char *)buf + i * PAYLOAD_BLOCK_SIZE),
                       first + b + i, run);
        }
        if (!transfer(fd, buf, n * PAYLOAD_BLOCK_SIZE,
                      (first + b) * PAYLOAD_BLOCK_SIZE, true, msg,
                      sizeof(msg))) {
            goto out;
        }
    }
    /* The controller may cache writes: flush before reading back. */
    if (fdatasync(fd)) {
        snprintf(msg, sizeof(msg), "flush: %s", strerror(errno));
        goto out;
    }
    write_s = payload_uptime() - start;

    start = payload_uptime();
    for (unsigned long long b = 0; b < want; b += CHUNK / PAYLOAD_BLOCK_SIZE) {
        unsigned long long n = want - b;

        n = n > CHUNK / PAYLOAD_BLOCK_SIZE ? CHUNK / PAYLOAD_BLOCK_SIZE : n;
        memset(buf, 0, n * PAYLOAD_BLOCK_SIZE);
        if (!transfer(fd, buf, n * PAYLOAD_BLOCK_SIZE,
                      (first + b) * PAYLOAD_BLOCK_SIZE, false, msg,
                      sizeof(msg))) {
            goto out;
        }
        for (unsigned long long i = 0; i < n; i++) {
            fill_block(expect, first + b + i, run);
            if (memcmp((char *)buf + i * PAYLOAD_BLOCK_SIZE, expect,
                       PAYLOAD_BLOCK_SIZE) && !bad++) {
                bad_block = first + b + i;
            }
        }
    }
    read_s = payload_uptime() - start;
    if (bad) {
        snprintf(msg, sizeof(msg), "%llu block(s) read back differ from "
                 "what was written, first block %llu", bad, bad_block);
    }
    ok = !bad;
    payload_step("nvme-write", ok, ok ? NULL : msg,
                 "first_block=%llu blocks=%llu bad=%llu run=%08x "
                 "write_s=%.3f read_s=%.3f", first, want, bad, run, write_s,
                 read_s);
    free(expect);
    free(buf);
    close(fd);
    return ok;

out:
    payload_step("nvme-write", false, msg, "first_block=%llu blocks=%llu",
                 first, want);
    free(expect);
    free(buf);
    close(fd);
    return false;
}
