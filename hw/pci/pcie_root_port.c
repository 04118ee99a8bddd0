/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI Express root port with native slot hotplug, and the PCIe-to-PCI
 * bridge
 */
#include "qemu/osdep.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "pci-internal.h"

#define SLTSTA_EVENTS (PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | \
                       PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC | \
                       PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)

static uint8_t *rp_exp(PCIDevice *dev)
{
    return dev->config + dev->exp.exp_cap;
}

static bool rp_has_slot(PCIDevice *dev)
{
    return dev->exp.exp_cap &&
           (pci_get_long(rp_exp(dev) + PCI_EXP_SLTCAP) & PCI_EXP_SLTCAP_HPC);
}

static bool sltctl_powered_off(uint16_t sltctl)
{
    return (sltctl & PCI_EXP_SLTCTL_PCC) == PCI_EXP_SLTCTL_PWR_OFF &&
           (sltctl & PCI_EXP_SLTCTL_PIC) == PCI_EXP_SLTCTL_PWR_IND_OFF;
}

/*
 * The slot events that interrupt: each status bit with its enable bit in
 * Slot Control.
 */
static const struct {
    uint16_t status;
    uint16_t enable;
} rp_slot_irq_events[] = {
    { PCI_EXP_SLTSTA_ABP, PCI_EXP_SLTCTL_ABPE },
    { PCI_EXP_SLTSTA_PFD, PCI_EXP_SLTCTL_PFDE },
    { PCI_EXP_SLTSTA_MRLSC, PCI_EXP_SLTCTL_MRLSCE },
    { PCI_EXP_SLTSTA_PDC, PCI_EXP_SLTCTL_PDCE },
    { PCI_EXP_SLTSTA_CC, PCI_EXP_SLTCTL_CCIE },
    { PCI_EXP_SLTSTA_DLLSC, PCI_EXP_SLTCTL_DLLSCE },
};

/*
 * Raises or drops the port's hot-plug interrupt from slot state.  With
 * MSI the message goes out on the rising edge only: the guest must clear
 * every enabled event before another one interrupts (PCIe 6.7.3.4), which
 * is what Linux's pciehp does by re-reading Slot Status after its write.
 */
static void rp_update_hotplug_irq(PCIDevice *dev)
{
    uint16_t ctl = pci_get_word(rp_exp(dev) + PCI_EXP_SLTCTL);
    uint16_t sta = pci_get_word(rp_exp(dev) + PCI_EXP_SLTSTA);
    bool pending = false;
    bool level;

    for (size_t i = 0; i < G_N_ELEMENTS(rp_slot_irq_events); i++) {
        if (sta & rp_slot_irq_events[i].status &&
            ctl & rp_slot_irq_events[i].enable) {
            pending = true;
        }
    }
    level = (ctl & PCI_EXP_SLTCTL_HPIE) && pending;
    if (level == dev->exp.hpev_notified) {
        return;
    }
    dev->exp.hpev_notified = level;
    if (msi_enabled(dev)) {
        if (level) {
            msi_notify(dev, 0);
        }
    } else {
        pci_set_irq(dev, level);
    }
}

static void rp_slot_event(PCIDevice *dev, uint16_t events)
{
    pci_word_test_and_set_mask(rp_exp(dev) + PCI_EXP_SLTSTA, events);
    rp_update_hotplug_irq(dev);
}

static void rp_set_presence(PCIDevice *dev, bool present)
{
    uint8_t *exp = rp_exp(dev);

    if (present) {
        pci_word_test_and_set_mask(exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDS);
        pci_word_test_and_set_mask(exp + PCI_EXP_LNKSTA,
                                   PCI_EXP_LNKSTA_DLLLA);
    } else {
        pci_word_test_and_clear_mask(exp + PCI_EXP_SLTSTA,
                                     PCI_EXP_SLTSTA_PDS);
        pci_word_test_and_clear_mask(exp + PCI_EXP_LNKSTA,
                                     PCI_EXP_LNKSTA_DLLLA);
    }
}

static bool rp_slot_populated(PCIERootPort *rp)
{
    PCIBus *sec = pci_bridge_get_sec_bus(PCI_BRIDGE(rp));

    return BUS(sec)->num_children > 0;
}

/* Removes every function in the slot (the guest powered it off). */
static void rp_slot_do_unplug(PCIERootPort *rp, bool only_pending)
{
    PCIDevice *dev = PCI_DEVICE(rp);
    PCIBus *sec = pci_bridge_get_sec_bus(PCI_BRIDGE(rp));
    GList *victims = NULL;

    for (GList *l = BUS(sec)->children; l; l = l->next) {
        if (!only_pending || DEVICE(l->data)->unplug_pending) {
            victims = g_list_prepend(victims, l->data);
        }
    }
    if (!victims) {
        return;
    }
    for (GList *l = victims; l; l = l->next) {
        qdev_unplug_complete(DEVICE(l->data));
    }
    g_list_free(victims);
    rp_set_presence(dev, rp_slot_populated(rp));
    rp_slot_event(dev, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
}

static void rp_write_config(PCIDevice *dev, uint32_t address, uint32_t val,
                            int len)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);
    uint32_t sltctl_off = dev->exp.exp_cap + PCI_EXP_SLTCTL;
    uint16_t old_ctl = pci_get_word(dev->config + sltctl_off);
    uint16_t new_ctl;

    pci_bridge_write_config(dev, address, val, len);
    if (!rp_has_slot(dev) || !ranges_overlap(address, len, sltctl_off, 4)) {
        return;
    }
    rp_update_hotplug_irq(dev);
    if (!ranges_overlap(address, len, sltctl_off, 2)) {
        return;     /* Slot Status only: W1C of events */
    }
    new_ctl = pci_get_word(dev->config + sltctl_off);
    if (rp_slot_populated(rp) && sltctl_powered_off(new_ctl) &&
        !sltctl_powered_off(old_ctl)) {
        rp_slot_do_unplug(rp, false);
    }
    /*
     * Any write to Slot Control is one command, carried out at once: it
     * completes now (the port does not claim No Command Completed
     * Support, as QEMU's does not, so pciehp waits for this).
     */
    rp_slot_event(dev, PCI_EXP_SLTSTA_CC);
}

static void rp_reset(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);
    uint8_t *exp = rp_exp(dev);
    uint16_t ctl = PCI_EXP_SLTCTL_ATTN_IND_OFF;

    pci_bridge_reset(qdev);
    if (!rp_has_slot(dev)) {
        return;
    }
    /* Without a guest to answer, a pending unplug completes at reset. */
    rp_slot_do_unplug(rp, true);
    if (rp_slot_populated(rp)) {
        ctl |= PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON;
    } else {
        ctl |= PCI_EXP_SLTCTL_PWR_IND_OFF | PCI_EXP_SLTCTL_PWR_OFF;
    }
    pci_set_word(exp + PCI_EXP_SLTCTL, ctl);
    pci_word_test_and_clear_mask(exp + PCI_EXP_SLTSTA, SLTSTA_EVENTS);
    rp_set_presence(dev, rp_slot_populated(rp));
    dev->exp.hpev_notified = false;
}

static void rp_slot_init(PCIDevice *dev, PCIERootPort *rp)
{
    uint8_t *exp = rp_exp(dev);
    uint32_t pos = dev->exp.exp_cap;

    pci_word_test_and_set_mask(exp + PCI_EXP_FLAGS, PCI_EXP_FLAGS_SLOT);
    if (!rp->hotplug) {
        pci_set_long(exp + PCI_EXP_SLTCAP, (uint32_t)rp->slot << 19);
        return;
    }
    pci_set_long(exp + PCI_EXP_SLTCAP,
                 ((uint32_t)rp->slot << 19) | PCI_EXP_SLTCAP_ABP |
                 PCI_EXP_SLTCAP_PCP | PCI_EXP_SLTCAP_AIP |
                 PCI_EXP_SLTCAP_PIP | PCI_EXP_SLTCAP_HPC);
    pci_set_word(exp + PCI_EXP_SLTCTL, PCI_EXP_SLTCTL_ATTN_IND_OFF |
                 PCI_EXP_SLTCTL_PWR_IND_OFF | PCI_EXP_SLTCTL_PWR_OFF);
    pci_set_word(dev->wmask + pos + PCI_EXP_SLTCTL,
                 PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PFDE |
                 PCI_EXP_SLTCTL_MRLSCE | PCI_EXP_SLTCTL_PDCE |
                 PCI_EXP_SLTCTL_CCIE | PCI_EXP_SLTCTL_HPIE |
                 PCI_EXP_SLTCTL_AIC | PCI_EXP_SLTCTL_PIC |
                 PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_EIC |
                 PCI_EXP_SLTCTL_DLLSCE);
    pci_set_word(dev->w1cmask + pos + PCI_EXP_SLTSTA, SLTSTA_EVENTS);
}

static void rp_realize(PCIDevice *dev, Error **errp)
{
    PCIERootPort *rp = PCIE_ROOT_PORT(dev);
    PCIBridge *br = PCI_BRIDGE(dev);
    Error *local_err = NULL;

    pci_bridge_initfn(dev, TYPE_PCIE_BUS, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }
    if (pcie_cap_init(dev, 0, PCI_EXP_TYPE_ROOT_PORT, rp->port, errp) < 0 ||
        msi_init(dev, 0, 1, true, false, errp) < 0) {
        pcie_cap_exit(dev);
        pci_bridge_exitfn(dev);
        return;
    }
    dev->config[PCI_INTERRUPT_PIN] = 1;
    rp_slot_init(dev, rp);
    if (rp->hotplug) {
        qbus_set_hotplug_handler(BUS(&br->sec_bus), OBJECT(dev));
    }
}

static void rp_exit(PCIDevice *dev)
{
    msi_uninit(dev);
    pcie_cap_exit(dev);
    pci_bridge_exitfn(dev);
}

static void rp_plug(HotplugHandler *h, DeviceState *qdev, Error **errp)
{
    PCIDevice *port = PCI_DEVICE(h);
    uint8_t *exp = rp_exp(port);

    rp_set_presence(port, true);
    if (qdev->hotplugged) {
        /*
         * The slot stays as the guest left it (powered off, after an
         * unplug or at pciehp's probe of an empty slot): pciehp powers it
         * on when it sees the card, and does nothing if power is already
         * on ("Slot already enabled").
         */
        rp_slot_event(port, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
        return;
    }
    pci_word_test_and_clear_mask(exp + PCI_EXP_SLTCTL,
                                 PCI_EXP_SLTCTL_PIC | PCI_EXP_SLTCTL_PCC);
    pci_word_test_and_set_mask(exp + PCI_EXP_SLTCTL,
                               PCI_EXP_SLTCTL_PWR_IND_ON);
}

static void rp_unplug_request(HotplugHandler *h, DeviceState *qdev,
                              Error **errp)
{
    PCIDevice *port = PCI_DEVICE(h);
    uint16_t ctl = pci_get_word(rp_exp(port) + PCI_EXP_SLTCTL);

    if ((ctl & PCI_EXP_SLTCTL_PIC) == PCI_EXP_SLTCTL_PWR_IND_BLINK) {
        error_setg(errp, "Hot-unplug failed: guest is busy (power indicator "
                   "blinking)");
        return;
    }
    /* Press the attention button; the guest powers the slot off. */
    rp_slot_event(port, PCI_EXP_SLTSTA_ABP);
}

static const Property rp_props[] = {
    DEFINE_PROP_UINT8("port", PCIERootPort, port, 0),
    DEFINE_PROP_UINT8("chassis", PCIERootPort, chassis, 0),
    DEFINE_PROP_UINT16("slot", PCIERootPort, slot, 0),
    DEFINE_PROP_BOOL("hotplug", PCIERootPort, hotplug, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void rp_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(oc);

    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_RP;
    pc->class_id = PCI_CLASS_BRIDGE_PCI;
    pc->is_express = true;
    pc->realize = rp_realize;
    pc->exit = rp_exit;
    pc->config_write = rp_write_config;
    dc->reset = rp_reset;
    dc->desc = "PCI Express Root Port";
    dc->hotpluggable = false;
    hc->plug = rp_plug;
    hc->unplug_request = rp_unplug_request;
    device_class_set_props(dc, rp_props);
}

/* ---- PCIe-to-PCI bridge ---------------------------------------------- */

static void pcie_pci_bridge_realize(PCIDevice *dev, Error **errp)
{
    Error *local_err = NULL;

    pci_bridge_initfn(dev, TYPE_PCI_BUS, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }
    if (pcie_cap_init(dev, 0, PCI_EXP_TYPE_PCI_BRIDGE, 0, errp) < 0 ||
        msi_init(dev, 0, 1, true, true, errp) < 0) {
        pcie_cap_exit(dev);
        pci_bridge_exitfn(dev);
        return;
    }
    dev->config[PCI_INTERRUPT_PIN] = 1;
}

static void pcie_pci_bridge_exit(PCIDevice *dev)
{
    msi_uninit(dev);
    pcie_cap_exit(dev);
    pci_bridge_exitfn(dev);
}

static void pcie_pci_bridge_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_BRIDGE;
    pc->class_id = PCI_CLASS_BRIDGE_PCI;
    pc->is_express = true;
    pc->realize = pcie_pci_bridge_realize;
    pc->exit = pcie_pci_bridge_exit;
    dc->desc = "PCI Express to PCI bridge";
    dc->hotpluggable = false;
}

static const TypeInfo pcie_port_types[] = {
    {
        .name = TYPE_PCIE_ROOT_PORT,
        .parent = TYPE_PCI_BRIDGE,
        .instance_size = sizeof(PCIERootPort),
        .class_init = rp_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_HOTPLUG_HANDLER },
            { }
        },
    },
    {
        .name = TYPE_PCIE_PCI_BRIDGE,
        .parent = TYPE_PCI_BRIDGE,
        .instance_size = sizeof(PCIBridge),
        .class_init = pcie_pci_bridge_class_init,
    },
};

DEFINE_TYPES(pcie_port_types)
