/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI on the q35 machine, driven as a guest would: configuration through
 * CF8/CFC and ECAM, BAR sizing and mapping, INTx levels at the interrupt
 * controller, MSI and MSI-X at the doorbell, bus-master DMA
 */
#include "pci-harness.h"
#include "hw/misc/pci-testdev-dma.h"
#include "hw/pci/msix.h"
#include "qemu/timer.h"
#include "monitor/qmp.h"

#define TD_DEVFN PCI_DEVFN(3, 0)
#define TD_BAR0 0xC0000000ULL
#define TD_BAR2 0xC0200000ULL
#define TD_IO 0xc000

static void test_host_bridge(void)
{
    g_assert_cmphex(cfg_readl(0, 0, PCI_VENDOR_ID), ==, 0x29c08086);
    g_assert_cmphex(ecam_readl(0, 0, PCI_VENDOR_ID), ==, 0x29c08086);
    g_assert_cmphex(cfg_readw(0, 0, PCI_CLASS_DEVICE), ==, 0x0600);
    g_assert_cmphex(cfg_readb(0, 0, PCI_HEADER_TYPE), ==, 0);
    /* Nothing at 00:1f.0 or on bus 7. */
    g_assert_cmphex(cfg_readl(0, PCI_DEVFN(31, 0), 0), ==, 0xffffffff);
    g_assert_cmphex(ecam_readl(7, 0, 0), ==, 0xffffffff);
    /* Without the enable bit, CFC reads all ones. */
    outl_inl(0xcf8, true, 0);
    g_assert_cmphex(outl_inl(0xcfc, false, 0), ==, 0xffffffff);
    g_assert_cmphex(outl_inl(0xcf8, false, 0), ==, 0);
    /* The header is read-only. */
    cfg_writel(0, 0, PCI_VENDOR_ID, 0x12345678);
    g_assert_cmphex(cfg_readl(0, 0, PCI_VENDOR_ID), ==, 0x29c08086);
}

static void test_ram_layout(void)
{
    MachineState *ms = qdev_get_machine();

    g_assert_cmpuint(ms->ram_size, ==, 0xC0000000ULL);
    mem_writel(0x1000, 0xdeadbeef);
    g_assert_cmphex(mem_readl(0x1000), ==, 0xdeadbeef);
    /* The part of RAM above the hole shows at 4G. */
    mem_writel(Q35_ABOVE_4G_BASE + 0x10, 0x600df00d);
    g_assert_cmphex(mem_readl(Q35_ABOVE_4G_BASE + 0x10), ==, 0x600df00d);
    g_assert_cmphex(*(uint32_t *)((uint8_t *)memory_region_get_ram_ptr(
                        ms->ram) + Q35_PCI_HOLE_START + 0x10),
                    ==, 0x600df00d);
    /* Nothing decodes just below the ECAM base above RAM... */
    g_assert_cmphex(mem_readl(Q35_MSI_DOORBELL_BASE - 0x100000), ==,
                    0xffffffff);
    g_assert_cmpuint(q35_pci_hole64_start(), ==, 0x140000000ULL);
}

static void test_enumeration(void)
{
    g_assert_cmphex(cfg_readl(0, TD_DEVFN, 0), ==,
                    (PCI_DEVICE_ID_QEMU_TESTDEV_DMA << 16) | 0x1234);
    g_assert_cmphex(cfg_readw(0, TD_DEVFN, PCI_CLASS_DEVICE), ==, 0xff00);
    g_assert_cmphex(cfg_readb(0, TD_DEVFN, PCI_INTERRUPT_PIN), ==, 1);
    g_assert_true(cfg_readw(0, TD_DEVFN, PCI_STATUS) & PCI_STATUS_CAP_LIST);
    g_assert_cmpuint(cfg_find_cap(0, TD_DEVFN, PCI_CAP_ID_MSI), !=, 0);
    g_assert_cmpuint(cfg_find_cap(0, TD_DEVFN, PCI_CAP_ID_MSIX), !=, 0);
    g_assert_cmpuint(cfg_find_cap(0, TD_DEVFN, PCI_CAP_ID_EXP), !=, 0);
    /* Extended space through ECAM only: the serial number capability. */
    g_assert_cmphex(ecam_readl(0, TD_DEVFN, 0x100) & 0xffff, ==,
                    PCI_EXT_CAP_ID_DSN);
    /* Unaligned or oversized ECAM accesses are harmless. */
    g_assert_cmphex(ecam_readl(0, TD_DEVFN, 0x1000 - 4) , ==, 0);
}

static void test_bar_sizing(void)
{
    static const struct {
        int reg;
        uint32_t sized;
    } bars[] = {
        { PCI_BASE_ADDRESS_0, 0xfff00000 },     /* 1 MiB mmio */
        { PCI_BASE_ADDRESS_1, 0xffffff01 },     /* 256 bytes of I/O */
        { PCI_BASE_ADDRESS_2, 0xfffff000 },     /* MSI-X, 4 KiB */
        { PCI_BASE_ADDRESS_3, 0 },
        { PCI_BASE_ADDRESS_4, 0xfff0000c },     /* 64-bit prefetchable */
        { PCI_BASE_ADDRESS_5, 0xffffffff },     /* upper half of BAR4 */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bars); i++) {
        uint32_t old = cfg_readl(0, TD_DEVFN, bars[i].reg);

        cfg_writel(0, TD_DEVFN, bars[i].reg, 0xffffffff);
        g_assert_cmphex(cfg_readl(0, TD_DEVFN, bars[i].reg), ==,
                        bars[i].sized);
        cfg_writel(0, TD_DEVFN, bars[i].reg, old);
    }
}

static void td_map_bars(void)
{
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_1, TD_IO);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_2, TD_BAR2);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY |
               PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}

static void test_bar_mapping(void)
{
    PCIDevice *td = PCI_DEVICE(qdev_find_device("td", &error_abort));
    uint64_t hole64 = q35_pci_hole64_start();

    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0);
    /* Memory decoding off: nothing there yet. */
    g_assert_cmphex(mem_readl(TD_BAR0), ==, 0xffffffff);
    g_assert_cmphex(pci_get_bar_addr(td, 0), ==, PCI_BAR_UNMAPPED);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmphex(mem_readl(TD_BAR0), ==, TESTDEV_ID_VALUE);
    g_assert_cmphex(pci_get_bar_addr(td, 0), ==, TD_BAR0);
    mem_writel(TD_BAR0 + TESTDEV_REG_LIVENESS, 0x12345678);
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_REG_LIVENESS), ==,
                    ~0x12345678u);

    /* Moving the BAR unmaps the old address. */
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0 + 0x100000);
    g_assert_cmphex(mem_readl(TD_BAR0), ==, 0xffffffff);
    g_assert_cmphex(mem_readl(TD_BAR0 + 0x100000), ==, TESTDEV_ID_VALUE);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0);

    /* I/O BAR needs I/O decoding. */
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_1, TD_IO);
    g_assert_cmphex(outl_inl(TD_IO, false, 0), ==, 0xffffffff);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    g_assert_cmphex(outl_inl(TD_IO, false, 0), ==, TESTDEV_ID_VALUE);

    /* 64-bit BAR above 4G, backed by RAM. */
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_4, (uint32_t)hole64);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_5, hole64 >> 32);
    mem_writeq(hole64 + 8, 0x1122334455667788ULL);
    g_assert_cmphex(mem_readq(hole64 + 8), ==, 0x1122334455667788ULL);
    g_assert_cmphex(pci_get_bar_addr(td, 4), ==, hole64);

    /* A 32-bit BAR at the sizing pattern is never mapped. */
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0xffffffff);
    g_assert_cmphex(pci_get_bar_addr(td, 0), ==, PCI_BAR_UNMAPPED);
    /* A BAR over RAM is hidden by RAM. */
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0x100000);
    mem_writel(0x100000, 0xcafe);
    g_assert_cmphex(mem_readl(0x100000), ==, 0xcafe);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0);

    /* Disabling memory decoding unmaps every memory BAR. */
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_IO);
    g_assert_cmphex(mem_readl(TD_BAR0), ==, 0xffffffff);
    g_assert_cmphex(mem_readq(hole64 + 8), ==, ~0ULL);
    g_assert_cmphex(outl_inl(TD_IO, false, 0), ==, TESTDEV_ID_VALUE);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, 0);
}

static int intx_gsi(void)
{
    return Q35_PIRQ_GSI_BASE + (3 + 0) % Q35_NUM_PIRQS;
}

static void test_intx(void)
{
    td_map_bars();
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 0);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 1);
    g_assert_true(cfg_readw(0, TD_DEVFN, PCI_STATUS) & PCI_STATUS_INTERRUPT);

    /* INTx disable masks the line but not the status bit. */
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY |
               PCI_COMMAND_INTX_DISABLE);
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 0);
    g_assert_true(cfg_readw(0, TD_DEVFN, PCI_STATUS) & PCI_STATUS_INTERRUPT);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 1);

    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 1);
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 0);
    g_assert_false(cfg_readw(0, TD_DEVFN, PCI_STATUS) &
                   PCI_STATUS_INTERRUPT);
}

static JsonArray *msi_log(bool clear)
{
    g_autoptr(JsonObject) args = json_object_new();
    JsonNode *ret;
    JsonArray *arr;

    json_object_set_boolean_member(args, "clear", clear);
    ret = qmp_dispatch_command("x-query-msi-log", args, &error_abort);
    arr = json_array_ref(json_node_get_array(ret));
    json_node_unref(ret);
    return arr;
}

static void assert_one_msi(uint64_t addr, uint32_t data, uint16_t rid)
{
    g_autoptr(JsonArray) log = msi_log(true);
    JsonObject *e;

    g_assert_cmpuint(json_array_get_length(log), ==, 1);
    e = json_array_get_object_element(log, 0);
    g_assert_cmphex(json_object_get_int_member(e, "address"), ==, addr);
    g_assert_cmphex(json_object_get_int_member(e, "data"), ==, data);
    g_assert_cmphex(json_object_get_int_member(e, "requester-id"), ==, rid);
}

static void assert_no_msi(void)
{
    g_autoptr(JsonArray) log = msi_log(true);

    g_assert_cmpuint(json_array_get_length(log), ==, 0);
}

static void test_msi(void)
{
    uint8_t cap = cfg_find_cap(0, TD_DEVFN, PCI_CAP_ID_MSI);
    uint16_t flags;

    td_map_bars();
    g_autoptr(JsonArray) drop = msi_log(true);
    flags = cfg_readw(0, TD_DEVFN, cap + PCI_MSI_FLAGS);
    g_assert_true(flags & PCI_MSI_FLAGS_64BIT);
    g_assert_true(flags & PCI_MSI_FLAGS_MASKBIT);
    cfg_writel(0, TD_DEVFN, cap + PCI_MSI_ADDRESS_LO, 0xfee01000);
    cfg_writel(0, TD_DEVFN, cap + PCI_MSI_ADDRESS_HI, 0);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSI_DATA_64, 0x4321);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSI_FLAGS,
               flags | PCI_MSI_FLAGS_ENABLE);

    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_one_msi(0xfee01000, 0x4321, TD_DEVFN);
    /* MSI replaces INTx. */
    g_assert_cmpint(ioapic_get_level(intx_gsi()), ==, 0);
    g_assert_cmphex(mem_readl(0xfee01000), ==, 0x4321);

    /* Masked: pending, delivered on unmask. */
    cfg_writel(0, TD_DEVFN, cap + PCI_MSI_MASK_64, 1);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_no_msi();
    g_assert_cmphex(cfg_readl(0, TD_DEVFN, cap + PCI_MSI_PENDING_64), ==, 1);
    cfg_writel(0, TD_DEVFN, cap + PCI_MSI_MASK_64, 0);
    assert_one_msi(0xfee01000, 0x4321, TD_DEVFN);
    g_assert_cmphex(cfg_readl(0, TD_DEVFN, cap + PCI_MSI_PENDING_64), ==, 0);

    /* Without bus mastering the message goes nowhere. */
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_no_msi();

    cfg_writew(0, TD_DEVFN, cap + PCI_MSI_FLAGS, flags);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 0xffffffff);
}

static void test_msix(void)
{
    uint8_t cap = cfg_find_cap(0, TD_DEVFN, PCI_CAP_ID_MSIX);
    uint32_t table = cfg_readl(0, TD_DEVFN, cap + PCI_MSIX_TABLE);
    uint32_t pba = cfg_readl(0, TD_DEVFN, cap + PCI_MSIX_PBA);
    uint64_t entry1;
    uint16_t ctrl = cfg_readw(0, TD_DEVFN, cap + PCI_MSIX_FLAGS);

    g_assert_cmpuint(ctrl & PCI_MSIX_FLAGS_QSIZE, ==, 3);
    g_assert_cmpuint(table & PCI_MSIX_TABLE_BIR, ==, 2);
    g_assert_cmpuint(pba & PCI_MSIX_PBA_BIR, ==, 2);
    td_map_bars();
    g_autoptr(JsonArray) drop = msi_log(true);
    entry1 = TD_BAR2 + (table & ~7u) + PCI_MSIX_ENTRY_SIZE;

    /* Vectors start masked. */
    g_assert_cmphex(mem_readl(entry1 + PCI_MSIX_ENTRY_VECTOR_CTRL), ==, 1);
    mem_writel(entry1 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee02000);
    mem_writel(entry1 + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    mem_writel(entry1 + PCI_MSIX_ENTRY_DATA, 0x55);
    mem_writel(entry1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSIX_FLAGS,
               PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    mem_writel(TD_BAR0 + TESTDEV_REG_VECTOR, 1);

    /* Function masked: the vector is pending in the PBA. */
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_no_msi();
    g_assert_cmphex(mem_readl(TD_BAR2 + (pba & ~7u)), ==, 2);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
    assert_one_msi(0xfee02000, 0x55, TD_DEVFN);
    g_assert_cmphex(mem_readl(TD_BAR2 + (pba & ~7u)), ==, 0);

    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_one_msi(0xfee02000, 0x55, TD_DEVFN);

    /* Per-vector mask. */
    mem_writel(entry1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_RAISE, 1);
    assert_no_msi();
    mem_writel(entry1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    assert_one_msi(0xfee02000, 0x55, TD_DEVFN);

    mem_writel(entry1 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSIX_FLAGS, 0);
    mem_writel(TD_BAR0 + TESTDEV_REG_VECTOR, 0);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 0xffffffff);
}

static int use_calls, release_calls;

static int count_use(PCIDevice *dev, unsigned int vector, MSIMessage msg)
{
    use_calls++;
    return 0;
}

static void count_release(PCIDevice *dev, unsigned int vector)
{
    release_calls++;
}

static void test_msix_notifiers(void)
{
    PCIDevice *td = PCI_DEVICE(qdev_find_device("td", &error_abort));
    uint8_t cap = td->msix_cap;
    uint32_t table = pci_get_long(td->config + cap + PCI_MSIX_TABLE) & ~7u;

    td_map_bars();
    cfg_writew(0, TD_DEVFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
    g_assert_cmpint(msix_set_vector_notifiers(td, count_use, count_release,
                                              NULL), ==, 0);
    g_assert_cmpint(use_calls, ==, 0);      /* all vectors masked */
    mem_writel(TD_BAR2 + table + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    g_assert_cmpint(use_calls, ==, 1);
    g_assert_false(msix_is_masked(td, 0));
    mem_writel(TD_BAR2 + table + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    g_assert_cmpint(release_calls, ==, 1);
    mem_writel(TD_BAR2 + table + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    msix_unset_vector_notifiers(td);
    g_assert_cmpint(release_calls, ==, 2);
    cfg_writew(0, TD_DEVFN, cap + PCI_MSIX_FLAGS, 0);
}

static void test_dma(void)
{
    uint8_t pattern[256], back[256];

    td_map_bars();
    for (int i = 0; i < 256; i++) {
        pattern[i] = i ^ 0x5a;
    }
    address_space_write(&address_space_memory, 0x300000,
                        MEMTXATTRS_UNSPECIFIED, pattern, sizeof(pattern));
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_SRC, 0x300000);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_DST, TESTDEV_DMA_BUF + 16);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_COUNT, sizeof(pattern));
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_IRQ);
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_REG_IRQ_STATUS), ==,
                    TESTDEV_IRQ_DMA_DONE);
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_DMA_BUF + 16), ==,
                    0x59585b5a);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 0xffffffff);

    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_SRC, TESTDEV_DMA_BUF + 16);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_DST, 0x400000);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_TO_GUEST);
    address_space_read(&address_space_memory, 0x400000,
                       MEMTXATTRS_UNSPECIFIED, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));

    /* Without bus mastering DMA fails. */
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_TO_GUEST);
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_REG_IRQ_STATUS), ==,
                    TESTDEV_IRQ_DMA_ERROR);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 0xffffffff);
    /* An out-of-range buffer offset is refused without copying. */
    td_map_bars();
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_SRC, TESTDEV_DMA_BUF + 4000);
    mem_writeq(TD_BAR0 + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_TO_GUEST);
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_REG_IRQ_STATUS), ==,
                    TESTDEV_IRQ_DMA_ERROR);
    mem_writel(TD_BAR0 + TESTDEV_REG_IRQ_ACK, 0xffffffff);
}

#define TD3_DEVFN PCI_DEVFN(7, 0)
#define TD3_BAR0 0xC0400000ULL

static void test_dma_delayed(void)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    cfg_writel(0, TD3_DEVFN, PCI_BASE_ADDRESS_0, TD3_BAR0);
    cfg_writew(0, TD3_DEVFN, PCI_COMMAND,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    mem_writel(0x500000, 0xabcdef01);
    mem_writeq(TD3_BAR0 + TESTDEV_REG_DMA_SRC, 0x500000);
    mem_writeq(TD3_BAR0 + TESTDEV_REG_DMA_DST, TESTDEV_DMA_BUF);
    mem_writeq(TD3_BAR0 + TESTDEV_REG_DMA_COUNT, 4);
    mem_writeq(TD3_BAR0 + TESTDEV_REG_DMA_CMD,
               TESTDEV_DMA_START | TESTDEV_DMA_IRQ);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_REG_DMA_CMD) & 1, ==, 1);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_REG_IRQ_STATUS), ==, 0);
    qemu_clock_advance_virtual(now + 999);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_REG_IRQ_STATUS), ==, 0);
    qemu_clock_advance_virtual(now + 1000);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_REG_DMA_CMD) & 1, ==, 0);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_REG_IRQ_STATUS), ==,
                    TESTDEV_IRQ_DMA_DONE);
    g_assert_cmphex(mem_readl(TD3_BAR0 + TESTDEV_DMA_BUF), ==, 0xabcdef01);
    /* Frozen after realize. */
    g_assert_false(object_property_set_uint(
        OBJECT(qdev_find_device("td3", &error_abort)), "dma-delay-ns", 5,
        NULL));
    cfg_writew(0, TD3_DEVFN, PCI_COMMAND, 0);
}

static void test_reset(void)
{
    td_map_bars();
    mem_writel(TD_BAR0 + TESTDEV_REG_LIVENESS, 7);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmphex(cfg_readw(0, TD_DEVFN, PCI_COMMAND), ==, 0);
    g_assert_cmphex(cfg_readl(0, TD_DEVFN, PCI_BASE_ADDRESS_0), ==, 0);
    g_assert_cmphex(cfg_readl(0, TD_DEVFN, PCI_BASE_ADDRESS_4), ==, 0xc);
    g_assert_cmphex(mem_readl(TD_BAR0), ==, 0xffffffff);
    td_map_bars();
    g_assert_cmphex(mem_readl(TD_BAR0 + TESTDEV_REG_LIVENESS), ==,
                    0xffffffff);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, 0);
}

/*
 * A toy vIOMMU for 00:05.0: its DMA address space shows guest memory
 * from 0x600000 at IOVA 0.
 */
#define IOMMU_DEVFN PCI_DEVFN(5, 0)
#define IOMMU_BAR0 0xC0800000ULL

static MemoryRegion iova_root, iova_window;
static AddressSpace iova_as;
static int iommu_devices_set;

static AddressSpace *toy_iommu_as(PCIBus *bus, void *opaque, int devfn)
{
    return devfn == IOMMU_DEVFN ? &iova_as : NULL;
}

static bool toy_iommu_set_device(PCIBus *bus, void *opaque, int devfn,
                                 HostIOMMUDevice *hiod, Error **errp)
{
    if (devfn != IOMMU_DEVFN) {
        error_setg(errp, "toy IOMMU: devfn %d is not mine", devfn);
        return false;
    }
    iommu_devices_set++;
    return true;
}

static const PCIIOMMUOps toy_iommu_ops = {
    .get_address_space = toy_iommu_as,
    .set_iommu_device = toy_iommu_set_device,
};

static void toy_iommu_init(void)
{
    memory_region_init(&iova_root, NULL, "iova", UINT64_MAX);
    memory_region_init_alias(&iova_window, NULL, "iova-window",
                             get_system_memory(), 0x600000, 0x100000);
    memory_region_add_subregion(&iova_root, 0, &iova_window);
    address_space_init(&iova_as, &iova_root, "toy-iommu");
    pci_setup_iommu(pci_host_get_root_bus(), &toy_iommu_ops, NULL);
}

static void test_iommu_dma(void)
{
    PCIDevice *dev = PCI_DEVICE(qdev_find_device("tdi", &error_abort));
    PCIDevice *td = PCI_DEVICE(qdev_find_device("td", &error_abort));
    Error *err = NULL;

    g_assert_true(pci_device_iommu_address_space(dev) == &iova_as);
    g_assert_true(pci_device_iommu_address_space(td) ==
                  &address_space_memory);
    g_assert_true(pci_device_set_iommu_device(dev, NULL, &error_abort));
    g_assert_cmpint(iommu_devices_set, ==, 1);
    g_assert_false(pci_device_set_iommu_device(td, NULL, &err));
    error_free(err);

    mem_writel(0x600010, 0x10c0ffee);
    cfg_writel(0, IOMMU_DEVFN, PCI_BASE_ADDRESS_0, IOMMU_BAR0);
    cfg_writew(0, IOMMU_DEVFN, PCI_COMMAND,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_SRC, 0x10);
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_DST, TESTDEV_DMA_BUF);
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_COUNT, 4);
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_CMD, TESTDEV_DMA_START);
    g_assert_cmphex(mem_readl(IOMMU_BAR0 + TESTDEV_DMA_BUF), ==, 0x10c0ffee);
    /* Outside the IOMMU's window the transfer fails. */
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_SRC, 0x100000);
    mem_writeq(IOMMU_BAR0 + TESTDEV_REG_DMA_CMD, TESTDEV_DMA_START);
    g_assert_cmphex(mem_readl(IOMMU_BAR0 + TESTDEV_REG_IRQ_STATUS), ==,
                    TESTDEV_IRQ_DMA_ERROR);
    cfg_writew(0, IOMMU_DEVFN, PCI_COMMAND, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    harness_machine_new(0xC0000000ULL);
    harness_device_add("pci-testdev-dma,id=td,addr=03.0", &error_abort);
    harness_device_add("pci-testdev-dma,id=td3,addr=07.0,dma-delay-ns=1000",
                       &error_abort);
    toy_iommu_init();
    harness_device_add("pci-testdev-dma,id=tdi,addr=05.0", &error_abort);
    harness_machine_done();

    g_test_add_func("/q35/host-bridge", test_host_bridge);
    g_test_add_func("/q35/ram-layout", test_ram_layout);
    g_test_add_func("/pci/enumeration", test_enumeration);
    g_test_add_func("/pci/bar-sizing", test_bar_sizing);
    g_test_add_func("/pci/bar-mapping", test_bar_mapping);
    g_test_add_func("/pci/intx", test_intx);
    g_test_add_func("/pci/msi", test_msi);
    g_test_add_func("/pci/msix", test_msix);
    g_test_add_func("/pci/msix-notifiers", test_msix_notifiers);
    g_test_add_func("/pci/dma", test_dma);
    g_test_add_func("/pci/dma-delayed", test_dma_delayed);
    g_test_add_func("/pci/iommu-dma", test_iommu_dma);
    g_test_add_func("/pci/reset", test_reset);
    return g_test_run();
}
