/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI on q35 over the qtest protocol: enumeration, BAR sizing and
 * mapping, INTx at the interrupt controller, MSI and MSI-X at the
 * doorbell, DMA timed on the virtual clock
 */
#include "pci-qtest.h"

#define TD DEVFN(3, 0)
#define BAR0 0xC0000000ULL
#define BAR2 0xC0200000ULL
#define GSI (16 + (3 + 0) % 8)

static QTestState *start(void)
{
    return qtest_init("-device pci-testdev-dma,id=td,addr=03.0,"
                      "dma-delay-ns=100000");
}

static void map_td(QTestState *s)
{
    cfg_writel(s, 0, TD, PCI_BASE_ADDRESS_0, BAR0);
    cfg_writel(s, 0, TD, PCI_BASE_ADDRESS_2, BAR2);
    cfg_writew(s, 0, TD, PCI_COMMAND, PCI_COMMAND_MEMORY |
               PCI_COMMAND_MASTER);
}

static void test_enumeration(void)
{
    QTestState *s = start();

    g_assert_cmphex(qtest_pci_cfg_readl(s, 0, 0), ==, 0x29c08086);
    g_assert_cmphex(cfg_readl(s, 0, 0, 0), ==, 0x29c08086);
    g_assert_cmphex(qtest_pci_cfg_readl(s, TD, 0), ==, TESTDEV_ID);
    for (int slot = 1; slot < 32; slot++) {
        if (slot != 3) {
            g_assert_cmphex(cfg_readl(s, 0, DEVFN(slot, 0), 0), ==,
                            0xffffffff);
        }
    }
    g_assert_cmphex(cfg_readl(s, 9, 0, 0), ==, 0xffffffff);
    g_assert_cmpuint(cfg_find_cap(s, 0, TD, PCI_CAP_ID_EXP), !=, 0);
    g_assert_cmphex(cfg_readl(s, 0, TD, 0x100) & 0xffff, ==,
                    PCI_EXT_CAP_ID_DSN);
    qtest_quit(s);
}

static void test_bars(void)
{
    QTestState *s = start();
    static const uint32_t sized[6] = {
        0xfff00000, 0xffffff01, 0xfffff000, 0, 0xfff0000c, 0xffffffff,
    };

    for (int i = 0; i < 6; i++) {
        int reg = PCI_BASE_ADDRESS_0 + 4 * i;

        cfg_writel(s, 0, TD, reg, 0xffffffff);
        g_assert_cmphex(cfg_readl(s, 0, TD, reg), ==, sized[i]);
        cfg_writel(s, 0, TD, reg, 0);
    }
    cfg_writel(s, 0, TD, PCI_BASE_ADDRESS_0, BAR0);
    g_assert_cmphex(qtest_readl(s, BAR0), ==, 0xffffffff);
    cfg_writew(s, 0, TD, PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmphex(qtest_readl(s, BAR0), ==, 0x010000ed);
    qtest_writel(s, BAR0 + TD_REG_LIVENESS, 0x0f0f0f0f);
    g_assert_cmphex(qtest_readl(s, BAR0 + TD_REG_LIVENESS), ==, 0xf0f0f0f0);
    cfg_writel(s, 0, TD, PCI_BASE_ADDRESS_0, BAR0 + 0x100000);
    g_assert_cmphex(qtest_readl(s, BAR0), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, BAR0 + 0x100000), ==, 0x010000ed);

    cfg_writel(s, 0, TD, PCI_BASE_ADDRESS_1, 0xc100);
    cfg_writew(s, 0, TD, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    g_assert_cmphex(qtest_inl(s, 0xc100), ==, 0x010000ed);
    cfg_writew(s, 0, TD, PCI_COMMAND, 0);
    g_assert_cmphex(qtest_inl(s, 0xc100), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, BAR0 + 0x100000), ==, 0xffffffff);
    qtest_quit(s);
}

static void test_intx(void)
{
    QTestState *s = start();

    qtest_irq_intercept_in(s, "/machine/ioapic");
    map_td(s);
    g_assert_false(qtest_get_irq(s, GSI));
    qtest_writel(s, BAR0 + TD_REG_IRQ_RAISE, 1);
    g_assert_true(qtest_get_irq(s, GSI));
    cfg_writew(s, 0, TD, PCI_COMMAND, PCI_COMMAND_MEMORY |
               PCI_COMMAND_INTX_DISABLE);
    g_assert_false(qtest_get_irq(s, GSI));
    cfg_writew(s, 0, TD, PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_true(qtest_get_irq(s, GSI));
    qtest_writel(s, BAR0 + TD_REG_IRQ_ACK, 1);
    g_assert_false(qtest_get_irq(s, GSI));
    qtest_quit(s);
}

static void test_msi(void)
{
    QTestState *s = start();
    uint8_t cap = cfg_find_cap(s, 0, TD, PCI_CAP_ID_MSI);

    map_td(s);
    cfg_writel(s, 0, TD, cap + PCI_MSI_ADDRESS_LO, 0xfee00000);
    cfg_writel(s, 0, TD, cap + PCI_MSI_ADDRESS_HI, 0);
    cfg_writew(s, 0, TD, cap + PCI_MSI_DATA_64, 0x41);
    cfg_writew(s, 0, TD, cap + PCI_MSI_FLAGS,
               cfg_readw(s, 0, TD, cap + PCI_MSI_FLAGS) |
               PCI_MSI_FLAGS_ENABLE);
    qtest_writel(s, BAR0 + TD_REG_IRQ_RAISE, 1);
    assert_msi(s, 0xfee00000, 0x41);
    g_assert_cmphex(qtest_readl(s, 0xfee00000), ==, 0x41);
    cfg_writel(s, 0, TD, cap + PCI_MSI_MASK_64, 1);
    qtest_writel(s, BAR0 + TD_REG_IRQ_RAISE, 1);
    assert_no_msi(s);
    cfg_writel(s, 0, TD, cap + PCI_MSI_MASK_64, 0);
    assert_msi(s, 0xfee00000, 0x41);
    qtest_quit(s);
}

static void test_msix(void)
{
    QTestState *s = start();
    uint8_t cap = cfg_find_cap(s, 0, TD, PCI_CAP_ID_MSIX);
    uint32_t table = cfg_readl(s, 0, TD, cap + PCI_MSIX_TABLE) & ~7u;
    uint32_t pba = cfg_readl(s, 0, TD, cap + PCI_MSIX_PBA) & ~7u;
    uint64_t e2 = BAR2 + table + 2 * PCI_MSIX_ENTRY_SIZE;

    map_td(s);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee0f000);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_DATA, 0x99);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qtest_writel(s, BAR0 + TD_REG_VECTOR, 2);
    cfg_writew(s, 0, TD, cap + PCI_MSIX_FLAGS,
               PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    qtest_writel(s, BAR0 + TD_REG_IRQ_RAISE, 1);
    assert_no_msi(s);
    g_assert_cmphex(qtest_readl(s, BAR2 + pba), ==, 4);
    cfg_writew(s, 0, TD, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
    assert_msi(s, 0xfee0f000, 0x99);
    g_assert_cmphex(qtest_readl(s, BAR2 + pba), ==, 0);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    qtest_writel(s, BAR0 + TD_REG_IRQ_RAISE, 1);
    assert_no_msi(s);
    qtest_writel(s, e2 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    assert_msi(s, 0xfee0f000, 0x99);
    qtest_quit(s);
}

static void test_dma(void)
{
    QTestState *s = start();
    uint8_t out[64], in[64];

    for (int i = 0; i < 64; i++) {
        out[i] = 3 * i + 1;
    }
    qtest_memwrite(s, 0x200000, out, sizeof(out));
    map_td(s);
    qtest_writeq(s, BAR0 + TD_REG_DMA_SRC, 0x200000);
    qtest_writeq(s, BAR0 + TD_REG_DMA_DST, TD_DMA_BUF);
    qtest_writeq(s, BAR0 + TD_REG_DMA_COUNT, sizeof(out));
    qtest_writeq(s, BAR0 + TD_REG_DMA_CMD, 1 | 4);
    g_assert_cmphex(qtest_readl(s, BAR0 + TD_REG_DMA_CMD) & 1, ==, 1);
    qtest_clock_step(s, 100000);
    g_assert_cmphex(qtest_readl(s, BAR0 + TD_REG_DMA_CMD) & 1, ==, 0);
    g_assert_cmphex(qtest_readl(s, BAR0 + TD_REG_IRQ_STATUS), ==, 0x100);

    qtest_writeq(s, BAR0 + TD_REG_DMA_SRC, TD_DMA_BUF);
    qtest_writeq(s, BAR0 + TD_REG_DMA_DST, 0x300000);
    qtest_writeq(s, BAR0 + TD_REG_DMA_CMD, 1 | 2);
    qtest_clock_step(s, -1);
    qtest_memread(s, 0x300000, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    qtest_quit(s);
}

static void test_system_reset(void)
{
    QTestState *s = start();
    g_autoptr(JsonObject) rsp = NULL;

    map_td(s);
    rsp = qtest_qmp(s, "{'execute': 'system_reset'}");
    qmp_expect_return(rsp);
    g_assert_cmphex(cfg_readw(s, 0, TD, PCI_COMMAND), ==, 0);
    g_assert_cmphex(cfg_readl(s, 0, TD, PCI_BASE_ADDRESS_0), ==, 0);
    g_assert_cmphex(qtest_readl(s, BAR0), ==, 0xffffffff);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-q35/enumeration", test_enumeration);
    g_test_add_func("/pci-q35/bars", test_bars);
    g_test_add_func("/pci-q35/intx", test_intx);
    g_test_add_func("/pci-q35/msi", test_msi);
    g_test_add_func("/pci-q35/msix", test_msix);
    g_test_add_func("/pci-q35/dma", test_dma);
    g_test_add_func("/pci-q35/system-reset", test_system_reset);
    return g_test_run();
}
