#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run uapi-conformance against the real kernels (6.12, 7.3) in the bench guest.

For each kernel and each of the root-bus, root-port and bridge-group
topologies, one guest boot runs the program twice with each backend
(legacy, iommufd).  On 6.12 the program is uapi-conformance (built against
the distro's 6.12 headers); on 7.3 it is uapi-conformance-7.3, which adds
the dma-buf export of BARs and IOMMU_IOAS_MAP_FILE (memfd and dma-buf,
with their errors) and is built against 7.3's own headers.  Each run must
exit 0 (every expectation held) and the two transcripts of a backend must
be identical: the transcript is the reference a simulated kernel is
compared with, so it must not carry anything that varies between runs.
The transcripts, and what differs between the two kernels' transcripts of
the same topology and backend, are printed as TAP diagnostics.  Output is
TAP.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_conformance.py [--kernel 6.12|7.3]...
        [--topology NAME]...
"""

import argparse
import difflib
import sys

from harness.build_paths import build_with
from harness.guest.guest import run_in_guest
from harness.tap import Tap

PROGRAMS = {
    "6.12": "tests/functional/conformance/uapi-conformance",
    "7.3": "tests/functional/conformance/uapi-conformance-7.3",
}
WHY_MISSING = {
    "7.3": "it is built only when the 7.3 bench kernel's uAPI headers exist "
           "at configure time: run `make kernels` (it builds the kernel and "
           "reconfigures)",
}

# bridge-group adds two functions sharing a bus and a group: no function
# reset, and a hot reset that covers both
TOPOLOGIES = ("root-bus", "root-port", "bridge-group")
BACKENDS = ("legacy", "iommufd")
RUNS = 2

# Each run writes RESULTS_DIR/<backend>.<n>.{txt,err,status}
GUEST_SCRIPT = r"""
prog=$1
for backend in legacy iommufd; do
    for n in 1 2; do
        "$prog" --backend $backend --transcript "$RESULTS_DIR/$backend.$n.txt" \
            >/dev/null 2>"$RESULTS_DIR/$backend.$n.err"
        echo $? > "$RESULTS_DIR/$backend.$n.status"
    done
done
"""


def find_program(kernel):
    try:
        return build_with(PROGRAMS[kernel]) / PROGRAMS[kernel]
    except FileNotFoundError as e:
        why = WHY_MISSING.get(kernel)
        raise FileNotFoundError(f"{e}; {why}" if why else str(e)) from None


def run_kernel(tap, kernel, topologies, transcripts):
    try:
        prog = find_program(kernel)
    except FileNotFoundError as e:
        tap.fail_rest([f"{kernel} {topo} {backend}" for topo in topologies
                       for backend in BACKENDS], str(e))
        return
    for topo in topologies:
        try:
            r = run_in_guest(topo, ["/bin/sh", "-c", GUEST_SCRIPT, "sh",
                                    str(prog)], timeout=600,
                             kernel_series=kernel)
        except Exception as e:
            tap.fail_rest([f"{kernel} {topo} {backend}"
                           for backend in BACKENDS], f"bench failed: {e}")
            continue
        with r:
            tap.diag(f"{kernel} {topo}: devices {r.devices} groups "
                     f"{r.groups} ({r.accel})")
            for backend in BACKENDS:
                with tap.case(f"{kernel} {topo} {backend}: uAPI conformance"):
                    runs = [r.read(f"{backend}.{n}.txt")
                            for n in range(1, RUNS + 1)]
                    statuses = [r.read(f"{backend}.{n}.status").strip()
                                for n in range(1, RUNS + 1)]
                    transcripts[(kernel, topo, backend)] = runs[0]
                    tap.diag(f"--- {kernel} {topo} {backend} transcript ---")
                    tap.diag(runs[0].rstrip())
                    tap.diag(r.read(f"{backend}.1.err").rstrip())
                    assert runs[0], "no transcript was written"
                    assert statuses == ["0"] * RUNS, \
                        f"exit statuses {statuses}, expected 0"
                    if runs[0] != runs[1]:
                        a, b = runs[0].splitlines(), runs[1].splitlines()
                        diff = [f"run1: {x}\nrun2: {y}"
                                for x, y in zip(a, b) if x != y]
                        raise AssertionError(
                            "the transcript differs between runs:\n"
                            + "\n".join(diff[:10]))


def kernel_diff(tap, old, new, topologies, transcripts):
    """What the newer kernel's transcript says differently, as diagnostics."""
    for topo in topologies:
        for backend in BACKENDS:
            a = transcripts.get((old, topo, backend))
            b = transcripts.get((new, topo, backend))
            if a is None or b is None:
                continue
            diff = list(difflib.unified_diff(
                a.splitlines(), b.splitlines(), f"{old}/{topo}.{backend}",
                f"{new}/{topo}.{backend}", n=0, lineterm=""))
            changed = [d for d in diff[2:] if d[:1] in "+-"]
            tap.diag(f"--- {topo} {backend}: {old} -> {new}: "
                     f"{len(changed)} line(s) differ ---")
            tap.diag("\n".join(diff) if diff else "(identical)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", action="append", choices=sorted(PROGRAMS),
                    help="kernel series (default: both)")
    ap.add_argument("--topology", action="append", choices=TOPOLOGIES,
                    help="topology (default: all three)")
    args = ap.parse_args()
    kernels = args.kernel or ["6.12", "7.3"]
    topologies = args.topology or list(TOPOLOGIES)
    tap = Tap(len(kernels) * len(topologies) * len(BACKENDS))
    transcripts = {}
    for kernel in kernels:
        run_kernel(tap, kernel, topologies, transcripts)
    if "6.12" in kernels and "7.3" in kernels:
        kernel_diff(tap, "6.12", "7.3", topologies, transcripts)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
