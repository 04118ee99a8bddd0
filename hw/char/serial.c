/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A UART: register file, receive FIFO, interrupt identification
 * and the chardev backend.  Behaviour summary in include/hw/char/serial.h.
 */
#include "qemu/osdep.h"
#include "hw/char/serial.h"
#include "system/memory.h"

#define UART_RBR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI     0x01    /* received data available */
#define IER_THRI    0x02    /* transmitter holding register empty */
#define IER_RLSI    0x04    /* receiver line status */
#define IER_MSI     0x08    /* modem status */

#define IIR_NO_INT  0x01
#define IIR_MSI     0x00
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_RLSI    0x06
#define IIR_CTI     0x0c
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE  0x01
#define FCR_CLR_RX  0x02
#define FCR_CLR_TX  0x04

#define LCR_DLAB    0x80

#define MCR_DTR     0x01
#define MCR_RTS     0x02
#define MCR_OUT1    0x04
#define MCR_OUT2    0x08
#define MCR_LOOP    0x10

#define LSR_DR      0x01
#define LSR_OE      0x02
#define LSR_BI      0x10
#define LSR_THRE    0x20
#define LSR_TEMT    0x40

#define MSR_DCTS    0x01
#define MSR_DDSR    0x02
#define MSR_TERI    0x04
#define MSR_DDCD    0x08
#define MSR_CTS     0x10
#define MSR_DSR     0x20
#define MSR_RI      0x40
#define MSR_DCD     0x80

struct SerialState {
    SysBusDevice parent_obj;
    MemoryRegion io;
    qemu_irq irq;
    Chardev *chr;
    uint16_t base;

    uint16_t divider;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;      /* THRE interrupt armed until IIR read/THR write */
    bool timeout_ipending;  /* character timeout */

    uint8_t fifo[SERIAL_FIFO_SIZE];
    unsigned fifo_head, fifo_count;
    GByteArray *queue;      /* input waiting behind the FIFO */
};

#define SERIAL(obj) OBJECT_CHECK(SerialState, (obj), TYPE_SERIAL_16550A)

static const unsigned trigger_levels[4] = { 1, 4, 8, 14 };

static bool fifo_enabled(SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned fifo_capacity(SerialState *s)
{
    return fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned trigger_level(SerialState *s)
{
    return fifo_enabled(s) ? trigger_levels[s->fcr >> 6] : 1;
}

/* The highest-priority pending, enabled interrupt (IIR bits 3:0). */
static uint8_t pending_iir(SerialState *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr & (LSR_OE | LSR_BI))) {
        return IIR_RLSI;
    }
    if ((s->ier & IER_RDI) && s->fifo_count >= trigger_level(s)) {
        return IIR_RDI;
    }
    if ((s->ier & IER_RDI) && s->timeout_ipending && s->fifo_count) {
        return IIR_CTI;
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && (s->msr & 0x0f)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    qemu_set_irq(s->irq, pending_iir(s) != IIR_NO_INT);
}

static void fifo_push(SerialState *s, uint8_t byte)
{
    if (s->fifo_count >= fifo_capacity(s)) {
        s->lsr |= LSR_OE;
        return;
    }
    s->fifo[(s->fifo_head + s->fifo_count) % SERIAL_FIFO_SIZE] = byte;
    s->fifo_count++;
    s->lsr |= LSR_DR;
}

/* Moves queued input into the FIFO while there is room. */
static void fifo_refill(SerialState *s)
{
    unsigned n = 0;

    while (s->fifo_count < fifo_capacity(s) && n < s->queue->len) {
        fifo_push(s, s->queue->data[n++]);
    }
    if (n) {
        g_byte_array_remove_range(s->queue, 0, n);
        s->timeout_ipending = s->fifo_count < trigger_level(s);
    }
}

static void fifo_clear(SerialState *s)
{
    s->fifo_head = 0;
    s->fifo_count = 0;
    s->lsr &= ~LSR_DR;
    s->timeout_ipending = false;
}

static uint8_t fifo_pop(SerialState *s)
{
    uint8_t byte;

    if (!s->fifo_count) {
        return 0;
    }
    byte = s->fifo[s->fifo_head];
    s->fifo_head = (s->fifo_head + 1) % SERIAL_FIFO_SIZE;
    s->fifo_count--;
    /* Reading restarts the timeout; with no more input it fires again. */
    s->timeout_ipending = false;
    fifo_refill(s);
    if (s->fifo_count) {
        s->timeout_ipending = s->fifo_count < trigger_level(s);
    } else {
        s->lsr &= ~LSR_DR;
    }
    return byte;
}

/* MSR inputs: looped back from MCR, else a connected, ready line. */
static void update_msr(SerialState *s)
{
    uint8_t old = s->msr, lines;

    if (s->mcr & MCR_LOOP) {
        lines = (s->mcr & MCR_RTS ? MSR_CTS : 0) |
                (s->mcr & MCR_DTR ? MSR_DSR : 0) |
                (s->mcr & MCR_OUT1 ? MSR_RI : 0) |
                (s->mcr & MCR_OUT2 ? MSR_DCD : 0);
    } else {
        lines = MSR_CTS | MSR_DSR | MSR_DCD;
    }
    s->msr = lines | (old & 0x0f);
    if ((old ^ lines) & MSR_CTS) {
        s->msr |= MSR_DCTS;
    }
    if ((old ^ lines) & MSR_DSR) {
        s->msr |= MSR_DDSR;
    }
    if ((old & MSR_RI) && !(lines & MSR_RI)) {
        s->msr |= MSR_TERI;         /* trailing edge of ring */
    }
    if ((old ^ lines) & MSR_DCD) {
        s->msr |= MSR_DDCD;
    }
}

static void transmit(SerialState *s, uint8_t byte)
{
    if (s->mcr & MCR_LOOP) {
        fifo_push(s, byte);
        s->timeout_ipending = s->fifo_count < trigger_level(s);
    } else if (s->chr) {
        /* A vanished peer loses the byte, as a cut line would. */
        qemu_chr_fe_write_all(s->chr, &byte, 1);
    }
    s->thr_ipending = true;
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val;

    switch (addr & 7) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            return s->divider & 0xff;
        }
        val = fifo_pop(s);
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            return s->divider >> 8;
        }
        return s->ier;
    case UART_IIR:
        val = pending_iir(s);
        /* Reading IIR acknowledges a THRE interrupt it reports. */
        if (val == IIR_THRI) {
            s->thr_ipending = false;
        }
        val |= fifo_enabled(s) ? IIR_FIFO_ON : 0;
        break;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        val = s->lsr;
        /* Errors and break clear on read. */
        s->lsr &= ~(LSR_OE | LSR_BI);
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= ~0x0f;
        break;
    default:
        return s->scr;
    }
    serial_update_irq(s);
    return val;
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val64,
                         unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = val64;

    switch (addr & 7) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | val;
            return;
        }
        s->thr_ipending = false;
        transmit(s, val);
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | val << 8;
            return;
        }
        /* Enabling THRE with THR empty interrupts at once (16550A). */
        if ((val & IER_THRI) && !(s->ier & IER_THRI)) {
            s->thr_ipending = true;
        }
        s->ier = val & 0x0f;
        break;
    case UART_IIR:                          /* FCR */
        if ((val ^ s->fcr) & FCR_ENABLE) {
            fifo_clear(s);                  /* switching mode empties it */
        }
        if (val & FCR_CLR_RX) {
            fifo_clear(s);
        }
        s->fcr = val & (FCR_ENABLE | 0xc0);
        fifo_refill(s);
        break;
    case UART_LCR:
        s->lcr = val;
        return;
    case UART_MCR:
        s->mcr = val & 0x1f;
        update_msr(s);
        break;
    case UART_LSR:                          /* read-only */
        return;
    case UART_MSR:                          /* read-only */
        return;
    default:
        s->scr = val;
        return;
    }
    serial_update_irq(s);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void serial_receive(void *opaque, const uint8_t *buf, size_t size)
{
    SerialState *s = opaque;
    size_t room = SERIAL_INPUT_QUEUE - s->queue->len;

    /* In loopback the line is disconnected from the outside. */
    if (s->mcr & MCR_LOOP) {
        return;
    }
    g_byte_array_append(s->queue, buf, MIN(size, room));
    fifo_refill(s);
    serial_update_irq(s);
}

static void serial_event(void *opaque, QEMUChrEvent event)
{
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = SERIAL(dev);

    s->divider = 12;            /* 9600 baud */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = MCR_OUT2;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->thr_ipending = false;
    fifo_clear(s);
    g_byte_array_set_size(s->queue, 0);
    update_msr(s);
    s->msr &= ~0x0f;
    serial_update_irq(s);
}

static void serial_init(Object *obj)
{
    SerialState *s = SERIAL(obj);

    memory_region_init_io(&s->io, obj, &serial_ops, s, "serial", 8);
    s->queue = g_byte_array_new();
    qdev_init_gpio_out_named(DEVICE(obj), &s->irq, "irq", 1);
}

static void serial_finalize(Object *obj)
{
    SerialState *s = SERIAL(obj);

    if (memory_region_is_mapped(&s->io)) {
        memory_region_del_subregion(get_system_io(), &s->io);
    }
    memory_region_finalize(&s->io);
    g_byte_array_unref(s->queue);
}

SerialState *serial_create(Object *parent, uint16_t base, qemu_irq irq,
                           Chardev *chr, Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_SERIAL_16550A);
    SerialState *s = SERIAL(dev);
    g_autofree char *name = g_strdup_printf("serial@%x", base);

    if (chr && !qemu_chr_fe_init(chr, serial_receive, serial_event, s,
                                 errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    s->chr = chr;
    s->base = base;
    object_property_add_child(parent, name, OBJECT(dev));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), errp)) {
        return NULL;
    }
    qdev_connect_gpio_out_named(dev, "irq", 0, irq);
    serial_reset(dev);
    memory_region_add_subregion_overlap(get_system_io(), base, &s->io, 10);
    return s;
}

static void serial_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "16550A UART";
    dc->reset = serial_reset;
    dc->user_creatable = false;
}

static const TypeInfo serial_info = {
    .name = TYPE_SERIAL_16550A,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(SerialState),
    .instance_init = serial_init,
    .instance_finalize = serial_finalize,
    .class_init = serial_class_init,
};

static void serial_register_types(void)
{
    type_register_static(&serial_info);
}

type_init(serial_register_types)
