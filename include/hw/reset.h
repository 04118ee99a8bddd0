/*
 * System reset
 *
 * qemu_system_reset() is what QMP system_reset and start-up do: it runs
 * the machine's reset (by default: reset every device tree under the
 * main system bus) and then every handler registered with
 * qemu_register_reset(), in registration order.
 */
#ifndef HW_RESET_H
#define HW_RESET_H

typedef void QEMUResetHandler(void *opaque);

/* The same (func, opaque) pair may be registered once. */
void qemu_register_reset(QEMUResetHandler *func, void *opaque);
void qemu_unregister_reset(QEMUResetHandler *func, void *opaque);

/* Runs the registered handlers only. */
void qemu_run_reset_handlers(void);
/* Resets all devices (main system bus tree) and runs the handlers. */
void qemu_devices_reset(void);
/* Machine-level reset: the machine class's reset, else the above. */
void qemu_system_reset(void);

#endif
