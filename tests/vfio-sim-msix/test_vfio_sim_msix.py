#!/usr/bin/env python3
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
        python3 tests/vfio-sim-msix/test_vfio_sim_msix.py
"""

import json
import random
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "vfio-sim"))
from qtest_client import Qtest  # noqa: E402

HERE = Path(__file__).resolve().parent
HOST = "0000:00:10.0"
SLOT = 4
BAR0 = 0xfe000000
MSI_ADDR = 0xfee00000
MSI_DATA = 0x4041


class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.sock.makefile("rw")
        self.f.readline()
        self.call("qmp_capabilities")
        while self.call("query-status").get("status") != "running":
            if time.monotonic() > deadline:
                raise TimeoutError("QEMU did not reach 'running'")
            time.sleep(0.05)

    def call(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            reply = json.loads(self.f.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"{name}: {reply['error']}")

    def msi_log(self):
        return [(e["address"], e["data"])
                for e in self.call("x-query-msi-log", clear=True)]


def find_cap(q, cap_id):
    pos = q.cfg_read(0x34, 1) & ~3
    for _ in range(48):
        if pos < 0x40:
            return 0
        if q.cfg_read(pos, 1) == cap_id:
            return pos
        pos = q.cfg_read(pos + 1, 1) & ~3
    return 0


def wait_msi(qmp, want, seconds=2.0):
    """Doorbell messages seen within @seconds (stops early at @want)."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen += qmp.msi_log()
        if want and want in seen:
            break
        time.sleep(0.02)
    return seen


def check(q, qmp):
    cap = find_cap(q, 0x11)
    if not cap:
        return "no MSI-X capability in the guest's chain"
    ctrl = q.cfg_read(cap + 2, 2)
    table = q.cfg_read(cap + 4)
    pba = q.cfg_read(cap + 8)
    if ctrl & 0x7ff != 7 or table & 7 or pba & 7:
        return f"MSI-X capability ctrl {ctrl:#x} table {table:#x} pba {pba:#x}"
    tab = BAR0 + (table & ~7)
    pba = BAR0 + (pba & ~7)
    q.cfg_write(0x10, BAR0)
    q.cfg_write(0x04, 0x6, 2)
    if q.readl(BAR0) != 0x010000ed:
        return "BAR0 does not answer"
    # Vectors start masked; odd writes must neither crash nor reach anything.
    if q.readl(tab + 12) & 1 != 1:
        return "vector 0 does not start masked"
    q.cmd(f"writeb {tab + 3:#x} 0xff")
    q.cmd(f"writew {tab + 0x7f * 16 + 6:#x} 0xffff")  # past the table
    q.cmd(f"writel {pba:#x} 0xffffffff")              # PBA is read-only
    if q.readl(pba) != 0:
        return f"PBA written by the guest: {q.readl(pba):#x}"
    program(q, tab)
    if q.readl(tab) != MSI_ADDR or q.readl(tab + 8) != MSI_DATA:
        return "the table does not keep what the guest wrote"
    qmp.msi_log()
    q.cfg_write(cap + 2, 0x8000, 2)                # enable
    if not q.cfg_read(cap + 2, 2) & 0x8000:
        return "MSI-X enable bit does not stick"
    want = (MSI_ADDR, MSI_DATA)
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"raised vector 0 not delivered (doorbell log {seen})"
    # Unmasking vector 5 grows the host block (disable, enable with 6):
    # vector 0 must still be delivered.
    q.cmd(f"writel {tab + 5 * 16:#x} {MSI_ADDR:#x}")
    q.cmd(f"writel {tab + 5 * 16 + 8:#x} {MSI_DATA + 5:#x}")
    q.cmd(f"writel {tab + 5 * 16 + 12:#x} 0")
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"vector 0 lost after vector 5 was unmasked ({seen})"
    # MSI enabled on top changes nothing: MSI-X keeps the device.
    msi = find_cap(q, 0x05)
    if msi:
        q.cfg_write(msi + 2, q.cfg_read(msi + 2, 2) | 1, 2)
        q.cmd(f"writel {BAR0 + 0x60:#x} 1")
        seen = wait_msi(qmp, want)
        q.cfg_write(msi + 2, q.cfg_read(msi + 2, 2) & ~1, 2)
        if want not in seen:
            return f"MSI enable took the device from MSI-X ({seen})"
    q.cmd(f"writel {tab + 12:#x} 1")               # mask
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")
    seen = wait_msi(qmp, None, 0.5)
    if seen:
        return f"masked vector delivered: {seen}"
    if q.readl(pba) & 1 != 1:
        return f"masked vector not pending in the PBA ({q.readl(pba):#x})"
    q.cmd(f"writel {tab + 12:#x} 0")               # unmask
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"pending vector not delivered on unmask ({seen})"
    if q.readl(pba) & 1:
        return "PBA bit still set after delivery"
    q.cfg_write(cap + 2, 0, 2)                     # disable
    q.cmd(f"writel {BAR0 + 0x64:#x} 0xffffffff")   # ack edu
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")            # now an INTx
    time.sleep(0.2)
    if want in qmp.msi_log():
        return "MSI-X message delivered after disable"
    q.cmd(f"writel {BAR0 + 0x64:#x} 0xffffffff")
    # Any guest value in the capability and the table: no crash.
    rnd = random.Random(5)
    for _ in range(200):
        size = rnd.choice((1, 2, 4))
        off = rnd.randrange(0, 12)
        q.cfg_write(cap + off - off % size, rnd.getrandbits(8 * size), size)
        q.cmd(f"writel {tab + rnd.randrange(0, 8 * 16, 4):#x} "
              f"{rnd.getrandbits(32):#x}")
    q.cfg_write(cap + 2, 0, 2)
    if q.readl(BAR0) != 0x010000ed:
        return "device gone after random capability writes"
    # A system reset with MSI-X on: the capability comes back disabled,
    # and MSI-X can be set up again from scratch.
    program(q, tab)
    q.cfg_write(cap + 2, 0x8000, 2)
    qmp.call("system_reset")
    for _ in range(100):
        if not q.cfg_read(0x10) and not q.cfg_read(cap + 2, 2) & 0x8000:
            break
        time.sleep(0.02)
    else:
        return "system_reset left BAR0 or the MSI-X enable bit set"
    q.cfg_write(0x10, BAR0)
    q.cfg_write(0x04, 0x6, 2)
    program(q, tab)
    qmp.msi_log()
    q.cfg_write(cap + 2, 0x8000, 2)
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")
    seen = wait_msi(qmp, want)
    if want not in seen:
        return f"no delivery after system_reset ({seen})"
    q.cfg_write(cap + 2, 0, 2)
    q.cmd(f"writel {BAR0 + 0x64:#x} 0xffffffff")
    q.cmd(f"writel {BAR0 + 0x60:#x} 1")            # INTx again
    time.sleep(0.1)
    # Unplugged with MSI-X on: the table goes with the BAR, nothing leaks.
    q.cmd(f"writel {BAR0 + 0x64:#x} 0xffffffff")
    q.cfg_write(cap + 2, 0x8000, 2)
    qmp.call("device_del", id="msix0")
    for _ in range(100):
        if q.cfg_read(0) == 0xffffffff:
            break
        time.sleep(0.02)
    else:
        return "device_del did not remove the device"
    if q.readl(tab) != 0xffffffff:
        return "the MSI-X table outlived the device"
    return None


def program(q, tab):
    q.cmd(f"writel {tab:#x} {MSI_ADDR:#x}")
    q.cmd(f"writel {tab + 4:#x} 0")
    q.cmd(f"writel {tab + 8:#x} {MSI_DATA:#x}")
    q.cmd(f"writel {tab + 12:#x} 0")


def run(backend, lib, qemu, tmp):
    path = os.path.join(tmp, f"qtest-{backend}.sock")
    qmp_path = os.path.join(tmp, f"qmp-{backend}.sock")
    simlog = os.path.join(tmp, f"{backend}.simlog")
    logpath = os.path.join(tmp, f"{backend}.log")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(60)
    dev = f"vfio-pci,host={HOST},addr={SLOT:#x},id=msix0"
    argv = [qemu, "-M", "q35", "-m", "512M", "-nodefaults",
            "-display", "none", "-qtest", f"unix:{path}",
            "-qmp", f"unix:{qmp_path},server=on,wait=off"]
    if backend == "iommufd":
        argv += ["-object", "iommufd,id=fd0"]
        dev += ",iommufd=fd0"
    else:
        dev += ",iommufd=off"
    argv += ["-device", dev]
    env = dict(os.environ, LD_PRELOAD=lib, VFIO_SIM_LOG=simlog,
               VFIO_SIM_CONFIG=str(HERE / "msix.conf"))
    env.setdefault("ASAN_OPTIONS", "verify_asan_link_order=0")
    why = "not run"
    with open(logpath, "w+") as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
        try:
            conn, _ = srv.accept()
            qmp = Qmp(qmp_path, time.monotonic() + 60)
            why = check(Qtest(conn, SLOT), qmp)
            conn.close()
            qmp.sock.close()
        finally:
            proc.terminate()        # a clean exit writes the sim log
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            srv.close()
    text = Path(logpath).read_text()
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
    lib = os.environ.get("VFIO_SIM_LIB")
    qemu = os.environ.get("QEMU_VFIO_QEMU")
    print("1..2")
    if not lib or not qemu:
        for i, b in enumerate(("legacy", "iommufd"), 1):
            print(f"ok {i} {b} # SKIP VFIO_SIM_LIB or QEMU_VFIO_QEMU unset")
        return 0
    tmp = tempfile.mkdtemp(prefix="vfio-sim-msix-")
    failed = 0
    try:
        for i, backend in enumerate(("legacy", "iommufd"), 1):
            try:
                ok, why = run(backend, os.path.abspath(lib),
                              os.path.abspath(qemu), tmp)
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                ok, why = False, f"{type(e).__name__}: {e}"
            print(f"{'ok' if ok else 'not ok'} {i} {backend}: {why}")
            failed += not ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
