/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt lines
 */
#include "qemu/osdep.h"
#include "hw/irq.h"

struct IRQState {
    qemu_irq_handler handler;
    void *opaque;
    int n;
    int level;
    qemu_irq_handler observer;
    void *observer_opaque;
};

void qemu_set_irq(qemu_irq irq, int level)
{
    if (!irq) {
        return;
    }
    irq->level = level;
    if (irq->observer) {
        irq->observer(irq->observer_opaque, irq->n, level);
    }
    if (irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq irq = g_new0(struct IRQState, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq *irqs = g_new0(qemu_irq, n);

    for (int i = 0; i < n; i++) {
        irqs[i] = qemu_allocate_irq(handler, opaque, i);
    }
    return irqs;
}

void qemu_free_irq(qemu_irq irq)
{
    g_free(irq);
}

void qemu_free_irqs(qemu_irq *irqs, int n)
{
    if (!irqs) {
        return;
    }
    for (int i = 0; i < n; i++) {
        qemu_free_irq(irqs[i]);
    }
    g_free(irqs);
}

int qemu_irq_get_level(qemu_irq irq)
{
    return irq ? irq->level : 0;
}

void qemu_irq_set_observer(qemu_irq irq, qemu_irq_handler observer,
                           void *opaque)
{
    if (!irq) {
        return;
    }
    irq->observer = observer;
    irq->observer_opaque = opaque;
}
