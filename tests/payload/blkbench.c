/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block read benchmark (blkbench.h).  No libaio: the few AIO system
 * calls are made directly, so the static payload needs no extra library.
 */

#include <errno.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "blkbench.h"
#include "payload.h"

#define SMALL PAYLOAD_BLOCK_SIZE
#define LARGE (1024 * 1024)
/* Read the clock only every few operations: under nested virtualisation
 * the guest's clock source may cost an exit per read. */
#define CLOCK_EVERY 8

struct job {
    const char *name;
    size_t size;
    unsigned depth;
    bool random;
};

static const struct job jobs[] = {
    { "rand4k_qd1", SMALL, 1, true },
    { "rand4k_qd32", SMALL, BLKBENCH_QUEUE_DEPTH, true },
    { "seq1m", LARGE, 1, false },
};

struct run {
    int fd;
    uint64_t blocks;            /* 4 KiB blocks on the device */
    uint64_t rng;
    uint64_t next_seq;          /* next sequential block */
    unsigned long long bad;
    char *err;
    size_t err_size;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: the random block numbers; cheap and good enough to defeat
 * any read-ahead. */
static uint64_t next_random(struct run *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return r->rng * 2685821657736338717ULL;
}

static uint64_t pick_block(struct run *r, const struct job *j)
{
    uint64_t span = j->size / SMALL, b;

    if (j->random) {
        return next_random(r) % r->blocks;
    }
    if (r->next_seq + span > r->blocks) {
        r->next_seq = 0;
    }
    b = r->next_seq;
    r->next_seq += span;
    return b;
}

/* Every 4 KiB block of buf must carry its own number. */
static void check_stamps(struct run *r, const char *buf, size_t len,
                         uint64_t first)
{
    char want[PAYLOAD_STAMP_LEN + 1];

    for (size_t off = 0; off < len; off += SMALL) {
        snprintf(want, sizeof(want), PAYLOAD_STAMP_FMT,
                 (unsigned)(first + off / SMALL));
        if (memcmp(buf + off, want, PAYLOAD_STAMP_LEN)) {
            r->bad++;
        }
    }
}

static bool fail(struct run *r, const char *what, long err)
{
    snprintf(r->err, r->err_size, "%s: %s", what,
             err < 0 ? strerror((int)-err) : "short read");
    return false;
}

/* One read at a time: pread, checked, until the time is up. */
static bool run_sync(struct run *r, const struct job *j, void *buf,
                     double seconds, unsigned long long *ops, double *took)
{
    double start = now(), elapsed = 0;

    *ops = 0;
    while (elapsed < seconds) {
        uint64_t b = pick_block(r, j);
        ssize_t got = pread(r->fd, buf, j->size, (off_t)(b * SMALL));

        if (got != (ssize_t)j->size) {
            return fail(r, j->name, got < 0 ? -errno : 0);
        }
        check_stamps(r, buf, j->size, b);
        if (++*ops % CLOCK_EVERY == 0 || j->size == LARGE) {
            elapsed = now() - start;
        }
    }
    *took = now() - start;
    return true;
}

static long sys_io_setup(unsigned n, aio_context_t *ctx)
{
    return syscall(SYS_io_setup, n, ctx);
}

static long sys_io_destroy(aio_context_t ctx)
{
    return syscall(SYS_io_destroy, ctx);
}

static long sys_io_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
    return syscall(SYS_io_submit, ctx, n, iocbs);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max,
                             struct io_event *events)
{
    return syscall(SYS_io_getevents, ctx, min, max, events, NULL);
}

static void prepare(struct run *r, const struct job *j, struct iocb *cb,
                    char *buf)
{
    uint64_t b = pick_block(r, j);

    memset(cb, 0, sizeof(*cb));
    cb->aio_fildes = r->fd;
    cb->aio_lio_opcode = IOCB_CMD_PREAD;
    cb->aio_buf = (uintptr_t)buf;
    cb->aio_nbytes = j->size;
    cb->aio_offset = (int64_t)(b * SMALL);
    cb->aio_data = b;
}

/*
 * depth reads in flight: each completion is checked and replaced by a new
 * read until the time is up, then the ones in flight are reaped.
 */
static bool run_aio(struct run *r, const struct job *j, char *bufs,
                    double seconds, unsigned long long *ops, double *took)
{
    struct iocb cbs[BLKBENCH_QUEUE_DEPTH], *submit[BLKBENCH_QUEUE_DEPTH];
    struct io_event events[BLKBENCH_QUEUE_DEPTH];
    aio_context_t ctx = 0;
    unsigned inflight = 0;
    double start, elapsed = 0;
    long ret;
    bool ok = false;

    *ops = 0;
    ret = sys_io_setup(j->depth, &ctx);
    if (ret < 0) {
        return fail(r, "io_setup", -errno);
    }
    start = now();
    for (unsigned i = 0; i < j->depth; i++) {
        prepare(r, j, &cbs[i], bufs + i * j->size);
        submit[i] = &cbs[i];
    }
    ret = sys_io_submit(ctx, j->depth, submit);
    if (ret != (long)j->depth) {
        fail(r, "io_submit", ret < 0 ? -errno : 0);
        goto out;
    }
    inflight = j->depth;
    while (inflight) {
        long n = sys_io_getevents(ctx, 1, j->depth, events);
        long again = 0;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(r, "io_getevents", -errno);
            goto out;
        }
        inflight -= n;
        for (long i = 0; i < n; i++) {
            struct iocb *cb = (struct iocb *)(uintptr_t)events[i].obj;

            if (events[i].res != (int64_t)j->size) {
                fail(r, j->name, events[i].res < 0 ? events[i].res : 0);
                goto out;
            }
            check_stamps(r, (char *)(uintptr_t)cb->aio_buf, j->size,
                         events[i].data);
            ++*ops;
            if (elapsed < seconds) {
                prepare(r, j, cb, (char *)(uintptr_t)cb->aio_buf);
                submit[again++] = cb;
            }
        }
        if (elapsed < seconds) {
            elapsed = now() - start;
        }
        if (again) {
            ret = sys_io_submit(ctx, again, submit);
            if (ret != again) {
                fail(r, "io_submit", ret < 0 ? -errno : 0);
                goto out;
            }
            inflight += again;
        }
    }
    *took = now() - start;
    ok = true;
out:
    if (!ok && inflight) {
        /* Reap what is in flight before its buffers go away. */
        while (inflight && sys_io_getevents(ctx, 1, j->depth, events) > 0) {
            inflight--;
        }
    }
    sys_io_destroy(ctx);
    return ok;
}

bool blkbench_run(int fd, uint64_t device_bytes, double seconds,
                  char *out, size_t out_size, unsigned long long *bad,
                  char *err, size_t err_size)
{
    struct run r = {
        .fd = fd, .blocks = device_bytes / SMALL,
        .rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(now() * 1e9),
        .err = err, .err_size = err_size,
    };
    size_t used = 0, bytes = BLKBENCH_QUEUE_DEPTH * SMALL;
    char *buf;
    bool ok = true;

    if (r.blocks < LARGE / SMALL) {
        snprintf(err, err_size, "the device (%llu bytes) is smaller than "
                 "one 1 MiB read", (unsigned long long)device_bytes);
        return false;
    }
    if (bytes < LARGE) {
        bytes = LARGE;
    }
    if (posix_memalign((void **)&buf, SMALL, bytes)) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    out[0] = '\0';
    for (size_t i = 0; ok && i < sizeof(jobs) / sizeof(jobs[0]); i++) {
        const struct job *j = &jobs[i];
        unsigned long long ops = 0;
        double took = 0;

        ok = j->depth > 1 ? run_aio(&r, j, buf, seconds, &ops, &took)
                          : run_sync(&r, j, buf, seconds, &ops, &took);
        if (ok && used < out_size) {
            used += snprintf(out + used, out_size - used,
                             "%s%s_ops=%llu %s_s=%.3f %s_iops=%.0f "
                             "%s_mb_s=%.2f", used ? " " : "", j->name, ops,
                             j->name, took, j->name,
                             took > 0 ? ops / took : 0.0, j->name,
                             took > 0 ? ops * (double)j->size / 1e6 / took
                                      : 0.0);
        }
    }
    if (ok && used < out_size) {
        snprintf(out + used, out_size - used, " bad=%llu", r.bad);
    }
    *bad = r.bad;
    free(buf);
    return ok;
}
