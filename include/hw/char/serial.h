/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A 16550A UART on I/O ports (COM1: 0x3f8, IRQ 4)
 *
 * Registers: RBR/THR, IER, IIR/FCR, LCR (DLAB switches offsets 0-1 to
 * the divisor latch), MCR (with loopback), LSR, MSR, SCR.  16-byte
 * receive FIFO with the FCR trigger levels (1, 4, 8, 14).  Transmission
 * is instantaneous: a THR write goes to the chardev at once and THR
 * empties (in loopback it lands in the receive FIFO instead).
 *
 * Input from the chardev waits in a queue of up to SERIAL_INPUT_QUEUE
 * bytes behind the FIFO and enters it as the guest reads (a flow-
 * controlled line: pasted text is not lost); beyond the queue it is
 * dropped.  The character-timeout interrupt (IIR 0xc) is raised as soon
 * as a burst of input leaves the FIFO below its trigger level, since
 * there is no line timing to wait for.
 *
 * The interrupt line is a level qemu_irq ("irq" gpio-out), high while
 * an enabled condition is pending.  Any register, any value, any size
 * is accepted from the guest.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "hw/sysbus.h"
#include "hw/irq.h"
#include "chardev/char.h"

#define TYPE_SERIAL_16550A "isa-serial"
#define SERIAL_COM1_BASE    0x3f8
#define SERIAL_COM1_IRQ     4
#define SERIAL_FIFO_SIZE    16
#define SERIAL_INPUT_QUEUE  4096

typedef struct SerialState SerialState;

/*
 * Creates the UART at @base in the system I/O space, driving @irq.
 * @chr (may be NULL: output is discarded, no input) is attached as its
 * frontend; fails if another frontend already has it (
 * already in use: "Device 'ID' is in use").
 */
SerialState *serial_create(Object *parent, uint16_t base, qemu_irq irq,
                           Chardev *chr, Error **errp);

#endif
