/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run state, reset handlers, shutdown and reset requests.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "system/cpus.h"
#include "system/runstate.h"
#include "qapi/qapi-events.h"

static const char *const runstate_names[RUN_STATE__MAX] = {
    [RUN_STATE_DEBUG] = "debug",
    [RUN_STATE_INMIGRATE] = "inmigrate",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_IO_ERROR] = "io-error",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_POSTMIGRATE] = "postmigrate",
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [RUN_STATE_RESTORE_VM] = "restore-vm",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_SAVE_VM] = "save-vm",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_SUSPENDED] = "suspended",
    [RUN_STATE_WATCHDOG] = "watchdog",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
};

static const char *const cause_names[SHUTDOWN_CAUSE__MAX] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
};

static const char *const watchdog_actions[] = {
    "reset", "shutdown", "poweroff", "pause", "debug", "none", "inject-nmi",
    NULL
};

typedef struct Handler {
    void (*fn)(void);
    void *opaque;
} Handler;

static RunState current_state = RUN_STATE_PRELAUNCH;
static GArray *reset_handlers;      /* of Handler, fn is QEMUResetHandler */
static GArray *change_handlers;     /* of Handler, VMChangeStateHandler */
static bool shutdown_requested;
static bool no_shutdown;
static bool no_reboot;
/*
 * Requests made by a vCPU thread, served by the main loop: a vCPU thread
 * cannot pause all vCPUs (itself included) and wait for that.
 */
static ShutdownCause pending_reset = SHUTDOWN_CAUSE__MAX;
static ShutdownCause pending_shutdown = SHUTDOWN_CAUSE__MAX;
static RunState pending_stop = RUN_STATE__MAX;
static const char *watchdog_action = "reset";

const char *runstate_name(RunState state)
{
    return state < RUN_STATE__MAX ? runstate_names[state] : "unknown";
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    return cause < SHUTDOWN_CAUSE__MAX ? cause_names[cause] : "unknown";
}

RunState runstate_get(void)
{
    return current_state;
}

bool runstate_check(RunState state)
{
    return current_state == state;
}

bool runstate_is_running(void)
{
    return current_state == RUN_STATE_RUNNING;
}

static GArray *handler_array(GArray **arr)
{
    if (!*arr) {
        *arr = g_array_new(FALSE, FALSE, sizeof(Handler));
    }
    return *arr;
}

static void handler_remove(GArray *arr, void (*fn)(void), void *opaque)
{
    for (guint i = 0; arr && i < arr->len; i++) {
        Handler *h = &g_array_index(arr, Handler, i);
        if (h->fn == fn && h->opaque == opaque) {
            g_array_remove_index(arr, i);
            return;
        }
    }
}

void runstate_set(RunState state)
{
    bool running = state == RUN_STATE_RUNNING;
    g_autoptr(GArray) copy = NULL;

    if (state == current_state) {
        return;
    }
    current_state = state;
    if (!change_handlers) {
        return;
    }
    /* A handler may unregister itself: iterate over a snapshot. */
    copy = g_array_copy(change_handlers);
    for (guint i = 0; i < copy->len; i++) {
        Handler *h = &g_array_index(copy, Handler, i);
        ((VMChangeStateHandler *)h->fn)(h->opaque, running, state);
    }
}

void vm_start(void)
{
    if (runstate_is_running()) {
        return;
    }
    runstate_set(RUN_STATE_RUNNING);
    resume_all_vcpus();
    qapi_event_send_resume();
}

void vm_stop(RunState state)
{
    bool was_running = runstate_is_running();

    if (!qemu_in_main_thread()) {
        pending_stop = state;
        qemu_notify_event();
        return;
    }
    pause_all_vcpus();
    runstate_set(state);
    if (was_running) {
        qapi_event_send_stop();
    }
}

void qemu_add_vm_change_state_handler(VMChangeStateHandler *cb, void *opaque)
{
    Handler h = { (void (*)(void))cb, opaque };

    g_array_append_val(handler_array(&change_handlers), h);
}

void qemu_del_vm_change_state_handler(VMChangeStateHandler *cb, void *opaque)
{
    handler_remove(change_handlers, (void (*)(void))cb, opaque);
}

void qemu_register_reset(QEMUResetHandler *func, void *opaque)
{
    Handler h = { (void (*)(void))func, opaque };

    g_array_append_val(handler_array(&reset_handlers), h);
}

void qemu_unregister_reset(QEMUResetHandler *func, void *opaque)
{
    handler_remove(reset_handlers, (void (*)(void))func, opaque);
}

static bool cause_is_guest(ShutdownCause cause)
{
    return cause >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN &&
           cause <= SHUTDOWN_CAUSE_GUEST_PANIC;
}

void qemu_system_reset(ShutdownCause cause)
{
    /* vCPUs are reset by a handler: none may run meanwhile. */
    pause_all_vcpus();
    if (reset_handlers) {
        g_autoptr(GArray) copy = g_array_copy(reset_handlers);

        for (guint i = 0; i < copy->len; i++) {
            Handler *h = &g_array_index(copy, Handler, i);
            ((QEMUResetHandler *)h->fn)(h->opaque);
        }
    }
    if (cause != SHUTDOWN_CAUSE_NONE) {
        qapi_event_send_reset(cause_is_guest(cause), cause);
    }
    if (runstate_is_running()) {
        resume_all_vcpus();
    } else if (cause != SHUTDOWN_CAUSE_NONE) {
        /* As QEMU: a reset VM that does not run waits to be started. */
        runstate_set(RUN_STATE_PRELAUNCH);
    }
}

void qemu_system_reset_request(ShutdownCause cause)
{
    if (!strcmp(watchdog_action, "none") && cause == SHUTDOWN_CAUSE_NONE) {
        return;
    }
    /* -no-reboot: a reset (from the guest or QMP) ends the VM instead. */
    if (no_reboot && cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        qemu_system_shutdown_request(cause);
        return;
    }
    if (!qemu_in_main_thread()) {
        pending_reset = cause;
        qemu_notify_event();
        return;
    }
    qemu_system_reset(cause);
}

void qemu_system_shutdown_request(ShutdownCause cause)
{
    if (!qemu_in_main_thread()) {
        pending_shutdown = cause;
        qemu_notify_event();
        return;
    }
    qapi_event_send_shutdown(cause_is_guest(cause), cause);
    /* -no-shutdown holds the VM, but quit and signals still end it. */
    if (no_shutdown && cause != SHUTDOWN_CAUSE_HOST_QMP_QUIT &&
        cause != SHUTDOWN_CAUSE_HOST_SIGNAL) {
        vm_stop(RUN_STATE_SHUTDOWN);
        return;
    }
    shutdown_requested = true;
    qemu_notify_event();
}

bool qemu_shutdown_requested(void)
{
    return shutdown_requested;
}

void qemu_handle_pending_requests(void)
{
    ShutdownCause cause;
    RunState state;

    g_assert(qemu_in_main_thread() && bql_locked());
    if (pending_shutdown != SHUTDOWN_CAUSE__MAX) {
        cause = pending_shutdown;
        pending_shutdown = SHUTDOWN_CAUSE__MAX;
        qemu_system_shutdown_request(cause);
    }
    if (pending_reset != SHUTDOWN_CAUSE__MAX) {
        cause = pending_reset;
        pending_reset = SHUTDOWN_CAUSE__MAX;
        qemu_system_reset(cause);
    }
    if (pending_stop != RUN_STATE__MAX) {
        state = pending_stop;
        pending_stop = RUN_STATE__MAX;
        vm_stop(state);
    }
}

void qemu_set_no_reboot(bool on)
{
    no_reboot = on;
}

void qemu_set_no_shutdown(bool on)
{
    no_shutdown = on;
}

bool qemu_set_watchdog_action(const char *action)
{
    for (int i = 0; watchdog_actions[i]; i++) {
        if (!strcmp(action, watchdog_actions[i])) {
            watchdog_action = watchdog_actions[i];
            return true;
        }
    }
    return false;
}

const char *qemu_get_watchdog_action(void)
{
    return watchdog_action;
}
