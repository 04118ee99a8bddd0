/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO interrupts through KVM: a hand-written guest on this machine's
 * /dev/kvm drives an assigned edu of the simulated kernel (vfio-sim,
 * LD_PRELOAD) and counts the interrupts its IDT handlers take.
 *
 * The device sits at 00:04.0, so its INTA ends on GSI 20 (q35: PIRQ
 * (slot + pin) % 8, GSIs 16..23, the DSDT's _PRT); BAR0 is not mmappable,
 * so every register access is an MMIO exit into the VFIO region path.
 * The guest (32-bit, flat, loaded at 0x1000 with its GDT and IDT):
 *
 *   LAPIC on; IOAPIC pin 20 -> vector 0x40, level, active-low
 *   BAR0 = 0xc0000000, command = memory | bus master; sti
 *   3x: edu "raise" (0x60), wait for the INTx handler       INTX_COUNT 1..3
 *   command |= INTx-disable; raise; store INTX_COUNT        -> 3
 *   command &= ~INTx-disable: the held INTx goes out        INTX_COUNT 4
 *   then, with MSI-X (USE_MSI 0):
 *   entry 0 -> 0xfee00000/0x41, masked; MSI-X on; unmask entry 0
 *   raise, wait for the vector 0x41 handler                 MSI_COUNT 1
 *   mask entry 0; raise; store the PBA (bit 0 set) and MSI_COUNT (1)
 *   unmask entry 0: the pending message, PBA clear          MSI_COUNT 2
 *   raise (the vector is an irqfd again)                    MSI_COUNT 3
 *   entry 0's data -> 0x42 while unmasked; raise            MSI2_COUNT 1
 *   or with MSI and its per-vector mask bit (USE_MSI 1), the same steps
 *   on the capability's address, data, mask and pending registers,
 *   or nothing more (USE_MSI 2, a real edu: KVM_VFIO_IRQ_HOST below);
 *   PHASE = 3; hlt
 *
 * Each handler acknowledges the edu (0x64), EOIs the LAPIC, resets the
 * stack and jumps to RESUME, set before each wait (with IF set only
 * where an interrupt may come; no IRET: the KVM this was written on
 * fails to emulate a protected-mode IRET, an internal error).  The
 * simulator writes the INTx eventfd once and keeps INTx masked until
 * its unmask eventfd (KVM's resample eventfd) fires, so the second INTx
 * only arrives if KVM resampled on the EOI and the unmask eventfd is
 * wired; its log counts those unmasks and VFIO_DEVICE_SET_IRQS calls
 * (the main-loop relay would make one per INTx).  A system_reset then
 * runs the whole guest again on the re-enabled interrupts.
 *
 * Without /dev/kvm or the simulator every case fails with the reason.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define CODE_ADDR           0x1000
#define IMAGE_SIZE          0x3000      /* code, results, GDT, IDT */
#define INTX_COUNT          0x2000
#define MSI_COUNT           0x2004
#define PHASE               0x2008
#define PBA_MASKED          0x200c
#define COUNT_MASKED        0x2010
#define PBA_AFTER           0x2014
#define INTX_DISABLED_COUNT 0x2018
#define BOOTS               0x201c
#define RESUME              0x2020      /* where the next handler returns */
#define MSI2_COUNT          0x2024
#define USE_MSI             0x2028      /* a GuestMode (a loader's) */
#define GDTR                0x3000      /* lgdt operand: limit, base */
#define IDTR                0x3008
#define GDT                 0x3100
#define IDT                 0x3200
#define INTX_VECTOR         0x40
#define MSI_VECTOR          0x41
#define MSI2_VECTOR         0x42        /* the message rewritten */
#define INTX_HANDLER        0x131e
#define MSI_HANDLER         0x1326
#define MSI2_HANDLER        0x132e
#define CODE_SEL            0x10        /* the loader's flat selectors */
#define DATA_SEL            0x18
#define PHASE_DONE          3
/* Of 5 ms: a hang guard (a minute: nested under TCG), not a timing. */
#define POLL_ROUNDS         12000

/* Assembled from the listing above (as --32, linked at 0x1000). */
static const uint8_t guest_code[] = {
    /* <_start> */
    0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov $0x9000,%esp */
    0xff, 0x05, 0x1c, 0x20, 0x00, 0x00,             /* incl 0x201c */
    0x0f, 0x01, 0x15, 0x00, 0x30, 0x00, 0x00,       /* lgdtl 0x3000 */
    0x0f, 0x01, 0x1d, 0x08, 0x30, 0x00, 0x00,       /* lidtl 0x3008 */
    0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00,
        /* movl $0x1ff,0xfee000f0 */
    0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x38, 0x00, 0x00, 0x00,
                                                    /* movl $0x38,0xfec00000 */
    0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x40, 0xa0, 0x00, 0x00,
        /* movl $0xa040,0xfec00010 */
    0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x39, 0x00, 0x00, 0x00,
                                                    /* movl $0x39,0xfec00000 */
    0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00,
                                                    /* movl $0x0,0xfec00010 */
    0xb8, 0x10, 0x20, 0x00, 0x80,                   /* mov $0x80002010,%eax */
    0xbb, 0x00, 0x00, 0x00, 0xc0,                   /* mov $0xc0000000,%ebx */
    0xe8, 0x9b, 0x02, 0x00, 0x00,                   /* call cfgw */
    0xb8, 0x04, 0x20, 0x00, 0x80,                   /* mov $0x80002004,%eax */
    0xbb, 0x06, 0x00, 0x00, 0x00,                   /* mov $0x6,%ebx */
    0xe8, 0x8c, 0x02, 0x00, 0x00,                   /* call cfgw */
    0xb9, 0x03, 0x00, 0x00, 0x00,                   /* mov $0x3,%ecx */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0x88, 0x10, 0x00, 0x00,
                                                    /* movl $0x1088,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x69, 0x02, 0x00, 0x00,                   /* call wait */
    0xe2, 0xe4,                                     /* loop 106e */
    0xc7, 0x05, 0x08, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0x2008 */
    0xb8, 0x04, 0x20, 0x00, 0x80,                   /* mov $0x80002004,%eax */
    0xbb, 0x06, 0x04, 0x00, 0x00,                   /* mov $0x406,%ebx */
    0xe8, 0x52, 0x02, 0x00, 0x00,                   /* call cfgw */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xe2, 0x10, 0x00, 0x00,
                                                    /* movl $0x10e2,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xa1, 0x00, 0x20, 0x00, 0x00,                   /* mov 0x2000,%eax */
    0xa3, 0x18, 0x20, 0x00, 0x00,                   /* mov %eax,0x2018 */
    0xfa,                                           /* cli */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xe2, 0x10, 0x00, 0x00,
                                                    /* movl $0x10e2,0x2020 */
    0xfb,                                           /* sti */
    0xb8, 0x04, 0x20, 0x00, 0x80,                   /* mov $0x80002004,%eax */
    0xbb, 0x06, 0x00, 0x00, 0x00,                   /* mov $0x6,%ebx */
    0xe8, 0x18, 0x02, 0x00, 0x00,                   /* call cfgw */
    0xe8, 0x0f, 0x02, 0x00, 0x00,                   /* call wait */
    0xc7, 0x05, 0x08, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                                    /* movl $0x2,0x2008 */
    0x83, 0x3d, 0x28, 0x20, 0x00, 0x00, 0x02,       /* cmpl $0x2,0x2028 */
    0x0f, 0x84, 0xeb, 0x01, 0x00, 0x00,             /* je done */
    0x83, 0x3d, 0x28, 0x20, 0x00, 0x00, 0x00,       /* cmpl $0x0,0x2028 */
    0x0f, 0x85, 0xe5, 0x00, 0x00, 0x00,             /* jne msi */
    0xc7, 0x05, 0x00, 0x00, 0x08, 0xc0, 0x00, 0x00, 0xe0, 0xfe,
        /* movl $0xfee00000,0xc0080000 */
    0xc7, 0x05, 0x04, 0x00, 0x08, 0xc0, 0x00, 0x00, 0x00, 0x00,
                                                    /* movl $0x0,0xc0080004 */
    0xc7, 0x05, 0x08, 0x00, 0x08, 0xc0, 0x41, 0x00, 0x00, 0x00,
                                                    /* movl $0x41,0xc0080008 */
    0xc7, 0x05, 0x0c, 0x00, 0x08, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc008000c */
    0xb8, 0x50, 0x20, 0x00, 0x80,                   /* mov $0x80002050,%eax */
    0xbb, 0x00, 0x00, 0x00, 0x80,                   /* mov $0x80000000,%ebx */
    0xe8, 0xc5, 0x01, 0x00, 0x00,                   /* call cfgw_hi */
    0xc7, 0x05, 0x0c, 0x00, 0x08, 0xc0, 0x00, 0x00, 0x00, 0x00,
                                                    /* movl $0x0,0xc008000c */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0x61, 0x11, 0x00, 0x00,
                                                    /* movl $0x1161,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x90, 0x01, 0x00, 0x00,                   /* call wait */
    0xc7, 0x05, 0x0c, 0x00, 0x08, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc008000c */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xa3, 0x11, 0x00, 0x00,
                                                    /* movl $0x11a3,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xa1, 0x00, 0x00, 0x0c, 0xc0,                   /* mov 0xc00c0000,%eax */
    0xa3, 0x0c, 0x20, 0x00, 0x00,                   /* mov %eax,0x200c */
    0xa1, 0x04, 0x20, 0x00, 0x00,                   /* mov 0x2004,%eax */
    0xa3, 0x10, 0x20, 0x00, 0x00,                   /* mov %eax,0x2010 */
    0xc7, 0x05, 0x0c, 0x00, 0x08, 0xc0, 0x00, 0x00, 0x00, 0x00,
                                                    /* movl $0x0,0xc008000c */
    0xe8, 0x4e, 0x01, 0x00, 0x00,                   /* call wait */
    0xa1, 0x00, 0x00, 0x0c, 0xc0,                   /* mov 0xc00c0000,%eax */
    0xa3, 0x14, 0x20, 0x00, 0x00,                   /* mov %eax,0x2014 */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xc7, 0x11, 0x00, 0x00,
                                                    /* movl $0x11c7,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x2a, 0x01, 0x00, 0x00,                   /* call wait */
    0xc7, 0x05, 0x08, 0x00, 0x08, 0xc0, 0x42, 0x00, 0x00, 0x00,
                                                    /* movl $0x42,0xc0080008 */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xe4, 0x12, 0x00, 0x00,
                                                    /* movl $done,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x06, 0x01, 0x00, 0x00,                   /* call wait */
    /* <msi> */
    0xb8, 0x44, 0x20, 0x00, 0x80,                   /* mov $0x80002044,%eax */
    0xbb, 0x00, 0x00, 0xe0, 0xfe,                   /* mov $0xfee00000,%ebx */
    0xe8, 0xfb, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xb8, 0x48, 0x20, 0x00, 0x80,                   /* mov $0x80002048,%eax */
    0xbb, 0x00, 0x00, 0x00, 0x00,                   /* mov $0x0,%ebx */
    0xe8, 0xec, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xb8, 0x4c, 0x20, 0x00, 0x80,                   /* mov $0x8000204c,%eax */
    0xbb, 0x41, 0x00, 0x00, 0x00,                   /* mov $0x41,%ebx */
    0xe8, 0xdd, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xb8, 0x40, 0x20, 0x00, 0x80,                   /* mov $0x80002040,%eax */
    0xbb, 0x00, 0x00, 0x01, 0x00,                   /* mov $0x10000,%ebx */
    0xe8, 0xdb, 0x00, 0x00, 0x00,                   /* call cfgw_hi */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0x41, 0x12, 0x00, 0x00,
                                                    /* movl $0x1241,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0xb0, 0x00, 0x00, 0x00,                   /* call wait */
    0xb8, 0x50, 0x20, 0x00, 0x80,                   /* mov $0x80002050,%eax */
    0xbb, 0x01, 0x00, 0x00, 0x00,                   /* mov $0x1,%ebx */
    0xe8, 0xa5, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0x92, 0x12, 0x00, 0x00,
                                                    /* movl $0x1292,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xb8, 0x54, 0x20, 0x00, 0x80,                   /* mov $0x80002054,%eax */
    0xe8, 0xa4, 0x00, 0x00, 0x00,                   /* call cfgr */
    0xa3, 0x0c, 0x20, 0x00, 0x00,                   /* mov %eax,0x200c */
    0xa1, 0x04, 0x20, 0x00, 0x00,                   /* mov 0x2004,%eax */
    0xa3, 0x10, 0x20, 0x00, 0x00,                   /* mov %eax,0x2010 */
    0xb8, 0x50, 0x20, 0x00, 0x80,                   /* mov $0x80002050,%eax */
    0xbb, 0x00, 0x00, 0x00, 0x00,                   /* mov $0x0,%ebx */
    0xe8, 0x68, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xe8, 0x5f, 0x00, 0x00, 0x00,                   /* call wait */
    0xb8, 0x54, 0x20, 0x00, 0x80,                   /* mov $0x80002054,%eax */
    0xe8, 0x77, 0x00, 0x00, 0x00,                   /* call cfgr */
    0xa3, 0x14, 0x20, 0x00, 0x00,                   /* mov %eax,0x2014 */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xbb, 0x12, 0x00, 0x00,
                                                    /* movl $0x12bb,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x36, 0x00, 0x00, 0x00,                   /* call wait */
    0xb8, 0x4c, 0x20, 0x00, 0x80,                   /* mov $0x8000204c,%eax */
    0xbb, 0x42, 0x00, 0x00, 0x00,                   /* mov $0x42,%ebx */
    0xe8, 0x2b, 0x00, 0x00, 0x00,                   /* call cfgw */
    0xc7, 0x05, 0x20, 0x20, 0x00, 0x00, 0xe4, 0x12, 0x00, 0x00,
                                                    /* movl $done,0x2020 */
    0xfb,                                           /* sti */
    0xc7, 0x05, 0x60, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00,
                                                    /* movl $0x1,0xc0000060 */
    0xe8, 0x0d, 0x00, 0x00, 0x00,                   /* call wait */
    /* <done> */
    0xc7, 0x05, 0x08, 0x20, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
                                                    /* movl $0x3,0x2008 */
    0xf4,                                           /* hlt */
    0xeb, 0xfd,                                     /* jmp 12ee */
    /* <wait> */
    0xf3, 0x90,                                     /* pause */
    0xeb, 0xfc,                                     /* jmp wait */
    /* <cfgw> */
    0x66, 0xba, 0xf8, 0x0c,                         /* mov $0xcf8,%dx */
    0xef,                                           /* out %eax,(%dx) */
    0x66, 0xba, 0xfc, 0x0c,                         /* mov $0xcfc,%dx */
    0x89, 0xd8,                                     /* mov %ebx,%eax */
    0xef,                                           /* out %eax,(%dx) */
    0xc3,                                           /* ret */
    /* <cfgw_hi> */
    0x66, 0xba, 0xf8, 0x0c,                         /* mov $0xcf8,%dx */
    0xef,                                           /* out %eax,(%dx) */
    0x66, 0xba, 0xfe, 0x0c,                         /* mov $0xcfe,%dx */
    0x89, 0xd8,                                     /* mov %ebx,%eax */
    0xc1, 0xe8, 0x10,                               /* shr $0x10,%eax */
    0x66, 0xef,                                     /* out %ax,(%dx) */
    0xc3,                                           /* ret */
    /* <cfgr> */
    0x66, 0xba, 0xf8, 0x0c,                         /* mov $0xcf8,%dx */
    0xef,                                           /* out %eax,(%dx) */
    0x66, 0xba, 0xfc, 0x0c,                         /* mov $0xcfc,%dx */
    0xed,                                           /* in (%dx),%eax */
    0xc3,                                           /* ret */
    /* <intx_handler> */
    0xff, 0x05, 0x00, 0x20, 0x00, 0x00,             /* incl 0x2000 */
    0xeb, 0x0e,                                     /* jmp ack */
    /* <msi_handler> */
    0xff, 0x05, 0x04, 0x20, 0x00, 0x00,             /* incl 0x2004 */
    0xeb, 0x06,                                     /* jmp ack */
    /* <msi2_handler> */
    0xff, 0x05, 0x24, 0x20, 0x00, 0x00,             /* incl 0x2024 */
    /* <ack> */
    0xc7, 0x05, 0x64, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xff, 0xff,
        /* movl $0xffffffff,0xc0000064 */
    0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00,
                                                    /* movl $0x0,0xfee000b0 */
    0xbc, 0x00, 0x90, 0x00, 0x00,                   /* mov $0x9000,%esp */
    0xff, 0x25, 0x20, 0x20, 0x00, 0x00,             /* jmp *0x2020 */
};

/* The edu: BAR0 not mmappable; MSI-X, or MSI with per-vector masking. */
static const char sim_config[] =
    "[iommu]\n"
    "iova-ranges=0x0-0xfedfffff;0xfef00000-0xffffffffffff\n"
    "pgsizes=0x40201000\n"
    "dma-avail=65535\n"
    "[device 0000:00:10.0]\n"
    "group=3\n"
    "cdev=0\n"
    "bar0=0x100000\n"
    "bar0-mmap=false\n"
    "msi=1\n"
    "intx=true\n";

typedef enum GuestMode {
    MODE_MSIX,                  /* these are USE_MSI's values */
    MODE_MSI,
    MODE_INTX_ONLY,
} GuestMode;

typedef struct TestCase {
    const char *backend;        /* iommufd=... */
    GuestMode mode;
} TestCase;

/*
 * KVM_VFIO_IRQ_HOST=BDF: a real edu bound to vfio-pci instead of the
 * simulated one (the bench guest: tests/functional/test_kvm_vfio_irq.py).
 * QEMU's edu has neither MSI-X nor MSI masking: INTx only.
 */
static const char *real_host;

typedef struct Guest {
    QTestState *qts;
    char *dir;
    char *image_path;
    char *dump_path;
    char *log_path;
} Guest;

static bool prerequisites(void)
{
    if (!qtest_kvm_usable()) {
        return false;
    }
    if (!real_host && !g_getenv("VFIO_SIM_LIB")) {
        g_test_message("VFIO_SIM_LIB is not set: these tests need the "
                       "simulated kernel (meson test sets it)");
        g_test_fail();
        return false;
    }
    return true;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

/* A flat 4 GiB segment descriptor of @type (0x9a code, 0x92 data). */
static void put_segment(uint8_t *p, uint8_t type)
{
    put_le32(p, 0x0000ffff);
    put_le32(p + 4, 0x00cf0000 | (type << 8));
}

/* A 32-bit interrupt gate to @handler. */
static void put_gate(uint8_t *p, uint32_t handler)
{
    put_le32(p, (CODE_SEL << 16) | (handler & 0xffff));
    put_le32(p + 4, (handler & 0xffff0000) | 0x8e00);
}

/* Code, zeroed results, descriptor tables: reloaded at every reset. */
static GBytes *guest_image(void)
{
    uint8_t *img = g_malloc0(IMAGE_SIZE);
    uint8_t *at = img - CODE_ADDR;

    memcpy(img, guest_code, sizeof(guest_code));
    put_le32(at + GDTR, 31 << 0 | (GDT & 0xffff) << 16);
    put_le32(at + GDTR + 4, GDT >> 16);
    put_le32(at + IDTR, ((MSI2_VECTOR + 1) * 8 - 1) | (IDT & 0xffff) << 16);
    put_le32(at + IDTR + 4, IDT >> 16);
    put_segment(at + GDT + CODE_SEL, 0x9a);
    put_segment(at + GDT + DATA_SEL, 0x92);
    put_gate(at + IDT + INTX_VECTOR * 8, INTX_HANDLER);
    put_gate(at + IDT + MSI_VECTOR * 8, MSI_HANDLER);
    put_gate(at + IDT + MSI2_VECTOR * 8, MSI2_HANDLER);
    return g_bytes_new_take(img, IMAGE_SIZE);
}

static Guest *guest_start(const TestCase *tc)
{
    Guest *g = g_new0(Guest, 1);
    g_autofree char *config_path = NULL;
    g_autofree char *config = NULL;
    g_autofree char *loader = NULL;
    g_autofree char *mode = NULL;
    g_autofree char *vfio = NULL;
    g_autoptr(GBytes) image = guest_image();

    g->dir = g_dir_make_tmp("kvm-vfio-irq-XXXXXX", NULL);
    g_assert_nonnull(g->dir);
    g->image_path = g_build_filename(g->dir, "guest.bin", NULL);
    g->dump_path = g_build_filename(g->dir, "dump.bin", NULL);
    g->log_path = g_build_filename(g->dir, "sim-log.json", NULL);
    config_path = g_build_filename(g->dir, "sim.conf", NULL);
    g_assert_true(g_file_set_contents(g->image_path,
                                      g_bytes_get_data(image, NULL),
                                      IMAGE_SIZE, NULL));
    config = g_strconcat(sim_config, tc->mode == MODE_MSI ?
                         "msi-maskbit=true\n" : "msix=4\n", NULL);
    g_assert_true(g_file_set_contents(config_path, config, -1, NULL));
    loader = g_strdup_printf("loader,file=%s,addr=0x%x,cpu-num=0",
                             g->image_path, CODE_ADDR);
    /* After the image, so that it wins at every reset. */
    mode = g_strdup_printf("loader,addr=0x%x,data=%u,data-len=4", USE_MSI,
                           tc->mode);
    vfio = g_strdup_printf("vfio-pci,host=%s,addr=04.0,iommufd=%s",
                           real_host ? real_host : "0000:00:10.0",
                           tc->backend);

    /* Only the child sees the simulated kernel. */
    if (!real_host) {
        g_setenv("LD_PRELOAD", g_getenv("VFIO_SIM_LIB"), true);
        g_setenv("VFIO_SIM_CONFIG", config_path, true);
        g_setenv("VFIO_SIM_LOG", g->log_path, true);
    }
    g->qts = qtest_init_argv((const char *const[]){
        "-accel", "kvm", "-M", "q35", "-m", "64M", "-nodefaults",
        "-display", "none", "-chardev", "socket,id=qmp,path=%QMP%",
        "-mon", "chardev=qmp,mode=control", "-device", loader,
        "-device", mode, "-device", vfio, NULL }, NULL, 0, true);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("VFIO_SIM_CONFIG");
    g_unsetenv("VFIO_SIM_LOG");
    return g;
}

static uint32_t guest_readl(Guest *g, uint64_t addr)
{
    return qtest_pmem_readl(g->qts, addr, g->dump_path);
}

/*
 * Waits for the guest to finish; on a hang, says how far it got (the
 * counts name the interrupt that never came).
 */
static void guest_wait_done(Guest *g)
{
    for (int i = 0; i < POLL_ROUNDS; i++) {
        if (guest_readl(g, PHASE) == PHASE_DONE) {
            return;
        }
        g_usleep(5000);
    }
    g_test_message("guest stuck: phase %u, INTx %u, MSI %u + %u, boots %u",
                   guest_readl(g, PHASE), guest_readl(g, INTX_COUNT),
                   guest_readl(g, MSI_COUNT), guest_readl(g, MSI2_COUNT),
                   guest_readl(g, BOOTS));
    g_assert_cmpuint(guest_readl(g, PHASE), ==, PHASE_DONE);
}

/* What the guest saw, one run of it. */
static void guest_check(Guest *g, const TestCase *tc)
{
    guest_wait_done(g);
    g_assert_cmpuint(guest_readl(g, BOOTS), ==, 1);
    g_assert_cmpuint(guest_readl(g, INTX_COUNT), ==, 4);
    g_assert_cmpuint(guest_readl(g, INTX_DISABLED_COUNT), ==, 3);
    if (tc->mode == MODE_INTX_ONLY) {
        return;
    }
    g_assert_cmpuint(guest_readl(g, MSI_COUNT), ==, 3);
    g_assert_cmpuint(guest_readl(g, MSI2_COUNT), ==, 1);
    /* The PBA, or MSI's pending bits. */
    g_assert_cmphex(guest_readl(g, PBA_MASKED) & 1, ==, 1);
    g_assert_cmpuint(guest_readl(g, COUNT_MASKED), ==, 1);
    g_assert_cmphex(guest_readl(g, PBA_AFTER) & 1, ==, 0);
}

static unsigned count_events(JsonArray *events, const char *text)
{
    unsigned n = 0;

    for (guint i = 0; i < json_array_get_length(events); i++) {
        if (strstr(json_array_get_string_element(events, i), text)) {
            n++;
        }
    }
    return n;
}

static void guest_quit(Guest *g, unsigned runs)
{
    JsonObject *rsp = qtest_qmp(g->qts, "{'execute': 'quit'}");
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *conf = g_build_filename(g->dir, "sim.conf", NULL);
    JsonObject *log, *set_irqs;

    qmp_expect_return(rsp);
    json_object_unref(rsp);
    g_assert_cmpint(qtest_wait_exit(g->qts), ==, 0);
    if (real_host) {
        goto out;
    }

    g_assert_true(json_parser_load_from_file(parser, g->log_path, &err));
    log = json_node_get_object(json_parser_get_root(parser));
    /*
     * Per run: 4 INTx, the second to fourth each after KVM's resample
     * unmasked the first; the INTx-disable bit holds one of them.
     */
    g_assert_cmpuint(count_events(json_object_get_array_member(log, "events"),
                                  ": INTx unmasked by eventfd"), ==, 3 * runs);
    g_assert_cmpuint(count_events(json_object_get_array_member(log, "events"),
                                  ": INTx held"), ==, runs);
    /*
     * Realize: the INTx trigger and unmask eventfds (2).  Per run: the
     * reset before it (at start-up, then system_reset) turns INTx off
     * (MSI or MSI-X, the second time) and on again (3), and the guest's
     * switch to MSI or MSI-X turns INTx off and that on (2).  The
     * main-loop relay would add an unmask per INTx.
     */
    set_irqs = json_object_get_object_member(
        json_object_get_object_member(log, "ioctls"),
        "VFIO_DEVICE_SET_IRQS");
    g_assert_cmpint(json_object_get_int_member(set_irqs, "errors"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(set_irqs, "calls"), ==,
                    2 + 5 * runs);

out:
    g_unlink(g->image_path);
    g_unlink(g->dump_path);
    g_unlink(g->log_path);
    g_unlink(conf);
    g_rmdir(g->dir);
    g_free(g->image_path);
    g_free(g->dump_path);
    g_free(g->log_path);
    g_free(g->dir);
    g_free(g);
}

/*
 * INTx, INTx-disable, then MSI-X or MSI masking and a message rewrite;
 * twice, a system_reset between.
 */
static void test_irqs(const void *opaque)
{
    const TestCase *tc = opaque;
    JsonObject *rsp;
    Guest *g;

    if (!prerequisites()) {
        return;
    }
    g = guest_start(tc);
    guest_check(g, tc);
    rsp = qtest_qmp(g->qts, "{'execute': 'system_reset'}");
    qmp_expect_return(rsp);
    json_object_unref(rsp);
    guest_check(g, tc);
    guest_quit(g, 2);
}

int main(int argc, char **argv)
{
    static const TestCase sim_cases[] = {
        { "off", MODE_MSIX }, { "on", MODE_MSIX },
        { "off", MODE_MSI }, { "on", MODE_MSI },
    };
    static const TestCase real_cases[] = {
        { "off", MODE_INTX_ONLY }, { "on", MODE_INTX_ONLY },
    };
    static const char *const mode_names[] = { "msix", "msi", "intx" };
    const TestCase *cases;
    size_t n;

    g_test_init(&argc, &argv, NULL);
    real_host = g_getenv("KVM_VFIO_IRQ_HOST");
    cases = real_host ? real_cases : sim_cases;
    n = real_host ? G_N_ELEMENTS(real_cases) : G_N_ELEMENTS(sim_cases);
    for (size_t i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf(
            "/kvm-vfio-irq/%s/%s",
            strcmp(cases[i].backend, "on") ? "legacy" : "iommufd",
            mode_names[cases[i].mode]);

        g_test_add_data_func(name, &cases[i], test_irqs);
    }
    return g_test_run();
}
