/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM types: hierarchy, class and instance init order, interfaces, casts,
 * abstract types, reference counting, the composition tree and paths
 */
#include "qemu/osdep.h"
#include "qom/object.h"

/* Every hook appends "event(name) " here, so tests can check the order. */
static GString *events;

static void log_event(const char *event, const char *name)
{
    g_string_append_printf(events, "%s(%s) ", event, name);
}

static char *take_events(void)
{
    char *s = g_strdup(g_strchomp(events->str));

    g_string_truncate(events, 0);
    return s;
}

/* ---- The test hierarchy ------------------------------------------------ */

#define TYPE_TEST_IFACE "test-iface"
typedef struct TestIfaceClass {
    InterfaceClass parent_class;
    int (*answer)(Object *obj);
} TestIfaceClass;
#define TEST_IFACE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(TestIfaceClass, (obj), TYPE_TEST_IFACE)
#define TEST_IFACE_CLASS(klass) \
    OBJECT_CLASS_CHECK(TestIfaceClass, (klass), TYPE_TEST_IFACE)

#define TYPE_TEST_BASE "test-base"
OBJECT_DECLARE_TYPE(TestBase, TestBaseClass, TEST_BASE)
struct TestBase {
    Object parent_obj;
    int value;
};
struct TestBaseClass {
    ObjectClass parent_class;
    const char *kind;
    int base_inits;
};

#define TYPE_TEST_MID "test-mid"
#define TYPE_TEST_LEAF "test-leaf"
#define TYPE_TEST_LEAF2 "test-leaf2"

static void base_class_base_init(ObjectClass *oc, const void *data)
{
    TEST_BASE_CLASS(oc)->base_inits++;
    log_event("base_init", object_class_get_name(oc));
}

static void base_class_init(ObjectClass *oc, const void *data)
{
    TEST_BASE_CLASS(oc)->kind = "base";
    log_event("class_init", object_class_get_name(oc));
}

static void mid_class_base_init(ObjectClass *oc, const void *data)
{
    log_event("mid_base_init", object_class_get_name(oc));
}

static void mid_class_init(ObjectClass *oc, const void *data)
{
    TEST_BASE_CLASS(oc)->kind = data;
    log_event("class_init", object_class_get_name(oc));
}

static int leaf_answer(Object *obj)
{
    return 42;
}

static int leaf2_answer(Object *obj)
{
    return 43;
}

static void leaf_class_init(ObjectClass *oc, const void *data)
{
    TEST_IFACE_CLASS(oc)->answer = leaf_answer;
    log_event("class_init", object_class_get_name(oc));
}

static void leaf2_class_init(ObjectClass *oc, const void *data)
{
    TEST_IFACE_CLASS(oc)->answer = leaf2_answer;
    log_event("class_init", object_class_get_name(oc));
}

static void base_init(Object *obj)
{
    TEST_BASE(obj)->value = 1;
    log_event("init", "base");
}

static void mid_init(Object *obj)
{
    TEST_BASE(obj)->value *= 10;
    log_event("init", "mid");
}

static void leaf_init(Object *obj)
{
    log_event("init", "leaf");
}

static void base_post_init(Object *obj)
{
    log_event("post_init", "base");
}

static void leaf_post_init(Object *obj)
{
    log_event("post_init", "leaf");
}

static void base_finalize(Object *obj)
{
    log_event("finalize", "base");
}

static void mid_finalize(Object *obj)
{
    log_event("finalize", "mid");
}

static void leaf_finalize(Object *obj)
{
    log_event("finalize", "leaf");
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_IFACE,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(TestIfaceClass),
    }, {
        .name = TYPE_TEST_BASE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(TestBase),
        .class_size = sizeof(TestBaseClass),
        .class_base_init = base_class_base_init,
        .class_init = base_class_init,
        .instance_init = base_init,
        .instance_post_init = base_post_init,
        .instance_finalize = base_finalize,
    }, {
        .name = TYPE_TEST_MID,
        .parent = TYPE_TEST_BASE,
        .class_base_init = mid_class_base_init,
        .class_init = mid_class_init,
        .class_data = "mid",
        .instance_init = mid_init,
        .instance_finalize = mid_finalize,
    }, {
        .name = TYPE_TEST_LEAF,
        .parent = TYPE_TEST_MID,
        .class_init = leaf_class_init,
        .instance_init = leaf_init,
        .instance_post_init = leaf_post_init,
        .instance_finalize = leaf_finalize,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_TEST_IFACE },
            { }
        },
    }, {
        .name = TYPE_TEST_LEAF2,
        .parent = TYPE_TEST_LEAF,
        .class_init = leaf2_class_init,
    },
};

DEFINE_TYPES(test_types)

/* A named node of the tree whose finalization is logged. */
#define TYPE_TEST_NODE "test-node"
OBJECT_DECLARE_SIMPLE_TYPE(TestNode, TEST_NODE)
struct TestNode {
    Object parent_obj;
    char *name;
};

static void node_finalize(Object *obj)
{
    TestNode *node = TEST_NODE(obj);

    log_event("finalize", node->name);
    g_free(node->name);
}

static const TypeInfo node_info = {
    .name = TYPE_TEST_NODE,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(TestNode),
    .instance_finalize = node_finalize,
};

static void register_node(void)
{
    type_register_static(&node_info);
}

type_init(register_node)

static Object *node_new(const char *name)
{
    Object *obj = object_new(TYPE_TEST_NODE);

    TEST_NODE(obj)->name = g_strdup(name);
    return obj;
}

/* ---- Tests -------------------------------------------------------------- */

static void test_class_init_order(void)
{
    g_autofree char *log = NULL;
    ObjectClass *leaf;

    g_string_truncate(events, 0);
    /* Nothing has touched these classes yet: the first use builds them. */
    leaf = object_class_by_name(TYPE_TEST_LEAF);
    g_assert_nonnull(leaf);
    log = take_events();
    g_assert_cmpstr(log, ==,
                    "class_init(test-base) "
                    "base_init(test-mid) class_init(test-mid) "
                    "mid_base_init(test-leaf) base_init(test-leaf) "
                    "class_init(test-leaf)");

    /* The parent's class fields are inherited, then overridden. */
    g_assert_cmpstr(TEST_BASE_CLASS(leaf)->kind, ==, "mid");
    g_assert_cmpint(TEST_BASE_CLASS(leaf)->base_inits, ==, 2);
    g_assert_cmpstr(TEST_BASE_CLASS(object_class_by_name(TYPE_TEST_BASE))
                    ->kind, ==, "base");
}

static void test_hierarchy(void)
{
    ObjectClass *leaf = object_class_by_name(TYPE_TEST_LEAF);
    ObjectClass *mid = object_class_by_name(TYPE_TEST_MID);
    GSList *list;

    g_assert_true(object_class_get_parent(leaf) == mid);
    g_assert_true(object_class_get_parent(mid) ==
                  object_class_by_name(TYPE_TEST_BASE));
    g_assert_null(object_class_get_parent(object_class_by_name(TYPE_OBJECT)));
    g_assert_null(object_class_by_name("no-such-type"));
    g_assert_true(object_class_is_abstract(
                      object_class_by_name(TYPE_TEST_BASE)));
    g_assert_false(object_class_is_abstract(leaf));
    g_assert_cmpstr(object_class_get_name(leaf), ==, TYPE_TEST_LEAF);

    list = object_class_get_list(TYPE_TEST_BASE, false);
    g_assert_cmpint(g_slist_length(list), ==, 3);
    g_slist_free(list);
    list = object_class_get_list(TYPE_TEST_BASE, true);
    g_assert_cmpint(g_slist_length(list), ==, 4);
    g_slist_free(list);

    list = object_class_get_list_sorted(TYPE_TEST_IFACE, false);
    g_assert_cmpint(g_slist_length(list), ==, 2);
    g_assert_cmpstr(object_class_get_name(list->data), ==, TYPE_TEST_LEAF);
    g_assert_cmpstr(object_class_get_name(list->next->data), ==,
                    TYPE_TEST_LEAF2);
    g_slist_free(list);
}

static void test_instance_lifecycle_order(void)
{
    g_autofree char *init_log = NULL;
    g_autofree char *fini_log = NULL;
    Object *obj;

    object_class_by_name(TYPE_TEST_LEAF);
    g_string_truncate(events, 0);
    obj = object_new(TYPE_TEST_LEAF);
    init_log = take_events();
    g_assert_cmpstr(init_log, ==,
                    "init(base) init(mid) init(leaf) "
                    "post_init(leaf) post_init(base)");
    g_assert_cmpint(TEST_BASE(obj)->value, ==, 10);
    g_assert_cmpstr(object_get_typename(obj), ==, TYPE_TEST_LEAF);

    object_unref(obj);
    fini_log = take_events();
    g_assert_cmpstr(fini_log, ==,
                    "finalize(leaf) finalize(mid) finalize(base)");
}

static void test_interfaces(void)
{
    g_autoptr(Object) leaf = object_new(TYPE_TEST_LEAF);
    g_autoptr(Object) leaf2 = object_new(TYPE_TEST_LEAF2);
    g_autoptr(Object) mid = object_new(TYPE_TEST_MID);
    ObjectClass *iface;

    g_assert_true(object_dynamic_cast(leaf, TYPE_TEST_IFACE) == leaf);
    g_assert_null(object_dynamic_cast(mid, TYPE_TEST_IFACE));
    g_assert_cmpint(TEST_IFACE_GET_CLASS(leaf)->answer(leaf), ==, 42);
    /* Inherited, then overridden by the subclass. */
    g_assert_cmpint(TEST_IFACE_GET_CLASS(leaf2)->answer(leaf2), ==, 43);

    iface = object_class_dynamic_cast(object_get_class(leaf),
                                      TYPE_TEST_IFACE);
    g_assert_nonnull(iface);
    g_assert_true(((InterfaceClass *)iface)->concrete_class ==
                  object_get_class(leaf));
    g_assert_true(object_class_dynamic_cast(iface, TYPE_INTERFACE) == iface);
    g_string_truncate(events, 0);
}

static void test_casts(void)
{
    g_autoptr(Object) obj = object_new(TYPE_TEST_LEAF);

    g_assert_true(object_dynamic_cast(obj, TYPE_TEST_BASE) == obj);
    g_assert_true(object_dynamic_cast(obj, TYPE_OBJECT) == obj);
    g_assert_null(object_dynamic_cast(obj, TYPE_TEST_LEAF2));
    g_assert_null(object_dynamic_cast(obj, "no-such-type"));
    g_assert_null(object_dynamic_cast(NULL, TYPE_OBJECT));
    g_assert_true(TEST_BASE(obj) == (TestBase *)obj);
    g_assert_null(TEST_BASE(NULL));
    g_assert_true(TEST_BASE_GET_CLASS(obj) ==
                  (TestBaseClass *)object_get_class(obj));
    g_string_truncate(events, 0);
}

static void test_bad_cast_aborts(void)
{
    if (g_test_subprocess()) {
        Object *obj = object_new(TYPE_CONTAINER);

        TEST_BASE(obj);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*object * of type 'container' is not an "
                              "instance of type 'test-base'*");
}

static void test_bad_class_cast_aborts(void)
{
    if (g_test_subprocess()) {
        TEST_BASE_CLASS(object_class_by_name(TYPE_CONTAINER));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*class 'container' is not an instance of "
                              "type 'test-base'*");
}

static void test_abstract_refused(void)
{
    Error *err = NULL;
    Object *obj;

    g_assert_null(object_new_checked(TYPE_TEST_BASE, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Object type 'test-base' is abstract");
    error_free(err);
    err = NULL;

    g_assert_null(object_new_checked("nonexistent", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid object type 'nonexistent'");
    error_free(err);
    err = NULL;

    g_assert_null(object_new_checked(TYPE_TEST_IFACE, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Object type 'test-iface' is abstract");
    error_free(err);

    obj = object_new_checked(TYPE_TEST_MID, &error_abort);
    object_unref(obj);
    g_string_truncate(events, 0);
}

static void test_abstract_new_aborts(void)
{
    if (g_test_subprocess()) {
        object_new(TYPE_TEST_BASE);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*cannot instantiate abstract type "
                              "'test-base'*");
}

static void test_refcount_and_finalize_order(void)
{
    Object *parent = node_new("parent");
    Object *a = node_new("a");
    Object *b = node_new("b");
    Object *grandchild = node_new("grandchild");
    g_autofree char *log = NULL;

    g_string_truncate(events, 0);
    object_property_add_child(parent, "a", a);
    object_property_add_child(parent, "b", b);
    object_property_add_child(a, "g", grandchild);
    g_assert_cmpint(a->ref, ==, 2);
    object_unref(a);
    object_unref(b);
    object_unref(grandchild);
    g_assert_cmpint(a->ref, ==, 1);
    g_assert_true(a->parent == parent);

    /* An extra reference keeps b alive past its parent. */
    object_ref(b);
    object_unref(parent);
    log = take_events();
    g_assert_cmpstr(log, ==,
                    "finalize(grandchild) finalize(a) finalize(parent)");
    g_assert_null(b->parent);
    object_unref(b);
    g_free(log);
    log = take_events();
    g_assert_cmpstr(log, ==, "finalize(b)");
}

static void test_unparent(void)
{
    Object *parent = node_new("up-parent");
    Object *child = node_new("up-child");
    g_autofree char *log = NULL;

    object_property_add_child(parent, "c", child);
    object_unref(child);
    g_assert_nonnull(object_property_find(parent, "c"));
    g_string_truncate(events, 0);
    object_unparent(child);
    log = take_events();
    g_assert_cmpstr(log, ==, "finalize(up-child)");
    g_assert_null(object_property_find(parent, "c"));
    object_unparent(parent);    /* no parent: nothing happens */
    object_unref(parent);
    g_string_truncate(events, 0);
}

static void test_canonical_paths(void)
{
    Object *root = object_get_root();
    Object *peripheral = container_get(root, "/machine/peripheral");
    Object *dev = node_new("dev");
    Object *loose = node_new("loose");
    g_autofree char *p1 = NULL;
    g_autofree char *p2 = NULL;
    g_autofree char *p3 = NULL;
    g_autofree char *comp = NULL;

    g_assert_true(container_get(root, "machine/peripheral") == peripheral);
    g_assert_true(object_get_container("machine") == peripheral->parent);
    object_property_add_child(peripheral, "net0", dev);

    p1 = object_get_canonical_path(dev);
    g_assert_cmpstr(p1, ==, "/machine/peripheral/net0");
    p2 = object_get_canonical_path(root);
    g_assert_cmpstr(p2, ==, "/");
    g_assert_null(object_get_canonical_path(loose));
    comp = object_get_canonical_path_component(dev);
    g_assert_cmpstr(comp, ==, "net0");

    /* A child reads as its path; its type says child<TYPE>. */
    p3 = object_property_get_str(peripheral, "net0", &error_abort);
    g_assert_cmpstr(p3, ==, "/machine/peripheral/net0");
    g_assert_cmpstr(object_property_get_type(peripheral, "net0",
                                             &error_abort),
                    ==, "child<test-node>");

    object_unparent(dev);
    object_unref(dev);
    object_unref(loose);
    g_string_truncate(events, 0);
}

static void test_resolve_paths(void)
{
    Object *peripheral = container_get(object_get_root(),
                                       "/machine/peripheral");
    Object *unattached = container_get(object_get_root(),
                                       "/machine/unattached");
    Object *disk = object_new(TYPE_TEST_LEAF);
    Object *other = object_new(TYPE_TEST_MID);
    bool ambiguous = true;

    object_property_add_child(peripheral, "disk0", disk);
    object_unref(disk);

    g_assert_true(object_resolve_path("/machine/peripheral/disk0",
                                      &ambiguous) == disk);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("disk0", &ambiguous) == disk);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("peripheral/disk0", NULL) == disk);
    g_assert_true(object_resolve_path("/", NULL) == object_get_root());
    g_assert_null(object_resolve_path("/machine/nothing", NULL));
    g_assert_null(object_resolve_path("", NULL));
    g_assert_true(object_resolve_path_at(peripheral, "disk0") == disk);
    g_assert_true(object_resolve_path_component(peripheral, "disk0") ==
                  disk);
    g_assert_true(object_resolve_path_type("disk0", TYPE_TEST_IFACE,
                                           NULL) == disk);
    g_assert_null(object_resolve_path_type("disk0", TYPE_CONTAINER, NULL));

    /* A second "disk0" makes the partial path ambiguous... */
    object_property_add_child(unattached, "disk0", other);
    object_unref(other);
    g_assert_null(object_resolve_path("disk0", &ambiguous));
    g_assert_true(ambiguous);
    /* ...unless the type tells them apart. */
    g_assert_true(object_resolve_path_type("disk0", TYPE_TEST_LEAF,
                                           &ambiguous) == disk);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("unattached/disk0", &ambiguous) ==
                  other);

    object_unparent(disk);
    object_unparent(other);
    g_string_truncate(events, 0);
}

static int count_child(Object *child, void *opaque)
{
    (*(int *)opaque)++;
    return 0;
}

static void test_child_foreach(void)
{
    Object *parent = node_new("fe-parent");
    int count = 0;

    for (int i = 0; i < 3; i++) {
        Object *child = node_new("fe-child");

        object_property_add_child(parent, "child[*]", child);
        object_unref(child);
    }
    g_assert_nonnull(object_property_find(parent, "child[2]"));
    object_child_foreach(parent, count_child, &count);
    g_assert_cmpint(count, ==, 3);
    count = 0;
    object_child_foreach_recursive(object_get_root(), count_child, &count);
    g_assert_cmpint(count, >=, 2);
    object_unref(parent);
    g_string_truncate(events, 0);
}

static void test_embedded_child(void)
{
    Object *parent = node_new("embed-parent");
    TestBase *child = g_new0(TestBase, 1);
    g_autofree char *log = NULL;

    g_string_truncate(events, 0);
    object_initialize_child(parent, "inner", child, sizeof(*child),
                            TYPE_TEST_MID);
    g_assert_cmpint(OBJECT(child)->ref, ==, 1);
    g_assert_true(OBJECT(child)->parent == parent);
    g_free(take_events());
    object_unref(parent);
    log = take_events();
    /* Embedded storage is not freed by QOM. */
    g_assert_cmpstr(log, ==,
                    "finalize(mid) finalize(base) finalize(embed-parent)");
    g_free(child);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    events = g_string_new(NULL);

    /* Must run first: it watches the classes being built. */
    g_test_add_func("/qom/class-init-order", test_class_init_order);
    g_test_add_func("/qom/hierarchy", test_hierarchy);
    g_test_add_func("/qom/instance-order", test_instance_lifecycle_order);
    g_test_add_func("/qom/interfaces", test_interfaces);
    g_test_add_func("/qom/casts", test_casts);
    g_test_add_func("/qom/bad-cast-aborts", test_bad_cast_aborts);
    g_test_add_func("/qom/bad-class-cast-aborts", test_bad_class_cast_aborts);
    g_test_add_func("/qom/abstract-refused", test_abstract_refused);
    g_test_add_func("/qom/abstract-new-aborts", test_abstract_new_aborts);
    g_test_add_func("/qom/refcount-finalize-order",
                    test_refcount_and_finalize_order);
    g_test_add_func("/qom/unparent", test_unparent);
    g_test_add_func("/qom/canonical-paths", test_canonical_paths);
    g_test_add_func("/qom/resolve-paths", test_resolve_paths);
    g_test_add_func("/qom/child-foreach", test_child_foreach);
    g_test_add_func("/qom/embedded-child", test_embedded_child);
    return g_test_run();
}
