/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qdev GPIO lists: named sets of input and output lines
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "qdev-internal.h"

struct NamedGPIOList {
    char *name;                 /* NULL: the unnamed list */
    qemu_irq *in;
    int num_in;
    qemu_irq **out;             /* pointers to the device's own fields */
    int num_out;
    GPtrArray *wires;           /* qemu_irq made by interception */
};

static NamedGPIOList *gpio_list_find(DeviceState *dev, const char *name)
{
    for (GList *l = dev->gpios; l; l = l->next) {
        NamedGPIOList *ngl = l->data;

        if (g_strcmp0(ngl->name, name) == 0) {
            return ngl;
        }
    }
    return NULL;
}

static NamedGPIOList *gpio_list_get(DeviceState *dev, const char *name)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    if (!ngl) {
        ngl = g_new0(NamedGPIOList, 1);
        ngl->name = g_strdup(name);
        ngl->wires = g_ptr_array_new_with_free_func(
            (GDestroyNotify)qemu_free_irq);
        dev->gpios = g_list_append(dev->gpios, ngl);
    }
    return ngl;
}

void qdev_gpio_free(DeviceState *dev)
{
    for (GList *l = dev->gpios; l; l = l->next) {
        NamedGPIOList *ngl = l->data;

        qemu_free_irqs(ngl->in, ngl->num_in);
        g_free(ngl->out);
        g_ptr_array_free(ngl->wires, true);
        g_free(ngl->name);
        g_free(ngl);
    }
    g_list_free(dev->gpios);
    dev->gpios = NULL;
}

void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_get(dev, name);

    ngl->in = g_renew(qemu_irq, ngl->in, ngl->num_in + n);
    for (int i = 0; i < n; i++) {
        ngl->in[ngl->num_in + i] =
            qemu_allocate_irq(handler, dev, ngl->num_in + i);
    }
    ngl->num_in += n;
}

void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler handler, int n)
{
    qdev_init_gpio_in_named(dev, handler, NULL, n);
}

void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_get(dev, name);

    ngl->out = g_renew(qemu_irq *, ngl->out, ngl->num_out + n);
    for (int i = 0; i < n; i++) {
        ngl->out[ngl->num_out + i] = &pins[i];
    }
    ngl->num_out += n;
}

void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n)
{
    qdev_init_gpio_out_named(dev, pins, NULL, n);
}

qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    if (!ngl || n < 0 || n >= ngl->num_in) {
        return NULL;
    }
    return ngl->in[n];
}

qemu_irq qdev_get_gpio_in(DeviceState *dev, int n)
{
    return qdev_get_gpio_in_named(dev, NULL, n);
}

void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq sink)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    if (!ngl || n < 0 || n >= ngl->num_out) {
        return;
    }
    *ngl->out[n] = sink;
}

void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq sink)
{
    qdev_connect_gpio_out_named(dev, NULL, n, sink);
}

int qdev_gpio_in_count(DeviceState *dev, const char *name)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    return ngl ? ngl->num_in : 0;
}

int qdev_gpio_out_count(DeviceState *dev, const char *name)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    return ngl ? ngl->num_out : 0;
}

static NamedGPIOList *gpio_list_find_err(DeviceState *dev, const char *name,
                                         Error **errp)
{
    NamedGPIOList *ngl = gpio_list_find(dev, name);

    if (!ngl) {
        g_autofree char *path = object_get_canonical_path(OBJECT(dev));

        error_setg(errp, "Device '%s' has no gpio list '%s'",
                   path ? path : object_get_typename(OBJECT(dev)),
                   name ? name : "");
    }
    return ngl;
}

int qdev_intercept_gpio_in(DeviceState *dev, qemu_irq_handler observer,
                           void *opaque, const char *name, Error **errp)
{
    NamedGPIOList *ngl = gpio_list_find_err(dev, name, errp);

    if (!ngl || !ngl->num_in) {
        if (ngl) {
            error_setg(errp, "Device '%s' has no gpio-in list '%s'",
                       qdev_fw_name(dev), name ? name : "");
        }
        return -1;
    }
    for (int i = 0; i < ngl->num_in; i++) {
        qemu_irq_set_observer(ngl->in[i], observer, opaque);
    }
    return ngl->num_in;
}

/* An interposed output wire: forwards to the sink it replaced. */
static void gpio_forward(void *opaque, int n, int level)
{
    qemu_set_irq(opaque, level);
}

int qdev_intercept_gpio_out(DeviceState *dev, qemu_irq_handler observer,
                            void *opaque, const char *name, Error **errp)
{
    NamedGPIOList *ngl = gpio_list_find_err(dev, name, errp);

    if (!ngl || !ngl->num_out) {
        if (ngl) {
            error_setg(errp, "Device '%s' has no gpio-out list '%s'",
                       qdev_fw_name(dev), name ? name : "");
        }
        return -1;
    }
    for (int i = 0; i < ngl->num_out; i++) {
        qemu_irq old = *ngl->out[i];
        qemu_irq wire = qemu_allocate_irq(old ? gpio_forward : NULL, old, i);

        qemu_irq_set_observer(wire, observer, opaque);
        g_ptr_array_add(ngl->wires, wire);
        *ngl->out[i] = wire;
    }
    return ngl->num_out;
}
