/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI fixed-hardware power management registers (PM1 event and
 * control, PM timer) and the keyboard controller's reset port, as I/O
 * ports.  The FADT's reset register (0xCF9, RST_CNT) is not here: the
 * q35 host bridge serves it next to CONFIG_ADDRESS (hw/i386/q35.c).
 *
 * Port map (the FADT built by hw/acpi/acpi-tables.c names the same):
 *   base + 0  PM1a_STS  (16 bit, write 1 to clear; bit 8 PWRBTN_STS,
 *                        bit 15 WAK_STS)
 *   base + 2  PM1a_EN   (16 bit; bit 8 PWRBTN_EN)
 *   base + 4  PM1a_CNT  (16 bit; bit 0 SCI_EN reads 1 always: there is
 *                        no SMI and no legacy mode; bits 10-12 SLP_TYP,
 *                        bit 13 SLP_EN)
 *   base + 8  PM_TMR    (32 bit, read-only, 3.579545 MHz, 24 bits wide)
 *   0x64      keyboard controller command port: 0xfe is "pulse reset";
 *             reads return 0 (input buffer empty) so Linux's wait loop
 *             ends
 * Writing SLP_EN with SLP_TYP = ACPI_PM_SLP_TYP_S5 is "power off"
 * (the DSDT's \_S5 package gives the guest that value); other sleep
 * types are ignored (we announce no S1-S4).  The SCI is a level line,
 * raised while (PM1a_STS & PM1a_EN) has a bit set.
 */
#ifndef HW_ACPI_PM_H
#define HW_ACPI_PM_H

#include "hw/sysbus.h"
#include "hw/irq.h"

#define TYPE_ACPI_PM "acpi-pm"

#define ACPI_PM_BASE_DEFAULT    0x600
#define ACPI_PM1_EVT_LEN        4
#define ACPI_PM1_CNT_OFFSET     4
#define ACPI_PM1_CNT_LEN        2
#define ACPI_PM_TMR_OFFSET      8
#define ACPI_PM_TMR_LEN         4
#define ACPI_PM_IO_LEN          16
#define ACPI_PM_TIMER_HZ        3579545
#define ACPI_PM_SLP_TYP_S5      5
#define ACPI_PM_SCI_GSI         9
/* What the FADT names as the reset register; q35's RST_CNT serves it. */
#define ACPI_RESET_PORT         0xcf9
#define ACPI_RESET_VALUE        0x06
#define KBD_COMMAND_PORT        0x64

#define ACPI_PM1_STS_TMR        (1u << 0)
#define ACPI_PM1_STS_GBL        (1u << 5)
#define ACPI_PM1_STS_PWRBTN     (1u << 8)
#define ACPI_PM1_STS_WAK        (1u << 15)
#define ACPI_PM1_CNT_SCI_EN     (1u << 0)
#define ACPI_PM1_CNT_SLP_EN     (1u << 13)

typedef struct AcpiPMState AcpiPMState;

typedef void AcpiPMRequest(void *opaque);

/*
 * Creates, realizes and maps the block at @base in the system I/O
 * space (plus 0x64), its SCI driving @sci.  @power_off and
 * @reset are called when the guest asks (from the vCPU's I/O exit, with
 * the device's state already updated); either may be NULL.  Returns
 * NULL with @errp set if the device does not realize (a -global for it
 * that does not apply).
 */
AcpiPMState *acpi_pm_create(Object *parent, uint16_t base, qemu_irq sci,
                            AcpiPMRequest *power_off, AcpiPMRequest *reset,
                            void *opaque, Error **errp);

/*
 * The power button: sets PWRBTN_STS and raises the SCI if the guest
 * enabled it.  Returns false if the guest has not enabled the power
 * button event (an OS without ACPI will not react).
 */
bool acpi_pm_press_power_button(AcpiPMState *pm);

/* The one acpi-pm device of the machine, or NULL. */
AcpiPMState *acpi_pm_find(void);

#endif
