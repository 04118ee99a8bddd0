/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-created devices: -device / device_add, lookup, deletion events,
 * help texts
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "qemu/error-report.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/hotplug.h"
#include "qdev-internal.h"

static bool machine_creation_done;

void qdev_machine_creation_done(void)
{
    machine_creation_done = true;
}

bool qdev_hotplug_allowed(void)
{
    return machine_creation_done;
}

/* ---- Deletion notifiers ----------------------------------------------- */

typedef struct DeletedNotifier {
    QdevDeletedNotify fn;
    void *opaque;
} DeletedNotifier;

static GList *deleted_notifiers;

void qdev_add_deleted_notifier(QdevDeletedNotify fn, void *opaque)
{
    DeletedNotifier *n = g_new(DeletedNotifier, 1);

    n->fn = fn;
    n->opaque = opaque;
    deleted_notifiers = g_list_append(deleted_notifiers, n);
}

void qdev_remove_deleted_notifier(QdevDeletedNotify fn, void *opaque)
{
    for (GList *l = deleted_notifiers; l; l = l->next) {
        DeletedNotifier *n = l->data;

        if (n->fn == fn && n->opaque == opaque) {
            g_free(n);
            deleted_notifiers = g_list_delete_link(deleted_notifiers, l);
            return;
        }
    }
}

void qdev_notify_deleted(DeviceState *dev)
{
    GList *l = deleted_notifiers;

    while (l) {
        DeletedNotifier *n = l->data;

        l = l->next;
        n->fn(dev->id, dev->canonical_path, n->opaque);
    }
}

/* ---- Lookup ----------------------------------------------------------- */

static Object *peripheral_container(void)
{
    return container_get(object_get_root(), "/machine/peripheral");
}

static Object *peripheral_anon_container(void)
{
    return container_get(object_get_root(), "/machine/peripheral-anon");
}

DeviceState *qdev_find_device(const char *id_or_path, Error **errp)
{
    Object *obj;

    obj = object_resolve_path_component(peripheral_container(), id_or_path);
    if (!obj) {
        obj = object_resolve_path_type(id_or_path, TYPE_DEVICE, NULL);
    }
    if (!obj || !object_dynamic_cast(obj, TYPE_DEVICE)) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", id_or_path);
        return NULL;
    }
    return DEVICE(obj);
}

/* ---- device_add ------------------------------------------------------- */

static DeviceClass *qdev_get_device_class(const char *driver, Error **errp)
{
    ObjectClass *oc = object_class_by_name(driver);
    DeviceClass *dc;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    if (object_class_is_abstract(oc)) {
        error_setg(errp, "Parameter 'driver' expects a non-abstract device "
                   "type");
        return NULL;
    }
    dc = DEVICE_CLASS(oc);
    if (!dc->user_creatable) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device "
                   "type");
        return NULL;
    }
    return dc;
}

static BusState *qdev_add_find_bus(DeviceClass *dc, const char *driver,
                                   const char *path, Error **errp)
{
    BusState *bus;

    if (!dc->bus_type) {
        if (path) {
            error_setg(errp, "Device '%s' can't go on a bus", driver);
        }
        return NULL;
    }
    if (!path) {
        return qbus_find_default(dc->bus_type, driver, errp);
    }
    bus = qbus_find(path, errp);
    if (bus && !object_dynamic_cast(OBJECT(bus), dc->bus_type)) {
        error_setg(errp, "Device '%s' can't go on %s bus", driver,
                   object_get_typename(OBJECT(bus)));
        return NULL;
    }
    return bus;
}

DeviceState *qdev_device_add_from_json(JsonObject *opts, bool keyval,
                                       Error **errp)
{
    static const char *const skip[] = { "driver", "id", "bus", NULL };
    const char *driver = NULL, *id = NULL, *path = NULL;
    DeviceClass *dc;
    BusState *bus = NULL;
    DeviceState *dev;
    Error *local_err = NULL;

    if (!json_object_has_member(opts, "driver")) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    if (!(json_object_get_member(opts, "driver") &&
          JSON_NODE_HOLDS_VALUE(json_object_get_member(opts, "driver")) &&
          json_node_get_value_type(json_object_get_member(opts, "driver"))
              == G_TYPE_STRING)) {
        error_setg(errp, "Invalid parameter type for 'driver', expected: "
                   "string");
        return NULL;
    }
    driver = json_object_get_string_member(opts, "driver");
    for (const char *const *k = skip + 1; *k; k++) {
        JsonNode *n = json_object_get_member(opts, *k);

        if (n && !(JSON_NODE_HOLDS_VALUE(n) &&
                   json_node_get_value_type(n) == G_TYPE_STRING)) {
            error_setg(errp, "Invalid parameter type for '%s', expected: "
                       "string", *k);
            return NULL;
        }
    }
    if (json_object_has_member(opts, "id")) {
        id = json_object_get_string_member(opts, "id");
    }
    if (json_object_has_member(opts, "bus")) {
        path = json_object_get_string_member(opts, "bus");
    }

    dc = qdev_get_device_class(driver, errp);
    if (!dc) {
        return NULL;
    }
    if (id) {
        if (!id_wellformed(id)) {
            error_setg(errp, "Parameter 'id' expects an identifier");
            error_append_hint(errp, "Identifiers consist of letters, digits, "
                              "'-', '.', '_', starting with a letter.\n");
            return NULL;
        }
        if (object_resolve_path_component(peripheral_container(), id)) {
            error_setg(errp, "Duplicate device ID '%s'", id);
            return NULL;
        }
    }
    if (dc->bus_type || path) {
        bus = qdev_add_find_bus(dc, driver, path, errp);
        if (!bus) {
            return NULL;
        }
    }
    if (qdev_hotplug_allowed()) {
        if (bus && !qbus_is_hotpluggable(bus)) {
            error_setg(errp, "Bus '%s' does not support hotplugging",
                       bus->name);
            return NULL;
        }
        if (!dc->hotpluggable) {
            error_setg(errp, "Device '%s' does not support hotplugging",
                       driver);
            return NULL;
        }
    }

    dev = DEVICE(object_new(driver));
    dev->hotplugged = qdev_hotplug_allowed();
    if (id) {
        dev->id = g_strdup(id);
        object_property_add_child(peripheral_container(), id, OBJECT(dev));
    } else {
        static unsigned anon_count;
        g_autofree char *name = g_strdup_printf("device[%u]", anon_count++);

        object_property_add_child(peripheral_anon_container(), name,
                                  OBJECT(dev));
    }
    object_unref(OBJECT(dev));      /* the container holds it now */

    if (!object_set_properties_from_json(OBJECT(dev), opts, keyval, skip,
                                         &local_err) ||
        !qdev_realize(dev, bus, &local_err)) {
        object_unparent(OBJECT(dev));
        error_propagate(errp, local_err);
        return NULL;
    }
    return dev;
}

/* ---- Help ------------------------------------------------------------- */

char *qdev_device_help_list(void)
{
    GString *out = g_string_new(NULL);
    GSList *list = object_class_get_list_sorted(TYPE_DEVICE, false);

    for (GSList *l = list; l; l = l->next) {
        DeviceClass *dc = DEVICE_CLASS(l->data);

        if (!dc->user_creatable) {
            continue;
        }
        g_string_append_printf(out, "name \"%s\"",
                               object_class_get_name(OBJECT_CLASS(dc)));
        if (dc->bus_type) {
            g_string_append_printf(out, ", bus %s", dc->bus_type);
        }
        if (dc->desc) {
            g_string_append_printf(out, ", desc \"%s\"", dc->desc);
        }
        g_string_append_c(out, '\n');
    }
    g_slist_free(list);
    return g_string_free(out, false);
}

char *qdev_device_help_props(const char *driver, Error **errp)
{
    ObjectClass *oc = object_class_by_name(driver);
    g_autofree char *props = NULL;

    if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE) ||
        object_class_is_abstract(oc)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    props = object_class_describe_properties(oc);
    if (!props || !*props) {
        return g_strdup_printf("There are no options for %s.\n", driver);
    }
    return g_strdup_printf("%s options:\n%s", driver, props);
}
