/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to system/vl*.c: the option table.
 */
#ifndef SYSTEM_VL_H
#define SYSTEM_VL_H

#include <stdbool.h>

enum {
    QEMU_OPTION_h,
    QEMU_OPTION_version,
    QEMU_OPTION_machine,
    QEMU_OPTION_m,
    QEMU_OPTION_object,
    QEMU_OPTION_device,
    QEMU_OPTION_smp,
    QEMU_OPTION_cpu,
    QEMU_OPTION_uuid,
    QEMU_OPTION_name,
    QEMU_OPTION_rtc,
    QEMU_OPTION_boot,
    QEMU_OPTION_no_shutdown,
    QEMU_OPTION_no_user_config,
    QEMU_OPTION_nodefaults,
    QEMU_OPTION_display,
    QEMU_OPTION_msg,
    QEMU_OPTION_overcommit,
    QEMU_OPTION_sandbox,
    QEMU_OPTION_global,
    QEMU_OPTION_watchdog_action,
    QEMU_OPTION_audiodev,
    QEMU_OPTION_add_fd,
    QEMU_OPTION_accel,
    QEMU_OPTION_qtest,
    QEMU_OPTION_qtest_log,
    QEMU_OPTION_S,
    QEMU_OPTION_qmp,
    QEMU_OPTION_chardev,
    QEMU_OPTION_mon,
    QEMU_OPTION_trace,
    QEMU_OPTION_daemonize,
    QEMU_OPTION_kernel,
    QEMU_OPTION_initrd,
    QEMU_OPTION_append,
    QEMU_OPTION_serial,
    QEMU_OPTION_pidfile,
    QEMU_OPTION_nographic,
    QEMU_OPTION_no_reboot,
    QEMU_OPTION_enable_kvm,
};

typedef struct QemuOption {
    const char *name;
    bool has_arg;
    int index;
    const char *args;       /* argument synopsis for -h */
    const char *help;
} QemuOption;

/* The option called @name (without the leading dash), or NULL. */
const QemuOption *qemu_find_option(const char *name);
void qemu_print_help(void);
/* Iterates over the table: the first option for NULL, NULL after the last. */
const QemuOption *qemu_option_next(const QemuOption *prev);
void qemu_print_version(void);

#endif
