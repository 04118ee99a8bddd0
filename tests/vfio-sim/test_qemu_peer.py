#!/usr/bin/env python3
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
        python3 tests/vfio-sim/test_qemu_peer.py
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from qtest_client import Qtest

QEMU = os.environ.get("VFIO_SIM_PEER", "/usr/bin/qemu-system-x86_64")
HOST = "0000:00:10.0"
SLOT = 4                        # the guest slot the test puts it in
BAR0 = 0xfe000000
RAM_SRC = 0x100000
RAM_DST = 0x102000


def wait_running(path, deadline):
    """Waits, over QMP, until QEMU's start-up is over (status 'running').

    QEMU may service the qtest socket while it is still initializing, and
    its start-up system reset would then undo the test's first writes.
    """
    while True:
        try:
            qmp = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            qmp.connect(path)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    f = qmp.makefile("rw")
    f.readline()                        # greeting
    f.write('{"execute": "qmp_capabilities"}\n')
    f.flush()
    f.readline()
    while time.monotonic() < deadline:
        f.write('{"execute": "query-status"}\n')
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply:
                break
        if reply["return"].get("status") == "running":
            return qmp
        time.sleep(0.05)
    raise TimeoutError("QEMU did not reach 'running'")


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
    path = os.path.join(tmp, f"qtest-{backend}.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(60)
    dev = f"vfio-pci,host={HOST},addr={SLOT:#x}"
    qmp_path = os.path.join(tmp, f"qmp-{backend}.sock")
    argv = [QEMU, "-M", "q35", "-m", "512M", "-nodefaults",
            "-display", "none", "-qtest", f"unix:{path}",
            "-qmp", f"unix:{qmp_path},server=on,wait=off"]
    if backend == "iommufd":
        argv += ["-object", "iommufd,id=fd0"]
        dev += ",iommufd=fd0"
    argv += ["-device", dev]
    env = dict(os.environ, LD_PRELOAD=lib,
               VFIO_SIM_REPORT=os.path.join(tmp, f"{backend}.report"),
               VFIO_SIM_LOG=os.path.join(tmp, f"{backend}.simlog"))
    log = open(os.path.join(tmp, f"{backend}.log"), "w+")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    try:
        conn, _ = srv.accept()
        qmp = wait_running(qmp_path, time.monotonic() + 60)
        q = Qtest(conn, SLOT)
        id0 = q.cfg_settle(0, 0x11e81234)
        if id0 != 0x11e81234:
            return False, f"config dword 0 = {id0:#x}, expected 0x11e81234"
        if q.cfg_settle(0x10, BAR0, write=BAR0) != BAR0:
            return False, "BAR0 cannot be placed"
        if q.cfg_settle(0x04, 0x00100006, write=0x6) & 0x6 != 0x6:
            return False, "memory and bus mastering cannot be enabled"
        ident = int(q.cmd(f"readl {BAR0:#x}"), 16)
        if ident != 0x010000ed:
            return False, f"edu identification = {ident:#x}"
        q.cmd(f"writel {BAR0 + 4:#x} 0x12345678")
        live = int(q.cmd(f"readl {BAR0 + 4:#x}"), 16)
        if live != 0xedcba987:
            return False, f"edu liveness = {live:#x}"
        pattern = bytes((i * 7 + 5) & 0xff for i in range(256))
        q.cmd(f"write {RAM_SRC:#x} 256 0x{pattern.hex()}")
        for src, dst, cmd in ((RAM_SRC, 0x40000, 1), (0x40000, RAM_DST, 3)):
            q.cmd(f"writeq {BAR0 + 0x80:#x} {src:#x}")
            q.cmd(f"writeq {BAR0 + 0x88:#x} {dst:#x}")
            q.cmd(f"writeq {BAR0 + 0x90:#x} 256")
            q.cmd(f"writeq {BAR0 + 0x98:#x} {cmd:#x}")
            for _ in range(100):
                if not int(q.cmd(f"readq {BAR0 + 0x98:#x}"), 16) & 1:
                    break
                time.sleep(0.01)
        back = q.cmd(f"read {RAM_DST:#x} 256")
        if bytes.fromhex(back[2:]) != pattern:
            return False, "DMA round trip: the data differs"
        conn.close()
        qmp.close()
        return True, "config 0x11e81234, BAR0 answers, DMA round trip verified"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        srv.close()
        log.close()


def main():
    lib = os.environ.get("VFIO_SIM_LIB")
    print("1..2")
    if not os.path.exists(QEMU) or not lib:
        for i, b in enumerate(("legacy", "iommufd"), 1):
            print(f"ok {i} {b} # SKIP no {QEMU} or VFIO_SIM_LIB unset")
        return 0
    tmp = tempfile.mkdtemp(prefix="vfio-sim-peer-")
    failed = 0
    try:
        for i, backend in enumerate(("legacy", "iommufd"), 1):
            try:
                ok, why = run(backend, os.path.abspath(lib), tmp)
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                ok, why = False, f"{type(e).__name__}: {e}"
            print(f"{'ok' if ok else 'not ok'} {i} {backend}: {why}")
            failed += not ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
