/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BAR0 of QEMU's "edu" test device (QEMU's docs/specs/edu.rst), for the
 * static programs that drive it from a guest: the payload's edu step and
 * the hot-plug test's DMA tool.
 */
#ifndef TESTS_EDU_REGS_H
#define TESTS_EDU_REGS_H

#define EDU_ID              0x00
#define EDU_LIVENESS        0x04
#define EDU_IRQ_STATUS      0x24
#define EDU_IRQ_RAISE       0x60
#define EDU_IRQ_ACK         0x64
#define EDU_DMA_SRC         0x80
#define EDU_DMA_DST         0x88
#define EDU_DMA_COUNT       0x90
#define EDU_DMA_CMD         0x98
#define EDU_DMA_START       0x1
#define EDU_DMA_TO_RAM      0x2
#define EDU_DMA_IRQ         0x4
#define EDU_DMA_IRQ_VALUE   0x100
#define EDU_BUFFER          0x40000     /* the device's 4 KiB DMA buffer */
#define EDU_BAR0_SIZE       (1024 * 1024)
/* edu masks DMA addresses to 28 bits: the pages must lie below 256 MiB. */
#define EDU_DMA_LIMIT       (1ULL << 28)

#endif
