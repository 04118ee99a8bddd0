/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP pmemsave: guest-physical memory into a file, as QEMU's.
 *
 * pmemsave {"val": ADDR, "size": N, "filename": PATH}
 * Reads through address_space_memory (RAM, and device registers where
 * there is no RAM), so it sees exactly what the guest's vCPUs see.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "system/memory.h"

#define PMEMSAVE_CHUNK 4096

void qmp_pmemsave(int64_t addr, int64_t size, const char *filename,
                  Error **errp)
{
    uint8_t buf[PMEMSAVE_CHUNK];
    FILE *f;

    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a non-negative value");
        return;
    }
    f = fopen(filename, "wb");
    if (!f) {
        error_setg_errno(errp, errno, "Could not open '%s'", filename);
        return;
    }
    while (size > 0) {
        size_t l = MIN(size, PMEMSAVE_CHUNK);

        address_space_read(&address_space_memory, addr,
                           MEMTXATTRS_UNSPECIFIED, buf, l);
        if (fwrite(buf, 1, l, f) != l) {
            error_setg_errno(errp, errno, "writing memory to '%s'", filename);
            fclose(f);
            return;
        }
        addr += l;
        size -= l;
    }
    if (fclose(f) != 0) {
        error_setg_errno(errp, errno, "writing memory to '%s'", filename);
    }
}
