#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Refusals of vfio-pci on the simulated kernel, message by message.

Our qemu-system-x86_64 under LD_PRELOAD=libvfio-sim.so (the default
configuration: edu at 0000:00:10.0, group 3, cdev vfio0):

- one host device assigned twice, at start-up, with every backend mix
  and both ways of naming it (host=, sysfsdev=): exit 1 and one line
  naming the device and its first user; over QMP too, while the first
  user's unplug is still pending (behind a root port, the guest has not
  answered);
- a RAM mapping refused at attach (the host allows one mapping, and a
  RAM BAR of another device is mapped already): one "vfio DEV:" prefix
  and a singular "mapping";
- the hostdev options libvirt writes: rombar=0, romfile= (empty) and
  x-vga=off are accepted (the guest sees no expansion ROM); romfile=FILE,
  bootindex and x-vga=on are refused with the reason.

Every message is compared verbatim.  Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    QEMU_VFIO_QEMU=build/qemu-system-x86_64 \\
        PYTHONPATH=tests python3 tests/scenarios/assignment/test_assignment_errors.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.build_paths import simulator_and_vmm
from harness.qemu_client import Qemu, QmpError
from harness.tap import Tap

P = "qemu-system-x86_64: "
HOST = "0000:00:10.0"
SYSFS = f"/sys/bus/pci/devices/{HOST}"
BASE = ["-M", "q35", "-m", "256M", "-display", "none", "-nodefaults"]
IOMMUFD = ["-object", "iommufd,id=fd0"]

# (name, extra argv, the first line of stderr)
STARTUP = [
    ("legacy twice",
     ["-device", f"vfio-pci,host={HOST},iommufd=off,id=a",
      "-device", f"vfio-pci,host={HOST},iommufd=off,id=b"],
     P + f"-device vfio-pci,host={HOST},iommufd=off,id=b: vfio {HOST}: the "
     "host device is already assigned to 'a'"),
    ("auto twice",
     ["-device", f"vfio-pci,host={HOST},id=a",
      "-device", f"vfio-pci,host={HOST},id=b"],
     P + f"-device vfio-pci,host={HOST},id=b: vfio {HOST}: the host device "
     "is already assigned to 'a'"),
    ("iommufd, then legacy through sysfsdev=",
     IOMMUFD + ["-device", f"vfio-pci,host={HOST},iommufd=fd0,id=a",
                "-device", f"vfio-pci,sysfsdev={SYSFS},iommufd=off,id=b"],
     P + f"-device vfio-pci,sysfsdev={SYSFS},iommufd=off,id=b: vfio {HOST}: "
     "the host device is already assigned to 'a'"),
    ("legacy, then iommufd with a short address, no id",
     IOMMUFD + ["-device", f"vfio-pci,host={HOST},iommufd=off",
                "-device", "vfio-pci,host=00:10.0,iommufd=fd0"],
     P + f"-device vfio-pci,host=00:10.0,iommufd=fd0: vfio {HOST}: the host "
     "device is already assigned to '/machine/peripheral-anon/device[0]'"),
    ("romfile=FILE",
     ["-device", f"vfio-pci,host={HOST},romfile=/tmp/x.rom"],
     P + f"-device vfio-pci,host={HOST},romfile=/tmp/x.rom: vfio {HOST}: "
     "romfile='/tmp/x.rom': an option ROM from a file is not supported "
     "(rombar=0 hides the device's own ROM)"),
    ("bootindex",
     ["-device", f"vfio-pci,host={HOST},bootindex=1"],
     P + f"-device vfio-pci,host={HOST},bootindex=1: vfio {HOST}: "
     "bootindex=1: this machine has no firmware boot order (it starts the "
     "-kernel image directly)"),
    ("x-vga=on",
     ["-device", f"vfio-pci,host={HOST},x-vga=on"],
     P + f"-device vfio-pci,host={HOST},x-vga=on: vfio {HOST}: x-vga=on: "
     "VGA passthrough is not supported (the machine has no legacy VGA "
     "ranges to forward)"),
]

ONE_MAPPING = """[iommu]
iova-ranges=0x0-0xfedfffff;0xfef00000-0xffffffffffff
dma-avail=1
[device 0000:00:10.0]
group=3
cdev=0
"""


def startup_error(qemu, lib, argv, tmp):
    """(exit status, first line of stderr) of a start-up that must fail."""
    e = dict(os.environ, LD_PRELOAD=str(lib))
    try:
        r = subprocess.run([str(qemu), *BASE, *argv, "-qtest", "null",
                            "-qtest-log", "none"],
                           env=e, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30,
                           cwd=tmp)
    except subprocess.TimeoutExpired:
        return None, "QEMU started instead of refusing"
    return r.returncode, (r.stderr.splitlines() or ["(nothing)"])[0]


def check_startup(qemu, lib, tmp, name, argv, want):
    status, line = startup_error(qemu, lib, argv, tmp)
    if status == 1 and line == want:
        return True, name
    return False, f"{name}: exit {status}, stderr {line!r}, want {want!r}"


def vmm(qemu, lib, tmp, name, argv, env=None):
    vm = Qemu([str(qemu), *BASE, *argv], workdir=tmp, name=name,
              env=dict({"LD_PRELOAD": str(lib)}, **(env or {})))
    try:
        vm.start()
        vm.wait_running()
    except BaseException:
        vm.close()
        raise
    return vm


def expect_qmp_error(vm, want, **args):
    try:
        vm.qmp.cmd("device_add", **args)
    except QmpError as e:
        return e.desc == want, f"device_add: {e.desc!r}, want {want!r}"
    return False, "device_add succeeded"


def check_pending_unplug(qemu, lib, tmp):
    """device_add of a host device whose first user is being unplugged."""
    vm = vmm(qemu, lib, tmp, "unplug", [
        "-device", "pcie-root-port,id=rp0,chassis=1,slot=1,addr=02.0",
        "-device", f"vfio-pci,host={HOST},bus=rp0,id=hd0"])
    try:
        vm.qmp.cmd("device_del", id="hd0")     # the guest never answers
        for backend in ("off", "on"):
            ok, why = expect_qmp_error(
                vm, f"vfio {HOST}: the host device is already assigned to "
                "'hd0'", driver="vfio-pci", id=f"again-{backend}",
                host=HOST, iommufd=backend)
            if not ok:
                return False, f"iommufd={backend}: {why}"
        return True, "device_add while the first user's unplug is pending"
    finally:
        vm.close()


def check_mapping_limit(qemu, lib, tmp):
    """One "vfio DEV:" prefix and a singular noun (dma-avail=1)."""
    conf = Path(tmp) / "one-mapping.conf"
    conf.write_text(ONE_MAPPING)
    vm = vmm(qemu, lib, tmp, "limit",
             ["-device", "pci-testdev-dma,addr=06.0,id=td0"],
             env={"VFIO_SIM_CONFIG": str(conf)})
    try:
        td = vm.qtest.pci(6)
        td.cfg_write(0x20, 0xE0000000)          # BAR4, 64-bit RAM
        td.cfg_write(0x24, 0)
        td.cfg_write(0x04, 0x2, 2)
        ok, why = expect_qmp_error(
            vm, f"vfio {HOST}: cannot DMA-map 'testdev-ram64' at IOVA "
            "0xe0000000 size 0x100000: the host allows no more than 1 DMA "
            "mapping", driver="vfio-pci", id="hd0", host=HOST, iommufd="off")
        return ok, why if not ok else "mapping limit at attach: one prefix"
    finally:
        vm.close()


def check_libvirt_accepted(qemu, lib, tmp):
    """rombar=0, romfile= and x-vga=off start; the guest sees no ROM."""
    vm = vmm(qemu, lib, tmp, "libvirt", [
        "-device", f"vfio-pci,host={HOST},addr=04.0,rombar=0,romfile=,"
                   "x-vga=off,id=hd0"])
    try:
        rom = vm.qtest.pci(4)
        rom.cfg_write(0x30, 0xFFFFFFFF)
        got = rom.cfg_read(0x30)
        if got != 0:
            return False, f"ROM BAR reads {got:#x} after sizing, want 0"
        return True, "rombar=0,romfile=,x-vga=off accepted, no ROM"
    finally:
        vm.close()


def main():
    try:
        lib, qemu = (p.resolve() for p in simulator_and_vmm())
    except FileNotFoundError as e:
        tap = Tap(1)
        tap.result(False, "simulator and binary", str(e))
        return tap.finish()
    checks = [lambda tmp, c=c: check_startup(qemu, lib, tmp, *c)
              for c in STARTUP]
    checks += [lambda tmp: check_pending_unplug(qemu, lib, tmp),
               lambda tmp: check_mapping_limit(qemu, lib, tmp),
               lambda tmp: check_libvirt_accepted(qemu, lib, tmp)]
    tap = Tap(len(checks))
    tmp = tempfile.mkdtemp(prefix="assign-")
    try:
        for check in checks:
            try:
                ok, why = check(tmp)
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                ok, why = False, f"{type(e).__name__}: {e}"
            first, _, rest = why.partition("\n")
            tap.result(ok, first, rest or None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
