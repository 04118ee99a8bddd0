/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 machine: RAM layout, the PCIe host bridge (CF8/CFC and ECAM),
 * the MCH at 00.0, INTx routing to the interrupt controller, and the MSI
 * doorbell
 */
#include "qemu/osdep.h"
#include "hw/i386/q35.h"
#include "hw/pci/pci_bus.h"
#include "hw/hotplug.h"
#include "hw/sysbus.h"
#include "system/memory.h"
#include "system/runstate.h"

typedef struct Q35PCIHost {
    PCIHostState parent_obj;
    MemoryRegion pci_memory;    /* the root bus's memory space */
    MemoryRegion ecam;
    MemoryRegion cf8;           /* CONFIG_ADDRESS, with RST_CNT at 0xCF9 */
    uint8_t rst_cnt;
    qemu_irq pirq[Q35_NUM_PIRQS];
    uint64_t hole64_start;
} Q35PCIHost;

#define Q35_HOST(obj) OBJECT_CHECK(Q35PCIHost, (obj), TYPE_Q35_HOST_DEVICE)

typedef struct Q35MachineState {
    MachineState parent_obj;
    MemoryRegion ram;
    MemoryRegion ram_below_4g;
    MemoryRegion ram_above_4g;
    Q35PCIHost *host;
} Q35MachineState;

#define Q35_MACHINE(obj) \
    OBJECT_CHECK(Q35MachineState, (obj), TYPE_Q35_MACHINE)

/* ---- Host bridge ------------------------------------------------------ */

static uint64_t q35_ecam_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;

    return pci_config_read(s->bus, addr, size);
}

static void q35_ecam_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    PCIHostState *s = opaque;

    pci_config_write(s->bus, addr, val, size);
}

static const MemoryRegionOps q35_ecam_ops = {
    .read = q35_ecam_read,
    .write = q35_ecam_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/*
 * 0xCF8..0xCFB: a dword access is the configuration address latch; a
 * byte at 0xCF9 is ICH9's reset control register (RST_CNT), which the
 * ACPI FADT names as the reset register: writing it with RST_CPU (bit 2)
 * set resets the machine, as a guest reboot does.
 */
#define Q35_RST_CNT_SYS_RST   (1u << 1)
#define Q35_RST_CNT_RST_CPU   (1u << 2)
#define Q35_RST_CNT_FULL_RST  (1u << 3)

static uint64_t q35_cf8_read(void *opaque, hwaddr addr, unsigned size)
{
    Q35PCIHost *s = opaque;

    if (addr == 0 && size == 4) {
        return PCI_HOST_BRIDGE(s)->config_reg;
    }
    if (addr == 1 && size == 1) {
        return s->rst_cnt;
    }
    return (1ULL << (size * 8)) - 1;
}

static void q35_cf8_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    Q35PCIHost *s = opaque;

    if (addr == 0 && size == 4) {
        PCI_HOST_BRIDGE(s)->config_reg = val;
    } else if (addr == 1 && size == 1) {
        s->rst_cnt = val & (Q35_RST_CNT_SYS_RST | Q35_RST_CNT_FULL_RST);
        if (val & Q35_RST_CNT_RST_CPU) {
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        }
    }
}

static const MemoryRegionOps q35_cf8_ops = {
    .read = q35_cf8_read,
    .write = q35_cf8_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static void q35_host_reset(DeviceState *dev)
{
    Q35_HOST(dev)->rst_cnt = 0;
}

static int q35_map_irq(PCIDevice *dev, int pin)
{
    return (PCI_SLOT(dev->devfn) + pin) % Q35_NUM_PIRQS;
}

static void q35_set_irq(void *opaque, int pirq, int level)
{
    Q35PCIHost *s = opaque;

    if (pirq >= 0 && pirq < Q35_NUM_PIRQS) {
        qemu_set_irq(s->pirq[pirq], level);
    }
}

static void q35_host_realize(DeviceState *dev, Error **errp)
{
    Q35PCIHost *s = Q35_HOST(dev);
    PCIHostState *phb = PCI_HOST_BRIDGE(dev);

    memory_region_init(&s->pci_memory, OBJECT(s), "pci", UINT64_MAX);
    /* RAM, ECAM and the doorbell sit above the PCI space. */
    memory_region_add_subregion_overlap(get_system_memory(), 0,
                                        &s->pci_memory, -1);
    pci_host_init_conf_regions(phb);
    /* Above any BAR or bridge window a guest may put over them. */
    memory_region_init_io(&s->cf8, OBJECT(s), &q35_cf8_ops, s,
                          "pci-conf-idx", 4);
    memory_region_add_subregion_overlap(get_system_io(), 0xcf8, &s->cf8, 10);
    memory_region_add_subregion_overlap(get_system_io(), 0xcfc,
                                        &phb->data_mem, 10);
    memory_region_init_io(&s->ecam, OBJECT(s), &q35_ecam_ops, s,
                          "pcie-mmcfg-mmio", Q35_ECAM_SIZE);
    memory_region_add_subregion_overlap(get_system_memory(), Q35_ECAM_BASE,
                                        &s->ecam, 10);

    phb->bus = pci_root_bus_new(dev, "pcie.0", &s->pci_memory,
                                get_system_io(), 0, TYPE_PCIE_BUS);
    pci_bus_irqs(phb->bus, q35_set_irq, s, Q35_NUM_PIRQS);
    pci_bus_map_irqs(phb->bus, q35_map_irq);
    pci_bus_set_intx_gsi_base(phb->bus, Q35_PIRQ_GSI_BASE);
    qbus_set_hotplug_handler(BUS(phb->bus), OBJECT(dev));
}

/* Root-bus hot-unplug completes at once: there is no slot to power off. */
static void q35_host_unplug(HotplugHandler *h, DeviceState *dev,
                            Error **errp)
{
}

static void q35_host_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(oc);

    dc->desc = "Q35 PCI Express host bridge";
    dc->realize = q35_host_realize;
    dc->reset = q35_host_reset;
    hc->unplug = q35_host_unplug;
    object_class_property_add_uint64_field(oc, "pci-hole64-start",
                                           offsetof(Q35PCIHost, hole64_start),
                                           OBJ_PROP_FLAG_READ);
}

uint64_t q35_pci_hole64_start(void)
{
    MachineState *ms = qdev_get_machine();
    Q35MachineState *q;

    if (!ms || !object_dynamic_cast(OBJECT(ms), TYPE_Q35_MACHINE)) {
        return 0;
    }
    q = Q35_MACHINE(ms);
    return q->host ? q->host->hole64_start : 0;
}

uint64_t q35_pci_hole64_end(void)
{
    uint64_t start = q35_pci_hole64_start();

    return start ? start + Q35_PCI_MMIO64_SIZE : 0;
}

/* ---- MCH (00.0) ------------------------------------------------------- */

static void mch_realize(PCIDevice *dev, Error **errp)
{
    /* PCIEXBAR: MMCONFIG fixed at the ECAM base, 256 buses, enabled. */
    pci_set_quad(dev->config + 0x60, Q35_ECAM_BASE | 1);
}

static void mch_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->vendor_id = PCI_VENDOR_ID_INTEL;
    pc->device_id = PCI_DEVICE_ID_INTEL_Q35_MCH;
    pc->revision = 2;
    pc->class_id = PCI_CLASS_BRIDGE_HOST;
    pc->realize = mch_realize;
    dc->desc = "Host bridge";
    dc->user_creatable = false;
    dc->hotpluggable = false;
}

/* ---- Machine ---------------------------------------------------------- */

static void q35_init_ram(Q35MachineState *q, Error **errp)
{
    MachineState *ms = MACHINE(q);
    uint64_t below = MIN(ms->ram_size, Q35_PCI_HOLE_START);
    uint64_t above = ms->ram_size - below;

    if (!ms->ram) {
        if (!memory_region_init_ram(&q->ram, OBJECT(q), "pc.ram",
                                    ms->ram_size, errp)) {
            return;
        }
        ms->ram = &q->ram;
    }
    memory_region_init_alias(&q->ram_below_4g, OBJECT(q), "ram-below-4g",
                             ms->ram, 0, below);
    memory_region_add_subregion(get_system_memory(), 0, &q->ram_below_4g);
    if (above) {
        memory_region_init_alias(&q->ram_above_4g, OBJECT(q), "ram-above-4g",
                                 ms->ram, below, above);
        memory_region_add_subregion(get_system_memory(), Q35_ABOVE_4G_BASE,
                                    &q->ram_above_4g);
    }
}

static void q35_machine_init(MachineState *ms, Error **errp)
{
    Q35MachineState *q = Q35_MACHINE(ms);
    DeviceState *ioapic, *doorbell, *host;
    PCIHostState *phb;
    uint64_t above;
    Error *local_err = NULL;

    if (ms->ram_size < 1 * 1024 * 1024) {
        error_setg(errp, "ram size too small: at least 1 MiB is needed");
        return;
    }
    memory_map_init();
    q35_init_ram(q, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }

    ioapic = qdev_new(TYPE_IOAPIC);
    object_property_add_child(OBJECT(ms), "ioapic", OBJECT(ioapic));
    /*
     * A -global for one of the board's own devices that does not apply
     * (unknown property, bad value) fails its realize: that is the user's
     * error, reported like any other, so none of these may abort.
     */
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(ioapic), errp)) {
        return;
    }

    doorbell = qdev_new(TYPE_MSI_DOORBELL);
    object_property_add_child(OBJECT(ms), "msi-doorbell", OBJECT(doorbell));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(doorbell), errp)) {
        return;
    }

    host = qdev_new(TYPE_Q35_HOST_DEVICE);
    q->host = Q35_HOST(host);
    above = ms->ram_size - MIN(ms->ram_size, Q35_PCI_HOLE_START);
    q->host->hole64_start = ROUND_UP(Q35_ABOVE_4G_BASE + above, 1ULL << 30);
    object_property_add_child(OBJECT(ms), "q35", OBJECT(host));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(host), errp)) {
        return;
    }
    for (int i = 0; i < Q35_NUM_PIRQS; i++) {
        q->host->pirq[i] = qdev_get_gpio_in(ioapic, Q35_PIRQ_GSI_BASE + i);
    }

    phb = PCI_HOST_BRIDGE(host);
    pci_realize_and_unref(pci_new(0, TYPE_MCH_PCI_DEVICE), phb->bus, errp);
}

static void q35_machine_finalize(Object *obj)
{
    Q35MachineState *q = Q35_MACHINE(obj);

    memory_region_finalize(&q->ram_above_4g);
    memory_region_finalize(&q->ram_below_4g);
    memory_region_finalize(&q->ram);
}

static void q35_machine_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    /*
     * Named as QEMU's q35 of the release we implement (QEMU_VERSION), so
     * that libvirt, which records the versioned name, finds it; -M q35
     * still works.  There is one version: no compatibility properties.
     */
    mc->name = "pc-q35-10.1";
    mc->alias = "q35";
    mc->desc = "Standard PC (Q35 + ICH9, 2009)";
    mc->is_default = true;
    mc->default_ram_size = 128 * 1024 * 1024;
    /* xAPIC IDs: 8 bits, 255 is the broadcast ID. */
    mc->max_cpus = 255;
    mc->default_cpu_type = "qemu64-x86_64-cpu";
    /* The RAM region's name; libvirt names its memory backend after it. */
    mc->default_ram_id = "pc.ram";
    mc->has_acpi = true;
    mc->init = q35_machine_init;
}

static const TypeInfo q35_types[] = {
    {
        /*
         * QEMU's abstract parent of its PC machines: libvirt lists its
         * properties (acpi, hpet, ...) to learn what -machine takes.
         */
        .name = TYPE_PC_MACHINE,
        .parent = TYPE_MACHINE,
        .abstract = true,
    },
    {
        .name = TYPE_Q35_MACHINE,
        .parent = TYPE_PC_MACHINE,
        .instance_size = sizeof(Q35MachineState),
        .instance_finalize = q35_machine_finalize,
        .class_init = q35_machine_class_init,
    },
    {
        .name = TYPE_Q35_HOST_DEVICE,
        .parent = TYPE_PCI_HOST_BRIDGE,
        .instance_size = sizeof(Q35PCIHost),
        .class_init = q35_host_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_HOTPLUG_HANDLER },
            { }
        },
    },
    {
        .name = TYPE_MCH_PCI_DEVICE,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(PCIDevice),
        .class_init = mch_class_init,
    },
};

DEFINE_TYPES(q35_types)
