/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X capability, vector table and pending bit array
 */
#include "qemu/osdep.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "pci-internal.h"

#define MSIX_CAP_SIZE 12
#define MSIX_MAX_ENTRIES 2048

static uint16_t msix_control(PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msix_cap + PCI_MSIX_FLAGS);
}

bool msix_present(PCIDevice *dev)
{
    return dev->cap_present & QEMU_PCI_CAP_MSIX;
}

bool msix_enabled(PCIDevice *dev)
{
    return msix_present(dev) && (msix_control(dev) & PCI_MSIX_FLAGS_ENABLE);
}

bool msix_function_masked(PCIDevice *dev)
{
    return dev->msix_function_masked;
}

unsigned int msix_nr_vectors_allocated(const PCIDevice *dev)
{
    return dev->msix_entries_nr;
}

static uint8_t *msix_entry(PCIDevice *dev, unsigned int vector)
{
    return dev->msix_table + vector * PCI_MSIX_ENTRY_SIZE;
}

static bool msix_vector_masked(PCIDevice *dev, unsigned int vector,
                               bool fmask)
{
    return fmask || (pci_get_long(msix_entry(dev, vector) +
                                  PCI_MSIX_ENTRY_VECTOR_CTRL) &
                     PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

bool msix_is_masked(PCIDevice *dev, unsigned int vector)
{
    if (!msix_present(dev) || vector >= (unsigned)dev->msix_entries_nr) {
        return true;
    }
    return msix_vector_masked(dev, vector, dev->msix_function_masked);
}

bool msix_is_pending(PCIDevice *dev, unsigned int vector)
{
    if (!msix_present(dev) || vector >= (unsigned)dev->msix_entries_nr) {
        return false;
    }
    return dev->msix_pba[vector / 8] & (1u << (vector % 8));
}

void msix_set_pending(PCIDevice *dev, unsigned int vector)
{
    if (msix_present(dev) && vector < (unsigned)dev->msix_entries_nr) {
        dev->msix_pba[vector / 8] |= 1u << (vector % 8);
    }
}

void msix_clr_pending(PCIDevice *dev, unsigned int vector)
{
    if (msix_present(dev) && vector < (unsigned)dev->msix_entries_nr) {
        dev->msix_pba[vector / 8] &= ~(1u << (vector % 8));
    }
}

MSIMessage msix_get_message(PCIDevice *dev, unsigned int vector)
{
    MSIMessage msg = { 0, 0 };
    uint8_t *e;

    if (!msix_present(dev) || vector >= (unsigned)dev->msix_entries_nr) {
        return msg;
    }
    e = msix_entry(dev, vector);
    msg.address = pci_get_quad(e + PCI_MSIX_ENTRY_LOWER_ADDR);
    msg.data = pci_get_long(e + PCI_MSIX_ENTRY_DATA);
    return msg;
}

static void msix_fire_vector_notifier(PCIDevice *dev, unsigned int vector,
                                      bool is_masked)
{
    if (!dev->msix_vector_use_notifier) {
        return;
    }
    if (is_masked) {
        dev->msix_vector_release_notifier(dev, vector);
    } else {
        /* The user reports failures itself; nothing to undo here. */
        dev->msix_vector_use_notifier(dev, vector,
                                      msix_get_message(dev, vector));
    }
}

static void msix_handle_mask_update(PCIDevice *dev, unsigned int vector,
                                    bool was_masked)
{
    bool is_masked = msix_is_masked(dev, vector);

    if (is_masked == was_masked) {
        return;
    }
    msix_fire_vector_notifier(dev, vector, is_masked);
    if (!is_masked && msix_is_pending(dev, vector)) {
        msix_clr_pending(dev, vector);
        msix_notify(dev, vector);
    }
}

static void msix_update_function_masked(PCIDevice *dev)
{
    uint16_t ctrl = msix_control(dev);

    dev->msix_function_masked = !(ctrl & PCI_MSIX_FLAGS_ENABLE) ||
                                (ctrl & PCI_MSIX_FLAGS_MASKALL);
}

void msix_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len)
{
    bool was_masked;

    if (!msix_present(dev) ||
        !ranges_overlap(addr, len, dev->msix_cap + PCI_MSIX_FLAGS, 2)) {
        return;
    }
    was_masked = dev->msix_function_masked;
    msix_update_function_masked(dev);
    if (!msix_enabled(dev)) {
        return;
    }
    /* MSI-X and INTx are exclusive. */
    pci_set_irq(dev, 0);
    if (dev->msix_function_masked == was_masked) {
        return;
    }
    for (int v = 0; v < dev->msix_entries_nr; v++) {
        msix_handle_mask_update(dev, v,
                                msix_vector_masked(dev, v, was_masked));
    }
}

void msix_notify(PCIDevice *dev, unsigned vector)
{
    if (!msix_enabled(dev) || vector >= (unsigned)dev->msix_entries_nr) {
        return;
    }
    if (msix_is_masked(dev, vector)) {
        msix_set_pending(dev, vector);
        return;
    }
    msi_send_message(dev, msix_get_message(dev, vector));
}

/* ---- Table and PBA regions ------------------------------------------- */

static uint64_t msix_table_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;

    return pci_get_long(dev->msix_table + (addr & ~3));
}

static void msix_table_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    PCIDevice *dev = opaque;
    unsigned int vector = addr / PCI_MSIX_ENTRY_SIZE;
    bool was_masked = msix_is_masked(dev, vector);
    uint32_t old = pci_get_long(dev->msix_table + (addr & ~3));

    pci_set_long(dev->msix_table + (addr & ~3), val);
    if (!was_masked && !msix_is_masked(dev, vector) && old != (uint32_t)val) {
        /* A new message for a live vector: its user re-routes it. */
        msix_fire_vector_notifier(dev, vector, false);
        return;
    }
    msix_handle_mask_update(dev, vector, was_masked);
}

static const MemoryRegionOps msix_table_ops = {
    .read = msix_table_read,
    .write = msix_table_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t msix_pba_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;
    uint64_t val = 0;

    if (dev->msix_vector_poll_notifier) {
        unsigned start = addr * 8;
        unsigned end = MIN(start + size * 8, (unsigned)dev->msix_entries_nr);

        if (start < end) {
            dev->msix_vector_poll_notifier(dev, start, end);
        }
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)dev->msix_pba[addr + i] << (8 * i);
    }
    return val;
}

static void msix_pba_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    /* The PBA is read-only. */
}

static const MemoryRegionOps msix_pba_ops = {
    .read = msix_pba_read,
    .write = msix_pba_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void msix_mask_all(PCIDevice *dev)
{
    for (int v = 0; v < dev->msix_entries_nr; v++) {
        pci_set_long(msix_entry(dev, v) + PCI_MSIX_ENTRY_VECTOR_CTRL,
                     PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
}

int msix_init(PCIDevice *dev, unsigned short nentries,
              MemoryRegion *table_bar, uint8_t table_bar_nr,
              unsigned table_offset, MemoryRegion *pba_bar,
              uint8_t pba_bar_nr, unsigned pba_offset, uint8_t cap_pos,
              Error **errp)
{
    unsigned table_size = nentries * PCI_MSIX_ENTRY_SIZE;
    unsigned pba_size = QEMU_ALIGN_UP(nentries, 64) / 8;
    uint8_t *cfg;
    int cap;

    if (!nentries || nentries > MSIX_MAX_ENTRIES) {
        error_setg(errp, "MSI-X: %u vectors requested; must be 1 to %u",
                   nentries, MSIX_MAX_ENTRIES);
        return -EINVAL;
    }
    if (table_bar_nr >= PCI_ROM_SLOT || pba_bar_nr >= PCI_ROM_SLOT ||
        (table_offset | pba_offset) & 7) {
        error_setg(errp, "MSI-X: table and PBA must be 8-byte aligned in "
                   "BARs 0 to 5");
        return -EINVAL;
    }
    if ((uint64_t)table_offset + table_size >
        memory_region_size(table_bar)) {
        error_setg(errp, "MSI-X table at offset 0x%x of BAR %u does not fit",
                   table_offset, table_bar_nr);
        return -EINVAL;
    }
    if ((uint64_t)pba_offset + pba_size > memory_region_size(pba_bar)) {
        error_setg(errp, "MSI-X PBA at offset 0x%x of BAR %u does not fit",
                   pba_offset, pba_bar_nr);
        return -EINVAL;
    }
    if (table_bar_nr == pba_bar_nr &&
        ranges_overlap(table_offset, table_size, pba_offset, pba_size)) {
        error_setg(errp, "MSI-X table and PBA overlap in BAR %u",
                   table_bar_nr);
        return -EINVAL;
    }
    cap = pci_add_capability(dev, PCI_CAP_ID_MSIX, cap_pos, MSIX_CAP_SIZE,
                             errp);
    if (cap < 0) {
        return -EINVAL;
    }
    dev->msix_cap = cap;
    dev->cap_present |= QEMU_PCI_CAP_MSIX;
    cfg = dev->config + cap;
    pci_set_word(cfg + PCI_MSIX_FLAGS, nentries - 1);
    pci_set_long(cfg + PCI_MSIX_TABLE, table_offset | table_bar_nr);
    pci_set_long(cfg + PCI_MSIX_PBA, pba_offset | pba_bar_nr);
    pci_set_word(dev->wmask + cap + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);

    dev->msix_entries_nr = nentries;
    dev->msix_table = g_malloc0(table_size);
    dev->msix_pba = g_malloc0(pba_size);
    dev->msix_entry_used = g_new0(unsigned, nentries);
    dev->msix_function_masked = true;
    msix_mask_all(dev);

    memory_region_init_io(&dev->msix_table_mmio, OBJECT(dev),
                          &msix_table_ops, dev, "msix-table", table_size);
    memory_region_add_subregion(table_bar, table_offset,
                                &dev->msix_table_mmio);
    memory_region_init_io(&dev->msix_pba_mmio, OBJECT(dev), &msix_pba_ops,
                          dev, "msix-pba", pba_size);
    memory_region_add_subregion(pba_bar, pba_offset, &dev->msix_pba_mmio);
    dev->msix_table_bar = table_bar;
    dev->msix_pba_bar = pba_bar;
    return 0;
}

int msix_init_exclusive_bar(PCIDevice *dev, unsigned short nentries,
                            uint8_t bar_nr, Error **errp)
{
    uint64_t table_size = nentries * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_size = QEMU_ALIGN_UP(nentries, 64) / 8;
    uint64_t bar_size = 4096;
    int ret;

    while (bar_size < table_size + pba_size) {
        bar_size <<= 1;
    }
    memory_region_init(&dev->msix_exclusive_bar, OBJECT(dev), "msix",
                       bar_size);
    ret = msix_init(dev, nentries, &dev->msix_exclusive_bar, bar_nr, 0,
                    &dev->msix_exclusive_bar, bar_nr, table_size, 0, errp);
    if (ret < 0) {
        memory_region_finalize(&dev->msix_exclusive_bar);
        return ret;
    }
    pci_register_bar(dev, bar_nr, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &dev->msix_exclusive_bar);
    return 0;
}

void msix_uninit(PCIDevice *dev, MemoryRegion *table_bar,
                 MemoryRegion *pba_bar)
{
    if (!msix_present(dev)) {
        return;
    }
    pci_del_capability(dev, PCI_CAP_ID_MSIX, MSIX_CAP_SIZE);
    dev->msix_cap = 0;
    dev->cap_present &= ~QEMU_PCI_CAP_MSIX;
    memory_region_del_subregion(table_bar, &dev->msix_table_mmio);
    memory_region_del_subregion(pba_bar, &dev->msix_pba_mmio);
    memory_region_finalize(&dev->msix_table_mmio);
    memory_region_finalize(&dev->msix_pba_mmio);
    g_clear_pointer(&dev->msix_table, g_free);
    g_clear_pointer(&dev->msix_pba, g_free);
    g_clear_pointer(&dev->msix_entry_used, g_free);
    dev->msix_entries_nr = 0;
    dev->msix_table_bar = NULL;
    dev->msix_pba_bar = NULL;
    dev->msix_vector_use_notifier = NULL;
    dev->msix_vector_release_notifier = NULL;
    dev->msix_vector_poll_notifier = NULL;
    if (table_bar == &dev->msix_exclusive_bar) {
        memory_region_finalize(&dev->msix_exclusive_bar);
    }
}

void msix_uninit_exclusive_bar(PCIDevice *dev)
{
    msix_uninit(dev, &dev->msix_exclusive_bar, &dev->msix_exclusive_bar);
}

void msix_reset(PCIDevice *dev)
{
    if (!msix_present(dev)) {
        return;
    }
    pci_word_test_and_clear_mask(dev->config + dev->msix_cap +
                                 PCI_MSIX_FLAGS,
                                 PCI_MSIX_FLAGS_ENABLE |
                                 PCI_MSIX_FLAGS_MASKALL);
    memset(dev->msix_table, 0, dev->msix_entries_nr * PCI_MSIX_ENTRY_SIZE);
    memset(dev->msix_pba, 0, QEMU_ALIGN_UP(dev->msix_entries_nr, 64) / 8);
    msix_mask_all(dev);
    dev->msix_function_masked = true;
}

void msix_vector_use(PCIDevice *dev, unsigned vector)
{
    if (msix_present(dev) && vector < (unsigned)dev->msix_entries_nr) {
        dev->msix_entry_used[vector]++;
    }
}

void msix_vector_unuse(PCIDevice *dev, unsigned vector)
{
    if (!msix_present(dev) || vector >= (unsigned)dev->msix_entries_nr ||
        !dev->msix_entry_used[vector]) {
        return;
    }
    if (--dev->msix_entry_used[vector] == 0) {
        msix_clr_pending(dev, vector);
    }
}

void msix_unuse_all_vectors(PCIDevice *dev)
{
    if (!msix_present(dev)) {
        return;
    }
    for (int v = 0; v < dev->msix_entries_nr; v++) {
        dev->msix_entry_used[v] = 0;
        msix_clr_pending(dev, v);
    }
}

int msix_set_vector_notifiers(PCIDevice *dev,
                              MSIVectorUseNotifier use_notifier,
                              MSIVectorReleaseNotifier release_notifier,
                              MSIVectorPollNotifier poll_notifier)
{
    int v, ret = 0;

    dev->msix_vector_use_notifier = use_notifier;
    dev->msix_vector_release_notifier = release_notifier;
    dev->msix_vector_poll_notifier = poll_notifier;
    if (!msix_enabled(dev) || dev->msix_function_masked) {
        goto poll;
    }
    for (v = 0; v < dev->msix_entries_nr; v++) {
        if (msix_is_masked(dev, v)) {
            continue;
        }
        ret = use_notifier(dev, v, msix_get_message(dev, v));
        if (ret < 0) {
            while (--v >= 0) {
                if (!msix_is_masked(dev, v)) {
                    release_notifier(dev, v);
                }
            }
            dev->msix_vector_use_notifier = NULL;
            dev->msix_vector_release_notifier = NULL;
            dev->msix_vector_poll_notifier = NULL;
            return ret;
        }
    }
poll:
    if (poll_notifier) {
        poll_notifier(dev, 0, dev->msix_entries_nr);
    }
    return 0;
}

void msix_unset_vector_notifiers(PCIDevice *dev)
{
    if (dev->msix_vector_use_notifier && msix_enabled(dev) &&
        !dev->msix_function_masked) {
        for (int v = 0; v < dev->msix_entries_nr; v++) {
            if (!msix_is_masked(dev, v)) {
                dev->msix_vector_release_notifier(dev, v);
            }
        }
    }
    dev->msix_vector_use_notifier = NULL;
    dev->msix_vector_release_notifier = NULL;
    dev->msix_vector_poll_notifier = NULL;
}
