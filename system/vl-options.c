/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line option table, -h and -version.
 */
#include "qemu/osdep.h"
#include "system/vl.h"

static const QemuOption options[] = {
    { "h", false, QEMU_OPTION_h, "", "display this help and exit" },
    { "help", false, QEMU_OPTION_h, "", "display this help and exit" },
    { "version", false, QEMU_OPTION_version, "",
      "display version information and exit" },
    { "machine", true, QEMU_OPTION_machine,
      "[type=]q35|none[,accel=A[:B...]][,prop=value...]",
      "select the machine (q35, or none: no devices) and set usb, "
      "dump-guest-core, acpi, memory-backend" },
    { "M", true, QEMU_OPTION_machine, "q35|none[,prop=value...]",
      "same as -machine" },
    { "m", true, QEMU_OPTION_m, "[size=]MEGS[kMGT]", "guest RAM size" },
    { "object", true, QEMU_OPTION_object, "TYPE,id=ID[,...] | JSON",
      "create a user-creatable object (TYPE help lists types)" },
    { "device", true, QEMU_OPTION_device, "DRIVER[,prop=value...] | JSON",
      "add a device (help lists drivers, DRIVER,help its properties)" },
    { "smp", true, QEMU_OPTION_smp,
      "[cpus=]N[,maxcpus=,sockets=,dies=,modules=,cores=,threads=]",
      "number of vCPUs and their topology" },
    { "cpu", true, QEMU_OPTION_cpu, "host|max|qemu64|help",
      "CPU model under -accel kvm (default qemu64)" },
    { "uuid", true, QEMU_OPTION_uuid, "UUID", "system UUID" },
    { "name", true, QEMU_OPTION_name, "[guest=]NAME[,debug-threads=on|off]",
      "guest name" },
    { "rtc", true, QEMU_OPTION_rtc, "[base=utc|localtime|DATE][,clock=]",
      "what the CMOS RTC shows at start (clock=, driftfix= validated)" },
    { "kernel", true, QEMU_OPTION_kernel, "BZIMAGE",
      "boot this Linux kernel directly (x86 boot protocol 2.06+)" },
    { "initrd", true, QEMU_OPTION_initrd, "FILE", "initial ram disk for -kernel" },
    { "append", true, QEMU_OPTION_append, "CMDLINE",
      "kernel command line for -kernel" },
    { "serial", true, QEMU_OPTION_serial, "stdio|null|file:PATH|chardev:ID|none",
      "COM1's backend (default: discarded; none: no COM1)" },
    { "nographic", false, QEMU_OPTION_nographic, "",
      "COM1 on stdio unless -serial says otherwise (no monitor mux)" },
    { "boot", true, QEMU_OPTION_boot, "[order=DRIVES][,menu=on|off]...",
      "boot order (validated; there is no firmware)" },
    { "no-shutdown", false, QEMU_OPTION_no_shutdown, "",
      "stop instead of exiting when the guest shuts down" },
    { "no-reboot", false, QEMU_OPTION_no_reboot, "",
      "exit instead of rebooting" },
    { "no-user-config", false, QEMU_OPTION_no_user_config, "",
      "do not load user configuration files (none are ever loaded)" },
    { "nodefaults", false, QEMU_OPTION_nodefaults, "",
      "create no default devices" },
    { "display", true, QEMU_OPTION_display, "none", "no display (the only one)" },
    { "msg", true, QEMU_OPTION_msg, "timestamp=on|off[,guest-name=on|off]",
      "prefix messages with a timestamp" },
    { "overcommit", true, QEMU_OPTION_overcommit, "mem-lock=off",
      "memory locking (only off is supported)" },
    { "sandbox", true, QEMU_OPTION_sandbox, "on|off[,...]",
      "accepted for compatibility; no seccomp filter is installed" },
    { "global", true, QEMU_OPTION_global, "DRIVER.PROP=VALUE",
      "default property value for every device of DRIVER" },
    { "add-fd", true, QEMU_OPTION_add_fd, "fd=FD,set=SET[,opaque=TEXT]",
      "put an inherited fd in fd set SET, for paths /dev/fdset/SET" },
    { "audiodev", true, QEMU_OPTION_audiodev, "[driver=]none,id=ID | JSON",
      "an audio backend; only 'none' (there are no sound devices)" },
    { "watchdog-action", true, QEMU_OPTION_watchdog_action,
      "reset|shutdown|poweroff|pause|debug|none|inject-nmi",
      "action when a watchdog fires" },
    { "accel", true, QEMU_OPTION_accel, "kvm[,kernel-irqchip=on]|qtest|help",
      "the accelerator" },
    { "enable-kvm", false, QEMU_OPTION_enable_kvm, "",
      "same as -accel kvm" },
    { "qtest", true, QEMU_OPTION_qtest, "unix:PATH|stdio|chardev:ID",
      "serve the qtest protocol on a character device" },
    { "qtest-log", true, QEMU_OPTION_qtest_log, "FILE|none",
      "log qtest traffic" },
    { "S", false, QEMU_OPTION_S, "", "do not start the guest (use cont)" },
    { "qmp", true, QEMU_OPTION_qmp, "unix:PATH[,server=on,wait=off]|stdio",
      "serve QMP on a character device" },
    { "chardev", true, QEMU_OPTION_chardev,
      "socket,id=ID,path=PATH|fd=N[,server=on,wait=off] | stdio,id=ID",
      "create a character device" },
    { "mon", true, QEMU_OPTION_mon, "chardev=ID,mode=control",
      "serve QMP on a chardev" },
    { "trace", true, QEMU_OPTION_trace,
      "[enable=]PATTERN[,events=FILE][,file=FILE]", "enable trace events" },
    { "daemonize", false, QEMU_OPTION_daemonize, "",
      "run in the background once started up (see -pidfile)" },
    { "pidfile", true, QEMU_OPTION_pidfile, "FILE",
      "write the process id to FILE once started up" },
};

const QemuOption *qemu_find_option(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        if (!strcmp(options[i].name, name)) {
            return &options[i];
        }
    }
    return NULL;
}

const QemuOption *qemu_option_next(const QemuOption *prev)
{
    const QemuOption *next = prev ? prev + 1 : options;

    return next < options + G_N_ELEMENTS(options) ? next : NULL;
}

void qemu_print_version(void)
{
    printf("QEMU emulator version " QEMU_VERSION " (" QEMU_PKGVERSION ")\n"
           "A VFIO device-assignment host; see docs/system/invocation.rst\n");
}

void qemu_print_help(void)
{
    qemu_print_version();
    printf("usage: qemu-system-x86_64 [options]\n\n");
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        g_autofree char *synopsis =
            g_strdup_printf("-%s %s", options[i].name, options[i].args);

        printf("%-44s %s\n", synopsis, options[i].help);
    }
    printf("\nSee docs/system/invocation.rst for every option and its "
           "errors.\n");
}
