/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A q35 machine inside a unit test: the test plays the guest through
 * the I/O and memory address spaces, as qtest would.
 */
#ifndef TESTS_UNIT_PCI_HARNESS_H
#define TESTS_UNIT_PCI_HARNESS_H

#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "hw/boards.h"
#include "hw/reset.h"
#include "hw/i386/q35.h"
#include "hw/pci/pci.h"
#include "system/memory.h"

static inline MachineState *harness_machine_new(uint64_t ram_size)
{
    MachineClass *mc = machine_find_class("q35", &error_abort);
    MachineState *ms = MACHINE(object_new_with_class(OBJECT_CLASS(mc)));

    object_property_add_child(object_get_root(), "machine", OBJECT(ms));
    object_unref(OBJECT(ms));
    ms->ram_size = ram_size;
    machine_run_board_init(ms, &error_abort);
    return ms;
}

/* Cold-plugs (or, after harness_machine_done, hot-plugs) a device. */
static inline DeviceState *harness_device_add(const char *kv, Error **errp)
{
    g_autoptr(JsonObject) opts = keyval_parse(kv, "driver", NULL,
                                              &error_abort);

    return qdev_device_add_from_json(opts, true, errp);
}

static inline void harness_machine_done(void)
{
    qdev_machine_creation_done();
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
}

/* ---- The guest's view ------------------------------------------------- */

static inline uint32_t outl_inl(uint16_t port, bool write, uint32_t val)
{
    if (write) {
        address_space_stl_le(&address_space_io, port, val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
        return 0;
    }
    return address_space_ldl_le(&address_space_io, port,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint32_t cf8_addr(int bus, int devfn, int reg)
{
    return 0x80000000u | (bus << 16) | (devfn << 8) | (reg & 0xfc);
}

static inline uint32_t cfg_readl(int bus, int devfn, int reg)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    return outl_inl(0xcfc, false, 0);
}

static inline uint16_t cfg_readw(int bus, int devfn, int reg)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    return address_space_lduw_le(&address_space_io, 0xcfc + (reg & 2),
                                 MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint8_t cfg_readb(int bus, int devfn, int reg)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    return address_space_ldub(&address_space_io, 0xcfc + (reg & 3),
                              MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void cfg_writel(int bus, int devfn, int reg, uint32_t val)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    outl_inl(0xcfc, true, val);
}

static inline void cfg_writew(int bus, int devfn, int reg, uint16_t val)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    address_space_stw_le(&address_space_io, 0xcfc + (reg & 2), val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void cfg_writeb(int bus, int devfn, int reg, uint8_t val)
{
    outl_inl(0xcf8, true, cf8_addr(bus, devfn, reg));
    address_space_stb(&address_space_io, 0xcfc + (reg & 3), val,
                      MEMTXATTRS_UNSPECIFIED, NULL);
}

/* ECAM accessors. */
static inline uint32_t ecam_readl(int bus, int devfn, int reg)
{
    return ldl_le_phys(&address_space_memory,
                       Q35_ECAM_BASE + PCI_CONFIG_ADDR(bus, devfn, reg));
}

static inline void ecam_writel(int bus, int devfn, int reg, uint32_t val)
{
    stl_le_phys(&address_space_memory,
                Q35_ECAM_BASE + PCI_CONFIG_ADDR(bus, devfn, reg), val);
}

static inline uint32_t mem_readl(uint64_t addr)
{
    return ldl_le_phys(&address_space_memory, addr);
}

static inline void mem_writel(uint64_t addr, uint32_t val)
{
    stl_le_phys(&address_space_memory, addr, val);
}

static inline uint64_t mem_readq(uint64_t addr)
{
    return address_space_ldq_le(&address_space_memory, addr,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void mem_writeq(uint64_t addr, uint64_t val)
{
    address_space_stq_le(&address_space_memory, addr, val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

/* The config offset of capability id on (bus, devfn), 0 if absent. */
static inline uint8_t cfg_find_cap(int bus, int devfn, uint8_t id)
{
    uint8_t pos = cfg_readb(bus, devfn, PCI_CAPABILITY_LIST);

    for (int n = 0; pos && n < 48; n++) {
        if (cfg_readb(bus, devfn, pos) == id) {
            return pos;
        }
        pos = cfg_readb(bus, devfn, pos + 1);
    }
    return 0;
}

#endif
