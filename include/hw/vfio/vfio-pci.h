/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "vfio-pci": a host PCI function assigned to the guest
 *
 *   -device vfio-pci,host=BDF|sysfsdev=PATH|fd=N[,iommufd=on|off|auto|ID]
 *           [,x-p2p=on|off][,x-force-separate-ioas=on|off]
 *           [,x-ioas-copy=on|off]
 *
 * Config space is the host's, seen through a mask of emulated bits
 * (BARs, ROM BAR, interrupt line, the capability chain and the MSI
 * capability are ours; everything else, the command register included,
 * goes to the device).  BARs are the VFIO regions, mmapped as ram_device
 * subregions where the kernel allows, so guest accesses reach the device
 * directly and DMA from other devices can target them (x-p2p=off keeps
 * them out of the IOMMU).  Capabilities other than PM, MSI, MSI-X, PCIe
 * and vendor-specific are hidden.  Interrupts come from host eventfds
 * (SET_IRQS): under KVM they are irqfds (INTx with a resample eventfd,
 * MSI/MSI-X vectors on MSI routes); otherwise the main loop relays them
 * to pci_set_irq()/msi_notify()/msix_notify().  The MSI-X table and PBA
 * are emulated over the BAR holding them.  Reset is VFIO_DEVICE_RESET, else a bus reset through
 * the container (pci_hot_reset).  The read-only "backend" property says
 * which IOMMU backend the device ended up with ("legacy" or "iommufd").
 */
#ifndef HW_VFIO_VFIO_PCI_H
#define HW_VFIO_VFIO_PCI_H

#include <glib-unix.h>

#include "hw/pci/pci.h"
#include "hw/vfio/vfio-device.h"

#define TYPE_VFIO_PCI "vfio-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VFIOPCIDevice, VFIO_PCI)

typedef struct VFIOBAR {
    VFIORegion region;
    uint8_t type;           /* PCI_BASE_ADDRESS_* flags for pci_register_bar */
    bool mem64;
} VFIOBAR;

typedef struct VFIOIrqVector {
    int fd;                 /* eventfd, -1 if none */
    guint source;           /* main-loop watch, 0 while KVM takes the fd */
    int virq;               /* KVM MSI route with an irqfd, -1 if none */
    struct VFIOPCIDevice *vdev;
    unsigned vector;
} VFIOIrqVector;

typedef enum VFIOIrqMode {
    VFIO_IRQ_NONE,
    VFIO_IRQ_INTX,
    VFIO_IRQ_MSI,
    VFIO_IRQ_MSIX,
} VFIOIrqMode;

/* The host's MSI-X capability, as found in its config space. */
typedef struct VFIOMSIXInfo {
    uint8_t cap;            /* offset in config space */
    uint16_t entries;       /* table size (1..2048) */
    uint8_t table_bar;
    uint8_t pba_bar;
    uint32_t table_offset;
    uint32_t pba_offset;
} VFIOMSIXInfo;

struct VFIOPCIDevice {
    PCIDevice parent_obj;
    VFIODevice vbasedev;

    /* properties */
    char *host;
    char *sysfsdev;
    char *fd;
    char *iommufd;
    bool p2p;
    bool force_separate_ioas;
    bool ioas_copy;
    /* what libvirt gives for every hostdev (see vfio_pci_check_libvirt) */
    uint32_t rombar;        /* 0: no ROM BAR */
    char *romfile;          /* "": no ROM; a file: refused */
    int32_t bootindex;      /* -1 unless set; a boot order is refused */
    bool vga;               /* x-vga=on is refused */

    VFIORegion config;
    uint32_t config_size;       /* what we expose: min(host, ours) */
    uint8_t *emulated_bits;     /* 1: the bit comes from pdev->config */
    VFIOBAR bars[PCI_ROM_SLOT];
    VFIORegion rom;

    bool reset_warned;

    VFIOIrqMode irq_mode;
    VFIOIrqVector intx;
    bool intx_pending;          /* relay: asserted, waiting for the EOI */
    int intx_unmask_fd;         /* KVM: resample eventfd, -1 on the relay */
    int intx_gsi;               /* KVM: the irqfd's GSI */
    uint8_t msi_cap;
    unsigned nr_msi;
    VFIOIrqVector *msi;
    VFIOMSIXInfo *msix;         /* NULL: no (usable) MSI-X capability */
    unsigned nr_msix;           /* vectors 0..nr_msix-1 have host eventfds */
    VFIOIrqVector *msix_vectors;    /* one per table entry while enabled */
};

/* ---- pci-config.c ---- */

/* Reads host config space and sets up the emulated mask and capabilities. */
bool vfio_pci_config_setup(VFIOPCIDevice *vdev, Error **errp);
void vfio_pci_config_teardown(VFIOPCIDevice *vdev);
uint32_t vfio_pci_read_config(PCIDevice *pdev, uint32_t addr, int len);
void vfio_pci_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                           int len);

/* ---- pci-irq.c ---- */

bool vfio_pci_intx_enable(VFIOPCIDevice *vdev, Error **errp);
/* The guest touched the device: end a pending INTx (no KVM resampler). */
void vfio_pci_intx_eoi(VFIODevice *vbasedev);
/* Follows the guest's MSI enable bit after a config write. */
void vfio_pci_msi_update(VFIOPCIDevice *vdev);
/*
 * MSI stays on but the guest rewrote a vector's message or mask bit:
 * routes follow the messages, masked vectors go back to the main loop.
 */
void vfio_pci_msi_sync(VFIOPCIDevice *vdev);
/*
 * Before the guest reads the MSI pending bits: masked vectors' firings
 * the main loop has not read yet become pending bits.
 */
void vfio_pci_msi_poll(VFIOPCIDevice *vdev);
void vfio_pci_intx_disable(VFIOPCIDevice *vdev);
void vfio_pci_msi_disable(VFIOPCIDevice *vdev);
/* INTx and MSI off (MSI-X: vfio_pci_msix_disable()); reset and exit. */
void vfio_pci_irq_teardown(VFIOPCIDevice *vdev);

/* One eventfd vector, watched from the main loop (fn gets @v). */
bool vfio_irq_vector_open(VFIOIrqVector *v, VFIOPCIDevice *vdev,
                          unsigned vector, GUnixFDSourceFunc fn,
                          Error **errp);
void vfio_irq_vector_close(VFIOIrqVector *v);
/*
 * Under KVM an MSI/MSI-X vector's eventfd goes straight to the guest: an
 * irqfd on an MSI route for @msg (updated if it has one), and no
 * main-loop watch.  Without KVM, or if KVM refuses (with a warning), the
 * main-loop relay stays.  Unrouting gives the fd back to @fn, so that a
 * masked MSI-X vector's firing sets its pending bit.
 */
void vfio_irq_vector_route_kvm(VFIOIrqVector *v, MSIMessage msg);
void vfio_irq_vector_unroute_kvm(VFIOIrqVector *v, GUnixFDSourceFunc fn);
/* Reads the eventfd's count: true if it had fired. */
bool vfio_irq_vector_drain(VFIOIrqVector *v);
/*
 * Disables irq @index (MSI or MSI-X) on the host, closes its first *nr
 * vectors, frees the array and leaves the device with no interrupt mode.
 */
void vfio_pci_irq_vectors_off(VFIOPCIDevice *vdev, uint32_t index,
                              VFIOIrqVector **vectors, unsigned *nr);

/* ---- pci-msix.c ---- */

/* Records the host's MSI-X capability at @pos (from setup_caps). */
void vfio_pci_msix_probe(VFIOPCIDevice *vdev, uint8_t pos);
/*
 * After the BARs are registered: emulates the table and PBA with the PCI
 * core's msix helpers over the BAR(s) holding them (above the mmaps).  An
 * unusable capability is hidden with a warning; never fails realize.
 */
void vfio_pci_msix_setup(VFIOPCIDevice *vdev);
/* Before the BARs go away. */
void vfio_pci_msix_teardown(VFIOPCIDevice *vdev);
/*
 * Follows the guest's MSI-X enable bit (idempotent; called after every
 * config write).  MSI-X wins over MSI; INTx is off while either is on.
 */
void vfio_pci_msix_update(VFIOPCIDevice *vdev);
/* MSI-X routing off, back to no interrupt. */
void vfio_pci_msix_disable(VFIOPCIDevice *vdev);

#endif
