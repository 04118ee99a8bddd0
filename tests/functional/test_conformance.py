#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run uapi-conformance against the real kernel in the bench guest.

For the root-bus, root-port and bridge-group topologies, one guest boot runs
the program twice with each backend (legacy, iommufd).  Each run must exit 0
(every expectation held) and the two transcripts of a backend must be
identical:
the transcript is the reference a simulated kernel is compared with, so it
must not carry anything that varies between runs.  The transcripts are
printed as TAP diagnostics.  Output is TAP.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_conformance.py
"""

import sys

from harness.build_paths import build_with
from harness.guest.guest import run_in_guest
from harness.tap import Tap

PROGRAM = "tests/functional/conformance/uapi-conformance"

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


def find_program():
    return build_with(PROGRAM) / PROGRAM


def main():
    tap = Tap(len(TOPOLOGIES) * len(BACKENDS))
    try:
        prog = find_program()
    except FileNotFoundError as e:
        for topo in TOPOLOGIES:
            for backend in BACKENDS:
                tap.result(False, f"{topo} {backend}", str(e))
        return tap.finish()

    for topo in TOPOLOGIES:
        try:
            r = run_in_guest(topo, ["/bin/sh", "-c", GUEST_SCRIPT, "sh",
                                    str(prog)], timeout=600)
        except Exception as e:
            for backend in BACKENDS:
                tap.result(False, f"{topo} {backend}", f"bench failed: {e}")
            continue
        with r:
            tap.diag(f"{topo}: devices {r.devices} groups {r.groups} "
                     f"({r.accel})")
            for backend in BACKENDS:
                with tap.case(f"{topo} {backend}: uAPI conformance"):
                    transcripts = [r.read(f"{backend}.{n}.txt")
                                   for n in range(1, RUNS + 1)]
                    statuses = [r.read(f"{backend}.{n}.status").strip()
                                for n in range(1, RUNS + 1)]
                    tap.diag(f"--- {topo} {backend} transcript ---")
                    tap.diag(transcripts[0].rstrip())
                    tap.diag(r.read(f"{backend}.1.err").rstrip())
                    assert transcripts[0], "no transcript was written"
                    assert statuses == ["0"] * RUNS, \
                        f"exit statuses {statuses}, expected 0"
                    if transcripts[0] != transcripts[1]:
                        a = transcripts[0].splitlines()
                        b = transcripts[1].splitlines()
                        diff = [f"run1: {x}\nrun2: {y}"
                                for x, y in zip(a, b) if x != y]
                        raise AssertionError(
                            "the transcript differs between runs:\n"
                            + "\n".join(diff[:10]))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
