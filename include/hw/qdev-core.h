/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev: devices and buses on top of QOM
 *
 * A device (TYPE_DEVICE) is created with object_new() (or qdev_new()),
 * configured through its QOM properties, then realized by setting its
 * "realized" property to true (qdev_realize()).  Properties declared with
 * device_class_set_props() refuse changes once the device is realized.
 * Unparenting a device (object_unparent) unrealizes it first.
 *
 * A bus (TYPE_BUS) is a child of the device that provides it, named
 * ("pcie.0", "rp1", ...) and typed; a device whose class names a bus_type
 * must sit on a bus of that type.  Buses hold their devices in plug
 * order.  Resetting a device resets it first and then, recursively, the
 * devices on its buses; a bus's own reset hook runs after its devices'.
 *
 * Devices created from the command line or QMP (qdev_device_add_from_json)
 * live at /machine/peripheral/ID, or /machine/peripheral-anon/device[N]
 * without an id; other devices that were never given a parent are put
 * under /machine/unattached when realized.
 */
#ifndef HW_QDEV_CORE_H
#define HW_QDEV_CORE_H

#include <json-glib/json-glib.h>

#include "qom/object.h"
#include "hw/irq.h"

typedef struct HotplugHandler HotplugHandler;
typedef struct Property Property;

#define TYPE_DEVICE "device"
OBJECT_DECLARE_TYPE(DeviceState, DeviceClass, DEVICE)

#define TYPE_BUS "bus"
OBJECT_DECLARE_TYPE(BusState, BusClass, BUS)

typedef void (*DeviceRealize)(DeviceState *dev, Error **errp);
typedef void (*DeviceUnrealize)(DeviceState *dev);
typedef void (*DeviceReset)(DeviceState *dev);

/* Categories only group the "-device help" listing. */
typedef enum DeviceCategory {
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_MAX,
} DeviceCategory;

struct DeviceClass {
    ObjectClass parent_class;

    const char *desc;               /* one line for "-device help" */
    DeviceCategory category;
    /* Type of bus the device plugs into, or NULL for bus-less devices. */
    const char *bus_type;
    /* Whether -device/device_add may create it (default true). */
    bool user_creatable;
    /* Whether it may be plugged/unplugged after machine creation. */
    bool hotpluggable;

    /*
     * realize: set *errp and leave no side effect on failure.
     * unrealize: undo realize; must not fail.
     * reset: bring the device to its power-on state (cold reset).
     */
    DeviceRealize realize;
    DeviceUnrealize unrealize;
    DeviceReset reset;

    /* Set by device_class_set_props(); NULL-name terminated. */
    const Property *props;
};

typedef struct NamedGPIOList NamedGPIOList;

struct DeviceState {
    Object parent_obj;

    char *id;                   /* user-given id, or NULL */
    bool realized;
    /* True while a hot-unplug request waits for the guest. */
    bool unplug_pending;
    /* True if plugged after machine creation (device_add at run time). */
    bool hotplugged;
    BusState *parent_bus;
    GList *child_buses;         /* BusState *, in creation order */
    GList *gpios;               /* NamedGPIOList *, private to qdev */
    Error *global_error;        /* first -global that failed, private */
    char *canonical_path;       /* cached at realize for DEVICE_DELETED */
};

struct BusClass {
    ObjectClass parent_class;

    /* Optional: vet dev's address on this bus before it is plugged. */
    bool (*check_address)(BusState *bus, DeviceState *dev, Error **errp);
    /* Optional: a bus-specific reset run after its devices' resets. */
    void (*reset)(BusState *bus);
    /* Optional: a short address string for dev ("00:03.0"). */
    char *(*get_dev_path)(DeviceState *dev);
    /* Maximum number of devices, 0 for unlimited. */
    int max_dev;
};

struct BusState {
    Object obj;

    DeviceState *parent;        /* device providing the bus, or NULL */
    char *name;
    HotplugHandler *hotplug_handler;   /* NULL: no hotplug on this bus */
    GList *children;            /* DeviceState *, in plug order */
    int num_children;
    bool realized;
};

/* ---- Creation and realize ------------------------------------------- */

/* object_new() with a DeviceState cast; aborts on a bad type name. */
DeviceState *qdev_new(const char *typename);
/* Same for a user-supplied name; NULL with an error otherwise. */
DeviceState *qdev_try_new(const char *typename, Error **errp);

/*
 * Plugs dev into bus (NULL: bus-less), then realizes it.  Returns false
 * with *errp set, leaving dev unrealized (and unplugged).
 */
bool qdev_realize(DeviceState *dev, BusState *bus, Error **errp);
/* qdev_realize() then drops the caller's reference (the tree keeps one). */
bool qdev_realize_and_unref(DeviceState *dev, BusState *bus, Error **errp);
/* Unrealizes dev (it stays on its bus).  No-op if not realized. */
void qdev_unrealize(DeviceState *dev);

/* Puts dev on bus (removing it from its previous one).  Not realized. */
bool qdev_set_parent_bus(DeviceState *dev, BusState *bus, Error **errp);

/* A printable name: the id if any, else the QOM path, else the type. */
const char *qdev_fw_name(DeviceState *dev);
/* dev's id, or NULL. */
static inline const char *qdev_get_id(DeviceState *dev)
{
    return dev->id;
}

/* ---- Buses ------------------------------------------------------------ */

/*
 * Initializes bus (of size bytes, embedded in its provider) as a bus of
 * typename, child of parent (may be NULL) under name.  name NULL picks
 * "PARENTID.N" or "TYPENAME.N".  Registers it for lookup by name.
 */
void qbus_init(void *bus, size_t size, const char *typename,
               DeviceState *parent, const char *name);
/* Same, allocating the bus.  The parent's child property owns it. */
BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name);
/* Unparents bus (and so its devices). */
void qbus_unrealize(BusState *bus);

/*
 * The bus to plug a new device into:
 *   path = "NAME": the bus called NAME anywhere in the machine, or the
 *   single child bus of the device with id NAME (a root port "rp1");
 *   path NULL: the first bus (in creation order) of type bus_type that
 *   still has room.
 * Errors: "Bus 'NAME' not found", "Device 'ID' has no child bus",
 * "No 'TYPE' bus found for device 'DRIVER'".
 */
BusState *qbus_find(const char *path, Error **errp);
BusState *qbus_find_default(const char *bus_type, const char *driver,
                            Error **errp);
/* Every bus, in creation order.  The list is borrowed. */
GList *qbus_get_all(void);

/* dev's single child bus named name (NULL: the first), or NULL. */
BusState *qdev_get_child_bus(DeviceState *dev, const char *name);

/* Calls fn on each device on bus (not recursive) until it returns != 0. */
int qbus_foreach_child(BusState *bus, int (*fn)(DeviceState *, void *),
                       void *opaque);

/* Makes handler (an object implementing TYPE_HOTPLUG_HANDLER) bus's. */
void qbus_set_hotplug_handler(BusState *bus, Object *handler);
bool qbus_is_hotpluggable(BusState *bus);

/* ---- Reset ------------------------------------------------------------ */

/* Resets dev, then recursively everything on its buses. */
void device_cold_reset(DeviceState *dev);
/* Resets each device on bus recursively, then runs the bus class reset. */
void bus_cold_reset(BusState *bus);

/* ---- GPIO ------------------------------------------------------------- */

/*
 * Inputs: n lines calling handler(dev, line, level), named name (NULL:
 * the unnamed list).  Repeated calls append lines to the list.
 * Outputs: pins[0..n-1] are the device's own qemu_irq fields; connecting
 * an output stores the sink's line there.
 */
void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n);
void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n);
void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n);
void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n);
/* Line n of the gpio-in list, or NULL if it does not exist. */
qemu_irq qdev_get_gpio_in(DeviceState *dev, int n);
qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n);
/* Wires output n to sink (NULL disconnects).  Out of range: ignored. */
void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq sink);
void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq sink);
/* Number of lines in a list, 0 if there is no such list. */
int qdev_gpio_in_count(DeviceState *dev, const char *name);
int qdev_gpio_out_count(DeviceState *dev, const char *name);

/*
 * qtest interception.  Attaches observer(opaque, n, level) to every line
 * of dev's gpio-in list name (NULL: unnamed) -- the device keeps
 * receiving them -- or, for outputs, to every wire the device drives
 * (outputs that were unconnected get a wire of their own that only the
 * observer sees).  Returns the number of lines, or -1 with
 * "Device 'PATH' has no gpio list 'NAME'".
 */
int qdev_intercept_gpio_in(DeviceState *dev, qemu_irq_handler observer,
                           void *opaque, const char *name, Error **errp);
int qdev_intercept_gpio_out(DeviceState *dev, qemu_irq_handler observer,
                            void *opaque, const char *name, Error **errp);

/* ---- User-created devices (-device, device_add) ---------------------- */

/*
 * Creates, configures and realizes a device from an option dict:
 * "driver" (mandatory), optional "id" and "bus", and properties.  keyval
 * says leaves are key=value strings (see qemu/keyval.h).  After
 * qdev_machine_creation_done() this is a hotplug and needs a hotpluggable
 * bus and device.  Returns the device (owned by the composition tree;
 * no reference for the caller) or NULL with errors such as
 *   "'x' is not a valid device model name",
 *   "Parameter 'driver' expects a non-abstract device type",
 *   "Duplicate device ID 'x'", "Bus 'x' not found".
 */
DeviceState *qdev_device_add_from_json(JsonObject *opts, bool keyval,
                                       Error **errp);

/*
 * The device called id_or_path: an id under /machine/peripheral or a QOM
 * path.  NULL with "Device 'X' not found" (class DeviceNotFound).
 */
DeviceState *qdev_find_device(const char *id_or_path, Error **errp);

/*
 * Asks dev's hotplug handler to remove it.  Removal may complete at once
 * or later (a PCIe slot waits for the guest); either way the device-
 * deleted notifiers run when it is gone.  Errors: "Device 'x' does not
 * support hotplugging", "Bus 'x' does not support hotplugging",
 * "Device 'x' is already in the process of unplug".
 */
bool qdev_unplug(DeviceState *dev, Error **errp);

/*
 * Called when a realized device is removed from the machine (unplug
 * completed, or any unparent).  id may be NULL; path is the canonical
 * QOM path it had.  The QMP layer turns this into DEVICE_DELETED.
 */
typedef void (*QdevDeletedNotify)(const char *id, const char *path,
                                  void *opaque);
void qdev_add_deleted_notifier(QdevDeletedNotify fn, void *opaque);
void qdev_remove_deleted_notifier(QdevDeletedNotify fn, void *opaque);

/*
 * Machine creation phase.  Before qdev_machine_creation_done(), devices
 * are cold-plugged; after it, qdev_device_add_from_json() hot-plugs.
 */
void qdev_machine_creation_done(void);
bool qdev_hotplug_allowed(void);

/* ---- Help ------------------------------------------------------------ */

/*
 * "-device help": one line per user-creatable, non-abstract device type,
 * sorted by name:  name "NAME", bus TYPE, desc "TEXT"\n
 * (bus and desc only when known).  Caller frees.
 */
char *qdev_device_help_list(void);
/*
 * "-device NAME,help": "NAME options:\n" then one line per property.
 * NULL with "'x' is not a valid device model name" for unknown names.
 */
char *qdev_device_help_props(const char *driver, Error **errp);

#endif
