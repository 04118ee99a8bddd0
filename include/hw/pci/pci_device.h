/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI function: PCIDevice and PCIDeviceClass
 *
 * A device model derives from TYPE_PCI_DEVICE, fills vendor/device/class
 * ids in its class and implements realize (allocate BARs with
 * pci_register_bar(), add capabilities, msi_init()/msix_init()) and exit
 * (undo what realize did beyond what the core undoes: the core unmaps
 * BARs, frees config space and tears down MSI/MSI-X).
 *
 * A model that emulates part of config space itself (vfio-pci) sets
 * config_read/config_write in its class and calls
 * pci_default_read_config()/pci_default_write_config() for the rest.
 *
 * Properties of every PCI device:
 *   addr=SLOT[.FN]   devfn on the bus ("03.0", "3", or an integer devfn
 *                    from JSON); default: the first free slot.
 *   multifunction=on|off  sets the multifunction bit of the header.
 */
#ifndef HW_PCI_PCI_DEVICE_H
#define HW_PCI_PCI_DEVICE_H

#include "hw/pci/pci.h"

typedef uint32_t PCIConfigReadFunc(PCIDevice *dev, uint32_t address,
                                   int len);
typedef void PCIConfigWriteFunc(PCIDevice *dev, uint32_t address,
                                uint32_t data, int len);

typedef struct MSIMessage {
    uint64_t address;
    uint32_t data;
} MSIMessage;

/*
 * MSI-X vector notifiers (vfio-pci routes vectors to host eventfds):
 * use is called when a vector becomes usable (enabled and unmasked) with
 * its message, release when it stops being usable, poll to ask the user
 * to refresh pending bits of vectors [start, end).
 */
typedef int (*MSIVectorUseNotifier)(PCIDevice *dev, unsigned int vector,
                                    MSIMessage msg);
typedef void (*MSIVectorReleaseNotifier)(PCIDevice *dev,
                                         unsigned int vector);
typedef void (*MSIVectorPollNotifier)(PCIDevice *dev,
                                      unsigned int vector_start,
                                      unsigned int vector_end);

typedef struct PCIIORegion {
    pcibus_t addr;          /* mapped address, PCI_BAR_UNMAPPED if none */
    pcibus_t size;          /* 0: BAR not implemented */
    uint8_t type;
    MemoryRegion *memory;   /* the device's region */
    MemoryRegion *address_space;   /* where it is mapped when it is */
} PCIIORegion;

/* Bits of PCIDevice::cap_present. */
enum {
    QEMU_PCI_CAP_MSI = 1 << 0,
    QEMU_PCI_CAP_MSIX = 1 << 1,
    QEMU_PCI_CAP_EXPRESS = 1 << 2,
    QEMU_PCI_CAP_MULTIFUNCTION = 1 << 3,
};

struct PCIDeviceClass {
    DeviceClass parent_class;

    void (*realize)(PCIDevice *dev, Error **errp);
    void (*exit)(PCIDevice *dev);
    PCIConfigReadFunc *config_read;     /* NULL: the default */
    PCIConfigWriteFunc *config_write;   /* NULL: the default */

    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id;
    uint16_t subsystem_vendor_id;       /* 0: none */
    uint16_t subsystem_id;
    bool is_bridge;                     /* header type 1 */
    /* Gets PCIe (4 KiB) config space when on an express bus. */
    bool is_express;
};

typedef struct PCIExpressDevice {
    uint8_t exp_cap;        /* offset of the PCIe capability, 0 if none */
    /* Slot hotplug state for ports (see pcie_port.h). */
    bool hpev_notified;
} PCIExpressDevice;

struct PCIDevice {
    DeviceState qdev;

    /* Config space and its masks, pci_config_size() bytes each. */
    uint8_t *config;
    uint8_t *cmask;         /* bits checked at migration; unused here */
    uint8_t *wmask;         /* 1: guest-writable */
    uint8_t *w1cmask;       /* 1: write-1-to-clear */
    uint8_t *used;          /* bytes claimed by capabilities */

    int32_t devfn;          /* "addr"; -1 until assigned */
    bool multifunction;     /* "multifunction" */
    char name[64];
    uint32_t cap_present;

    PCIIORegion io_regions[PCI_NUM_REGIONS];

    /* Bus mastering: bus_master_as shows the iommu AS while enabled. */
    AddressSpace bus_master_as;
    MemoryRegion bus_master_container_region;
    MemoryRegion bus_master_enable_region;
    bool bus_master_as_ready;

    /* Overridable config accessors (from the class). */
    PCIConfigReadFunc *config_read;
    PCIConfigWriteFunc *config_write;

    int irq_state;          /* current INTx level as driven by the model */

    /* MSI */
    uint8_t msi_cap;

    /* MSI-X */
    uint8_t msix_cap;
    int msix_entries_nr;
    uint8_t *msix_table;
    uint8_t *msix_pba;
    MemoryRegion msix_table_mmio;
    MemoryRegion msix_pba_mmio;
    MemoryRegion msix_exclusive_bar;    /* msix_init_exclusive_bar() */
    MemoryRegion *msix_table_bar;   /* containers the above sit in */
    MemoryRegion *msix_pba_bar;
    unsigned *msix_entry_used;
    bool msix_function_masked;
    MSIVectorUseNotifier msix_vector_use_notifier;
    MSIVectorReleaseNotifier msix_vector_release_notifier;
    MSIVectorPollNotifier msix_vector_poll_notifier;

    /* PCI Express */
    PCIExpressDevice exp;
};

#endif
