/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI host bridge base: configuration mechanism #1 (0xCF8/0xCFC)
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pci_bus.h"

static uint64_t pci_host_conf_read(void *opaque, hwaddr addr, unsigned len)
{
    PCIHostState *s = opaque;

    if (addr || len != 4) {
        return ~0ULL;
    }
    return s->config_reg;
}

static void pci_host_conf_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned len)
{
    PCIHostState *s = opaque;

    if (addr || len != 4) {
        return;
    }
    s->config_reg = val;
}

static const MemoryRegionOps pci_host_conf_ops = {
    .read = pci_host_conf_read,
    .write = pci_host_conf_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/* bus << 20 | devfn << 12 | register, from the CF8 latch and port. */
static bool pci_host_data_addr(PCIHostState *s, hwaddr addr, uint32_t *out)
{
    uint32_t reg = s->config_reg;

    if (!(reg & (1u << 31)) || !s->bus) {
        return false;
    }
    *out = PCI_CONFIG_ADDR((reg >> 16) & 0xff, (reg >> 8) & 0xff,
                           (reg & 0xfc) | (addr & 3));
    return true;
}

static uint64_t pci_host_data_read(void *opaque, hwaddr addr, unsigned len)
{
    PCIHostState *s = opaque;
    uint32_t caddr;

    if (!pci_host_data_addr(s, addr, &caddr)) {
        return len == 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
    }
    return pci_config_read(s->bus, caddr, len);
}

static void pci_host_data_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned len)
{
    PCIHostState *s = opaque;
    uint32_t caddr;

    if (pci_host_data_addr(s, addr, &caddr)) {
        pci_config_write(s->bus, caddr, val, len);
    }
}

static const MemoryRegionOps pci_host_data_ops = {
    .read = pci_host_data_read,
    .write = pci_host_data_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

void pci_host_init_conf_regions(PCIHostState *s)
{
    memory_region_init_io(&s->conf_mem, OBJECT(s), &pci_host_conf_ops, s,
                          "pci-conf-idx", 4);
    memory_region_init_io(&s->data_mem, OBJECT(s), &pci_host_data_ops, s,
                          "pci-conf-data", 4);
}

PCIBus *pci_host_get_root_bus(void)
{
    GList *roots = pci_root_buses();

    return roots ? roots->data : NULL;
}

static const TypeInfo pci_host_type_info = {
    .name = TYPE_PCI_HOST_BRIDGE,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(PCIHostState),
    .abstract = true,
};

static void pci_host_register_types(void)
{
    type_register_static(&pci_host_type_info);
}

type_init(pci_host_register_types)
