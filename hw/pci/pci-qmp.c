/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-pci, in QEMU's reply shape (qapi/pci.json)
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_bridge.h"
#include "qapi/qapi-commands.h"

static const struct {
    uint16_t class;
    const char *desc;
} pci_class_names[] = {
    { 0x0100, "SCSI controller" },
    { 0x0106, "SATA controller" },
    { 0x0108, "NVMe controller" },
    { 0x0200, "Ethernet controller" },
    { 0x0300, "VGA controller" },
    { 0x0600, "Host bridge" },
    { 0x0601, "ISA bridge" },
    { 0x0604, "PCI bridge" },
    { 0x0c03, "USB controller" },
    { 0x00ff, "Unclassified" },
};

static PciMemoryRange *pci_range(pcibus_t base, pcibus_t limit)
{
    PciMemoryRange *r = g_new0(PciMemoryRange, 1);

    r->base = base;
    r->limit = limit;
    return r;
}

static GPtrArray *pci_bus_devices_info(PCIBus *bus);

static PciBridgeInfo *pci_bridge_info(PCIDevice *dev)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    PciBridgeInfo *info = g_new0(PciBridgeInfo, 1);
    PciBusInfo *binfo = g_new0(PciBusInfo, 1);

    binfo->number = pci_dev_bus_num(dev);
    binfo->secondary = dev->config[PCI_SECONDARY_BUS];
    binfo->subordinate = dev->config[PCI_SUBORDINATE_BUS];
    binfo->io_range = pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_IO),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_IO));
    binfo->memory_range = pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_MEMORY),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_MEMORY));
    binfo->prefetchable_range = pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_MEMORY |
                            PCI_BASE_ADDRESS_MEM_PREFETCH),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_MEMORY |
                             PCI_BASE_ADDRESS_MEM_PREFETCH));
    info->bus = binfo;
    if (dev->config[PCI_SECONDARY_BUS]) {
        info->devices = pci_bus_devices_info(pci_bridge_get_sec_bus(br));
    }
    return info;
}

static GPtrArray *pci_regions_info(PCIDevice *dev)
{
    GPtrArray *arr = qapi_PciMemoryRegionList_new();

    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        PciMemoryRegion *o;

        if (!r->size) {
            continue;
        }
        o = g_new0(PciMemoryRegion, 1);
        o->bar = i;
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            o->type = g_strdup("io");
        } else {
            o->type = g_strdup("memory");
            o->has_prefetch = true;
            o->prefetch = r->type & PCI_BASE_ADDRESS_MEM_PREFETCH;
            o->has_mem_type_64 = true;
            o->mem_type_64 = r->type & PCI_BASE_ADDRESS_MEM_TYPE_64;
        }
        o->address = r->addr;
        o->size = r->size;
        g_ptr_array_add(arr, o);
    }
    return arr;
}

static PciDeviceInfo *pci_device_info(PCIBus *bus, PCIDevice *dev)
{
    PciDeviceInfo *info = g_new0(PciDeviceInfo, 1);
    PciDeviceClass *class_info = g_new0(PciDeviceClass, 1);
    PciDeviceId *id = g_new0(PciDeviceId, 1);
    uint16_t class = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    int pin = dev->config[PCI_INTERRUPT_PIN];

    info->bus = pci_bus_num(bus);
    info->slot = PCI_SLOT(dev->devfn);
    info->function = PCI_FUNC(dev->devfn);
    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        if (pci_class_names[i].class == class) {
            class_info->desc = g_strdup(pci_class_names[i].desc);
        }
    }
    class_info->class = class;
    info->class_info = class_info;
    id->device = pci_get_word(dev->config + PCI_DEVICE_ID);
    id->vendor = pci_get_word(dev->config + PCI_VENDOR_ID);
    if ((dev->config[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
        id->has_subsystem = true;
        id->subsystem = pci_get_word(dev->config + PCI_SUBSYSTEM_ID);
        id->has_subsystem_vendor = true;
        id->subsystem_vendor = pci_get_word(dev->config +
                                            PCI_SUBSYSTEM_VENDOR_ID);
    }
    info->id = id;
    if (pin) {
        info->has_irq = true;
        info->irq = dev->config[PCI_INTERRUPT_LINE];
        info->has_irq_pin = true;
        info->irq_pin = pin;
    }
    info->qdev_id = g_strdup(dev->qdev.id ? dev->qdev.id : "");
    info->regions = pci_regions_info(dev);
    if (object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE)) {
        info->pci_bridge = pci_bridge_info(dev);
    }
    return info;
}

static GPtrArray *pci_bus_devices_info(PCIBus *bus)
{
    GPtrArray *arr = qapi_PciDeviceInfoList_new();

    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            g_ptr_array_add(arr, pci_device_info(bus, bus->devices[devfn]));
        }
    }
    return arr;
}

GPtrArray *qmp_query_pci(Error **errp)
{
    GPtrArray *arr = qapi_PciInfoList_new();

    for (GList *l = pci_root_buses(); l; l = l->next) {
        PCIBus *bus = l->data;
        PciInfo *o = g_new0(PciInfo, 1);

        o->bus = pci_bus_num(bus);
        o->devices = pci_bus_devices_info(bus);
        g_ptr_array_add(arr, o);
    }
    return arr;
}
