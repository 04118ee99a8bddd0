/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev buses: naming, membership, lookup
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "hw/hotplug.h"
#include "qdev-internal.h"

/* Every live bus in creation order, for lookup by name. */
static GList *all_buses;

GList *qbus_get_all(void)
{
    return all_buses;
}

void qbus_add_child(BusState *bus, DeviceState *dev)
{
    object_ref(OBJECT(dev));
    bus->children = g_list_append(bus->children, dev);
    bus->num_children++;
    dev->parent_bus = bus;
}

void qbus_remove_child(BusState *bus, DeviceState *dev)
{
    GList *l = g_list_find(bus->children, dev);

    if (!l) {
        return;
    }
    bus->children = g_list_delete_link(bus->children, l);
    bus->num_children--;
    dev->parent_bus = NULL;
    object_unref(OBJECT(dev));
}

static bool qbus_name_taken(const char *name)
{
    for (GList *l = all_buses; l; l = l->next) {
        if (g_str_equal(BUS(l->data)->name, name)) {
            return true;
        }
    }
    return false;
}

/* "PARENTID.N", else the lower-case type name and the first free N. */
static char *qbus_default_name(const char *typename, DeviceState *parent)
{
    g_autofree char *base = NULL;
    char *name;

    if (parent && parent->id) {
        return g_strdup_printf("%s.%u", parent->id,
                               g_list_length(parent->child_buses));
    }
    base = g_ascii_strdown(typename, -1);
    for (unsigned n = 0;; n++) {
        name = g_strdup_printf("%s.%u", base, n);
        if (!qbus_name_taken(name)) {
            return name;
        }
        g_free(name);
    }
}

static void qbus_init_internal(BusState *bus, DeviceState *parent,
                               const char *name)
{
    bus->parent = parent;
    bus->name = name ? g_strdup(name)
                     : qbus_default_name(object_get_typename(OBJECT(bus)),
                                         parent);
    all_buses = g_list_append(all_buses, bus);
    if (parent) {
        parent->child_buses = g_list_append(parent->child_buses, bus);
        object_property_add_child(OBJECT(parent), bus->name, OBJECT(bus));
        /* The parent's child property now owns the bus. */
        object_unref(OBJECT(bus));
        bus->realized = parent->realized;
    } else {
        bus->realized = true;
    }
}

void qbus_init(void *bus, size_t size, const char *typename,
               DeviceState *parent, const char *name)
{
    object_initialize(bus, size, typename);
    qbus_init_internal(BUS(bus), parent, name);
}

BusState *qbus_new(const char *typename, DeviceState *parent,
                   const char *name)
{
    BusState *bus = BUS(object_new(typename));

    qbus_init_internal(bus, parent, name);
    return bus;
}

void qbus_unrealize(BusState *bus)
{
    object_unparent(OBJECT(bus));
}

static void bus_unparent(Object *obj)
{
    BusState *bus = BUS(obj);

    while (bus->children) {
        DeviceState *dev = DEVICE(bus->children->data);

        if (OBJECT(dev)->parent) {
            object_unparent(OBJECT(dev));
        } else {
            qdev_unrealize(dev);
            qbus_remove_child(bus, dev);
        }
    }
    if (bus->parent) {
        bus->parent->child_buses = g_list_remove(bus->parent->child_buses,
                                                 bus);
        bus->parent = NULL;
    }
    all_buses = g_list_remove(all_buses, bus);
}

static void bus_finalize(Object *obj)
{
    BusState *bus = BUS(obj);

    all_buses = g_list_remove(all_buses, bus);
    g_free(bus->name);
}

BusState *qdev_get_child_bus(DeviceState *dev, const char *name)
{
    for (GList *l = dev->child_buses; l; l = l->next) {
        BusState *bus = BUS(l->data);

        if (!name || g_str_equal(bus->name, name)) {
            return bus;
        }
    }
    return NULL;
}

int qbus_foreach_child(BusState *bus, int (*fn)(DeviceState *, void *),
                       void *opaque)
{
    GList *l = bus->children;

    while (l) {
        GList *next = l->next;
        int ret = fn(DEVICE(l->data), opaque);

        if (ret) {
            return ret;
        }
        l = next;
    }
    return 0;
}

BusState *qbus_find(const char *path, Error **errp)
{
    DeviceState *dev;

    for (GList *l = all_buses; l; l = l->next) {
        BusState *bus = BUS(l->data);

        if (g_str_equal(bus->name, path)) {
            return bus;
        }
    }
    dev = qdev_find_device(path, NULL);
    if (dev) {
        if (!dev->child_buses) {
            error_setg(errp, "Device '%s' has no child bus", path);
            return NULL;
        }
        if (dev->child_buses->next) {
            error_setg(errp, "Device '%s' has multiple child buses", path);
            return NULL;
        }
        return BUS(dev->child_buses->data);
    }
    error_setg(errp, "Bus '%s' not found", path);
    return NULL;
}

static bool qbus_has_room(BusState *bus)
{
    BusClass *bc = BUS_GET_CLASS(bus);

    return !bc->max_dev || bus->num_children < bc->max_dev;
}

BusState *qbus_find_default(const char *bus_type, const char *driver,
                            Error **errp)
{
    for (GList *l = all_buses; l; l = l->next) {
        BusState *bus = BUS(l->data);

        if (object_dynamic_cast(OBJECT(bus), bus_type) &&
            qbus_has_room(bus)) {
            return bus;
        }
    }
    error_setg(errp, "No '%s' bus found for device '%s'", bus_type, driver);
    return NULL;
}

void qbus_set_hotplug_handler(BusState *bus, Object *handler)
{
    bus->hotplug_handler = handler ? HOTPLUG_HANDLER(handler) : NULL;
}

bool qbus_is_hotpluggable(BusState *bus)
{
    return bus->hotplug_handler != NULL;
}

static void bus_class_init(ObjectClass *oc, const void *data)
{
    oc->unparent = bus_unparent;
}

static const TypeInfo bus_type_info = {
    .name = TYPE_BUS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(BusState),
    .instance_finalize = bus_finalize,
    .abstract = true,
    .class_size = sizeof(BusClass),
    .class_init = bus_class_init,
};

static void bus_register_types(void)
{
    type_register_static(&bus_type_info);
}

type_init(bus_register_types)
