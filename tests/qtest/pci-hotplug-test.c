/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI hotplug and bridges over QMP and qtest: device_add/device_del with
 * DEVICE_DELETED on the root bus and behind a root port, secondary bus
 * reset, query-pci, and -device/-global errors on the command line
 */
#include "pci-qtest.h"

#define RP DEVFN(4, 0)

static QTestState *start(void)
{
    return qtest_init("-device pcie-root-port,id=rp1,addr=04.0,chassis=1 "
                      "-device pci-testdev-dma,id=td1,bus=rp1");
}

static void device_add(QTestState *s, const char *args)
{
    g_autoptr(JsonObject) rsp = qtest_qmp(s,
        "{'execute': 'device_add', 'arguments': {%s}}", args);

    qmp_expect_return(rsp);
}

static void device_del(QTestState *s, const char *id)
{
    g_autoptr(JsonObject) rsp = qtest_qmp(s,
        "{'execute': 'device_del', 'arguments': {'id': '%s'}}", id);

    qmp_expect_return(rsp);
}

static void wait_deleted(QTestState *s, const char *id)
{
    g_autoptr(JsonObject) ev = qtest_qmp_eventwait_ref(s, "DEVICE_DELETED");
    JsonObject *data = json_object_get_object_member(ev, "data");

    /* Functions below a removed port come first; find ours. */
    while (!json_object_has_member(data, "device") ||
           strcmp(json_object_get_string_member(data, "device"), id)) {
        g_clear_pointer(&ev, json_object_unref);
        ev = qtest_qmp_eventwait_ref(s, "DEVICE_DELETED");
        data = json_object_get_object_member(ev, "data");
    }
    g_assert_true(g_str_has_prefix(json_object_get_string_member(data,
                                                                 "path"),
                                   "/machine/peripheral/"));
}

static void test_root_bus(void)
{
    QTestState *s = start();

    device_add(s, "'driver': 'pci-testdev-dma', 'id': 'hp', "
               "'addr': '08.0'");
    g_assert_cmphex(cfg_readl(s, 0, DEVFN(8, 0), 0), ==, TESTDEV_ID);
    device_del(s, "hp");
    wait_deleted(s, "hp");
    g_assert_cmphex(cfg_readl(s, 0, DEVFN(8, 0), 0), ==, 0xffffffff);
    /* JSON addr as an integer devfn works too. */
    device_add(s, "'driver': 'pci-testdev-dma', 'id': 'hp', 'addr': 72");
    g_assert_cmphex(cfg_readl(s, 0, DEVFN(9, 0), 0), ==, TESTDEV_ID);
    qtest_quit(s);
}

static void test_root_port(void)
{
    QTestState *s = start();
    uint8_t exp = cfg_find_cap(s, 0, RP, PCI_CAP_ID_EXP);
    uint16_t ctl;
    g_autoptr(JsonObject) rsp = NULL;

    cfg_writeb(s, 0, RP, PCI_SECONDARY_BUS, 1);
    cfg_writeb(s, 0, RP, PCI_SUBORDINATE_BUS, 1);
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);

    device_del(s, "td1");
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_ABP);
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);
    rsp = qtest_qmp(s, "{'execute': 'device_del', "
                       "'arguments': {'id': 'td1'}}");
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "Device 'td1' is already in the process of unplug");

    /* The guest turns the slot off. */
    ctl = cfg_readw(s, 0, RP, exp + PCI_EXP_SLTCTL);
    cfg_writew(s, 0, RP, exp + PCI_EXP_SLTCTL,
               (ctl & ~PCI_EXP_SLTCTL_PIC) | PCI_EXP_SLTCTL_PWR_IND_OFF |
               PCI_EXP_SLTCTL_PWR_OFF);
    wait_deleted(s, "td1");
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, 0xffffffff);
    g_assert_false(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) &
                   PCI_EXP_SLTSTA_PDS);

    /* Plug again; without a guest, system_reset completes an unplug. */
    device_add(s, "'driver': 'pci-testdev-dma', 'id': 'td2', 'bus': 'rp1'");
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_PDC);
    device_del(s, "td2");
    g_clear_pointer(&rsp, json_object_unref);
    rsp = qtest_qmp(s, "{'execute': 'system_reset'}");
    qmp_expect_return(rsp);
    wait_deleted(s, "td2");
    qtest_quit(s);
}

/*
 * True if QEMU has sent DEVICE_DELETED for @id (a round trip first, so
 * that an event already sent is queued).  Consumes the queued events.
 */
static bool deleted_seen(QTestState *s, const char *id)
{
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-pci'}");
    JsonObject *ev;
    bool seen = false;

    qmp_expect_return(rsp);
    while ((ev = qtest_qmp_receive_queued(s))) {
        JsonObject *data = json_object_get_object_member(ev, "data");

        if (!strcmp(json_object_get_string_member(ev, "event"),
                    "DEVICE_DELETED") &&
            json_object_has_member(data, "device") &&
            !strcmp(json_object_get_string_member(data, "device"), id)) {
            seen = true;
        }
        json_object_unref(ev);
    }
    return seen;
}

/* Slot Status as the guest reads it, then cleared the way pciehp does. */
static uint16_t slot_ack(QTestState *s, uint8_t exp)
{
    uint16_t sta = cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA);

    cfg_writew(s, 0, RP, exp + PCI_EXP_SLTSTA, sta);
    return sta;
}

static void slot_command(QTestState *s, uint8_t exp, uint16_t ctl)
{
    cfg_writew(s, 0, RP, exp + PCI_EXP_SLTCTL, ctl);
}

#define SLOT_EVENTS (PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | \
                     PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC | \
                     PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)
#define SLOT_IRQS (PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE | \
                   PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PDCE | \
                   PCI_EXP_SLTCTL_DLLSCE)
#define RP_MSI_DATA 0x61

/*
 * The root port driven as Linux's pciehp drives it, one register access
 * at a time: its probe, the attention button of device_del, the 5 s
 * blink, power off, DEVICE_DELETED only then, and a device_add that the
 * guest powers on.  The port interrupts by MSI, once per rising edge.
 */
static void test_pciehp_sequence(void)
{
    QTestState *s = start();
    uint8_t exp = cfg_find_cap(s, 0, RP, PCI_CAP_ID_EXP);
    uint8_t msi = cfg_find_cap(s, 0, RP, PCI_CAP_ID_MSI);
    uint32_t cap = cfg_readl(s, 0, RP, exp + PCI_EXP_SLTCAP);
    uint16_t on = SLOT_IRQS | PCI_EXP_SLTCTL_ATTN_IND_OFF |
                  PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON;
    uint16_t blink = (on & ~PCI_EXP_SLTCTL_PIC) |
                     PCI_EXP_SLTCTL_PWR_IND_BLINK;
    uint16_t sta;
    g_autoptr(JsonObject) rsp = NULL;

    /* What pciehp reads at probe. */
    g_assert_true(cap & PCI_EXP_SLTCAP_HPC);
    g_assert_true(cap & PCI_EXP_SLTCAP_ABP);
    g_assert_true(cap & PCI_EXP_SLTCAP_PCP);
    g_assert_true(cap & PCI_EXP_SLTCAP_AIP);
    g_assert_true(cap & PCI_EXP_SLTCAP_PIP);
    g_assert_false(cap & PCI_EXP_SLTCAP_NCCS);
    g_assert_false(cap & PCI_EXP_SLTCAP_HPS);
    g_assert_true(cfg_readl(s, 0, RP, exp + PCI_EXP_LNKCAP) &
                  PCI_EXP_LNKCAP_DLLLARC);
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_PDS);
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_LNKSTA) &
                  PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmphex(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTCTL) &
                    PCI_EXP_SLTCTL_PCC, ==, PCI_EXP_SLTCTL_PWR_ON);
    cfg_writeb(s, 0, RP, PCI_SECONDARY_BUS, 1);
    cfg_writeb(s, 0, RP, PCI_SUBORDINATE_BUS, 1);

    /*
     * portdrv: bus mastering (MSI writes are DMA), MSI vector 0 (the
     * capability's Interrupt Message Number).
     */
    cfg_writew(s, 0, RP, PCI_COMMAND, PCI_COMMAND_MASTER);
    g_assert_cmphex(cfg_readw(s, 0, RP, exp + PCI_EXP_FLAGS) &
                    PCI_EXP_FLAGS_IRQ, ==, 0);
    cfg_writel(s, 0, RP, msi + PCI_MSI_ADDRESS_LO, 0xfee00000);
    cfg_writel(s, 0, RP, msi + PCI_MSI_ADDRESS_HI, 0);
    cfg_writew(s, 0, RP, msi + PCI_MSI_DATA_64, RP_MSI_DATA);
    cfg_writew(s, 0, RP, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE);

    /* pciehp init: clear stale events, then enable its interrupts. */
    cfg_writew(s, 0, RP, exp + PCI_EXP_SLTSTA, SLOT_EVENTS);
    assert_no_msi(s);
    slot_command(s, exp, on);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    g_assert_cmphex(slot_ack(s, exp) & SLOT_EVENTS, ==, PCI_EXP_SLTSTA_CC);
    g_assert_cmphex(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) & SLOT_EVENTS,
                    ==, 0);

    /* Edge: while an event is pending, another one sends nothing. */
    slot_command(s, exp, on);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    slot_command(s, exp, on);
    assert_no_msi(s);
    slot_ack(s, exp);
    assert_no_msi(s);

    /* device_del: the attention button, and nothing is removed yet. */
    device_del(s, "td1");
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    g_assert_cmphex(slot_ack(s, exp) & SLOT_EVENTS, ==, PCI_EXP_SLTSTA_ABP);
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);

    /* The 5 s blink: device_del is refused meanwhile. */
    slot_command(s, exp, blink);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    slot_ack(s, exp);
    g_assert_false(deleted_seen(s, "td1"));
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);

    /* Power off (indicator still blinking): the function stays. */
    slot_command(s, exp, (blink & ~PCI_EXP_SLTCTL_PCC) |
                 PCI_EXP_SLTCTL_PWR_OFF);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    slot_ack(s, exp);
    g_assert_false(deleted_seen(s, "td1"));
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);

    /* Power indicator off: now the device goes, and DEVICE_DELETED. */
    slot_command(s, exp, (on & ~(PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_PIC)) |
                 PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF);
    wait_deleted(s, "td1");
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    sta = slot_ack(s, exp);
    g_assert_cmphex(sta & SLOT_EVENTS, ==, PCI_EXP_SLTSTA_PDC |
                    PCI_EXP_SLTSTA_DLLSC | PCI_EXP_SLTSTA_CC);
    g_assert_false(sta & PCI_EXP_SLTSTA_PDS);
    g_assert_false(cfg_readw(s, 0, RP, exp + PCI_EXP_LNKSTA) &
                   PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, 0xffffffff);

    /*
     * device_add: presence and link change, and the slot stays off until
     * the guest powers it (pciehp skips a slot that is already on).
     */
    device_add(s, "'driver': 'pci-testdev-dma', 'id': 'td3', "
               "'bus': 'rp1'");
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    sta = slot_ack(s, exp);
    g_assert_cmphex(sta & SLOT_EVENTS, ==,
                    PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
    g_assert_true(sta & PCI_EXP_SLTSTA_PDS);
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_LNKSTA) &
                  PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmphex(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTCTL) &
                    PCI_EXP_SLTCTL_PCC, ==, PCI_EXP_SLTCTL_PWR_OFF);
    slot_command(s, exp, blink);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    slot_ack(s, exp);
    slot_command(s, exp, on);
    assert_msi(s, 0xfee00000, RP_MSI_DATA);
    slot_ack(s, exp);
    g_assert_cmphex(cfg_readl(s, 1, 0, 0), ==, TESTDEV_ID);

    /* Unplug is refused while the guest blinks the power indicator. */
    slot_command(s, exp, blink);
    slot_ack(s, exp);
    json_array_unref(msi_log(s, true));
    rsp = qtest_qmp(s, "{'execute': 'device_del', "
                       "'arguments': {'id': 'td3'}}");
    g_assert_cmpstr(qmp_expect_error(rsp, "GenericError"), ==,
                    "Hot-unplug failed: guest is busy (power indicator "
                    "blinking)");
    assert_no_msi(s);
    qtest_quit(s);
}

/* Without MSI, the port's INTx A follows the pending, enabled events. */
static void test_hotplug_intx(void)
{
    QTestState *s = start();
    uint8_t exp = cfg_find_cap(s, 0, RP, PCI_CAP_ID_EXP);
    const int gsi = 16 + (4 + 0) % 8;

    qtest_irq_intercept_in(s, "/machine/ioapic");
    g_assert_cmpuint(cfg_readb(s, 0, RP, PCI_INTERRUPT_PIN), ==, 1);
    slot_command(s, exp, SLOT_IRQS | PCI_EXP_SLTCTL_ATTN_IND_OFF |
                 PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON);
    g_assert_true(qtest_get_irq(s, gsi));
    slot_ack(s, exp);
    g_assert_false(qtest_get_irq(s, gsi));
    device_del(s, "td1");
    g_assert_true(qtest_get_irq(s, gsi));
    /* Disabling the button's interrupt drops the line, CC raises it. */
    slot_command(s, exp, PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE |
                 PCI_EXP_SLTCTL_ATTN_IND_OFF | PCI_EXP_SLTCTL_PWR_IND_ON |
                 PCI_EXP_SLTCTL_PWR_ON);
    g_assert_true(qtest_get_irq(s, gsi));
    cfg_writew(s, 0, RP, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_CC);
    g_assert_false(qtest_get_irq(s, gsi));
    g_assert_true(cfg_readw(s, 0, RP, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_ABP);
    qtest_quit(s);
}

static void test_bus_reset(void)
{
    QTestState *s = start();

    cfg_writeb(s, 0, RP, PCI_SECONDARY_BUS, 1);
    cfg_writeb(s, 0, RP, PCI_SUBORDINATE_BUS, 1);
    cfg_writel(s, 1, 0, PCI_BASE_ADDRESS_0, 0xC1000000);
    cfg_writew(s, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY);
    cfg_writew(s, 0, RP, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET);
    cfg_writew(s, 0, RP, PCI_BRIDGE_CONTROL, 0);
    g_assert_cmphex(cfg_readw(s, 1, 0, PCI_COMMAND), ==, 0);
    g_assert_cmphex(cfg_readl(s, 1, 0, PCI_BASE_ADDRESS_0), ==, 0);
    g_assert_cmphex(cfg_readb(s, 0, RP, PCI_SECONDARY_BUS), ==, 1);
    qtest_quit(s);
}

static void test_query_pci(void)
{
    QTestState *s = start();
    g_autoptr(JsonObject) rsp = qtest_qmp(s, "{'execute': 'query-pci'}");
    JsonArray *buses = json_node_get_array(qmp_expect_return(rsp));
    JsonArray *devs = json_object_get_array_member(
        json_array_get_object_element(buses, 0), "devices");
    JsonObject *mch = json_array_get_object_element(devs, 0);
    JsonObject *rp = json_array_get_object_element(devs, 1);

    g_assert_cmpuint(json_array_get_length(buses), ==, 1);
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(mch, "class_info"), "class"), ==,
        0x0600);
    g_assert_cmpstr(json_object_get_string_member(rp, "qdev_id"), ==, "rp1");
    g_assert_cmpint(json_object_get_int_member(rp, "slot"), ==, 4);
    g_assert_true(json_object_has_member(rp, "pci_bridge"));
    qtest_quit(s);
}

static void test_qmp_errors(void)
{
    QTestState *s = start();
    static const struct {
        const char *args;
        const char *cls;
        const char *desc;
    } cases[] = {
        { "'driver': 'nosuch'", "GenericError",
          "'nosuch' is not a valid device model name" },
        { "'driver': 'pci-device'", "GenericError",
          "Parameter 'driver' expects a non-abstract device type" },
        { "'driver': 'pci-testdev-dma', 'id': 'rp1'", "GenericError",
          "Duplicate device ID 'rp1'" },
        { "'driver': 'pci-testdev-dma', 'bus': 'rp1'", "GenericError",
          "PCI: no slot/function available for pci-testdev-dma, all in "
          "use or reserved" },
        { "'driver': 'pci-testdev-dma', 'bus': 'pcie.9'", "GenericError",
          "Bus 'pcie.9' not found" },
        { "'driver': 'pci-testdev-dma', 'msix-vectors': 'x'", "GenericError",
          NULL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonObject) rsp = qtest_qmp(s,
            "{'execute': 'device_add', 'arguments': {%s}}", cases[i].args);
        const char *desc = qmp_expect_error(rsp, cases[i].cls);

        if (cases[i].desc) {
            g_assert_cmpstr(desc, ==, cases[i].desc);
        }
    }
    {
        g_autoptr(JsonObject) rsp = qtest_qmp(s,
            "{'execute': 'device_del', 'arguments': {'id': 'nosuch'}}");

        g_assert_cmpstr(qmp_expect_error(rsp, "DeviceNotFound"), ==,
                        "Device 'nosuch' not found");
    }
    qtest_quit(s);
}

static void test_command_line(void)
{
    g_autofree char *err = NULL;
    int status;

    status = qtest_run("-M q35 -accel qtest -display none "
                       "-device pci-testdev-dma,addr=03.0 "
                       "-device pci-testdev-dma,addr=03.0", NULL, &err, 30);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "PCI: slot 3 function 0 not available for "
                                 "pci-testdev-dma, in use by "
                                 "pci-testdev-dma,id="));
    g_clear_pointer(&err, g_free);

    status = qtest_run("-M q35 -accel qtest -display none "
                       "-global pci-testdev-dma.msix-vectors=1000 "
                       "-device pci-testdev-dma", NULL, &err, 30);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "at most 64"));
    g_clear_pointer(&err, g_free);

    status = qtest_run("-M q35 -accel qtest -display none "
                       "-global pci-testdev-dma.msix-vectors=lots "
                       "-device pci-testdev-dma", NULL, &err, 30);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "can't apply global "
                                 "pci-testdev-dma.msix-vectors=lots"));
    g_clear_pointer(&err, g_free);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-hotplug/root-bus", test_root_bus);
    g_test_add_func("/pci-hotplug/root-port", test_root_port);
    g_test_add_func("/pci-hotplug/pciehp-sequence", test_pciehp_sequence);
    g_test_add_func("/pci-hotplug/intx", test_hotplug_intx);
    g_test_add_func("/pci-hotplug/bus-reset", test_bus_reset);
    g_test_add_func("/pci-hotplug/query-pci", test_query_pci);
    g_test_add_func("/pci-hotplug/qmp-errors", test_qmp_errors);
    g_test_add_func("/pci-hotplug/command-line", test_command_line);
    return g_test_run();
}
