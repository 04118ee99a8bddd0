#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-pci end to end on the real kernel: ours and the peer, one guest.

One bench guest (root-bus topology: edu on the root bus, bound to vfio-pci)
runs the e2e scenario (tests/scenarios/e2e/e2e_driver.py; the simulator
runs the same one in the sim suite), which launches our qemu-system-x86_64 with the device
assigned in every backend configuration (iommufd=off, on, auto, an
iommufd object and the device cdev passed as inherited fds, and auto with
/dev/iommu hidden in a mount namespace), then the peer (Debian's QEMU 10)
with the legacy and the iommufd backend, and drives each one as its guest
and its management would: config read, backend property, BAR0 liveness,
edu DMA RAM -> device -> RAM, INTx, MSI, unplug and re-plug.  Then it
measures time-to-ready (launch until the first config read is answered)
of ours and the peer alternately, and the raw-uAPI map floor of the same
RAM size.  Everything compared is measured in the same boot.

Output is TAP: one case per configuration and check; the peer's unplug
from its root bus (which QEMU refuses) is a skip.  The timing table is
printed as diagnostics, with no assertion on it.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_e2e.py
"""

import json
import sys
from pathlib import Path

from harness.build_paths import build_with
from harness.guest.guest import run_in_guest
from harness.tap import Tap
from scenarios.e2e.launch import guest_command, plan, report, ttr_table


def build_root():
    try:
        return build_with("qemu-system-x86_64")
    except FileNotFoundError:
        return None


def main():
    cases = plan() + 1
    tap = Tap(cases)
    root = build_root()
    if not root:
        tap.fail_rest(["qemu-system-x86_64 is not built"] * cases,
                      "run ninja in a build tree; set QEMU_VFIO_BUILD_ROOT")
        return tap.finish()
    try:
        r = run_in_guest("root-bus",
                         guest_command(root, "/run/results/e2e.json"),
                         timeout=900, mem="2G")
    except Exception as e:
        tap.fail_rest(["bench guest"] * cases, f"bench failed: {e}")
        return tap.finish()
    with r:
        tap.diag(f"guest: {r.accel}, device {' '.join(r.devices)}, "
                 f"boot-to-command {r.timings.get('boot_to_command', -1):.1f}"
                 f" s, wall {r.timings['wall']:.1f} s")
        try:
            result = json.loads((Path(r.results_dir) / "e2e.json")
                                .read_text())
        except (OSError, ValueError) as e:
            result = {"runs": []}
            tap.diag(f"no results from the guest ({e}); status {r.status}")
            tap.diag(r.output[-3000:])
    report(tap, result)
    with tap.case("time-to-ready measured for ours, the peer and the "
                  "floor, each backend"):
        table, rows = ttr_table(result)
        tap.diag(table)
        for rec in result.get("ttr", []) + result.get("floors", []):
            if "error" in rec:
                tap.diag(f"error: {rec}")
        for backend, (o, p, fs, ft, _, _) in rows.items():
            assert o is not None and p is not None and fs is not None, \
                f"{backend}: a figure is missing"
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
