# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's edu device as tests drive it over qtest (its registers: QEMU's
docs/specs/edu.rst).

dma_round_trip(qt, bar, ram_src, ram_dst, seed) writes a 256-byte pattern
at guest RAM ram_src, clears ram_dst, has edu copy RAM -> its buffer ->
RAM with two DMA transfers (through the host IOMMU when edu is assigned)
and returns True if ram_dst then holds the pattern.  A transfer that does
not complete within `timeout` seconds leaves the data unchecked: False.
"""

import time

DMA_SRC, DMA_DST, DMA_COUNT, DMA_CMD = 0x80, 0x88, 0x90, 0x98
DMA_RUN, DMA_TO_RAM = 0x1, 0x2
BUFFER = 0x40000            # edu's DMA buffer, in the device's own space
LENGTH = 256


def dma(qt, bar, src, dst, cmd, timeout, length=LENGTH):
    """One transfer of `length` bytes; False if it did not complete."""
    qt.writeq(bar + DMA_SRC, src)
    qt.writeq(bar + DMA_DST, dst)
    qt.writeq(bar + DMA_COUNT, length)
    qt.writeq(bar + DMA_CMD, cmd)
    deadline = time.monotonic() + timeout
    while qt.readq(bar + DMA_CMD) & DMA_RUN:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def dma_to_peer(qt, bar, ram_src, bus_addr, value, timeout=3.0):
    """edu at `bar` DMAs the 32-bit `value` (staged at guest RAM ram_src)
    to bus address `bus_addr`, e.g. another device's register: peer-to-peer
    when that address is a BAR.  False if a transfer did not complete."""
    qt.memwrite(ram_src, value.to_bytes(4, "little"))
    return (dma(qt, bar, ram_src, BUFFER, DMA_RUN, timeout, 4) and
            dma(qt, bar, BUFFER, bus_addr, DMA_RUN | DMA_TO_RAM, timeout, 4))


def dma_round_trip(qt, bar, ram_src, ram_dst, seed=5, timeout=3.0):
    pattern = bytes((i * 7 + seed) & 0xff for i in range(LENGTH))
    qt.memwrite(ram_src, pattern)
    qt.memset(ram_dst, LENGTH, 0)
    return (dma(qt, bar, ram_src, BUFFER, DMA_RUN, timeout) and
            dma(qt, bar, BUFFER, ram_dst, DMA_RUN | DMA_TO_RAM, timeout) and
            qt.memread(ram_dst, LENGTH) == pattern)
