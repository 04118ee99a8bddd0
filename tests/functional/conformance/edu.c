/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: device checks shared by both backends (edu device)
 */
#include "qemu/osdep.h"
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include "edu.h"

#define EDU_REG_ID          0x00
#define EDU_REG_LIVENESS    0x04
#define EDU_REG_IRQ_STATUS  0x24
#define EDU_REG_IRQ_RAISE   0x60
#define EDU_REG_IRQ_ACK     0x64
#define EDU_REG_DMA_SRC     0x80
#define EDU_REG_DMA_DST     0x88
#define EDU_REG_DMA_COUNT   0x90
#define EDU_REG_DMA_CMD     0x98

#define EDU_DMA_START       0x1
#define EDU_DMA_TO_RAM      0x2

#define EDU_IRQ_BIT         0x1000  /* an interrupt reason of our own */

#define PCI_COMMAND         0x04
#define PCI_COMMAND_MEMORY  0x2
#define PCI_COMMAND_MASTER  0x4

/* Transfers finish on a ~100 ms device timer; TCG may slow that down */
#define EDU_DMA_TIMEOUT_S   10.0
#define EDU_MSI_TIMEOUT_MS  5000

static const TranscriptFlag device_flag_names[] = {
    { VFIO_DEVICE_FLAGS_RESET, "RESET" },
    { VFIO_DEVICE_FLAGS_PCI, "PCI" },
    { VFIO_DEVICE_FLAGS_CAPS, "CAPS" },
    { 0, NULL },
};

static const TranscriptFlag region_flag_names[] = {
    { VFIO_REGION_INFO_FLAG_READ, "READ" },
    { VFIO_REGION_INFO_FLAG_WRITE, "WRITE" },
    { VFIO_REGION_INFO_FLAG_MMAP, "MMAP" },
    { VFIO_REGION_INFO_FLAG_CAPS, "CAPS" },
    { 0, NULL },
};

static const TranscriptFlag irq_flag_names[] = {
    { VFIO_IRQ_INFO_EVENTFD, "EVENTFD" },
    { VFIO_IRQ_INFO_MASKABLE, "MASKABLE" },
    { VFIO_IRQ_INFO_AUTOMASKED, "AUTOMASKED" },
    { VFIO_IRQ_INFO_NORESIZE, "NORESIZE" },
    { 0, NULL },
};

static const TranscriptFlag hot_reset_flag_names[] = {
    { VFIO_PCI_HOT_RESET_FLAG_DEV_ID, "DEV_ID" },
    { VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, "DEV_ID_OWNED" },
    { 0, NULL },
};

static uint32_t bar_read32(EduDevice *edu, uint64_t reg)
{
    return *(volatile uint32_t *)((uint8_t *)edu->bar0 + reg);
}

static void bar_write32(EduDevice *edu, uint64_t reg, uint32_t value)
{
    *(volatile uint32_t *)((uint8_t *)edu->bar0 + reg) = value;
}

static int config_read(EduDevice *edu, uint64_t off, void *buf, size_t len)
{
    ssize_t n = pread(edu->fd, buf, len, edu->config_offset + off);

    if (n < 0) {
        return errno;
    }
    return n == (ssize_t)len ? 0 : EIO;
}

static int config_write(EduDevice *edu, uint64_t off, const void *buf,
                        size_t len)
{
    ssize_t n = pwrite(edu->fd, buf, len, edu->config_offset + off);

    if (n < 0) {
        return errno;
    }
    return n == (ssize_t)len ? 0 : EIO;
}

static bool probe_region(EduDevice *edu, uint32_t index, const char *name,
                         struct vfio_region_info *out)
{
    struct vfio_region_info info = {
        .argsz = sizeof(info),
        .index = index,
    };
    g_autofree char *flags = NULL;
    int err;

    transcript_begin(edu->tr, "VFIO_DEVICE_GET_REGION_INFO index=%s", name);
    err = host_ioctl(edu->fd, VFIO_DEVICE_GET_REGION_INFO, &info);
    if (err) {
        return transcript_end(edu->tr, err, 0, NULL);
    }
    flags = transcript_flags(info.flags, region_flag_names);
    transcript_end(edu->tr, err, 0, "size=0x%llx offset=0x%llx flags=%s",
                   (unsigned long long)info.size,
                   (unsigned long long)info.offset, flags);
    *out = info;
    return true;
}

static void probe_irq(EduDevice *edu, uint32_t index, const char *name,
                      bool (*count_ok)(uint32_t), const char *expected)
{
    struct vfio_irq_info info = {
        .argsz = sizeof(info),
        .index = index,
    };
    g_autofree char *flags = NULL;
    int err;

    transcript_begin(edu->tr, "VFIO_DEVICE_GET_IRQ_INFO index=%s", name);
    err = host_ioctl(edu->fd, VFIO_DEVICE_GET_IRQ_INFO, &info);
    if (err) {
        transcript_end(edu->tr, err, 0, NULL);
        return;
    }
    flags = transcript_flags(info.flags, irq_flag_names);
    transcript_end(edu->tr, err, 0, "count=%u flags=%s", info.count, flags);
    transcript_check(edu->tr, count_ok(info.count), expected,
                     "irq %s count=%u", name, info.count);
}

static bool count_is_one(uint32_t count)
{
    return count == 1;
}

static bool count_is_zero(uint32_t count)
{
    return count == 0;
}

bool edu_probe(EduDevice *edu, int fd, Transcript *t, const HostDevice *host)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    struct vfio_region_info config, bar0, unused;
    g_autofree char *flags = NULL;
    bool reset_expected;
    int err;

    memset(edu, 0, sizeof(*edu));
    edu->fd = fd;
    edu->tr = t;
    edu->host = host;

    transcript_begin(t, "VFIO_DEVICE_GET_INFO");
    err = host_ioctl(fd, VFIO_DEVICE_GET_INFO, &info);
    if (!transcript_end(t, err, 0, NULL)) {
        return false;
    }
    flags = transcript_flags(info.flags, device_flag_names);
    /*
     * edu has neither FLR nor PM reset.  A secondary bus reset counts as
     * a function reset only when the function is alone on its bus.
     */
    reset_expected = !host->on_root_bus && !host->shares_bus;
    transcript_check(t, !!(info.flags & VFIO_DEVICE_FLAGS_RESET) ==
                     reset_expected,
                     reset_expected ? "RESET" : "no RESET",
                     "device RESET flag %s (%s)",
                     info.flags & VFIO_DEVICE_FLAGS_RESET ? "set" : "clear",
                     host->on_root_bus ? "root bus, no bus reset" :
                     host->shares_bus ? "bus reset would hit other functions"
                     : "alone behind a bridge: bus reset");
    transcript_check(t, (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
                     info.num_regions > VFIO_PCI_CONFIG_REGION_INDEX &&
                     info.num_irqs > VFIO_PCI_MSIX_IRQ_INDEX,
                     "PCI flag, config region and MSI-X irq index",
                     "device flags=%s num_regions=%u num_irqs=%u",
                     flags, info.num_regions, info.num_irqs);

    if (!probe_region(edu, VFIO_PCI_CONFIG_REGION_INDEX, "CONFIG", &config) ||
        !probe_region(edu, VFIO_PCI_BAR0_REGION_INDEX, "BAR0", &bar0)) {
        return false;
    }
    /* edu implements BAR0 only: the other BARs and the ROM are empty */
    if (probe_region(edu, VFIO_PCI_BAR1_REGION_INDEX, "BAR1", &unused)) {
        transcript_check(t, unused.size == 0, "size=0x0",
                         "region BAR1 unimplemented size=0x%llx",
                         (unsigned long long)unused.size);
    }
    if (probe_region(edu, VFIO_PCI_ROM_REGION_INDEX, "ROM", &unused)) {
        transcript_check(t, unused.size == 0, "size=0x0",
                         "region ROM absent size=0x%llx",
                         (unsigned long long)unused.size);
    }
    transcript_check(t, bar0.size == 0x100000 &&
                     (bar0.flags & VFIO_REGION_INFO_FLAG_MMAP),
                     "size=0x100000 with MMAP",
                     "region BAR0 is 1 MiB and mmappable");
    edu->config_offset = config.offset;
    edu->config_size = config.size;
    edu->bar0_offset = bar0.offset;
    edu->bar0_size = bar0.size;

    probe_irq(edu, VFIO_PCI_INTX_IRQ_INDEX, "INTX", count_is_one, "count=1");
    probe_irq(edu, VFIO_PCI_MSI_IRQ_INDEX, "MSI", count_is_one, "count=1");
    probe_irq(edu, VFIO_PCI_MSIX_IRQ_INDEX, "MSIX", count_is_zero, "count=0");
    return true;
}

bool edu_enable(EduDevice *edu)
{
    uint32_t id = 0;
    uint16_t cmd = 0;
    int err;

    transcript_begin(edu->tr, "config read offset=0x0 len=4");
    err = config_read(edu, 0, &id, sizeof(id));
    if (!transcript_end(edu->tr, err, 0, "value=0x%08x", le32toh(id))) {
        return false;
    }
    transcript_check(edu->tr, le32toh(id) == 0x11e81234, "0x11e81234",
                     "config vendor:device is edu");

    transcript_begin(edu->tr, "config read offset=0x%x len=2", PCI_COMMAND);
    err = config_read(edu, PCI_COMMAND, &cmd, sizeof(cmd));
    if (!transcript_end(edu->tr, err, 0, NULL)) {
        return false;
    }
    cmd = htole16(le16toh(cmd) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    transcript_begin(edu->tr,
                     "config write offset=0x%x len=2 set=MEMORY|MASTER",
                     PCI_COMMAND);
    err = config_write(edu, PCI_COMMAND, &cmd, sizeof(cmd));
    if (!transcript_end(edu->tr, err, 0, NULL)) {
        return false;
    }
    cmd = 0;
    transcript_begin(edu->tr, "config read offset=0x%x len=2", PCI_COMMAND);
    err = config_read(edu, PCI_COMMAND, &cmd, sizeof(cmd));
    if (!transcript_end(edu->tr, err, 0, NULL)) {
        return false;
    }
    return transcript_check(edu->tr,
                            (le16toh(cmd) & (PCI_COMMAND_MEMORY |
                                             PCI_COMMAND_MASTER)) ==
                            (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
                            "MEMORY|MASTER set",
                            "config command has MEMORY|MASTER");
}

bool edu_map_bar(EduDevice *edu)
{
    void *bar;
    uint32_t id, live;

    transcript_begin(edu->tr, "mmap region=BAR0 len=0x%llx",
                     (unsigned long long)edu->bar0_size);
    bar = mmap(NULL, edu->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               edu->fd, edu->bar0_offset);
    if (!transcript_end(edu->tr, bar == MAP_FAILED ? errno : 0, 0, NULL)) {
        return false;
    }
    edu->bar0 = bar;

    id = bar_read32(edu, EDU_REG_ID);
    transcript_check(edu->tr, (id & 0xff) == 0xed, "0x......ed",
                     "edu read reg=0x00 (identification) value=0x%08x", id);
    bar_write32(edu, EDU_REG_LIVENESS, 0x12345678);
    live = bar_read32(edu, EDU_REG_LIVENESS);
    return transcript_check(edu->tr, live == (uint32_t)~0x12345678u,
                            "0xedcba987",
                            "edu liveness write=0x12345678 read=0x%08x",
                            live);
}

/* Programs one transfer and waits for the device to clear its start bit. */
static bool edu_dma(EduDevice *edu, uint64_t src, uint64_t dst, uint32_t cmd)
{
    double deadline = host_now() + EDU_DMA_TIMEOUT_S;

    bar_write32(edu, EDU_REG_DMA_SRC, src);
    bar_write32(edu, EDU_REG_DMA_DST, dst);
    bar_write32(edu, EDU_REG_DMA_COUNT, EDU_DMA_LEN);
    bar_write32(edu, EDU_REG_DMA_CMD, cmd | EDU_DMA_START);
    while (bar_read32(edu, EDU_REG_DMA_CMD) & EDU_DMA_START) {
        if (host_now() > deadline) {
            return false;
        }
        g_usleep(1000);
    }
    return true;
}

static void fill_pattern(uint8_t *p, uint8_t seed)
{
    for (int i = 0; i < EDU_DMA_LEN; i++) {
        p[i] = (uint8_t)(i * 7 + seed);
    }
}

bool edu_dma_roundtrip(EduDevice *edu, uint8_t *buf, uint64_t iova,
                       const char *what)
{
    static uint8_t seed = 3;
    bool done;

    g_assert(iova + 0x1000 + EDU_DMA_LEN <= (1ULL << 28));
    seed += 11;     /* a new pattern each time, so stale data can't pass */
    fill_pattern(buf, seed);
    memset(buf + 0x1000, 0, EDU_DMA_LEN);

    done = edu_dma(edu, iova, EDU_DMA_BUFFER, 0);
    transcript_check(edu->tr, done, "completion",
                     "edu DMA RAM->device via %s iova=0x%" PRIx64
                     " len=0x%x -> %s", what, iova, EDU_DMA_LEN,
                     done ? "done" : "timeout");
    if (!done) {
        return false;
    }
    done = edu_dma(edu, EDU_DMA_BUFFER, iova + 0x1000, EDU_DMA_TO_RAM);
    transcript_check(edu->tr, done, "completion",
                     "edu DMA device->RAM via %s iova=0x%" PRIx64
                     " len=0x%x -> %s", what, iova + 0x1000, EDU_DMA_LEN,
                     done ? "done" : "timeout");
    if (!done) {
        return false;
    }
    return transcript_check(edu->tr, !memcmp(buf, buf + 0x1000, EDU_DMA_LEN),
                            "the pattern back in the buffer",
                            "edu DMA data via %s -> %s", what,
                            memcmp(buf, buf + 0x1000, EDU_DMA_LEN) ?
                            "differs" : "verified");
}

bool edu_dma_blocked(EduDevice *edu, uint8_t *old_buf, uint64_t iova,
                     const char *what)
{
    bool done, untouched = true;

    memset(old_buf, 0x5a, EDU_DMA_LEN);
    done = edu_dma(edu, EDU_DMA_BUFFER, iova, EDU_DMA_TO_RAM);
    for (int i = 0; i < EDU_DMA_LEN; i++) {
        untouched &= old_buf[i] == 0x5a;
    }
    return transcript_check(edu->tr, done && untouched,
                            "completion without data landing",
                            "edu DMA device->RAM via %s iova=0x%" PRIx64
                            " -> %s", what, iova,
                            !done ? "timeout" :
                            untouched ? "blocked" : "landed");
}

static int set_msi(EduDevice *edu, int efd)
{
    g_autofree struct vfio_irq_set *set =
        g_malloc0(sizeof(*set) + sizeof(int32_t));

    set->argsz = sizeof(*set) + sizeof(int32_t);
    set->index = VFIO_PCI_MSI_IRQ_INDEX;
    set->start = 0;
    if (efd >= 0) {
        set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
        set->count = 1;
        memcpy(set->data, &efd, sizeof(int32_t));
    } else {
        set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
        set->count = 0;
    }
    return host_ioctl(edu->fd, VFIO_DEVICE_SET_IRQS, set);
}

bool edu_msi(EduDevice *edu)
{
    struct pollfd pfd;
    uint64_t events = 0;
    bool fired;
    int efd, err;

    efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
        transcript_abort(edu->tr, "eventfd");
        return false;
    }
    transcript_begin(edu->tr, "VFIO_DEVICE_SET_IRQS index=MSI "
                     "flags=DATA_EVENTFD|ACTION_TRIGGER start=0 count=1");
    err = set_msi(edu, efd);
    if (!transcript_end(edu->tr, err, 0, NULL)) {
        close(efd);
        return false;
    }

    bar_write32(edu, EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
    pfd = (struct pollfd) { .fd = efd, .events = POLLIN };
    fired = poll(&pfd, 1, EDU_MSI_TIMEOUT_MS) == 1 &&
            read(efd, &events, sizeof(events)) == sizeof(events) &&
            events >= 1;
    transcript_check(edu->tr, fired, "the eventfd signalled",
                     "edu raise irq reg=0x60 -> eventfd %s",
                     fired ? "signalled" : "silent");
    transcript_check(edu->tr,
                     bar_read32(edu, EDU_REG_IRQ_STATUS) & EDU_IRQ_BIT,
                     "our bit", "edu irq status has the raised bit");
    bar_write32(edu, EDU_REG_IRQ_ACK, EDU_IRQ_BIT);

    transcript_begin(edu->tr, "VFIO_DEVICE_SET_IRQS index=MSI "
                     "flags=DATA_NONE|ACTION_TRIGGER start=0 count=0");
    err = set_msi(edu, -1);
    transcript_end(edu->tr, err, 0, NULL);
    close(efd);
    return fired && !err;
}

static char *describe_dependent(EduDevice *edu, bool cdev,
                                const struct vfio_pci_dependent_device *d)
{
    const char *owner;

    if (cdev) {
        owner = d->devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED ? "not-owned" :
                d->devid == VFIO_PCI_DEVID_OWNED ? "owned" :
                transcript_id_name(edu->tr, d->devid);
        return g_strdup_printf("%04x:%02x:%02x.%x devid=%s", d->segment,
                               d->bus, d->devfn >> 3, d->devfn & 7, owner);
    }
    owner = d->group_id == g_ascii_strtoull(edu->host->group, NULL, 10) ?
            "own" : "other";
    return g_strdup_printf("%04x:%02x:%02x.%x group=%s", d->segment, d->bus,
                           d->devfn >> 3, d->devfn & 7, owner);
}

bool edu_hot_reset_info(EduDevice *edu, bool cdev)
{
    const uint32_t room = 8;
    size_t argsz = sizeof(struct vfio_pci_hot_reset_info) +
                   room * sizeof(struct vfio_pci_dependent_device);
    g_autofree struct vfio_pci_hot_reset_info *info = g_malloc0(argsz);
    g_autoptr(GString) devices = g_string_new(NULL);
    g_autofree char *flags = NULL;
    int expected = edu->host->on_root_bus ? ENODEV : 0;
    int err;

    info->argsz = sizeof(*info);
    transcript_begin(edu->tr, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO "
                     "argsz=header-only");
    err = host_ioctl(edu->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    if (err == ENOSPC) {
        transcript_end(edu->tr, err, edu->host->on_root_bus ? ENODEV : ENOSPC,
                       "count=%u", info->count);
    } else {
        transcript_end(edu->tr, err, edu->host->on_root_bus ? ENODEV : ENOSPC,
                       NULL);
    }

    memset(info, 0, argsz);
    info->argsz = argsz;
    transcript_begin(edu->tr, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO "
                     "argsz=room-for-%u", room);
    err = host_ioctl(edu->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    if (err) {
        return transcript_end(edu->tr, err, expected, NULL);
    }
    for (uint32_t i = 0; i < info->count && i < room; i++) {
        g_autofree char *d = describe_dependent(edu, cdev, &info->devices[i]);
        g_string_append_printf(devices, "%s%s", i ? "," : "", d);
    }
    flags = transcript_flags(info->flags, hot_reset_flag_names);
    if (!transcript_end(edu->tr, err, expected, "flags=%s count=%u [%s]",
                        flags, info->count, devices->str)) {
        return false;
    }
    return transcript_check(edu->tr,
                            !!(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID)
                            == cdev,
                            cdev ? "DEV_ID for a cdev" :
                            "no DEV_ID for a group",
                            "hot reset info reports %s",
                            cdev ? "devids" : "group ids");
}

bool edu_hot_reset(EduDevice *edu, int group_fd)
{
    size_t argsz = sizeof(struct vfio_pci_hot_reset) +
                   (group_fd >= 0 ? sizeof(int32_t) : 0);
    g_autofree struct vfio_pci_hot_reset *reset = g_malloc0(argsz);
    uint32_t live;
    int err;

    reset->argsz = argsz;
    if (group_fd >= 0) {
        reset->count = 1;
        reset->group_fds[0] = group_fd;
    }
    transcript_begin(edu->tr, "VFIO_DEVICE_PCI_HOT_RESET group_fds=%s",
                     group_fd >= 0 ? "[own group]" : "[]");
    err = host_ioctl(edu->fd, VFIO_DEVICE_PCI_HOT_RESET, reset);
    if (!transcript_end(edu->tr, err, 0, NULL)) {
        return false;
    }
    /* vfio-pci restores the config state, so BAR0 still answers */
    bar_write32(edu, EDU_REG_LIVENESS, 0x0badf00d);
    live = bar_read32(edu, EDU_REG_LIVENESS);
    return transcript_check(edu->tr, live == (uint32_t)~0x0badf00du,
                            "0xf4520ff2",
                            "edu liveness after reset write=0x0badf00d "
                            "read=0x%08x", live);
}

void edu_release(EduDevice *edu)
{
    if (edu->bar0) {
        munmap(edu->bar0, edu->bar0_size);
        edu->bar0 = NULL;
    }
}
