/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The code scripts/qapi-gen.py generates: argument checking with QEMU's
 * messages at every depth (members of members, list elements, enums),
 * the JSON round trip of the C types, and dispatch through the
 * generated command table.
 */
#include "qemu/osdep.h"
#include "monitor/qmp.h"
#include "qapi/qapi-commands.h"

static JsonObject *parse_object(const char *text)
{
    g_autoptr(JsonNode) node = json_from_string(text, NULL);

    g_assert_true(node && JSON_NODE_HOLDS_OBJECT(node));
    return json_object_ref(json_node_get_object(node));
}

/* Fills a PciInfo from @text; returns the error message or NULL. */
static char *pci_info_error(const char *text)
{
    g_autoptr(JsonObject) o = parse_object(text);
    g_autoptr(PciInfo) info = g_new0(PciInfo, 1);
    Error *err = NULL;
    char *msg;

    if (qapi_PciInfo_fill(o, "", info, &err)) {
        return NULL;
    }
    msg = g_strdup(error_get_pretty(err));
    error_free(err);
    return msg;
}

#define DEV "{\"bus\": 0, \"slot\": 1, \"function\": 0, " \
            "\"class_info\": {\"class\": 512}, " \
            "\"id\": {\"device\": 16, \"vendor\": 32902}, " \
            "\"qdev_id\": \"\", \"regions\": []"

static void test_nested_messages(void)
{
    static const struct {
        const char *json, *msg;
    } cases[] = {
        { "{\"bus\": 0, \"devices\": [" DEV "}]}", NULL },
        { "{\"bus\": \"0\", \"devices\": []}",
          "Invalid parameter type for 'bus', expected: integer" },
        { "{\"bus\": 0}", "Parameter 'devices' is missing" },
        { "{\"bus\": 0, \"devices\": {}}",
          "Invalid parameter type for 'devices', expected: array" },
        { "{\"bus\": 0, \"devices\": [1]}",
          "Invalid parameter type for 'devices[0]', expected: object" },
        { "{\"bus\": 0, \"devices\": [" DEV "}, {\"bus\": 0}]}",
          "Parameter 'devices[1].slot' is missing" },
        { "{\"bus\": 0, \"devices\": [" DEV ", \"irq\": true}]}",
          "Invalid parameter type for 'devices[0].irq', expected: integer" },
        { "{\"bus\": 0, \"devices\": [" DEV ", \"id\": {\"device\": 1}}]}",
          "Parameter 'devices[0].id.vendor' is missing" },
        { "{\"bus\": 0, \"devices\": [" DEV ", \"x\": 1}]}",
          "Parameter 'devices[0].x' is unexpected" },
        { "{\"bus\": 0, \"devices\": [], \"extra\": null}",
          "Parameter 'extra' is unexpected" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *msg = pci_info_error(cases[i].json);

        g_assert_cmpstr(msg, ==, cases[i].msg);
    }
}

static void test_enum_and_round_trip(void)
{
    g_autoptr(JsonObject) bad = parse_object(
        "{\"status\": \"dancing\", \"running\": true}");
    g_autoptr(JsonObject) good = parse_object(
        "{\"bus\": 0, \"devices\": [" DEV ", \"irq\": 11, "
        "\"class_info\": {\"desc\": \"Ethernet controller\", "
        "\"class\": 512}}]}");
    g_autoptr(StatusInfo) status = g_new0(StatusInfo, 1);
    g_autoptr(PciInfo) info = g_new0(PciInfo, 1);
    g_autoptr(JsonNode) back = NULL;
    g_autoptr(JsonNode) orig = json_node_new(JSON_NODE_OBJECT);
    Error *err = NULL;

    g_assert_false(qapi_StatusInfo_fill(bad, "", status, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'status' does not accept value 'dancing'");
    error_free(err);

    g_assert_true(qapi_PciInfo_fill(good, "", info, &error_abort));
    g_assert_cmpint(info->devices->len, ==, 1);
    {
        PciDeviceInfo *dev = g_ptr_array_index(info->devices, 0);

        g_assert_true(dev->has_irq);
        g_assert_cmpint(dev->irq, ==, 11);
        g_assert_false(dev->has_irq_pin);
        g_assert_null(dev->pci_bridge);
        g_assert_cmpstr(dev->class_info->desc, ==, "Ethernet controller");
    }
    back = qapi_PciInfo_to_json(info);
    json_node_set_object(orig, good);
    g_assert_true(json_node_equal(back, orig));
}

static char *dispatch_error(const char *cmd, const char *args,
                            const char **cls)
{
    g_autoptr(JsonObject) o = args ? parse_object(args) : NULL;
    Error *err = NULL;
    JsonNode *ret = qmp_dispatch_command(cmd, o, &err);
    char *msg;

    if (ret) {
        json_node_unref(ret);
        return NULL;
    }
    *cls = error_class_name(error_get_class(err));
    msg = g_strdup(error_get_pretty(err));
    error_free(err);
    return msg;
}

static void test_dispatch(void)
{
    static const struct {
        const char *cmd, *args, *cls, *msg;
    } cases[] = {
        { "query-version", NULL, NULL, NULL },
        { "query-version", "{\"x\": 1}", "GenericError",
          "Parameter 'x' is unexpected" },
        { "frob", NULL, "CommandNotFound", "The command frob has not been "
          "found" },
        { "qom-list-types", "{\"abstract\": \"yes\"}", "GenericError",
          "Invalid parameter type for 'abstract', expected: boolean" },
        { "remove-fd", "{}", "GenericError",
          "Parameter 'fdset-id' is missing" },
        { "add-fd", "{\"opaque\": 7}", "GenericError",
          "Invalid parameter type for 'opaque', expected: string" },
        { "query-machines", "{\"compat-props\": true}", NULL, NULL },
        { "query-command-line-options", "{\"option\": \"nope\"}",
          "GenericError", "invalid option name: nope" },
        { "qmp_capabilities", NULL, "CommandNotFound",
          "Capabilities negotiation is already complete, command ignored" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *cls = NULL;
        g_autofree char *msg = dispatch_error(cases[i].cmd, cases[i].args,
                                              &cls);

        g_assert_cmpstr(msg, ==, cases[i].msg);
        g_assert_cmpstr(cls, ==, cases[i].cls);
    }
}

/* query-qmp-schema describes every command of the table. */
static void test_schema_covers_table(void)
{
    g_autoptr(JsonNode) schema = qmp_dispatch_command("query-qmp-schema",
                                                      NULL, &error_abort);
    JsonArray *arr = json_node_get_array(schema);
    size_t commands = 0;

    for (const QmpCommandDef *c = qmp_command_table; c->name; c++) {
        bool found = false;

        for (guint i = 0; i < json_array_get_length(arr) && !found; i++) {
            JsonObject *e = json_array_get_object_element(arr, i);

            found = !strcmp(json_object_get_string_member(e, "name"),
                            c->name) &&
                    !strcmp(json_object_get_string_member(e, "meta-type"),
                            "command");
        }
        g_assert_true(found);
        commands++;
    }
    g_assert_cmpint(commands, >, 20);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/nested-messages", test_nested_messages);
    g_test_add_func("/qapi/enum-and-round-trip", test_enum_and_round_trip);
    g_test_add_func("/qapi/dispatch", test_dispatch);
    g_test_add_func("/qapi/schema-covers-table", test_schema_covers_table);
    return g_test_run();
}
