/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest physical addresses
 */
#ifndef EXEC_HWADDR_H
#define EXEC_HWADDR_H

#include <inttypes.h>
#include <stdint.h>

/* An address in some guest address space (memory, I/O ports, IOVA). */
typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX
#define HWADDR_BITS 64
#define HWADDR_PRId PRId64
#define HWADDR_PRIi PRIi64
#define HWADDR_PRIo PRIo64
#define HWADDR_PRIu PRIu64
#define HWADDR_PRIx PRIx64
#define HWADDR_PRIX PRIX64
#define TARGET_FMT_plx "%016" PRIx64

/* An offset in the global space of all RAM blocks (see system/memory.h). */
typedef uint64_t ram_addr_t;
#define RAM_ADDR_MAX UINT64_MAX
#define RAM_ADDR_FMT "%" PRIx64

#endif
