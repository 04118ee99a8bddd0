/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI capability emulation
 */
#include "qemu/osdep.h"
#include "hw/pci/msi.h"
#include "pci-internal.h"

static uint16_t msi_flags(const PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

static bool msi_is_64(uint16_t flags)
{
    return flags & PCI_MSI_FLAGS_64BIT;
}

static uint8_t msi_cap_size(uint16_t flags)
{
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        return msi_is_64(flags) ? 0x18 : 0x14;
    }
    return msi_is_64(flags) ? 0x0e : 0x0a;
}

static uint32_t msi_mask_off(uint16_t flags)
{
    return msi_is_64(flags) ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

static uint32_t msi_pending_off(uint16_t flags)
{
    return msi_is_64(flags) ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
}

static uint32_t msi_data_off(uint16_t flags)
{
    return msi_is_64(flags) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

bool msi_present(const PCIDevice *dev)
{
    return dev->cap_present & QEMU_PCI_CAP_MSI;
}

bool msi_enabled(const PCIDevice *dev)
{
    return msi_present(dev) && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

int msi_init(PCIDevice *dev, uint8_t offset, unsigned int nr_vectors,
             bool msi64bit, bool msi_per_vector_mask, Error **errp)
{
    unsigned log2_vectors = 0;
    uint16_t flags;
    uint8_t *cfg, *wmask;
    int pos;

    if (!nr_vectors || nr_vectors > 32 || !is_power_of_2(nr_vectors)) {
        error_setg(errp, "MSI: %u vectors requested; must be a power of two "
                   "from 1 to 32", nr_vectors);
        return -EINVAL;
    }
    while ((1u << log2_vectors) < nr_vectors) {
        log2_vectors++;
    }
    flags = log2_vectors << 1;
    if (msi64bit) {
        flags |= PCI_MSI_FLAGS_64BIT;
    }
    if (msi_per_vector_mask) {
        flags |= PCI_MSI_FLAGS_MASKBIT;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_MSI, offset,
                             msi_cap_size(flags), errp);
    if (pos < 0) {
        return -EINVAL;
    }
    dev->msi_cap = pos;
    dev->cap_present |= QEMU_PCI_CAP_MSI;
    cfg = dev->config + pos;
    wmask = dev->wmask + pos;
    pci_set_word(cfg + PCI_MSI_FLAGS, flags);
    pci_set_word(wmask + PCI_MSI_FLAGS,
                 PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    pci_set_long(wmask + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (msi64bit) {
        pci_set_long(wmask + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(wmask + msi_data_off(flags), 0xffff);
    if (msi_per_vector_mask) {
        pci_set_long(wmask + msi_mask_off(flags),
                     0xffffffff >> (32 - nr_vectors));
    }
    return pos;
}

void msi_uninit(PCIDevice *dev)
{
    if (!msi_present(dev)) {
        return;
    }
    pci_del_capability(dev, PCI_CAP_ID_MSI, msi_cap_size(msi_flags(dev)));
    dev->cap_present &= ~QEMU_PCI_CAP_MSI;
    dev->msi_cap = 0;
}

void msi_reset(PCIDevice *dev)
{
    uint16_t flags;
    uint8_t *cfg;

    if (!msi_present(dev)) {
        return;
    }
    cfg = dev->config + dev->msi_cap;
    flags = msi_flags(dev) & ~(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    pci_set_word(cfg + PCI_MSI_FLAGS, flags);
    pci_set_long(cfg + PCI_MSI_ADDRESS_LO, 0);
    if (msi_is_64(flags)) {
        pci_set_long(cfg + PCI_MSI_ADDRESS_HI, 0);
    }
    pci_set_word(cfg + msi_data_off(flags), 0);
    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        pci_set_long(cfg + msi_mask_off(flags), 0);
        pci_set_long(cfg + msi_pending_off(flags), 0);
    }
}

unsigned int msi_nr_vectors_allocated(const PCIDevice *dev)
{
    if (!msi_enabled(dev)) {
        return 0;
    }
    return 1u << ((msi_flags(dev) & PCI_MSI_FLAGS_QSIZE) >> 4);
}

bool msi_is_masked(const PCIDevice *dev, unsigned int vector)
{
    uint16_t flags;

    if (!msi_present(dev)) {
        return true;
    }
    flags = msi_flags(dev);
    if (!(flags & PCI_MSI_FLAGS_ENABLE)) {
        return true;
    }
    if (!(flags & PCI_MSI_FLAGS_MASKBIT) || vector >= 32) {
        return false;
    }
    return pci_get_long(dev->config + dev->msi_cap + msi_mask_off(flags)) &
           (1u << vector);
}

MSIMessage msi_get_message(PCIDevice *dev, unsigned int vector)
{
    uint16_t flags = msi_flags(dev);
    uint8_t *cfg = dev->config + dev->msi_cap;
    unsigned int nr = 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
    MSIMessage msg;

    msg.address = pci_get_long(cfg + PCI_MSI_ADDRESS_LO);
    if (msi_is_64(flags)) {
        msg.address |= (uint64_t)pci_get_long(cfg + PCI_MSI_ADDRESS_HI) << 32;
    }
    msg.data = pci_get_word(cfg + msi_data_off(flags));
    if (nr > 1) {
        msg.data = (msg.data & ~(nr - 1)) | (vector & (nr - 1));
    }
    return msg;
}

void msi_send_message(PCIDevice *dev, MSIMessage msg)
{
    MemTxAttrs attrs = { .requester_id = pci_requester_id(dev) };

    address_space_stl_le(pci_get_address_space(dev), msg.address, msg.data,
                         attrs, NULL);
}

void msi_notify(PCIDevice *dev, unsigned int vector)
{
    uint16_t flags;

    if (!msi_enabled(dev) || vector >= msi_nr_vectors_allocated(dev)) {
        return;
    }
    flags = msi_flags(dev);
    if (msi_is_masked(dev, vector)) {
        pci_long_test_and_set_mask(dev->config + dev->msi_cap +
                                   msi_pending_off(flags), 1u << vector);
        return;
    }
    msi_send_message(dev, msi_get_message(dev, vector));
}

void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len)
{
    uint16_t flags;
    unsigned int log_max, log_num, nr;
    uint8_t *cfg;

    if (!msi_present(dev)) {
        return;
    }
    flags = msi_flags(dev);
    if (!ranges_overlap(addr, len, dev->msi_cap, msi_cap_size(flags))) {
        return;
    }
    cfg = dev->config + dev->msi_cap;
    /* The guest may ask for more vectors than exist: clamp it. */
    log_max = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
    log_num = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
    if (log_num > log_max) {
        flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | (log_max << 4);
        pci_set_word(cfg + PCI_MSI_FLAGS, flags);
    }
    if (!(flags & PCI_MSI_FLAGS_ENABLE) || !(flags & PCI_MSI_FLAGS_MASKBIT)) {
        return;
    }
    /* Unmasked vectors with a pending message fire now. */
    nr = msi_nr_vectors_allocated(dev);
    for (unsigned int v = 0; v < nr; v++) {
        uint32_t pending = pci_get_long(cfg + msi_pending_off(flags));

        if ((pending & (1u << v)) && !msi_is_masked(dev, v)) {
            pci_long_test_and_clear_mask(cfg + msi_pending_off(flags),
                                         1u << v);
            msi_send_message(dev, msi_get_message(dev, v));
        }
    }
}
