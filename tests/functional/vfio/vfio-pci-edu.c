/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-guest check of the vfio-pci device model with edu
 *
 *   vfio-pci-edu --backend legacy|iommufd BDF
 *
 * Puts a vfio-pci device on a bare PCIe root bus over system memory (memfd
 * RAM at 0, an MSI doorbell at 0xfee00000), then drives it as a guest
 * would through config cycles and BAR accesses: identity, BAR programming,
 * command bits, edu DMA through the IOMMU, INTx (assert, EOI on access),
 * MSI (message lands on the doorbell), reset, unplug.  Output is TAP.
 */
#include "qemu/osdep.h"

#include <linux/pci_regs.h>
#include <time.h>

#include "hw/pci/pci.h"
#include "hw/vfio/vfio-pci.h"
#include "hw/vfio/vfio-container.h"   /* internal: checks teardown */
#include "qemu/error-report.h"
#include "system/memory.h"

#include "guest-tap.h"

#define RAM_SIZE (16 * 1024 * 1024)
#define BAR_GPA 0xfe000000ULL
#define DOORBELL 0xfee00000ULL

static int intx_level;
static uint64_t msi_addr, msi_data;
static int msi_count;

static void set_irq(void *opaque, int irq, int level)
{
    intx_level = level;
}

static int map_irq(PCIDevice *dev, int pin)
{
    return pin;
}

static void doorbell_write(void *opaque, hwaddr addr, uint64_t data,
                           unsigned size)
{
    msi_addr = DOORBELL + addr;
    msi_data = data;
    msi_count++;
}

static const MemoryRegionOps doorbell_ops = {
    .write = doorbell_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the main loop until *cond or a timeout. */
static bool pump_until(bool (*cond)(void), double seconds)
{
    double deadline = now() + seconds;

    while (!cond()) {
        if (now() > deadline) {
            return false;
        }
        g_main_context_iteration(NULL, false);
        g_usleep(1000);
    }
    return true;
}

static bool intx_high(void) { return intx_level == 1; }
static bool intx_low(void) { return intx_level == 0; }
static bool msi_seen(void) { return msi_count > 0; }

static PCIBus *bus;
static int devfn;

static uint32_t cfg_read(uint32_t reg, unsigned len)
{
    return pci_config_read(bus, PCI_CONFIG_ADDR(0, devfn, reg), len);
}

static void cfg_write(uint32_t reg, uint32_t val, unsigned len)
{
    pci_config_write(bus, PCI_CONFIG_ADDR(0, devfn, reg), val, len);
}

static uint32_t bar_read(hwaddr off)
{
    return address_space_ldl_le(&address_space_memory, BAR_GPA + off,
                                 MEMTXATTRS_UNSPECIFIED, NULL);
}

static void bar_write(hwaddr off, uint32_t val)
{
    address_space_stl_le(&address_space_memory, BAR_GPA + off, val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static void bar_write64(hwaddr off, uint64_t val)
{
    address_space_stq_le(&address_space_memory, BAR_GPA + off, val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static bool edu_dma(uint64_t src, uint64_t dst, bool to_ram)
{
    double deadline = now() + 10;

    bar_write64(0x80, src);
    bar_write64(0x88, dst);
    bar_write64(0x90, 256);
    bar_write64(0x98, 1 | (to_ram ? 2 : 0));
    while (bar_read(0x98) & 1) {
        if (now() > deadline) {
            return false;
        }
        g_usleep(1000);
    }
    return true;
}

static void expect_realize_error(const char *prop, const char *value,
                                 const char *want)
{
    PCIDevice *d = pci_new(-1, TYPE_VFIO_PCI);
    Error *err = NULL;
    bool ok;

    object_property_set_str(OBJECT(d), "host", "0000:00:1f.7", &error_abort);
    if (prop) {
        object_property_set_str(OBJECT(d), prop, value, &error_abort);
    }
    ok = pci_realize_and_unref(d, bus, &err);
    check(!ok && err && strstr(error_get_pretty(err), want),
          "realize refused: %s", err ? error_get_pretty(err) : "(no error)");
    error_free(err);
}

int main(int argc, char **argv)
{
    MemoryRegion ram, doorbell;
    PCIDevice *d;
    Error *err = NULL;
    g_autofree char *backend = NULL;
    uint8_t *host;
    uint8_t cap;
    bool ok;

    if (argc < 4 || strcmp(argv[1], "--backend")) {
        fprintf(stderr, "usage: %s --backend legacy|iommufd BDF\n", argv[0]);
        return 2;
    }
    error_set_sink(tap_diag_sink, NULL);
    memory_map_init();
    memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_fatal);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_io(&doorbell, NULL, &doorbell_ops, NULL, "doorbell",
                          0x100000);
    memory_region_add_subregion(get_system_memory(), DOORBELL, &doorbell);
    bus = pci_root_bus_new(NULL, "pcie.0", get_system_memory(),
                           get_system_io(), 0, TYPE_PCIE_BUS);
    pci_bus_irqs(bus, set_irq, NULL, PCI_NUM_PINS);
    pci_bus_map_irqs(bus, map_irq);

    expect_realize_error(NULL, NULL, "no such host device");

    d = pci_new(-1, TYPE_VFIO_PCI);
    object_property_set_str(OBJECT(d), "host", argv[3], &error_abort);
    object_property_set_str(OBJECT(d), "iommufd",
                            !strcmp(argv[2], "legacy") ? "off" : "on",
                            &error_abort);
    object_ref(d);
    if (!pci_realize_and_unref(d, bus, &err)) {
        check(false, "realize: %s", error_get_pretty(err));
        tap_finish();
        return 1;
    }
    devfn = d->devfn;
    backend = object_property_get_str(OBJECT(d), "backend", &error_abort);
    check(!strcmp(backend, argv[2]), "backend property reads '%s'", backend);
    check(cfg_read(PCI_VENDOR_ID, 4) == 0x11e81234,
          "config cycle reads the host's ids: 0x%08x",
          cfg_read(PCI_VENDOR_ID, 4));

    /* BAR sizing and programming, as firmware does it. */
    cfg_write(PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    check((cfg_read(PCI_BASE_ADDRESS_0, 4) & ~0xfu) == 0xfff00000,
          "BAR0 sizes as 1 MiB: 0x%08x", cfg_read(PCI_BASE_ADDRESS_0, 4));
    cfg_write(PCI_BASE_ADDRESS_0, BAR_GPA, 4);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    check((cfg_read(PCI_COMMAND, 2) & 6) == 6, "command bits reach the device");
    bar_write(0x04, 0x5a5a0000);
    check(bar_read(0x04) == ~0x5a5a0000u, "edu liveness through the BAR");

    host = memory_region_get_ram_ptr(&ram);
    for (int i = 0; i < 256; i++) {
        host[0x10000 + i] = i ^ 0xa5;
        host[0x20000 + i] = 0;
    }
    ok = edu_dma(0x10000, 0x40000, false) && edu_dma(0x40000, 0x20000, true);
    check(ok && !memcmp(host + 0x10000, host + 0x20000, 256),
          "edu DMA RAM -> device -> RAM through the host IOMMU");

    /* INTx */
    check(cfg_read(PCI_INTERRUPT_PIN, 1) == 1, "INTx pin A");
    bar_write(0x60, 1);
    check(pump_until(intx_high, 10), "INTx asserted from the host eventfd");
    bar_write(0x64, 1);     /* ack in the device */
    bar_read(0x00);         /* any slow-path access ends the interrupt */
    g_main_context_iteration(NULL, false);
    bar_read(0x00);
    check(pump_until(intx_low, 5), "INTx deasserted after the guest's EOI");

    /* MSI */
    cap = cfg_read(PCI_CAPABILITY_LIST, 1);
    while (cap && cfg_read(cap, 1) != PCI_CAP_ID_MSI) {
        cap = cfg_read(cap + 1, 1);
    }
    check(cap != 0, "MSI capability at 0x%x", cap);
    if (cap) {
        bool is64 = cfg_read(cap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT;

        cfg_write(cap + PCI_MSI_ADDRESS_LO, DOORBELL, 4);
        if (is64) {
            cfg_write(cap + PCI_MSI_ADDRESS_HI, 0, 4);
        }
        cfg_write(cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 0x4321,
                  2);
        cfg_write(cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
        bar_write(0x64, ~0u);
        bar_write(0x60, 2);
        ok = pump_until(msi_seen, 10);
        check(ok && msi_data == 0x4321 && msi_addr == DOORBELL,
              "MSI from the host lands on the doorbell (data 0x%" PRIx64 ")",
              msi_data);
        bar_write(0x64, ~0u);
        cfg_write(cap + PCI_MSI_FLAGS, 0, 2);
    }

    pci_device_reset(d);
    check(cfg_read(PCI_VENDOR_ID, 4) == 0x11e81234,
          "the device answers after a reset");

    qdev_unrealize(DEVICE(d));
    object_unparent(OBJECT(d));
    object_unref(d);
    check(vfio_address_space_lookup(&address_space_memory) == NULL,
          "unplug released every container");
    error_set_sink(NULL, NULL);
    return tap_finish();
}
