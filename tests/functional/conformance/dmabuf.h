/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI conformance: dma-buf export of BARs and iommufd's map-by-file, the
 * uAPI of kernels since 6.19 (dmabuf.c; only in uapi-conformance-7.3)
 */
#ifndef CONFORMANCE_DMABUF_H
#define CONFORMANCE_DMABUF_H

#include "edu.h"

/*
 * Maps a memfd by file into @ioas and DMAs through it, then exports
 * @edu's BAR0 as a dma-buf (and checks the export's errors) and maps that
 * by file.  @edu must be enabled and its BAR mapped; @ioas attached.
 */
void iommufd_dmabuf_checks(Transcript *t, int iommufd, uint32_t ioas,
                           EduDevice *edu);

#endif
