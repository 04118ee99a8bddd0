/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads: creation, the KVM_RUN loop, exits, and kicks.
 *
 * A vCPU thread runs KVM_RUN without the BQL.  It takes the BQL for
 * every exit it handles (port I/O into address_space_io, MMIO into
 * address_space_memory, reset and power-off requests) and to park when
 * the VM must not run.  A kick (from pause_all_vcpus(), BQL held) sets
 * kvm_run.immediate_exit and sends SIG_IPI: KVM_RUN then returns EINTR
 * whether the thread was already inside it or about to enter it.
 */
#include "qemu/osdep.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "hw/i386/x86-cpu.h"
#include "system/cpus.h"
#include "system/kvm.h"
#include "system/runstate.h"
#include "kvm-internal.h"

#define SIG_IPI SIGUSR1

static void kvm_kick_vcpu(CPUState *cpu)
{
    if (!cpu->accel || !cpu->created) {
        return;
    }
    cpu->accel->run->immediate_exit = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    pthread_kill(cpu->thread, SIG_IPI);
}

static void sig_ipi_handler(int sig)
{
    /* Only there to make KVM_RUN return EINTR. */
}

static const AccelOps kvm_accel_ops = {
    .kick = kvm_kick_vcpu,
};

void kvm_cpus_register(void)
{
    struct sigaction sa = { .sa_handler = sig_ipi_handler };

    sigemptyset(&sa.sa_mask);
    sigaction(SIG_IPI, &sa, NULL);
    cpus_register_accel(&kvm_accel_ops);
}

static void kvm_handle_io(uint16_t port, void *data, int direction,
                          int size, uint32_t count)
{
    uint8_t *ptr = data;

    for (uint32_t i = 0; i < count; i++) {
        address_space_rw(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                         ptr, size, direction == KVM_EXIT_IO_OUT);
        ptr += size;
    }
}

/* The vCPU must not run again until the main loop has served a request. */
static void kvm_park_self(CPUState *cpu)
{
    cpu->stop = true;
}

/* BQL held: the guest cannot go on; stop the VM in "internal-error". */
static void kvm_stop_on_error(CPUState *cpu)
{
    kvm_park_self(cpu);
    vm_stop(RUN_STATE_INTERNAL_ERROR);
}

/*
 * Runs @cpu until something needs the main thread: a kick, or a request
 * it made.  Called and returns with the BQL held.
 */
static void kvm_cpu_exec(CPUState *cpu)
{
    struct kvm_run *run = cpu->accel->run;
    Error *err = NULL;

    if (cpu->accel->reset_pending) {
        if (!kvm_arch_put_reset_state(cpu, &err)) {
            error_report_err(err);
            kvm_stop_on_error(cpu);
            return;
        }
        cpu->accel->reset_pending = false;
    }
    bql_unlock();
    for (;;) {
        int ret = ioctl(cpu->accel->fd, KVM_RUN, 0);

        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                bql_lock();
                run->immediate_exit = 0;
                return;
            }
            bql_lock();
            error_report("kvm: KVM_RUN on vCPU %d failed: %s",
                         cpu->cpu_index, strerror(errno));
            kvm_stop_on_error(cpu);
            return;
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            bql_lock();
            kvm_handle_io(run->io.port, (uint8_t *)run + run->io.data_offset,
                          run->io.direction, run->io.size, run->io.count);
            bql_unlock();
            break;
        case KVM_EXIT_MMIO:
            bql_lock();
            address_space_rw(&address_space_memory, run->mmio.phys_addr,
                             MEMTXATTRS_UNSPECIFIED, run->mmio.data,
                             run->mmio.len, run->mmio.is_write);
            bql_unlock();
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
        case KVM_EXIT_INTR:
            break;
        case KVM_EXIT_SHUTDOWN:
            /* Triple fault: the PC resets, as QEMU's does. */
            bql_lock();
            kvm_park_self(cpu);
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
            return;
        case KVM_EXIT_SYSTEM_EVENT:
            bql_lock();
            kvm_park_self(cpu);
            if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
                qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
            } else {
                qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
            }
            return;
        case KVM_EXIT_FAIL_ENTRY:
            bql_lock();
            error_report("KVM: entry failed, hardware error 0x%llx",
                         run->fail_entry.hardware_entry_failure_reason);
            kvm_stop_on_error(cpu);
            return;
        case KVM_EXIT_INTERNAL_ERROR:
            bql_lock();
            error_report("KVM internal error. Suberror: %u",
                         run->internal.suberror);
            kvm_stop_on_error(cpu);
            return;
        default:
            bql_lock();
            error_report("KVM: unhandled exit reason %u on vCPU %d",
                         run->exit_reason, cpu->cpu_index);
            kvm_stop_on_error(cpu);
            return;
        }
    }
}

static void *kvm_vcpu_thread_fn(void *arg)
{
    CPUState *cpu = arg;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIG_IPI);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    bql_lock();
    cpu->host_tid = syscall(SYS_gettid);
    cpu_thread_signal_created(cpu);
    for (;;) {
        if (cpu_can_run(cpu)) {
            kvm_cpu_exec(cpu);
        }
        qemu_wait_io_event(cpu);
    }
    return NULL;
}

static bool kvm_create_vcpu(CPUState *cpu, Error **errp)
{
    KVMState *s = kvm_state;
    AccelCPUState *acc = g_new0(AccelCPUState, 1);
    int ret;

    ret = kvm_vm_ioctl(s, KVM_CREATE_VCPU, (void *)(uintptr_t)cpu->apic_id);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm_init_vcpu: kvm_get_vcpu failed "
                         "(%u)", cpu->apic_id);
        g_free(acc);
        return false;
    }
    acc->fd = ret;
    acc->run = mmap(NULL, s->vcpu_mmap_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED, acc->fd, 0);
    if (acc->run == MAP_FAILED) {
        error_setg_errno(errp, errno, "kvm_init_vcpu: mmap'ing vcpu state "
                         "failed");
        close(acc->fd);
        g_free(acc);
        return false;
    }
    cpu->accel = acc;
    return kvm_arch_init_vcpu(cpu, errp);
}

bool kvm_init_vcpus(const char *model_name, uint32_t tsc_khz, Error **errp)
{
    const X86CPUModel *model = x86_cpu_model_find(model_name);

    if (!model) {
        error_setg(errp, "unable to find CPU model '%s'", model_name);
        return false;
    }
    kvm_state->wanted_tsc_khz = tsc_khz;
    if (!x86_cpus_create(model, errp)) {
        return false;
    }
    for (unsigned i = 0; i < cpu_count(); i++) {
        if (!kvm_create_vcpu(qemu_get_cpu(i), errp)) {
            return false;
        }
    }
    qemu_register_reset(kvm_cpus_reset, NULL);
    for (unsigned i = 0; i < cpu_count(); i++) {
        CPUState *cpu = qemu_get_cpu(i);
        sigset_t set, old;
        int ret;

        /* The thread starts with SIG_IPI blocked and unblocks it itself. */
        sigemptyset(&set);
        sigaddset(&set, SIG_IPI);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        ret = pthread_create(&cpu->thread, NULL, kvm_vcpu_thread_fn, cpu);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (ret) {
            error_setg_errno(errp, ret, "cannot create the thread of vCPU %u",
                             i);
            return false;
        }
        /* As QEMU names them (ps, top, gdb show it). */
        {
            g_autofree char *name = g_strdup_printf("CPU %u/KVM", i);

            pthread_setname_np(cpu->thread, name);
        }
        cpus_wait_created(cpu);
    }
    return true;
}
