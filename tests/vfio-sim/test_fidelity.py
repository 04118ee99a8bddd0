#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fidelity: uapi-conformance under vfio-sim says what the real kernel said.

Runs the conformance program (both backends) under LD_PRELOAD=libvfio-sim.so
with the configuration that models each bench topology, and compares its
transcript line by line with the golden transcript captured from the real
kernel (tests/vfio-sim/golden/, see capture-golden.py).  Timing lines are
not part of the transcript file.  Each run must also leave an empty leak
report.  Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    UAPI_CONFORMANCE=build/tests/functional/conformance/uapi-conformance \\
        python3 tests/vfio-sim/test_fidelity.py
"""

import difflib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.tap import Tap

HERE = Path(__file__).resolve().parent
CASES = (("root-bus", "0000:00:10.0"), ("root-port", "0000:01:00.0"))
BACKENDS = ("legacy", "iommufd")


def main():
    lib = os.environ.get("VFIO_SIM_LIB")
    prog = os.environ.get("UAPI_CONFORMANCE")
    n = len(CASES) * len(BACKENDS)
    tap = Tap(n)
    if not lib or not prog or not Path(prog).is_file():
        for topo, _ in CASES:
            for backend in BACKENDS:
                tap.skip(f"{topo} {backend}",
                         "VFIO_SIM_LIB or UAPI_CONFORMANCE unset")
        return tap.finish()
    with tempfile.TemporaryDirectory(prefix="vfio-sim-fidelity-") as tmp:
        for topo, bdf in CASES:
            for backend in BACKENDS:
                out = Path(tmp) / f"{topo}.{backend}.txt"
                report = Path(tmp) / f"{topo}.{backend}.report"
                env = dict(os.environ, LD_PRELOAD=os.path.abspath(lib),
                           VFIO_SIM_CONFIG=str(HERE / "configs" /
                                               f"{topo}.conf"),
                           VFIO_SIM_REPORT=str(report), BENCH_DEVICES=bdf)
                r = subprocess.run([prog, "--backend", backend,
                                    "--transcript", str(out)], env=env,
                                   capture_output=True, text=True, timeout=120)
                golden = (HERE / "golden" / f"{topo}.{backend}.txt") \
                    .read_text().splitlines()
                got = out.read_text().splitlines() if out.exists() else []
                problems = []
                if r.returncode != 0:
                    problems.append(f"exit status {r.returncode}: "
                                    f"{r.stderr.strip()}")
                if got != golden:
                    problems += list(difflib.unified_diff(
                        golden, got, "real-kernel", "vfio-sim", lineterm=""))
                leaks = json.loads(report.read_text()) if report.exists() \
                    else {"report": "missing"}
                if any(leaks.values()):
                    problems.append(f"leak report not empty: {leaks}")
                name = f"{topo} {backend}: transcript matches the real kernel"
                tap.result(not problems, name, "\n".join(problems[:60]))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
