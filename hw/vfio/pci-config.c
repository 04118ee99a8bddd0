/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-pci config space: the host's, with our emulated bits on top
 */
#include "qemu/osdep.h"

#include <linux/pci_regs.h>

#include "hw/pci/msi.h"
#include "hw/vfio/vfio-pci.h"
#include "vfio-dma-map.h"
#include "qemu/error-report.h"

/* Capabilities the guest may see; the rest are unlinked from the chain. */
static uint8_t vfio_pci_cap_size(PCIDevice *pdev, uint8_t id, uint8_t pos)
{
    switch (id) {
    case PCI_CAP_ID_PM:
        return PCI_PM_SIZEOF;
    case PCI_CAP_ID_EXP:
        return PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
    case PCI_CAP_ID_VNDR:
        return MAX(pdev->config[pos + PCI_CAP_FLAGS], 3);
    default:
        return 0;
    }
}

static void vfio_pci_set_emulated(VFIOPCIDevice *vdev, uint32_t off,
                                  uint32_t len)
{
    memset(vdev->emulated_bits + off, 0xff,
           MIN(len, vdev->config_size - off));
}

/*
 * Rebuilds the capability chain in pdev->config with only the supported
 * capabilities (in the host's order), MSI emulated by the PCI core.
 */
static bool vfio_pci_setup_caps(VFIOPCIDevice *vdev, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    uint8_t *cfg = pdev->config;
    uint8_t kept[48], kept_id[48];
    int n = 0;
    uint8_t pos;
    bool visited[PCI_CONFIG_SPACE_SIZE] = { false };

    vfio_pci_set_emulated(vdev, PCI_CAPABILITY_LIST, 1);
    /*
     * Only CAP_LIST is ours: the interrupt status bit is the device's
     * INTx level, which a guest driver checks (pci_check_and_mask_intx)
     * and which the core's pci_set_irq() does not know under KVM.
     */
    vdev->emulated_bits[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    if (!(pci_get_word(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        cfg[PCI_CAPABILITY_LIST] = 0;
        return true;
    }
    /* Collect; a malformed chain (loops, pointers into the header) ends. */
    for (pos = cfg[PCI_CAPABILITY_LIST] & ~3;
         pos >= PCI_CONFIG_HEADER_SIZE && !visited[pos] && n < 48;
         pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3) {
        uint8_t id = cfg[pos + PCI_CAP_LIST_ID];

        visited[pos] = true;
        vfio_pci_set_emulated(vdev, pos + PCI_CAP_LIST_NEXT, 1);
        if (id == PCI_CAP_ID_MSI || vfio_pci_cap_size(pdev, id, pos)) {
            kept[n] = pos;
            kept_id[n++] = id;
        } else if (id == PCI_CAP_ID_MSIX) {
            /* msix_init() links it once the BARs exist (pci-msix.c). */
            vfio_pci_set_emulated(vdev, pos, PCI_CAP_MSIX_SIZEOF);
            vfio_pci_msix_probe(vdev, pos);
        }
    }
    cfg[PCI_CAPABILITY_LIST] = 0;
    pci_word_test_and_clear_mask(cfg + PCI_STATUS, PCI_STATUS_CAP_LIST);

    /* pci_add_capability() links at the head: add in reverse order. */
    while (n-- > 0) {
        pos = kept[n];
        if (kept_id[n] == PCI_CAP_ID_MSI) {
            uint16_t flags = pci_get_word(cfg + pos + PCI_MSI_FLAGS);
            unsigned nr = 1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);

            if (msi_init(pdev, pos, MIN(nr, 32),
                         flags & PCI_MSI_FLAGS_64BIT,
                         flags & PCI_MSI_FLAGS_MASKBIT, errp) < 0) {
                error_prepend(errp, "vfio %s: ", vdev->vbasedev.name);
                return false;
            }
            vdev->msi_cap = pos;
            vfio_pci_set_emulated(vdev, pos,
                                  (flags & PCI_MSI_FLAGS_64BIT ? 14 : 10) +
                                  (flags & PCI_MSI_FLAGS_MASKBIT ? 10 : 0));
        } else if (pci_add_capability(pdev, kept_id[n], pos,
                                      vfio_pci_cap_size(pdev, kept_id[n],
                                                        pos), errp) < 0) {
            error_prepend(errp, "vfio %s: ", vdev->vbasedev.name);
            return false;
        }
    }
    return true;
}

bool vfio_pci_config_setup(VFIOPCIDevice *vdev, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(vdev);
    VFIODevice *vbasedev = &vdev->vbasedev;
    ssize_t got;

    if (!vfio_region_setup(vbasedev, &vdev->config,
                           VFIO_PCI_CONFIG_REGION_INDEX, NULL, errp)) {
        return false;
    }
    vdev->config_size = MIN(vdev->config.size, pci_config_size(pdev));
    if (vdev->config_size < PCI_CONFIG_HEADER_SIZE) {
        error_setg(errp, "vfio %s: config space of %u bytes is too small",
                   vbasedev->name, vdev->config_size);
        return false;
    }
    got = vfio_region_read(&vdev->config, 0, pdev->config,
                           vdev->config_size);
    if (got != vdev->config_size) {
        error_setg_errno(errp, got < 0 ? -got : EIO,
                         "vfio %s: cannot read config space", vbasedev->name);
        return false;
    }
    if ((pdev->config[PCI_HEADER_TYPE] & 0x7f) != PCI_HEADER_TYPE_NORMAL) {
        error_setg(errp, "vfio %s: only normal (type 0) functions can be "
                   "assigned", vbasedev->name);
        return false;
    }
    vdev->emulated_bits = g_malloc0(pci_config_size(pdev));
    /* Beyond what the host exposes, everything is ours. */
    memset(vdev->emulated_bits + vdev->config_size, 0xff,
           pci_config_size(pdev) - vdev->config_size);
    vfio_pci_set_emulated(vdev, PCI_BASE_ADDRESS_0, 24);
    vfio_pci_set_emulated(vdev, PCI_ROM_ADDRESS, 4);
    vfio_pci_set_emulated(vdev, PCI_INTERRUPT_LINE, 1);
    /* The multifunction bit (0x80) is the guest topology's business. */
    vdev->emulated_bits[PCI_HEADER_TYPE] = 0x80;
    pdev->config[PCI_HEADER_TYPE] &= ~0x80;
    memset(pdev->config + PCI_BASE_ADDRESS_0, 0, 24);
    pci_set_long(pdev->config + PCI_ROM_ADDRESS, 0);
    /*
     * vfio-pci's open enabled the device (memory decoding on, so the
     * command register reads MEMORY): that is the kernel's doing, not the
     * guest's.  Our copy starts as after reset, so that no BAR is mapped
     * before the guest turns decoding on through us.
     */
    pci_word_test_and_clear_mask(pdev->config + PCI_COMMAND,
                                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                                 PCI_COMMAND_MASTER);
    return vfio_pci_setup_caps(vdev, errp);
}

void vfio_pci_config_teardown(VFIOPCIDevice *vdev)
{
    if (vdev->msi_cap) {
        msi_uninit(PCI_DEVICE(vdev));
        vdev->msi_cap = 0;
    }
    g_clear_pointer(&vdev->emulated_bits, g_free);
    vfio_region_finalize(&vdev->config);
}

uint32_t vfio_pci_read_config(PCIDevice *pdev, uint32_t addr, int len)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);
    uint32_t emu_bits = 0, emu_val = 0, phys_val = 0;

    if (len < 1 || len > 4 || addr + len > pci_config_size(pdev)) {
        return ~0u;
    }
    memcpy(&emu_bits, vdev->emulated_bits + addr, len);
    emu_bits = le32toh(emu_bits);
    if (vdev->msi_cap && addr + len > vdev->msi_cap + PCI_MSI_PENDING_32 &&
        addr < vdev->msi_cap + PCI_MSI_PENDING_64 + 4) {
        vfio_pci_msi_poll(vdev);
    }
    if (emu_bits) {
        emu_val = pci_default_read_config(pdev, addr, len);
    }
    if (~emu_bits & (0xffffffffu >> (32 - 8 * len))) {
        uint32_t raw = 0;

        if (vfio_region_read(&vdev->config, addr, &raw, len) != len) {
            warn_report_once("vfio %s: config read at 0x%x failed",
                             vdev->vbasedev.name, addr);
            return ~0u;
        }
        phys_val = le32toh(raw);
    }
    return (emu_val & emu_bits) | (phys_val & ~emu_bits);
}

/* The byte of the write at config offset @off, or -1 if it has none */
static int vfio_pci_written_byte(uint32_t addr, uint32_t val, int len,
                                 uint32_t off)
{
    return off >= addr && off < addr + len ? (val >> 8 * (off - addr)) & 0xff
                                           : -1;
}

/* The device's power state (PCI_PM_CTRL_STATE_MASK), D0 without PM */
static unsigned vfio_pci_power_state(PCIDevice *pdev, uint8_t pm)
{
    return pm ? vfio_pci_read_config(pdev, pm + PCI_PM_CTRL, 1) &
                PCI_PM_CTRL_STATE_MASK : 0;
}

/*
 * Does this write have the kernel revoke the device's dma-bufs and give
 * them back (an FLR through the PCIe capability), or give them back
 * after D3hot (back to D0)?  iommufd keeps every mapping of a revoked
 * dma-buf dead, and no event tells us: but each such revocation comes
 * from a config write of ours (or our own reset, vfio_pci_reset()), so we
 * see it here.  @d3_before: the device was in a low-power state before
 * the write.
 */
static bool vfio_pci_write_restores_dmabufs(PCIDevice *pdev, uint32_t addr,
                                            uint32_t val, int len, uint8_t pm,
                                            bool d3_before)
{
    uint8_t exp = pci_find_capability(pdev, PCI_CAP_ID_EXP);
    int devctl_hi = exp ? vfio_pci_written_byte(addr, val, len,
                                                exp + PCI_EXP_DEVCTL + 1) : -1;

    if (devctl_hi >= 0 && devctl_hi & (PCI_EXP_DEVCTL_BCR_FLR >> 8)) {
        return true;
    }
    return d3_before && vfio_pci_power_state(pdev, pm) == 0;    /* D0 */
}

void vfio_pci_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                           int len)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);
    uint32_t le = htole32(val);
    bool msi_was = vdev->msi_cap && msi_enabled(pdev);
    uint8_t pm;
    bool d3_before = false;

    if (len < 1 || len > 4 || addr + len > pci_config_size(pdev)) {
        return;
    }
    pm = addr >= PCI_CONFIG_HEADER_SIZE ?
         pci_find_capability(pdev, PCI_CAP_ID_PM) : 0;
    if (pm && vfio_pci_written_byte(addr, val, len, pm + PCI_PM_CTRL) >= 0) {
        d3_before = vfio_pci_power_state(pdev, pm) != 0;   /* not D0 */
    } else {
        pm = 0;
    }
    /* The kernel virtualizes what the device must not see (BARs, MSI). */
    if (addr < vdev->config_size &&
        vfio_region_write(&vdev->config, addr, &le, len) != len) {
        warn_report_once("vfio %s: config write at 0x%x failed",
                         vdev->vbasedev.name, addr);
    }
    pci_default_write_config(pdev, addr, val, len);
    if (vdev->msi_cap && addr < vdev->msi_cap + PCI_MSI_FLAGS + 2 &&
        addr + len > vdev->msi_cap + PCI_MSI_FLAGS &&
        msi_was != msi_enabled(pdev)) {
        vfio_pci_msi_update(vdev);
    } else if (vdev->msi_cap && addr < vdev->msi_cap + PCI_MSI_PENDING_64 &&
               addr + len > vdev->msi_cap) {
        /* A new address or data, or mask bits, while MSI stays on. */
        vfio_pci_msi_sync(vdev);
    }
    vfio_pci_msix_update(vdev);
    if (addr >= PCI_CONFIG_HEADER_SIZE &&
        vfio_pci_write_restores_dmabufs(pdev, addr, val, len, pm, d3_before)) {
        vfio_dma_remap_files(OBJECT(vdev));
    }
}
