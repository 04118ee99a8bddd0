/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * edu-dma: run in the second-level guest, drives an assigned QEMU "edu"
 * device from user space through sysfs, with guest physical addresses
 * (the kernel has no /dev/mem: the buffer's address comes from
 * /proc/self/pagemap of a locked page).
 *
 *   edu-dma BDF                 one DMA round trip: a page of RAM to the
 *                               device's buffer and back to another page
 *   edu-dma BDF loop            round trips until killed (one line each 16)
 *   edu-dma BDF outside ADDR    DMA from ADDR (outside the guest's RAM) into
 *                               the device, then to ADDR; prints what the
 *                               guest got back, then a normal round trip
 *
 * Each run prints one "EDU-DMA ..." line per result and exits 0 when every
 * check held.  edu's DMA engine reaches 28 address bits: the test boots the
 * guest with less RAM than that so that every page qualifies.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "edu-regs.h"

#define EDU_BUF_SIZE        4096        /* one transfer: the whole buffer */
#define PAGE                4096

static volatile uint32_t *regs;

static uint32_t rd(unsigned off)
{
    return regs[off / 4];
}

static void wr(unsigned off, uint32_t val)
{
    regs[off / 4] = val;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One DMA of count bytes; false if the engine does not finish in 10 s. */
static bool dma(uint64_t src, uint64_t dst, uint32_t count, bool to_ram)
{
    double deadline = now() + 10;

    wr(EDU_DMA_SRC, (uint32_t)src);
    wr(EDU_DMA_SRC + 4, (uint32_t)(src >> 32));
    wr(EDU_DMA_DST, (uint32_t)dst);
    wr(EDU_DMA_DST + 4, (uint32_t)(dst >> 32));
    wr(EDU_DMA_COUNT, count);
    wr(EDU_DMA_CMD, EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
    while (rd(EDU_DMA_CMD) & EDU_DMA_START) {
        if (now() > deadline) {
            return false;
        }
        usleep(1000);
    }
    return true;
}

static uint64_t phys_of(void *va)
{
    uint64_t entry;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    off_t off = (uintptr_t)va / PAGE * sizeof(entry);

    if (fd < 0 || pread(fd, &entry, sizeof(entry), off) != sizeof(entry)) {
        printf("EDU-DMA error=pagemap msg=%s\n", strerror(errno));
        exit(1);
    }
    close(fd);
    if (!(entry & (1ull << 63)) || !(entry & ((1ull << 55) - 1))) {
        printf("EDU-DMA error=pagemap msg=page not present or no PFN "
               "(not root?)\n");
        exit(1);
    }
    return (entry & ((1ull << 55) - 1)) * PAGE;
}

/* RAM page a -> device buffer -> RAM page b; true if b came back as a. */
static bool round_trip(uint8_t *a, uint64_t pa, uint8_t *b, uint64_t pb,
                       unsigned seed)
{
    for (unsigned i = 0; i < EDU_BUF_SIZE; i++) {
        a[i] = (uint8_t)(i * 7 + seed);
    }
    memset(b, 0, EDU_BUF_SIZE);
    if (!dma(pa, EDU_BUFFER, EDU_BUF_SIZE, false) ||
        !dma(EDU_BUFFER, pb, EDU_BUF_SIZE, true)) {
        printf("EDU-DMA error=timeout msg=the DMA engine did not finish\n");
        return false;
    }
    return !memcmp(a, b, EDU_BUF_SIZE);
}

int main(int argc, char **argv)
{
    char path[256];
    int fd;
    uint8_t *buf;
    uint64_t pa, pb;
    bool ok = true;

    if (argc < 2) {
        fprintf(stderr, "usage: edu-dma BDF [loop | outside ADDR]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", argv[1]);
    fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, "1", 1) != 1) {
        printf("EDU-DMA error=enable msg=%s: %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
             argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    regs = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                      MAP_SHARED, fd, 0);
    if (regs == MAP_FAILED) {
        printf("EDU-DMA error=bar0 msg=%s: %s\n", path, strerror(errno));
        return 1;
    }
    if (rd(EDU_ID) != 0x010000ed) {
        printf("EDU-DMA error=id msg=id register 0x%08x\n", rd(EDU_ID));
        return 1;
    }
    wr(EDU_LIVENESS, 0x12345678);
    if (rd(EDU_LIVENESS) != (uint32_t)~0x12345678u) {
        printf("EDU-DMA error=liveness msg=0x%08x\n", rd(EDU_LIVENESS));
        return 1;
    }
    /* Bus mastering: the command register's bit 2. */
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[1]);
    fd = open(path, O_RDWR);
    if (fd >= 0) {
        uint16_t cmd;

        if (pread(fd, &cmd, 2, 4) == 2) {
            cmd |= 0x6;
            if (pwrite(fd, &cmd, 2, 4) != 2) {
                fd = -1;
            }
        }
    }
    if (fd < 0) {
        printf("EDU-DMA error=config msg=%s: %s\n", path, strerror(errno));
        return 1;
    }
    buf = aligned_alloc(PAGE, 2 * PAGE);
    if (!buf || mlock(buf, 2 * PAGE)) {
        printf("EDU-DMA error=mlock msg=%s\n", strerror(errno));
        return 1;
    }
    memset(buf, 0, 2 * PAGE);
    pa = phys_of(buf);
    pb = phys_of(buf + PAGE);
    if ((pa | pb) & ~(EDU_DMA_LIMIT - 1)) {
        printf("EDU-DMA error=mask msg=buffer at 0x%" PRIx64 "/0x%" PRIx64
               " beyond edu's 28 bits\n", pa, pb);
        return 1;
    }

    if (argc > 2 && !strcmp(argv[2], "loop")) {
        for (unsigned n = 1;; n++) {
            if (!round_trip(buf, pa, buf + PAGE, pb, n)) {
                printf("EDU-DMA loop=%u result=mismatch\n", n);
                return 1;
            }
            if (n % 16 == 1) {
                printf("EDU-DMA loop=%u result=ok\n", n);
            }
        }
    }
    if (argc > 3 && !strcmp(argv[2], "outside")) {
        uint64_t out = strtoull(argv[3], NULL, 0);
        unsigned leaked = 0;

        /* Mark the device's buffer, then ask for memory we do not have. */
        memset(buf, 0x5a, EDU_BUF_SIZE);
        dma(pa, EDU_BUFFER, EDU_BUF_SIZE, false);
        if (!dma(out, EDU_BUFFER, EDU_BUF_SIZE, false) ||
            !dma(EDU_BUFFER, pb, EDU_BUF_SIZE, true)) {
            printf("EDU-DMA outside=0x%" PRIx64 " result=timeout\n", out);
            return 1;
        }
        for (unsigned i = 0; i < EDU_BUF_SIZE; i++) {
            leaked += buf[PAGE + i] != 0x5a && buf[PAGE + i] != 0 &&
                      buf[PAGE + i] != 0xff;
        }
        printf("EDU-DMA outside=0x%" PRIx64 " read_first=0x%02x "
               "foreign_bytes=%u\n", out, buf[PAGE], leaked);
        ok = !leaked;
        /* And a write there: it must not land anywhere we can see. */
        memset(buf, 0xa5, EDU_BUF_SIZE);
        dma(pa, EDU_BUFFER, EDU_BUF_SIZE, false);
        if (!dma(EDU_BUFFER, out, EDU_BUF_SIZE, true)) {
            printf("EDU-DMA outside=0x%" PRIx64 " write=timeout\n", out);
            return 1;
        }
        printf("EDU-DMA outside=0x%" PRIx64 " write=done\n", out);
    }
    if (!round_trip(buf, pa, buf + PAGE, pb, 0x33)) {
        printf("EDU-DMA round_trip=mismatch src=0x%" PRIx64 " dst=0x%" PRIx64
               "\n", pa, pb);
        return 1;
    }
    printf("EDU-DMA round_trip=ok src=0x%" PRIx64 " dst=0x%" PRIx64 "\n",
           pa, pb);
    return ok ? 0 : 1;
}
