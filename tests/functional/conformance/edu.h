/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: the checks on an opened VFIO device that both
 * backends share, with QEMU's edu device as the device under test
 *
 * edu's BAR0 (1 MiB MMIO): 0x00 identification, 0x04 liveness (reads the
 * inverse of what was written), 0x24 interrupt status, 0x60 raise an
 * interrupt, 0x64 acknowledge it, 0x80/0x88/0x90/0x98 DMA source,
 * destination, count and command.  The device's own DMA buffer sits at
 * device address 0x40000 (4 KiB); its DMA mask is 28 bits, so every IOVA
 * used here is below 256 MiB.
 */
#ifndef CONFORMANCE_EDU_H
#define CONFORMANCE_EDU_H

#include "conformance.h"

#define EDU_DMA_BUFFER      0x40000
#define EDU_DMA_LEN         256
/* The IOVA window every backend maps the test buffer at */
#define EDU_TEST_IOVA       0x1000000ULL
#define EDU_TEST_LEN        0x200000ULL

typedef struct EduDevice {
    int fd;                     /* the VFIO device fd; not owned */
    Transcript *tr;
    const HostDevice *host;
    uint64_t config_offset;
    uint64_t config_size;
    uint64_t bar0_offset;
    uint64_t bar0_size;
    void *bar0;                 /* the BAR0 mmap, or NULL */
} EduDevice;

/*
 * VFIO_DEVICE_GET_INFO, GET_REGION_INFO (config, BAR0, BAR1, ROM) and
 * GET_IRQ_INFO (INTx, MSI, MSI-X) on @fd.  Fills @edu's region offsets.
 * Returns false when the config region or BAR0 is missing, because the
 * later checks need them.
 */
bool edu_probe(EduDevice *edu, int fd, Transcript *t, const HostDevice *host);

/*
 * Reads config dword 0 through the config region (expects 0x11e81234),
 * then sets memory and bus-master in the command register and reads it
 * back.  Returns false if the device cannot be used for MMIO or DMA.
 */
bool edu_enable(EduDevice *edu);

/*
 * mmaps BAR0 and checks the identification and liveness registers.
 * Returns false if BAR0 cannot be used.
 */
bool edu_map_bar(EduDevice *edu);

/*
 * DMAs EDU_DMA_LEN bytes from @buf (mapped at @iova) into the device and
 * back to @buf + 0x1000 (@iova + 0x1000), and checks the data landed.
 * @what names the mapping in the transcript.
 */
bool edu_dma_roundtrip(EduDevice *edu, uint8_t *buf, uint64_t iova,
                       const char *what);

/*
 * DMAs the device buffer to @iova, which the caller has unmapped but which
 * used to map @old_buf, and checks that nothing landed in @old_buf.
 */
bool edu_dma_blocked(EduDevice *edu, uint8_t *old_buf, uint64_t iova,
                     const char *what);

/*
 * VFIO_DEVICE_SET_IRQS(MSI, eventfd), raises edu's interrupt and waits
 * for the eventfd, then disables MSI again.
 */
bool edu_msi(EduDevice *edu);

/*
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, first with no room for devices
 * (ENOSPC), then with room.  On a root bus the kernel has no bus reset
 * and answers ENODEV.  @cdev says the device was opened as a cdev (the
 * answer then carries devids, named through the transcript's id names);
 * otherwise group ids, compared with @host's group.
 */
bool edu_hot_reset_info(EduDevice *edu, bool cdev);

/*
 * VFIO_DEVICE_PCI_HOT_RESET, proving ownership with @group_fd (legacy) or,
 * for a cdev (@group_fd < 0), with an empty fd list; then checks BAR0
 * still answers.  Only where a bus reset exists (not on a root bus).
 */
bool edu_hot_reset(EduDevice *edu, int group_fd);

/* Unmaps BAR0; leaves the fd alone. */
void edu_release(EduDevice *edu);

#endif
