#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run uapi-conformance against the real kernels (6.12, 7.3) in the bench guest.

For each kernel and each of the root-bus, root-port and bridge-group
topologies, one guest boot runs the program twice with each backend
(legacy, iommufd).  On 6.12 the program is uapi-conformance (built against
the distro's 6.12 headers); on 7.3 it is uapi-conformance-7.3, which adds
the dma-buf export of BARs and IOMMU_IOAS_MAP_FILE (memfd and dma-buf,
with their errors) and is built against 7.3's own headers.  Each run must
exit 0 (every expectation held), the two transcripts of a backend must be
identical (nothing in them may vary between runs), and the transcript must
equal the golden one checked in for that kernel:

    tests/functional/conformance/golden/<kernel>/<topology>.<backend>.txt

A kernel that answers differently from its golden transcript fails the
case with a unified diff (golden -> this run); so does a missing golden
file.  The simulator's fidelity test (tests/vfio-sim/test_fidelity.py)
compares its own transcripts with the same files.  What differs between
the two kernels' transcripts of a topology and backend is printed as TAP
diagnostics.  Output is TAP.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_conformance.py [--kernel 6.12|7.3]...
        [--topology NAME]... [--update-golden]

--update-golden writes each stable, passing run's transcript over its
golden file (review the diff before committing it).
"""

import argparse
import difflib
import sys
from pathlib import Path

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

GOLDEN = Path(__file__).resolve().parent / "conformance" / "golden"

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


def golden_path(kernel, topo, backend):
    return GOLDEN / kernel / f"{topo}.{backend}.txt"


def check_golden(kernel, topo, backend, text, update):
    """Fail with a diff unless text is the kernel's golden transcript."""
    path = golden_path(kernel, topo, backend)
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    try:
        golden = path.read_text()
    except OSError as e:
        raise AssertionError(f"no golden transcript {path} ({e.strerror}): "
                             f"check this run's transcript and store it "
                             f"with --update-golden") from None
    if text != golden:
        diff = list(difflib.unified_diff(
            golden.splitlines(), text.splitlines(),
            f"golden/{kernel}/{path.name}", f"{kernel} now", n=1,
            lineterm=""))
        changed = sum(1 for d in diff[2:] if d[:1] in "+-")
        raise AssertionError(
            f"the {kernel} kernel answers differently from its golden "
            f"transcript ({changed} line(s)):\n" + "\n".join(diff[:80]))


def run_kernel(tap, kernel, topologies, transcripts, update):
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
                    # The transcript in full only where it is news: it
                    # fails, or has no golden one to be compared with.
                    if (statuses != ["0"] * RUNS or not golden_path(
                            kernel, topo, backend).is_file()):
                        tap.diag(f"--- {kernel} {topo} {backend} "
                                 f"transcript ---")
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
                    check_golden(kernel, topo, backend, runs[0], update)


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
    ap.add_argument("--update-golden", action="store_true",
                    help="store each passing, stable transcript as its "
                         "kernel's golden one")
    args = ap.parse_args()
    kernels = args.kernel or ["6.12", "7.3"]
    topologies = args.topology or list(TOPOLOGIES)
    tap = Tap(len(kernels) * len(topologies) * len(BACKENDS))
    transcripts = {}
    for kernel in kernels:
        run_kernel(tap, kernel, topologies, transcripts, args.update_golden)
    if "6.12" in kernels and "7.3" in kernels:
        kernel_diff(tap, "6.12", "7.3", topologies, transcripts)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
