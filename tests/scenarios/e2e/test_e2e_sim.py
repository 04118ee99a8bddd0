#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The e2e scenario on the simulated kernel: ours and the peer.

Runs e2e_driver.py (next to this file; tests/functional/test_e2e.py runs
it in the bench guest on the real kernel) on the host, with every VMM it
starts under LD_PRELOAD=libvfio-sim.so and the simulator's built-in edu at
0000:00:10.0: our qemu-system-x86_64 with iommufd=off, on and auto, and
the peer (Debian's QEMU 10, /usr/bin/qemu-system-x86_64 or E2E_PEER) with
the legacy and the iommufd backend.  The checks are the real kernel's
(config, backend, BAR0, DMA, INTx, MSI, second user, unplug and re-plug),
judged by the same report(); here a failure of the peer fails the test.
(No leak report: each launch quits with the device re-plugged, and what a
process holds at exit is the kernel's to release.)

Not here: the configurations that need the real kernel's /dev (ours with
pre-opened fds, which this process would have to open through the
simulator, and auto with /dev/iommu hidden in a mount namespace), and the
time-to-ready and map-floor measurements.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \\
        python3 tests/scenarios/e2e/test_e2e_sim.py
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
from scenarios.e2e.launch import driver_command, plan, report

CONFIGS = ("ours-legacy", "ours-on", "ours-auto", "peer-legacy",
           "peer-iommufd")
HOST = "0000:00:10.0"       # the simulator's default edu
PEER = os.environ.get("E2E_PEER", "/usr/bin/qemu-system-x86_64")


def main():
    tap = Tap(plan(CONFIGS))
    try:
        lib, qemu = simulator_and_vmm()
        if not Path(PEER).is_file():
            raise FileNotFoundError(f"the peer {PEER} is not installed "
                                    f"(scripts/install-deps.sh)")
    except FileNotFoundError as e:
        tap.fail_rest([f"e2e case {i + 1}"
                       for i in range(plan(CONFIGS))], str(e))
        return tap.finish()
    tmp = tempfile.mkdtemp(prefix="sim-e2e-")
    try:
        out = Path(tmp) / "e2e.json"
        env = dict(os.environ, TMPDIR=tmp,
                   E2E_QEMU_PRELOAD=str(Path(lib).resolve()),
                   E2E_QTEST_LOG="none")
        for var in ("LD_PRELOAD", "VFIO_SIM_CONFIG", "VFIO_SIM_REPORT"):
            env.pop(var, None)
        p = subprocess.run(driver_command(
                               sys.executable, Path(qemu).resolve(), out,
                               CONFIGS, repeat=0, trace=False, device=HOST,
                               peer=PEER),
                           env=env, capture_output=True, text=True,
                           timeout=600)
        tap.diag(p.stdout.strip())
        try:
            result = json.loads(out.read_text())
        except (OSError, ValueError) as e:
            tap.diag(f"no results from the driver ({e}), status "
                     f"{p.returncode}: {p.stderr.strip()[-3000:]}")
            result = {"runs": []}
        report(tap, result, CONFIGS, peer_todo=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
