/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines (qemu_irq)
 *
 * A qemu_irq is one wire: the source calls qemu_set_irq(irq, level) and the
 * sink's handler runs synchronously with (opaque, n, level).  Lines are
 * plain heap objects owned by whoever allocated them (usually a device's
 * gpio-in list, freed with the device).  A NULL qemu_irq is a wire to
 * nowhere: setting it does nothing.
 *
 * Interception (for qtest's irq_intercept_in/out): an observer can be
 * attached to a line; it runs before the line's own handler, and the
 * line keeps working, so devices behind it still see every level change.
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include <stdbool.h>

typedef struct IRQState *qemu_irq;

typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

/* Drives the line to level (0 low, nonzero high).  NULL irq: no-op. */
void qemu_set_irq(qemu_irq irq, int level);

static inline void qemu_irq_raise(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
}

static inline void qemu_irq_lower(qemu_irq irq)
{
    qemu_set_irq(irq, 0);
}

static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

/* A new line calling handler(opaque, n, level).  Free with qemu_free_irq. */
qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
/* n lines numbered 0..n-1, in a new array.  Free with qemu_free_irqs. */
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
/* NULL is accepted. */
void qemu_free_irq(qemu_irq irq);
/* Frees the n lines and the array. */
void qemu_free_irqs(qemu_irq *irqs, int n);

/* The last level driven on the line (0 if never driven). */
int qemu_irq_get_level(qemu_irq irq);

/*
 * Attaches an observer: observer(opaque, n, level) runs on every
 * qemu_set_irq() of the line, before its handler; n is the line's own
 * number.  One observer per line: a second call replaces the first;
 * observer NULL detaches.
 */
void qemu_irq_set_observer(qemu_irq irq, qemu_irq_handler observer,
                           void *opaque);

#endif
