/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI function's INTx for a guest program, through uio_pci_generic
 * (uio.c says how).
 */
#ifndef PAYLOAD_UIO_H
#define PAYLOAD_UIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"

/*
 * Hands the function @id->bdf to uio_pci_generic and opens its /dev/uioN;
 * the fd, or -1 with the reason in @msg.
 */
int uio_open(const struct pci_id *id, char *msg, size_t size);
/*
 * Clears INTx Disable in the function's command register (@config: its
 * sysfs config file), so that its next INTx is delivered.
 */
bool uio_unmask(int config);
/*
 * Waits up to @timeout_ms for an interrupt; 1 with the running total in
 * @count, 0 on timeout, -1 on error.
 */
int uio_wait(int fd, int timeout_ms, uint32_t *count);

#endif
