/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The edu step: a guest program drives QEMU's educational device
 * (1234:11e8), assigned to this guest, as a driver would, from userspace.
 *
 * No kernel driver claims edu, so the step works through sysfs: the
 * device's config space (.../config) and BAR0 (.../resource0, mmapped).
 * DMA uses guest physical addresses, which the guest has no IOMMU to
 * translate: two locked pages of this process whose frame numbers
 * /proc/self/pagemap gives (PID 1 has CAP_SYS_ADMIN, so it sees them).
 *
 * Interrupts need a handler, and a static program has none.  For MSI the
 * step programs the device's MSI capability itself with the reschedule
 * vector of CPU 0: the kernel counts every arrival in /proc/interrupts
 * ("RES") and, with one CPU, never sends that IPI to itself, so each MSI
 * the device sends and the VMM delivers shows up as one more.  INTx reaches
 * a CPU only once a kernel driver requests the line, so the step hands edu
 * to uio_pci_generic for that part and counts what its handler saw
 * (uio.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "report.h"
#include "edu-regs.h"
#include "uio.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

#define PCI_COMMAND         0x04
#define PCI_COMMAND_MEMORY  0x2
#define PCI_COMMAND_MASTER  0x4
#define PCI_STATUS          0x06
#define PCI_STATUS_CAPS     0x10
#define PCI_CAP_LIST        0x34
#define PCI_CAP_ID_MSI      0x05
#define MSI_CTRL_ENABLE     0x1
#define MSI_CTRL_64BIT      0x80

/* Linux's x86 reschedule IPI vector and its /proc/interrupts row. */
#define RESCHEDULE_VECTOR   0xfd
#define RESCHEDULE_ROW      "RES:"

#define MSI_ROUNDS          16
#define INTX_ROUNDS         16
#define INTX_WAIT_MS        2000
#define PAGE                4096
#define LOW_POOL_CHUNK      (4 * 1024 * 1024)
#define LOW_POOL_CHUNKS     64

struct edu {
    char bdf[256];
    int config;
    volatile uint8_t *bar;
};

static uint32_t rd32(struct edu *e, unsigned off)
{
    return *(volatile uint32_t *)(e->bar + off);
}

static void wr32(struct edu *e, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(e->bar + off) = v;
}

static void wr64(struct edu *e, unsigned off, uint64_t v)
{
    *(volatile uint64_t *)(e->bar + off) = v;
}

static bool cfg_read(struct edu *e, unsigned off, void *val, size_t n)
{
    return pread(e->config, val, n, off) == (ssize_t)n;
}

static bool cfg_write(struct edu *e, unsigned off, const void *val, size_t n)
{
    return pwrite(e->config, val, n, off) == (ssize_t)n;
}

/* Open config space and map BAR0; memory decoding and bus mastering on. */
static bool edu_open(struct edu *e, char *msg, size_t size)
{
    char path[512];
    uint16_t cmd;
    int fd;

    snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", e->bdf);
    e->config = open(path, O_RDWR | O_CLOEXEC);
    if (e->config < 0 || !cfg_read(e, PCI_COMMAND, &cmd, sizeof(cmd))) {
        snprintf(msg, size, "%.120s: %s", path, strerror(errno));
        return false;
    }
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    if (!cfg_write(e, PCI_COMMAND, &cmd, sizeof(cmd))) {
        snprintf(msg, size, "enabling memory and bus master: %s",
                 strerror(errno));
        return false;
    }
    snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0", e->bdf);
    fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, size, "%.120s: %s", path, strerror(errno));
        return false;
    }
    e->bar = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                  fd, 0);
    close(fd);
    if (e->bar == MAP_FAILED) {
        e->bar = NULL;
        snprintf(msg, size, "mmap of BAR0: %s", strerror(errno));
        return false;
    }
    return true;
}

static void edu_close(struct edu *e)
{
    if (e->bar) {
        munmap((void *)e->bar, EDU_BAR0_SIZE);
    }
    if (e->config >= 0) {
        close(e->config);
    }
}

/* The physical address of a resident page of ours, 0 if unknown. */
static uint64_t phys_addr(int pagemap, const void *va)
{
    uint64_t entry;
    off_t off = (uintptr_t)va / PAGE * sizeof(entry);

    if (pread(pagemap, &entry, sizeof(entry), off) != sizeof(entry) ||
        !(entry & (1ULL << 63))) {
        return 0;
    }
    /* bits 0-54: the frame number (zero without CAP_SYS_ADMIN) */
    return (entry & ((1ULL << 55) - 1)) * PAGE;
}

/*
 * Two locked pages below edu's DMA limit.  The kernel hands out high
 * memory first, so take locked chunks until two low pages turn up; the
 * chunks stay mapped (and their pages ours) until release_pool().
 */
struct low_pages {
    void *chunk[LOW_POOL_CHUNKS];
    unsigned chunks;
    uint8_t *va[2];
    uint64_t pa[2];
};

static void release_pool(struct low_pages *lp)
{
    for (unsigned i = 0; i < lp->chunks; i++) {
        munmap(lp->chunk[i], LOW_POOL_CHUNK);
    }
}

static bool low_pages(struct low_pages *lp, char *msg, size_t size)
{
    unsigned found = 0;
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

    if (pagemap < 0) {
        snprintf(msg, size, "/proc/self/pagemap: %s", strerror(errno));
        return false;
    }
    /* Compaction may move locked pages unless told not to. */
    /* Best effort: the check after the DMA still catches a move. */
    (void)write_text("/proc/sys/vm/compact_unevictable_allowed", "0");
    while (found < 2 && lp->chunks < LOW_POOL_CHUNKS) {
        uint8_t *c = mmap(NULL, LOW_POOL_CHUNK, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
                          MAP_LOCKED, -1, 0);

        if (c == MAP_FAILED) {
            break;
        }
        lp->chunk[lp->chunks++] = c;
        for (size_t off = 0; found < 2 && off < LOW_POOL_CHUNK; off += PAGE) {
            uint64_t pa;

            c[off] = 1;
            pa = phys_addr(pagemap, c + off);
            if (pa && pa + PAGE <= EDU_DMA_LIMIT) {
                lp->va[found] = c + off;
                lp->pa[found++] = pa;
            }
        }
    }
    close(pagemap);
    if (found < 2) {
        snprintf(msg, size, "no two resident pages below 256 MiB in %u MiB "
                 "of locked memory (is pagemap hiding frame numbers?)",
                 lp->chunks * (LOW_POOL_CHUNK >> 20));
        return false;
    }
    return true;
}

static bool dma_idle(void *opaque)
{
    return !(rd32(opaque, EDU_DMA_CMD) & EDU_DMA_START);
}

static bool edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t cmd)
{
    wr64(e, EDU_DMA_SRC, src);
    wr64(e, EDU_DMA_DST, dst);
    wr32(e, EDU_DMA_COUNT, PAGE);
    wr32(e, EDU_DMA_CMD, cmd | EDU_DMA_START);
    return wait_for(dma_idle, e, 5);
}

/* The reschedule interrupts all CPUs took so far, -1 if unreadable. */
static long long reschedule_count(void)
{
    char line[1024];
    long long total = -1;
    FILE *f = fopen("/proc/interrupts", "re");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " "), *end;

        if (strncmp(p, RESCHEDULE_ROW, strlen(RESCHEDULE_ROW))) {
            continue;
        }
        total = 0;
        p += strlen(RESCHEDULE_ROW);
        for (;;) {
            long long v = strtoll(p, &end, 10);

            if (end == p) {
                break;
            }
            total += v;
            p = end;
        }
        break;
    }
    fclose(f);
    return total;
}

/*
 * Spin until the count reaches want or timeout_s of guest time pass:
 * wait_for()'s 20 ms sleeps would hide the round-trip time.
 */
static bool count_reaches(long long want, double timeout_s)
{
    double deadline = payload_uptime() + timeout_s;

    while (reschedule_count() < want) {
        if (payload_uptime() >= deadline) {
            return false;
        }
    }
    return true;
}

/* APIC ID of CPU 0, from /proc/cpuinfo; -1 if not found. */
static int cpu0_apic_id(void)
{
    char line[256];
    int id = -1;
    FILE *f = fopen("/proc/cpuinfo", "re");

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "apicid", 6) && strchr(line, ':')) {
            id = atoi(strchr(line, ':') + 1);
            break;
        }
    }
    fclose(f);
    return id;
}

/* Offset of the MSI capability, 0 if the device has none. */
static unsigned msi_cap(struct edu *e)
{
    uint16_t status;
    uint8_t at, hdr[2];

    if (!cfg_read(e, PCI_STATUS, &status, sizeof(status)) ||
        !(status & PCI_STATUS_CAPS) ||
        !cfg_read(e, PCI_CAP_LIST, &at, sizeof(at))) {
        return 0;
    }
    for (int guard = 0; at >= 0x40 && guard < 48; guard++) {
        if (!cfg_read(e, at & ~3u, hdr, sizeof(hdr))) {
            return 0;
        }
        if (hdr[0] == PCI_CAP_ID_MSI) {
            return at & ~3u;
        }
        at = hdr[1];
    }
    return 0;
}

/* Point the device's single MSI vector at CPU 0's reschedule vector. */
static bool msi_enable(struct edu *e, unsigned cap, bool on, char *msg,
                       size_t size)
{
    uint16_t ctrl, data = RESCHEDULE_VECTOR;
    uint32_t addr, zero = 0;
    int apic = cpu0_apic_id();

    if (!cfg_read(e, cap + 2, &ctrl, sizeof(ctrl))) {
        snprintf(msg, size, "cannot read the MSI control word");
        return false;
    }
    if (on) {
        if (apic < 0 || apic > 255) {
            snprintf(msg, size, "CPU 0's APIC ID (%d) does not fit an MSI "
                     "address", apic);
            return false;
        }
        addr = 0xfee00000u | (uint32_t)apic << 12;
        if (!cfg_write(e, cap + 4, &addr, sizeof(addr)) ||
            ((ctrl & MSI_CTRL_64BIT) &&
             !cfg_write(e, cap + 8, &zero, sizeof(zero))) ||
            !cfg_write(e, cap + ((ctrl & MSI_CTRL_64BIT) ? 12 : 8), &data,
                       sizeof(data))) {
            snprintf(msg, size, "cannot program the MSI address and data");
            return false;
        }
        /* one vector (Multiple Message Enable 0), enabled */
        ctrl = (ctrl & ~0x70u) | MSI_CTRL_ENABLE;
    } else {
        ctrl &= ~MSI_CTRL_ENABLE;
    }
    if (!cfg_write(e, cap + 2, &ctrl, sizeof(ctrl))) {
        snprintf(msg, size, "cannot write the MSI control word");
        return false;
    }
    return true;
}

/*
 * One interrupt and the wait for the guest to count it; false if it does
 * not arrive in time.  Waiting each time keeps two messages from merging
 * into one pending vector.
 */
static bool msi_round(struct edu *e, uint32_t raise, long long *count)
{
    bool ok;

    if (raise) {
        wr32(e, EDU_IRQ_RAISE, raise);
    }
    ok = count_reaches(*count + 1, 5);
    wr32(e, EDU_IRQ_ACK, raise ? raise : EDU_DMA_IRQ_VALUE);
    *count = reschedule_count();
    return ok;
}

/*
 * INTx counted by the guest: uio_pci_generic takes the line (uio.c), and
 * each round unmasks, raises edu's interrupt, waits for the driver's count
 * to move and acknowledges the device.  Appends intx= fields to @out; a
 * reason why INTx could not be counted goes to @why.
 */
static void intx_count(struct edu *e, char *out, size_t size, char *why,
                       size_t why_size)
{
    struct pci_id id = { "1234", "11e8", "" };
    unsigned counted = 0;
    uint32_t total = 0;
    double start;
    int fd;

    snprintf(id.bdf, sizeof(id.bdf), "%s", e->bdf);
    fd = uio_open(&id, why, why_size);

    if (fd < 0) {
        snprintf(out + strlen(out), size - strlen(out), " intx=uncounted");
        return;
    }
    start = payload_uptime();
    for (unsigned i = 0; i < INTX_ROUNDS; i++) {
        int got;

        if (!uio_unmask(e->config)) {
            snprintf(why, why_size, "unmasking INTx: %s", strerror(errno));
            break;
        }
        wr32(e, EDU_IRQ_RAISE, 1);
        got = uio_wait(fd, INTX_WAIT_MS, &total);
        wr32(e, EDU_IRQ_ACK, 1);
        if (got < 0) {
            snprintf(why, why_size, "reading the uio device: %s",
                     strerror(errno));
            break;
        }
        counted += got;
    }
    if (!why[0] && counted != INTX_ROUNDS) {
        snprintf(why, why_size, "%u of %d INTx reached the guest", counted,
                 INTX_ROUNDS);
    }
    snprintf(out + strlen(out), size - strlen(out),
             " intx=%u intx_expected=%d intx_total=%u intx_rtt_us=%.0f",
             counted, INTX_ROUNDS, total,
             (payload_uptime() - start) * 1e6 / INTX_ROUNDS);
    close(fd);
}

/*
 * Find the edu, open it and check that BAR0 answers as edu (the
 * identification and the liveness register); false with msg set.
 */
static bool edu_attach(struct edu *e, char *msg, size_t size)
{
    struct pci_id id_edu = { "1234", "11e8", "" };
    double wait = payload_param_ulong("wait", 30);
    uint32_t id, live;

    if (!wait_for(pci_find, &id_edu, wait)) {
        snprintf(msg, size, "no edu (1234:11e8) on the PCI bus within %.0f s",
                 wait);
        return false;
    }
    snprintf(e->bdf, sizeof(e->bdf), "%s", id_edu.bdf);
    if (!edu_open(e, msg, size)) {
        return false;
    }
    id = rd32(e, EDU_ID);
    wr32(e, EDU_LIVENESS, 0x12345678);
    live = rd32(e, EDU_LIVENESS);
    if ((id & 0xff) != 0xed || live != ~0x12345678u) {
        snprintf(msg, size, "BAR0 does not answer as edu: id %08x, "
                 "liveness %08x", id, live);
        return false;
    }
    return true;
}

/*
 * Aim the device's MSI at the reschedule vector; its capability offset in
 * *cap and the guest's count so far in *count.  False with msg set.
 */
static bool msi_start(struct edu *e, unsigned *cap, long long *count,
                      char *msg, size_t size)
{
    *cap = msi_cap(e);
    if (!*cap) {
        snprintf(msg, size, "edu shows no MSI capability");
        return false;
    }
    if (!msi_enable(e, *cap, true, msg, size)) {
        return false;
    }
    *count = reschedule_count();
    if (*count < 0) {
        snprintf(msg, size, "no " RESCHEDULE_ROW " row in /proc/interrupts");
        return false;
    }
    return true;
}

bool step_edu(void)
{
    struct edu e = { .config = -1 };
    struct low_pages lp = { .chunks = 0 };
    char msg[400] = "", result[400] = "", intx_why[200] = "";
    double start;
    long long count, before;
    unsigned cap, counted = 0;
    uint32_t id;
    bool dma_ok = false, ok = false;

    if (!edu_attach(&e, msg, sizeof(msg))) {
        goto out;
    }
    id = rd32(&e, EDU_ID);

    /* DMA: page A -> edu's buffer -> page B, guest physical addresses. */
    if (!low_pages(&lp, msg, sizeof(msg))) {
        goto out;
    }
    for (unsigned i = 0; i < PAGE; i++) {
        lp.va[0][i] = (uint8_t)(i * 7 + 3);
        lp.va[1][i] = 0;
    }
    if (!msi_start(&e, &cap, &count, msg, sizeof(msg))) {
        goto out;
    }
    before = count;
    if (!edu_dma(&e, lp.pa[0], EDU_BUFFER, 0) ||
        !edu_dma(&e, EDU_BUFFER, lp.pa[1], EDU_DMA_TO_RAM | EDU_DMA_IRQ)) {
        snprintf(msg, sizeof(msg), "the DMA did not finish");
        goto out;
    }
    dma_ok = !memcmp(lp.va[0], lp.va[1], PAGE);
    /* The completion interrupt of the second transfer. */
    counted += msi_round(&e, 0, &count);

    start = payload_uptime();
    for (unsigned i = 0; i < MSI_ROUNDS; i++) {
        counted += msi_round(&e, 1, &count);
    }
    snprintf(result, sizeof(result), "bdf=%s id=%08x dma=%s dma_bytes=%d "
             "src_gpa=0x%" PRIx64 " dst_gpa=0x%" PRIx64 " msi=%lld "
             "msi_expected=%d msi_rtt_us=%.0f", e.bdf, id,
             dma_ok ? "pass" : "fail", PAGE, lp.pa[0], lp.pa[1],
             count - before, MSI_ROUNDS + 1,
             (payload_uptime() - start) * 1e6 / MSI_ROUNDS);
    if (!msi_enable(&e, cap, false, msg, sizeof(msg))) {
        goto out;
    }
    intx_count(&e, result, sizeof(result), intx_why, sizeof(intx_why));
    if (!dma_ok) {
        snprintf(msg, sizeof(msg), "page B differs from page A after the "
                 "round trip through edu's buffer");
    } else if (counted != MSI_ROUNDS + 1) {
        snprintf(msg, sizeof(msg), "%u of %d MSIs reached the guest",
                 counted, MSI_ROUNDS + 1);
    } else {
        ok = true;
    }

out:
    if (!result[0]) {
        snprintf(result, sizeof(result), "bdf=%s", e.bdf);
    }
    /* INTx is its own check: its reason rides along with the step's. */
    if (intx_why[0]) {
        snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%sINTx: %s",
                 ok ? "" : "; ", intx_why);
    }
    payload_step("edu", ok, ok && !intx_why[0] ? NULL : msg, "%s", result);
    release_pool(&lp);
    edu_close(&e);
    return ok;
}

/*
 * The edu benchmark: payload.bar_reads (default 100,000) reads of BAR0's
 * identification register, timed in guest time, each checked; then MSI
 * round trips as in the edu step (raise, counted by the guest in
 * /proc/interrupts, acknowledged) for payload.bench_s seconds of guest
 * time (default 3), at most payload.msi_rounds (default 100,000) of them.
 * What it measures is the VMM's path: whether a BAR0 read reaches the
 * device without leaving the guest, and how an MSI gets to the vCPU.
 */
bool step_edu_bench(void)
{
    struct edu e = { .config = -1 };
    unsigned long reads = payload_param_ulong("bar_reads", 100000);
    unsigned long max_rounds = payload_param_ulong("msi_rounds", 100000);
    double seconds = payload_param_ulong("bench_s", 3), start, bar_s, msi_s;
    unsigned long wrong = 0, rounds = 0;
    char msg[200] = "", scratch[200];
    long long count;
    unsigned cap;
    uint32_t id;
    bool ok = false;

    if (!edu_attach(&e, msg, sizeof(msg))) {
        goto out;
    }
    id = rd32(&e, EDU_ID);
    start = payload_uptime();
    for (unsigned long i = 0; i < reads; i++) {
        wrong += rd32(&e, EDU_ID) != id;
    }
    bar_s = payload_uptime() - start;

    if (!msi_start(&e, &cap, &count, msg, sizeof(msg))) {
        goto out;
    }
    start = payload_uptime();
    msi_s = 0;
    while (rounds < max_rounds && msi_s < seconds) {
        if (!msi_round(&e, 1, &count)) {
            snprintf(msg, sizeof(msg), "MSI %lu did not reach the guest "
                     "within 5 s", rounds + 1);
            break;
        }
        rounds++;
        msi_s = payload_uptime() - start;
    }
    /* Disable it either way; a failure to do so only reports if nothing
     * failed before. */
    msi_enable(&e, cap, false, msg[0] ? scratch : msg, sizeof(msg));
    if (!msg[0] && wrong) {
        snprintf(msg, sizeof(msg), "%lu of %lu BAR0 reads did not return "
                 "the identification %08x", wrong, reads, id);
    }
    ok = !msg[0];
    payload_step("edu-bench", ok, ok ? NULL : msg,
                 "bdf=%s bar_reads=%lu bar_wrong=%lu bar_s=%.4f "
                 "bar_ns_per_read=%.0f msi_rounds=%lu msi_s=%.3f "
                 "msi_per_s=%.0f", e.bdf, reads, wrong, bar_s,
                 reads ? bar_s * 1e9 / reads : 0.0, rounds, msi_s,
                 msi_s > 0 ? rounds / msi_s : 0.0);
    edu_close(&e);
    return ok;

out:
    payload_step("edu-bench", false, msg, "bdf=%s", e.bdf);
    edu_close(&e);
    return false;
}
