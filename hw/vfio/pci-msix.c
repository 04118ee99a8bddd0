/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci MSI-X: the capability, vector table and PBA are emulated
 *
 * The guest programs vectors in a table the PCI core keeps (msix_init over
 * the BAR that holds it).  The table and PBA regions sit above the BAR's
 * mmaps (priority 1), so guest accesses to them never reach the device.
 * The host only ever sees eventfds, through VFIO_DEVICE_SET_IRQS.  On
 * the main-loop relay each firing is msix_notify(), which handles masking
 * and the PBA.  Under KVM an unmasked vector is an irqfd on an MSI route
 * (re-routed when the guest writes a new message); masking gives its
 * eventfd back to the main loop, so the firing lands in the PBA, and a
 * PBA read collects firings the main loop has not read yet.
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

/* ---- Routing: host eventfds to msix_notify() ---------------------------- */

/* Masking and the PBA are the PCI core's: msix_notify() handles both. */
static gboolean vfio_pci_msix_interrupt(gint fd, GIOCondition cond,
                                        gpointer opaque)
{
    VFIOIrqVector *v = opaque;

    if (vfio_irq_vector_drain(v)) {
        msix_notify(PCI_DEVICE(v->vdev), v->vector);
    }
    return G_SOURCE_CONTINUE;
}

void vfio_pci_msix_disable(VFIOPCIDevice *vdev)
{
    if (vdev->irq_mode == VFIO_IRQ_MSIX) {
        msix_unset_vector_notifiers(PCI_DEVICE(vdev));
        vfio_pci_irq_vectors_off(vdev, VFIO_PCI_MSIX_IRQ_INDEX,
                                 &vdev->msix_vectors, &vdev->nr_msix);
    }
}

/*
 * Gives vectors 0..@nr-1 eventfds on the host.  The host's MSI-X block
 * does not resize (VFIO_IRQ_INFO_NORESIZE), so a larger block means
 * disabling it and enabling it again with every eventfd.  Vectors keep
 * their eventfd until MSI-X is disabled: a masked vector's firing then
 * lands in the PBA (msix_notify) and goes out on unmask.
 */
static bool vfio_pci_msix_grow(VFIOPCIDevice *vdev, unsigned nr,
                               Error **errp)
{
    unsigned old = vdev->nr_msix;
    g_autofree int32_t *fds = NULL;
    Error *err = NULL;

    if (nr <= old) {
        return true;
    }
    fds = g_new(int32_t, nr);
    for (unsigned i = old; i < nr; i++) {
        if (!vfio_irq_vector_open(&vdev->msix_vectors[i], vdev, i,
                                  vfio_pci_msix_interrupt, errp)) {
            goto undo;
        }
    }
    for (unsigned i = 0; i < nr; i++) {
        fds[i] = vdev->msix_vectors[i].fd;
    }
    if (old && !vfio_device_irq_disable(&vdev->vbasedev,
                                        VFIO_PCI_MSIX_IRQ_INDEX, &err)) {
        warn_report_err(err);
        err = NULL;
    }
    if (vfio_device_irq_set_eventfds(&vdev->vbasedev, VFIO_PCI_MSIX_IRQ_INDEX,
                                     VFIO_IRQ_SET_ACTION_TRIGGER, 0, nr, fds,
                                     errp)) {
        vdev->nr_msix = nr;
        return true;
    }
    /* Put the previous block back, if there was one. */
    if (old && !vfio_device_irq_set_eventfds(&vdev->vbasedev,
                                             VFIO_PCI_MSIX_IRQ_INDEX,
                                             VFIO_IRQ_SET_ACTION_TRIGGER, 0,
                                             old, fds, &err)) {
        warn_report_err(err);
    }
undo:
    for (unsigned i = old; i < nr; i++) {
        vfio_irq_vector_close(&vdev->msix_vectors[i]);
    }
    return false;
}

/* The guest unmasked @vector (or the function): make sure it has an fd. */
static int vfio_pci_msix_vector_use(PCIDevice *pdev, unsigned vector,
                                    MSIMessage msg)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);
    Error *err = NULL;

    if (vdev->irq_mode != VFIO_IRQ_MSIX || vector >= vdev->msix->entries) {
        return 0;
    }
    if (!vfio_pci_msix_grow(vdev, vector + 1, &err)) {
        error_report_err(err);
        return -1;
    }
    vfio_irq_vector_route_kvm(&vdev->msix_vectors[vector], msg);
    return 0;
}

static void vfio_pci_msix_vector_release(PCIDevice *pdev, unsigned vector)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);

    /*
     * The eventfd stays: a masked vector's interrupts go to the PBA, so
     * under KVM the main loop reads it again.
     */
    if (vdev->irq_mode == VFIO_IRQ_MSIX && vector < vdev->nr_msix) {
        vfio_irq_vector_unroute_kvm(&vdev->msix_vectors[vector],
                                    vfio_pci_msix_interrupt);
    }
}

/*
 * A guest reading the PBA sees the firings of masked vectors that the
 * main loop has not read yet.
 */
static void vfio_pci_msix_vector_poll(PCIDevice *pdev, unsigned start,
                                      unsigned end)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);

    for (unsigned v = start; v < end && v < vdev->nr_msix; v++) {
        VFIOIrqVector *iv = &vdev->msix_vectors[v];

        if (iv->virq < 0 && msix_is_masked(pdev, v) &&
            vfio_irq_vector_drain(iv)) {
            msix_set_pending(pdev, v);
        }
    }
}

/*
 * The host block starts with vector 0 (enabling needs at least one) and
 * grows to the highest vector the guest unmasks.
 */
static bool vfio_pci_msix_enable(VFIOPCIDevice *vdev, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    unsigned entries = msix_nr_vectors_allocated(pdev);

    if (!entries || !vdev->msix) {
        error_setg(errp, "vfio %s: MSI-X enabled with no vectors",
                   vdev->vbasedev.name);
        return false;
    }
    vdev->msix_vectors = g_new0(VFIOIrqVector, entries);
    for (unsigned i = 0; i < entries; i++) {
        vdev->msix_vectors[i].fd = -1;
    }
    vdev->nr_msix = 0;
    if (!vfio_pci_msix_grow(vdev, 1, errp)) {
        g_clear_pointer(&vdev->msix_vectors, g_free);
        return false;
    }
    vdev->irq_mode = VFIO_IRQ_MSIX;
    if (msix_set_vector_notifiers(pdev, vfio_pci_msix_vector_use,
                                  vfio_pci_msix_vector_release,
                                  vfio_pci_msix_vector_poll) < 0) {
        error_setg(errp, "vfio %s: cannot give the unmasked MSI-X vectors "
                   "eventfds", vdev->vbasedev.name);
        vfio_pci_msix_disable(vdev);
        return false;
    }
    return true;
}

void vfio_pci_msix_update(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    bool want = vdev->msix && msix_present(pdev) && msix_enabled(pdev);
    Error *err = NULL;

    if (want == (vdev->irq_mode == VFIO_IRQ_MSIX)) {
        return;
    }
    if (want) {
        vfio_pci_intx_disable(vdev);
        vfio_pci_msi_disable(vdev);
        if (vfio_pci_msix_enable(vdev, &err)) {
            return;
        }
        error_report_err(err);
    } else {
        vfio_pci_msix_disable(vdev);
    }
    /* Back to MSI if the guest has it enabled, else INTx. */
    vfio_pci_msi_update(vdev);
}
