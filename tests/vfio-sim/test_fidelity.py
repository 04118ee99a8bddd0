#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fidelity: uapi-conformance under vfio-sim says what the real kernel said.

For each kernel the simulator can answer as (VFIO_SIM_KERNEL=6.12 and 7.3),
runs that kernel's conformance program (uapi-conformance for 6.12,
uapi-conformance-7.3 for 7.3) with both backends under
LD_PRELOAD=libvfio-sim.so, with the configuration that models each bench
topology, and compares its transcript line by line with the golden
transcript of the same kernel, topology and backend: the one the real
kernel gave in the bench guest, which test_conformance.py checks the real
kernel against too (tests/functional/conformance/golden/<kernel>/).
Timing lines are not part of the transcript file.  Each run must also
leave an empty leak report that names the kernel it was told.  Output is
TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    UAPI_CONFORMANCE=build/tests/functional/conformance/uapi-conformance \\
    UAPI_CONFORMANCE_7_3=build/tests/functional/conformance/uapi-conformance-7.3 \\
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
GOLDEN = HERE.parent / "functional" / "conformance" / "golden"
CASES = (("root-bus", "0000:00:10.0"), ("root-port", "0000:01:00.0"))
BACKENDS = ("legacy", "iommufd")
# kernel -> the environment variable naming its conformance program
PROGRAMS = {"6.12": "UAPI_CONFORMANCE", "7.3": "UAPI_CONFORMANCE_7_3"}
LEAK_KEYS = ("ioas", "hwpt", "mappings", "pinned_bytes", "open_fds",
             "dmabufs")


def run_case(tmp, lib, prog, kernel, topo, bdf, backend):
    """The problems of one run, as lines (none: it agrees)."""
    out = Path(tmp) / f"{kernel}.{topo}.{backend}.txt"
    report = Path(tmp) / f"{kernel}.{topo}.{backend}.report"
    env = dict(os.environ, LD_PRELOAD=os.path.abspath(lib),
               VFIO_SIM_CONFIG=str(HERE / "configs" / f"{topo}.conf"),
               VFIO_SIM_KERNEL=kernel, VFIO_SIM_REPORT=str(report),
               BENCH_DEVICES=bdf)
    r = subprocess.run([prog, "--backend", backend, "--transcript",
                        str(out)], env=env, capture_output=True, text=True,
                       timeout=120)
    golden_file = GOLDEN / kernel / f"{topo}.{backend}.txt"
    try:
        golden = golden_file.read_text().splitlines()
    except OSError as e:
        return [f"no golden transcript {golden_file} ({e.strerror}): "
                f"test_conformance.py --update-golden makes it from the "
                f"real kernel"]
    got = out.read_text().splitlines() if out.exists() else []
    problems = []
    if r.returncode != 0:
        problems.append(f"exit status {r.returncode}: {r.stderr.strip()}")
    if got != golden:
        problems += list(difflib.unified_diff(
            golden, got, f"real kernel {kernel}", f"vfio-sim as {kernel}",
            lineterm=""))
    try:
        leaks = json.loads(report.read_text())
    except (OSError, ValueError):
        leaks = {"report": "missing or unreadable"}
    if leaks.get("kernel") != kernel:
        problems.append(f"the leak report names kernel "
                        f"{leaks.get('kernel')!r}, not {kernel}")
    left = {k: leaks.get(k) for k in LEAK_KEYS if leaks.get(k) != 0}
    if left:
        problems.append(f"leak report not empty: {left}")
    return problems


def main():
    lib = os.environ.get("VFIO_SIM_LIB")
    tap = Tap(len(PROGRAMS) * len(CASES) * len(BACKENDS))
    with tempfile.TemporaryDirectory(prefix="vfio-sim-fidelity-") as tmp:
        for kernel, var in PROGRAMS.items():
            prog = os.environ.get(var)
            for topo, bdf in CASES:
                for backend in BACKENDS:
                    name = (f"{kernel} {topo} {backend}: transcript matches "
                            f"the real kernel")
                    if not lib:
                        tap.result(False, name, "VFIO_SIM_LIB is unset")
                    elif not prog and kernel == "7.3":
                        # as the sim's dma-buf self-tests: the program is
                        # built only where the 7.3 headers are cached
                        tap.skip(name, "uapi-conformance-7.3 not built (no "
                                       "7.3 uAPI headers: make kernels)")
                    elif not prog or not Path(prog).is_file():
                        tap.result(False, name, f"{var} is unset or not a "
                                                f"file: '{prog}'")
                    else:
                        problems = run_case(tmp, lib, prog, kernel, topo,
                                            bdf, backend)
                        tap.result(not problems, name,
                                   "\n".join(problems[:80]))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
