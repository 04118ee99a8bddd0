/*
 * "vfio-pci": a host PCI function assigned to the guest
 *
 *   -device vfio-pci,host=BDF|sysfsdev=PATH|fd=N[,iommufd=on|off|auto|ID]
 *           [,x-p2p=on|off][,x-force-separate-ioas=on|off]
 *
 * Config space is the host's, seen through a mask of emulated bits
 * (BARs, ROM BAR, interrupt line, the capability chain and the MSI
 * capability are ours; everything else, the command register included,
 * goes to the device).  BARs are the VFIO regions, mmapped as ram_device
 * subregions where the kernel allows, so guest accesses reach the device
 * directly and DMA from other devices can target them (x-p2p=off keeps
 * them out of the IOMMU).  Capabilities other than PM, MSI, PCIe and
 * vendor-specific are hidden.  INTx and MSI are routed from host eventfds
 * (SET_IRQS) to pci_set_irq()/msi_notify() from the main loop; MSI-X is
 * not offered yet.  Reset is VFIO_DEVICE_RESET, else a bus reset through
 * the container (pci_hot_reset).  The read-only "backend" property says which IOMMU
 * backend the device ended up with ("legacy" or "iommufd").
 */
#ifndef HW_VFIO_VFIO_PCI_H
#define HW_VFIO_VFIO_PCI_H

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
    guint source;           /* main-loop watch */
    struct VFIOPCIDevice *vdev;
    unsigned vector;
} VFIOIrqVector;

typedef enum VFIOIrqMode {
    VFIO_IRQ_NONE,
    VFIO_IRQ_INTX,
    VFIO_IRQ_MSI,
} VFIOIrqMode;

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

    VFIORegion config;
    uint32_t config_size;       /* what we expose: min(host, ours) */
    uint8_t *emulated_bits;     /* 1: the bit comes from pdev->config */
    VFIOBAR bars[PCI_ROM_SLOT];
    VFIORegion rom;

    bool reset_warned;

    VFIOIrqMode irq_mode;
    VFIOIrqVector intx;
    bool intx_pending;
    uint8_t msi_cap;
    unsigned nr_msi;
    VFIOIrqVector *msi;
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
/* Back to INTx (or nothing); used at reset and exit. */
void vfio_pci_irq_teardown(VFIOPCIDevice *vdev);

#endif
