/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 CPU models, their QOM types, and APIC IDs from the -smp topology.
 */
#include "qemu/osdep.h"
#include "hw/i386/x86-cpu.h"
#include "system/cpus.h"

static const X86CPUModel models[] = {
    { "host", "processor with all supported host features", true },
    { "max", "Enables all features supported by the accelerator in the "
             "current host", true },
    { "qemu64", "QEMU Virtual CPU version 2.5+", false },
};

CpuTopology cpu_topology = { 1, 1, 1, 1, 1, 1, 1 };
static const X86CPUModel *current_model;

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        if (!strcmp(models[i].name, name)) {
            return &models[i];
        }
    }
    return NULL;
}

const X86CPUModel *x86_cpu_current_model(void)
{
    return current_model;
}

char *x86_cpu_list(void)
{
    GString *s = g_string_new("Available CPUs:\n");

    for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
        g_string_append_printf(s, "  %-20s  %s\n", models[i].name,
                               models[i].desc);
    }
    return g_string_free(s, false);
}

unsigned x86_topo_width(unsigned count)
{
    return count <= 1 ? 0 : 32 - __builtin_clz(count - 1);
}

void x86_cpu_set_topology_ids(CPUState *cpu, const CpuTopology *topo)
{
    unsigned idx = cpu->cpu_index;

    cpu->thread_id = idx % topo->threads;
    idx /= topo->threads;
    cpu->core_id = idx % topo->cores;
    idx /= topo->cores;
    cpu->module_id = idx % topo->modules;
    idx /= topo->modules;
    cpu->die_id = idx % topo->dies;
    cpu->socket_id = idx / topo->dies;
    cpu->apic_id = x86_topo_apic_id(topo, cpu->cpu_index);
}

uint32_t x86_topo_apic_id(const CpuTopology *topo, unsigned cpu_index)
{
    unsigned tw = x86_topo_width(topo->threads);
    unsigned cw = x86_topo_width(topo->cores);
    unsigned mw = x86_topo_width(topo->modules);
    unsigned dw = x86_topo_width(topo->dies);
    unsigned idx = cpu_index;
    uint32_t thread = idx % topo->threads, core, module, die;

    idx /= topo->threads;
    core = idx % topo->cores;
    idx /= topo->cores;
    module = idx % topo->modules;
    idx /= topo->modules;
    die = idx % topo->dies;
    return thread | core << tw | module << (tw + cw) |
           die << (tw + cw + mw) | (idx / topo->dies) << (tw + cw + mw + dw);
}

bool x86_cpus_create(const X86CPUModel *model, Error **errp)
{
    g_autofree char *type = g_strconcat(model->name, X86_CPU_TYPE_SUFFIX,
                                        NULL);

    current_model = model;
    for (unsigned i = 0; i < cpu_topology.cpus; i++) {
        DeviceState *dev = qdev_new(type);
        CPUState *cpu = CPU(dev);

        cpu_list_add(cpu);
        x86_cpu_set_topology_ids(cpu, &cpu_topology);
        if (!qdev_realize_and_unref(dev, NULL, errp)) {
            return false;
        }
    }
    return true;
}

static void x86_cpu_instance_init(Object *obj)
{
    CPUState *cpu = CPU(obj);

    pthread_cond_init(&cpu->halt_cond, NULL);
    cpu->stopped = true;        /* until the VM first runs */
}

static void x86_cpu_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "x86-64 virtual CPU";
    dc->user_creatable = false;
    dc->hotpluggable = false;
}

static const TypeInfo x86_cpu_types[] = {
    {
        .name = TYPE_X86_CPU,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(CPUState),
        .instance_init = x86_cpu_instance_init,
        .class_init = x86_cpu_class_init,
    },
    /* One per entry of models[]. */
    { .name = "host" X86_CPU_TYPE_SUFFIX, .parent = TYPE_X86_CPU },
    { .name = "max" X86_CPU_TYPE_SUFFIX, .parent = TYPE_X86_CPU },
    { .name = "qemu64" X86_CPU_TYPE_SUFFIX, .parent = TYPE_X86_CPU },
};

DEFINE_TYPES(x86_cpu_types)
