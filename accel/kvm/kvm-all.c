/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM VM: /dev/kvm, capabilities, memslots driven by a memory
 * listener over system memory, and QMP query-kvm.
 *
 * Memslots: every RAM section of address_space_memory (guest RAM, ROMs,
 * and ram_device regions such as a VFIO BAR that is mmapped) becomes a
 * slot, trimmed to whole host pages, so the guest reaches it without an
 * exit.  Everything else exits to userspace and is dispatched into the
 * memory API (kvm-cpus.c).  When KVM's slots run out, a section stays
 * unmapped and still works, through exits.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "system/runstate.h"
#include "qom/object.h"
#include "system/accel-info.h"
#include "system/kvm.h"
#include "kvm-internal.h"

#define KVM_DEVICE_PATH "/dev/kvm"
/* Three pages below the IOAPIC/LAPIC window, as QEMU places them. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define KVM_TSS_ADDR          0xfeffd000ULL

bool kvm_allowed;
KVMState *kvm_state;

int kvm_ioctl(KVMState *s, unsigned long type, void *arg)
{
    int ret = ioctl(s->fd, type, arg);

    return ret < 0 ? -errno : ret;
}

int kvm_vm_ioctl(KVMState *s, unsigned long type, void *arg)
{
    int ret = ioctl(s->vmfd, type, arg);

    return ret < 0 ? -errno : ret;
}

int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg)
{
    int ret = ioctl(cpu->accel->fd, type, arg);

    return ret < 0 ? -errno : ret;
}

int kvm_check_extension(KVMState *s, unsigned int extension)
{
    int ret = ioctl(s->vmfd >= 0 ? s->vmfd : s->fd, KVM_CHECK_EXTENSION,
                    extension);

    return ret < 0 ? 0 : ret;
}

bool kvm_irqchip_in_kernel(void)
{
    return kvm_allowed;
}

/* ---- Memslots --------------------------------------------------------- */

static int kvm_set_user_memory(KVMState *s, KVMSlot *slot)
{
    struct kvm_userspace_memory_region mem = {
        .slot = slot->slot,
        .flags = slot->flags,
        .guest_phys_addr = slot->start_addr,
        .memory_size = slot->size,
        .userspace_addr = (uintptr_t)slot->host,
    };

    return kvm_vm_ioctl(s, KVM_SET_USER_MEMORY_REGION, &mem);
}

static KVMSlot *kvm_find_slot(KVMState *s, uint64_t start, uint64_t size)
{
    for (int i = 0; i < s->nr_slots; i++) {
        KVMSlot *slot = &s->slots[i];

        if (slot->size && slot->start_addr == start && slot->size == size) {
            return slot;
        }
    }
    return NULL;
}

static KVMSlot *kvm_free_slot(KVMState *s)
{
    for (int i = 0; i < s->nr_slots; i++) {
        if (!s->slots[i].size) {
            return &s->slots[i];
        }
    }
    return NULL;
}

/*
 * The page-aligned part of @section that can be a slot, or false if it
 * is not RAM or holds no whole page.
 */
static bool kvm_section_range(MemoryRegionSection *section, uint64_t *start,
                              uint64_t *size, void **host)
{
    uint64_t page = sysconf(_SC_PAGESIZE);
    uint64_t gpa = section->offset_within_address_space;
    uint64_t len = int128_get64(section->size);
    uint64_t aligned = ROUND_UP(gpa, page);
    uint8_t *ptr;

    if (!memory_region_is_ram(section->mr)) {
        return false;
    }
    if (aligned - gpa >= len) {
        return false;
    }
    len = (len - (aligned - gpa)) & ~(page - 1);
    if (!len) {
        return false;
    }
    ptr = memory_region_get_ram_ptr(section->mr);
    if (!ptr) {
        return false;
    }
    *host = ptr + section->offset_within_region + (aligned - gpa);
    *start = aligned;
    *size = len;
    return true;
}

/* The slot that maps @section, if any. */
static KVMSlot *kvm_section_slot(KVMState *s, MemoryRegionSection *section)
{
    uint64_t start, size;
    void *host;

    BQL_ASSERT_HELD();
    if (!kvm_section_range(section, &start, &size, &host)) {
        return NULL;
    }
    return kvm_find_slot(s, start, size);
}

static void kvm_region_add(MemoryListener *listener,
                           MemoryRegionSection *section)
{
    KVMState *s = container_of(listener, KVMState, memory_listener);
    KVMSlot *slot;
    uint64_t start, size;
    void *host;
    int ret;

    BQL_ASSERT_HELD();
    if (!kvm_section_range(section, &start, &size, &host)) {
        return;
    }
    slot = kvm_free_slot(s);
    if (!slot) {
        warn_report("kvm: all %d memory slots are in use: %s at 0x%" PRIx64
                    " is reached through exits", s->nr_slots,
                    memory_region_name(section->mr), start);
        return;
    }
    slot->start_addr = start;
    slot->size = size;
    slot->host = host;
    slot->flags = memory_region_section_is_readonly(section) ?
                  KVM_MEM_READONLY : 0;
    ret = kvm_set_user_memory(s, slot);
    if (ret < 0) {
        warn_report("kvm: cannot map %s at 0x%" PRIx64 " (0x%" PRIx64
                    " bytes) into the guest: %s; it is reached through exits",
                    memory_region_name(section->mr), start, size,
                    strerror(-ret));
        slot->size = 0;
    }
}

static void kvm_region_del(MemoryListener *listener,
                           MemoryRegionSection *section)
{
    KVMState *s = container_of(listener, KVMState, memory_listener);
    KVMSlot *slot = kvm_section_slot(s, section);
    uint64_t start;
    int ret;

    if (!slot) {
        return;     /* not RAM, or it never got a slot */
    }
    start = slot->start_addr;
    slot->size = 0;
    ret = kvm_set_user_memory(s, slot);
    if (ret < 0) {
        /* The kernel refuses to delete only a slot it does not have. */
        warn_report("kvm: cannot remove memory slot %d at 0x%" PRIx64 ": %s",
                    slot->slot, start, strerror(-ret));
    }
}

/* ---- VM creation -------------------------------------------------------- */

bool kvm_check_smp(unsigned cpus, unsigned max_cpus, Error **errp)
{
    KVMState *s = kvm_state;
    const struct { const char *name; unsigned num; } nc[] = {
        { "SMP", cpus }, { "hotpluggable", max_cpus },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(nc); i++) {
        if (nc[i].num > (unsigned)s->soft_vcpus_limit &&
            nc[i].num <= (unsigned)s->hard_vcpus_limit) {
            warn_report("Number of %s cpus requested (%u) exceeds the "
                        "recommended cpus supported by KVM (%d)",
                        nc[i].name, nc[i].num, s->soft_vcpus_limit);
        }
        if (nc[i].num > (unsigned)s->hard_vcpus_limit) {
            error_setg(errp, "Number of %s cpus requested (%u) exceeds the "
                       "maximum cpus supported by KVM (%d)", nc[i].name,
                       nc[i].num, s->hard_vcpus_limit);
            return false;
        }
    }
    return true;
}

/* Guest time (virtual clock, kvmclock) runs exactly while the vCPUs may. */
static void kvm_vm_state_changed(void *opaque, bool running, RunState state)
{
    qemu_clock_virtual_set_running(running);
    kvm_clock_vm_state_changed(kvm_state, running);
}

bool kvm_init(Error **errp)
{
    KVMState *s = g_new0(KVMState, 1);
    int ret;

    s->vmfd = -1;
    s->fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not access KVM kernel module");
        goto fail;
    }
    ret = kvm_ioctl(s, KVM_GET_API_VERSION, NULL);
    if (ret != KVM_API_VERSION) {
        error_setg(errp, "kvm version not supported: %d, expected %d",
                   ret, KVM_API_VERSION);
        goto fail;
    }
    do {
        ret = kvm_ioctl(s, KVM_CREATE_VM, 0);
    } while (ret == -EINTR);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "ioctl(KVM_CREATE_VM) failed");
        goto fail;
    }
    s->vmfd = ret;

    s->vcpu_mmap_size = kvm_ioctl(s, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE failed");
        goto fail;
    }
    s->nr_slots = kvm_check_extension(s, KVM_CAP_NR_MEMSLOTS);
    if (s->nr_slots <= 0) {
        s->nr_slots = 32;
    }
    s->slots = g_new0(KVMSlot, s->nr_slots);
    for (int i = 0; i < s->nr_slots; i++) {
        s->slots[i].slot = i;
    }
    s->soft_vcpus_limit = kvm_check_extension(s, KVM_CAP_NR_VCPUS);
    s->hard_vcpus_limit = kvm_check_extension(s, KVM_CAP_MAX_VCPUS);
    if (s->soft_vcpus_limit <= 0) {
        s->soft_vcpus_limit = 4;
    }
    if (s->hard_vcpus_limit <= 0) {
        s->hard_vcpus_limit = s->soft_vcpus_limit;
    }

    if (!kvm_check_extension(s, KVM_CAP_IRQCHIP) ||
        !kvm_check_extension(s, KVM_CAP_IRQ_ROUTING) ||
        !kvm_check_extension(s, KVM_CAP_IRQFD) ||
        !kvm_check_extension(s, KVM_CAP_PIT2) ||
        !kvm_check_extension(s, KVM_CAP_USER_MEMORY) ||
        !kvm_check_extension(s, KVM_CAP_IMMEDIATE_EXIT)) {
        error_setg(errp, "kvm: the host kernel lacks the in-kernel irqchip, "
                   "GSI routing, irqfd, PIT2 or immediate exit");
        goto fail;
    }
    if (kvm_check_extension(s, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        uint64_t addr = KVM_IDENTITY_MAP_ADDR;

        ret = kvm_vm_ioctl(s, KVM_SET_IDENTITY_MAP_ADDR, &addr);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "kvm: KVM_SET_IDENTITY_MAP_ADDR");
            goto fail;
        }
    }
    ret = kvm_vm_ioctl(s, KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDR);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_SET_TSS_ADDR");
        goto fail;
    }
    if (!kvm_irqchip_create(s, errp)) {
        goto fail;
    }
    if (!kvm_cpuid_init(s, errp)) {
        goto fail;
    }

    kvm_state = s;
    kvm_allowed = true;
    s->memory_listener = (MemoryListener) {
        .name = "kvm-memory",
        .region_add = kvm_region_add,
        .region_del = kvm_region_del,
        .priority = MEMORY_LISTENER_PRIORITY_ACCEL,
    };
    memory_listener_register(&s->memory_listener, &address_space_memory);
    kvm_cpus_register();
    qemu_clock_virtual_follow_host();
    qemu_add_vm_change_state_handler(kvm_vm_state_changed, NULL);
    qemu_register_reset(kvm_irqchip_reset, NULL);
    return true;

fail:
    if (s->vmfd >= 0) {
        close(s->vmfd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->slots);
    g_free(s);
    return false;
}

/* The accelerator registry's entry: -accel kvm, accel=kvm. */
static bool kvm_accel_init(Error **errp)
{
    memory_map_init();
    return kvm_init(errp);
}

static void kvm_register_accel(void)
{
    accel_register("kvm", kvm_accel_init);
}

type_init(kvm_register_accel)
