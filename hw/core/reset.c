/*
 * Reset handler registry and system reset
 */
#include "qemu/osdep.h"
#include "hw/reset.h"
#include "hw/boards.h"
#include "hw/sysbus.h"

typedef struct ResetEntry {
    QEMUResetHandler *func;
    void *opaque;
} ResetEntry;

static GList *reset_handlers;

static GList *reset_find(QEMUResetHandler *func, void *opaque)
{
    for (GList *l = reset_handlers; l; l = l->next) {
        ResetEntry *e = l->data;

        if (e->func == func && e->opaque == opaque) {
            return l;
        }
    }
    return NULL;
}

void qemu_register_reset(QEMUResetHandler *func, void *opaque)
{
    ResetEntry *e;

    if (reset_find(func, opaque)) {
        return;
    }
    e = g_new(ResetEntry, 1);
    e->func = func;
    e->opaque = opaque;
    reset_handlers = g_list_append(reset_handlers, e);
}

void qemu_unregister_reset(QEMUResetHandler *func, void *opaque)
{
    GList *l = reset_find(func, opaque);

    if (l) {
        g_free(l->data);
        reset_handlers = g_list_delete_link(reset_handlers, l);
    }
}

void qemu_run_reset_handlers(void)
{
    GList *l = reset_handlers;

    /* A handler may unregister itself: step before calling. */
    while (l) {
        ResetEntry *e = l->data;

        l = l->next;
        e->func(e->opaque);
    }
}

void qemu_devices_reset(void)
{
    bus_cold_reset(sysbus_get_default());
    qemu_run_reset_handlers();
}

void qemu_system_reset(void)
{
    MachineState *ms = qdev_get_machine();

    if (ms && MACHINE_GET_CLASS(ms)->reset) {
        MACHINE_GET_CLASS(ms)->reset(ms);
    } else {
        qemu_devices_reset();
    }
}
