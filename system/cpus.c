/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU list, pause/resume handshake, and QMP query-cpus-fast.
 *
 * The handshake: the main thread sets cpu->stop and kicks; the vCPU
 * thread, back from the guest, takes the BQL, sees stop, marks itself
 * stopped, signals qemu_pause_cond and sleeps on its halt_cond (which
 * drops the BQL).  resume_all_vcpus() clears both flags and wakes it.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/qapi-commands.h"
#include "system/cpus.h"
#include "system/runstate.h"

static GPtrArray *cpus;             /* of CPUState, cpu_index order */
static const AccelOps *accel_ops;
static pthread_cond_t qemu_pause_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t qemu_cpu_cond = PTHREAD_COND_INITIALIZER;

void cpus_register_accel(const AccelOps *ops)
{
    accel_ops = ops;
}

void cpu_list_add(CPUState *cpu)
{
    if (!cpus) {
        cpus = g_ptr_array_new();
    }
    cpu->cpu_index = cpus->len;
    object_ref(OBJECT(cpu));
    g_ptr_array_add(cpus, cpu);
}

unsigned cpu_count(void)
{
    return cpus ? cpus->len : 0;
}

CPUState *qemu_get_cpu(unsigned index)
{
    return index < cpu_count() ? g_ptr_array_index(cpus, index) : NULL;
}

static void qemu_cpu_kick(CPUState *cpu)
{
    pthread_cond_broadcast(&cpu->halt_cond);
    if (accel_ops && accel_ops->kick) {
        accel_ops->kick(cpu);
    }
}

bool all_vcpus_paused(void)
{
    for (unsigned i = 0; i < cpu_count(); i++) {
        if (!qemu_get_cpu(i)->stopped) {
            return false;
        }
    }
    return true;
}

void pause_all_vcpus(void)
{
    g_assert(qemu_in_main_thread() && bql_locked());
    for (unsigned i = 0; i < cpu_count(); i++) {
        CPUState *cpu = qemu_get_cpu(i);

        if (!cpu->stopped) {
            cpu->stop = true;
            qemu_cpu_kick(cpu);
        }
    }
    while (!all_vcpus_paused()) {
        qemu_cond_wait_bql(&qemu_pause_cond);
    }
}

void resume_all_vcpus(void)
{
    g_assert(bql_locked());
    for (unsigned i = 0; i < cpu_count(); i++) {
        CPUState *cpu = qemu_get_cpu(i);

        cpu->stop = false;
        cpu->stopped = false;
        pthread_cond_broadcast(&cpu->halt_cond);
    }
}

bool cpu_can_run(CPUState *cpu)
{
    return !cpu->stop && !cpu->stopped && runstate_is_running();
}

void qemu_wait_io_event(CPUState *cpu)
{
    g_assert(bql_locked());
    while (!cpu_can_run(cpu)) {
        if (cpu->stop) {
            cpu->stop = false;
            cpu->stopped = true;
            pthread_cond_broadcast(&qemu_pause_cond);
        }
        qemu_cond_wait_bql(&cpu->halt_cond);
    }
}

void cpu_thread_signal_created(CPUState *cpu)
{
    cpu->created = true;
    pthread_cond_broadcast(&qemu_cpu_cond);
}

void cpus_wait_created(CPUState *cpu)
{
    while (!cpu->created) {
        qemu_cond_wait_bql(&qemu_cpu_cond);
    }
}

/* query-cpus-fast: empty without an accelerator that runs vCPUs (qtest). */
GPtrArray *qmp_query_cpus_fast(Error **errp)
{
    GPtrArray *list = qapi_CpuInfoFastList_new();

    for (unsigned i = 0; i < cpu_count(); i++) {
        CpuInfoFast *info = g_new0(CpuInfoFast, 1);
        CpuInstanceProperties *props = g_new0(CpuInstanceProperties, 1);
        CPUState *cpu = qemu_get_cpu(i);

        info->cpu_index = cpu->cpu_index;
        info->qom_path = object_get_canonical_path(OBJECT(cpu));
        info->thread_id = cpu->host_tid;
        info->target = SYS_EMU_TARGET_X86_64;
        props->has_socket_id = props->has_die_id = props->has_module_id =
            props->has_core_id = props->has_thread_id = true;
        props->socket_id = cpu->socket_id;
        props->die_id = cpu->die_id;
        props->module_id = cpu->module_id;
        props->core_id = cpu->core_id;
        props->thread_id = cpu->thread_id;
        info->props = props;
        g_ptr_array_add(list, info);
    }
    return list;
}
