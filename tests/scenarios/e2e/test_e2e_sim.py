#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian's QEMU 10, unmodified, realizes vfio-pci on a simulated device.

(VFIO_SIM_PEER=path runs another binary the same way: meson runs the test
a second time with ours.)

For each backend (legacy, iommufd) QEMU runs under LD_PRELOAD=libvfio-sim.so
with -device vfio-pci,host=0000:00:10.0 over qtest; the test reads config
dword 0 through cf8/cfc (expects 0x11e81234), then does an edu DMA round
trip: it places BAR0, enables memory and bus mastering, writes a pattern
into guest RAM, DMAs it into the device and back to another guest address,
and reads it back.  Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \
        PYTHONPATH=tests python3 tests/scenarios/e2e/test_edu_sim.py
"""

import os
import sys
import time

from harness import backend_tap
from harness.qemu_client import Qemu
from harness import edu

QEMU = os.environ.get("VFIO_SIM_PEER", "/usr/bin/qemu-system-x86_64")
HOST = "0000:00:10.0"
SLOT = 4                        # the guest slot the test puts it in
BAR0 = 0xfe000000
RAM_SRC = 0x100000
RAM_DST = 0x102000


def settle(dev, off, want, write=None):
    """Reads (after writing @write) config @off of @dev until it is @want.

    Debian's QEMU 10 sometimes answers the first cf8/cfc accesses after
    start-up from the wrong function, with its own edu as much as with
    vfio-pci (see docs/devel/vfio-sim.rst); the access is repeated.
    """
    got = None
    for _ in range(50):
        if write is not None:
            dev.cfg_write(off, write)
        got = dev.cfg_read(off)
        if got == want:
            return got
        time.sleep(0.02)
    return got


def run(backend, lib, tmp):
    """Returns (ok, why); prints QEMU's output as diagnostics on failure."""
    ok, why = False, "not run"
    try:
        ok, why = _run(backend, lib, tmp)
        return ok, why
    finally:
        if not ok:
            for name in (f"{backend}.log", f"{backend}.simlog"):
                try:
                    text = open(os.path.join(tmp, name)).read().strip()
                except OSError:
                    continue
                print("# " + text.replace("\n", "\n# "))


def _run(backend, lib, tmp):
    argv = backend_tap.vmm_argv(QEMU, backend,
                                f"vfio-pci,host={HOST},addr={SLOT:#x}")
    env = {"LD_PRELOAD": lib,
           "VFIO_SIM_REPORT": os.path.join(tmp, f"{backend}.report"),
           "VFIO_SIM_LOG": os.path.join(tmp, f"{backend}.simlog")}
    with Qemu(argv, workdir=tmp, name=backend, env=env) as vm:
        try:
            vm.start()
            vm.wait_running()
            return _check(vm.qtest)
        finally:
            vm.terminate(10)


def _check(q):
    pci = q.pci(SLOT)
    id0 = settle(pci, 0, 0x11e81234)
    if id0 != 0x11e81234:
        return False, f"config dword 0 = {id0:#x}, expected 0x11e81234"
    if settle(pci, 0x10, BAR0, write=BAR0) != BAR0:
        return False, "BAR0 cannot be placed"
    if settle(pci, 0x04, 0x00100006, write=0x6) & 0x6 != 0x6:
        return False, "memory and bus mastering cannot be enabled"
    ident = q.readl(BAR0)
    if ident != 0x010000ed:
        return False, f"edu identification = {ident:#x}"
    q.writel(BAR0 + 4, 0x12345678)
    live = q.readl(BAR0 + 4)
    if live != 0xedcba987:
        return False, f"edu liveness = {live:#x}"
    if not edu.dma_round_trip(q, BAR0, RAM_SRC, RAM_DST, timeout=1.0):
        return False, "DMA round trip: the data differs"
    return True, "config 0x11e81234, BAR0 answers, DMA round trip verified"


def main():
    return backend_tap.run_on_sim(run, QEMU, prefix="vfio-sim-peer-")


if __name__ == "__main__":
    sys.exit(main())
