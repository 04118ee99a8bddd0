/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checked conversions between JSON and the C types of the QMP schema,
 * used by the generated marshallers (see include/qapi/qapi-json.h).
 */
#include "qemu/osdep.h"
#include "qapi/qapi-json.h"

static bool type_error(const char *name, const char *expected, Error **errp)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               name, expected);
    return false;
}

static bool holds(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == type;
}

bool qapi_json_to_str(JsonNode *node, const char *name, char **out,
                      Error **errp)
{
    if (!holds(node, G_TYPE_STRING)) {
        return type_error(name, "string", errp);
    }
    *out = g_strdup(json_node_get_string(node));
    return true;
}

bool qapi_json_to_int(JsonNode *node, const char *name, int64_t *out,
                      Error **errp)
{
    if (!holds(node, G_TYPE_INT64)) {
        return type_error(name, "integer", errp);
    }
    *out = json_node_get_int(node);
    return true;
}

bool qapi_json_to_bool(JsonNode *node, const char *name, bool *out,
                       Error **errp)
{
    if (!holds(node, G_TYPE_BOOLEAN)) {
        return type_error(name, "boolean", errp);
    }
    *out = json_node_get_boolean(node);
    return true;
}

bool qapi_json_to_number(JsonNode *node, const char *name, double *out,
                         Error **errp)
{
    if (holds(node, G_TYPE_INT64)) {
        *out = json_node_get_int(node);
    } else if (holds(node, G_TYPE_DOUBLE)) {
        *out = json_node_get_double(node);
    } else {
        return type_error(name, "number", errp);
    }
    return true;
}

bool qapi_json_to_any(JsonNode *node, const char *name, JsonNode **out,
                      Error **errp)
{
    *out = json_node_ref(node);
    return true;
}

bool qapi_json_to_enum(JsonNode *node, const char *name,
                       const char *const *table, int *out, Error **errp)
{
    const char *s;

    if (!holds(node, G_TYPE_STRING)) {
        return type_error(name, "string", errp);
    }
    s = json_node_get_string(node);
    for (int i = 0; table[i]; i++) {
        if (!strcmp(table[i], s)) {
            *out = i;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' does not accept value '%s'", name, s);
    return false;
}

bool qapi_json_to_object(JsonNode *node, const char *name, JsonObject **out,
                         Error **errp)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        return type_error(name, "object", errp);
    }
    *out = json_node_get_object(node);
    return true;
}

bool qapi_json_to_array(JsonNode *node, const char *name, JsonArray **out,
                        Error **errp)
{
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        return type_error(name, "array", errp);
    }
    *out = json_node_get_array(node);
    return true;
}

void qapi_json_missing(const char *prefix, const char *name, Error **errp)
{
    error_setg(errp, "Parameter '%s%s' is missing", prefix, name);
}

bool qapi_json_check_known(JsonObject *o, const char *prefix,
                           const char *const *known, Error **errp)
{
    JsonObjectIter iter;
    const char *key;

    json_object_iter_init_ordered(&iter, o);
    while (json_object_iter_next_ordered(&iter, &key, NULL)) {
        if (!g_strv_contains(known, key)) {
            error_setg(errp, "Parameter '%s%s' is unexpected", prefix, key);
            return false;
        }
    }
    return true;
}

JsonNode *qapi_json_from_str(const char *s)
{
    return json_node_init_string(json_node_alloc(), s);
}

JsonNode *qapi_json_from_int(int64_t v)
{
    return json_node_init_int(json_node_alloc(), v);
}

JsonNode *qapi_json_from_bool(bool v)
{
    return json_node_init_boolean(json_node_alloc(), v);
}

JsonNode *qapi_json_from_number(double v)
{
    return json_node_init_double(json_node_alloc(), v);
}

JsonNode *qapi_json_from_any(JsonNode *node)
{
    return json_node_ref(node);
}

JsonNode *qapi_json_empty_object(void)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, json_object_new());
    return node;
}
