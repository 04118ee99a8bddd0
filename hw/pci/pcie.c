/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI Express capability and extended capability list
 */
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"
#include "pci-internal.h"

int pcie_cap_init(PCIDevice *dev, uint8_t offset, uint8_t type, uint8_t port,
                  Error **errp)
{
    uint8_t *cfg;
    int pos;

    if (!pci_is_express(dev)) {
        error_setg(errp, "%s: PCI Express capability needs an express bus",
                   dev->name);
        return -EINVAL;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_EXP, offset,
                             PCI_EXP_VER2_SIZEOF, errp);
    if (pos < 0) {
        return pos;
    }
    dev->exp.exp_cap = pos;
    cfg = dev->config + pos;
    pci_set_word(cfg + PCI_EXP_FLAGS, (type << 4) | 2);
    pci_set_long(cfg + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
    pci_set_long(cfg + PCI_EXP_LNKCAP, ((uint32_t)port << 24) |
                 PCI_EXP_LNKCAP_SLS_2_5GB | (1 << 4) |
                 (type == PCI_EXP_TYPE_ROOT_PORT ? PCI_EXP_LNKCAP_DLLLARC
                                                 : 0));
    pci_set_word(cfg + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | (1 << 4));
    pci_set_word(dev->wmask + pos + PCI_EXP_DEVCTL,
                 PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
                 PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
                 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
                 PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_NOSNOOP_EN);
    pci_set_word(dev->w1cmask + pos + PCI_EXP_DEVSTA,
                 PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
                 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
    pci_set_word(dev->wmask + pos + PCI_EXP_LNKCTL,
                 PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB |
                 PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES);
    pci_set_long(dev->wmask + pos + PCI_EXP_DEVCTL2,
                 PCI_EXP_DEVCTL2_COMP_TIMEOUT | PCI_EXP_DEVCTL2_ARI);
    return pos;
}

void pcie_cap_exit(PCIDevice *dev)
{
    if (dev->exp.exp_cap) {
        pci_del_capability(dev, PCI_CAP_ID_EXP, PCI_EXP_VER2_SIZEOF);
        dev->exp.exp_cap = 0;
    }
}

uint8_t pcie_cap_get_type(const PCIDevice *dev)
{
    if (!dev->exp.exp_cap) {
        return 0;
    }
    return (pci_get_word(dev->config + dev->exp.exp_cap + PCI_EXP_FLAGS) &
            PCI_EXP_FLAGS_TYPE) >> 4;
}

/* At most this many headers fit in extended config space. */
#define PCIE_EXT_CAP_MAX ((PCIE_CONFIG_SPACE_SIZE - PCI_CONFIG_SPACE_SIZE) / 4)

uint16_t pcie_find_capability(PCIDevice *dev, uint16_t cap_id)
{
    uint16_t pos = PCI_CONFIG_SPACE_SIZE;

    if (!pci_is_express(dev)) {
        return 0;
    }
    for (int n = 0; n < PCIE_EXT_CAP_MAX && pos >= PCI_CONFIG_SPACE_SIZE &&
         pos <= PCIE_CONFIG_SPACE_SIZE - 4; n++) {
        uint32_t header = pci_get_long(dev->config + pos);

        if (!header) {
            break;
        }
        if (PCI_EXT_CAP_ID(header) == cap_id) {
            return pos;
        }
        pos = PCI_EXT_CAP_NEXT(header);
    }
    return 0;
}

void pcie_add_capability(PCIDevice *dev, uint16_t cap_id, uint8_t cap_ver,
                         uint16_t offset, uint16_t size)
{
    g_assert(pci_is_express(dev));
    g_assert(offset >= PCI_CONFIG_SPACE_SIZE && !(offset & 3));
    g_assert(offset + size <= PCIE_CONFIG_SPACE_SIZE);

    if (offset != PCI_CONFIG_SPACE_SIZE) {
        uint16_t pos = PCI_CONFIG_SPACE_SIZE;
        uint32_t header;

        /* Append to the end of the list. */
        for (int n = 0; n < PCIE_EXT_CAP_MAX; n++) {
            header = pci_get_long(dev->config + pos);
            if (!PCI_EXT_CAP_NEXT(header)) {
                break;
            }
            pos = PCI_EXT_CAP_NEXT(header);
        }
        pci_set_long(dev->config + pos, (header & 0x000fffff) |
                     ((uint32_t)offset << 20));
    }
    pci_set_long(dev->config + offset, PCI_EXT_CAP(cap_id, cap_ver, 0));
    memset(dev->wmask + offset, 0, size);
    memset(dev->w1cmask + offset, 0, size);
    memset(dev->cmask + offset, 0xff, size);
    memset(dev->used + offset, 0xff, QEMU_ALIGN_UP(size, 4));
}
