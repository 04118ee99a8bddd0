/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-sim: the simulated device (edu's register layout) and its PCI
 * configuration space
 *
 * BAR0's first page in the library's own mapping (d->bar[0]) always holds
 * what a read of each register returns.  Reads are plain loads from it,
 * from pread or from a process mmap; writes come here (pwrite directly, an
 * mmap store through trap.c), act, and rewrite the page.
 */
#include "qemu/osdep.h"
#include "sim.h"

#define EDU_ID              0x010000edu
#define EDU_DMA_BASE        0x40000
#define EDU_DMA_SIZE        4096
#define EDU_DMA_MASK        ((1ULL << 28) - 1)
#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQFACT  0x80
#define EDU_DMA_START       0x1
#define EDU_DMA_TO_RAM      0x2
#define EDU_DMA_IRQ         0x4
#define EDU_IRQ_FACT        0x1
#define EDU_IRQ_DMA         0x100

#define CFG_COMMAND         0x04
#define CFG_STATUS          0x06
#define CFG_BAR0            0x10
#define CFG_MSI             0x40
#define CFG_MSIX            0x50
#define CFG_PM              0x60    /* after the larger MSI (with mask bits) */
#define PM_CTRL             (CFG_PM + 4)
#define PM_STATE_MASK       0x3
#define PM_NO_SOFT_RESET    0x8
#define CFG_EXP             0x70    /* a PCIe endpoint capability, v2 */
#define EXP_DEVCAP_FLR      (1U << 28)
#define EXP_DEVCTL          (CFG_EXP + 8)
#define EXP_DEVCTL_BCR_FLR  0x8000
#define CMD_MASTER          0x4
#define CMD_WRITABLE        0x0547

/* live register values, kept beside the page so writes can't corrupt them */
typedef struct EduRegs {
    uint32_t liveness;
    uint32_t fact;
} EduRegs;

static GHashTable *edu_regs;    /* SimDevice -> EduRegs */

static EduRegs *regs_of(SimDevice *d)
{
    EduRegs *r;

    if (!edu_regs) {
        edu_regs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    }
    r = g_hash_table_lookup(edu_regs, d);
    if (!r) {
        r = g_new0(EduRegs, 1);
        g_hash_table_insert(edu_regs, d, r);
    }
    return r;
}

static void put32(SimDevice *d, uint64_t off, uint32_t v)
{
    memcpy(d->bar[0] + off, &v, 4);
}

static void put64(SimDevice *d, uint64_t off, uint64_t v)
{
    memcpy(d->bar[0] + off, &v, 8);
}

static void sync_view(SimDevice *d)
{
    EduRegs *r = regs_of(d);

    /* unimplemented registers read as all ones */
    memset(d->bar[0], 0xff, SIM_PAGE);
    put32(d, 0x00, EDU_ID);
    put32(d, 0x04, ~r->liveness);
    put32(d, 0x08, r->fact);
    put32(d, 0x20, d->edu_status);
    put32(d, 0x24, d->edu_irq_status);
    put64(d, 0x80, d->dma_src);
    put64(d, 0x88, d->dma_dst);
    put64(d, 0x90, d->dma_count);
    put64(d, 0x98, d->dma_cmd);
}

void sim_edu_init(SimDevice *d)
{
    EduRegs *r = regs_of(d);

    r->liveness = 0;
    r->fact = 0;
    d->edu_status = 0;
    d->edu_irq_status = 0;
    d->dma_src = d->dma_dst = d->dma_count = d->dma_cmd = 0;
    memset(d->edu_buffer, 0, sizeof(d->edu_buffer));
    sync_view(d);
}

uint64_t sim_edu_read(SimDevice *d, uint64_t off, unsigned size)
{
    uint64_t v = 0;

    if (off + size > SIM_PAGE) {
        memcpy(&v, d->bar[0] + off, size);
        return v;
    }
    memcpy(&v, d->bar[0] + off, size);
    return v;
}

static void raise_irq(SimDevice *d, uint32_t bits)
{
    d->edu_irq_status |= bits;
    sim_device_raise_irq(d);
}

/* Where bus address @iova leads: RAM, a peer's BAR, or nowhere (a fault) */
typedef struct DmaTarget {
    uint8_t *ram;
    SimDevice *peer;
    int bar;
    uint64_t off;
} DmaTarget;

static bool dma_target(SimDevice *d, uint64_t iova, uint64_t len,
                       DmaTarget *t)
{
    SimSpace *space = NULL;
    uint64_t va;

    *t = (DmaTarget) { NULL };
    if (!(d->config[CFG_COMMAND] & CMD_MASTER)) {
        return false;
    }
    if (d->ictx) {
        space = sim_hwpt_space(d->hwpt);
    } else if (d->group->container) {
        space = sim_container_space(d->group->container);
    }
    if (!space) {
        return false;
    }
    if (sim_space_peer(space, iova, len, &t->peer, &t->bar, &t->off)) {
        return true;            /* peer-to-peer into a dma-buf of a BAR */
    }
    va = sim_space_translate(space, iova, len);
    if (!va) {
        return false;
    }
    if (sim_bar_peer(va, len, &t->peer, &t->bar, &t->off)) {
        return true;            /* peer-to-peer into a BAR mmap */
    }
    t->ram = (uint8_t *)(uintptr_t)va;
    return true;
}

/* The transfer reaches a peer as MMIO: its registers see the writes */
static void dma_peer(DmaTarget *t, uint8_t *buf, uint64_t count, bool write)
{
    uint64_t off = ((uint64_t)t->bar << SIM_REGION_SHIFT) | t->off;

    if (sim_device_rw(t->peer, buf, count, off, write) < 0 && !write) {
        memset(buf, 0xff, count);       /* nobody answered the read */
    }
}

static void run_dma(SimDevice *d)
{
    uint64_t count = d->dma_count;
    bool to_ram = d->dma_cmd & EDU_DMA_TO_RAM;
    uint64_t dev_addr = to_ram ? d->dma_src : d->dma_dst;
    uint64_t bus_addr = (to_ram ? d->dma_dst : d->dma_src) & EDU_DMA_MASK;
    uint8_t *buf = d->edu_buffer + (dev_addr - EDU_DMA_BASE);
    DmaTarget t;

    if (dev_addr < EDU_DMA_BASE || count > EDU_DMA_SIZE ||
        dev_addr - EDU_DMA_BASE + count > EDU_DMA_SIZE) {
        sim_log_event("%s: DMA outside the device buffer (0x%" PRIx64
                      "+0x%" PRIx64 ")", d->cfg->bdf, dev_addr, count);
        return;
    }
    if (!count || !dma_target(d, bus_addr, count, &t)) {
        /* an IOMMU fault: the transfer ends, nothing lands */
        sim_log_event("%s: DMA fault at iova 0x%" PRIx64 " len 0x%" PRIx64,
                      d->cfg->bdf, bus_addr, count);
        return;
    }
    if (t.peer) {
        dma_peer(&t, buf, count, to_ram);
    } else if (to_ram) {
        memcpy(t.ram, buf, count);
    } else {
        memcpy(buf, t.ram, count);
    }
    sim_log_event("%s: DMA %s%s iova 0x%" PRIx64 " len 0x%" PRIx64,
                  d->cfg->bdf, to_ram ? "to " : "from ",
                  t.peer ? t.peer->cfg->bdf : "RAM", bus_addr,
                  count);
}

static void set_half(uint64_t *reg, uint64_t off, uint64_t val,
                     unsigned size)
{
    if (size == 8) {
        *reg = val;
    } else if (off & 4) {
        *reg = (*reg & 0xffffffffULL) | (val << 32);
    } else {
        *reg = (uint32_t)val;   /* edu: a 4-byte write sets the whole reg */
    }
}

void sim_edu_write(SimDevice *d, uint64_t off, uint64_t val, unsigned size)
{
    EduRegs *r = regs_of(d);
    bool busy = d->dma_cmd & EDU_DMA_START;

    if (off >= SIM_PAGE || (size != 4 && size != 8)) {
        goto out;               /* edu ignores narrow writes */
    }
    switch (off & ~7ULL) {
    case 0x00:
        if (off == 0x04) {
            r->liveness = val;
        }
        break;
    case 0x08:
        if (off == 0x08 && !(d->edu_status & EDU_STATUS_COMPUTING)) {
            uint32_t n = val, f = 1;
            for (uint32_t i = 2; i <= n && i < 64; i++) {
                f *= i;
            }
            r->fact = n > 63 ? 0 : f;
            if (d->edu_status & EDU_STATUS_IRQFACT) {
                raise_irq(d, EDU_IRQ_FACT);
            }
        }
        break;
    case 0x20:
        if (off == 0x20) {
            d->edu_status = (d->edu_status & ~EDU_STATUS_IRQFACT) |
                            (val & EDU_STATUS_IRQFACT);
        }
        break;
    case 0x60:
        if (off == 0x60) {
            raise_irq(d, val);
        } else if (off == 0x64) {
            d->edu_irq_status &= ~val;
        }
        break;
    case 0x80:
        if (!busy) {
            set_half(&d->dma_src, off, val, size);
        }
        break;
    case 0x88:
        if (!busy) {
            set_half(&d->dma_dst, off, val, size);
        }
        break;
    case 0x90:
        if (!busy) {
            set_half(&d->dma_count, off, val, size);
        }
        break;
    case 0x98:
        if (off == 0x98 && !busy && (val & EDU_DMA_START)) {
            /* the transfer completes at once: no timer in the simulation */
            d->dma_cmd = val;
            run_dma(d);
            d->dma_cmd &= ~EDU_DMA_START;
            if (d->dma_cmd & EDU_DMA_IRQ) {
                raise_irq(d, EDU_IRQ_DMA);
            }
        }
        break;
    }
out:
    sync_view(d);
}

/* ---- PCI configuration space ---- */

static void cfg_put(SimDevice *d, uint32_t off, uint32_t v, unsigned size)
{
    memcpy(d->config + off, &v, size);
}

void sim_config_space_init(SimDevice *d)
{
    SimDeviceConfig *c = d->cfg;
    uint32_t msi_mmc = c->msi ? __builtin_ctz(c->msi) : 0;

    memset(d->config, 0, sizeof(d->config));
    cfg_put(d, 0x00, c->vendor | (c->device_id << 16), 4);
    cfg_put(d, CFG_STATUS, c->msi || c->msix || c->pm || c->pcie ? 0x10 : 0,
            2);                             /* capability list */
    cfg_put(d, 0x08, 0x00ff0010, 4);        /* class "other", revision 16 */
    cfg_put(d, 0x2c, 0x11001af4, 4);        /* subsystem, as QEMU's */
    cfg_put(d, 0x3d, c->intx ? 1 : 0, 1);   /* INTA */
    for (int i = 0; i < SIM_MAX_BARS; i++) {
        d->bar_raw[i] = 0;
    }
    if (c->msi) {
        cfg_put(d, 0x34, CFG_MSI, 1);
        cfg_put(d, CFG_MSI, 0x05, 1);       /* MSI, end of list */
        cfg_put(d, CFG_MSI + 2, 0x80 | (msi_mmc << 1) |     /* 64-bit */
                (c->msi_maskbit ? 0x100 : 0), 2);
    }
    if (c->msix) {
        /*
         * Table in the upper half of BAR0, PBA in the last quarter: far
         * from edu's registers and DMA buffer in a BAR of the default size.
         */
        uint64_t half = c->bar_size[0] / 2;
        uint32_t n = MIN(c->msix, half / 2 / 16);

        cfg_put(d, c->msi ? CFG_MSI + 1 : 0x34, CFG_MSIX, 1);
        cfg_put(d, CFG_MSIX, 0x11, 1);      /* MSI-X, end of list */
        cfg_put(d, CFG_MSIX + 2, n - 1, 2);
        cfg_put(d, CFG_MSIX + 4, half, 4);              /* BIR 0 */
        cfg_put(d, CFG_MSIX + 8, half + half / 2, 4);   /* BIR 0 */
    }
    if (c->pm) {
        /* after MSI/MSI-X; D0, and D3hot to D0 keeps the config */
        cfg_put(d, c->msix ? CFG_MSIX + 1 : c->msi ? CFG_MSI + 1 : 0x34,
                CFG_PM, 1);
        cfg_put(d, CFG_PM, 0x01, 1);        /* PM, end of list */
        cfg_put(d, CFG_PM + 2, 0x0003, 2);  /* version 3 */
        cfg_put(d, PM_CTRL, PM_NO_SOFT_RESET, 2);
    }
    if (c->pcie) {
        /* last in the chain; FLR offered in Device Capabilities with flr */
        cfg_put(d, c->pm ? CFG_PM + 1 : c->msix ? CFG_MSIX + 1 :
                c->msi ? CFG_MSI + 1 : 0x34, CFG_EXP, 1);
        cfg_put(d, CFG_EXP, 0x10, 1);       /* PCI Express, end of list */
        cfg_put(d, CFG_EXP + 2, 0x0002, 2); /* v2, endpoint */
        cfg_put(d, CFG_EXP + 4, c->flr ? EXP_DEVCAP_FLR : 0, 4);
    }
}

bool sim_device_powered(SimDevice *d)
{
    return !d->cfg->pm || !(d->config[PM_CTRL] & PM_STATE_MASK);
}

static uint32_t bar_value(SimDevice *d, int i)
{
    uint64_t size = d->cfg->bar_size[i];

    return size ? d->bar_raw[i] & ~(uint32_t)(size - 1) & ~0xfU : 0;
}

uint32_t sim_config_read(SimDevice *d, uint32_t off, unsigned size)
{
    uint32_t v = 0;

    if (off >= CFG_BAR0 && off < CFG_BAR0 + 4 * SIM_MAX_BARS) {
        uint32_t bar = bar_value(d, (off - CFG_BAR0) / 4);
        return bar >> (8 * (off & 3)) & (size == 4 ? ~0U :
                                         (1U << (8 * size)) - 1);
    }
    memcpy(&v, d->config + off, size);
    return v;
}

void sim_config_write(SimDevice *d, uint32_t off, uint32_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        uint32_t at = off + i;
        uint8_t b = val >> (8 * i);

        if (at == CFG_COMMAND || at == CFG_COMMAND + 1) {
            uint8_t mask = CMD_WRITABLE >> (8 * (at - CFG_COMMAND));
            uint8_t was = d->config[at];

            d->config[at] = (d->config[at] & ~mask) | (b & mask);
            if (at == CFG_COMMAND + 1 && ((was ^ d->config[at]) & 0x04)) {
                sim_device_intx_disable_changed(d);
            }
        } else if (at >= CFG_BAR0 && at < CFG_BAR0 + 4 * SIM_MAX_BARS) {
            int bar = (at - CFG_BAR0) / 4, shift = 8 * ((at - CFG_BAR0) & 3);
            d->bar_raw[bar] = (d->bar_raw[bar] & ~(0xffU << shift)) |
                              ((uint32_t)b << shift);
        } else if (at == 0x3c) {
            d->config[at] = b;                  /* interrupt line */
        } else if (d->cfg->msi && at == CFG_MSI + 2) {
            /* enable and the multiple-message-enable field */
            d->config[at] = (d->config[at] & ~0x71) | (b & 0x71);
        } else if (d->cfg->msi && at >= CFG_MSI + 4 && at < CFG_MSI + 14) {
            d->config[at] = b;                  /* address and data */
        } else if (d->cfg->msi_maskbit && at >= CFG_MSI + 0x10 &&
                   at < CFG_MSI + 0x14) {
            d->config[at] = b;                  /* mask bits */
        } else if (d->cfg->msix && at == CFG_MSIX + 3) {
            d->config[at] = b & 0xc0;           /* enable, function mask */
        } else if (d->cfg->pcie && at == EXP_DEVCTL + 1) {
            /*
             * Initiate FLR reads as 0; with FLR offered, vfio-pci resets
             * the function (dma-bufs revoked around it, the config header
             * saved and restored).
             */
            if (b & (EXP_DEVCTL_BCR_FLR >> 8) && d->cfg->flr) {
                sim_device_reset(d, true);
            }
        } else if (d->cfg->pm && at == PM_CTRL) {
            /* D0 or D3hot (D1, D2 are not supported: ignored) */
            if ((b & PM_STATE_MASK) == 0 || (b & PM_STATE_MASK) == 3) {
                d->config[at] = (d->config[at] & ~PM_STATE_MASK) |
                                (b & PM_STATE_MASK);
            }
        }
    }
    sim_dmabuf_sync(d, false, false);
}
