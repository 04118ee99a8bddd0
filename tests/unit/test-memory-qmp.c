/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP x-query-flatview (system/memory-qmp.c) on a q35 machine with a
 * PCI test device, a ROM and a RAM-device region.
 */
#include "qemu/osdep.h"
#include "pci-harness.h"
#include "hw/misc/pci-testdev-dma.h"
#include "hw/pci/pci_device.h"
#include "monitor/qmp.h"

#define TD_DEVFN    PCI_DEVFN(3, 0)
#define TD_BAR0     0xd0000000ULL
#define TD_BAR4     0x800000000ULL      /* 64-bit, above 4 GiB */
#define ROM_ADDR    0x5000000ULL
#define RAMDEV_ADDR 0x6000000ULL
#define RAMDEV_SIZE 0x2000

static MachineState *machine;
static MemoryRegion rom, ramdev;
static void *ramdev_buf;

static JsonNode *query(const char *as_name, Error **errp)
{
    g_autoptr(JsonObject) args = json_object_new();

    if (as_name) {
        json_object_set_string_member(args, "address-space", as_name);
    }
    return qmp_dispatch_command("x-query-flatview", args, errp);
}

/* The entry starting at @start, or NULL; asserts the list is sorted. */
static JsonObject *entry_at(JsonArray *arr, uint64_t start)
{
    uint64_t prev_end = 0;
    JsonObject *found = NULL;

    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *e = json_array_get_object_element(arr, i);
        uint64_t s = json_object_get_int_member(e, "start");
        uint64_t size = json_object_get_int_member(e, "size");

        g_assert_cmpuint(s, >=, prev_end);
        g_assert_cmpuint(size, >, 0);
        prev_end = s + size;
        if (s == start) {
            found = e;
        }
    }
    return found;
}

static void assert_entry(JsonArray *arr, uint64_t start, uint64_t size,
                         const char *region, const char *kind,
                         bool readonly, const void *host)
{
    JsonObject *e = entry_at(arr, start);

    g_assert_nonnull(e);
    g_assert_cmpuint(json_object_get_int_member(e, "size"), ==, size);
    g_assert_cmpstr(json_object_get_string_member(e, "region"), ==, region);
    g_assert_cmpstr(json_object_get_string_member(e, "kind"), ==, kind);
    g_assert_cmpint(json_object_get_boolean_member(e, "readonly"), ==,
                    readonly);
    if (host) {
        g_assert_cmpuint(json_object_get_int_member(e, "host"), ==,
                         (uintptr_t)host);
    } else {
        g_assert_false(json_object_has_member(e, "host"));
    }
}

static void test_system_view(void)
{
    JsonNode *ret = query(NULL, &error_abort);
    JsonArray *arr = json_node_get_array(ret);
    char *ram = memory_region_get_ram_ptr(machine->ram);
    PCIDevice *td = PCI_DEVICE(object_resolve_path("td", NULL));
    char *bar4 = memory_region_get_ram_ptr(td->io_regions[4].memory);

    assert_entry(arr, 0, 64 << 20, "pc.ram", "ram", false, ram);
    assert_entry(arr, ROM_ADDR, 0x10000, "test-rom", "ram", true,
                 memory_region_get_ram_ptr(&rom));
    assert_entry(arr, RAMDEV_ADDR, RAMDEV_SIZE, "test-ramdev", "ram-device",
                 false, ramdev_buf);
    assert_entry(arr, TD_BAR0, 1 << 20, "testdev-mmio", "mmio", false, NULL);
    assert_entry(arr, TD_BAR4, 1 << 20, "testdev-ram64", "ram", false, bar4);
    assert_entry(arr, Q35_MSI_DOORBELL_BASE, Q35_MSI_DOORBELL_SIZE,
                 "msi-doorbell", "mmio", false, NULL);
    json_node_unref(ret);

    /* The same view by name; a readonly RAM section reads readonly. */
    memory_region_set_readonly(td->io_regions[4].memory, true);
    ret = query("memory", &error_abort);
    arr = json_node_get_array(ret);
    assert_entry(arr, TD_BAR4, 1 << 20, "testdev-ram64", "ram", true, bar4);
    json_node_unref(ret);
    memory_region_set_readonly(td->io_regions[4].memory, false);
}

static void test_io_view(void)
{
    JsonNode *ret = query("I/O", &error_abort);
    JsonArray *arr = json_node_get_array(ret);

    assert_entry(arr, 0xcf8, 4, "pci-conf-idx", "mmio", false, NULL);
    assert_entry(arr, 0xcfc, 4, "pci-conf-data", "mmio", false, NULL);
    json_node_unref(ret);
}

/* A PCI function's bus-master space is empty until bus mastering is on. */
static void test_bus_master_view(void)
{
    PCIDevice *td = PCI_DEVICE(object_resolve_path("td", NULL));
    g_autofree char *name = g_strdup_printf("%s bus master", td->name);
    JsonNode *ret = query(name, &error_abort);
    JsonNode *sys;

    g_assert_cmpuint(json_array_get_length(json_node_get_array(ret)), ==, 0);
    json_node_unref(ret);

    cfg_writew(0, TD_DEVFN, PCI_COMMAND,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    ret = query(name, &error_abort);
    sys = query("memory", &error_abort);
    g_assert_true(json_node_equal(ret, sys));
    json_node_unref(ret);
    json_node_unref(sys);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
}

static void test_errors(void)
{
    g_autoptr(JsonObject) bad_type = json_object_new();
    g_autoptr(JsonObject) extra = json_object_new();
    Error *err = NULL;

    g_assert_null(query("nope", &err));
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                                   "address space 'nope' not found (known: "
                                   "'memory', 'I/O', "));
    g_assert_null(strchr(error_get_pretty(err), '\n'));
    error_free(err);
    err = NULL;

    json_object_set_int_member(bad_type, "address-space", 5);
    g_assert_null(qmp_dispatch_command("x-query-flatview", bad_type, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Invalid parameter type for 'address-space', "
                    "expected: string");
    error_free(err);
    err = NULL;

    json_object_set_string_member(extra, "as", "memory");
    g_assert_null(qmp_dispatch_command("x-query-flatview", extra, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Parameter 'as' is unexpected");
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    machine = harness_machine_new(64 << 20);
    harness_device_add("pci-testdev-dma,id=td,addr=03.0", &error_abort);
    harness_machine_done();

    memory_region_init_rom(&rom, NULL, "test-rom", 0x10000, &error_abort);
    memory_region_add_subregion(get_system_memory(), ROM_ADDR, &rom);
    ramdev_buf = g_aligned_alloc0(1, RAMDEV_SIZE, 4096);
    memory_region_init_ram_device_ptr(&ramdev, NULL, "test-ramdev",
                                      RAMDEV_SIZE, ramdev_buf);
    memory_region_add_subregion(get_system_memory(), RAMDEV_ADDR, &ramdev);

    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_0, TD_BAR0);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_4, (uint32_t)TD_BAR4);
    cfg_writel(0, TD_DEVFN, PCI_BASE_ADDRESS_5, TD_BAR4 >> 32);
    cfg_writew(0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);

    g_test_add_func("/memory-qmp/system-view", test_system_view);
    g_test_add_func("/memory-qmp/io-view", test_io_view);
    g_test_add_func("/memory-qmp/bus-master-view", test_bus_master_view);
    g_test_add_func("/memory-qmp/errors", test_errors);
    return g_test_run();
}
