/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI: buses, configuration space, BARs, INTx and DMA
 *
 * Register offsets and bits come from the kernel's <linux/pci_regs.h>.
 * Configuration space is little endian in PCIDevice::config; the
 * pci_get_X and pci_set_X helpers convert.
 *
 * Addresses on the root bus: a config access names (bus number, devfn,
 * register); pci_config_read()/pci_config_write() take them packed as in
 * ECAM (bus << 20 | devfn << 12 | register) and are the single entry
 * point for the host bridge's 0xCF8/0xCFC ports and its MMCONFIG window.
 * Reads of absent functions return all ones; writes to them are dropped.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include <linux/pci_regs.h>

#include "hw/qdev-core.h"
#include "system/memory.h"

/* linux/pci.h also has these, but pulls in more than we need. */
#ifndef PCI_DEVFN
#define PCI_DEVFN(slot, func)   ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 0x07)
#endif
#define PCI_BUILD_BDF(bus, devfn)   (((bus) << 8) | (devfn))
#define PCI_BUS_NUM(bdf)            (((bdf) >> 8) & 0xff)
#define PCI_SLOT_MAX                32
#define PCI_FUNC_MAX                8
#define PCI_DEVFN_MAX               256

#define PCI_CONFIG_SPACE_SIZE       0x100
#define PCIE_CONFIG_SPACE_SIZE      0x1000
#define PCI_CONFIG_HEADER_SIZE      0x40

#define PCI_NUM_PINS                4   /* INTA..INTD */
#define PCI_ROM_SLOT                6
#define PCI_NUM_REGIONS             7
#define PCI_BAR_UNMAPPED            (~(pcibus_t)0)

/* Vendor/device ids used by our models. */
#define PCI_VENDOR_ID_INTEL         0x8086
#define PCI_VENDOR_ID_REDHAT        0x1b36
#define PCI_VENDOR_ID_QEMU          0x1234
#define PCI_DEVICE_ID_INTEL_Q35_MCH 0x29c0
#define PCI_DEVICE_ID_REDHAT_BRIDGE_SEAT 0x000a
#define PCI_DEVICE_ID_REDHAT_PCIE_RP     0x000c
#define PCI_DEVICE_ID_REDHAT_PCIE_BRIDGE 0x000e

#define PCI_CLASS_BRIDGE_HOST       0x0600
#define PCI_CLASS_BRIDGE_PCI        0x0604
#define PCI_CLASS_OTHERS            0xff

typedef uint64_t pcibus_t;

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;
typedef struct PCIDeviceClass PCIDeviceClass;
typedef struct PCIBridge PCIBridge;
typedef struct HostIOMMUDevice HostIOMMUDevice;

#define TYPE_PCI_DEVICE "pci-device"
#define TYPE_PCI_BUS "PCI"
#define TYPE_PCIE_BUS "PCIE"

#define PCI_BUS(obj) OBJECT_CHECK(PCIBus, (obj), TYPE_PCI_BUS)
#define PCI_DEVICE(obj) OBJECT_CHECK(PCIDevice, (obj), TYPE_PCI_DEVICE)
#define PCI_DEVICE_CLASS(klass) \
    OBJECT_CLASS_CHECK(PCIDeviceClass, (klass), TYPE_PCI_DEVICE)
#define PCI_DEVICE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(PCIDeviceClass, (obj), TYPE_PCI_DEVICE)

/* ---- Little-endian config accessors ---------------------------------- */

static inline void pci_set_byte(uint8_t *config, uint8_t val)
{
    *config = val;
}

static inline uint8_t pci_get_byte(const uint8_t *config)
{
    return *config;
}

static inline void pci_set_word(uint8_t *config, uint16_t val)
{
    config[0] = val;
    config[1] = val >> 8;
}

static inline uint16_t pci_get_word(const uint8_t *config)
{
    return config[0] | (config[1] << 8);
}

static inline void pci_set_long(uint8_t *config, uint32_t val)
{
    pci_set_word(config, val);
    pci_set_word(config + 2, val >> 16);
}

static inline uint32_t pci_get_long(const uint8_t *config)
{
    return pci_get_word(config) | ((uint32_t)pci_get_word(config + 2) << 16);
}

static inline void pci_set_quad(uint8_t *config, uint64_t val)
{
    pci_set_long(config, val);
    pci_set_long(config + 4, val >> 32);
}

static inline uint64_t pci_get_quad(const uint8_t *config)
{
    return pci_get_long(config) | ((uint64_t)pci_get_long(config + 4) << 32);
}

/* Set or clear mask bits of a word/long in config, leaving the rest. */
static inline void pci_word_test_and_set_mask(uint8_t *config, uint16_t mask)
{
    pci_set_word(config, pci_get_word(config) | mask);
}

static inline void pci_word_test_and_clear_mask(uint8_t *config,
                                                uint16_t mask)
{
    pci_set_word(config, pci_get_word(config) & ~mask);
}

static inline void pci_long_test_and_set_mask(uint8_t *config, uint32_t mask)
{
    pci_set_long(config, pci_get_long(config) | mask);
}

static inline void pci_long_test_and_clear_mask(uint8_t *config,
                                                uint32_t mask)
{
    pci_set_long(config, pci_get_long(config) & ~mask);
}

static inline void pci_config_set_vendor_id(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_VENDOR_ID, val);
}

static inline void pci_config_set_device_id(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_DEVICE_ID, val);
}

static inline void pci_config_set_revision(uint8_t *config, uint8_t val)
{
    pci_set_byte(config + PCI_REVISION_ID, val);
}

static inline void pci_config_set_class(uint8_t *config, uint16_t val)
{
    pci_set_word(config + PCI_CLASS_DEVICE, val);
}

static inline void pci_config_set_prog_interface(uint8_t *config,
                                                 uint8_t val)
{
    pci_set_byte(config + PCI_CLASS_PROG, val);
}

static inline void pci_config_set_interrupt_pin(uint8_t *config, uint8_t val)
{
    pci_set_byte(config + PCI_INTERRUPT_PIN, val);
}

/* ---- Buses ------------------------------------------------------------ */

/* Maps a device's pin (0..3) to a bus interrupt line (swizzling). */
typedef int (*pci_map_irq_fn)(PCIDevice *dev, int pin);
/* Drives root-bus line irq_num (0..nirq-1) to level (0/1). */
typedef void (*pci_set_irq_fn)(void *opaque, int irq_num, int level);

/*
 * A root bus named name (e.g. "pcie.0"), child of parent (the host
 * bridge), whose devices map BARs into mem and io.  devfn_min reserves
 * the lower functions (for the host bridge itself: 0).  typename is
 * TYPE_PCIE_BUS or TYPE_PCI_BUS.
 */
PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io,
                         uint8_t devfn_min, const char *typename);
/* Wires the root bus's nirq INTx lines to set_irq(opaque, n, level). */
void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq, void *opaque,
                  int nirq);
void pci_bus_map_irqs(PCIBus *bus, pci_map_irq_fn map_irq);
/* Root bus: line N of set_irq is GSI @gsi_base + N (pci_device_intx_gsi). */
void pci_bus_set_intx_gsi_base(PCIBus *bus, int gsi_base);

/* Bus number: 0 for a root bus, else the bridge's secondary bus number. */
int pci_bus_num(PCIBus *bus);
bool pci_bus_is_root(PCIBus *bus);
bool pci_bus_is_express(PCIBus *bus);
/* The root bus above bus (bus itself if it is one). */
PCIBus *pci_device_root_bus(const PCIDevice *dev);
/* The bridge providing bus, NULL for a root bus. */
PCIDevice *pci_bridge_of_bus(PCIBus *bus);
MemoryRegion *pci_address_space(PCIDevice *dev);     /* bus's memory */
MemoryRegion *pci_address_space_io(PCIDevice *dev);  /* bus's I/O */

/*
 * The device at (bus_num, devfn) below root (through bridges whose
 * secondary..subordinate range holds bus_num), or NULL.
 */
PCIDevice *pci_find_device(PCIBus *root, int bus_num, uint8_t devfn);
/* Calls fn on every device of bus (not below bridges), in devfn order. */
void pci_for_each_device_on_bus(PCIBus *bus,
                                void (*fn)(PCIBus *bus, PCIDevice *dev,
                                           void *opaque),
                                void *opaque);
/* Same, depth-first through bridges (parent before its secondary bus). */
void pci_for_each_device_under_bus(PCIBus *bus,
                                   void (*fn)(PCIBus *bus, PCIDevice *dev,
                                              void *opaque),
                                   void *opaque);
/* Every root bus, in creation order (borrowed list). */
GList *pci_root_buses(void);

/* ---- Config entry points (host bridges) ------------------------------ */

#define PCI_CONFIG_ADDR(bus, devfn, reg) \
    (((uint32_t)(bus) << 20) | ((uint32_t)(devfn) << 12) | (reg))

/*
 * len is 1, 2 or 4.  Accesses crossing a dword or beyond the function's
 * config size read as all ones / are dropped.  Never fails.
 */
uint32_t pci_config_read(PCIBus *root, uint32_t addr, unsigned len);
void pci_config_write(PCIBus *root, uint32_t addr, uint32_t val,
                      unsigned len);

/* ---- Devices: creation, identity ------------------------------------ */

/* A new unrealized device with "addr" set to devfn (-1: first free). */
PCIDevice *pci_new(int devfn, const char *name);
bool pci_realize_and_unref(PCIDevice *dev, PCIBus *bus, Error **errp);
/* Both of the above; aborts on failure (board code). */
PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *name);

PCIBus *pci_get_bus(const PCIDevice *dev);
static inline uint8_t pci_dev_bus_num(const PCIDevice *dev);
uint16_t pci_requester_id(PCIDevice *dev);
/* 4096 for PCI Express functions on an express bus, else 256. */
uint32_t pci_config_size(const PCIDevice *dev);
bool pci_is_express(const PCIDevice *dev);

/* ---- Config space ---------------------------------------------------- */

/* Plain config read/write honouring wmask/w1cmask and BAR/MSI updates. */
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t address, int len);
void pci_default_write_config(PCIDevice *dev, uint32_t address, uint32_t val,
                              int len);

/*
 * Capability list (standard space).  offset 0 picks a free spot after
 * the header; a nonzero offset must not overlap another capability:
 * "PCI capability 0xID at offset 0xOFF overlaps capability at 0xOTHER".
 * Returns the offset, or -1 with *errp set.  The new capability's bytes
 * are read-only for the guest by default (wmask 0).
 */
int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, Error **errp);
void pci_del_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size);
/* Offset of the first capability cap_id, 0 if absent. */
uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id);

/* ---- BARs ------------------------------------------------------------ */

/*
 * Declares BAR region_num (0..5, or PCI_ROM_SLOT) backed by memory, whose
 * size must be a power of two (I/O: at least 4, memory: at least 16).
 * type is PCI_BASE_ADDRESS_SPACE_IO or PCI_BASE_ADDRESS_SPACE_MEMORY |
 * optional PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH.
 * A 64-bit BAR uses region_num and region_num + 1.  The region is
 * mapped into the bus's memory/IO space whenever the BAR holds an address
 * and the COMMAND register enables that space; the device keeps owning
 * memory (it may be any region: MMIO, RAM, a ram_device, a container).
 */
void pci_register_bar(PCIDevice *dev, int region_num, uint8_t type,
                      MemoryRegion *memory);
/* Current guest address of the BAR, or PCI_BAR_UNMAPPED. */
pcibus_t pci_get_bar_addr(PCIDevice *dev, int region_num);
/* Recomputes every BAR mapping from config (after a raw config change). */
void pci_update_mappings(PCIDevice *dev);

/* ---- INTx ------------------------------------------------------------- */

/*
 * Drives the device's INTx pin (config PCI_INTERRUPT_PIN) to level.
 * The line is swizzled up through bridges to the root bus's set_irq;
 * COMMAND.INTX_DISABLE masks it; STATUS.INTERRUPT shows the level.
 */
void pci_set_irq(PCIDevice *dev, int level);

static inline void pci_irq_assert(PCIDevice *dev)
{
    pci_set_irq(dev, 1);
}

static inline void pci_irq_deassert(PCIDevice *dev)
{
    pci_set_irq(dev, 0);
}

/* 0..3 from PCI_INTERRUPT_PIN (pin 1 = INTA); 0 when none is declared. */
int pci_intx(PCIDevice *dev);
/* The root-bus line the device's pin ends on, -1 if none. */
int pci_device_route_intx(PCIDevice *dev);
/*
 * The interrupt controller's GSI the device's pin ends on (what the
 * machine's ACPI _PRT says), -1 if none or the machine does not say:
 * an accelerator that injects INTx itself (a KVM irqfd) needs it.
 */
int pci_device_intx_gsi(PCIDevice *dev);

/* ---- DMA and the IOMMU hook ------------------------------------------ */

/*
 * What a vIOMMU provides for the devices below a bus.  get_address_space
 * returns the address space where DMA of (bus, devfn) goes.
 * set_iommu_device/unset_iommu_device let host-IOMMU-backed devices
 * (vfio-pci) tell the vIOMMU about themselves; both optional.
 */
typedef struct PCIIOMMUOps {
    AddressSpace *(*get_address_space)(PCIBus *bus, void *opaque, int devfn);
    bool (*set_iommu_device)(PCIBus *bus, void *opaque, int devfn,
                             HostIOMMUDevice *dev, Error **errp);
    void (*unset_iommu_device)(PCIBus *bus, void *opaque, int devfn);
} PCIIOMMUOps;

/* Installs ops for every device below bus (bus included). */
void pci_setup_iommu(PCIBus *bus, const PCIIOMMUOps *ops, void *opaque);
/*
 * The address space DMA of dev targets before bus-master gating: the
 * vIOMMU's for dev if any bus above has one, else address_space_memory.
 */
AddressSpace *pci_device_iommu_address_space(PCIDevice *dev);
/* true (doing nothing) when no vIOMMU is interested. */
bool pci_device_set_iommu_device(PCIDevice *dev, HostIOMMUDevice *hiod,
                                 Error **errp);
void pci_device_unset_iommu_device(PCIDevice *dev);

/*
 * dev's bus-master address space: the iommu address space, but empty
 * while COMMAND.MASTER is clear.  Devices DMA through this.
 */
AddressSpace *pci_get_address_space(PCIDevice *dev);

MemTxResult pci_dma_rw(PCIDevice *dev, hwaddr addr, void *buf, hwaddr len,
                       bool is_write);

static inline MemTxResult pci_dma_read(PCIDevice *dev, hwaddr addr,
                                       void *buf, hwaddr len)
{
    return pci_dma_rw(dev, addr, buf, len, false);
}

static inline MemTxResult pci_dma_write(PCIDevice *dev, hwaddr addr,
                                        const void *buf, hwaddr len)
{
    return pci_dma_rw(dev, addr, (void *)buf, len, true);
}

/* ---- Reset ------------------------------------------------------------ */

/* Power-on state of the function: config defaults, BARs unmapped. */
void pci_device_reset(PCIDevice *dev);
/* Resets every device on bus and below (secondary bus reset). */
void pci_bus_reset(PCIBus *bus);

#include "hw/pci/pci_device.h"

static inline uint8_t pci_dev_bus_num(const PCIDevice *dev)
{
    return pci_bus_num(pci_get_bus(dev));
}

#endif
