/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the q35 machine needs to run a guest without firmware: the
 * legacy devices (ACPI PM block, COM1, CMOS RTC) and the direct Linux
 * boot (kernel, initrd, boot_params, ACPI tables), tied to a running
 * q35 machine.  The accelerator calls these; see docs/devel/boot.rst.
 */
#ifndef HW_I386_X86_BOOT_Q35_H
#define HW_I386_X86_BOOT_Q35_H

#include "hw/boards.h"
#include "hw/acpi/acpi-tables.h"
#include "hw/acpi/pm.h"
#include "hw/char/serial.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/i386/x86-boot.h"

typedef struct Q35LegacyDevices {
    AcpiPMState *pm;            /* 0x600, SCI on GSI 9 */
    SerialState *com1;          /* 0x3f8, GSI 4; NULL if absent */
    RTCState *rtc;              /* 0x70, GSI 8 */
} Q35LegacyDevices;

/*
 * Creates the legacy devices of @ms (after board init), their lines on
 * /machine/ioapic.  COM1 per ms->serial_present/serial_chr, the RTC
 * from ms->rtc_start.  @power_off and @reset: see acpi_pm_create().
 */
bool q35_legacy_devices_init(MachineState *ms, Q35LegacyDevices *out,
                             AcpiPMRequest *power_off, AcpiPMRequest *reset,
                             void *opaque, Error **errp);

/*
 * The ACPI description of @ms with @cpus vCPUs as it is now (root ports
 * included; @root_ports, of uint8_t devfns, backs desc->root_ports, and
 * @apic_ids, of uint32_t, backs desc->apic_ids: the -smp topology's).
 */
void q35_acpi_describe(MachineState *ms, unsigned cpus, AcpiMachineDesc *desc,
                       GArray *root_ports, GArray *apic_ids);

typedef struct Q35DirectBoot Q35DirectBoot;

/*
 * Start-up check of -kernel/-initrd/-append against @ms (after board
 * init): the files open, the kernel is a bzImage we can boot, the
 * initrd and command line fit.  Nothing is written.  True without
 * -kernel.
 */
bool q35_direct_boot_validate(MachineState *ms, Error **errp);

/*
 * Reads and checks ms->kernel_filename and ms->initrd_filename (errors
 * as x86_boot_image_open).  NULL without an error if there is no
 * -kernel.  @cpus: the vCPUs the MADT lists (-smp).
 */
Q35DirectBoot *q35_direct_boot_new(MachineState *ms, unsigned cpus,
                                   Error **errp);
void q35_direct_boot_free(Q35DirectBoot *boot);

/*
 * Builds the ACPI tables for the machine as it is now, writes them, the
 * kernel, the initrd and boot_params into guest RAM and fills @cpu for
 * vCPU 0.  Call after every system reset, before vCPU 0 runs.
 */
bool q35_direct_boot_reset(Q35DirectBoot *boot, X86BootCPUState *cpu,
                           Error **errp);

#endif
