/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev: device lifecycle, properties, -global defaults, buses, device_add,
 * unplug with a hotplug handler, GPIO lines and reset
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/hotplug.h"
#include "hw/reset.h"
#include "hw/sysbus.h"

#define TYPE_TEST_BUS "test-bus"
#define TYPE_TEST_DEV "test-dev"
#define TYPE_TEST_ABSTRACT "test-abstract-dev"
#define TYPE_TEST_BRIDGE "test-bridge"

typedef struct TestDev {
    DeviceState parent_obj;
    uint32_t num;
    bool flag;
    char *label;
    OnOffAuto mode;
    int realizes, unrealizes, resets;
    bool fail_realize;
    qemu_irq out[2];
    int in_level[3];
} TestDev;

#define TEST_DEV(obj) OBJECT_CHECK(TestDev, (obj), TYPE_TEST_DEV)

typedef struct TestBridge {
    SysBusDevice parent_obj;
    BusState *bus;
    int resets;
    int unplug_requests;
    bool defer_unplug;
} TestBridge;

#define TEST_BRIDGE(obj) OBJECT_CHECK(TestBridge, (obj), TYPE_TEST_BRIDGE)

static void test_dev_realize(DeviceState *dev, Error **errp)
{
    TestDev *t = TEST_DEV(dev);

    if (t->fail_realize) {
        error_setg(errp, "test-dev refuses to realize");
        return;
    }
    t->realizes++;
}

static void test_dev_unrealize(DeviceState *dev)
{
    TEST_DEV(dev)->unrealizes++;
}

static void test_dev_reset(DeviceState *dev)
{
    TEST_DEV(dev)->resets++;
}

static void test_dev_gpio_in(void *opaque, int n, int level)
{
    TEST_DEV(opaque)->in_level[n] = level;
}

static void test_dev_init(Object *obj)
{
    TestDev *t = TEST_DEV(obj);

    qdev_init_gpio_in(DEVICE(obj), test_dev_gpio_in, 3);
    qdev_init_gpio_out_named(DEVICE(obj), t->out, "irq", 2);
}

static const Property test_dev_props[] = {
    DEFINE_PROP_UINT32("num", TestDev, num, 42),
    DEFINE_PROP_BOOL("flag", TestDev, flag, false),
    DEFINE_PROP_STRING("label", TestDev, label),
    DEFINE_PROP_ON_OFF_AUTO("mode", TestDev, mode, ON_OFF_AUTO_AUTO),
    DEFINE_PROP_BOOL("x-fail", TestDev, fail_realize, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void test_dev_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->bus_type = TYPE_TEST_BUS;
    dc->desc = "a test device";
    dc->realize = test_dev_realize;
    dc->unrealize = test_dev_unrealize;
    dc->reset = test_dev_reset;
    device_class_set_props(dc, test_dev_props);
}

static void test_bridge_realize(DeviceState *dev, Error **errp)
{
    TestBridge *b = TEST_BRIDGE(dev);

    b->bus = qbus_new(TYPE_TEST_BUS, dev, "tbus.0");
    qbus_set_hotplug_handler(b->bus, OBJECT(dev));
}

static void test_bridge_reset(DeviceState *dev)
{
    TEST_BRIDGE(dev)->resets++;
}

static void test_bridge_unplug_request(HotplugHandler *h, DeviceState *dev,
                                       Error **errp)
{
    TestBridge *b = TEST_BRIDGE(h);

    b->unplug_requests++;
    if (!b->defer_unplug) {
        qdev_unplug_complete(dev);
    }
}

static void test_bridge_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(oc);

    dc->realize = test_bridge_realize;
    dc->reset = test_bridge_reset;
    hc->unplug_request = test_bridge_unplug_request;
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(BusState),
    },
    {
        .name = TYPE_TEST_ABSTRACT,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(TestDev),
        .abstract = true,
    },
    {
        .name = TYPE_TEST_DEV,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(TestDev),
        .instance_init = test_dev_init,
        .class_init = test_dev_class_init,
    },
    {
        .name = TYPE_TEST_BRIDGE,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(TestBridge),
        .class_init = test_bridge_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_HOTPLUG_HANDLER },
            { }
        },
    },
};

DEFINE_TYPES(test_types)

static TestBridge *bridge;

static JsonObject *opts(const char *json)
{
    g_autoptr(JsonParser) p = json_parser_new();

    g_assert(json_parser_load_from_data(p, json, -1, NULL));
    return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

static DeviceState *add(const char *json, Error **errp)
{
    g_autoptr(JsonObject) o = opts(json);

    return qdev_device_add_from_json(o, false, errp);
}

static void test_lifecycle(void)
{
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    TestDev *t = TEST_DEV(dev);

    g_assert_false(dev->realized);
    g_assert_false(object_property_get_bool(OBJECT(dev), "realized",
                                            &error_abort));
    g_assert_true(qdev_realize(dev, bridge->bus, &error_abort));
    g_assert_true(dev->realized);
    g_assert_cmpint(t->realizes, ==, 1);
    g_assert_true(dev->parent_bus == bridge->bus);
    /* Parentless devices land in the tree only with a machine. */
    qdev_unrealize(dev);
    g_assert_cmpint(t->unrealizes, ==, 1);
    g_assert_false(dev->realized);
    qdev_set_parent_bus(dev, NULL, &error_abort);
    object_unref(OBJECT(dev));
}

static void test_realize_failure(void)
{
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    Error *err = NULL;

    qdev_prop_set_bit(dev, "x-fail", true);
    g_assert_false(qdev_realize(dev, bridge->bus, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "test-dev refuses to realize");
    error_free(err);
    g_assert_null(dev->parent_bus);
    g_assert_false(dev->realized);
    object_unref(OBJECT(dev));
}

static void test_properties(void)
{
    DeviceState *dev = qdev_new(TYPE_TEST_DEV);
    TestDev *t = TEST_DEV(dev);
    Error *err = NULL;

    g_assert_cmpuint(t->num, ==, 42);
    g_assert_cmpint(t->mode, ==, ON_OFF_AUTO_AUTO);
    g_assert_true(object_property_parse(OBJECT(dev), "num", "7", &error_abort));
    g_assert_true(object_property_parse(OBJECT(dev), "mode", "off",
                                        &error_abort));
    qdev_prop_set_string(dev, "label", "hello");
    g_assert_cmpuint(t->num, ==, 7);
    g_assert_cmpint(t->mode, ==, ON_OFF_AUTO_OFF);
    g_assert_cmpstr(t->label, ==, "hello");
    g_assert_false(object_property_parse(OBJECT(dev), "mode", "maybe", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    g_assert_true(qdev_realize(dev, bridge->bus, &error_abort));
    g_assert_false(object_property_set_uint(OBJECT(dev), "num", 9, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Attempt to set property 'num' on anonymous device "
                    "(type 'test-dev') after it was realized");
    error_free(err);
    g_assert_cmpuint(t->num, ==, 7);
    qdev_unrealize(dev);
    qdev_set_parent_bus(dev, NULL, &error_abort);
    object_unref(OBJECT(dev));
}

static void test_globals(void)
{
    DeviceState *dev;
    Error *err = NULL;

    qdev_prop_register_global(TYPE_TEST_DEV, "num", "1234");
    g_assert_true(qdev_prop_register_global_str("test-dev.flag=on",
                                                &error_abort));
    dev = qdev_new(TYPE_TEST_DEV);
    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 1234);
    g_assert_true(TEST_DEV(dev)->flag);
    /* User settings come after globals and win. */
    qdev_prop_set_uint32(dev, "num", 5);
    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 5);
    object_unref(OBJECT(dev));

    g_assert_false(qdev_prop_register_global_str("nodot=1", &err));
    error_free(err);
    err = NULL;

    qdev_prop_register_global(TYPE_TEST_DEV, "num", "lots");
    dev = qdev_new(TYPE_TEST_DEV);
    g_assert_false(qdev_realize(dev, bridge->bus, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "can't apply global test-dev.num=lots: "));
    error_free(err);
    object_unref(OBJECT(dev));
    qdev_prop_reset_globals();

    dev = qdev_new(TYPE_TEST_DEV);
    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 42);
    object_unref(OBJECT(dev));
}

static void test_device_add(void)
{
    DeviceState *dev, *anon;
    Error *err = NULL;
    g_autofree char *path = NULL;

    dev = add("{\"driver\": \"test-dev\", \"id\": \"d1\", \"num\": 3}",
              &error_abort);
    g_assert_true(dev->realized);
    g_assert_cmpuint(TEST_DEV(dev)->num, ==, 3);
    g_assert_true(dev->parent_bus == bridge->bus);
    path = object_get_canonical_path(OBJECT(dev));
    g_assert_cmpstr(path, ==, "/machine/peripheral/d1");
    g_assert_true(qdev_find_device("d1", &error_abort) == dev);
    g_assert_true(qdev_find_device("/machine/peripheral/d1",
                                   &error_abort) == dev);

    g_assert_null(add("{\"driver\": \"test-dev\", \"id\": \"d1\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Duplicate device ID 'd1'");
    error_free(err);
    err = NULL;

    g_assert_null(add("{\"driver\": \"nosuch\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "'nosuch' is not a valid device model name");
    error_free(err);
    err = NULL;

    g_assert_null(add("{\"driver\": \"test-abstract-dev\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'driver' expects a non-abstract device type");
    error_free(err);
    err = NULL;

    g_assert_null(add("{\"driver\": \"test-dev\", \"bus\": \"nope\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Bus 'nope' not found");
    error_free(err);
    err = NULL;

    g_assert_null(add("{\"id\": \"x\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Parameter 'driver' is missing");
    error_free(err);
    err = NULL;

    g_assert_null(add("{\"driver\": \"test-dev\", \"id\": \"1bad\"}", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Parameter 'id' expects an identifier");
    error_free(err);
    err = NULL;

    /* A failing property leaves nothing behind. */
    g_assert_null(add("{\"driver\": \"test-dev\", \"id\": \"d2\", "
                      "\"num\": \"x\"}", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(qdev_find_device("d2", NULL));

    /* keyval strings and an explicit bus. */
    {
        g_autoptr(JsonObject) o = opts("{\"driver\": \"test-dev\", "
                                       "\"bus\": \"tbus.0\", "
                                       "\"num\": \"0x10\"}");

        anon = qdev_device_add_from_json(o, true, &error_abort);
    }
    g_assert_cmpuint(TEST_DEV(anon)->num, ==, 16);
    g_free(path);
    path = object_get_canonical_path(OBJECT(anon));
    g_assert_true(g_str_has_prefix(path, "/machine/peripheral-anon/device["));

    object_unparent(OBJECT(dev));
    object_unparent(OBJECT(anon));
    g_assert_null(qdev_find_device("d1", NULL));
}

static GString *deleted;

static void on_deleted(const char *id, const char *path, void *opaque)
{
    g_string_append_printf(deleted, "%s=%s;", id ? id : "-", path);
}

static void test_unplug(void)
{
    DeviceState *dev;
    Error *err = NULL;

    deleted = g_string_new(NULL);
    qdev_add_deleted_notifier(on_deleted, NULL);

    dev = add("{\"driver\": \"test-dev\", \"id\": \"u1\"}", &error_abort);
    g_assert_true(qdev_unplug(dev, &error_abort));
    g_assert_cmpstr(deleted->str, ==, "u1=/machine/peripheral/u1;");
    g_assert_null(qdev_find_device("u1", NULL));

    /* A deferred unplug completes later and cannot be requested twice. */
    g_string_truncate(deleted, 0);
    bridge->defer_unplug = true;
    dev = add("{\"driver\": \"test-dev\", \"id\": \"u2\"}", &error_abort);
    g_assert_true(qdev_unplug(dev, &error_abort));
    g_assert_cmpstr(deleted->str, ==, "");
    g_assert_false(qdev_unplug(dev, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Device 'u2' is already in the process of unplug");
    error_free(err);
    qdev_unplug_complete(dev);
    g_assert_cmpstr(deleted->str, ==, "u2=/machine/peripheral/u2;");
    bridge->defer_unplug = false;

    qdev_remove_deleted_notifier(on_deleted, NULL);
    g_string_free(deleted, true);
}

/* Removing a bus provider announces the devices below it too. */
static void test_unplug_subtree(void)
{
    TestBridge *b2 = TEST_BRIDGE(qdev_new(TYPE_TEST_BRIDGE));
    DeviceState *child = qdev_new(TYPE_TEST_DEV);
    g_autofree char *path = NULL;

    object_property_add_child(object_get_root(), "b2", OBJECT(b2));
    sysbus_realize_and_unref(SYS_BUS_DEVICE(b2), &error_abort);
    object_property_add_child(OBJECT(b2), "kid", OBJECT(child));
    qdev_realize_and_unref(child, b2->bus, &error_abort);
    path = object_get_canonical_path(OBJECT(child));

    deleted = g_string_new(NULL);
    qdev_add_deleted_notifier(on_deleted, NULL);
    object_unparent(OBJECT(b2));
    g_assert_nonnull(strstr(deleted->str, "-=/b2/kid;"));
    g_assert_nonnull(strstr(deleted->str, "-=/b2;"));
    qdev_remove_deleted_notifier(on_deleted, NULL);
    g_string_free(deleted, true);
}

static void test_unplug_refused(void)
{
    Error *err = NULL;

    g_assert_false(qdev_unplug(DEVICE(bridge), &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Bus 'main-system-bus' does not support hotplugging");
    error_free(err);
}

static int observed[4];

static void observe(void *opaque, int n, int level)
{
    observed[n] = level + 10;
}

static void test_gpio(void)
{
    DeviceState *a = qdev_new(TYPE_TEST_DEV);
    DeviceState *b = qdev_new(TYPE_TEST_DEV);
    Error *err = NULL;

    g_assert_cmpint(qdev_gpio_in_count(a, NULL), ==, 3);
    g_assert_cmpint(qdev_gpio_out_count(a, "irq"), ==, 2);
    g_assert_null(qdev_get_gpio_in(a, 3));
    qdev_connect_gpio_out_named(a, "irq", 1, qdev_get_gpio_in(b, 2));
    qemu_irq_raise(TEST_DEV(a)->out[1]);
    g_assert_cmpint(TEST_DEV(b)->in_level[2], ==, 1);
    qemu_irq_raise(TEST_DEV(a)->out[0]);     /* unconnected: nothing */

    g_assert_cmpint(qdev_intercept_gpio_in(b, observe, NULL, NULL,
                                           &error_abort), ==, 3);
    qemu_irq_lower(qdev_get_gpio_in(b, 2));
    g_assert_cmpint(observed[2], ==, 10);
    g_assert_cmpint(TEST_DEV(b)->in_level[2], ==, 0);

    memset(observed, 0, sizeof(observed));
    g_assert_cmpint(qdev_intercept_gpio_out(a, observe, NULL, "irq",
                                            &error_abort), ==, 2);
    qemu_irq_raise(TEST_DEV(a)->out[0]);
    g_assert_cmpint(observed[0], ==, 11);
    qemu_irq_raise(TEST_DEV(a)->out[1]);
    g_assert_cmpint(observed[1], ==, 11);
    g_assert_cmpint(TEST_DEV(b)->in_level[2], ==, 1);
    g_assert_cmpint(qemu_irq_get_level(qdev_get_gpio_in(b, 2)), ==, 1);

    g_assert_cmpint(qdev_intercept_gpio_in(a, observe, NULL, "nope", &err),
                    ==, -1);
    g_assert_nonnull(err);
    error_free(err);
    object_unref(OBJECT(a));
    object_unref(OBJECT(b));
}

static void reset_device_tree(void *opaque)
{
    qemu_devices_reset();
}

static void test_reset(void)
{
    DeviceState *dev = add("{\"driver\": \"test-dev\", \"id\": \"r1\"}",
                           &error_abort);
    int bridge_resets = bridge->resets;

    qemu_register_reset(reset_device_tree, NULL);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    qemu_unregister_reset(reset_device_tree, NULL);
    g_assert_cmpint(bridge->resets, ==, bridge_resets + 1);
    g_assert_cmpint(TEST_DEV(dev)->resets, ==, 1);
    bus_cold_reset(bridge->bus);
    g_assert_cmpint(TEST_DEV(dev)->resets, ==, 2);
    g_assert_cmpint(bridge->resets, ==, bridge_resets + 1);
    object_unparent(OBJECT(dev));
}

static int handler_runs;

static void count_reset(void *opaque)
{
    handler_runs++;
}

static void test_reset_handlers(void)
{
    qemu_register_reset(count_reset, NULL);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmpint(handler_runs, ==, 1);
    qemu_unregister_reset(count_reset, NULL);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_cmpint(handler_runs, ==, 1);
}

static void test_help(void)
{
    g_autofree char *list = qdev_device_help_list();
    g_autofree char *props = qdev_device_help_props("test-dev", &error_abort);
    Error *err = NULL;

    g_assert_nonnull(strstr(list, "name \"test-dev\", bus test-bus, "
                                  "desc \"a test device\"\n"));
    g_assert_null(strstr(list, "test-abstract-dev"));
    g_assert_true(g_str_has_prefix(props, "test-dev options:\n"));
    g_assert_nonnull(strstr(props, "num="));
    g_assert_null(qdev_device_help_props("nosuch", &err));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    bridge = TEST_BRIDGE(qdev_new(TYPE_TEST_BRIDGE));
    sysbus_realize_and_unref(SYS_BUS_DEVICE(bridge), &error_abort);

    g_test_add_func("/qdev/lifecycle", test_lifecycle);
    g_test_add_func("/qdev/realize-failure", test_realize_failure);
    g_test_add_func("/qdev/properties", test_properties);
    g_test_add_func("/qdev/globals", test_globals);
    g_test_add_func("/qdev/device-add", test_device_add);
    g_test_add_func("/qdev/unplug", test_unplug);
    g_test_add_func("/qdev/unplug-subtree", test_unplug_subtree);
    g_test_add_func("/qdev/unplug-refused", test_unplug_refused);
    g_test_add_func("/qdev/gpio", test_gpio);
    g_test_add_func("/qdev/reset", test_reset);
    g_test_add_func("/qdev/reset-handlers", test_reset_handlers);
    g_test_add_func("/qdev/help", test_help);
    return g_test_run();
}
