/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block read benchmark of the payload's nvme-bench step and of the
 * stand-alone nvme-bench tool (the same code, so a second-level guest's
 * numbers and the bench guest's own are measured alike).
 *
 * Three jobs, all O_DIRECT reads of a stamped image (every 4 KiB block
 * starts with its own number, payload.h), each checked as it arrives:
 *   rand4k_qd1   4 KiB at random blocks, one read at a time (pread)
 *   rand4k_qd32  4 KiB at random blocks, 32 in flight (Linux AIO through
 *                the io_setup/io_submit/io_getevents system calls)
 *   seq1m        1 MiB sequential reads (pread), wrapping at the end
 * Each job runs for a given time; the rate is ops over elapsed time.
 */
#ifndef PAYLOAD_BLKBENCH_H
#define PAYLOAD_BLKBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKBENCH_QUEUE_DEPTH 32

/*
 * Run the three jobs on fd (opened O_RDONLY | O_DIRECT), device_bytes long,
 * each for seconds; append their results to out as key=value pairs
 * ("JOB_ops= JOB_s= JOB_iops= JOB_mb_s=" per job, then "bad=").  On a
 * failed read, false with the reason in err; a stamp that does not match
 * only counts in bad (and *bad).
 */
bool blkbench_run(int fd, uint64_t device_bytes, double seconds,
                  char *out, size_t out_size, unsigned long long *bad,
                  char *err, size_t err_size);

#endif
