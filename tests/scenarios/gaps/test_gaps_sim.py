#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Assignment gaps on the simulated kernel: reset, groups, p2p, hotplug, IOAS copy.

Runs gaps_driver.py (next to this file) on the host with our
qemu-system-x86_64 under LD_PRELOAD=libvfio-sim.so, one configuration of
configs/ per scenario, and checks the results with gaps_checks.py plus the
simulator's leak report where the scenario ends with nothing assigned.
Unlike the edu of the bench's QEMU, the simulated edu clears its registers
on reset, so the reset checks require that here.  Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/scenarios/gaps/test_gaps_sim.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.build_paths import simulator_and_vmm
from harness.tap import Tap
from scenarios.gaps import gaps_checks as C

HERE = Path(__file__).resolve().parent

BOTH = ("legacy", "iommufd")
ROOT_PORT = "0000:01:00.0"
PAIR = "0000:02:01.0,0000:02:02.0"


def _cleared(check):
    return lambda r, rep: check(r, registers_cleared=True)


def _plain(check):
    return lambda r, rep: check(r)


def _hotplug(r, rep):
    C.check_hotplug(r, fds=False)
    C.check_leak_report(rep)


P2P_PAIR = "0000:01:00.0,0000:02:00.0"
P2P_CYCLES = 100
# the simulator's own configurations of two edus behind root ports
P2P_7_3 = "../../../vfio-sim/configs/p2p-7.3"
P2P_6_12 = "../../../vfio-sim/configs/p2p-6.12"


REVOKE_7_3 = "revoke-7.3"
FLR_7_3 = "flr-7.3"
REVOKE_CYCLES = 5
# the cases that need the simulator's dma-buf support
DMABUF_CONFIGS = (P2P_7_3, REVOKE_7_3, FLR_7_3)


def _ram_by_file(by_file):
    def check(r, rep):
        C.check_ram_by_file(r, by_file=by_file)
        C.check_leak_report(rep)
    return check


def _revoke(r, rep):
    C.check_revoke(r)


def _p2p(p2p, cycles):
    def check(r, rep):
        C.check_p2p(r, p2p=p2p, cycles=cycles)
        C.check_leak_report(rep)
    return check


# (name, config, scenario, backend, devices, driver flags, check(r, report))
CASES = [
    *[(f"reset {b}: device reset by system_reset and a guest bus reset",
       "root-port", "reset", b, ROOT_PORT, [], _cleared(C.check_reset))
      for b in BOTH],
    *[(f"hot reset {b}: two functions on one bus, both ours",
       "bridge-group", "hotreset", b, PAIR, [], _cleared(C.check_hotreset))
      for b in BOTH],
    *[(f"no reset {b}: root bus, one warning", "root-bus", "noreset", b,
       "0000:00:10.0", [], _plain(C.check_noreset)) for b in BOTH],
    *[(f"refused hot reset {b}: names the device that is not ours",
       "shared-bus", "noreset", b, ROOT_PORT, [],
       lambda r, rep: C.check_refused_reset(r, "0000:01:00.1"))
      for b in BOTH],
    *[(f"group {b}: one container, refusals, rejoin without mapping",
       "bridge-group", "group", b, PAIR, [], _plain(C.check_group))
      for b in BOTH],
    *[(f"x-p2p=off {b}: no BAR mapped, DMA works", "root-bus", "nop2p", b,
       "0000:00:10.0", [], _plain(C.check_nop2p)) for b in BOTH],
    ("IOAS copy: incompatible domains get a second IOAS filled by copy",
     "two-groups-incompatible", "copy", "iommufd",
     "0000:01:00.0,0000:02:00.0", ["--no-force"], _plain(C.check_copy)),
    *[(f"p2p {b} on 7.3: A's DMA reaches B's register, {P2P_CYCLES} rounds "
       "of move/decode/reset/replug leak nothing", P2P_7_3, "p2p", b,
       P2P_PAIR, ["--cycles", str(P2P_CYCLES)], _p2p(True, P2P_CYCLES))
      for b in BOTH],
    ("p2p iommufd on 6.12: one warning per device, DMA to RAM works",
     P2P_6_12, "p2p", "iommufd", P2P_PAIR, ["--cycles", "2"],
     _p2p(False, 2)),
    ("p2p legacy on 6.12: type1 maps the BAR mmap", P2P_6_12, "p2p",
     "legacy", P2P_PAIR, ["--cycles", "2"], _p2p(True, 2)),
    ("RAM by file on 7.3: memfd RAM mapped with IOMMU_IOAS_MAP_FILE, "
     "p2p and DMA work", P2P_7_3, "p2p", "iommufd", P2P_PAIR,
     ["--ram", "memfd", "--cycles", "2"], _ram_by_file(True)),
    ("RAM by file on 6.12: memfd RAM mapped by address", P2P_6_12, "p2p",
     "iommufd", P2P_PAIR, ["--ram", "memfd"], _ram_by_file(False)),
    (f"revoke on 7.3: a bus reset of A revokes B's dma-buf while B decodes; "
     f"the mapping is made again, {REVOKE_CYCLES} times", REVOKE_7_3,
     "revoke", "iommufd", PAIR, ["--cycles", str(REVOKE_CYCLES)],
     _revoke),
    *[(f"revoke {b} on 7.3, B in a container of its own: the reset of A's "
       f"bus reaches B there too, {REVOKE_CYCLES} times", REVOKE_7_3,
       "revoke", b, PAIR, ["--b-separate", "--cycles", str(REVOKE_CYCLES)],
       _revoke) for b in BOTH],
    ("revoke on 7.3, B to D3hot and back to D0 with its decoding on: the "
     f"mapping is made again, {REVOKE_CYCLES} times", REVOKE_7_3, "revoke",
     "iommufd", PAIR, ["--b-d3", "--cycles", str(REVOKE_CYCLES)],
     lambda r, rep: C.check_revoke_d3(r)),
    (f"FLR on 7.3: the guest resets B through its PCIe capability with "
     f"its decoding on; the mapping is made again, {REVOKE_CYCLES} times",
     FLR_7_3, "flr", "iommufd", P2P_PAIR, ["--cycles", str(REVOKE_CYCLES)],
     lambda r, rep: C.check_flr(r)),
    *[(f"revoke on 7.3, A {a} and B {b}: the kernel cannot reset both, "
       f"each device's warning names the other, B untouched", REVOKE_7_3,
       "revoke", a, PAIR, ["--b-backend", b, "--cycles", "2"],
       lambda r, rep: C.check_revoke_refused(r))
      for a, b in (("iommufd", "legacy"), ("legacy", "iommufd"))],
    *[(f"hotplug {b}: device_add/device_del/object-del leave nothing",
       "root-port", "hotplug", b, ROOT_PORT, ["--no-fd-passing"], _hotplug)
      for b in BOTH],
]


def run_case(tmp, lib, qemu, case):
    name, config, scenario, backend, devices, flags, _ = case
    out = Path(tmp) / f"{scenario}-{backend}-{Path(config).name}.json"
    env = dict(os.environ,
               GAPS_QEMU_PRELOAD=str(lib),
               VFIO_SIM_CONFIG=str(HERE / "configs" / f"{config}.conf"),
               VFIO_SIM_REPORT=str(Path(tmp) / "report-%p.json"))
    env.pop("LD_PRELOAD", None)
    p = subprocess.run([sys.executable, str(HERE / "gaps_driver.py"),
                        "--qemu", str(qemu), "--scenario", scenario,
                        "--backend", backend, "--devices", devices,
                        "--out", str(out), *flags],
                       env=env, capture_output=True, text=True, timeout=300)
    if not out.is_file():
        raise AssertionError(f"no result: {p.stdout}{p.stderr}")
    r = json.loads(out.read_text())
    report_path = Path(tmp) / f"report-{r.get('pid')}.json"
    report = json.loads(report_path.read_text()) \
        if report_path.is_file() else None
    return r, report


def main():
    tap = Tap(len(CASES))
    try:
        lib, qemu = simulator_and_vmm()
    except FileNotFoundError as e:
        tap.fail_rest([case[0] for case in CASES], str(e))
        return tap.finish()
    tmp = tempfile.mkdtemp(prefix="sim-scenarios-")
    try:
        for case in CASES:
            if case[1] in DMABUF_CONFIGS and \
                    os.environ.get("VFIO_SIM_DMABUF") != "1":
                tap.skip(case[0], "built without the dma-buf uAPI headers")
                continue
            with tap.case(case[0]):
                r, report = run_case(tmp, lib, qemu, case)
                tap.diag(C.summary(r))
                if report is not None:
                    tap.diag(f"leak report: {report}")
                case[-1](r, report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
