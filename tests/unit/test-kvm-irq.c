/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM VM on this host's /dev/kvm, without vCPUs: memslots follow the
 * memory API, and the GSI routing table takes MSI routes and irqfds (the
 * interface VFIO's vectors use) and gives them back.  Without /dev/kvm
 * the cases fail and say why.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include "system/kvm.h"
#include "system/memory.h"
#include "../../accel/kvm/kvm-internal.h"

static bool vm_ready(void)
{
    static bool tried, ok;
    Error *err = NULL;

    if (!tried) {
        tried = true;
        memory_map_init();
        ok = kvm_init(&err);
        if (!ok) {
            g_test_message("KVM cannot start here (%s): these tests need "
                           "/dev/kvm and fail without it",
                           error_get_pretty(err));
            error_free(err);
        }
    }
    if (!ok) {
        g_test_fail();
    }
    return ok;
}

/* Routes are handed out above the IOAPIC's pins, reused after release. */
static void test_msi_routes(void)
{
    Error *err = NULL;
    int a, b, c;

    if (!vm_ready()) {
        return;
    }
    a = kvm_irqchip_add_msi_route(0xfee00000, 0x4041, &error_abort);
    b = kvm_irqchip_add_msi_route(0xfee01000, 0x4042, &error_abort);
    g_assert_cmpint(a, >=, 24);
    g_assert_cmpint(b, >=, 24);
    g_assert_cmpint(a, !=, b);
    g_assert_true(kvm_irqchip_commit_routes(&error_abort));
    g_assert_true(kvm_irqchip_update_msi_route(b, 0xfee02000, 0x4043,
                                               &error_abort));
    g_assert_true(kvm_irqchip_commit_routes(&error_abort));
    g_assert_false(kvm_irqchip_update_msi_route(5, 0xfee00000, 0, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "kvm: GSI 5 is not an MSI route");
    error_free(err);
    kvm_irqchip_release_virq(a);
    g_assert_true(kvm_irqchip_commit_routes(&error_abort));
    c = kvm_irqchip_add_msi_route(0xfee00000, 0x4044, &error_abort);
    g_assert_cmpint(c, ==, a);
    kvm_irqchip_release_virq(b);
    kvm_irqchip_release_virq(c);
    g_assert_true(kvm_irqchip_commit_routes(&error_abort));
}

/* An eventfd becomes an MSI irqfd, follows a new message, and goes. */
static void test_msi_irqfd(void)
{
    int fd, virq;
    uint64_t one = 1;

    if (!vm_ready()) {
        return;
    }
    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_assert_cmpint(fd, >=, 0);
    virq = kvm_irqchip_add_msi_irqfd(fd, 0xfee00000, 0x4051, &error_abort);
    g_assert_cmpint(virq, >=, 24);
    /* KVM consumes the counter: a read in userspace finds nothing. */
    g_assert_cmpint(write(fd, &one, sizeof(one)), ==, sizeof(one));
    g_assert_true(kvm_irqchip_update_msi_irqfd(virq, 0xfee01000, 0x4052,
                                               &error_abort));
    kvm_irqchip_remove_msi_irqfd(fd, virq);
    /* Gone: binding it again works. */
    virq = kvm_irqchip_add_msi_irqfd(fd, 0xfee00000, 0x4051, &error_abort);
    kvm_irqchip_remove_msi_irqfd(fd, virq);
    close(fd);
}

/* INTx: a level irqfd with a resample fd on an IOAPIC line. */
static void test_intx_resample(void)
{
    int fd, rfd;
    Error *err = NULL;

    if (!vm_ready()) {
        return;
    }
    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_assert_true(kvm_irqchip_add_irqfd(fd, rfd, 16, &error_abort));
    /* One eventfd, one GSI: a second binding is refused. */
    g_assert_false(kvm_irqchip_add_irqfd(fd, rfd, 16, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "cannot bind eventfd"));
    error_free(err);
    g_assert_true(kvm_irqchip_remove_irqfd(fd, 16, &error_abort));
    close(fd);
    close(rfd);
}

static const KVMSlot *slot_at(uint64_t gpa)
{
    for (int i = 0; i < kvm_state->nr_slots; i++) {
        if (kvm_state->slots[i].size && kvm_state->slots[i].start_addr == gpa) {
            return &kvm_state->slots[i];
        }
    }
    return NULL;
}

/*
 * RAM in system memory becomes a slot with its host address; an I/O
 * region over part of it splits it; removal frees the slots.
 */
static void test_memslot(void)
{
    MemoryRegion ram, mmio;
    const KVMSlot *slot;
    uint8_t *host;

    if (!vm_ready()) {
        return;
    }
    g_assert_true(memory_region_init_ram(&ram, NULL, "test-ram", 1 << 20,
                                         &error_abort));
    host = memory_region_get_ram_ptr(&ram);
    memory_region_add_subregion(get_system_memory(), 0x100000, &ram);
    slot = slot_at(0x100000);
    g_assert_nonnull(slot);
    g_assert_cmphex(slot->size, ==, 1 << 20);
    g_assert_true(slot->host == host);

    memory_region_init_io(&mmio, NULL, NULL, NULL, "test-hole", 0x1000);
    memory_region_add_subregion_overlap(get_system_memory(), 0x140000, &mmio,
                                        1);
    slot = slot_at(0x100000);
    g_assert_nonnull(slot);
    g_assert_cmphex(slot->size, ==, 0x40000);
    slot = slot_at(0x141000);
    g_assert_nonnull(slot);
    g_assert_cmphex(slot->size, ==, 0xbf000);
    g_assert_true(slot->host == host + 0x41000);
    g_assert_null(slot_at(0x140000));

    memory_region_del_subregion(get_system_memory(), &mmio);
    memory_region_del_subregion(get_system_memory(), &ram);
    g_assert_null(slot_at(0x100000));
    g_assert_null(slot_at(0x141000));
    memory_region_finalize(&mmio);
    memory_region_finalize(&ram);
}

/* A ram_device region (an mmapped BAR) is a slot too: no exits. */
static void test_memslot_ram_device(void)
{
    MemoryRegion bar;
    const KVMSlot *slot;
    void *ptr;

    if (!vm_ready()) {
        return;
    }
    ptr = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(ptr != MAP_FAILED);
    memory_region_init_ram_device_ptr(&bar, NULL, "test-bar", 0x4000, ptr);
    memory_region_add_subregion(get_system_memory(), 0xc0000000, &bar);
    slot = slot_at(0xc0000000);
    g_assert_nonnull(slot);
    g_assert_cmphex(slot->size, ==, 0x4000);
    g_assert_true(slot->host == ptr);
    memory_region_del_subregion(get_system_memory(), &bar);
    g_assert_null(slot_at(0xc0000000));
    memory_region_finalize(&bar);
    munmap(ptr, 0x4000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/irq/msi-routes", test_msi_routes);
    g_test_add_func("/kvm/irq/msi-irqfd", test_msi_irqfd);
    g_test_add_func("/kvm/irq/intx-resample", test_intx_resample);
    g_test_add_func("/kvm/memslot", test_memslot);
    g_test_add_func("/kvm/memslot-ram-device", test_memslot_ram_device);
    return g_test_run();
}
