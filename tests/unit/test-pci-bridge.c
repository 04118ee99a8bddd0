/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI bridges and hotplug on the q35 machine: bus numbers, forwarding
 * windows, INTx swizzling, secondary bus reset, pcie-root-port slot
 * hotplug and root-bus hotplug, device_add/device_del errors, query-pci,
 * and random guest config writes
 */
#include "pci-harness.h"
#include "hw/misc/pci-testdev-dma.h"
#include "monitor/qmp.h"

#define RP1 PCI_DEVFN(4, 0)
#define RP2 PCI_DEVFN(5, 0)
#define PB PCI_DEVFN(6, 0)

static GString *deleted;

static void on_deleted(const char *id, const char *path, void *opaque)
{
    g_string_append_printf(deleted, "%s;", id ? id : path);
}

static void set_bus_numbers(int devfn, int primary, int sec, int sub)
{
    cfg_writeb(0, devfn, PCI_PRIMARY_BUS, primary);
    cfg_writeb(0, devfn, PCI_SECONDARY_BUS, sec);
    cfg_writeb(0, devfn, PCI_SUBORDINATE_BUS, sub);
}

static void test_enumeration(void)
{
    uint8_t exp = cfg_find_cap(0, RP1, PCI_CAP_ID_EXP);

    g_assert_cmphex(cfg_readb(0, RP1, PCI_HEADER_TYPE), ==, 1);
    g_assert_cmphex(cfg_readw(0, RP1, PCI_CLASS_DEVICE), ==, 0x0604);
    g_assert_cmphex(cfg_readl(0, RP1, 0), ==, 0x000c1b36);
    g_assert_cmpuint(exp, !=, 0);
    g_assert_cmphex((cfg_readw(0, RP1, exp + PCI_EXP_FLAGS) >> 4) & 0xf, ==,
                    PCI_EXP_TYPE_ROOT_PORT);
    g_assert_true(cfg_readl(0, RP1, exp + PCI_EXP_SLTCAP) &
                  PCI_EXP_SLTCAP_HPC);
    g_assert_true(cfg_readw(0, RP1, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_PDS);
    g_assert_false(cfg_readw(0, RP2, exp + PCI_EXP_SLTSTA) &
                   PCI_EXP_SLTSTA_PDS);

    /* Behind an unconfigured bridge, nothing answers. */
    g_assert_cmphex(cfg_readl(1, 0, 0), ==, 0xffffffff);
    set_bus_numbers(RP1, 0, 1, 1);
    g_assert_cmphex(cfg_readl(1, 0, 0), ==,
                    (PCI_DEVICE_ID_QEMU_TESTDEV_DMA << 16) | 0x1234);
    g_assert_cmphex(ecam_readl(1, 0, 0x100) & 0xffff, ==,
                    PCI_EXT_CAP_ID_DSN);
    /* Only slot 0 exists below a root port. */
    g_assert_cmphex(cfg_readl(1, PCI_DEVFN(1, 0), 0), ==, 0xffffffff);

    set_bus_numbers(PB, 0, 3, 3);
    g_assert_cmphex(cfg_readl(3, PCI_DEVFN(2, 0), 0), ==,
                    (PCI_DEVICE_ID_QEMU_TESTDEV_DMA << 16) | 0x1234);
    /* A conventional function: no extended space, no PCIe capability. */
    g_assert_cmphex(ecam_readl(3, PCI_DEVFN(2, 0), 0x100), ==, 0xffffffff);
    g_assert_cmpuint(cfg_find_cap(3, PCI_DEVFN(2, 0), PCI_CAP_ID_EXP), ==,
                     0);
}

static void test_windows(void)
{
    const uint64_t bar = 0xC1000000ULL;

    set_bus_numbers(RP1, 0, 1, 1);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_1, 0xd000);
    cfg_writew(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    g_assert_cmphex(mem_readl(bar), ==, 0xffffffff);

    /* Memory window 0xC1000000..0xC10FFFFF, I/O 0xD000..0xDFFF. */
    cfg_writew(0, RP1, PCI_MEMORY_BASE, bar >> 16);
    cfg_writew(0, RP1, PCI_MEMORY_LIMIT, bar >> 16);
    cfg_writeb(0, RP1, PCI_IO_BASE, 0xd0);
    cfg_writeb(0, RP1, PCI_IO_LIMIT, 0xd0);
    g_assert_cmphex(mem_readl(bar), ==, 0xffffffff);
    cfg_writew(0, RP1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    g_assert_cmphex(mem_readl(bar), ==, TESTDEV_ID_VALUE);
    g_assert_cmphex(outl_inl(0xd000, false, 0), ==, TESTDEV_ID_VALUE);

    /* A BAR outside the window is not reachable. */
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar + 0x100000);
    g_assert_cmphex(mem_readl(bar + 0x100000), ==, 0xffffffff);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar);

    /* A window over the config ports does not hide them. */
    cfg_writeb(0, RP1, PCI_IO_BASE, 0x00);
    cfg_writeb(0, RP1, PCI_IO_LIMIT, 0x00);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_1, 0xc00);
    g_assert_cmphex(outl_inl(0xc00, false, 0), ==, TESTDEV_ID_VALUE);
    g_assert_cmphex(cfg_readl(0, 0, 0), ==, 0x29c08086);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_1, 0xcf8 & ~0xff);
    g_assert_cmphex(cfg_readl(0, 0, 0), ==, 0x29c08086);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_1, 0xd000);
    cfg_writeb(0, RP1, PCI_IO_BASE, 0xd0);
    cfg_writeb(0, RP1, PCI_IO_LIMIT, 0xd0);

    /* Closing the window (base above limit). */
    cfg_writew(0, RP1, PCI_MEMORY_BASE, (bar >> 16) + 0x10);
    g_assert_cmphex(mem_readl(bar), ==, 0xffffffff);
    cfg_writew(0, RP1, PCI_MEMORY_BASE, bar >> 16);
    g_assert_cmphex(mem_readl(bar), ==, TESTDEV_ID_VALUE);

    /* Prefetchable 64-bit window for BAR4 above 4G. */
    {
        uint64_t hole64 = q35_pci_hole64_start();

        cfg_writel(1, 0, PCI_BASE_ADDRESS_4, (uint32_t)hole64);
        cfg_writel(1, 0, PCI_BASE_ADDRESS_5, hole64 >> 32);
        g_assert_cmphex(mem_readq(hole64), ==, ~0ULL);
        cfg_writew(0, RP1, PCI_PREF_MEMORY_BASE, ((hole64 >> 16) & 0xfff0) |
                   PCI_PREF_RANGE_TYPE_64);
        cfg_writew(0, RP1, PCI_PREF_MEMORY_LIMIT, ((hole64 >> 16) & 0xfff0) |
                   PCI_PREF_RANGE_TYPE_64);
        cfg_writel(0, RP1, PCI_PREF_BASE_UPPER32, hole64 >> 32);
        cfg_writel(0, RP1, PCI_PREF_LIMIT_UPPER32, hole64 >> 32);
        mem_writeq(hole64, 0x0102030405060708ULL);
        g_assert_cmphex(mem_readq(hole64), ==, 0x0102030405060708ULL);
    }
}

static void test_intx_swizzle(void)
{
    int rp1_gsi = Q35_PIRQ_GSI_BASE + (4 + 0) % Q35_NUM_PIRQS;
    int pb_gsi = Q35_PIRQ_GSI_BASE + (6 + 2) % Q35_NUM_PIRQS;
    const uint64_t bar = 0xC1000000ULL;

    set_bus_numbers(RP1, 0, 1, 1);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar);
    cfg_writew(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY);
    cfg_writew(0, RP1, PCI_MEMORY_BASE, bar >> 16);
    cfg_writew(0, RP1, PCI_MEMORY_LIMIT, bar >> 16);
    cfg_writew(0, RP1, PCI_COMMAND, PCI_COMMAND_MEMORY);
    mem_writel(bar + TESTDEV_REG_IRQ_RAISE, 1);
    g_assert_cmpint(ioapic_get_level(rp1_gsi), ==, 1);
    mem_writel(bar + TESTDEV_REG_IRQ_ACK, 1);
    g_assert_cmpint(ioapic_get_level(rp1_gsi), ==, 0);

    /* Behind the PCIe-to-PCI bridge: slot 2, pin A -> bridge pin C. */
    set_bus_numbers(PB, 0, 3, 3);
    cfg_writel(3, PCI_DEVFN(2, 0), PCI_BASE_ADDRESS_0, bar + 0x200000);
    cfg_writew(3, PCI_DEVFN(2, 0), PCI_COMMAND, PCI_COMMAND_MEMORY);
    cfg_writew(0, PB, PCI_MEMORY_BASE, (bar + 0x200000) >> 16);
    cfg_writew(0, PB, PCI_MEMORY_LIMIT, (bar + 0x200000) >> 16);
    cfg_writew(0, PB, PCI_COMMAND, PCI_COMMAND_MEMORY);
    mem_writel(bar + 0x200000 + TESTDEV_REG_IRQ_RAISE, 1);
    g_assert_cmpint(ioapic_get_level(pb_gsi), ==, 1);
    mem_writel(bar + 0x200000 + TESTDEV_REG_IRQ_ACK, 1);
    g_assert_cmpint(ioapic_get_level(pb_gsi), ==, 0);

    /* What an irqfd is bound to (KVM) is the line the core drives. */
    g_assert_cmpint(pci_device_intx_gsi(pci_find_device(
                        pci_host_get_root_bus(), 1, 0)), ==, rp1_gsi);
    g_assert_cmpint(pci_device_intx_gsi(pci_find_device(
                        pci_host_get_root_bus(), 3, PCI_DEVFN(2, 0))), ==,
                    pb_gsi);
}

static void test_bus_reset(void)
{
    set_bus_numbers(RP1, 0, 1, 1);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, 0xC1000000);
    cfg_writew(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_writeb(1, 0, PCI_INTERRUPT_LINE, 11);

    cfg_writew(0, RP1, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET);
    /* The bridge keeps its own state; everything below is reset. */
    g_assert_cmphex(cfg_readb(0, RP1, PCI_SECONDARY_BUS), ==, 1);
    g_assert_cmphex(cfg_readw(1, 0, PCI_COMMAND), ==, 0);
    g_assert_cmphex(cfg_readl(1, 0, PCI_BASE_ADDRESS_0), ==, 0);
    g_assert_cmphex(cfg_readb(1, 0, PCI_INTERRUPT_LINE), ==, 0);

    /* Holding the bit does not reset again; a new edge does. */
    cfg_writew(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY);
    cfg_writew(0, RP1, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET);
    g_assert_cmphex(cfg_readw(1, 0, PCI_COMMAND), ==, PCI_COMMAND_MEMORY);
    cfg_writew(0, RP1, PCI_BRIDGE_CONTROL, 0);
    cfg_writew(0, RP1, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET);
    g_assert_cmphex(cfg_readw(1, 0, PCI_COMMAND), ==, 0);
    cfg_writew(0, RP1, PCI_BRIDGE_CONTROL, 0);
}

static void test_hotplug_root_bus(void)
{
    DeviceState *dev;

    g_string_truncate(deleted, 0);
    dev = harness_device_add("pci-testdev-dma,id=hp1,addr=08.0",
                             &error_abort);
    g_assert_true(dev->hotplugged);
    g_assert_cmphex(cfg_readl(0, PCI_DEVFN(8, 0), 0), ==,
                    (PCI_DEVICE_ID_QEMU_TESTDEV_DMA << 16) | 0x1234);
    g_assert_true(qdev_unplug(dev, &error_abort));
    g_assert_cmpstr(deleted->str, ==, "hp1;");
    g_assert_cmphex(cfg_readl(0, PCI_DEVFN(8, 0), 0), ==, 0xffffffff);
    g_assert_null(qdev_find_device("hp1", NULL));
    /* The slot is free again. */
    dev = harness_device_add("pci-testdev-dma,id=hp1,addr=08.0",
                             &error_abort);
    g_assert_true(qdev_unplug(dev, &error_abort));
}

static void rp2_setup_guest(uint8_t exp, uint8_t msi)
{
    set_bus_numbers(RP2, 0, 2, 2);
    cfg_writel(0, RP2, msi + PCI_MSI_ADDRESS_LO, 0xfee03000);
    cfg_writel(0, RP2, msi + PCI_MSI_ADDRESS_HI, 0);
    cfg_writew(0, RP2, msi + PCI_MSI_DATA_64, 0x77);
    cfg_writew(0, RP2, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE |
               PCI_MSI_FLAGS_64BIT);
    cfg_writew(0, RP2, PCI_COMMAND, PCI_COMMAND_MASTER);
    cfg_writew(0, RP2, exp + PCI_EXP_SLTCTL,
               cfg_readw(0, RP2, exp + PCI_EXP_SLTCTL) |
               PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_ABPE |
               PCI_EXP_SLTCTL_PDCE);
}

static guint msi_count(void)
{
    g_autoptr(JsonObject) args = json_object_new();
    JsonNode *ret;
    guint n;

    json_object_set_boolean_member(args, "clear", true);
    ret = qmp_dispatch_command("x-query-msi-log", args, &error_abort);
    n = json_array_get_length(json_node_get_array(ret));
    json_node_unref(ret);
    return n;
}

static void test_hotplug_root_port(void)
{
    uint8_t exp = cfg_find_cap(0, RP2, PCI_CAP_ID_EXP);
    uint8_t msi = cfg_find_cap(0, RP2, PCI_CAP_ID_MSI);
    DeviceState *dev;
    Error *err = NULL;
    uint16_t sta, ctl;

    g_string_truncate(deleted, 0);
    rp2_setup_guest(exp, msi);
    msi_count();

    dev = harness_device_add("pci-testdev-dma,id=hp2,bus=rp2", &error_abort);
    sta = cfg_readw(0, RP2, exp + PCI_EXP_SLTSTA);
    g_assert_true(sta & PCI_EXP_SLTSTA_PDS);
    g_assert_true(sta & PCI_EXP_SLTSTA_PDC);
    g_assert_true(cfg_readw(0, RP2, exp + PCI_EXP_LNKSTA) &
                  PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmpuint(msi_count(), ==, 1);
    g_assert_cmphex(cfg_readl(2, 0, 0), ==,
                    (PCI_DEVICE_ID_QEMU_TESTDEV_DMA << 16) | 0x1234);
    /* The guest acknowledges. */
    cfg_writew(0, RP2, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDC |
               PCI_EXP_SLTSTA_DLLSC);
    g_assert_false(cfg_readw(0, RP2, exp + PCI_EXP_SLTSTA) &
                   PCI_EXP_SLTSTA_PDC);

    /* device_del presses the attention button; the device stays. */
    g_assert_true(qdev_unplug(dev, &error_abort));
    g_assert_true(cfg_readw(0, RP2, exp + PCI_EXP_SLTSTA) &
                  PCI_EXP_SLTSTA_ABP);
    g_assert_cmpuint(msi_count(), ==, 1);
    g_assert_cmpstr(deleted->str, ==, "");
    g_assert_false(qdev_unplug(dev, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Device 'hp2' is already in the process of unplug");
    g_clear_pointer(&err, error_free);

    /* While the power indicator blinks, a new request is refused. */
    cfg_writew(0, RP2, exp + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_ABP);
    ctl = cfg_readw(0, RP2, exp + PCI_EXP_SLTCTL);
    cfg_writew(0, RP2, exp + PCI_EXP_SLTCTL,
               (ctl & ~PCI_EXP_SLTCTL_PIC) | PCI_EXP_SLTCTL_PWR_IND_BLINK);
    g_assert_cmpstr(deleted->str, ==, "");

    /* The guest powers the slot off: the function goes away. */
    cfg_writew(0, RP2, exp + PCI_EXP_SLTCTL,
               (ctl & ~PCI_EXP_SLTCTL_PIC) | PCI_EXP_SLTCTL_PWR_IND_OFF |
               PCI_EXP_SLTCTL_PWR_OFF);
    g_assert_cmpstr(deleted->str, ==, "hp2;");
    sta = cfg_readw(0, RP2, exp + PCI_EXP_SLTSTA);
    g_assert_false(sta & PCI_EXP_SLTSTA_PDS);
    g_assert_true(sta & PCI_EXP_SLTSTA_PDC);
    g_assert_cmphex(cfg_readl(2, 0, 0), ==, 0xffffffff);
    g_assert_null(qdev_find_device("hp2", NULL));
    g_assert_cmpuint(msi_count(), ==, 1);
}

static void test_hotplug_pending_reset(void)
{
    DeviceState *dev;

    g_string_truncate(deleted, 0);
    dev = harness_device_add("pci-testdev-dma,id=hp3,bus=rp2", &error_abort);
    g_assert_true(qdev_unplug(dev, &error_abort));
    g_assert_cmpstr(deleted->str, ==, "");
    /* No guest answered: the next system reset completes the unplug. */
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmpstr(deleted->str, ==, "hp3;");
    g_assert_null(qdev_find_device("hp3", NULL));
}

static void expect_add_error(const char *kv, const char *msg)
{
    Error *err = NULL;

    g_assert_null(harness_device_add(kv, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

static void test_errors(void)
{
    Error *err = NULL;

    expect_add_error("pci-testdev-dma,bus=pb",
                     "Bus 'pb' does not support hotplugging");
    expect_add_error("pci-testdev-dma,addr=04.0",
                     "PCI: slot 4 function 0 not available for "
                     "pci-testdev-dma, in use by pcie-root-port,id=rp1");
    expect_add_error("pci-testdev-dma,addr=zz",
                     "Property 'pci-testdev-dma.addr' doesn't take value "
                     "'zz'");
    expect_add_error("pci-testdev-dma,addr=20.0",
                     "Property 'pci-testdev-dma.addr' doesn't take value "
                     "'20.0'");
    expect_add_error("pci-testdev-dma,addr=04.1",
                     "PCI: single function device can't be populated in "
                     "function 4.1");
    expect_add_error("mch", "Parameter 'driver' expects a pluggable device "
                     "type");
    expect_add_error("pcie-root-port,id=rp9",
                     "Device 'pcie-root-port' does not support hotplugging");
    expect_add_error("pci-testdev-dma,bus=nosuch", "Bus 'nosuch' not found");
    expect_add_error("pci-testdev-dma,bus=rp2,addr=01.0",
                     "PCI: slot 1 is not valid for pci-testdev-dma, parent "
                     "device only allows plugging into slot 0");
    expect_add_error("pci-testdev-dma,msix-vectors=100",
                     "Property 'pci-testdev-dma.msix-vectors' doesn't take "
                     "value 100: at most 64");
    /* A failed add leaves the slot free. */
    g_assert_null(pci_find_device(pci_host_get_root_bus(), 0,
                                  PCI_DEVFN(4, 1)));

    g_assert_false(qdev_unplug(qdev_find_device("rp1", &error_abort), &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Device 'pcie-root-port' does not support hotplugging");
    g_clear_pointer(&err, error_free);
    g_assert_null(qdev_find_device("nosuch", &err));
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    g_clear_pointer(&err, error_free);
}

static void test_query_pci(void)
{
    g_autoptr(JsonObject) args = json_object_new();
    JsonNode *ret = qmp_dispatch_command("query-pci", args, &error_abort);
    JsonArray *buses = json_node_get_array(ret);
    JsonObject *bus0 = json_array_get_object_element(buses, 0);
    JsonArray *devs = json_object_get_array_member(bus0, "devices");
    JsonObject *mch = json_array_get_object_element(devs, 0);
    JsonObject *rp1 = NULL;

    g_assert_cmpint(json_object_get_int_member(bus0, "bus"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(mch, "slot"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(mch, "id"), "vendor"), ==, 0x8086);
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(mch, "id"), "device"), ==, 0x29c0);
    g_assert_cmpstr(json_object_get_string_member(
        json_object_get_object_member(mch, "class_info"), "desc"), ==,
        "Host bridge");
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);

        if (g_str_equal(json_object_get_string_member(d, "qdev_id"),
                        "rp1")) {
            rp1 = d;
        }
    }
    g_assert_nonnull(rp1);
    set_bus_numbers(RP1, 0, 1, 1);
    json_node_unref(ret);

    ret = qmp_dispatch_command("query-pci", args, &error_abort);
    devs = json_object_get_array_member(
        json_array_get_object_element(json_node_get_array(ret), 0),
        "devices");
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        JsonObject *br, *td2;
        JsonArray *regions;

        if (!json_object_has_member(d, "pci_bridge") ||
            !g_str_equal(json_object_get_string_member(d, "qdev_id"),
                         "rp1")) {
            continue;
        }
        br = json_object_get_object_member(d, "pci_bridge");
        g_assert_cmpint(json_object_get_int_member(
            json_object_get_object_member(br, "bus"), "secondary"), ==, 1);
        td2 = json_array_get_object_element(
            json_object_get_array_member(br, "devices"), 0);
        g_assert_cmpstr(json_object_get_string_member(td2, "qdev_id"), ==,
                        "td2");
        g_assert_cmpint(json_object_get_int_member(td2, "bus"), ==, 1);
        regions = json_object_get_array_member(td2, "regions");
        g_assert_cmpuint(json_array_get_length(regions), ==, 4);
        g_assert_cmpint(json_object_get_int_member(
            json_array_get_object_element(regions, 0), "size"), ==,
            1024 * 1024);
    }
    json_node_unref(ret);
}

static void test_config_fuzz(void)
{
    GRand *rand = g_rand_new_with_seed(0x5eed);
    static const unsigned sizes[] = { 1, 2, 4 };

    for (int i = 0; i < 200000; i++) {
        int bus = g_rand_int_range(rand, 0, 4);
        int devfn = g_rand_boolean(rand)
                    ? PCI_DEVFN(g_rand_int_range(rand, 3, 7), 0)
                    : g_rand_int_range(rand, 0, 256);
        unsigned len = sizes[g_rand_int_range(rand, 0, 3)];
        int reg = g_rand_int_range(rand, 0, 0x1000) & ~(len - 1);
        uint32_t val = g_rand_int(rand);
        uint64_t addr = Q35_ECAM_BASE + PCI_CONFIG_ADDR(bus, devfn, reg);

        if (g_rand_int_range(rand, 0, 4)) {
            address_space_rw(&address_space_memory, addr,
                             MEMTXATTRS_UNSPECIFIED, &val, len, true);
        } else {
            address_space_rw(&address_space_memory, addr,
                             MEMTXATTRS_UNSPECIFIED, &val, len, false);
        }
        if (!(i % 1000)) {
            /* Touch whatever got mapped, too. */
            mem_readl(0xC0000000 + g_rand_int_range(rand, 0, 0x3f000000));
        }
    }
    g_rand_free(rand);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(cfg_readl(0, 0, 0), ==, 0x29c08086);
    g_assert_cmphex(cfg_readl(0, RP1, 0), ==, 0x000c1b36);
}

/* A function's own DMA turns its slot off: it is unplugged mid-transfer. */
static void test_unplug_by_own_dma(void)
{
    uint8_t exp = cfg_find_cap(0, RP2, PCI_CAP_ID_EXP);
    const uint64_t bar = 0xC2000000ULL;
    uint16_t ctl;

    g_string_truncate(deleted, 0);
    harness_device_add("pci-testdev-dma,id=td5,bus=rp2,msix-vectors=0",
                       &error_abort);
    /* The guest powers the hot-added card's slot on. */
    ctl = cfg_readw(0, RP2, exp + PCI_EXP_SLTCTL);
    cfg_writew(0, RP2, exp + PCI_EXP_SLTCTL,
               (ctl & ~(PCI_EXP_SLTCTL_PIC | PCI_EXP_SLTCTL_PCC)) |
               PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON);
    set_bus_numbers(RP2, 0, 2, 2);
    cfg_writew(0, RP2, PCI_MEMORY_BASE, bar >> 16);
    cfg_writew(0, RP2, PCI_MEMORY_LIMIT, bar >> 16);
    cfg_writew(0, RP2, PCI_COMMAND, PCI_COMMAND_MEMORY);
    cfg_writel(2, 0, PCI_BASE_ADDRESS_0, bar);
    cfg_writew(2, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    ctl = cfg_readw(0, RP2, exp + PCI_EXP_SLTCTL);
    ctl = (ctl & ~PCI_EXP_SLTCTL_PIC) | PCI_EXP_SLTCTL_PWR_IND_OFF |
          PCI_EXP_SLTCTL_PWR_OFF;
    mem_writel(bar + TESTDEV_DMA_BUF, ctl);
    mem_writeq(bar + TESTDEV_REG_DMA_SRC, TESTDEV_DMA_BUF);
    mem_writeq(bar + TESTDEV_REG_DMA_DST,
               Q35_ECAM_BASE + PCI_CONFIG_ADDR(0, RP2, exp + PCI_EXP_SLTCTL));
    /* Two more bytes after the control word: the loop must survive. */
    mem_writeq(bar + TESTDEV_REG_DMA_COUNT, 8);
    mem_writeq(bar + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_TO_GUEST | TESTDEV_DMA_IRQ);
    g_assert_cmpstr(deleted->str, ==, "td5;");
    g_assert_cmphex(mem_readl(bar), ==, 0xffffffff);
    g_assert_cmphex(cfg_readl(2, 0, 0), ==, 0xffffffff);
}

/* Random register writes, DMA and MSI aimed anywhere, including itself. */
static void test_mmio_fuzz(void)
{
    GRand *rand = g_rand_new_with_seed(0xf00d);
    const uint64_t bar0 = 0xC1000000ULL, bar2 = 0xC1100000ULL;
    static const uint64_t targets[] = {
        0x1000, Q35_ECAM_BASE, 0xfee00000ULL, 0xC1000000ULL, 0xC1100000ULL,
        0xC1040000ULL, 0xfffffff0ULL,
    };
    uint8_t msi;

    set_bus_numbers(RP1, 0, 1, 1);
    cfg_writew(0, RP1, PCI_MEMORY_BASE, bar0 >> 16);
    cfg_writew(0, RP1, PCI_MEMORY_LIMIT, bar2 >> 16);
    cfg_writew(0, RP1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar0);
    cfg_writel(1, 0, PCI_BASE_ADDRESS_2, bar2);
    cfg_writew(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    msi = cfg_find_cap(1, 0, PCI_CAP_ID_MSI);

    for (int i = 0; i < 20000; i++) {
        uint64_t target = targets[g_rand_int_range(rand, 0, 7)] +
                          g_rand_int_range(rand, 0, 0x100);
        uint32_t val = g_rand_int(rand);

        switch (g_rand_int_range(rand, 0, 6)) {
        case 0:
            mem_writeq(bar0 + TESTDEV_REG_DMA_SRC,
                       g_rand_boolean(rand) ? target : TESTDEV_DMA_BUF +
                       g_rand_int_range(rand, 0, 4096));
            mem_writeq(bar0 + TESTDEV_REG_DMA_DST,
                       g_rand_boolean(rand) ? target : TESTDEV_DMA_BUF);
            mem_writeq(bar0 + TESTDEV_REG_DMA_COUNT,
                       g_rand_int_range(rand, 0, 5000));
            mem_writeq(bar0 + TESTDEV_REG_DMA_CMD, val & 7);
            break;
        case 1:
            cfg_writel(1, 0, msi + PCI_MSI_ADDRESS_LO, target);
            cfg_writew(1, 0, msi + PCI_MSI_DATA_64, val);
            cfg_writew(1, 0, msi + PCI_MSI_FLAGS, val);
            break;
        case 2:
            mem_writel(bar2 + g_rand_int_range(rand, 0, 0x1000) * 4 % 0x1000,
                       g_rand_boolean(rand) ? (uint32_t)target : val);
            break;
        case 3:
            mem_writel(bar0 + (g_rand_int_range(rand, 0, 0x28) * 4), val);
            break;
        case 4:
            cfg_writew(1, 0, cfg_find_cap(1, 0, PCI_CAP_ID_MSIX) +
                       PCI_MSIX_FLAGS, val);
            break;
        default:
            mem_writel(bar0 + TESTDEV_REG_IRQ_RAISE, val);
            mem_writel(bar0 + TESTDEV_REG_IRQ_ACK, ~val);
            break;
        }
        /* Keep the device reachable whatever the DMA did to config. */
        if (!(i % 64)) {
            set_bus_numbers(RP1, 0, 1, 1);
            cfg_writew(0, RP1, PCI_MEMORY_BASE, bar0 >> 16);
            cfg_writew(0, RP1, PCI_MEMORY_LIMIT, bar2 >> 16);
            cfg_writew(0, RP1, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
            cfg_writel(1, 0, PCI_BASE_ADDRESS_0, bar0);
            cfg_writel(1, 0, PCI_BASE_ADDRESS_2, bar2);
            cfg_writew(1, 0, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        }
    }
    g_rand_free(rand);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(cfg_readl(0, 0, 0), ==, 0x29c08086);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    harness_machine_new(512 * 1024 * 1024);
    harness_device_add("pcie-root-port,id=rp1,addr=04.0,chassis=1,slot=1",
                       &error_abort);
    harness_device_add("pci-testdev-dma,id=td2,bus=rp1", &error_abort);
    harness_device_add("pcie-root-port,id=rp2,addr=05.0,chassis=2,slot=2",
                       &error_abort);
    harness_device_add("pcie-pci-bridge,id=pb,addr=06.0", &error_abort);
    harness_device_add("pci-testdev-dma,id=td4,bus=pb,addr=02.0",
                       &error_abort);
    harness_machine_done();
    deleted = g_string_new(NULL);
    qdev_add_deleted_notifier(on_deleted, NULL);

    g_test_add_func("/bridge/enumeration", test_enumeration);
    g_test_add_func("/bridge/windows", test_windows);
    g_test_add_func("/bridge/intx-swizzle", test_intx_swizzle);
    g_test_add_func("/bridge/bus-reset", test_bus_reset);
    g_test_add_func("/hotplug/root-bus", test_hotplug_root_bus);
    g_test_add_func("/hotplug/root-port", test_hotplug_root_port);
    g_test_add_func("/hotplug/pending-reset", test_hotplug_pending_reset);
    g_test_add_func("/hotplug/errors", test_errors);
    g_test_add_func("/qmp/query-pci", test_query_pci);
    g_test_add_func("/robustness/unplug-by-own-dma", test_unplug_by_own_dma);
    g_test_add_func("/robustness/mmio-fuzz", test_mmio_fuzz);
    g_test_add_func("/robustness/config-fuzz", test_config_fuzz);
    return g_test_run();
}
