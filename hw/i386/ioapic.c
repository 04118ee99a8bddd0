/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The interrupt controller's input side: 24 level-sensitive lines whose
 * state tests can observe.  Under KVM each change also drives the GSI of
 * the in-kernel PIC/IOAPIC (KVM_IRQ_LINE), which delivers it to the vCPUs.
 */
#include "qemu/osdep.h"
#include "hw/i386/q35.h"
#include "hw/sysbus.h"
#include "system/kvm.h"

typedef struct IOAPICState {
    SysBusDevice parent_obj;
    uint32_t levels;
} IOAPICState;

#define IOAPIC(obj) OBJECT_CHECK(IOAPICState, (obj), TYPE_IOAPIC)

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IOAPICState *s = IOAPIC(opaque);

    if (n < 0 || n >= IOAPIC_NUM_PINS) {
        return;
    }
    if (level) {
        s->levels |= 1u << n;
    } else {
        s->levels &= ~(1u << n);
    }
    if (kvm_irqchip_in_kernel()) {
        kvm_set_irq(n, level);
    }
}

int ioapic_get_level(int n)
{
    Object *obj = object_resolve_path_type("/machine/ioapic", TYPE_IOAPIC,
                                           NULL);

    if (!obj || n < 0 || n >= IOAPIC_NUM_PINS) {
        return 0;
    }
    return (IOAPIC(obj)->levels >> n) & 1;
}

static void ioapic_init(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), ioapic_set_irq, IOAPIC_NUM_PINS);
}

static void ioapic_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "I/O APIC input lines";
    object_class_property_add_uint32_field(oc, "levels",
                                           offsetof(IOAPICState, levels),
                                           OBJ_PROP_FLAG_READ);
    object_class_property_set_description(oc, "levels",
        "Current level of each input line, bit n for GSI n");
}

static const TypeInfo ioapic_info = {
    .name = TYPE_IOAPIC,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(IOAPICState),
    .instance_init = ioapic_init,
    .class_init = ioapic_class_init,
};

static void ioapic_register_types(void)
{
    type_register_static(&ioapic_info);
}

type_init(ioapic_register_types)
