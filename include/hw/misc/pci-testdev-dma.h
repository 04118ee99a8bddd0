/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci-testdev-dma: a small PCI(e) device for exercising the PCI core,
 * MSI/MSI-X, INTx and DMA before real devices are assigned.  Its
 * register layout follows QEMU's edu device where edu has one.
 *
 * BAR0, 1 MiB MMIO (32-bit), little endian, 4- or 8-byte accesses:
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness check: reads the bitwise inverse of the last write
 *   0x24 RO  interrupt status
 *   0x60 WO  raise interrupt: status |= value, then signal (see below)
 *   0x64 WO  acknowledge: status &= ~value; INTx drops when status is 0
 *   0x68 RW  MSI/MSI-X vector used by raise and by DMA completion
 *   0x80 RW  DMA source address (64-bit)
 *   0x88 RW  DMA destination address (64-bit)
 *   0x90 RW  DMA count in bytes (at most 4096)
 *   0x98 RW  DMA command: bit 0 start (reads 1 while running),
 *            bit 1 direction (0: guest memory -> buffer, 1: buffer ->
 *            guest memory), bit 2 raise interrupt status 0x100 when done
 *   0x40000..0x40fff  the DMA buffer (also readable/writable directly)
 * The buffer side of a transfer is an offset from 0x40000 (as in edu).
 * Errors (count too big, buffer range outside the buffer, or a failed
 * bus-master access) end the transfer with status bit 0x200 (no data
 * copied for out-of-range buffers).
 *
 * BAR1, 256 bytes of I/O: identification at 0, liveness at 4.
 * BAR2, MSI-X table and PBA ("msix-vectors", default 4; 0: none).
 * BAR4, 1 MiB 64-bit prefetchable RAM.
 *
 * Interrupts: MSI-X if enabled, else MSI (1 vector, 64-bit, maskable),
 * else INTx A (level, while status is nonzero).
 *
 * DMA goes through the function's bus-master address space
 * (pci_dma_read/pci_dma_write), so it needs COMMAND.MASTER and obeys a
 * vIOMMU.  It completes at once, or "dma-delay-ns" later on the virtual
 * clock (advanced by qtest clock_step).
 */
#ifndef HW_MISC_PCI_TESTDEV_DMA_H
#define HW_MISC_PCI_TESTDEV_DMA_H

#define TYPE_PCI_TESTDEV_DMA "pci-testdev-dma"

#define PCI_DEVICE_ID_QEMU_TESTDEV_DMA  0x11f0

#define TESTDEV_REG_ID          0x00
#define TESTDEV_REG_LIVENESS    0x04
#define TESTDEV_REG_IRQ_STATUS  0x24
#define TESTDEV_REG_IRQ_RAISE   0x60
#define TESTDEV_REG_IRQ_ACK     0x64
#define TESTDEV_REG_VECTOR      0x68
#define TESTDEV_REG_DMA_SRC     0x80
#define TESTDEV_REG_DMA_DST     0x88
#define TESTDEV_REG_DMA_COUNT   0x90
#define TESTDEV_REG_DMA_CMD     0x98
#define TESTDEV_DMA_BUF         0x40000
#define TESTDEV_DMA_BUF_SIZE    4096

#define TESTDEV_ID_VALUE        0x010000ed
#define TESTDEV_DMA_START       0x1
#define TESTDEV_DMA_TO_GUEST    0x2
#define TESTDEV_DMA_IRQ         0x4
#define TESTDEV_IRQ_DMA_DONE    0x100
#define TESTDEV_IRQ_DMA_ERROR   0x200

#endif
