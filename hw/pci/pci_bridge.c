/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI-to-PCI bridge core: secondary bus, forwarding windows, bus reset
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_bridge.h"
#include "hw/qdev-properties.h"
#include "pci-internal.h"

PCIBus *pci_bridge_get_sec_bus(PCIBridge *br)
{
    return &br->sec_bus;
}

pcibus_t pci_bridge_get_base(const PCIDevice *bridge, uint8_t type)
{
    const uint8_t *cfg = bridge->config;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        return (pcibus_t)(cfg[PCI_IO_BASE] & PCI_IO_RANGE_MASK) << 8;
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        pcibus_t base = (pcibus_t)(pci_get_word(cfg + PCI_PREF_MEMORY_BASE) &
                                   PCI_PREF_RANGE_MASK) << 16;

        if (pci_get_word(cfg + PCI_PREF_MEMORY_BASE) &
            PCI_PREF_RANGE_TYPE_64) {
            base |= (pcibus_t)pci_get_long(cfg + PCI_PREF_BASE_UPPER32) << 32;
        }
        return base;
    }
    return (pcibus_t)(pci_get_word(cfg + PCI_MEMORY_BASE) &
                      PCI_MEMORY_RANGE_MASK) << 16;
}

pcibus_t pci_bridge_get_limit(const PCIDevice *bridge, uint8_t type)
{
    const uint8_t *cfg = bridge->config;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        return ((pcibus_t)(cfg[PCI_IO_LIMIT] & PCI_IO_RANGE_MASK) << 8) |
               0xfff;
    }
    if (type & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        pcibus_t limit = ((pcibus_t)(pci_get_word(cfg + PCI_PREF_MEMORY_LIMIT)
                                     & PCI_PREF_RANGE_MASK) << 16) | 0xfffff;

        if (pci_get_word(cfg + PCI_PREF_MEMORY_LIMIT) &
            PCI_PREF_RANGE_TYPE_64) {
            limit |= (pcibus_t)pci_get_long(cfg + PCI_PREF_LIMIT_UPPER32)
                     << 32;
        }
        return limit;
    }
    return ((pcibus_t)(pci_get_word(cfg + PCI_MEMORY_LIMIT) &
                       PCI_MEMORY_RANGE_MASK) << 16) | 0xfffff;
}

static void pci_bridge_unmap_windows(PCIBridge *br)
{
    PCIDevice *dev = PCI_DEVICE(br);
    MemoryRegion *windows[] = { &br->alias_io, &br->alias_mem,
                                &br->alias_pref_mem };

    if (!br->windows_mapped) {
        return;
    }
    for (int i = 0; i < 3; i++) {
        if (memory_region_is_mapped(windows[i])) {
            memory_region_del_subregion(i ? pci_address_space(dev)
                                          : pci_address_space_io(dev),
                                        windows[i]);
        }
        memory_region_finalize(windows[i]);
    }
    br->windows_mapped = false;
}

static void pci_bridge_map_window(PCIBridge *br, MemoryRegion *alias,
                                  const char *name, uint8_t type,
                                  MemoryRegion *below, MemoryRegion *parent,
                                  bool enabled)
{
    PCIDevice *dev = PCI_DEVICE(br);
    pcibus_t base = pci_bridge_get_base(dev, type);
    pcibus_t limit = pci_bridge_get_limit(dev, type);
    uint64_t below_size = memory_region_size(below);
    uint64_t size;

    /* A closed window is an empty alias, kept only for symmetry. */
    if (!enabled || base > limit || base >= below_size) {
        memory_region_init_alias(alias, OBJECT(br), name, below, 0, 0);
        return;
    }
    if (below_size != UINT64_MAX && limit >= below_size) {
        limit = below_size - 1;
    }
    size = limit - base + 1;
    memory_region_init_alias(alias, OBJECT(br), name, below, base,
                             size ? size : UINT64_MAX);
    memory_region_add_subregion_overlap(parent, base, alias, 1);
}

void pci_bridge_update_windows(PCIBridge *br)
{
    PCIDevice *dev = PCI_DEVICE(br);
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);

    memory_region_transaction_begin();
    pci_bridge_unmap_windows(br);
    pci_bridge_map_window(br, &br->alias_io, "pci_bridge_io",
                          PCI_BASE_ADDRESS_SPACE_IO, &br->address_space_io,
                          pci_address_space_io(dev), cmd & PCI_COMMAND_IO);
    pci_bridge_map_window(br, &br->alias_mem, "pci_bridge_mem",
                          PCI_BASE_ADDRESS_SPACE_MEMORY,
                          &br->address_space_mem, pci_address_space(dev),
                          cmd & PCI_COMMAND_MEMORY);
    pci_bridge_map_window(br, &br->alias_pref_mem, "pci_bridge_pref_mem",
                          PCI_BASE_ADDRESS_SPACE_MEMORY |
                          PCI_BASE_ADDRESS_MEM_PREFETCH,
                          &br->address_space_mem, pci_address_space(dev),
                          cmd & PCI_COMMAND_MEMORY);
    br->windows_mapped = true;
    memory_region_transaction_commit();
}

void pci_bridge_write_config(PCIDevice *dev, uint32_t address, uint32_t val,
                             int len)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    uint16_t old_ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    uint16_t new_ctl;

    pci_default_write_config(dev, address, val, len);

    if (ranges_overlap(address, len, PCI_COMMAND, 2) ||
        ranges_overlap(address, len, PCI_IO_BASE, 2) ||
        ranges_overlap(address, len, PCI_MEMORY_BASE, 20) ||
        ranges_overlap(address, len, PCI_IO_BASE_UPPER16, 4)) {
        pci_bridge_update_windows(br);
    }
    new_ctl = pci_get_word(dev->config + PCI_BRIDGE_CONTROL);
    if (!(old_ctl & PCI_BRIDGE_CTL_BUS_RESET) &&
        (new_ctl & PCI_BRIDGE_CTL_BUS_RESET)) {
        pci_bus_reset(&br->sec_bus);
    }
}

void pci_bridge_reset(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    uint8_t *cfg = dev->config;

    cfg[PCI_PRIMARY_BUS] = 0;
    cfg[PCI_SECONDARY_BUS] = 0;
    cfg[PCI_SUBORDINATE_BUS] = 0;
    cfg[PCI_SEC_LATENCY_TIMER] = 0;
    cfg[PCI_IO_BASE] &= ~PCI_IO_RANGE_MASK;
    cfg[PCI_IO_LIMIT] &= ~PCI_IO_RANGE_MASK;
    pci_set_word(cfg + PCI_MEMORY_BASE, 0);
    pci_set_word(cfg + PCI_MEMORY_LIMIT, 0);
    pci_word_test_and_clear_mask(cfg + PCI_PREF_MEMORY_BASE,
                                 0xfff0);
    pci_word_test_and_clear_mask(cfg + PCI_PREF_MEMORY_LIMIT,
                                 0xfff0);
    pci_set_long(cfg + PCI_PREF_BASE_UPPER32, 0);
    pci_set_long(cfg + PCI_PREF_LIMIT_UPPER32, 0);
    pci_set_word(cfg + PCI_BRIDGE_CONTROL, 0);
    pci_bridge_update_windows(PCI_BRIDGE(dev));
}

/* Standard swizzle: a device's pin moves by its slot number. */
static int pci_bridge_swizzle(PCIDevice *dev, int pin)
{
    return (pin + PCI_SLOT(dev->devfn)) % PCI_NUM_PINS;
}

void pci_bridge_initfn(PCIDevice *dev, const char *bus_type, Error **errp)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    PCIBus *parent = pci_get_bus(dev);
    uint8_t *cfg = dev->config;
    uint8_t *wmask = dev->wmask;

    pci_set_word(cfg + PCI_STATUS, PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK);
    cfg[PCI_IO_BASE] = PCI_IO_RANGE_TYPE_16;
    cfg[PCI_IO_LIMIT] = PCI_IO_RANGE_TYPE_16;
    pci_set_word(cfg + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    pci_set_word(cfg + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
    pci_set_word(cfg + PCI_SEC_STATUS,
                 PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK);

    wmask[PCI_PRIMARY_BUS] = 0xff;
    wmask[PCI_SECONDARY_BUS] = 0xff;
    wmask[PCI_SUBORDINATE_BUS] = 0xff;
    wmask[PCI_SEC_LATENCY_TIMER] = 0xff;
    wmask[PCI_IO_BASE] = PCI_IO_RANGE_MASK & 0xff;
    wmask[PCI_IO_LIMIT] = PCI_IO_RANGE_MASK & 0xff;
    pci_set_word(wmask + PCI_MEMORY_BASE, PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_set_word(wmask + PCI_MEMORY_LIMIT, PCI_MEMORY_RANGE_MASK & 0xffff);
    pci_set_word(wmask + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_MASK & 0xffff);
    pci_set_word(wmask + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_MASK & 0xffff);
    pci_set_long(wmask + PCI_PREF_BASE_UPPER32, 0xffffffff);
    pci_set_long(wmask + PCI_PREF_LIMIT_UPPER32, 0xffffffff);
    pci_set_word(wmask + PCI_BRIDGE_CONTROL,
                 PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR |
                 PCI_BRIDGE_CTL_ISA | PCI_BRIDGE_CTL_VGA |
                 PCI_BRIDGE_CTL_MASTER_ABORT | PCI_BRIDGE_CTL_BUS_RESET |
                 PCI_BRIDGE_CTL_FAST_BACK);
    pci_set_word(dev->w1cmask + PCI_SEC_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    /* The bridge's own BAR registers are unimplemented; keep them 0. */

    memory_region_init(&br->address_space_mem, OBJECT(br), "pci_bridge_pci",
                       UINT64_MAX);
    memory_region_init(&br->address_space_io, OBJECT(br), "pci_bridge_io",
                       0x10000);
    br->bus_type = bus_type;
    pci_bus_init(&br->sec_bus, DEVICE(dev), DEVICE(dev)->id,
                 &br->address_space_mem, &br->address_space_io, 0, bus_type);
    br->sec_bus.parent_dev = dev;
    br->sec_bus.map_irq = pci_bridge_swizzle;
    parent->child_buses = g_list_append(parent->child_buses, &br->sec_bus);
    pci_bridge_update_windows(br);
}

void pci_bridge_exitfn(PCIDevice *dev)
{
    PCIBridge *br = PCI_BRIDGE(dev);
    PCIBus *parent = pci_get_bus(dev);

    parent->child_buses = g_list_remove(parent->child_buses, &br->sec_bus);
    memory_region_transaction_begin();
    pci_bridge_unmap_windows(br);
    memory_region_transaction_commit();
    object_unparent(OBJECT(&br->sec_bus));
    memory_region_finalize(&br->address_space_mem);
    memory_region_finalize(&br->address_space_io);
}

static void pci_bridge_class_init(ObjectClass *oc, const void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);
    DeviceClass *dc = DEVICE_CLASS(oc);

    pc->is_bridge = true;
    pc->config_write = pci_bridge_write_config;
    dc->reset = pci_bridge_reset;
    dc->category = DEVICE_CATEGORY_BRIDGE;
}

static const TypeInfo pci_bridge_type_info = {
    .name = TYPE_PCI_BRIDGE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PCIBridge),
    .abstract = true,
    .class_init = pci_bridge_class_init,
};

static void pci_bridge_register_types(void)
{
    type_register_static(&pci_bridge_type_info);
}

type_init(pci_bridge_register_types)
