/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI PM1 event/control registers, the PM timer, the power button,
 * S5 power-off and the keyboard controller's reset (0x64 <- 0xfe).
 * Register map: include/hw/acpi/pm.h.
 */
#include "qemu/osdep.h"
#include "hw/acpi/pm.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"
#include "qemu/timer.h"
#include "system/memory.h"

struct AcpiPMState {
    SysBusDevice parent_obj;
    MemoryRegion io;
    MemoryRegion kbd_io;
    qemu_irq sci;
    uint16_t base;
    uint16_t sts;
    uint16_t en;
    uint16_t cnt;
    AcpiPMRequest *power_off;
    AcpiPMRequest *reset;
    void *opaque;
};

#define ACPI_PM(obj) OBJECT_CHECK(AcpiPMState, (obj), TYPE_ACPI_PM)

#define PM1_STS_WRITABLE (ACPI_PM1_STS_TMR | ACPI_PM1_STS_PWRBTN | \
                          ACPI_PM1_STS_WAK)
/*
 * GBL_EN sticks so that Linux's check of its global-lock event passes
 * (it prints two errors otherwise); with no firmware, GBL_STS never rises.
 */
#define PM1_EN_WRITABLE  (ACPI_PM1_STS_TMR | ACPI_PM1_STS_GBL | \
                          ACPI_PM1_STS_PWRBTN)
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7)

static void pm_update_sci(AcpiPMState *s)
{
    qemu_set_irq(s->sci, !!(s->sts & s->en & PM1_EN_WRITABLE));
}

/*
 * The PM timer counts at 3.579545 MHz on the guest's clock, the virtual
 * clock: under an accelerator it follows host time while the VM runs and
 * stands still while it is stopped, so a guest never sees its timer jump
 * by the length of a pause; under qtest the tests step it.
 */
static uint32_t pm_timer_read(void)
{
    __int128 ticks = (__int128)qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) *
                     ACPI_PM_TIMER_HZ / NANOSECONDS_PER_SECOND;

    return (uint32_t)ticks & 0xffffff;
}

static uint64_t pm_read(void *opaque, hwaddr addr, unsigned size)
{
    AcpiPMState *s = opaque;
    uint64_t val;

    switch (addr & ~3) {
    case 0:
        val = s->sts | (uint32_t)s->en << 16;
        break;
    case ACPI_PM1_CNT_OFFSET:
        val = s->cnt | ACPI_PM1_CNT_SCI_EN;
        break;
    case ACPI_PM_TMR_OFFSET:
        val = pm_timer_read();
        break;
    default:
        return 0;
    }
    return (val >> ((addr & 3) * 8)) & (size == 4 ? 0xffffffffu :
                                       (1u << (size * 8)) - 1);
}

static void pm_write_cnt(AcpiPMState *s, uint16_t val)
{
    /* SLP_EN is write-only: it never reads back. */
    s->cnt = val & ~ACPI_PM1_CNT_SLP_EN;
    if ((val & ACPI_PM1_CNT_SLP_EN) &&
        PM1_CNT_SLP_TYP(val) == ACPI_PM_SLP_TYP_S5 && s->power_off) {
        s->power_off(s->opaque);
    }
}

static void pm_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    AcpiPMState *s = opaque;

    /* Byte and word accesses at any offset: assemble per register. */
    for (unsigned i = 0; i < size; i++) {
        hwaddr a = addr + i;
        uint8_t byte = val >> (8 * i);
        unsigned shift = (a & 1) * 8;

        switch (a & ~1) {
        case 0:             /* PM1_STS: write 1 to clear */
            s->sts &= ~((byte << shift) & PM1_STS_WRITABLE);
            break;
        case 2:             /* PM1_EN */
            s->en = (s->en & ~(0xff << shift)) |
                    ((byte << shift) & PM1_EN_WRITABLE);
            break;
        case ACPI_PM1_CNT_OFFSET:
            /* Act once the high byte (SLP_EN's) is written. */
            if (shift == 0) {
                s->cnt = (s->cnt & 0xff00) | byte;
            } else {
                pm_write_cnt(s, (s->cnt & 0xff) | byte << 8);
            }
            break;
        default:            /* the timer and the rest are read-only */
            break;
        }
    }
    pm_update_sci(s);
}

static const MemoryRegionOps pm_ops = {
    .read = pm_read,
    .write = pm_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/* Status 0: output and input buffers empty, so waiting loops end. */
static uint64_t kbd_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void kbd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    AcpiPMState *s = opaque;

    /* 0xfe pulses output port bit 0, the CPU reset line. */
    if (val == 0xfe && s->reset) {
        s->reset(s->opaque);
    }
}

static const MemoryRegionOps kbd_ops = {
    .read = kbd_read,
    .write = kbd_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

bool acpi_pm_press_power_button(AcpiPMState *s)
{
    s->sts |= ACPI_PM1_STS_PWRBTN;
    pm_update_sci(s);
    return s->en & ACPI_PM1_STS_PWRBTN;
}

/* The machine's PM block (there is at most one: it owns fixed ports). */
static AcpiPMState *machine_pm;

AcpiPMState *acpi_pm_find(void)
{
    return machine_pm;
}

/*
 * QMP system_powerdown: emits POWERDOWN and presses the power button of
 * the machine's PM block, if it has one (a guest that ignores it simply
 * keeps running, as on QEMU).
 */
void qmp_system_powerdown(Error **errp)
{
    AcpiPMState *pm;

    qapi_event_send_powerdown();
    pm = acpi_pm_find();
    if (pm) {
        acpi_pm_press_power_button(pm);
    }
}

static void pm_reset(DeviceState *dev)
{
    AcpiPMState *s = ACPI_PM(dev);

    s->sts = 0;
    s->en = 0;
    s->cnt = 0;
    pm_update_sci(s);
}

static void pm_init(Object *obj)
{
    AcpiPMState *s = ACPI_PM(obj);

    memory_region_init_io(&s->io, obj, &pm_ops, s, "acpi-pm", ACPI_PM_IO_LEN);
    memory_region_init_io(&s->kbd_io, obj, &kbd_ops, s, "kbd-reset", 1);
    qdev_init_gpio_out_named(DEVICE(obj), &s->sci, "sci", 1);
}

static void pm_finalize(Object *obj)
{
    AcpiPMState *s = ACPI_PM(obj);

    if (memory_region_is_mapped(&s->io)) {
        memory_region_del_subregion(get_system_io(), &s->io);
        memory_region_del_subregion(get_system_io(), &s->kbd_io);
    }
    if (machine_pm == s) {
        machine_pm = NULL;
    }
    memory_region_finalize(&s->io);
    memory_region_finalize(&s->kbd_io);
}

AcpiPMState *acpi_pm_create(Object *parent, uint16_t base, qemu_irq sci,
                            AcpiPMRequest *power_off, AcpiPMRequest *reset,
                            void *opaque, Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_ACPI_PM);
    AcpiPMState *s = ACPI_PM(dev);

    s->base = base;
    s->power_off = power_off;
    s->reset = reset;
    s->opaque = opaque;
    object_property_add_child(parent, "acpi-pm", OBJECT(dev));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), errp)) {
        return NULL;
    }
    qdev_connect_gpio_out_named(dev, "sci", 0, sci);
    /* Above anything a PCI BAR may decode there. */
    memory_region_add_subregion_overlap(get_system_io(), base, &s->io, 10);
    memory_region_add_subregion_overlap(get_system_io(), KBD_COMMAND_PORT,
                                        &s->kbd_io, 10);
    machine_pm = s;
    return s;
}

static void pm_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "ACPI PM1 registers, PM timer, keyboard-controller reset";
    dc->reset = pm_reset;
    dc->user_creatable = false;
}

static const TypeInfo pm_info = {
    .name = TYPE_ACPI_PM,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(AcpiPMState),
    .instance_init = pm_init,
    .instance_finalize = pm_finalize,
    .class_init = pm_class_init,
};

static void pm_register_types(void)
{
    type_register_static(&pm_info);
}

type_init(pm_register_types)
