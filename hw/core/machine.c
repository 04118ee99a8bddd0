/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine base type: common properties, lookup by name, board init
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/reset.h"
#include "system/hostmem.h"

MachineState *qdev_get_machine(void)
{
    Object *obj = object_resolve_path_component(object_get_root(),
                                                "machine");

    return obj ? (MachineState *)object_dynamic_cast(obj, TYPE_MACHINE)
               : NULL;
}

static const char *machine_class_short_name(MachineClass *mc)
{
    return mc->name ? mc->name : object_class_get_name(OBJECT_CLASS(mc));
}

MachineClass *machine_find_class(const char *name, Error **errp)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    MachineClass *found = NULL;

    for (GSList *l = list; l && !found; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);

        if (name ? (g_str_equal(machine_class_short_name(mc), name) ||
                    g_str_equal(object_class_get_name(l->data), name) ||
                    !g_strcmp0(mc->alias, name))
                 : mc->is_default) {
            found = mc;
        }
    }
    g_slist_free(list);
    if (!found) {
        if (name) {
            error_setg(errp, "unsupported machine type: \"%s\"", name);
            error_append_hint(errp, "Use -machine help to list supported "
                              "machines\n");
        } else {
            error_setg(errp, "No machine specified, and there is no default");
        }
    }
    return found;
}

char *machine_help_list(void)
{
    GString *out = g_string_new("Supported machines are:\n");
    GSList *list = object_class_get_list_sorted(TYPE_MACHINE, false);

    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);

        if (mc->alias) {
            g_string_append_printf(out, "%-20s %s (alias of %s)\n",
                                   mc->alias, mc->desc ? mc->desc : "",
                                   machine_class_short_name(mc));
        }
        g_string_append_printf(out, "%-20s %s%s\n",
                               machine_class_short_name(mc),
                               mc->desc ? mc->desc : "",
                               mc->is_default ? " (default)" : "");
    }
    g_slist_free(list);
    return g_string_free(out, false);
}

/* Takes guest RAM from the -machine memory-backend=ID object. */
static bool machine_use_memdev(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    HostMemoryBackend *backend;
    MemoryRegion *mr;
    uint64_t size;

    backend = host_memory_backend_find(ms->ram_memdev_id, errp);
    if (!backend) {
        return false;
    }
    if (host_memory_backend_is_mapped(backend)) {
        error_setg(errp, "memory backend '%s' can't be used multiple times",
                   ms->ram_memdev_id);
        return false;
    }
    mr = host_memory_backend_get_memory(backend);
    if (!mr) {
        error_setg(errp, "memory backend '%s' has no memory yet",
                   ms->ram_memdev_id);
        return false;
    }
    size = memory_region_size(mr);
    /*
     * -m and the backend must agree; without -m (ram_size 0, or the
     * default, which is indistinguishable) the backend decides.
     */
    if (ms->ram_size && ms->ram_size != mc->default_ram_size &&
        ms->ram_size != size) {
        error_setg(errp, "Machine's memory size %" PRIu64 " does not match "
                   "the size of memory backend '%s' (%" PRIu64 ")",
                   ms->ram_size, ms->ram_memdev_id, size);
        return false;
    }
    ms->ram_size = size;
    ms->ram = mr;
    host_memory_backend_set_mapped(backend, true);
    return true;
}

bool machine_run_board_init(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    Error *local_err = NULL;

    if (ms->board_initialized) {
        error_setg(errp, "machine is already initialized");
        return false;
    }
    if (ms->ram_memdev_id && !machine_use_memdev(ms, errp)) {
        return false;
    }
    if (!ms->ram_size) {
        ms->ram_size = mc->default_ram_size;
    }
    /* First handler: the device tree resets before anything else. */
    qemu_register_reset(machine_reset_handler, ms);
    if (mc->init) {
        mc->init(ms, &local_err);
        if (local_err) {
            qemu_unregister_reset(machine_reset_handler, ms);
            error_propagate(errp, local_err);
            return false;
        }
    }
    ms->board_initialized = true;
    return true;
}

static int machine_get_acpi(Object *obj, Error **errp)
{
    return MACHINE(obj)->acpi;
}

static void machine_set_acpi(Object *obj, int value, Error **errp)
{
    MACHINE(obj)->acpi = value;
}

static char *machine_get_memdev(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->ram_memdev_id);
}

/* Guest RAM is chosen once: after board init a new value would be a lie. */
static void machine_set_memdev(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    if (ms->board_initialized) {
        error_setg(errp, "Property '%s.memory-backend' can't be changed "
                   "after the machine is initialized",
                   object_get_typename(obj));
        return;
    }
    g_free(ms->ram_memdev_id);
    ms->ram_memdev_id = g_strdup(value);
}

static void machine_class_init(ObjectClass *oc, const void *data)
{
    ObjectProperty *op;

    op = object_class_property_add_bool_field(oc, "usb",
            offsetof(MachineState, usb), OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_bool(op, false);
    object_class_property_set_description(oc, "usb",
                                          "Set on/off to enable/disable usb");

    op = object_class_property_add_bool_field(oc, "dump-guest-core",
            offsetof(MachineState, dump_guest_core), OBJ_PROP_FLAG_READWRITE);
    object_property_set_default_bool(op, true);
    object_class_property_set_description(oc, "dump-guest-core",
            "Include guest memory in a core dump");

    op = object_class_property_add_enum(oc, "acpi", "OnOffAuto",
                                        &OnOffAuto_lookup, machine_get_acpi,
                                        machine_set_acpi);
    object_property_set_default_str(op, "auto");
    object_class_property_set_description(oc, "acpi",
                                          "Enable ACPI (accepted, unused)");

    object_class_property_add_str(oc, "memory-backend", machine_get_memdev,
                                  machine_set_memdev);
    object_class_property_set_description(oc, "memory-backend",
            "ID of the memory backend object used as guest RAM");
}

static void machine_finalize(Object *obj)
{
    g_free(MACHINE(obj)->ram_memdev_id);
}

static const TypeInfo machine_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(MachineState),
    .instance_finalize = machine_finalize,
    .abstract = true,
    .class_size = sizeof(MachineClass),
    .class_init = machine_class_init,
};

static void machine_register_types(void)
{
    type_register_static(&machine_info);
}

type_init(machine_register_types)
