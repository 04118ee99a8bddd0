/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI core: buses, device realize, BAR mappings, INTx, bus mastering,
 * reset
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "pci-internal.h"

static GList *root_buses;

/* ---- Buses ------------------------------------------------------------ */

GList *pci_root_buses(void)
{
    return root_buses;
}

void pci_bus_init(PCIBus *bus, DeviceState *parent, const char *name,
                  MemoryRegion *mem, MemoryRegion *io, uint8_t devfn_min,
                  const char *typename)
{
    qbus_init(bus, sizeof(*bus), typename, parent, name);
    bus->address_space_mem = mem;
    bus->address_space_io = io;
    bus->devfn_min = devfn_min;
}

PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io,
                         uint8_t devfn_min, const char *typename)
{
    PCIBus *bus = PCI_BUS(qbus_new(typename, parent, name));

    bus->address_space_mem = mem;
    bus->address_space_io = io;
    bus->devfn_min = devfn_min;
    bus->is_root = true;
    bus->intx_gsi_base = -1;
    root_buses = g_list_append(root_buses, bus);
    return bus;
}

void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq, void *opaque,
                  int nirq)
{
    bus->set_irq = set_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
    g_free(bus->irq_count);
    bus->irq_count = g_new0(int, nirq);
}

void pci_bus_map_irqs(PCIBus *bus, pci_map_irq_fn map_irq)
{
    bus->map_irq = map_irq;
}

void pci_bus_set_intx_gsi_base(PCIBus *bus, int gsi_base)
{
    bus->intx_gsi_base = gsi_base;
}

int pci_bus_num(PCIBus *bus)
{
    if (bus->is_root || !bus->parent_dev) {
        return 0;
    }
    return bus->parent_dev->config[PCI_SECONDARY_BUS];
}

bool pci_bus_is_root(PCIBus *bus)
{
    return bus->is_root;
}

bool pci_bus_is_express(PCIBus *bus)
{
    return object_dynamic_cast(OBJECT(bus), TYPE_PCIE_BUS) != NULL;
}

PCIBus *pci_get_bus(const PCIDevice *dev)
{
    return PCI_BUS(dev->qdev.parent_bus);
}

PCIBus *pci_device_root_bus(const PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);

    while (!bus->is_root && bus->parent_dev) {
        bus = pci_get_bus(bus->parent_dev);
    }
    return bus;
}

PCIDevice *pci_bridge_of_bus(PCIBus *bus)
{
    return bus->parent_dev;
}

MemoryRegion *pci_address_space(PCIDevice *dev)
{
    return pci_get_bus(dev)->address_space_mem;
}

MemoryRegion *pci_address_space_io(PCIDevice *dev)
{
    return pci_get_bus(dev)->address_space_io;
}

static PCIBus *pci_find_bus_nr(PCIBus *bus, int bus_num)
{
    if (pci_bus_num(bus) == bus_num) {
        return bus;
    }
    for (GList *l = bus->child_buses; l; l = l->next) {
        PCIBus *sec = l->data;
        const uint8_t *cfg = sec->parent_dev->config;
        int first = cfg[PCI_SECONDARY_BUS];
        int last = cfg[PCI_SUBORDINATE_BUS];

        /* An unconfigured bridge (secondary 0) forwards nothing. */
        if (first && first <= bus_num && bus_num <= last) {
            return pci_find_bus_nr(sec, bus_num);
        }
    }
    return NULL;
}

PCIDevice *pci_find_device(PCIBus *root, int bus_num, uint8_t devfn)
{
    PCIBus *bus = pci_find_bus_nr(root, bus_num);

    return bus ? bus->devices[devfn] : NULL;
}

void pci_for_each_device_on_bus(PCIBus *bus,
                                void (*fn)(PCIBus *bus, PCIDevice *dev,
                                           void *opaque),
                                void *opaque)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            fn(bus, bus->devices[devfn], opaque);
        }
    }
}

void pci_for_each_device_under_bus(PCIBus *bus,
                                   void (*fn)(PCIBus *bus, PCIDevice *dev,
                                              void *opaque),
                                   void *opaque)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *dev = bus->devices[devfn];

        if (!dev) {
            continue;
        }
        fn(bus, dev, opaque);
        if (object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE)) {
            pci_for_each_device_under_bus(
                pci_bridge_get_sec_bus(PCI_BRIDGE(dev)), fn, opaque);
        }
    }
}

static void pci_bus_reset_hook(BusState *qbus)
{
    PCIBus *bus = PCI_BUS(qbus);

    /* Device models have reset themselves; now the core state. */
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            pci_do_device_reset(bus->devices[devfn]);
        }
    }
}

static char *pci_bus_get_dev_path(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);

    return g_strdup_printf("%02x:%02x.%x", pci_dev_bus_num(dev),
                           PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
}

static void pci_bus_finalize(Object *obj)
{
    PCIBus *bus = PCI_BUS(obj);

    root_buses = g_list_remove(root_buses, bus);
    g_free(bus->irq_count);
}

static void pci_bus_class_init(ObjectClass *oc, const void *data)
{
    BusClass *bc = BUS_CLASS(oc);

    bc->reset = pci_bus_reset_hook;
    bc->get_dev_path = pci_bus_get_dev_path;
}

/* ---- Reset ------------------------------------------------------------ */

void pci_do_device_reset(PCIDevice *dev)
{
    uint8_t *cfg = dev->config;

    pci_set_irq(dev, 0);
    pci_word_test_and_clear_mask(cfg + PCI_COMMAND,
                                 pci_get_word(dev->wmask + PCI_COMMAND) |
                                 pci_get_word(dev->w1cmask + PCI_COMMAND));
    pci_word_test_and_clear_mask(cfg + PCI_STATUS,
                                 pci_get_word(dev->wmask + PCI_STATUS) |
                                 pci_get_word(dev->w1cmask + PCI_STATUS));
    cfg[PCI_CACHE_LINE_SIZE] = 0;
    cfg[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        uint32_t off = pci_bar_offset(dev, i);

        if (!r->size) {
            continue;
        }
        if (!(r->type & PCI_BASE_ADDRESS_SPACE_IO) &&
            (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
            pci_set_quad(cfg + off, r->type);
        } else {
            pci_set_long(cfg + off, r->type);
        }
    }
    pci_update_mappings(dev);
    pci_update_bus_master(dev);
    if (object_dynamic_cast(OBJECT(dev), TYPE_PCI_BRIDGE)) {
        pci_bridge_update_windows(PCI_BRIDGE(dev));
    }
    msi_reset(dev);
    msix_reset(dev);
}

void pci_device_reset(PCIDevice *dev)
{
    device_cold_reset(DEVICE(dev));
    pci_do_device_reset(dev);
}

void pci_bus_reset(PCIBus *bus)
{
    bus_cold_reset(BUS(bus));
}

/* ---- BARs ------------------------------------------------------------- */

uint32_t pci_bar_offset(PCIDevice *dev, int region_num)
{
    if (region_num != PCI_ROM_SLOT) {
        return PCI_BASE_ADDRESS_0 + region_num * 4;
    }
    return (dev->config[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE
           ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
}

void pci_register_bar(PCIDevice *dev, int region_num, uint8_t type,
                      MemoryRegion *memory)
{
    PCIIORegion *r;
    uint64_t size = memory_region_size(memory);
    uint64_t wmask;
    uint32_t off;

    g_assert(region_num >= 0 && region_num < PCI_NUM_REGIONS);
    g_assert(is_power_of_2(size));
    r = &dev->io_regions[region_num];
    g_assert(!r->size);
    r->addr = PCI_BAR_UNMAPPED;
    r->size = size;
    r->type = type;
    r->memory = memory;
    r->address_space = type & PCI_BASE_ADDRESS_SPACE_IO
                       ? pci_address_space_io(dev) : pci_address_space(dev);

    wmask = ~(size - 1);
    off = pci_bar_offset(dev, region_num);
    if (region_num == PCI_ROM_SLOT) {
        wmask |= PCI_ROM_ADDRESS_ENABLE;
    }
    if (!(type & PCI_BASE_ADDRESS_SPACE_IO) &&
        (type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
        g_assert(region_num < PCI_ROM_SLOT - 1);
        pci_set_quad(dev->config + off, type);
        pci_set_quad(dev->wmask + off, wmask);
        pci_set_quad(dev->cmask + off, ~0ULL);
    } else {
        pci_set_long(dev->config + off, type);
        pci_set_long(dev->wmask + off, wmask & 0xffffffff);
        pci_set_long(dev->cmask + off, 0xffffffff);
    }
}

pcibus_t pci_get_bar_addr(PCIDevice *dev, int region_num)
{
    if (region_num < 0 || region_num >= PCI_NUM_REGIONS) {
        return PCI_BAR_UNMAPPED;
    }
    return dev->io_regions[region_num].addr;
}

/* Where the guest put the BAR, or PCI_BAR_UNMAPPED if it is off. */
static pcibus_t pci_bar_address(PCIDevice *dev, int reg, uint8_t type,
                                pcibus_t size)
{
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t off = pci_bar_offset(dev, reg);
    pcibus_t new_addr, last_addr;

    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        new_addr = pci_get_long(dev->config + off) & ~(size - 1);
        last_addr = new_addr + size - 1;
        /* Sizing leaves all ones; that range is never a mapping. */
        if (last_addr <= new_addr || last_addr >= UINT32_MAX || !new_addr) {
            return PCI_BAR_UNMAPPED;
        }
        return new_addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (reg == PCI_ROM_SLOT) {
        if (!(pci_get_long(dev->config + off) & PCI_ROM_ADDRESS_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        new_addr = pci_get_long(dev->config + off) & ~(size - 1);
    } else if (type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        new_addr = pci_get_quad(dev->config + off) & ~(size - 1);
    } else {
        new_addr = pci_get_long(dev->config + off) & ~(size - 1);
    }
    last_addr = new_addr + size - 1;
    if (!new_addr || last_addr <= new_addr || new_addr == PCI_BAR_UNMAPPED) {
        return PCI_BAR_UNMAPPED;
    }
    if (!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) && last_addr >= UINT32_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    return new_addr;
}

void pci_update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &dev->io_regions[i];
        pcibus_t new_addr;

        if (!r->size) {
            continue;
        }
        new_addr = pci_bar_address(dev, i, r->type, r->size);
        if (new_addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = new_addr;
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(r->address_space, r->addr,
                                                r->memory, 1);
        }
    }
    memory_region_transaction_commit();
}

void pci_unmap_all_bars(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PCIIORegion *r = &dev->io_regions[i];

        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = PCI_BAR_UNMAPPED;
    }
    memory_region_transaction_commit();
}

/* ---- INTx ------------------------------------------------------------- */

int pci_intx(PCIDevice *dev)
{
    int pin = dev->config[PCI_INTERRUPT_PIN];

    return pin >= 1 && pin <= PCI_NUM_PINS ? pin - 1 : -1;
}

static bool pci_irq_disabled(PCIDevice *dev)
{
    return pci_get_word(dev->config + PCI_COMMAND) &
           PCI_COMMAND_INTX_DISABLE;
}

/* Follows the pin up to the root bus: the line, or -1. */
static PCIBus *pci_route_pin(PCIDevice *dev, int pin, int *line)
{
    PCIBus *bus;

    for (;;) {
        bus = pci_get_bus(dev);
        if (bus->map_irq) {
            pin = bus->map_irq(dev, pin);
        }
        if (bus->is_root || !bus->parent_dev) {
            break;
        }
        dev = bus->parent_dev;
        pin = ((unsigned)pin) % PCI_NUM_PINS;
    }
    *line = pin;
    if (!bus->set_irq || pin < 0 || pin >= bus->nirq) {
        return NULL;
    }
    return bus;
}

int pci_device_route_intx(PCIDevice *dev)
{
    int pin = pci_intx(dev);
    int line;

    if (pin < 0 || !pci_route_pin(dev, pin, &line)) {
        return -1;
    }
    return line;
}

int pci_device_intx_gsi(PCIDevice *dev)
{
    int pin = pci_intx(dev);
    PCIBus *root;
    int line;

    if (pin < 0) {
        return -1;
    }
    root = pci_route_pin(dev, pin, &line);
    if (!root || root->intx_gsi_base < 0) {
        return -1;
    }
    return root->intx_gsi_base + line;
}

static void pci_change_irq_level(PCIDevice *dev, int change)
{
    int pin = pci_intx(dev);
    PCIBus *root;
    int line;

    if (pin < 0) {
        return;
    }
    root = pci_route_pin(dev, pin, &line);
    if (!root) {
        return;
    }
    root->irq_count[line] += change;
    root->set_irq(root->irq_opaque, line, root->irq_count[line] != 0);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    int change;

    level = !!level;
    change = level - dev->irq_state;
    if (!change) {
        return;
    }
    dev->irq_state = level;
    if (level) {
        pci_word_test_and_set_mask(dev->config + PCI_STATUS,
                                   PCI_STATUS_INTERRUPT);
    } else {
        pci_word_test_and_clear_mask(dev->config + PCI_STATUS,
                                     PCI_STATUS_INTERRUPT);
    }
    if (!pci_irq_disabled(dev)) {
        pci_change_irq_level(dev, change);
    }
}

void pci_update_irq_disabled(PCIDevice *dev, bool was_disabled)
{
    bool disabled = pci_irq_disabled(dev);

    if (disabled == was_disabled || !dev->irq_state) {
        return;
    }
    pci_change_irq_level(dev, disabled ? -1 : 1);
}

/* ---- Bus mastering and the IOMMU hook -------------------------------- */

void pci_setup_iommu(PCIBus *bus, const PCIIOMMUOps *ops, void *opaque)
{
    bus->iommu_ops = ops;
    bus->iommu_opaque = opaque;
}

static PCIBus *pci_iommu_bus(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);

    while (!bus->iommu_ops && !bus->is_root && bus->parent_dev) {
        bus = pci_get_bus(bus->parent_dev);
    }
    return bus->iommu_ops ? bus : NULL;
}

AddressSpace *pci_device_iommu_address_space(PCIDevice *dev)
{
    PCIBus *ibus = pci_iommu_bus(dev);

    if (ibus && ibus->iommu_ops->get_address_space) {
        AddressSpace *as = ibus->iommu_ops->get_address_space(
            pci_get_bus(dev), ibus->iommu_opaque, dev->devfn);

        if (as) {
            return as;
        }
    }
    return &address_space_memory;
}

bool pci_device_set_iommu_device(PCIDevice *dev, HostIOMMUDevice *hiod,
                                 Error **errp)
{
    PCIBus *ibus = pci_iommu_bus(dev);

    if (ibus && ibus->iommu_ops->set_iommu_device) {
        return ibus->iommu_ops->set_iommu_device(pci_get_bus(dev),
                                                 ibus->iommu_opaque,
                                                 dev->devfn, hiod, errp);
    }
    return true;
}

void pci_device_unset_iommu_device(PCIDevice *dev)
{
    PCIBus *ibus = pci_iommu_bus(dev);

    if (ibus && ibus->iommu_ops->unset_iommu_device) {
        ibus->iommu_ops->unset_iommu_device(pci_get_bus(dev),
                                            ibus->iommu_opaque, dev->devfn);
    }
}

AddressSpace *pci_get_address_space(PCIDevice *dev)
{
    return &dev->bus_master_as;
}

void pci_update_bus_master(PCIDevice *dev)
{
    if (dev->bus_master_as_ready) {
        memory_region_set_enabled(&dev->bus_master_enable_region,
                                  pci_get_word(dev->config + PCI_COMMAND) &
                                  PCI_COMMAND_MASTER);
    }
}

static void pci_destroy_bus_master(PCIDevice *dev);

static void pci_init_bus_master(PCIDevice *dev)
{
    AddressSpace *dma_as = pci_device_iommu_address_space(dev);
    g_autofree char *name = g_strdup_printf("%s bus master", dev->name);

    /* Realized again after an unrealize: start afresh. */
    pci_destroy_bus_master(dev);

    memory_region_init(&dev->bus_master_container_region, OBJECT(dev),
                       name, UINT64_MAX);
    memory_region_init_alias(&dev->bus_master_enable_region, OBJECT(dev),
                             "bus master enable", dma_as->root, 0,
                             memory_region_size(dma_as->root));
    memory_region_set_enabled(&dev->bus_master_enable_region, false);
    memory_region_add_subregion(&dev->bus_master_container_region, 0,
                                &dev->bus_master_enable_region);
    address_space_init(&dev->bus_master_as,
                       &dev->bus_master_container_region, name);
    dev->bus_master_as_ready = true;
}

static void pci_destroy_bus_master(PCIDevice *dev)
{
    if (!dev->bus_master_as_ready) {
        return;
    }
    dev->bus_master_as_ready = false;
    address_space_destroy(&dev->bus_master_as);
    memory_region_del_subregion(&dev->bus_master_container_region,
                                &dev->bus_master_enable_region);
    memory_region_finalize(&dev->bus_master_enable_region);
    memory_region_finalize(&dev->bus_master_container_region);
}

MemTxResult pci_dma_rw(PCIDevice *dev, hwaddr addr, void *buf, hwaddr len,
                       bool is_write)
{
    MemTxAttrs attrs = { .requester_id = pci_requester_id(dev) };

    return address_space_rw(pci_get_address_space(dev), addr, attrs, buf,
                            len, is_write);
}

/* ---- Devices ---------------------------------------------------------- */

uint16_t pci_requester_id(PCIDevice *dev)
{
    return PCI_BUILD_BDF(pci_dev_bus_num(dev), dev->devfn);
}

bool pci_is_express(const PCIDevice *dev)
{
    return dev->cap_present & QEMU_PCI_CAP_EXPRESS;
}

uint32_t pci_config_size(const PCIDevice *dev)
{
    return pci_is_express(dev) ? PCIE_CONFIG_SPACE_SIZE
                               : PCI_CONFIG_SPACE_SIZE;
}

PCIDevice *pci_new(int devfn, const char *name)
{
    DeviceState *dev = qdev_new(name);

    object_property_set_int(OBJECT(dev), "addr", devfn, &error_abort);
    return PCI_DEVICE(dev);
}

bool pci_realize_and_unref(PCIDevice *dev, PCIBus *bus, Error **errp)
{
    return qdev_realize_and_unref(DEVICE(dev), BUS(bus), errp);
}

PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *name)
{
    PCIDevice *dev = pci_new(devfn, name);

    pci_realize_and_unref(dev, bus, &error_fatal);
    return dev;
}

static bool pci_bus_is_port_downstream(PCIBus *bus)
{
    PCIDevice *port = bus->parent_dev;
    uint8_t type;

    if (!port || !pci_is_express(port) || !port->exp.exp_cap) {
        return false;
    }
    type = pcie_cap_get_type(port);
    return type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
}

static bool pci_assign_devfn(PCIDevice *dev, PCIBus *bus, Error **errp)
{
    const char *name = object_get_typename(OBJECT(dev));
    int devfn = dev->devfn;

    if (devfn < 0) {
        for (devfn = bus->devfn_min; devfn < PCI_DEVFN_MAX;
             devfn += PCI_FUNC_MAX) {
            if (!bus->devices[devfn]) {
                break;
            }
            if (pci_bus_is_port_downstream(bus)) {
                devfn = PCI_DEVFN_MAX;
            }
        }
        if (devfn >= PCI_DEVFN_MAX) {
            error_setg(errp, "PCI: no slot/function available for %s, all "
                       "in use or reserved", name);
            return false;
        }
    } else if (bus->devices[devfn]) {
        PCIDevice *other = bus->devices[devfn];

        error_setg(errp, "PCI: slot %d function %d not available for %s, "
                   "in use by %s,id=%s", PCI_SLOT(devfn), PCI_FUNC(devfn),
                   name, object_get_typename(OBJECT(other)),
                   other->qdev.id ? other->qdev.id : "");
        return false;
    } else if (devfn < bus->devfn_min) {
        error_setg(errp, "PCI: slot %d function %d is reserved on bus '%s'",
                   PCI_SLOT(devfn), PCI_FUNC(devfn), BUS(bus)->name);
        return false;
    }
    if (PCI_SLOT(devfn) && pci_bus_is_port_downstream(bus)) {
        error_setg(errp, "PCI: slot %d is not valid for %s, parent device "
                   "only allows plugging into slot 0", PCI_SLOT(devfn),
                   name);
        return false;
    }
    if (PCI_FUNC(devfn)) {
        PCIDevice *fn0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];

        if (fn0 && !(fn0->cap_present & QEMU_PCI_CAP_MULTIFUNCTION)) {
            error_setg(errp, "PCI: single function device can't be "
                       "populated in function %x.%x", PCI_SLOT(devfn),
                       PCI_FUNC(devfn));
            return false;
        }
    } else if (!dev->multifunction) {
        for (int fn = 1; fn < PCI_FUNC_MAX; fn++) {
            if (bus->devices[devfn + fn]) {
                error_setg(errp, "PCI: %x.0 indicates single function, but "
                           "%x.%x is already populated", PCI_SLOT(devfn),
                           PCI_SLOT(devfn), fn);
                return false;
            }
        }
    }
    dev->devfn = devfn;
    return true;
}

static void pci_config_alloc(PCIDevice *dev)
{
    uint32_t size = pci_config_size(dev);

    dev->config = g_malloc0(size);
    dev->cmask = g_malloc0(size);
    dev->wmask = g_malloc0(size);
    dev->w1cmask = g_malloc0(size);
    dev->used = g_malloc0(size);
}

static void pci_config_free(PCIDevice *dev)
{
    g_clear_pointer(&dev->config, g_free);
    g_clear_pointer(&dev->cmask, g_free);
    g_clear_pointer(&dev->wmask, g_free);
    g_clear_pointer(&dev->w1cmask, g_free);
    g_clear_pointer(&dev->used, g_free);
}

static void pci_init_config_defaults(PCIDevice *dev, PCIDeviceClass *pc)
{
    uint8_t *cfg = dev->config;

    pci_config_set_vendor_id(cfg, pc->vendor_id);
    pci_config_set_device_id(cfg, pc->device_id);
    pci_config_set_revision(cfg, pc->revision);
    pci_config_set_class(cfg, pc->class_id);
    if (!pc->is_bridge && pc->subsystem_vendor_id) {
        pci_set_word(cfg + PCI_SUBSYSTEM_VENDOR_ID, pc->subsystem_vendor_id);
        pci_set_word(cfg + PCI_SUBSYSTEM_ID, pc->subsystem_id);
    }
    cfg[PCI_HEADER_TYPE] = pc->is_bridge ? PCI_HEADER_TYPE_BRIDGE
                                         : PCI_HEADER_TYPE_NORMAL;
    if (dev->multifunction) {
        cfg[PCI_HEADER_TYPE] |= 0x80;
        dev->cap_present |= QEMU_PCI_CAP_MULTIFUNCTION;
    }
    /* The header is read-only; only these fields are the guest's. */
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    pci_set_word(dev->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                 PCI_COMMAND_INTX_DISABLE);
    pci_set_word(dev->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    memset(dev->cmask, 0xff, PCI_CONFIG_HEADER_SIZE);
    memset(dev->used, 0xff, PCI_CONFIG_HEADER_SIZE);
}

static void pci_qdev_realize(DeviceState *qdev, Error **errp)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = PCI_BUS(qdev->parent_bus);
    Error *local_err = NULL;

    if (pc->is_express && pci_bus_is_express(bus)) {
        dev->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    if (!pci_assign_devfn(dev, bus, errp)) {
        dev->cap_present &= ~QEMU_PCI_CAP_EXPRESS;
        return;
    }
    snprintf(dev->name, sizeof(dev->name), "%s",
             object_get_typename(OBJECT(dev)));
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        dev->io_regions[i].addr = PCI_BAR_UNMAPPED;
    }
    pci_config_alloc(dev);
    pci_init_config_defaults(dev, pc);
    dev->config_read = pc->config_read ? pc->config_read
                                       : pci_default_read_config;
    dev->config_write = pc->config_write ? pc->config_write
                                         : pci_default_write_config;
    bus->devices[dev->devfn] = dev;
    pci_init_bus_master(dev);

    if (pc->realize) {
        pc->realize(dev, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            /* Undo what the model's realize got through. */
            if (msix_present(dev)) {
                msix_uninit(dev, dev->msix_table_bar, dev->msix_pba_bar);
            }
            msi_uninit(dev);
            pci_destroy_bus_master(dev);
            bus->devices[dev->devfn] = NULL;
            pci_config_free(dev);
            dev->cap_present = 0;
            memset(dev->io_regions, 0, sizeof(dev->io_regions));
            return;
        }
    }
}

static void pci_qdev_unrealize(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = pci_get_bus(dev);

    pci_set_irq(dev, 0);
    pci_unmap_all_bars(dev);
    if (pc->exit) {
        pc->exit(dev);
    }
    if (msix_present(dev)) {
        msix_uninit(dev, dev->msix_table_bar, dev->msix_pba_bar);
    }
    msi_uninit(dev);
    /*
     * A DMA of this very device may be what unplugged it (a write to its
     * slot's power control): its address space must outlive the access,
     * so it only stops decoding now and is destroyed at finalize.
     */
    if (dev->bus_master_as_ready) {
        memory_region_set_enabled(&dev->bus_master_enable_region, false);
    }
    if (bus->devices[dev->devfn] == dev) {
        bus->devices[dev->devfn] = NULL;
    }
    pci_config_free(dev);
    dev->cap_present = 0;
    memset(dev->io_regions, 0, sizeof(dev->io_regions));
}

static void pci_qdev_reset(DeviceState *qdev)
{
    /* The core state is reset by the bus (pci_do_device_reset). */
}

/* "addr": SLOT[.FN] in hex, or an integer devfn from JSON. */
static JsonNode *pci_prop_get_addr(Object *obj, ObjectProperty *op,
                                   Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_int(node, PCI_DEVICE(obj)->devfn);
    return node;
}

static bool pci_parse_devfn(const char *str, int32_t *devfn)
{
    unsigned long slot, fn = 0;
    char *end;

    if (!g_ascii_isxdigit(str[0])) {
        return false;
    }
    slot = strtoul(str, &end, 16);
    if (*end == '.') {
        if (!g_ascii_isxdigit(end[1])) {
            return false;
        }
        fn = strtoul(end + 1, &end, 16);
    }
    if (*end || slot >= PCI_SLOT_MAX || fn >= PCI_FUNC_MAX) {
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

static bool pci_prop_set_addr(Object *obj, ObjectProperty *op,
                              JsonNode *value, bool keyval, Error **errp)
{
    PCIDevice *dev = PCI_DEVICE(obj);
    GType t;

    if (!qdev_prop_allow_set(obj, op->name, errp)) {
        return false;
    }
    t = JSON_NODE_HOLDS_VALUE(value) ? json_node_get_value_type(value)
                                     : G_TYPE_INVALID;
    if (t == G_TYPE_INT64) {
        int64_t v = json_node_get_int(value);

        if (v < -1 || v >= PCI_DEVFN_MAX) {
            error_setg(errp, "Property '%s.addr' doesn't take value %" PRId64,
                       object_get_typename(obj), v);
            return false;
        }
        dev->devfn = v;
        return true;
    }
    if (t == G_TYPE_STRING) {
        const char *s = json_node_get_string(value);

        if (!pci_parse_devfn(s, &dev->devfn)) {
            error_setg(errp, "Property '%s.addr' doesn't take value '%s'",
                       object_get_typename(obj), s);
            return false;
        }
        return true;
    }
    error_setg(errp, "Invalid parameter type for 'addr', expected: string");
    return false;
}

static const PropertyInfo pci_devfn_info = {
    .type = "int32",
    .get = pci_prop_get_addr,
    .set = pci_prop_set_addr,
};

static const Property pci_props[] = {
    DEFINE_PROP_CUSTOM("addr", PCIDevice, devfn, &pci_devfn_info),
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void pci_device_init(Object *obj)
{
    PCI_DEVICE(obj)->devfn = -1;
}

static void pci_device_finalize(Object *obj)
{
    pci_destroy_bus_master(PCI_DEVICE(obj));
}

static void pci_device_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->bus_type = TYPE_PCI_BUS;
    dc->realize = pci_qdev_realize;
    dc->unrealize = pci_qdev_unrealize;
    dc->reset = pci_qdev_reset;
    device_class_set_props(dc, pci_props);
    object_class_property_set_description(oc, "addr",
        "Slot and optional function number, example: 06.0 or 06");
}

static const TypeInfo pci_types[] = {
    {
        .name = TYPE_PCI_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(PCIBus),
        .instance_finalize = pci_bus_finalize,
        .class_init = pci_bus_class_init,
    },
    {
        .name = TYPE_PCIE_BUS,
        .parent = TYPE_PCI_BUS,
    },
    {
        .name = TYPE_PCI_DEVICE,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(PCIDevice),
        .instance_init = pci_device_init,
        .instance_finalize = pci_device_finalize,
        .abstract = true,
        .class_size = sizeof(PCIDeviceClass),
        .class_init = pci_device_class_init,
    },
};

DEFINE_TYPES(pci_types)
