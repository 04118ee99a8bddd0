/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI helpers for qtest suites on the q35 machine: config space through
 * ECAM (any bus) and CF8/CFC, BAR programming, the MSI doorbell log
 */
#ifndef TESTS_QTEST_PCI_QTEST_H
#define TESTS_QTEST_PCI_QTEST_H

#include <glib.h>
#include <linux/pci_regs.h>

#include "libqtest.h"

#define Q35_ECAM_BASE 0xB0000000ULL
#define Q35_MMIO32 0xC0000000ULL
#define DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define ECAM(bus, devfn, reg) \
    (Q35_ECAM_BASE + ((uint64_t)(bus) << 20) + ((devfn) << 12) + (reg))

/* pci-testdev-dma (include/hw/misc/pci-testdev-dma.h). */
#define TESTDEV_ID 0x11f01234u
#define TD_REG_ID 0x00
#define TD_REG_LIVENESS 0x04
#define TD_REG_IRQ_STATUS 0x24
#define TD_REG_IRQ_RAISE 0x60
#define TD_REG_IRQ_ACK 0x64
#define TD_REG_VECTOR 0x68
#define TD_REG_DMA_SRC 0x80
#define TD_REG_DMA_DST 0x88
#define TD_REG_DMA_COUNT 0x90
#define TD_REG_DMA_CMD 0x98
#define TD_DMA_BUF 0x40000

static inline uint32_t cfg_readl(QTestState *s, int bus, int devfn, int reg)
{
    return qtest_readl(s, ECAM(bus, devfn, reg));
}

static inline uint16_t cfg_readw(QTestState *s, int bus, int devfn, int reg)
{
    return qtest_readw(s, ECAM(bus, devfn, reg));
}

static inline uint8_t cfg_readb(QTestState *s, int bus, int devfn, int reg)
{
    return qtest_readb(s, ECAM(bus, devfn, reg));
}

static inline void cfg_writel(QTestState *s, int bus, int devfn, int reg,
                              uint32_t v)
{
    qtest_writel(s, ECAM(bus, devfn, reg), v);
}

static inline void cfg_writew(QTestState *s, int bus, int devfn, int reg,
                              uint16_t v)
{
    qtest_writew(s, ECAM(bus, devfn, reg), v);
}

static inline void cfg_writeb(QTestState *s, int bus, int devfn, int reg,
                              uint8_t v)
{
    qtest_writeb(s, ECAM(bus, devfn, reg), v);
}

static inline uint8_t cfg_find_cap(QTestState *s, int bus, int devfn,
                                   uint8_t id)
{
    uint8_t pos = cfg_readb(s, bus, devfn, PCI_CAPABILITY_LIST);

    for (int n = 0; pos && n < 48; n++) {
        if (cfg_readb(s, bus, devfn, pos) == id) {
            return pos;
        }
        pos = cfg_readb(s, bus, devfn, pos + 1);
    }
    return 0;
}

/* The doorbell log as an array (caller unrefs), cleared if @clear. */
static inline JsonArray *msi_log(QTestState *s, bool clear)
{
    g_autoptr(JsonObject) rsp = qtest_qmp(s,
        "{'execute': 'x-query-msi-log', 'arguments': {'clear': %s}}",
        clear ? "true" : "false");

    return json_array_ref(json_node_get_array(qmp_expect_return(rsp)));
}

static inline void assert_msi(QTestState *s, uint64_t addr, uint32_t data)
{
    g_autoptr(JsonArray) log = msi_log(s, true);
    JsonObject *e;

    g_assert_cmpuint(json_array_get_length(log), ==, 1);
    e = json_array_get_object_element(log, 0);
    g_assert_cmphex(json_object_get_int_member(e, "address"), ==, addr);
    g_assert_cmphex(json_object_get_int_member(e, "data"), ==, data);
}

static inline void assert_no_msi(QTestState *s)
{
    g_autoptr(JsonArray) log = msi_log(s, true);

    g_assert_cmpuint(json_array_get_length(log), ==, 0);
}

#endif
