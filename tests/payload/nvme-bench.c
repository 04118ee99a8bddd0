/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nvme-bench: the payload's block read benchmark (blkbench.h) as a
 * program of its own, for the bench guest, where the same device is read
 * through its own nvme driver: the ceiling the second-level guests are
 * measured against.  It prints one line in the payload's console protocol
 * (docs/devel/payload.rst), so one reader parses both:
 *
 *     nvme-bench DEVICE [SECONDS-PER-JOB]
 *     PAYLOAD event=step name=nvme-bench status=pass device=... bytes=...
 *         rand4k_qd1_ops=... ... bad=0
 *
 * Exit status 0 only if every read succeeded and carried its stamp.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkbench.h"

int main(int argc, char **argv)
{
    char fields[768], err[200] = "";
    unsigned long long bad = 0;
    double seconds = 3;
    off_t size;
    int fd;
    bool ok;

    if (argc < 2 || argc > 3 ||
        (argc == 3 && (seconds = strtod(argv[2], NULL)) <= 0)) {
        fprintf(stderr, "usage: nvme-bench DEVICE [SECONDS-PER-JOB]\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "nvme-bench: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    size = lseek(fd, 0, SEEK_END);
    if (size <= 0) {
        fprintf(stderr, "nvme-bench: %s: cannot find its size\n", argv[1]);
        close(fd);
        return 1;
    }
    ok = blkbench_run(fd, (uint64_t)size, seconds, fields, sizeof(fields),
                      &bad, err, sizeof(err));
    close(fd);
    if (ok && bad) {
        snprintf(err, sizeof(err), "%llu block(s) read carry the wrong "
                 "stamp", bad);
    }
    printf("PAYLOAD event=step name=nvme-bench status=%s device=%s "
           "bytes=%lld seconds_per_job=%g%s%s%s%s\n",
           ok && !bad ? "pass" : "fail", argv[1], (long long)size, seconds,
           ok ? " " : "", ok ? fields : "", err[0] ? " msg=" : "", err);
    return ok && !bad ? 0 : 1;
}
