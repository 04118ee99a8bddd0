/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machines
 *
 * A machine type is a QOM class derived from TYPE_MACHINE named
 * "NAME-machine" (MACHINE_TYPE_NAME("q35")).  Start-up (system/vl.c):
 *
 *   mc = machine_find_class(name, errp);        // "-M q35"
 *   ms = MACHINE(object_new_with_class(OBJECT_CLASS(mc)));
 *   object_property_add_child(object_get_root(), "machine", OBJECT(ms));
 *   ms->ram_size = size from -m (or mc->default_ram_size);
 *   ...apply -machine properties (usb, dump-guest-core, acpi,
 *      memory-backend)...
 *   machine_run_board_init(ms, errp);           // builds the board
 *   ...qdev_device_add_from_json() for each -device...
 *   qdev_machine_creation_done();
 *   qemu_system_reset(SHUTDOWN_CAUSE_NONE);    // resets the device tree
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "qom/object.h"
#include "hw/qdev-core.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct Chardev Chardev;

#define TYPE_MACHINE "machine"
#define TYPE_MACHINE_SUFFIX "-machine"
#define MACHINE_TYPE_NAME(machinename) (machinename TYPE_MACHINE_SUFFIX)

OBJECT_DECLARE_TYPE(MachineState, MachineClass, MACHINE)

struct MachineClass {
    ObjectClass parent_class;

    const char *name;           /* "pc-q35-10.1": what -M takes */
    /*
     * Also accepted by -M, and listed by query-machines, as QEMU's "q35"
     * names its newest versioned q35: libvirt stores the versioned name.
     */
    const char *alias;
    const char *desc;
    bool is_default;
    uint64_t default_ram_size;
    /*
     * query-machines: most vCPUs, the QOM type of -cpu's default (listed
     * only once such a type exists), the RAM id, ACPI tables built.
     */
    unsigned max_cpus;
    const char *default_cpu_type;
    const char *default_ram_id;
    bool has_acpi;
    /* Builds the board: RAM, buses, onboard devices.  errors via errp. */
    void (*init)(MachineState *ms, Error **errp);
    /* Optional: whole-machine reset; default qemu_devices_reset(). */
    void (*reset)(MachineState *ms);
    /* Optional: the handler for devices plugged outside any bus. */
    HotplugHandler *(*get_hotplug_handler)(MachineState *ms,
                                           DeviceState *dev);
};

struct MachineState {
    Object parent_obj;

    uint64_t ram_size;          /* bytes; set before board init */
    char *ram_memdev_id;        /* "memory-backend" property, or NULL */
    /*
     * Guest RAM, valid after board init: the memory backend's region when
     * "memory-backend" is set (machine_run_board_init sets it before the
     * class init runs), else the board's own.
     */
    MemoryRegion *ram;
    bool usb;
    bool dump_guest_core;
    OnOffAuto acpi;
    bool board_initialized;
    /* -kernel, -initrd, -append (NULL if not given); see x86-boot.h. */
    char *kernel_filename;
    char *initrd_filename;
    char *kernel_cmdline;
    /*
     * COM1: present unless -serial none (or -nodefaults without -serial
     * or -nographic); its backend, NULL for a UART whose output is
     * discarded.
     */
    bool serial_present;
    Chardev *serial_chr;
    /* -rtc base: what the RTC shows at start, seconds since the epoch. */
    int64_t rtc_start;
};

/* The machine at /machine, or NULL before it is created. */
MachineState *qdev_get_machine(void);

/*
 * The machine class for -M name (matched against MachineClass::name, or
 * the QOM type name), or the default one for name NULL.  NULL with
 * "unsupported machine type: \"NAME\"" otherwise.
 */
MachineClass *machine_find_class(const char *name, Error **errp);
/*
 * "-machine help": "Supported machines are:\n" then one line per machine
 * "NAME    DESC[ (default)]".  Caller frees.
 */
char *machine_help_list(void);

/*
 * Resolves "memory-backend" (the RAM is then the backend's, and ram_size
 * its size; "memory backend 'ID' not found", "Machine's memory size ...
 * does not match ..."), registers machine_reset_handler, runs the class
 * init.
 * false with *errp set on failure (nothing is left half-built that the
 * caller must undo: it exits).
 */
bool machine_run_board_init(MachineState *ms, Error **errp);

/*
 * The reset handler machine_run_board_init() registers (with ms as
 * opaque): MachineClass::reset, else qemu_devices_reset().
 */
void machine_reset_handler(void *opaque);

#endif
