/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-tree reset
 *
 * The reset handler registry and qemu_system_reset() live in
 * system/runstate.h.  machine_run_board_init() registers the machine's
 * reset there first, so on every system reset the whole device tree
 * (everything under the main system bus) is reset before any other
 * handler runs.  The machine's reset is MachineClass::reset if set, else
 * qemu_devices_reset().
 */
#ifndef HW_RESET_H
#define HW_RESET_H

#include "system/runstate.h"

/* Cold-resets every device under the main system bus. */
void qemu_devices_reset(void);

#endif
