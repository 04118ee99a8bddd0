/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MC146818 CMOS RTC: time registers computed from an offset on the
 * guest's clock, the update-ended and alarm interrupts, CMOS RAM.
 * Behaviour summary in include/hw/rtc/mc146818rtc.h.
 */
#include "qemu/osdep.h"
#include "hw/rtc/mc146818rtc.h"
#include "qemu/timer.h"
#include "system/memory.h"

#define REG_SEC     0x00
#define REG_SEC_ALM 0x01
#define REG_MIN     0x02
#define REG_MIN_ALM 0x03
#define REG_HOUR    0x04
#define REG_HOUR_ALM 0x05
#define REG_WDAY    0x06
#define REG_MDAY    0x07
#define REG_MON     0x08
#define REG_YEAR    0x09
#define REG_A       0x0a
#define REG_B       0x0b
#define REG_C       0x0c
#define REG_D       0x0d

#define B_SET       0x80
#define B_PIE       0x40
#define B_AIE       0x20
#define B_UIE       0x10
#define B_DM        0x04    /* binary, not BCD */
#define B_24H       0x02
#define C_IRQF      0x80
#define C_AF        0x20
#define C_UF        0x10
#define D_VRT       0x80

struct RTCState {
    SysBusDevice parent_obj;
    MemoryRegion io;
    qemu_irq irq;
    QEMUTimer *tick;
    uint8_t index;
    uint8_t cmos[128];
    int64_t offset;         /* RTC seconds = offset + clock seconds */
    int64_t start;
};

#define MC146818_RTC(obj) OBJECT_CHECK(RTCState, (obj), TYPE_MC146818_RTC)

/*
 * The RTC keeps the guest's time: the virtual clock, which follows host
 * time while the VM runs and stands still while it is stopped (QEMU's
 * -rtc clock=vm), and which qtest steps.
 */
#define RTC_CLOCK QEMU_CLOCK_VIRTUAL

static int64_t clock_seconds(void)
{
    return qemu_clock_get_ns(RTC_CLOCK) / NANOSECONDS_PER_SECOND;
}

int64_t rtc_get_seconds(RTCState *s)
{
    return s->offset + clock_seconds();
}

bool rtc_start_time(const char *base, int64_t *seconds, Error **errp)
{
    g_autoptr(GDateTime) dt = NULL;
    g_autofree char *iso = NULL;

    if (!base || !strcmp(base, "utc")) {
        *seconds = g_get_real_time() / G_USEC_PER_SEC;
        return true;
    }
    if (!strcmp(base, "localtime")) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();

        *seconds = g_date_time_to_unix(now) +
                   g_date_time_get_utc_offset(now) / G_USEC_PER_SEC;
        return true;
    }
    iso = strchr(base, 'T') ? g_strconcat(base, "Z", NULL)
                            : g_strconcat(base, "T00:00:00Z", NULL);
    dt = g_date_time_new_from_iso8601(iso, NULL);
    if (!dt) {
        error_setg(errp, "invalid datetime format");
        error_append_hint(errp, "valid formats: '2006-06-17T16:01:21' or "
                          "'2006-06-17'\n");
        return false;
    }
    *seconds = g_date_time_to_unix(dt);
    return true;
}

static uint8_t to_reg(RTCState *s, unsigned v)
{
    return (s->cmos[REG_B] & B_DM) ? v : ((v / 10) << 4) | (v % 10);
}

static unsigned from_reg(RTCState *s, uint8_t v)
{
    return (s->cmos[REG_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t hour_to_reg(RTCState *s, unsigned hour)
{
    if (s->cmos[REG_B] & B_24H) {
        return to_reg(s, hour);
    }
    return to_reg(s, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0);
}

static unsigned hour_from_reg(RTCState *s, uint8_t v)
{
    unsigned h;

    if (s->cmos[REG_B] & B_24H) {
        return from_reg(s, v);
    }
    h = from_reg(s, v & 0x7f) % 12;
    return h + ((v & 0x80) ? 12 : 0);
}

/* Writes the current time into the time registers. */
static void rtc_latch_time(RTCState *s)
{
    g_autoptr(GDateTime) dt =
        g_date_time_new_from_unix_utc(rtc_get_seconds(s));
    int year;

    if (!dt) {
        return;                 /* beyond year 9999: keep the registers */
    }
    year = g_date_time_get_year(dt);
    s->cmos[REG_SEC] = to_reg(s, g_date_time_get_second(dt));
    s->cmos[REG_MIN] = to_reg(s, g_date_time_get_minute(dt));
    s->cmos[REG_HOUR] = hour_to_reg(s, g_date_time_get_hour(dt));
    s->cmos[REG_WDAY] = to_reg(s, g_date_time_get_day_of_week(dt) % 7 + 1);
    s->cmos[REG_MDAY] = to_reg(s, g_date_time_get_day_of_month(dt));
    s->cmos[REG_MON] = to_reg(s, g_date_time_get_month(dt));
    s->cmos[REG_YEAR] = to_reg(s, year % 100);
    s->cmos[RTC_CENTURY_REG] = to_reg(s, year / 100);
}

/* The guest set the clock (SET cleared): adopt the registers' time. */
static void rtc_adopt_time(RTCState *s)
{
    unsigned year = from_reg(s, s->cmos[RTC_CENTURY_REG]) * 100 +
                    from_reg(s, s->cmos[REG_YEAR]);
    g_autoptr(GDateTime) dt = NULL;

    if (year < 1900) {
        year = 2000 + from_reg(s, s->cmos[REG_YEAR]) % 100;
    }
    dt = g_date_time_new_utc(year, from_reg(s, s->cmos[REG_MON]),
                             from_reg(s, s->cmos[REG_MDAY]),
                             hour_from_reg(s, s->cmos[REG_HOUR]),
                             from_reg(s, s->cmos[REG_MIN]),
                             from_reg(s, s->cmos[REG_SEC]));
    if (dt) {                   /* nonsense dates leave the time alone */
        s->offset = g_date_time_to_unix(dt) - clock_seconds();
    }
}

static void rtc_update_irq(RTCState *s)
{
    uint8_t enabled = s->cmos[REG_C] & s->cmos[REG_B] & (C_AF | C_UF);

    if (enabled) {
        s->cmos[REG_C] |= C_IRQF;
    }
    qemu_set_irq(s->irq, !!enabled);
}

static bool alarm_matches(RTCState *s)
{
    static const uint8_t pairs[3][2] = {
        { REG_SEC_ALM, REG_SEC }, { REG_MIN_ALM, REG_MIN },
        { REG_HOUR_ALM, REG_HOUR },
    };

    for (int i = 0; i < 3; i++) {
        uint8_t alarm = s->cmos[pairs[i][0]];

        if ((alarm & 0xc0) != 0xc0 && alarm != s->cmos[pairs[i][1]]) {
            return false;
        }
    }
    return true;
}

static void rtc_arm(RTCState *s)
{
    int64_t now = qemu_clock_get_ns(RTC_CLOCK);

    timer_mod(s->tick, (now / NANOSECONDS_PER_SECOND + 1) *
                       NANOSECONDS_PER_SECOND);
}

/* Once a second while update or alarm interrupts are enabled. */
static void rtc_tick(void *opaque)
{
    RTCState *s = opaque;

    if (s->cmos[REG_B] & B_SET) {
        return;                 /* updates are inhibited */
    }
    rtc_latch_time(s);
    s->cmos[REG_C] |= C_UF;
    if (alarm_matches(s)) {
        s->cmos[REG_C] |= C_AF;
    }
    rtc_update_irq(s);
    if (s->cmos[REG_B] & (B_UIE | B_AIE)) {
        rtc_arm(s);
    }
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    RTCState *s = opaque;
    uint8_t reg = s->index;
    uint8_t val;

    if (addr == 0) {
        return 0xff;            /* the index port is write-only */
    }
    if (reg <= REG_YEAR || reg == RTC_CENTURY_REG) {
        if (!(s->cmos[REG_B] & B_SET) && reg != REG_SEC_ALM &&
            reg != REG_MIN_ALM && reg != REG_HOUR_ALM) {
            rtc_latch_time(s);
        }
        return s->cmos[reg];
    }
    switch (reg) {
    case REG_A:
        return s->cmos[REG_A] & 0x7f;   /* UIP never set */
    case REG_C:
        val = s->cmos[REG_C];
        s->cmos[REG_C] = 0;
        qemu_set_irq(s->irq, 0);
        return val;
    case REG_D:
        return D_VRT;
    default:
        return s->cmos[reg];
    }
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t val64,
                      unsigned size)
{
    RTCState *s = opaque;
    uint8_t val = val64;

    if (addr == 0) {
        s->index = val & 0x7f;
        return;
    }
    switch (s->index) {
    case REG_B: {
        uint8_t old = s->cmos[REG_B];

        if ((val & B_SET) && !(old & B_SET)) {
            rtc_latch_time(s);          /* freeze what the guest edits */
        }
        s->cmos[REG_B] = val;
        if (!(val & B_SET) && (old & B_SET)) {
            rtc_adopt_time(s);
        }
        if ((val & (B_UIE | B_AIE)) && !(val & B_SET)) {
            rtc_arm(s);
        } else {
            timer_del(s->tick);
        }
        rtc_update_irq(s);
        break;
    }
    case REG_C:
    case REG_D:
        break;                          /* read-only */
    case REG_A:
        s->cmos[REG_A] = val & 0x7f;
        break;
    default:
        s->cmos[s->index] = val;
        /* Without SET, a write to the time takes effect at once. */
        if ((s->index <= REG_YEAR || s->index == RTC_CENTURY_REG) &&
            s->index != REG_SEC_ALM && s->index != REG_MIN_ALM &&
            s->index != REG_HOUR_ALM && !(s->cmos[REG_B] & B_SET)) {
            rtc_adopt_time(s);
        }
        break;
    }
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void rtc_reset(DeviceState *dev)
{
    RTCState *s = MC146818_RTC(dev);

    /* The time and CMOS RAM survive a reset; the control bits do not. */
    s->cmos[REG_A] = 0x26;              /* 32.768 kHz, 1024 Hz rate */
    s->cmos[REG_B] = B_24H;
    s->cmos[REG_C] = 0;
    timer_del(s->tick);
    qemu_set_irq(s->irq, 0);
}

static void rtc_init(Object *obj)
{
    RTCState *s = MC146818_RTC(obj);

    memory_region_init_io(&s->io, obj, &rtc_ops, s, "rtc", 2);
    s->tick = timer_new_ns(RTC_CLOCK, rtc_tick, s);
    qdev_init_gpio_out_named(DEVICE(obj), &s->irq, "irq", 1);
}

static void rtc_finalize(Object *obj)
{
    RTCState *s = MC146818_RTC(obj);

    if (memory_region_is_mapped(&s->io)) {
        memory_region_del_subregion(get_system_io(), &s->io);
    }
    memory_region_finalize(&s->io);
    timer_free(s->tick);
}

RTCState *rtc_create(Object *parent, int64_t start_seconds, qemu_irq irq,
                     Error **errp)
{
    DeviceState *dev = qdev_new(TYPE_MC146818_RTC);
    RTCState *s = MC146818_RTC(dev);

    s->start = start_seconds;
    s->offset = start_seconds - clock_seconds();
    object_property_add_child(parent, "rtc", OBJECT(dev));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(dev), errp)) {
        return NULL;
    }
    qdev_connect_gpio_out_named(dev, "irq", 0, irq);
    rtc_reset(dev);
    memory_region_add_subregion_overlap(get_system_io(), RTC_ISA_BASE,
                                        &s->io, 10);
    return s;
}

static void rtc_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "MC146818 CMOS real-time clock";
    dc->reset = rtc_reset;
    dc->user_creatable = false;
}

static const TypeInfo rtc_info = {
    .name = TYPE_MC146818_RTC,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(RTCState),
    .instance_init = rtc_init,
    .instance_finalize = rtc_finalize,
    .class_init = rtc_class_init,
};

static void rtc_register_types(void)
{
    type_register_static(&rtc_info);
}

type_init(rtc_register_types)
