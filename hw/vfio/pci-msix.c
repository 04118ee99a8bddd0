/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci MSI-X: the capability, vector table and PBA are emulated
 *
 * The guest programs vectors in a table the PCI core keeps (msix_init over
 * the BAR that holds it).  The table and PBA regions sit above the BAR's
 * mmaps (priority 1), so guest accesses to them never reach the device.  The host only ever sees
 * eventfds, through VFIO_DEVICE_SET_IRQS (pci-irq.c).
 */
#include "qemu/osdep.h"

#include <linux/pci_regs.h>

#include "hw/pci/msix.h"
#include "hw/vfio/vfio-pci.h"
#include "qemu/error-report.h"

void vfio_pci_msix_probe(VFIOPCIDevice *vdev, uint8_t pos)
{
    const uint8_t *cfg = PCI_DEVICE(vdev)->config;
    uint16_t flags;
    uint32_t table, pba;

    if (vdev->msix || pos + PCI_CAP_MSIX_SIZEOF > vdev->config_size) {
        return;
    }
    flags = pci_get_word(cfg + pos + PCI_MSIX_FLAGS);
    table = pci_get_long(cfg + pos + PCI_MSIX_TABLE);
    pba = pci_get_long(cfg + pos + PCI_MSIX_PBA);
    vdev->msix = g_new0(VFIOMSIXInfo, 1);
    vdev->msix->cap = pos;
    vdev->msix->entries = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
    vdev->msix->table_bar = table & PCI_MSIX_TABLE_BIR;
    vdev->msix->table_offset = table & PCI_MSIX_TABLE_OFFSET;
    vdev->msix->pba_bar = pba & PCI_MSIX_PBA_BIR;
    vdev->msix->pba_offset = pba & PCI_MSIX_PBA_OFFSET;
}

static bool vfio_pci_msix_bar_ok(VFIOPCIDevice *vdev, uint8_t nr)
{
    return nr < PCI_ROM_SLOT && vdev->bars[nr].region.mem &&
           vdev->bars[nr].region.size &&
           !(vdev->bars[nr].type & PCI_BASE_ADDRESS_SPACE_IO);
}

/*
 * msix_init() adds at priority 0, which beats the mmaps only because it
 * comes later; a priority above them keeps the emulation on top whatever
 * is (re)mapped afterwards.
 */
static void vfio_pci_msix_raise(MemoryRegion *bar, MemoryRegion *mr,
                                hwaddr offset)
{
    memory_region_del_subregion(bar, mr);
    memory_region_add_subregion_overlap(bar, offset, mr, 1);
}

void vfio_pci_msix_setup(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    VFIOMSIXInfo *m = vdev->msix;
    struct vfio_irq_info info;
    Error *err = NULL;

    if (!m) {
        return;
    }
    if (!vfio_device_get_irq_info(&vdev->vbasedev, VFIO_PCI_MSIX_IRQ_INDEX,
                                  &info, &err)) {
        goto hide;
    }
    if (!info.count) {
        error_setg(&err, "the host offers no MSI-X interrupts");
        goto hide;
    }
    if (!vfio_pci_msix_bar_ok(vdev, m->table_bar) ||
        !vfio_pci_msix_bar_ok(vdev, m->pba_bar)) {
        error_setg(&err, "MSI-X table (BAR %u) or PBA (BAR %u) is not in a "
                   "memory BAR", m->table_bar, m->pba_bar);
        goto hide;
    }
    m->entries = MIN(m->entries, info.count);
    if (msix_init(pdev, m->entries,
                  vdev->bars[m->table_bar].region.mem, m->table_bar,
                  m->table_offset, vdev->bars[m->pba_bar].region.mem,
                  m->pba_bar, m->pba_offset, m->cap, &err) < 0) {
        goto hide;
    }
    vfio_pci_msix_raise(pdev->msix_table_bar, &pdev->msix_table_mmio,
                        m->table_offset);
    vfio_pci_msix_raise(pdev->msix_pba_bar, &pdev->msix_pba_mmio,
                        m->pba_offset);
    return;

hide:
    error_prepend(&err, "vfio %s: MSI-X hidden: ", vdev->vbasedev.name);
    warn_report_err(err);
    g_clear_pointer(&vdev->msix, g_free);
}

void vfio_pci_msix_teardown(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);

    if (vdev->msix && msix_present(pdev)) {
        msix_uninit(pdev, vdev->bars[vdev->msix->table_bar].region.mem,
                    vdev->bars[vdev->msix->pba_bar].region.mem);
    }
    g_clear_pointer(&vdev->msix, g_free);
}
