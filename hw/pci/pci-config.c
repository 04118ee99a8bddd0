/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI configuration space: default accessors, capability list, and the
 * entry points host bridges use
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "pci-internal.h"

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t address, int len)
{
    uint32_t val = 0;
    uint32_t size = pci_config_size(dev);

    if (len < 1 || len > 4 || address >= size) {
        return ~0u;
    }
    if (address + len > size) {
        len = size - address;
    }
    memcpy(&val, dev->config + address, len);
    return GUINT32_FROM_LE(val);
}

void pci_default_write_config(PCIDevice *dev, uint32_t address, uint32_t val,
                              int len)
{
    uint32_t size = pci_config_size(dev);
    bool was_irq_disabled = pci_get_word(dev->config + PCI_COMMAND) &
                            PCI_COMMAND_INTX_DISABLE;
    uint32_t rom = pci_bar_offset(dev, PCI_ROM_SLOT);

    if (len < 1 || len > 4 || address >= size) {
        return;
    }
    for (int i = 0; i < len && address + i < size; i++) {
        uint32_t a = address + i;
        uint8_t byte = val >> (8 * i);
        uint8_t wmask = dev->wmask[a];
        uint8_t w1cmask = dev->w1cmask[a];

        dev->config[a] = (dev->config[a] & ~wmask) | (byte & wmask);
        dev->config[a] &= ~(byte & w1cmask);
    }
    if (ranges_overlap(address, len, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(address, len, rom, 4) ||
        ranges_overlap(address, len, PCI_COMMAND, 1)) {
        pci_update_mappings(dev);
    }
    if (ranges_overlap(address, len, PCI_COMMAND, 2)) {
        pci_update_bus_master(dev);
        pci_update_irq_disabled(dev, was_irq_disabled);
    }
    msi_write_config(dev, address, val, len);
    msix_write_config(dev, address, val, len);
}

/* ---- Capabilities ----------------------------------------------------- */

uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id)
{
    uint8_t seen[PCI_CONFIG_SPACE_SIZE / 4] = { 0 };
    uint8_t pos;

    if (!(pci_get_word(dev->config + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    /* Our own list is sane, but stay finite on any content. */
    for (pos = dev->config[PCI_CAPABILITY_LIST] & ~3; pos >= 0x40;
         pos = dev->config[pos + PCI_CAP_LIST_NEXT] & ~3) {
        if (seen[pos / 4]++) {
            break;
        }
        if (dev->config[pos + PCI_CAP_LIST_ID] == cap_id) {
            return pos;
        }
    }
    return 0;
}

static uint8_t pci_find_space(PCIDevice *dev, uint8_t size)
{
    int offset = PCI_CONFIG_HEADER_SIZE;

    for (int i = PCI_CONFIG_HEADER_SIZE; i < PCI_CONFIG_SPACE_SIZE; i++) {
        if (dev->used[i]) {
            offset = i + 1;
        } else if (i - offset + 1 == size) {
            return offset;
        }
    }
    return 0;
}

/* The capability whose bytes contain offset, 0 if none. */
static uint8_t pci_find_capability_at(PCIDevice *dev, uint8_t offset)
{
    uint8_t found = 0;
    uint8_t seen[PCI_CONFIG_SPACE_SIZE / 4] = { 0 };

    if (!(pci_get_word(dev->config + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    for (uint8_t pos = dev->config[PCI_CAPABILITY_LIST] & ~3; pos >= 0x40;
         pos = dev->config[pos + PCI_CAP_LIST_NEXT] & ~3) {
        if (seen[pos / 4]++) {
            break;
        }
        if (pos <= offset && pos > found) {
            found = pos;
        }
    }
    return found;
}

int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, Error **errp)
{
    uint8_t *cfg;

    if (!offset) {
        offset = pci_find_space(dev, size);
        offset &= ~3;
        if (!offset || offset + size > PCI_CONFIG_SPACE_SIZE) {
            error_setg(errp, "PCI: no space for capability 0x%x of %u "
                       "bytes in %s", cap_id, size, dev->name);
            return -1;
        }
    } else {
        if (offset < PCI_CONFIG_HEADER_SIZE ||
            offset + size > PCI_CONFIG_SPACE_SIZE) {
            error_setg(errp, "PCI capability 0x%x at offset 0x%x does not "
                       "fit in config space", cap_id, offset);
            return -1;
        }
        for (int i = offset; i < offset + size; i++) {
            if (dev->used[i]) {
                error_setg(errp, "PCI capability 0x%x at offset 0x%x "
                           "overlaps capability at 0x%x", cap_id, offset,
                           pci_find_capability_at(dev, i));
                return -1;
            }
        }
    }
    cfg = dev->config + offset;
    cfg[PCI_CAP_LIST_ID] = cap_id;
    cfg[PCI_CAP_LIST_NEXT] = dev->config[PCI_CAPABILITY_LIST];
    dev->config[PCI_CAPABILITY_LIST] = offset;
    pci_word_test_and_set_mask(dev->config + PCI_STATUS,
                               PCI_STATUS_CAP_LIST);
    memset(dev->used + offset, 0xff, QEMU_ALIGN_UP(size, 4));
    memset(dev->wmask + offset, 0, size);
    memset(dev->w1cmask + offset, 0, size);
    memset(dev->cmask + offset, 0xff, size);
    return offset;
}

void pci_del_capability(PCIDevice *dev, uint8_t cap_id, uint8_t size)
{
    uint8_t offset = pci_find_capability(dev, cap_id);
    uint8_t *prev = &dev->config[PCI_CAPABILITY_LIST];

    if (!offset) {
        return;
    }
    while ((*prev & ~3) != offset) {
        prev = &dev->config[(*prev & ~3) + PCI_CAP_LIST_NEXT];
    }
    *prev = dev->config[offset + PCI_CAP_LIST_NEXT];
    memset(dev->wmask + offset, 0, size);
    memset(dev->w1cmask + offset, 0, size);
    memset(dev->cmask + offset, 0, size);
    memset(dev->used + offset, 0, QEMU_ALIGN_UP(size, 4));
    memset(dev->config + offset, 0, size);
    if (!dev->config[PCI_CAPABILITY_LIST]) {
        pci_word_test_and_clear_mask(dev->config + PCI_STATUS,
                                     PCI_STATUS_CAP_LIST);
    }
}

/* ---- Host bridge entry points ---------------------------------------- */

static bool pci_config_access_ok(uint32_t reg, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && !(reg & (len - 1));
}

uint32_t pci_config_read(PCIBus *root, uint32_t addr, unsigned len)
{
    uint32_t reg = addr & 0xfff;
    uint32_t ones = len >= 4 ? ~0u : (1u << (len * 8)) - 1;
    PCIDevice *dev;

    if (!pci_config_access_ok(reg, len)) {
        return ones;
    }
    dev = pci_find_device(root, (addr >> 20) & 0xff, (addr >> 12) & 0xff);
    if (!dev || !dev->config || reg + len > pci_config_size(dev)) {
        return ones;
    }
    return dev->config_read(dev, reg, len) & ones;
}

void pci_config_write(PCIBus *root, uint32_t addr, uint32_t val,
                      unsigned len)
{
    uint32_t reg = addr & 0xfff;
    PCIDevice *dev;

    if (!pci_config_access_ok(reg, len)) {
        return;
    }
    dev = pci_find_device(root, (addr >> 20) & 0xff, (addr >> 12) & 0xff);
    if (!dev || !dev->config || reg + len > pci_config_size(dev)) {
        return;
    }
    if (len < 4) {
        val &= (1u << (len * 8)) - 1;
    }
    dev->config_write(dev, reg, val, len);
}
