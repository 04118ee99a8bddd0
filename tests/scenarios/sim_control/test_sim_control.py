#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sim_control.py against Debian's QEMU 10 running on the simulator.

For each backend (legacy, iommufd) QEMU runs under LD_PRELOAD=libvfio-sim.so
with one vfio-pci device, VFIO_SIM_CONTROL set, over qtest.  QEMU blocks
SIGUSR1 in every thread, so this is what the socket is for: while QEMU
runs, a snapshot must show guest RAM mapped in the container or IOAS, the
history must hold the maps, and the mapping's vaddr must be the guest's
RAM (a pattern written over qtest is read back through /proc/PID/mem).
Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
        python3 tests/vfio-sim/test_sim_control.py
"""

import os
import sys

from harness import backend_tap
from harness.qemu_client import Qemu
from harness.sim_control import SimControl

QEMU = os.environ.get("VFIO_SIM_PEER", "/usr/bin/qemu-system-x86_64")
RAM = 512 << 20
PROBE = 0x100000                # a guest address inside RAM


def ram_mapping(space):
    """The mapping that holds guest address PROBE, or None."""
    for m in space["mappings"]:
        if m["iova"] <= PROBE < m["iova"] + m["size"]:
            return m
    return None


def run(backend, lib, tmp):
    ctl_path = os.path.join(tmp, f"{backend}.ctl")
    argv = backend_tap.vmm_argv(QEMU, backend,
                                "vfio-pci,host=0000:00:10.0,addr=0x4")
    env = {"LD_PRELOAD": lib, "VFIO_SIM_CONTROL": ctl_path}
    try:
        with Qemu(argv, workdir=tmp, name=backend, env=env) as vm:
            try:
                vm.start()
                vm.wait_running()
                return check(vm, backend, ctl_path)
            finally:
                vm.terminate(10)
    finally:
        if os.path.exists(ctl_path):
            print(f"# {ctl_path} left behind after exit")


def check(vm, backend, ctl_path):
    kind = "container" if backend == "legacy" else "ioas"
    with SimControl(ctl_path) as sim:
        snap = sim.snapshot()
        spaces = [s for s in snap["spaces"]
                  if s["kind"] == kind and ram_mapping(s)]
        if not spaces:
            return False, f"no {kind} maps guest RAM: {snap}"
        space = spaces[0]
        m = ram_mapping(space)
        iovas = [x["iova"] for x in space["mappings"]]
        if iovas != sorted(iovas):
            return False, f"mappings not sorted by iova: {iovas}"
        total = sum(x["size"] for x in space["mappings"] if x["iova"] < RAM)
        if total < RAM - (1 << 20):
            return False, f"only {total:#x} bytes of RAM mapped"
        history = sim.events(0)
        maps = [e for e in history["events"]
                if e["op"] in ("map", "copy") and e["result"] == 0 and
                e["space"]["kind"] == kind]
        if history["seq"] < snap["seq"] or not maps:
            return False, f"history does not hold the maps: {history}"
        if "kernel_ns" not in snap["model"]:
            return False, f"no model totals: {snap['model']}"
    # the mapping's vaddr is the guest's RAM
    pattern = bytes(range(16))
    vm.qtest.memwrite(PROBE, pattern)
    try:
        with open(f"/proc/{vm.proc.pid}/mem", "rb") as mem:
            mem.seek(m["vaddr"] + PROBE - m["iova"])
            seen = mem.read(16)
        if seen != pattern:
            return False, f"vaddr {m['vaddr']:#x} is not guest RAM"
        how = "vaddr is guest RAM (/proc/PID/mem)"
    except OSError as e:
        how = f"vaddr not checked ({e.strerror})"
    return True, (f"{kind} {space['id']}: {len(space['mappings'])} "
                  f"mappings, RAM at {m['iova']:#x}+{m['size']:#x}, "
                  f"{len(maps)} map events; {how}")


def print_log(backend, tmp):
    try:
        text = open(os.path.join(tmp, f"{backend}.log")).read()
        print("# " + text.strip().replace("\n", "\n# "))
    except OSError:
        pass


def main():
    return backend_tap.run_on_sim(run, QEMU, prefix="vfio-sim-control-",
                                  on_failure=print_log)


if __name__ == "__main__":
    sys.exit(main())
