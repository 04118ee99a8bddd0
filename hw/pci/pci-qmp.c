/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP query-pci, in QEMU's reply shape
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_bridge.h"
#include "monitor/qmp.h"

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

static JsonObject *pci_range(pcibus_t base, pcibus_t limit)
{
    JsonObject *o = json_object_new();

    json_object_set_int_member(o, "base", base);
    json_object_set_int_member(o, "limit", limit);
    return o;
}

static JsonArray *pci_bus_devices_info(PCIBus *bus);

static JsonObject *pci_bridge_info(PCIDevice *dev)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    JsonObject *info = json_object_new();
    JsonObject *binfo = json_object_new();

    json_object_set_int_member(binfo, "number", pci_dev_bus_num(dev));
    json_object_set_int_member(binfo, "secondary",
                               dev->config[PCI_SECONDARY_BUS]);
    json_object_set_int_member(binfo, "subordinate",
                               dev->config[PCI_SUBORDINATE_BUS]);
    json_object_set_object_member(binfo, "io_range", pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_IO),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_IO)));
    json_object_set_object_member(binfo, "memory_range", pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_MEMORY),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_MEMORY)));
    json_object_set_object_member(binfo, "prefetchable_range", pci_range(
        pci_bridge_get_base(dev, PCI_BASE_ADDRESS_SPACE_MEMORY |
                            PCI_BASE_ADDRESS_MEM_PREFETCH),
        pci_bridge_get_limit(dev, PCI_BASE_ADDRESS_SPACE_MEMORY |
                             PCI_BASE_ADDRESS_MEM_PREFETCH)));
    json_object_set_object_member(info, "bus", binfo);
    if (dev->config[PCI_SECONDARY_BUS]) {
        json_object_set_array_member(info, "devices",
            pci_bus_devices_info(pci_bridge_get_sec_bus(br)));
    }
    return info;
}

static JsonArray *pci_regions_info(PCIDevice *dev)
{
    JsonArray *arr = json_array_new();

    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        JsonObject *o;

        if (!r->size) {
            continue;
        }
        o = json_object_new();
        json_object_set_int_member(o, "bar", i);
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            json_object_set_string_member(o, "type", "io");
        } else {
            json_object_set_string_member(o, "type", "memory");
            json_object_set_boolean_member(o, "prefetch",
                r->type & PCI_BASE_ADDRESS_MEM_PREFETCH);
            json_object_set_boolean_member(o, "mem_type_64",
                r->type & PCI_BASE_ADDRESS_MEM_TYPE_64);
        }
        json_object_set_int_member(o, "address", r->addr);
        json_object_set_int_member(o, "size", r->size);
        json_array_add_object_element(arr, o);
    }
    return arr;
}

static JsonObject *pci_device_info(PCIBus *bus, PCIDevice *dev)
{
    JsonObject *info = json_object_new();
    JsonObject *class_info = json_object_new();
    JsonObject *id = json_object_new();
    uint16_t class = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    int pin = dev->config[PCI_INTERRUPT_PIN];

    json_object_set_int_member(info, "bus", pci_bus_num(bus));
    json_object_set_int_member(info, "slot", PCI_SLOT(dev->devfn));
    json_object_set_int_member(info, "function", PCI_FUNC(dev->devfn));
    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        if (pci_class_names[i].class == class) {
            json_object_set_string_member(class_info, "desc",
                                          pci_class_names[i].desc);
        }
    }
    json_object_set_int_member(class_info, "class", class);
    json_object_set_object_member(info, "class_info", class_info);
    json_object_set_int_member(id, "device",
                               pci_get_word(dev->config + PCI_DEVICE_ID));
    json_object_set_int_member(id, "vendor",
                               pci_get_word(dev->config + PCI_VENDOR_ID));
    if ((dev->config[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
        json_object_set_int_member(id, "subsystem", pci_get_word(
            dev->config + PCI_SUBSYSTEM_ID));
        json_object_set_int_member(id, "subsystem-vendor", pci_get_word(
            dev->config + PCI_SUBSYSTEM_VENDOR_ID));
    }
    json_object_set_object_member(info, "id", id);
    if (pin) {
        json_object_set_int_member(info, "irq",
                                   dev->config[PCI_INTERRUPT_LINE]);
        json_object_set_int_member(info, "irq_pin", pin);
    }
    json_object_set_string_member(info, "qdev_id",
                                  dev->qdev.id ? dev->qdev.id : "");
    json_object_set_array_member(info, "regions", pci_regions_info(dev));
    if (object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE)) {
        json_object_set_object_member(info, "pci_bridge",
                                      pci_bridge_info(dev));
    }
    return info;
}

static JsonArray *pci_bus_devices_info(PCIBus *bus)
{
    JsonArray *arr = json_array_new();

    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            json_array_add_object_element(arr,
                pci_device_info(bus, bus->devices[devfn]));
        }
    }
    return arr;
}

static JsonNode *qmp_query_pci(JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { NULL };
    g_autoptr(JsonArray) arr = NULL;

    if (!qmp_arg_check_known(args, allowed, errp)) {
        return NULL;
    }
    arr = json_array_new();
    for (GList *l = pci_root_buses(); l; l = l->next) {
        PCIBus *bus = l->data;
        JsonObject *o = json_object_new();

        json_object_set_int_member(o, "bus", pci_bus_num(bus));
        json_object_set_array_member(o, "devices", pci_bus_devices_info(bus));
        json_array_add_object_element(arr, o);
    }
    return qmp_return_array(arr);
}

static void __attribute__((constructor)) pci_qmp_register(void)
{
    qmp_register_command("query-pci", qmp_query_pci, 0);
}
