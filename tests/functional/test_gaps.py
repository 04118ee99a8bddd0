#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Assignment gaps on the real kernel: reset, groups, BAR p2p, hotplug, IOAS copy.

Boots the bench guest three times (see BOOTS) and runs our
qemu-system-x86_64 in it with tests/scenarios/gaps/gaps_driver.py, which plays the guest over
qtest and the management layer over QMP; gaps_checks.py says what each
scenario must have measured.  Output is TAP; each result's facts are shown
as diagnostics.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        [GAPS_TOPOLOGIES=root-port,...] python3 tests/functional/test_gaps.py
"""

import json
import os
import shlex
import sys
from pathlib import Path

from harness.build_paths import build_with
from harness.guest.guest import run_in_guest
from harness.tap import Tap
from scenarios.gaps import gaps_checks as C

HERE = Path(__file__).resolve().parent
DRIVER = HERE.parent / "scenarios" / "gaps" / "gaps_driver.py"

BOTH = ("legacy", "iommufd")

# (topology, extra QEMU arguments for the bench, runs).  A run is
# (scenario, backend, device indices in BENCH_DEVICES, driver flags, check).
# two-groups gets a third edu on the root bus (BDF 00:12.0, sorted first):
# the device without any reset.
BOOTS = (
    ("root-port", (), [
        *[("reset", b, "1", "", lambda r: C.check_reset(r)) for b in BOTH],
        *[("hotplug", b, "1", "", C.check_hotplug) for b in BOTH],
        *[("nop2p", b, "1", "", C.check_nop2p) for b in BOTH],
    ]),
    ("bridge-group", (), [
        *[("hotreset", b, "1,2", "", lambda r: C.check_hotreset(r))
          for b in BOTH],
        *[("group", b, "1,2", "", C.check_group) for b in BOTH],
    ]),
    ("two-groups", ("-device", "edu,bus=pcie.0,addr=0x12"), [
        *[("noreset", b, "1", "", C.check_noreset) for b in BOTH],
        ("copy", "iommufd", "2,3", "", C.check_copy),
    ]),
)


def find_qemu():
    return build_with("qemu-system-x86_64") / "qemu-system-x86_64"


def guest_script(qemu, runs):
    lines = ["set -- $BENCH_DEVICES"]
    for scenario, backend, idx, flags, _ in runs:
        devs = ",".join(f"${{{i}}}" for i in idx.split(","))
        out = f"$RESULTS_DIR/{scenario}.{backend}.json"
        lines.append(
            f"python3 {shlex.quote(str(DRIVER))} "
            f"--qemu {shlex.quote(str(qemu))} --scenario {scenario} "
            f"--backend {backend} --devices {devs} --out {out} {flags} "
            f">>$RESULTS_DIR/driver.log 2>&1")
    return "\n".join(lines) + "\n"


def case_name(topo, scenario, backend):
    return f"{topo} {scenario} {backend}"


def main():
    # GAPS_TOPOLOGIES=a,b runs only those boots (to re-check one by hand)
    only = os.environ.get("GAPS_TOPOLOGIES")
    boots = [b for b in BOOTS if not only or b[0] in only.split(",")]
    total = sum(len(runs) for _, _, runs in boots)
    tap = Tap(total)
    try:
        qemu = find_qemu()
    except FileNotFoundError as e:
        tap.fail_rest([case_name(topo, s, b) for topo, _, runs in boots
                       for s, b, *_ in runs], str(e))
        return tap.finish()

    for topo, extra, runs in boots:
        try:
            r = run_in_guest(topo, ["/bin/sh", "-c", guest_script(qemu, runs)],
                             timeout=900, extra_qemu_args=extra)
        except Exception as e:      # noqa: BLE001 (reported as TAP)
            tap.fail_rest([case_name(topo, s, b) for s, b, *_ in runs],
                          f"bench failed: {e}")
            continue
        with r:
            res = Path(r.results_dir)
            tap.diag(f"{topo}: devices {r.devices} groups {r.groups} "
                     f"({r.accel})")
            for scenario, backend, _, _, check in runs:
                with tap.case(case_name(topo, scenario, backend)):
                    path = res / f"{scenario}.{backend}.json"
                    if not path.is_file():
                        log = (res / "driver.log")
                        raise AssertionError(
                            "no result; driver log:\n" +
                            (log.read_text() if log.is_file() else ""))
                    data = json.loads(path.read_text())
                    tap.diag(C.summary(data))
                    check(data)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
