/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 machine's firmware-less boot: legacy devices and the direct
 * Linux boot tied to its memory map (include/hw/i386/q35.h).
 */
#include "qemu/osdep.h"
#include "hw/i386/x86-boot-q35.h"
#include "hw/i386/q35.h"
#include "hw/i386/x86-cpu.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie_port.h"

struct Q35DirectBoot {
    MachineState *ms;
    unsigned cpus;
    X86BootImage *image;
};

static DeviceState *q35_ioapic(MachineState *ms, Error **errp)
{
    Object *obj = object_resolve_path_component(OBJECT(ms), "ioapic");

    if (!obj) {
        error_setg(errp, "the machine has no interrupt controller");
        return NULL;
    }
    return DEVICE(obj);
}

bool q35_legacy_devices_init(MachineState *ms, Q35LegacyDevices *out,
                             AcpiPMRequest *power_off, AcpiPMRequest *reset,
                             void *opaque, Error **errp)
{
    DeviceState *ioapic = q35_ioapic(ms, errp);

    if (!ioapic) {
        return false;
    }
    *out = (Q35LegacyDevices) { 0 };
    if (ms->serial_present) {
        out->com1 = serial_create(OBJECT(ms), SERIAL_COM1_BASE,
                                  qdev_get_gpio_in(ioapic, SERIAL_COM1_IRQ),
                                  ms->serial_chr, errp);
        if (!out->com1) {
            return false;
        }
    }
    out->pm = acpi_pm_create(OBJECT(ms), ACPI_PM_BASE_DEFAULT,
                             qdev_get_gpio_in(ioapic, ACPI_PM_SCI_GSI),
                             power_off, reset, opaque, errp);
    if (!out->pm) {
        return false;
    }
    out->rtc = rtc_create(OBJECT(ms), ms->rtc_start,
                          qdev_get_gpio_in(ioapic, RTC_ISA_IRQ), errp);
    return out->rtc != NULL;
}

static PCIBus *q35_root_bus(void)
{
    Object *obj = object_resolve_path_type("/machine/q35",
                                           TYPE_PCI_HOST_BRIDGE, NULL);

    return obj ? PCI_HOST_BRIDGE(obj)->bus : NULL;
}

void q35_acpi_describe(MachineState *ms, unsigned cpus, AcpiMachineDesc *d,
                       GArray *root_ports, GArray *apic_ids)
{
    PCIBus *bus = q35_root_bus();

    g_array_set_size(apic_ids, 0);
    for (unsigned i = 0; i < cpus; i++) {
        uint32_t id = x86_topo_apic_id(&cpu_topology, i);

        g_array_append_val(apic_ids, id);
    }
    g_array_set_size(root_ports, 0);
    for (int devfn = 0; bus && devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *dev = bus->devices[devfn];

        if (dev && object_dynamic_cast(OBJECT(dev), TYPE_PCIE_ROOT_PORT)) {
            uint8_t v = devfn;

            g_array_append_val(root_ports, v);
        }
    }
    *d = (AcpiMachineDesc) {
        .cpus = cpus,
        .apic_ids = (const uint32_t *)apic_ids->data,
        .ecam_base = Q35_ECAM_BASE,
        .ecam_last_bus = (Q35_ECAM_SIZE >> 20) - 1,
        .mmio32_start = Q35_PCI_MMIO32_START,
        .mmio32_end = Q35_PCI_MMIO32_END,
        .mmio64_start = q35_pci_hole64_start(),
        .mmio64_end = q35_pci_hole64_end(),
        .ioapic_addr = 0xfec00000,
        .ioapic_id = 0,
        .pirq_gsi_base = Q35_PIRQ_GSI_BASE,
        .n_pirqs = Q35_NUM_PIRQS,
        .root_ports = (const uint8_t *)root_ports->data,
        .n_root_ports = root_ports->len,
        .pm_base = ACPI_PM_BASE_DEFAULT,
        .sci_gsi = ACPI_PM_SCI_GSI,
        .has_serial = ms->serial_present,
        .has_rtc = true,
    };
}

Q35DirectBoot *q35_direct_boot_new(MachineState *ms, unsigned cpus,
                                   Error **errp)
{
    Q35DirectBoot *boot;
    X86BootImage *image;

    if (!ms->kernel_filename) {
        return NULL;
    }
    image = x86_boot_image_open(ms->kernel_filename, ms->initrd_filename,
                                ms->kernel_cmdline, errp);
    if (!image) {
        return NULL;
    }
    boot = g_new0(Q35DirectBoot, 1);
    boot->ms = ms;
    boot->cpus = cpus;
    boot->image = image;
    return boot;
}

void q35_direct_boot_free(Q35DirectBoot *boot)
{
    if (boot) {
        x86_boot_image_free(boot->image);
        g_free(boot);
    }
}

static X86BootMachine q35_boot_machine(MachineState *ms)
{
    uint64_t below = MIN(ms->ram_size, Q35_PCI_HOLE_START);

    return (X86BootMachine) {
        .ram_below_4g = below,
        .ram_above_4g = ms->ram_size - below,
        .ecam_base = Q35_ECAM_BASE,
        .ecam_size = Q35_ECAM_SIZE,
    };
}

bool q35_direct_boot_validate(MachineState *ms, Error **errp)
{
    g_autoptr(X86BootImage) image = NULL;
    X86BootMachine m = q35_boot_machine(ms);

    if (!ms->kernel_filename) {
        return true;
    }
    image = x86_boot_image_open(ms->kernel_filename, ms->initrd_filename,
                                ms->kernel_cmdline, errp);
    return image && x86_boot_image_check(image, &m, errp);
}

bool q35_direct_boot_reset(Q35DirectBoot *boot, X86BootCPUState *cpu,
                           Error **errp)
{
    MachineState *ms = boot->ms;
    X86BootMachine m = q35_boot_machine(ms);
    g_autoptr(GArray) ports = g_array_new(false, false, 1);
    g_autoptr(GArray) apic_ids = g_array_new(false, false, sizeof(uint32_t));
    g_autoptr(GByteArray) acpi = NULL;
    AcpiMachineDesc desc;

    q35_acpi_describe(ms, boot->cpus, &desc, ports, apic_ids);
    acpi = acpi_build_tables(&desc, X86_BOOT_ACPI_ADDR, NULL);
    return x86_boot_image_place(boot->image, &address_space_memory, &m, acpi,
                                cpu, errp);
}
