/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "vfio-pci": realize, BARs, reset, properties (see vfio-pci.h)
 */
#include "qemu/osdep.h"

#include <linux/pci_regs.h>

#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/vfio/vfio-pci.h"
#include "vfio-dma-map.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "hw/vfio/trace.h"

static void vfio_pci_bars_teardown(VFIOPCIDevice *vdev)
{
    for (int i = 0; i < PCI_ROM_SLOT; i++) {
        vfio_region_finalize(&vdev->bars[i].region);
    }
    vfio_region_finalize(&vdev->rom);
}

/* Sets up and registers BAR @nr; *skip is set for the upper half of 64-bit. */
static bool vfio_pci_bar_setup(VFIOPCIDevice *vdev, int nr, bool *skip,
                               Error **errp)
{
    VFIOBAR *bar = &vdev->bars[nr];
    g_autofree char *name = g_strdup_printf("%s BAR %d", vdev->vbasedev.name,
                                            nr);
    uint32_t raw = 0;

    if (!vfio_region_setup(&vdev->vbasedev, &bar->region,
                           VFIO_PCI_BAR0_REGION_INDEX + nr, name, errp)) {
        return false;
    }
    if (!bar->region.size) {
        return true;
    }
    if (bar->region.size & (bar->region.size - 1)) {
        error_setg(errp, "vfio %s: BAR %d size 0x%" PRIx64 " is not a power "
                   "of two", vdev->vbasedev.name, nr, bar->region.size);
        return false;
    }
    if (vfio_region_read(&vdev->config, PCI_BASE_ADDRESS_0 + 4 * nr, &raw,
                         4) != 4) {
        error_setg(errp, "vfio %s: cannot read BAR %d", vdev->vbasedev.name,
                   nr);
        return false;
    }
    raw = le32toh(raw);
    if (raw & PCI_BASE_ADDRESS_SPACE_IO) {
        bar->type = PCI_BASE_ADDRESS_SPACE_IO;
    } else {
        bar->type = raw & ~PCI_BASE_ADDRESS_MEM_MASK;
        bar->mem64 = (raw & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
                     PCI_BASE_ADDRESS_MEM_TYPE_64;
        *skip = bar->mem64;
        if (!vfio_region_mmap(&bar->region, errp)) {
            return false;
        }
    }
    pci_register_bar(PCI_DEVICE(vdev), nr, bar->type, bar->region.mem);
    return true;
}

/* rombar=0 or romfile="" (libvirt's <rom bar='off'/>, <rom enabled='no'/>) */
static bool vfio_pci_rom_hidden(VFIOPCIDevice *vdev)
{
    return !vdev->rombar || (vdev->romfile && !*vdev->romfile);
}

/*
 * The options libvirt writes for a hostdev that we have no use for: a
 * refusal saying why, rather than "not found" or a silent no-op.
 */
static bool vfio_pci_check_libvirt(VFIOPCIDevice *vdev, Error **errp)
{
    const char *name = vdev->vbasedev.name;

    if (vdev->romfile && *vdev->romfile) {
        error_setg(errp, "vfio %s: romfile='%s': an option ROM from a file "
                   "is not supported (rombar=0 hides the device's own ROM)",
                   name, vdev->romfile);
        return false;
    }
    if (vdev->bootindex >= 0) {
        error_setg(errp, "vfio %s: bootindex=%d: this machine has no "
                   "firmware boot order (it starts the -kernel image "
                   "directly)", name, vdev->bootindex);
        return false;
    }
    if (vdev->vga) {
        error_setg(errp, "vfio %s: x-vga=on: VGA passthrough is not "
                   "supported (the machine has no legacy VGA ranges to "
                   "forward)", name);
        return false;
    }
    return true;
}

static bool vfio_pci_rom_setup(VFIOPCIDevice *vdev, Error **errp)
{
    g_autofree char *name = g_strdup_printf("%s ROM", vdev->vbasedev.name);

    if (vdev->vbasedev.num_regions <= VFIO_PCI_ROM_REGION_INDEX ||
        vfio_pci_rom_hidden(vdev)) {
        return true;
    }
    if (!vfio_region_setup(&vdev->vbasedev, &vdev->rom,
                           VFIO_PCI_ROM_REGION_INDEX, name, errp)) {
        return false;
    }
    if (vdev->rom.size && !(vdev->rom.size & (vdev->rom.size - 1))) {
        /* Read through pread only: ROM contents come from the kernel. */
        pci_register_bar(PCI_DEVICE(vdev), PCI_ROM_SLOT, 0, vdev->rom.mem);
    }
    return true;
}

static void vfio_pci_realize(PCIDevice *pdev, Error **errp)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);
    VFIODevice *vbasedev = &vdev->vbasedev;
    bool skip = false;

    vbasedev->iommufd_opt = g_strdup(vdev->iommufd);
    vbasedev->force_separate_ioas = vdev->force_separate_ioas;
    vbasedev->ioas_copy = vdev->ioas_copy;
    if (vdev->fd && !vfio_device_set_fd(vbasedev, vdev->fd, errp)) {
        goto fail;
    }
    if (!vfio_device_set_host(vbasedev, vdev->host, vdev->sysfsdev, errp) ||
        !vfio_device_claim_host(vbasedev, errp) ||
        !vfio_pci_check_libvirt(vdev, errp)) {
        goto fail;
    }
    if (!vdev->p2p) {
        vfio_p2p_set_excluded(OBJECT(vdev), true);
    }
    if (!vfio_device_attach(vbasedev, pci_device_iommu_address_space(pdev),
                            errp)) {
        goto fail;
    }
    if (!(vbasedev->flags & VFIO_DEVICE_FLAGS_PCI) ||
        vbasedev->num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
        error_setg(errp, "vfio %s: not a PCI device (flags 0x%x, %u regions)",
                   vbasedev->name, vbasedev->flags, vbasedev->num_regions);
        goto fail;
    }
    if (!vfio_pci_config_setup(vdev, errp)) {
        goto fail;
    }
    for (int i = 0; i < PCI_ROM_SLOT; i++) {
        if (skip) {
            skip = false;
            continue;
        }
        if (!vfio_pci_bar_setup(vdev, i, &skip, errp)) {
            goto fail;
        }
    }
    vfio_pci_msix_setup(vdev);
    if (!vfio_pci_rom_setup(vdev, errp) || !vfio_pci_intx_enable(vdev, errp)) {
        goto fail;
    }
    return;

fail:
    vfio_pci_msix_disable(vdev);
    vfio_pci_irq_teardown(vdev);
    vfio_pci_msix_teardown(vdev);
    vfio_pci_bars_teardown(vdev);
    vfio_pci_config_teardown(vdev);
    vfio_device_finalize(vbasedev);
    vfio_p2p_forget(OBJECT(vdev));
}

static void vfio_pci_exit(PCIDevice *pdev)
{
    VFIOPCIDevice *vdev = VFIO_PCI(pdev);

    vfio_pci_msix_disable(vdev);
    vfio_pci_irq_teardown(vdev);
    vfio_pci_msix_teardown(vdev);
    vfio_pci_bars_teardown(vdev);
    vfio_pci_config_teardown(vdev);
    vfio_device_finalize(&vdev->vbasedev);
    vfio_p2p_forget(OBJECT(vdev));
}

/*
 * A bus/slot reset through the container (no FLR on the device).  The
 * kernel revoked the dma-bufs of every device it hit, which may include
 * devices the guest did not reset (a sibling on the host's bus, its
 * decoding still on): their BAR mappings are made again.
 */
static bool vfio_pci_hot_reset(VFIOPCIDevice *vdev, Error **errp)
{
    VFIODevice *vbasedev = &vdev->vbasedev;
    VFIOContainerClass *k = VFIO_CONTAINER_GET_CLASS(vbasedev->container);
    g_autoptr(GPtrArray) affected = g_ptr_array_new();

    if (!k->pci_hot_reset) {
        error_setg(errp, "vfio %s: no available reset mechanism",
                   vbasedev->name);
        return false;
    }
    BQL_ASSERT_HELD();
    if (k->pci_hot_reset(vbasedev->container, vbasedev, false, affected,
                         errp) < 0) {
        return false;
    }
    for (guint i = 0; i < affected->len; i++) {
        VFIODevice *d = g_ptr_array_index(affected, i);

        vfio_dma_remap_files(d->owner);
    }
    return true;
}

static void vfio_pci_reset(DeviceState *dev)
{
    VFIOPCIDevice *vdev = VFIO_PCI(dev);
    VFIODevice *vbasedev = &vdev->vbasedev;
    Error *err = NULL;
    uint16_t cmd = 0;

    if (vbasedev->fd < 0) {
        return;
    }
    vfio_pci_msix_disable(vdev);
    vfio_pci_irq_teardown(vdev);
    /*
     * Stop DMA and decoding before the function reset, in the device and
     * in our copy of its command register alike: the BAR mappings follow
     * our copy, and a mapping made while the kernel has decoding off is
     * refused (type1 cannot fault the BAR in, the dma-buf is revoked).  A
     * hot-plugged device is reset by itself, without the bus reset that
     * clears our copy (pci_do_device_reset).  Not through
     * vfio_pci_write_config(): its interrupt updates would set up again
     * what was just torn down.
     */
    vfio_region_write(&vdev->config, PCI_COMMAND, &cmd, 2);
    pci_default_write_config(PCI_DEVICE(vdev), PCI_COMMAND, cmd, 2);
    if (vbasedev->reset_works) {
        bool ok = vfio_device_reset(vbasedev, &err);

        trace_vfio_pci_reset(vbasedev->name, "device", ok);
        if (!ok) {
            warn_report_err(err);
            err = NULL;
        }
        /* the kernel revoked the BARs' dma-bufs around the reset */
        vfio_dma_remap_files(OBJECT(vdev));
    } else if (vfio_pci_hot_reset(vdev, &err)) {
        trace_vfio_pci_reset(vbasedev->name, "hot", true);
    } else {
        trace_vfio_pci_reset(vbasedev->name, "hot", false);
        /* Once: a machine without FLR or bus reset keeps saying so. */
        if (!vdev->reset_warned) {
            error_prepend(&err, "cannot reset the device: ");
            warn_report_err(err);
            vdev->reset_warned = true;
        } else {
            error_free(err);
        }
        err = NULL;
    }
    if (!vfio_pci_intx_enable(vdev, &err)) {
        warn_report_err(err);
    }
}

static char *vfio_pci_get_backend(Object *obj, Error **errp)
{
    return g_strdup(vfio_device_backend_name(&VFIO_PCI(obj)->vbasedev));
}

/* Whether some container maps this device's BARs right now */
static bool vfio_pci_get_p2p_mapped(Object *obj, Error **errp)
{
    return vfio_dma_owner_mapped(obj);
}

static void vfio_pci_instance_init(Object *obj)
{
    VFIOPCIDevice *vdev = VFIO_PCI(obj);

    vfio_device_init(&vdev->vbasedev, obj);
    vdev->intx.fd = -1;
    vdev->intx_unmask_fd = -1;
}

static void vfio_pci_instance_finalize(Object *obj)
{
    vfio_device_finalize(&VFIO_PCI(obj)->vbasedev);
}

static const Property vfio_pci_props[] = {
    DEFINE_PROP_STRING("host", VFIOPCIDevice, host),
    DEFINE_PROP_STRING("sysfsdev", VFIOPCIDevice, sysfsdev),
    DEFINE_PROP_STRING("fd", VFIOPCIDevice, fd),
    DEFINE_PROP_STRING("iommufd", VFIOPCIDevice, iommufd),
    DEFINE_PROP_BOOL("x-p2p", VFIOPCIDevice, p2p, true),
    DEFINE_PROP_BOOL("x-force-separate-ioas", VFIOPCIDevice,
                     force_separate_ioas, false),
    DEFINE_PROP_BOOL("x-ioas-copy", VFIOPCIDevice, ioas_copy, true),
    DEFINE_PROP_UINT32("rombar", VFIOPCIDevice, rombar, 1),
    DEFINE_PROP_STRING("romfile", VFIOPCIDevice, romfile),
    DEFINE_PROP_INT32("bootindex", VFIOPCIDevice, bootindex, -1),
    DEFINE_PROP_BOOL("x-vga", VFIOPCIDevice, vga, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void vfio_pci_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    dc->desc = "VFIO-based PCI device assignment";
    dc->hotpluggable = true;
    dc->reset = vfio_pci_reset;
    device_class_set_props(dc, vfio_pci_props);
    object_class_property_set_description(oc, "host",
        "Host PCI address [domain:]<bus:slot.function> of the device");
    object_class_property_set_description(oc, "sysfsdev",
        "Host sysfs path of the device");
    object_class_property_set_description(oc, "fd",
        "An open VFIO device cdev (number or monitor fd name); "
        "implies the iommufd backend");
    object_class_property_set_description(oc, "iommufd",
        "IOMMU backend: on, off, auto (default) or the id of an iommufd "
        "object");
    object_class_property_set_description(oc, "x-p2p",
        "DMA-map the device's BARs for peer-to-peer DMA");
    object_class_property_set_description(oc, "x-force-separate-ioas",
        "Give the device a container (IOAS) of its own (testing)");
    object_class_property_set_description(oc, "x-ioas-copy",
        "Fill a new container (IOAS) by copying an existing one's "
        "mappings (default) rather than mapping every section again");
    object_class_property_set_description(oc, "rombar",
        "0: the guest sees no expansion ROM (default 1: the device's own)");
    object_class_property_set_description(oc, "romfile",
        "Empty: no expansion ROM; a file is not supported");
    object_class_property_set_description(oc, "bootindex",
        "Not supported: the machine has no firmware boot order");
    object_class_property_set_description(oc, "x-vga",
        "Not supported: VGA passthrough (only off is accepted)");
    object_class_property_add_str(oc, "backend", vfio_pci_get_backend, NULL);
    object_class_property_set_description(oc, "backend",
        "The IOMMU backend in use: legacy, iommufd or none (read-only)");
    object_class_property_add_bool(oc, "p2p-mapped", vfio_pci_get_p2p_mapped,
                                   NULL);
    object_class_property_set_description(oc, "p2p-mapped",
        "Whether the device's BARs are DMA-mapped now, so that other "
        "devices can reach them (peer-to-peer; read-only)");
    pc->realize = vfio_pci_realize;
    pc->exit = vfio_pci_exit;
    pc->config_read = vfio_pci_read_config;
    pc->config_write = vfio_pci_write_config;
}

static const TypeInfo vfio_pci_info = {
    .name = TYPE_VFIO_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VFIOPCIDevice),
    .instance_init = vfio_pci_instance_init,
    .instance_finalize = vfio_pci_instance_finalize,
    .class_init = vfio_pci_class_init,
};

static void vfio_pci_register_types(void)
{
    type_register_static(&vfio_pci_info);
}
type_init(vfio_pci_register_types)
