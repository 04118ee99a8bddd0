/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "none" machine: no devices, RAM only if asked for (-m, or
 * memory-backend=), at guest address 0.  Management tools start the
 * binary with "-machine none" to ask it what it can do over QMP
 * without building a board (libvirt's capability probe).
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "system/memory.h"

typedef struct NullMachineState {
    MachineState parent_obj;
    MemoryRegion ram;
} NullMachineState;

#define TYPE_NULL_MACHINE "none-machine"
#define NULL_MACHINE(obj) \
    OBJECT_CHECK(NullMachineState, (obj), TYPE_NULL_MACHINE)

static void null_machine_init(MachineState *ms, Error **errp)
{
    NullMachineState *n = NULL_MACHINE(ms);

    if (!ms->ram_size) {
        return;
    }
    if (!ms->ram) {
        if (!memory_region_init_ram(&n->ram, OBJECT(ms), "ram",
                                    ms->ram_size, errp)) {
            return;
        }
        ms->ram = &n->ram;
    }
    memory_region_add_subregion(get_system_memory(), 0, ms->ram);
}

static void null_machine_finalize(Object *obj)
{
    NullMachineState *n = NULL_MACHINE(obj);

    if (MACHINE(obj)->ram == &n->ram) {
        memory_region_del_subregion(get_system_memory(), &n->ram);
        memory_region_finalize(&n->ram);
    }
}

static void null_machine_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->name = "none";
    mc->desc = "empty machine";
    mc->default_ram_size = 0;
    mc->max_cpus = 1;
    mc->default_ram_id = "ram";
    mc->init = null_machine_init;
}

static const TypeInfo null_machine_info = {
    .name = TYPE_NULL_MACHINE,
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(NullMachineState),
    .instance_finalize = null_machine_finalize,
    .class_init = null_machine_class_init,
};

static void null_machine_register_types(void)
{
    type_register_static(&null_machine_info);
}

type_init(null_machine_register_types)
