/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device properties (class field properties with a realize guard) and
 * -global defaults
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/qdev-properties.h"

/* ObjectProperty * -> the setter we wrapped with the realize guard. */
static GHashTable *guarded_setters;

bool qdev_prop_allow_set(Object *obj, const char *name, Error **errp)
{
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);

    if (!dev || !dev->realized) {
        return true;
    }
    if (dev->id) {
        error_setg(errp, "Attempt to set property '%s' on device '%s' "
                   "(type '%s') after it was realized", name, dev->id,
                   object_get_typename(obj));
    } else {
        error_setg(errp, "Attempt to set property '%s' on anonymous device "
                   "(type '%s') after it was realized", name,
                   object_get_typename(obj));
    }
    return false;
}

void *qdev_prop_field(Object *obj, const Property *prop)
{
    return (char *)obj + prop->offset;
}

static bool qdev_guarded_set(Object *obj, ObjectProperty *op,
                             JsonNode *value, bool keyval, Error **errp)
{
    ObjectPropertySet *set = g_hash_table_lookup(guarded_setters, op);

    if (!qdev_prop_allow_set(obj, op->name, errp)) {
        return false;
    }
    return set(obj, op, value, keyval, errp);
}

static void qdev_link_check(const Object *obj, const char *name,
                            Object *val, Error **errp)
{
    qdev_prop_allow_set((Object *)obj, name, errp);
}

static ObjectProperty *qdev_class_add_prop(ObjectClass *oc,
                                           const Property *prop)
{
    const ObjectPropertyFlags rw = OBJ_PROP_FLAG_READWRITE;
    ObjectProperty *op = NULL;

    switch (prop->kind) {
    case PROP_KIND_BOOL:
        op = object_class_property_add_bool_field(oc, prop->name,
                                                  prop->offset, rw);
        if (prop->set_default) {
            object_property_set_default_bool(op, prop->defval_u);
        }
        return op;
    case PROP_KIND_UINT8:
        op = object_class_property_add_uint8_field(oc, prop->name,
                                                   prop->offset, rw);
        break;
    case PROP_KIND_UINT16:
        op = object_class_property_add_uint16_field(oc, prop->name,
                                                    prop->offset, rw);
        break;
    case PROP_KIND_UINT32:
        op = object_class_property_add_uint32_field(oc, prop->name,
                                                    prop->offset, rw);
        break;
    case PROP_KIND_UINT64:
        op = object_class_property_add_uint64_field(oc, prop->name,
                                                    prop->offset, rw);
        break;
    case PROP_KIND_SIZE:
        op = object_class_property_add_size_field(oc, prop->name,
                                                  prop->offset, rw);
        break;
    case PROP_KIND_INT32:
        op = object_class_property_add_int32_field(oc, prop->name,
                                                   prop->offset, rw);
        if (prop->set_default) {
            object_property_set_default_int(op, prop->defval_i);
        }
        return op;
    case PROP_KIND_STRING:
        op = object_class_property_add_str_field(oc, prop->name,
                                                 prop->offset, rw);
        if (prop->defval_s) {
            object_property_set_default_str(op, prop->defval_s);
        }
        return op;
    case PROP_KIND_ON_OFF_AUTO:
        op = object_class_property_add_enum_field(oc, prop->name,
                                                  "OnOffAuto",
                                                  &OnOffAuto_lookup,
                                                  prop->offset, rw);
        if (prop->set_default) {
            object_property_set_default_str(
                op, qapi_enum_lookup(&OnOffAuto_lookup, prop->defval_u));
        }
        return op;
    case PROP_KIND_LINK:
        /* Links have their own check hook; no setter wrapping needed. */
        return object_class_property_add_link(oc, prop->name,
                                              prop->link_type, prop->offset,
                                              qdev_link_check, 0);
    case PROP_KIND_CUSTOM:
        return object_class_property_add(oc, prop->name, prop->info->type,
                                         prop->info->get, prop->info->set,
                                         NULL, (void *)prop);
    case PROP_KIND_END:
        g_assert_not_reached();
    }
    if (prop->set_default) {
        object_property_set_default_uint(op, prop->defval_u);
    }
    return op;
}

void device_class_set_props(DeviceClass *dc, const Property *props)
{
    ObjectClass *oc = OBJECT_CLASS(dc);

    if (!guarded_setters) {
        guarded_setters = g_hash_table_new(NULL, NULL);
    }
    dc->props = props;
    for (const Property *prop = props; prop->name; prop++) {
        ObjectProperty *op = qdev_class_add_prop(oc, prop);

        if (prop->description) {
            object_class_property_set_description(oc, prop->name,
                                                  prop->description);
        }
        if (prop->kind != PROP_KIND_LINK && prop->kind != PROP_KIND_CUSTOM &&
            op->set) {
            g_hash_table_insert(guarded_setters, op, op->set);
            op->set = qdev_guarded_set;
        }
    }
}

/* ---- Globals ---------------------------------------------------------- */

typedef struct GlobalProperty {
    char *driver;
    char *property;
    char *value;
} GlobalProperty;

static GPtrArray *global_props;

static void global_prop_free(gpointer data)
{
    GlobalProperty *g = data;

    g_free(g->driver);
    g_free(g->property);
    g_free(g->value);
    g_free(g);
}

void qdev_prop_register_global(const char *driver, const char *property,
                               const char *value)
{
    GlobalProperty *g = g_new0(GlobalProperty, 1);

    if (!global_props) {
        global_props = g_ptr_array_new_with_free_func(global_prop_free);
    }
    g->driver = g_strdup(driver);
    g->property = g_strdup(property);
    g->value = g_strdup(value);
    g_ptr_array_add(global_props, g);
}

bool qdev_prop_register_global_str(const char *str, Error **errp)
{
    const char *dot = strchr(str, '.');
    const char *eq = dot ? strchr(dot + 1, '=') : NULL;
    g_autofree char *driver = NULL;
    g_autofree char *property = NULL;

    if (!dot || !eq || dot == str || eq == dot + 1) {
        error_setg(errp, "Invalid global '%s': expected DRIVER.PROPERTY=VALUE",
                   str);
        return false;
    }
    driver = g_strndup(str, dot - str);
    property = g_strndup(dot + 1, eq - dot - 1);
    qdev_prop_register_global(driver, property, eq + 1);
    return true;
}

void qdev_prop_check_globals(void)
{
    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProperty *g = g_ptr_array_index(global_props, i);
        ObjectClass *oc = object_class_by_name(g->driver);

        /* A global no device can ever pick up: say so, as QEMU does. */
        if (!oc || !object_class_dynamic_cast(oc, TYPE_DEVICE)) {
            warn_report("global %s.%s has invalid class name",
                        g->driver, g->property);
        }
    }
}

void qdev_prop_reset_globals(void)
{
    if (global_props) {
        g_ptr_array_set_size(global_props, 0);
    }
}

void qdev_prop_set_globals(DeviceState *dev)
{
    if (!global_props) {
        return;
    }
    for (guint i = 0; i < global_props->len; i++) {
        GlobalProperty *g = g_ptr_array_index(global_props, i);
        Error *err = NULL;

        if (!object_dynamic_cast(OBJECT(dev), g->driver)) {
            continue;
        }
        if (!object_property_parse(OBJECT(dev), g->property, g->value,
                                   &err)) {
            error_prepend(&err, "can't apply global %s.%s=%s: ",
                          g->driver, g->property, g->value);
            if (!dev->global_error) {
                dev->global_error = err;
            } else {
                error_free(err);
            }
        }
    }
}

/* ---- Typed setters for board code ------------------------------------ */

void qdev_prop_set_bit(DeviceState *dev, const char *name, bool value)
{
    object_property_set_bool(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint8(DeviceState *dev, const char *name, uint8_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint16(DeviceState *dev, const char *name, uint16_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t value)
{
    object_property_set_uint(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_int32(DeviceState *dev, const char *name, int32_t value)
{
    object_property_set_int(OBJECT(dev), name, value, &error_abort);
}

void qdev_prop_set_string(DeviceState *dev, const char *name,
                          const char *value)
{
    object_property_set_str(OBJECT(dev), name, value, &error_abort);
}
