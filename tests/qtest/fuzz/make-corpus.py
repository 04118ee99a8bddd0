#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpus of fuzz-vfio-pci into tests/qtest/fuzz/corpus/.

Each seed is a short guest program in the harness's byte code (see
fuzz-vfio-pci.c and docs/devel/fuzzing.rst), once per target function
(byte 0: 0 = iommufd, 1 = legacy).  Re-run after changing the byte code:
    python3 tests/qtest/fuzz/make-corpus.py
"""

import os
import struct

CFG_READ, CFG_WRITE, MMIO_READ, MMIO_WRITE, MSI_PROGRAM, COMMAND, \
    BAR_PLACE, EDU_DMA, MAIN_LOOP, RESET, MSIX_TABLE, MSIX_PROGRAM = range(12)
SIZE = {1: 0, 2: 1, 4: 2, 8: 3}


def cfg_read(reg, size=4):
    return bytes([CFG_READ, SIZE[size], reg])


def cfg_write(reg, val, size=4):
    return bytes([CFG_WRITE, SIZE[size], reg]) + struct.pack("<I", val)


def mmio_read(off, size=4):
    return bytes([MMIO_READ, SIZE[size]]) + struct.pack("<I", off)


def mmio_write(off, val, size=4):
    return bytes([MMIO_WRITE, SIZE[size]]) + struct.pack("<IQ", off, val)


def msi(flags, addr, data):
    return bytes([MSI_PROGRAM, flags]) + struct.pack("<HH", addr, data)


def command(xor):
    return bytes([COMMAND]) + struct.pack("<H", xor)


def bar_place(base):
    return bytes([BAR_PLACE]) + struct.pack("<I", base)


def edu_dma(src, dst, count, cmd):
    return bytes([EDU_DMA]) + struct.pack("<IHHB", src, dst, count, cmd)


def main_loop():
    return bytes([MAIN_LOOP])


def reset():
    return bytes([RESET])


def msix_table(entry, val):
    return bytes([MSIX_TABLE]) + struct.pack("<HI", entry, val)


def msix_program(entry, masked, addr, data, flags):
    """flags: bit 7 enable, bit 6 function mask (MSI-X control >> 8)."""
    return bytes([MSIX_PROGRAM, entry | (0x80 if masked else 0)]) + \
        struct.pack("<HHB", addr, data, flags)


SEEDS = {
    "config-dump": b"".join(cfg_read(r) for r in range(0, 256, 4)),
    "config-bytes": b"".join(cfg_read(r, 1) for r in range(0, 64)),
    "bar-sizing": cfg_write(0x10, 0xffffffff) + cfg_read(0x10) +
                  cfg_write(0x10, 0xfe000000) + cfg_write(0x30, 0xfffff800) +
                  cfg_read(0x30),
    "edu-regs": mmio_read(0) + mmio_write(4, 0x12345678) + mmio_read(4) +
                mmio_write(8, 5) + mmio_read(0x20) + mmio_read(8),
    "edu-mmio-sizes": mmio_read(0, 1) + mmio_read(0, 2) + mmio_read(0, 8) +
                      mmio_write(4, 0xdeadbeefcafe, 8),
    "msi-irq": msi(1, 0, 0x41) + mmio_write(0x60, 1) + main_loop() +
               mmio_read(0x24) + mmio_write(0x64, 1) + main_loop(),
    "intx-irq": command(0) + mmio_write(0x60, 1) + main_loop() +
                mmio_write(0x64, 1) + command(0x400) + main_loop(),
    "dma-roundtrip": edu_dma(0x100000, 0, 0x100, 1) +
                     edu_dma(0x102000, 0, 0x100, 3) + main_loop(),
    "dma-irq": msi(1, 0, 0x42) + edu_dma(0x100000, 0, 0x40, 5) + main_loop(),
    "dma-no-master": command(0x4) + edu_dma(0x100000, 0, 0x40, 1),
    "bar-move": bar_place(0xfd000000) + mmio_read(0) + bar_place(0) +
                mmio_read(0) + bar_place(0xfed00000) + mmio_read(0),
    "command-toggle": command(0x2) + mmio_read(0) + command(0x2) +
                      command(0x4) + command(0x4) + mmio_read(4),
    "reset-mid": msi(1, 0, 0x43) + reset() + mmio_read(0) + main_loop(),
    "msix-table": b"".join(msix_table(i, 0xfee00000 + i) for i in range(4)),
    "msix-irq": msix_program(0, False, 0, 0x51, 0x80) +
                msix_program(1, True, 4, 0x52, 0x80) + mmio_write(0x60, 1) +
                main_loop() + mmio_read(0x24) + mmio_write(0x64, 1) +
                msix_program(1, False, 4, 0x52, 0x80) + main_loop(),
    "msix-mask-all": msix_program(0, False, 0, 0x53, 0xc0) +
                     mmio_write(0x60, 1) + main_loop() +
                     msix_program(0, False, 0, 0x53, 0x80) + main_loop() +
                     mmio_write(0x64, 1) + msi(1, 0, 0x54) + main_loop(),
    "msix-dma-reset": msix_program(2, False, 8, 0x55, 0x80) +
                      edu_dma(0x100000, 0, 0x40, 5) + main_loop() + reset() +
                      msix_table(2, 0) + main_loop(),
    "cap-walk": cfg_read(0x34, 1) + cfg_read(0x40) + cfg_read(0x44) +
                cfg_write(0x42, 0x0081, 2) + cfg_read(0x40),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, program in SEEDS.items():
        for target, backend in ((0, "iommufd"), (1, "legacy")):
            with open(os.path.join(out, f"{name}-{backend}"), "wb") as f:
                f.write(bytes([target]) + program)


if __name__ == "__main__":
    main()
