/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-kernel irqchip, its GSI routing table, MSI delivery and irqfds.
 *
 * GSIs 0..23 are the chipset's lines: 0..15 reach both PICs and the
 * IOAPIC, 16..23 the IOAPIC only.  As on QEMU's PC, GSI 0 (the PIT)
 * reaches IOAPIC pin 2, so the MADT must carry the usual interrupt
 * source override IRQ0 -> GSI 2.  GSIs from 24 up are "virqs": MSI
 * routes that emulated devices or VFIO vectors use through irqfds.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "system/kvm.h"
#include "kvm-internal.h"

#define KVM_IOAPIC_PINS 24

static void set_gsi_used(KVMState *s, unsigned gsi, bool used)
{
    s->used_gsi[gsi] = used;
}

static bool gsi_used(KVMState *s, unsigned gsi)
{
    return s->used_gsi[gsi];
}

static void add_route(KVMState *s, const struct kvm_irq_routing_entry *e)
{
    struct kvm_irq_routing *r;

    if (!s->irq_routes || s->irq_routes->nr == s->nr_allocated_irq_routes) {
        unsigned n = MAX(64, s->nr_allocated_irq_routes * 2);

        r = g_malloc0(sizeof(*r) + n * sizeof(r->entries[0]));
        if (s->irq_routes) {
            memcpy(r, s->irq_routes, sizeof(*r) + s->irq_routes->nr *
                   sizeof(r->entries[0]));
            g_free(s->irq_routes);
        }
        s->irq_routes = r;
        s->nr_allocated_irq_routes = n;
    }
    s->irq_routes->entries[s->irq_routes->nr++] = *e;
    set_gsi_used(s, e->gsi, true);
    s->routes_dirty = true;
}

static void add_irqchip_route(KVMState *s, unsigned gsi, unsigned chip,
                              unsigned pin)
{
    struct kvm_irq_routing_entry e = {
        .gsi = gsi,
        .type = KVM_IRQ_ROUTING_IRQCHIP,
        .u.irqchip = { .irqchip = chip, .pin = pin },
    };

    add_route(s, &e);
}

bool kvm_irqchip_commit_routes(Error **errp)
{
    KVMState *s = kvm_state;
    int ret;

    BQL_ASSERT_HELD();
    if (!s->routes_dirty) {
        return true;
    }
    s->irq_routes->flags = 0;
    ret = kvm_vm_ioctl(s, KVM_SET_GSI_ROUTING, s->irq_routes);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_SET_GSI_ROUTING failed");
        return false;
    }
    s->routes_dirty = false;
    return true;
}

/*
 * The PICs, the IOAPIC and the PIT as KVM created them: system reset
 * puts them back, as a PC's reset line would (the guest's masks,
 * redirection entries and timer programming do not survive a reboot).
 */
static struct kvm_irqchip initial_chips[3];
static struct kvm_pit_state2 initial_pit;

static bool kvm_irqchip_save_initial(KVMState *s, Error **errp)
{
    static const int ids[] = {
        KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC,
    };
    int ret;

    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        initial_chips[i].chip_id = ids[i];
        ret = kvm_vm_ioctl(s, KVM_GET_IRQCHIP, &initial_chips[i]);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "kvm: KVM_GET_IRQCHIP failed");
            return false;
        }
    }
    ret = kvm_vm_ioctl(s, KVM_GET_PIT2, &initial_pit);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_GET_PIT2 failed");
        return false;
    }
    return true;
}

void kvm_irqchip_reset(void *opaque)
{
    KVMState *s = kvm_state;
    int ret;

    for (size_t i = 0; i < G_N_ELEMENTS(initial_chips); i++) {
        ret = kvm_vm_ioctl(s, KVM_SET_IRQCHIP, &initial_chips[i]);
        if (ret < 0) {
            error_report("kvm: cannot reset interrupt controller %u: %s",
                         initial_chips[i].chip_id, strerror(-ret));
        }
    }
    ret = kvm_vm_ioctl(s, KVM_SET_PIT2, &initial_pit);
    if (ret < 0) {
        error_report("kvm: cannot reset the PIT: %s", strerror(-ret));
    }
}

bool kvm_irqchip_create(KVMState *s, Error **errp)
{
    /*
     * The speaker port 0x61 is KVM's too: it gates PIT channel 2 and
     * reads back its output, which is how Linux calibrates the TSC
     * against the PIT.  Left to userspace it would cost an exit per
     * poll (too slow for the calibration loop) and we have no speaker.
     */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    int ret;

    ret = kvm_vm_ioctl(s, KVM_CREATE_IRQCHIP, NULL);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not enable in-kernel irqchip");
        return false;
    }
    ret = kvm_vm_ioctl(s, KVM_CREATE_PIT2, &pit);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Create kernel PIC irqchip failed");
        return false;
    }
    s->gsi_count = kvm_check_extension(s, KVM_CAP_IRQ_ROUTING);
    if (s->gsi_count <= KVM_IOAPIC_PINS) {
        error_setg(errp, "kvm: GSI routing offers only %u routes",
                   s->gsi_count);
        return false;
    }
    s->used_gsi = g_new0(bool, s->gsi_count);
    s->has_signal_msi = kvm_check_extension(s, KVM_CAP_SIGNAL_MSI) > 0;

    for (unsigned i = 0; i < 8; i++) {
        if (i != 2) {       /* the cascade */
            add_irqchip_route(s, i, KVM_IRQCHIP_PIC_MASTER, i);
        }
    }
    for (unsigned i = 8; i < 16; i++) {
        add_irqchip_route(s, i, KVM_IRQCHIP_PIC_SLAVE, i - 8);
    }
    for (unsigned i = 0; i < KVM_IOAPIC_PINS; i++) {
        if (i == 0) {
            add_irqchip_route(s, 0, KVM_IRQCHIP_IOAPIC, 2);
        } else if (i != 2) {
            add_irqchip_route(s, i, KVM_IRQCHIP_IOAPIC, i);
        }
    }
    kvm_state = s;          /* kvm_irqchip_commit_routes() reads it */
    return kvm_irqchip_commit_routes(errp) &&
           kvm_irqchip_save_initial(s, errp);
}

void kvm_set_irq(int gsi, int level)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = level };
    int ret;

    BQL_ASSERT_HELD();
    ret = kvm_vm_ioctl(kvm_state, KVM_IRQ_LINE, &irq);
    if (ret < 0) {
        error_report("kvm: cannot set GSI %d to %d: %s", gsi, level,
                     strerror(-ret));
    }
}

bool kvm_send_msi(uint64_t address, uint32_t data, uint16_t requester_id,
                  Error **errp)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)address,
        .address_hi = address >> 32,
        .data = data,
    };
    int ret;

    ret = kvm_vm_ioctl(kvm_state, KVM_SIGNAL_MSI, &msi);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: KVM_SIGNAL_MSI of 0x%x to 0x%"
                         PRIx64 " failed", data, address);
        return false;
    }
    return true;
}

static struct kvm_irq_routing_entry *find_route(KVMState *s, int gsi)
{
    for (unsigned i = 0; i < s->irq_routes->nr; i++) {
        if (s->irq_routes->entries[i].gsi == (unsigned)gsi) {
            return &s->irq_routes->entries[i];
        }
    }
    return NULL;
}

int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data, Error **errp)
{
    KVMState *s = kvm_state;
    struct kvm_irq_routing_entry e = {
        .type = KVM_IRQ_ROUTING_MSI,
        .u.msi = {
            .address_lo = (uint32_t)address,
            .address_hi = address >> 32,
            .data = data,
        },
    };
    unsigned gsi;

    BQL_ASSERT_HELD();
    for (gsi = KVM_IOAPIC_PINS; gsi < s->gsi_count; gsi++) {
        if (!gsi_used(s, gsi)) {
            break;
        }
    }
    if (gsi == s->gsi_count) {
        error_setg(errp, "kvm: all %u GSI routes are in use", s->gsi_count);
        return -1;
    }
    e.gsi = gsi;
    add_route(s, &e);
    return gsi;
}

bool kvm_irqchip_update_msi_route(int virq, uint64_t address, uint32_t data,
                                  Error **errp)
{
    KVMState *s = kvm_state;
    struct kvm_irq_routing_entry *e;

    BQL_ASSERT_HELD();
    e = virq >= KVM_IOAPIC_PINS ? find_route(s, virq) : NULL;
    if (!e || e->type != KVM_IRQ_ROUTING_MSI) {
        error_setg(errp, "kvm: GSI %d is not an MSI route", virq);
        return false;
    }
    if (e->u.msi.address_lo != (uint32_t)address ||
        e->u.msi.address_hi != address >> 32 || e->u.msi.data != data) {
        e->u.msi.address_lo = (uint32_t)address;
        e->u.msi.address_hi = address >> 32;
        e->u.msi.data = data;
        s->routes_dirty = true;
    }
    return true;
}

void kvm_irqchip_release_virq(int virq)
{
    KVMState *s = kvm_state;
    struct kvm_irq_routing *r = s->irq_routes;

    BQL_ASSERT_HELD();
    if (virq < KVM_IOAPIC_PINS) {
        return;
    }
    for (unsigned i = 0; i < r->nr; i++) {
        if (r->entries[i].gsi == (unsigned)virq) {
            r->entries[i] = r->entries[--r->nr];
            s->routes_dirty = true;
            break;
        }
    }
    set_gsi_used(s, virq, false);
}

bool kvm_irqchip_add_irqfd(int fd, int resample_fd, int gsi, Error **errp)
{
    struct kvm_irqfd irqfd = {
        .fd = fd,
        .gsi = gsi,
    };
    int ret;

    BQL_ASSERT_HELD();
    if (resample_fd >= 0) {
        irqfd.flags |= KVM_IRQFD_FLAG_RESAMPLE;
        irqfd.resamplefd = resample_fd;
    }
    ret = kvm_vm_ioctl(kvm_state, KVM_IRQFD, &irqfd);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: cannot bind eventfd %d to GSI %d",
                         fd, gsi);
        return false;
    }
    return true;
}

bool kvm_irqchip_remove_irqfd(int fd, int gsi, Error **errp)
{
    struct kvm_irqfd irqfd = {
        .fd = fd,
        .gsi = gsi,
        .flags = KVM_IRQFD_FLAG_DEASSIGN,
    };
    int ret;

    BQL_ASSERT_HELD();
    ret = kvm_vm_ioctl(kvm_state, KVM_IRQFD, &irqfd);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm: cannot unbind eventfd %d from "
                         "GSI %d", fd, gsi);
        return false;
    }
    return true;
}

int kvm_irqchip_add_msi_irqfd(int fd, uint64_t address, uint32_t data,
                              Error **errp)
{
    int virq = kvm_irqchip_add_msi_route(address, data, errp);

    if (virq < 0) {
        return -1;
    }
    if (!kvm_irqchip_commit_routes(errp) ||
        !kvm_irqchip_add_irqfd(fd, -1, virq, errp)) {
        kvm_irqchip_release_virq(virq);
        kvm_irqchip_commit_routes(NULL);
        return -1;
    }
    return virq;
}

bool kvm_irqchip_update_msi_irqfd(int virq, uint64_t address, uint32_t data,
                                  Error **errp)
{
    return kvm_irqchip_update_msi_route(virq, address, data, errp) &&
           kvm_irqchip_commit_routes(errp);
}

void kvm_irqchip_remove_msi_irqfd(int fd, int virq)
{
    Error *err = NULL;

    if (!kvm_irqchip_remove_irqfd(fd, virq, &err)) {
        warn_report_err(err);
        err = NULL;
    }
    kvm_irqchip_release_virq(virq);
    if (!kvm_irqchip_commit_routes(&err)) {
        warn_report_err(err);
    }
}
