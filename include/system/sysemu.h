/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Settings from the command line that other subsystems may read.
 */
#ifndef SYSTEM_SYSEMU_H
#define SYSTEM_SYSEMU_H

#include <stdbool.h>
#include <stdint.h>

/* -name guest=NAME (NULL if not given). */
extern const char *qemu_name;
/* -uuid; all zeroes if not given. */
extern uint8_t qemu_uuid[16];
extern bool qemu_uuid_set;
/* -smp: the number of vCPUs (threads under KVM; none under qtest). */
extern unsigned int smp_cpus;
/* -nodefaults */
extern bool qemu_nodefaults;

#endif
