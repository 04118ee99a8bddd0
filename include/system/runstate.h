/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM's run state, reset handlers, and shutdown/reset requests
 *
 * Without an accelerator (qtest) there is no CPU: "running" only tells
 * devices and QMP clients whether the guest would run.  With KVM the
 * vCPU threads run exactly while the state is "running".  stop/cont
 * switch between running and paused and emit STOP/RESUME; a reset pauses
 * the vCPUs, runs every registered reset handler in registration order
 * and lets them run again.  Everything here wants the BQL; requests made
 * by a vCPU thread are served by the main loop.
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include <stdbool.h>

typedef enum RunState {
    RUN_STATE_DEBUG,
    RUN_STATE_INMIGRATE,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_IO_ERROR,
    RUN_STATE_PAUSED,
    RUN_STATE_POSTMIGRATE,
    RUN_STATE_PRELAUNCH,
    RUN_STATE_FINISH_MIGRATE,
    RUN_STATE_RESTORE_VM,
    RUN_STATE_RUNNING,
    RUN_STATE_SAVE_VM,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_SUSPENDED,
    RUN_STATE_WATCHDOG,
    RUN_STATE_GUEST_PANICKED,
    RUN_STATE__MAX
} RunState;

/* Why the VM shuts down or resets; named as in QEMU's events. */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET,
    SHUTDOWN_CAUSE_HOST_SIGNAL,
    SHUTDOWN_CAUSE_HOST_UI,
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
    SHUTDOWN_CAUSE_GUEST_RESET,
    SHUTDOWN_CAUSE_GUEST_PANIC,
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,
    SHUTDOWN_CAUSE__MAX
} ShutdownCause;

/* "running", "paused", ... as query-status reports them. */
const char *runstate_name(RunState state);
const char *shutdown_cause_name(ShutdownCause cause);

RunState runstate_get(void);
bool runstate_check(RunState state);
bool runstate_is_running(void);
void runstate_set(RunState state);

/*
 * vm_start(): enter "running", emitting RESUME unless already running.
 * vm_stop(): leave "running" for @state, emitting STOP if it was running.
 * Run-state change handlers are called on every transition.
 */
void vm_start(void);
void vm_stop(RunState state);

typedef void VMChangeStateHandler(void *opaque, bool running, RunState state);
void qemu_add_vm_change_state_handler(VMChangeStateHandler *cb, void *opaque);
void qemu_del_vm_change_state_handler(VMChangeStateHandler *cb, void *opaque);

/*
 * Reset handlers run on system reset (and once before the VM starts), in
 * registration order.  The machine registers its own reset here.
 * Unregistering needs the same (@func, @opaque) pair.
 */
typedef void QEMUResetHandler(void *opaque);
void qemu_register_reset(QEMUResetHandler *func, void *opaque);
void qemu_unregister_reset(QEMUResetHandler *func, void *opaque);
/*
 * Runs the reset handlers now.  For a cause other than NONE it also
 * emits RESET {"guest": bool, "reason": "..."}.
 */
void qemu_system_reset(ShutdownCause cause);

/*
 * Requests, served by the main loop.  A shutdown request emits SHUTDOWN
 * now; the main loop then exits (or, with -no-shutdown and a cause other
 * than quit or a signal, stops the VM in "shutdown" instead).  A reset
 * request resets now (with -no-reboot: shuts down instead).
 */
void qemu_system_shutdown_request(ShutdownCause cause);
void qemu_system_reset_request(ShutdownCause cause);
/* True once a shutdown that ends the process has been requested. */
bool qemu_shutdown_requested(void);
/*
 * Serves, in the main thread, the reset/shutdown/stop requests a vCPU
 * thread made (guest reset, guest power-off, KVM internal error).
 */
void qemu_handle_pending_requests(void);
/* -no-shutdown */
void qemu_set_no_shutdown(bool on);
/* -no-reboot: a reset request becomes a shutdown with the same cause. */
void qemu_set_no_reboot(bool on);

/* -watchdog-action: reset|shutdown|poweroff|pause|debug|none|inject-nmi. */
bool qemu_set_watchdog_action(const char *action);
const char *qemu_get_watchdog_action(void);

#endif
