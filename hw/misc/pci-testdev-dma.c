/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci-testdev-dma: see include/hw/misc/pci-testdev-dma.h
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/misc/pci-testdev-dma.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"

typedef struct TestDevState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion io;
    MemoryRegion ram64;

    uint32_t liveness;
    uint32_t irq_status;
    uint32_t vector;
    uint64_t dma_src;
    uint64_t dma_dst;
    uint64_t dma_count;
    uint64_t dma_cmd;
    uint8_t buf[TESTDEV_DMA_BUF_SIZE];
    QEMUTimer *dma_timer;
    bool raising;

    /* Properties */
    uint32_t msix_vectors;
    uint64_t dma_delay_ns;
} TestDevState;

#define TESTDEV(obj) OBJECT_CHECK(TestDevState, (obj), TYPE_PCI_TESTDEV_DMA)

static void testdev_update_irq(TestDevState *s, bool edge)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msix_enabled(pdev)) {
        if (edge) {
            msix_notify(pdev, s->vector);
        }
    } else if (msi_enabled(pdev)) {
        if (edge) {
            msi_notify(pdev, s->vector);
        }
    } else {
        pci_set_irq(pdev, s->irq_status != 0);
    }
}

static void testdev_raise(TestDevState *s, uint32_t bits)
{
    s->irq_status |= bits;
    /* A message aimed at our own raise register must not loop. */
    if (s->raising) {
        return;
    }
    s->raising = true;
    testdev_update_irq(s, true);
    s->raising = false;
}

static void testdev_dma_finish(TestDevState *s)
{
    bool to_guest = s->dma_cmd & TESTDEV_DMA_TO_GUEST;
    uint64_t guest = to_guest ? s->dma_dst : s->dma_src;
    uint64_t bufaddr = to_guest ? s->dma_src : s->dma_dst;
    uint64_t count = s->dma_count;
    uint64_t off = bufaddr - TESTDEV_DMA_BUF;
    MemTxResult res;

    if (bufaddr < TESTDEV_DMA_BUF || count > TESTDEV_DMA_BUF_SIZE ||
        off > TESTDEV_DMA_BUF_SIZE - count) {
        s->dma_cmd &= ~TESTDEV_DMA_START;
        testdev_raise(s, TESTDEV_IRQ_DMA_ERROR);
        return;
    }
    /*
     * The guest may point DMA at anything, including this device's own
     * registers or its slot's power control: START stays set meanwhile
     * (a nested start is ignored), and if the transfer unplugged us,
     * nothing more is done.
     */
    object_ref(OBJECT(s));
    if (to_guest) {
        res = pci_dma_write(PCI_DEVICE(s), guest, s->buf + off, count);
    } else {
        res = pci_dma_read(PCI_DEVICE(s), guest, s->buf + off, count);
    }
    if (DEVICE(s)->realized) {
        s->dma_cmd &= ~TESTDEV_DMA_START;
        if (res != MEMTX_OK) {
            testdev_raise(s, TESTDEV_IRQ_DMA_ERROR);
        } else if (s->dma_cmd & TESTDEV_DMA_IRQ) {
            testdev_raise(s, TESTDEV_IRQ_DMA_DONE);
        }
    }
    object_unref(OBJECT(s));
}

static void testdev_dma_timer(void *opaque)
{
    testdev_dma_finish(opaque);
}

static void testdev_dma_start(TestDevState *s, uint64_t cmd)
{
    if (s->dma_cmd & TESTDEV_DMA_START) {
        return;         /* busy: the write is ignored, as in edu */
    }
    s->dma_cmd = cmd;
    if (!(cmd & TESTDEV_DMA_START)) {
        return;
    }
    if (s->dma_delay_ns) {
        timer_mod_ns(s->dma_timer,
                     qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + s->dma_delay_ns);
    } else {
        testdev_dma_finish(s);
    }
}

static uint64_t testdev_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDevState *s = opaque;
    uint64_t val = 0;

    if (addr >= TESTDEV_DMA_BUF && addr + size <= TESTDEV_DMA_BUF +
        TESTDEV_DMA_BUF_SIZE) {
        memcpy(&val, s->buf + addr - TESTDEV_DMA_BUF, size);
        return GUINT64_FROM_LE(val);
    }
    switch (addr) {
    case TESTDEV_REG_ID:
        return TESTDEV_ID_VALUE;
    case TESTDEV_REG_LIVENESS:
        return ~s->liveness & 0xffffffffu;
    case TESTDEV_REG_IRQ_STATUS:
        return s->irq_status;
    case TESTDEV_REG_VECTOR:
        return s->vector;
    case TESTDEV_REG_DMA_SRC:
        return size == 4 ? (uint32_t)s->dma_src : s->dma_src;
    case TESTDEV_REG_DMA_SRC + 4:
        return s->dma_src >> 32;
    case TESTDEV_REG_DMA_DST:
        return size == 4 ? (uint32_t)s->dma_dst : s->dma_dst;
    case TESTDEV_REG_DMA_DST + 4:
        return s->dma_dst >> 32;
    case TESTDEV_REG_DMA_COUNT:
        return s->dma_count;
    case TESTDEV_REG_DMA_CMD:
        return s->dma_cmd;
    default:
        return 0;
    }
}

static void set_low(uint64_t *reg, uint64_t val, unsigned size)
{
    *reg = size == 8 ? val : (*reg & ~0xffffffffULL) | (uint32_t)val;
}

static void set_high(uint64_t *reg, uint64_t val)
{
    *reg = (*reg & 0xffffffffULL) | (val << 32);
}

static void testdev_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    TestDevState *s = opaque;

    if (addr >= TESTDEV_DMA_BUF && addr + size <= TESTDEV_DMA_BUF +
        TESTDEV_DMA_BUF_SIZE) {
        uint64_t le = GUINT64_TO_LE(val);

        memcpy(s->buf + addr - TESTDEV_DMA_BUF, &le, size);
        return;
    }
    switch (addr) {
    case TESTDEV_REG_LIVENESS:
        s->liveness = val;
        break;
    case TESTDEV_REG_IRQ_RAISE:
        testdev_raise(s, val);
        break;
    case TESTDEV_REG_IRQ_ACK:
        s->irq_status &= ~val;
        testdev_update_irq(s, false);
        break;
    case TESTDEV_REG_VECTOR:
        s->vector = val;
        break;
    case TESTDEV_REG_DMA_SRC:
        set_low(&s->dma_src, val, size);
        break;
    case TESTDEV_REG_DMA_SRC + 4:
        set_high(&s->dma_src, val);
        break;
    case TESTDEV_REG_DMA_DST:
        set_low(&s->dma_dst, val, size);
        break;
    case TESTDEV_REG_DMA_DST + 4:
        set_high(&s->dma_dst, val);
        break;
    case TESTDEV_REG_DMA_COUNT:
        s->dma_count = val;
        break;
    case TESTDEV_REG_DMA_CMD:
        testdev_dma_start(s, val);
        break;
    default:
        break;
    }
}

static const MemoryRegionOps testdev_mmio_ops = {
    .read = testdev_mmio_read,
    .write = testdev_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static uint64_t testdev_io_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDevState *s = opaque;

    switch (addr) {
    case TESTDEV_REG_ID:
        return TESTDEV_ID_VALUE;
    case TESTDEV_REG_LIVENESS:
        return ~s->liveness & 0xffffffffu;
    default:
        return 0;
    }
}

static void testdev_io_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    TestDevState *s = opaque;

    if (addr == TESTDEV_REG_LIVENESS) {
        s->liveness = val;
    }
}

static const MemoryRegionOps testdev_io_ops = {
    .read = testdev_io_read,
    .write = testdev_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void testdev_realize(PCIDevice *pdev, Error **errp)
{
    TestDevState *s = TESTDEV(pdev);
    Object *obj = OBJECT(pdev);

    if (s->msix_vectors > 64) {
        error_setg(errp, "Property 'pci-testdev-dma.msix-vectors' doesn't "
                   "take value %u: at most 64", s->msix_vectors);
        return;
    }
    pdev->config[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&s->mmio, obj, &testdev_mmio_ops, s,
                          "testdev-mmio", 1 * 1024 * 1024);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
    memory_region_init_io(&s->io, obj, &testdev_io_ops, s, "testdev-io",
                          256);
    pci_register_bar(pdev, 1, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    if (!memory_region_init_ram(&s->ram64, obj, "testdev-ram64",
                                1 * 1024 * 1024, errp)) {
        return;
    }
    pci_register_bar(pdev, 4, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->ram64);

    if (pci_is_express(pdev)) {
        if (pcie_cap_init(pdev, 0, PCI_EXP_TYPE_ENDPOINT, 0, errp) < 0) {
            return;
        }
        /* A serial number, so extended config space has something. */
        pcie_add_capability(pdev, PCI_EXT_CAP_ID_DSN, 1,
                            PCI_CONFIG_SPACE_SIZE, 12);
        pci_set_quad(pdev->config + PCI_CONFIG_SPACE_SIZE + 4,
                     0x5e51a1ULL + pdev->devfn);
    }
    if (msi_init(pdev, 0, 1, true, true, errp) < 0) {
        return;
    }
    if (s->msix_vectors &&
        msix_init_exclusive_bar(pdev, s->msix_vectors, 2, errp) < 0) {
        return;
    }
    for (unsigned v = 0; v < s->msix_vectors; v++) {
        msix_vector_use(pdev, v);
    }
    s->dma_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, testdev_dma_timer, s);
}

static void testdev_exit(PCIDevice *pdev)
{
    TestDevState *s = TESTDEV(pdev);

    g_clear_pointer(&s->dma_timer, timer_free);
}

static void testdev_reset(DeviceState *dev)
{
    TestDevState *s = TESTDEV(dev);

    if (s->dma_timer) {
        timer_del(s->dma_timer);
    }
    s->liveness = 0;
    s->irq_status = 0;
    s->raising = false;
    s->vector = 0;
    s->dma_src = s->dma_dst = s->dma_count = s->dma_cmd = 0;
}

static void testdev_finalize(Object *obj)
{
    TestDevState *s = TESTDEV(obj);

    memory_region_finalize(&s->mmio);
    memory_region_finalize(&s->io);
    memory_region_finalize(&s->ram64);
}

static const Property testdev_props[] = {
    DEFINE_PROP_UINT32("msix-vectors", TestDevState, msix_vectors, 4),
    DEFINE_PROP_UINT64("dma-delay-ns", TestDevState, dma_delay_ns, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static void testdev_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->vendor_id = PCI_VENDOR_ID_QEMU;
    pc->device_id = PCI_DEVICE_ID_QEMU_TESTDEV_DMA;
    pc->revision = 1;
    pc->class_id = PCI_CLASS_OTHERS << 8;
    pc->is_express = true;
    pc->realize = testdev_realize;
    pc->exit = testdev_exit;
    dc->reset = testdev_reset;
    dc->desc = "PCI test device with DMA, MSI, MSI-X and INTx";
    device_class_set_props(dc, testdev_props);
}

static const TypeInfo testdev_info = {
    .name = TYPE_PCI_TESTDEV_DMA,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(TestDevState),
    .instance_finalize = testdev_finalize,
    .class_init = testdev_class_init,
};

static void testdev_register_types(void)
{
    type_register_static(&testdev_info);
}

type_init(testdev_register_types)
