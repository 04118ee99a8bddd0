/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci interrupts: host eventfds (VFIO_DEVICE_SET_IRQS) to the guest
 *
 * Under KVM (the in-kernel irqchip) no interrupt passes through us:
 *
 * - INTx: the trigger eventfd is an irqfd on the GSI the pin ends on
 *   (pci_device_intx_gsi(): what the ACPI _PRT tells the guest), with a
 *   resample eventfd.  The host masks INTx when it fires; KVM holds the
 *   line until the guest's EOI, then signals the resample eventfd, on
 *   which VFIO unmasks the host's INTx (VFIO_IRQ_SET_ACTION_UNMASK with
 *   an eventfd).  The command register's INTx-disable bit goes to the
 *   device, where the host kernel honours it.
 * - MSI and MSI-X: each vector's eventfd is an irqfd on an MSI route for
 *   its message.  A vector the guest masks gives its eventfd back to the
 *   main loop, so that a firing sets its pending bit; unmasking delivers
 *   what is pending (the PCI core) and makes it an irqfd again.
 *
 * Otherwise (-accel qtest) the main loop relays.  INTx is level-triggered
 * and the host masks it when it fires; without a resampler we learn of
 * the guest's EOI indirectly, as QEMU does: while an INTx is pending the
 * BAR mmaps are disabled, so the guest's next access to the device goes
 * through the slow path, which ends the interrupt (deassert, unmask) and
 * re-enables the mmaps.  MSI is an edge message: an eventfd firing is
 * msi_notify().
 *
 * MSI-X (pci-msix.c) routes its vectors with the eventfd vectors of this
 * file; it wins over MSI when the guest enables both, and INTx is off
 * while either is on.
 */
#include "qemu/osdep.h"

#include <sys/eventfd.h>

#include "hw/pci/msi.h"
#include "hw/vfio/vfio-pci.h"
#include "qemu/error-report.h"
#include "system/kvm.h"

static void vfio_pci_set_mmaps_enabled(VFIOPCIDevice *vdev, bool enabled)
{
    for (int i = 0; i < PCI_ROM_SLOT; i++) {
        VFIORegion *r = &vdev->bars[i].region;

        for (uint32_t j = 0; j < r->nr_mmaps; j++) {
            if (r->mmaps[j].mmap) {
                memory_region_set_enabled(&r->mmaps[j].mem, enabled);
            }
        }
    }
}

bool vfio_irq_vector_drain(VFIOIrqVector *v)
{
    uint64_t count;

    return read(v->fd, &count, sizeof(count)) == sizeof(count);
}

static gboolean vfio_pci_intx_interrupt(gint fd, GIOCondition cond,
                                        gpointer opaque)
{
    VFIOIrqVector *v = opaque;
    VFIOPCIDevice *vdev = v->vdev;

    if (vfio_irq_vector_drain(v) && !vdev->intx_pending) {
        vdev->intx_pending = true;
        vfio_pci_set_mmaps_enabled(vdev, false);
        pci_irq_assert(PCI_DEVICE(vdev));
    }
    return G_SOURCE_CONTINUE;
}

void vfio_pci_intx_eoi(VFIODevice *vbasedev)
{
    VFIOPCIDevice *vdev = container_of(vbasedev, VFIOPCIDevice, vbasedev);
    Error *err = NULL;

    if (!vdev->intx_pending) {
        return;
    }
    vdev->intx_pending = false;
    pci_irq_deassert(PCI_DEVICE(vdev));
    if (!vfio_device_irq_action(vbasedev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                                VFIO_IRQ_SET_ACTION_UNMASK, &err)) {
        warn_report_err(err);
    }
    vfio_pci_set_mmaps_enabled(vdev, true);
}

bool vfio_irq_vector_open(VFIOIrqVector *v, VFIOPCIDevice *vdev,
                                 unsigned vector, GUnixFDSourceFunc fn,
                                 Error **errp)
{
    v->vdev = vdev;
    v->vector = vector;
    v->virq = -1;
    v->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (v->fd < 0) {
        error_setg_errno(errp, errno, "vfio %s: cannot create an eventfd",
                         vdev->vbasedev.name);
        return false;
    }
    v->source = g_unix_fd_add(v->fd, G_IO_IN, fn, v);
    return true;
}

void vfio_irq_vector_route_kvm(VFIOIrqVector *v, MSIMessage msg)
{
    Error *err = NULL;

    if (!kvm_irqchip_in_kernel() || v->fd < 0) {
        return;
    }
    if (v->virq >= 0) {
        if (!kvm_irqchip_update_msi_irqfd(v->virq, msg.address, msg.data,
                                          &err)) {
            warn_report_err(err);
        }
        return;
    }
    v->virq = kvm_irqchip_add_msi_irqfd(v->fd, msg.address, msg.data, &err);
    if (v->virq < 0) {
        warn_report_err(err);
        return;
    }
    if (v->source) {
        g_source_remove(v->source);
        v->source = 0;
    }
}

void vfio_irq_vector_unroute_kvm(VFIOIrqVector *v, GUnixFDSourceFunc fn)
{
    if (v->virq < 0) {
        return;
    }
    kvm_irqchip_remove_msi_irqfd(v->fd, v->virq);
    v->virq = -1;
    v->source = g_unix_fd_add(v->fd, G_IO_IN, fn, v);
}

void vfio_irq_vector_close(VFIOIrqVector *v)
{
    if (v->virq >= 0) {
        kvm_irqchip_remove_msi_irqfd(v->fd, v->virq);
        v->virq = -1;
    }
    if (v->source) {
        g_source_remove(v->source);
        v->source = 0;
    }
    if (v->fd >= 0) {
        close(v->fd);
        v->fd = -1;
    }
}

/*
 * Makes the enabled INTx trigger an irqfd with a resample eventfd that
 * unmasks the host's INTx.  On failure nothing of it is left and the
 * main-loop relay stays.
 */
static bool vfio_pci_intx_route_kvm(VFIOPCIDevice *vdev, Error **errp)
{
    VFIODevice *vbasedev = &vdev->vbasedev;
    int gsi = pci_device_intx_gsi(PCI_DEVICE(vdev));
    int32_t unmask_fd;

    if (gsi < 0) {
        error_setg(errp, "vfio %s: the machine gives INTx pin %c no "
                   "interrupt controller line", vbasedev->name,
                   'A' + pci_intx(PCI_DEVICE(vdev)));
        return false;
    }
    unmask_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (unmask_fd < 0) {
        error_setg_errno(errp, errno, "vfio %s: cannot create an eventfd",
                         vbasedev->name);
        return false;
    }
    if (!kvm_irqchip_add_irqfd(vdev->intx.fd, unmask_fd, gsi, errp)) {
        close(unmask_fd);
        return false;
    }
    /*
     * An INTx that fired before this is not lost: the kernel checks the
     * unmask eventfd's count when it starts watching it.
     */
    if (!vfio_device_irq_set_eventfds(vbasedev, VFIO_PCI_INTX_IRQ_INDEX,
                                      VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
                                      &unmask_fd, errp)) {
        Error *err = NULL;

        if (!kvm_irqchip_remove_irqfd(vdev->intx.fd, gsi, &err)) {
            warn_report_err(err);
        }
        close(unmask_fd);
        return false;
    }
    if (vdev->intx.source) {
        g_source_remove(vdev->intx.source);
        vdev->intx.source = 0;
    }
    vdev->intx_unmask_fd = unmask_fd;
    vdev->intx_gsi = gsi;
    return true;
}

/* After the host's INTx is disabled (which drops its unmask eventfd). */
static void vfio_pci_intx_unroute_kvm(VFIOPCIDevice *vdev)
{
    Error *err = NULL;

    if (vdev->intx_unmask_fd < 0) {
        return;
    }
    /* KVM lowers the line if the guest had not EOIed it yet. */
    if (!kvm_irqchip_remove_irqfd(vdev->intx.fd, vdev->intx_gsi, &err)) {
        warn_report_err(err);
    }
    close(vdev->intx_unmask_fd);
    vdev->intx_unmask_fd = -1;
}

bool vfio_pci_intx_enable(VFIOPCIDevice *vdev, Error **errp)
{
    VFIODevice *vbasedev = &vdev->vbasedev;
    struct vfio_irq_info info;
    Error *err = NULL;
    int32_t fd;

    if (!pci_get_byte(PCI_DEVICE(vdev)->config + PCI_INTERRUPT_PIN)) {
        return true;
    }
    if (!vfio_device_get_irq_info(vbasedev, VFIO_PCI_INTX_IRQ_INDEX, &info,
                                  errp)) {
        return false;
    }
    if (!info.count) {
        return true;
    }
    if (!vfio_irq_vector_open(&vdev->intx, vdev, 0, vfio_pci_intx_interrupt,
                              errp)) {
        return false;
    }
    fd = vdev->intx.fd;
    if (!vfio_device_irq_set_eventfds(vbasedev, VFIO_PCI_INTX_IRQ_INDEX,
                                      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &fd,
                                      errp)) {
        vfio_irq_vector_close(&vdev->intx);
        return false;
    }
    vdev->irq_mode = VFIO_IRQ_INTX;
    if (kvm_irqchip_in_kernel()) {
        if (vfio_pci_intx_route_kvm(vdev, &err)) {
            return true;
        }
        warn_report_err(err);
    }
    vbasedev->eoi = vfio_pci_intx_eoi;
    return true;
}

void vfio_pci_intx_disable(VFIOPCIDevice *vdev)
{
    Error *err = NULL;

    if (vdev->irq_mode != VFIO_IRQ_INTX) {
        return;
    }
    if (!vfio_device_irq_disable(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX,
                                 &err)) {
        warn_report_err(err);
    }
    vfio_pci_intx_unroute_kvm(vdev);
    /*
     * Disabling INTx drops the host's mask with it; an UNMASK now would
     * fail (EINVAL: INTx is no longer the device's interrupt type).
     */
    if (vdev->intx_pending) {
        vdev->intx_pending = false;
        pci_irq_deassert(PCI_DEVICE(vdev));
        vfio_pci_set_mmaps_enabled(vdev, true);
    }
    vdev->vbasedev.eoi = NULL;
    vfio_irq_vector_close(&vdev->intx);
    vdev->irq_mode = VFIO_IRQ_NONE;
}

static gboolean vfio_pci_msi_interrupt(gint fd, GIOCondition cond,
                                       gpointer opaque)
{
    VFIOIrqVector *v = opaque;

    if (vfio_irq_vector_drain(v)) {
        msi_notify(PCI_DEVICE(v->vdev), v->vector);
    }
    return G_SOURCE_CONTINUE;
}

void vfio_pci_irq_vectors_off(VFIOPCIDevice *vdev, uint32_t index,
                              VFIOIrqVector **vectors, unsigned *nr)
{
    Error *err = NULL;

    if (!vfio_device_irq_disable(&vdev->vbasedev, index, &err)) {
        warn_report_err(err);
    }
    for (unsigned i = 0; i < *nr; i++) {
        vfio_irq_vector_close(&(*vectors)[i]);
    }
    g_clear_pointer(vectors, g_free);
    *nr = 0;
    vdev->irq_mode = VFIO_IRQ_NONE;
}

void vfio_pci_msi_disable(VFIOPCIDevice *vdev)
{
    if (vdev->irq_mode == VFIO_IRQ_MSI) {
        vfio_pci_irq_vectors_off(vdev, VFIO_PCI_MSI_IRQ_INDEX, &vdev->msi,
                                 &vdev->nr_msi);
    }
}

static bool vfio_pci_msi_enable(VFIOPCIDevice *vdev, Error **errp)
{
    unsigned nr = msi_nr_vectors_allocated(PCI_DEVICE(vdev));
    g_autofree int32_t *fds = g_new(int32_t, nr ? nr : 1);

    vdev->msi = g_new0(VFIOIrqVector, nr);
    for (unsigned i = 0; i < nr; i++) {
        vdev->msi[i].fd = -1;
    }
    vdev->nr_msi = nr;
    vdev->irq_mode = VFIO_IRQ_MSI;
    for (unsigned i = 0; i < nr; i++) {
        if (!vfio_irq_vector_open(&vdev->msi[i], vdev, i,
                                  vfio_pci_msi_interrupt, errp)) {
            vfio_pci_msi_disable(vdev);
            return false;
        }
        fds[i] = vdev->msi[i].fd;
    }
    if (!vfio_device_irq_set_eventfds(&vdev->vbasedev, VFIO_PCI_MSI_IRQ_INDEX,
                                      VFIO_IRQ_SET_ACTION_TRIGGER, 0, nr, fds,
                                      errp)) {
        vfio_pci_msi_disable(vdev);
        return false;
    }
    vfio_pci_msi_sync(vdev);
    return true;
}

void vfio_pci_msi_poll(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);

    if (vdev->irq_mode != VFIO_IRQ_MSI) {
        return;
    }
    for (unsigned i = 0; i < vdev->nr_msi; i++) {
        if (vdev->msi[i].virq < 0 && msi_is_masked(pdev, i) &&
            vfio_irq_vector_drain(&vdev->msi[i])) {
            msi_notify(pdev, i);        /* masked: sets the pending bit */
        }
    }
}

/*
 * Under KVM: an unmasked vector is an irqfd on a route for its current
 * message, a masked one (per-vector mask bits, if the capability has
 * them) is watched by the main loop, whose msi_notify() sets its pending
 * bit.  The PCI core sends what is pending when the guest unmasks.
 */
void vfio_pci_msi_sync(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);

    if (vdev->irq_mode != VFIO_IRQ_MSI) {
        return;
    }
    for (unsigned i = 0; i < vdev->nr_msi; i++) {
        if (msi_is_masked(pdev, i)) {
            vfio_irq_vector_unroute_kvm(&vdev->msi[i],
                                        vfio_pci_msi_interrupt);
        } else {
            vfio_irq_vector_route_kvm(&vdev->msi[i],
                                      msi_get_message(pdev, i));
        }
    }
}

void vfio_pci_msi_update(VFIOPCIDevice *vdev)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    Error *err = NULL;

    if (vdev->irq_mode == VFIO_IRQ_MSIX) {
        return;                 /* MSI-X wins; MSI is looked at again later */
    }
    if (msi_enabled(pdev) && msi_nr_vectors_allocated(pdev)) {
        vfio_pci_intx_disable(vdev);
        vfio_pci_msi_disable(vdev);
        if (!vfio_pci_msi_enable(vdev, &err)) {
            error_report_err(err);
            err = NULL;
        } else {
            return;
        }
    } else {
        vfio_pci_msi_disable(vdev);
    }
    if (vdev->irq_mode == VFIO_IRQ_NONE && !vfio_pci_intx_enable(vdev, &err)) {
        error_report_err(err);
    }
}

void vfio_pci_irq_teardown(VFIOPCIDevice *vdev)
{
    vfio_pci_msi_disable(vdev);
    vfio_pci_intx_disable(vdev);
}
