/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CMOS real-time clock (MC146818) at ports 0x70 (index; bit 7 is
 * the NMI mask, ignored) and 0x71 (data), IRQ 8
 *
 * Registers 0x00-0x09 hold the time and alarm in BCD or binary (register
 * B bit 2) and 12- or 24-hour format (bit 1); 0x32 is the century.  The
 * time runs from a start value (-rtc base) on the guest's clock, the
 * virtual clock (stepped by qtest; under an accelerator it follows host
 * time while the VM runs and stands still while it is stopped).  A guest
 * that sets the clock (SET bit in register B) moves that offset.
 * Register A's UIP bit reads 0 (the time is read consistently).
 * Interrupts: update-ended (once a second, UIE) and alarm (AIE, with
 * "don't care" bytes >= 0xc0) set register C's flags and raise IRQ 8
 * until C is read.  Periodic interrupts (PIE) are not generated.
 * The other bytes of the 128-byte CMOS RAM read back what was written.
 */
#ifndef HW_RTC_MC146818RTC_H
#define HW_RTC_MC146818RTC_H

#include "hw/sysbus.h"
#include "hw/irq.h"
#include "qapi/error.h"

#define TYPE_MC146818_RTC "mc146818rtc"
#define RTC_ISA_BASE    0x70
#define RTC_ISA_IRQ     8
#define RTC_CENTURY_REG 0x32

typedef struct RTCState RTCState;

/*
 * Seconds since the epoch that the RTC shows at start for -rtc base=
 * @base: "utc" (or NULL), "localtime", or a date "2006-06-17" /
 * "2006-06-17T16:01:21" (taken as the RTC's own time, no zone).
 * Errors: "invalid datetime format".
 */
bool rtc_start_time(const char *base, int64_t *seconds, Error **errp);

/*
 * Creates the RTC at 0x70 in the system I/O space, driving @irq; NULL
 * with @errp set if it does not realize.
 */
RTCState *rtc_create(Object *parent, int64_t start_seconds, qemu_irq irq,
                     Error **errp);

/* The time the RTC shows now, in seconds since the epoch. */
int64_t rtc_get_seconds(RTCState *s);

#endif
