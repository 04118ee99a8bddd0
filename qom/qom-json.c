/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JsonNode <-> C values for QOM properties, and enum lookup tables
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qom/qom-json.h"

static bool node_holds(JsonNode *v, GType type)
{
    return v && JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == type;
}

static bool wrong_type(const char *name, const char *expected, Error **errp)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               name, expected);
    return false;
}

static bool bad_value(const char *name, const char *expected, Error **errp)
{
    error_setg(errp, "Parameter '%s' expects %s", name, expected);
    return false;
}

/* keyval input is a JSON string; anything else is treated as typed. */
static const char *keyval_text(JsonNode *v, bool keyval)
{
    return keyval && node_holds(v, G_TYPE_STRING) ? json_node_get_string(v)
                                                  : NULL;
}

bool qom_json_to_bool(JsonNode *v, const char *name, bool keyval, bool *out,
                      Error **errp)
{
    const char *text = keyval_text(v, keyval);

    if (text) {
        return qemu_parse_bool(name, text, out, errp);
    }
    if (!node_holds(v, G_TYPE_BOOLEAN)) {
        return wrong_type(name, "boolean", errp);
    }
    *out = json_node_get_boolean(v);
    return true;
}

bool qom_json_to_int(JsonNode *v, const char *name, bool keyval,
                     int64_t *out, Error **errp)
{
    const char *text = keyval_text(v, keyval);

    if (text) {
        int64_t val;

        if (qemu_strtoi64(text, NULL, 0, &val) < 0) {
            return bad_value(name, "integer", errp);
        }
        *out = val;
        return true;
    }
    if (!node_holds(v, G_TYPE_INT64)) {
        return wrong_type(name, "integer", errp);
    }
    *out = json_node_get_int(v);
    return true;
}

bool qom_json_to_uint(JsonNode *v, const char *name, bool keyval,
                      uint64_t *out, Error **errp)
{
    const char *text = keyval_text(v, keyval);

    if (text) {
        uint64_t val;

        if (qemu_strtou64(text, NULL, 0, &val) < 0) {
            return bad_value(name, "integer", errp);
        }
        *out = val;
        return true;
    }
    if (!node_holds(v, G_TYPE_INT64)) {
        return wrong_type(name, "integer", errp);
    }
    /* Negative numbers wrap, as QEMU's input visitor lets them. */
    *out = (uint64_t)json_node_get_int(v);
    return true;
}

bool qom_json_to_size(JsonNode *v, const char *name, bool keyval,
                      uint64_t *out, Error **errp)
{
    const char *text = keyval_text(v, keyval);

    if (text) {
        uint64_t val;

        if (qemu_strtosz(text, NULL, &val) < 0) {
            return bad_value(name, "size", errp);
        }
        *out = val;
        return true;
    }
    return qom_json_to_uint(v, name, false, out, errp);
}

bool qom_json_to_double(JsonNode *v, const char *name, bool keyval,
                        double *out, Error **errp)
{
    const char *text = keyval_text(v, keyval);

    if (text) {
        char *end;
        double val;

        errno = 0;
        val = g_ascii_strtod(text, &end);
        if (!*text || *end || errno) {
            return bad_value(name, "number", errp);
        }
        *out = val;
        return true;
    }
    if (node_holds(v, G_TYPE_INT64)) {
        *out = json_node_get_int(v);
        return true;
    }
    if (!node_holds(v, G_TYPE_DOUBLE)) {
        return wrong_type(name, "number", errp);
    }
    *out = json_node_get_double(v);
    return true;
}

bool qom_json_to_str(JsonNode *v, const char *name, bool keyval,
                     const char **out, Error **errp)
{
    if (!node_holds(v, G_TYPE_STRING)) {
        return wrong_type(name, "string", errp);
    }
    *out = json_node_get_string(v);
    return true;
}

bool qom_json_to_enum(JsonNode *v, const char *name, bool keyval,
                      const QEnumLookup *lookup, int *out, Error **errp)
{
    const char *str;
    int val;

    if (!qom_json_to_str(v, name, keyval, &str, errp)) {
        return false;
    }
    val = qapi_enum_parse(lookup, str, -1, NULL);
    if (val < 0) {
        g_autofree char *names = qapi_enum_list_names(lookup, ", ");

        error_setg(errp, "Parameter '%s' does not accept value '%s'",
                   name, str);
        error_append_hint(errp, "Possible values: %s\n", names);
        return false;
    }
    *out = val;
    return true;
}

bool qom_check_uint_max(const char *name, uint64_t value, uint64_t max,
                        const char *ctype, Error **errp)
{
    if (value > max) {
        return bad_value(name, ctype, errp);
    }
    return true;
}

bool qom_check_int_range(const char *name, int64_t value, int64_t min,
                         int64_t max, const char *ctype, Error **errp)
{
    if (value < min || value > max) {
        return bad_value(name, ctype, errp);
    }
    return true;
}

bool qom_check_uint_between(const char *typename, const char *name,
                            uint64_t value, uint64_t min, uint64_t max,
                            Error **errp)
{
    if (value < min || value > max) {
        error_setg(errp, "Property '%s.%s' doesn't take value %" PRIu64
                   " (minimum: %" PRIu64 ", maximum: %" PRIu64 ")",
                   typename, name, value, min, max);
        return false;
    }
    return true;
}

bool qom_check_int_between(const char *typename, const char *name,
                           int64_t value, int64_t min, int64_t max,
                           Error **errp)
{
    if (value < min || value > max) {
        error_setg(errp, "Property '%s.%s' doesn't take value %" PRId64
                   " (minimum: %" PRId64 ", maximum: %" PRId64 ")",
                   typename, name, value, min, max);
        return false;
    }
    return true;
}

JsonNode *qom_json_new_bool(bool value)
{
    return json_node_init_boolean(json_node_alloc(), value);
}

JsonNode *qom_json_new_int(int64_t value)
{
    return json_node_init_int(json_node_alloc(), value);
}

JsonNode *qom_json_new_uint(uint64_t value)
{
    return json_node_init_int(json_node_alloc(), (int64_t)value);
}

JsonNode *qom_json_new_str(const char *value)
{
    if (!value) {
        return json_node_init_null(json_node_alloc());
    }
    return json_node_init_string(json_node_alloc(), value);
}

char *qom_json_to_text(JsonNode *v)
{
    if (node_holds(v, G_TYPE_STRING)) {
        return json_node_dup_string(v);
    }
    return json_to_string(v, false);
}

/* ---- Enums -------------------------------------------------------------- */

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    if (val < 0 || val >= lookup->size) {
        return NULL;
    }
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *str, int def,
                    Error **errp)
{
    if (!str) {
        return def;
    }
    for (int i = 0; i < lookup->size; i++) {
        if (g_str_equal(lookup->array[i], str)) {
            return i;
        }
    }
    error_setg(errp, "Invalid parameter value '%s'", str);
    return def;
}

char *qapi_enum_list_names(const QEnumLookup *lookup, const char *sep)
{
    GString *s = g_string_new(NULL);

    for (int i = 0; i < lookup->size; i++) {
        g_string_append_printf(s, "%s%s", i ? sep : "", lookup->array[i]);
    }
    return g_string_free(s, false);
}

static const char *const on_off_auto_names[] = {
    [ON_OFF_AUTO_AUTO] = "auto",
    [ON_OFF_AUTO_ON] = "on",
    [ON_OFF_AUTO_OFF] = "off",
};

const QEnumLookup OnOffAuto_lookup = {
    .array = on_off_auto_names,
    .size = ON_OFF_AUTO__MAX,
};

static const char *const on_off_split_names[] = {
    [ON_OFF_SPLIT_ON] = "on",
    [ON_OFF_SPLIT_OFF] = "off",
    [ON_OFF_SPLIT_SPLIT] = "split",
};

const QEnumLookup OnOffSplit_lookup = {
    .array = on_off_split_names,
    .size = ON_OFF_SPLIT__MAX,
};
