#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-pci MSI-X on the simulated kernel, with both IOMMU backends.

Our qemu-system-x86_64 runs under LD_PRELOAD=libvfio-sim.so with the device
of msix.conf (8 MSI-X vectors, table and PBA in BAR0) over qtest.  The test
finds the MSI-X capability, places BAR0, programs vector 0 (0xfee00000 +
data), enables MSI-X and makes edu raise its interrupt (register 0x60):
the MSI doorbell log (QMP x-query-msi-log) must show the message.  With the
vector masked nothing is delivered and the PBA bit is set; unmasking
delivers it.  Enabling MSI on top must not take the device from MSI-X.  Disabling MSI-X must hand the device back to INTx (the sim
refuses a second interrupt type until the first is torn down, so its INTx
event proves the SET_IRQS teardown).  Odd guest writes to the table come
first and must change nothing; random capability and table writes must
crash nothing; after system_reset MSI-X is off and can be set up again;
device_del with MSI-X on takes the table with it.
Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    QEMU_VFIO_QEMU=build/qemu-system-x86_64 \\
        PYTHONPATH=tests python3 tests/scenarios/msix/test_msix.py
"""

import json
import random
import os
import sys
import time
from pathlib import Path

from harness import backend_tap
from harness.qemu_client import Qemu

HERE = Path(__file__).resolve().parent
HOST = "0000:00:10.0"
SLOT = 4
BAR0 = 0xfe000000
MSI_ADDR = 0xfee00000
MSI_DATA = 0x4041


def msi_log(qmp):
    """The doorbell messages since the last call, as (address, data)."""
    return [(e["address"], e["data"])
            for e in qmp.cmd("x-query-msi-log", clear=True)]


def wait_msi(qmp, want, seconds=2.0):
    """Doorbell messages seen within @seconds (stops early at @want)."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen += msi_log(qmp)
        if want and want in seen:
            break
        time.sleep(0.02)
    return seen


def check(q, qmp):
    pci = q.pci(SLOT)
    cap = pci.find_capability(0x11)
    if not cap:
        return "no MSI-X capability in the guest's chain"
    ctrl = pci.cfg_read(cap + 2, 2)
    table = pci.cfg_read(cap + 4)
    pba = pci.cfg_read(cap + 8)
    if ctrl & 0x7ff != 7 or table & 7 or pba & 7:
        return f"MSI-X capability ctrl {ctrl:#x} table {table:#x} pba {pba:#x}"
    tab = BAR0 + (table & ~7)
    pba = BAR0 + (pba & ~7)
    pci.cfg_write(0x10, BAR0)
    pci.cfg_write(0x04, 0x6, 2)
    if q.readl(BAR0) != 0x010000ed:
        return "BAR0 does not answer"
    # Vectors start masked; odd writes must neither crash nor reach anything.
    if q.readl(tab + 12) & 1 != 1:
        return "vector 0 does not start masked"
    q.writeb(tab + 3, 0xff)
    q.writew(tab + 0x7f * 16 + 6, 0xffff)  # past the table
    q.writel(pba, 0xffffffff)              # PBA is read-only
    if q.readl(pba) != 0:
        return f"PBA written by the guest: {q.readl(pba):#x}"
    program(q, tab)
    if q.readl(tab) != MSI_ADDR or q.readl(tab + 8) != MSI_DATA:
        return "the table does not keep what the guest wrote"
    msi_log(qmp)
    pci.cfg_write(cap + 2, 0x8000, 2)                # enable
    if not pci.cfg_read(cap + 2, 2) & 0x8000:
        return "MSI-X enable bit does not stick"
    want = (MSI_ADDR, MSI_DATA)
    q.writel(BAR0 + 0x60, 1)
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"raised vector 0 not delivered (doorbell log {seen})"
    # Unmasking vector 5 grows the host block (disable, enable with 6):
    # vector 0 must still be delivered.
    q.writel(tab + 5 * 16, MSI_ADDR)
    q.writel(tab + 5 * 16 + 8, MSI_DATA + 5)
    q.writel(tab + 5 * 16 + 12, 0)
    q.writel(BAR0 + 0x60, 1)
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"vector 0 lost after vector 5 was unmasked ({seen})"
    # MSI enabled on top changes nothing: MSI-X keeps the device.
    msi = pci.find_capability(0x05)
    if msi:
        pci.cfg_write(msi + 2, pci.cfg_read(msi + 2, 2) | 1, 2)
        q.writel(BAR0 + 0x60, 1)
        seen = wait_msi(qmp, want)
        pci.cfg_write(msi + 2, pci.cfg_read(msi + 2, 2) & ~1, 2)
        if want not in seen:
            return f"MSI enable took the device from MSI-X ({seen})"
    q.writel(tab + 12, 1)               # mask
    q.writel(BAR0 + 0x60, 1)
    seen = wait_msi(qmp, None, 0.5)
    if seen:
        return f"masked vector delivered: {seen}"
    if q.readl(pba) & 1 != 1:
        return f"masked vector not pending in the PBA ({q.readl(pba):#x})"
    q.writel(tab + 12, 0)               # unmask
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"pending vector not delivered on unmask ({seen})"
    if q.readl(pba) & 1:
        return "PBA bit still set after delivery"
    pci.cfg_write(cap + 2, 0, 2)                     # disable
    q.writel(BAR0 + 0x64, 0xffffffff)   # ack edu
    q.writel(BAR0 + 0x60, 1)            # now an INTx
    time.sleep(0.2)
    if want in msi_log(qmp):
        return "MSI-X message delivered after disable"
    q.writel(BAR0 + 0x64, 0xffffffff)
    # Any guest value in the capability and the table: no crash.
    rnd = random.Random(5)
    for _ in range(200):
        size = rnd.choice((1, 2, 4))
        off = rnd.randrange(0, 12)
        pci.cfg_write(cap + off - off % size, rnd.getrandbits(8 * size), size)
        q.writel(tab + rnd.randrange(0, 8 * 16, 4), rnd.getrandbits(32))
    pci.cfg_write(cap + 2, 0, 2)
    if q.readl(BAR0) != 0x010000ed:
        return "device gone after random capability writes"
    # A system reset with MSI-X on: the capability comes back disabled,
    # and MSI-X can be set up again from scratch.
    program(q, tab)
    pci.cfg_write(cap + 2, 0x8000, 2)
    qmp.cmd("system_reset")
    for _ in range(100):
        if not pci.cfg_read(0x10) and not pci.cfg_read(cap + 2, 2) & 0x8000:
            break
        time.sleep(0.02)
    else:
        return "system_reset left BAR0 or the MSI-X enable bit set"
    pci.cfg_write(0x10, BAR0)
    pci.cfg_write(0x04, 0x6, 2)
    program(q, tab)
    msi_log(qmp)
    pci.cfg_write(cap + 2, 0x8000, 2)
    q.writel(BAR0 + 0x60, 1)
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"no delivery after system_reset ({seen})"
    pci.cfg_write(cap + 2, 0, 2)
    q.writel(BAR0 + 0x64, 0xffffffff)
    q.writel(BAR0 + 0x60, 1)            # INTx again
    time.sleep(0.1)
    # Unplugged with MSI-X on: the table goes with the BAR, nothing leaks.
    q.writel(BAR0 + 0x64, 0xffffffff)
    pci.cfg_write(cap + 2, 0x8000, 2)
    qmp.cmd("device_del", id="msix0")
    for _ in range(100):
        if pci.cfg_read(0) == 0xffffffff:
            break
        time.sleep(0.02)
    else:
        return "device_del did not remove the device"
    if q.readl(tab) != 0xffffffff:
        return "the MSI-X table outlived the device"
    return None


def program(q, tab):
    q.writel(tab, MSI_ADDR)
    q.writel(tab + 4, 0)
    q.writel(tab + 8, MSI_DATA)
    q.writel(tab + 12, 0)


def run(backend, lib, qemu, tmp):
    simlog = os.path.join(tmp, f"{backend}.simlog")
    argv = backend_tap.vmm_argv(
        qemu, backend, f"vfio-pci,host={HOST},addr={SLOT:#x},id=msix0",
        legacy_off=True)
    env = {"LD_PRELOAD": lib, "VFIO_SIM_LOG": simlog,
           "VFIO_SIM_CONFIG": str(HERE / "msix.conf"),
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS",
                                          "verify_asan_link_order=0")}
    why = "not run"
    with Qemu(argv, workdir=tmp, name=backend, env=env) as vm:
        try:
            vm.start()
            vm.wait_running()
            why = check(vm.qtest, vm.qmp)
        finally:
            vm.terminate(10)        # a clean exit writes the sim log
    text = Path(vm.log_path).read_text()
    if why is None:
        events = json.loads(Path(simlog).read_text()).get("events", [])
        irqs = [e for e in events if e.endswith(("MSI vector 0", "INTx"))]
        if irqs[-1:] != [f"{HOST}: INTx"]:
            why = f"device not back on INTx after disable: {irqs[-4:]}"
        elif "rror" in text or "MSI-X hidden" in text:
            why = f"QEMU complained: {text.strip()}"
    if why:
        print("# " + text.strip().replace("\n", "\n# "))
        return False, why
    return True, "vector delivered, masked -> PBA -> unmask delivered, " \
                 "disable back to INTx, reset and unplug clean"


def main():
    qemu = os.environ.get("QEMU_VFIO_QEMU")
    return backend_tap.run_on_sim(
        lambda backend, lib, tmp: run(backend, lib, os.path.abspath(qemu),
                                      tmp),
        qemu, prefix="vfio-sim-msix-")


if __name__ == "__main__":
    sys.exit(main())
