/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device properties and -global defaults
 *
 * A device class lists its configurable fields in a static Property array
 * (terminated by DEFINE_PROP_END_OF_LIST()) and calls
 * device_class_set_props() from class_init.  Each entry becomes a QOM
 * class property on the field, with its default applied to every new
 * instance; setting it on a realized device fails with
 * "Attempt to set property 'NAME' on device 'ID' (type 'TYPE') after it
 * was realized".
 *
 * Globals ("-global driver.prop=value") are applied to every new device
 * whose type is driver or a subtype of it, after instance_init and before
 * any user property.  A global that does not parse makes realize fail
 * with "can't apply global DRIVER.PROP=VALUE: REASON".
 */
#ifndef HW_QDEV_PROPERTIES_H
#define HW_QDEV_PROPERTIES_H

#include "hw/qdev-core.h"

typedef enum PropertyKind {
    PROP_KIND_END = 0,
    PROP_KIND_BOOL,
    PROP_KIND_UINT8,
    PROP_KIND_UINT16,
    PROP_KIND_UINT32,
    PROP_KIND_UINT64,
    PROP_KIND_INT32,
    PROP_KIND_SIZE,
    PROP_KIND_STRING,      /* char *, freed with the device */
    PROP_KIND_ON_OFF_AUTO, /* OnOffAuto */
    PROP_KIND_LINK,        /* Object *, link<link_type>, weak */
    PROP_KIND_CUSTOM,      /* info supplies get/set */
} PropertyKind;

/* Accessors of a PROP_KIND_CUSTOM property (see ObjectPropertyGet/Set). */
typedef struct PropertyInfo {
    const char *type;          /* QOM type string shown in help */
    ObjectPropertyGet *get;
    ObjectPropertySet *set;
} PropertyInfo;

struct Property {
    const char *name;
    PropertyKind kind;
    ptrdiff_t offset;          /* of the field in the instance */
    const char *description;
    /* Defaults: defval_u for unsigned/bool/enum, defval_i, defval_s. */
    uint64_t defval_u;
    int64_t defval_i;
    const char *defval_s;
    bool set_default;
    const char *link_type;     /* PROP_KIND_LINK */
    const PropertyInfo *info;  /* PROP_KIND_CUSTOM */
};

#define DEFINE_PROP_BOOL(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_BOOL, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_UINT8(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT8, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_UINT16(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT16, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_UINT32(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT32, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_UINT64(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_UINT64, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_INT32(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_INT32, .offset = offsetof(_s, _f), \
      .defval_i = (_d), .set_default = true }
#define DEFINE_PROP_SIZE(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_SIZE, .offset = offsetof(_s, _f), \
      .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_STRING(_n, _s, _f) \
    { .name = (_n), .kind = PROP_KIND_STRING, .offset = offsetof(_s, _f) }
#define DEFINE_PROP_ON_OFF_AUTO(_n, _s, _f, _d) \
    { .name = (_n), .kind = PROP_KIND_ON_OFF_AUTO, \
      .offset = offsetof(_s, _f), .defval_u = (_d), .set_default = true }
#define DEFINE_PROP_LINK(_n, _s, _f, _type) \
    { .name = (_n), .kind = PROP_KIND_LINK, .offset = offsetof(_s, _f), \
      .link_type = (_type) }
#define DEFINE_PROP_CUSTOM(_n, _s, _f, _info) \
    { .name = (_n), .kind = PROP_KIND_CUSTOM, .offset = offsetof(_s, _f), \
      .info = (_info) }
#define DEFINE_PROP_END_OF_LIST() { .name = NULL }

/* Adds props (static storage, kept by pointer) as class properties. */
void device_class_set_props(DeviceClass *dc, const Property *props);

/*
 * For PROP_KIND_CUSTOM setters: fails with the "after it was realized"
 * message if obj is a realized device.  Returns true when setting is ok.
 */
bool qdev_prop_allow_set(Object *obj, const char *name, Error **errp);

/* The field a Property (the ObjectProperty's opaque) designates. */
void *qdev_prop_field(Object *obj, const Property *prop);

/* ---- Globals ---------------------------------------------------------- */

/* Records driver.property=value (strings copied). */
void qdev_prop_register_global(const char *driver, const char *property,
                               const char *value);
/* Parses "driver.property=value"; false with an error on bad syntax. */
bool qdev_prop_register_global_str(const char *str, Error **errp);
/*
 * Warns ("global X.Y has invalid class name") about each registered
 * global whose driver is not a device type (start-up, before -device).
 */
void qdev_prop_check_globals(void);
/* Applies the matching globals to a new device (qdev calls this). */
void qdev_prop_set_globals(DeviceState *dev);
/* Forgets every global (tests). */
void qdev_prop_reset_globals(void);

/* Typed setters for board code; they abort on error (programming bug). */
void qdev_prop_set_bit(DeviceState *dev, const char *name, bool value);
void qdev_prop_set_uint8(DeviceState *dev, const char *name, uint8_t value);
void qdev_prop_set_uint16(DeviceState *dev, const char *name, uint16_t value);
void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t value);
void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t value);
void qdev_prop_set_int32(DeviceState *dev, const char *name, int32_t value);
void qdev_prop_set_string(DeviceState *dev, const char *name,
                          const char *value);

#endif
