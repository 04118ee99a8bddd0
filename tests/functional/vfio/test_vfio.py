#!/usr/bin/env python3
"""The VFIO core against the real kernel, in the bench guest.

Runs vfio-edu-dma (tests/functional/vfio/vfio-edu-dma.c) with each backend:
on the root-bus topology with one edu, and on the two-groups topology with
two, the second in a container of its own (iommufd fills it with
IOMMU_IOAS_COPY).  Each run must exit 0; its TAP lines are shown as
diagnostics.  Output is TAP.

    QEMU_VFIO_BUILD_ROOT=build python3 tests/functional/vfio/test_vfio.py
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchlib.guest import run_in_guest  # noqa: E402
from benchlib.tap import Tap  # noqa: E402

TOPOLOGIES = ("root-bus", "two-groups")
BACKENDS = ("legacy", "iommufd")

GUEST_SCRIPT = r"""
prog=$1
for backend in legacy iommufd; do
    "$prog" --backend $backend $BENCH_DEVICES \
        >"$RESULTS_DIR/$backend.out" 2>&1
    echo $? > "$RESULTS_DIR/$backend.status"
done
"""


def find_program():
    build = os.environ.get("QEMU_VFIO_BUILD_ROOT")
    candidates = [Path(build)] if build else []
    candidates += sorted(HERE.parent.parent.parent.glob("build*"))
    for root in candidates:
        prog = root / "tests/functional/vfio/vfio-edu-dma"
        if prog.is_file():
            return prog
    raise FileNotFoundError("vfio-edu-dma is not built: run ninja in a build "
                            "tree and set QEMU_VFIO_BUILD_ROOT to it")


def read(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


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
                with tap.case(f"{topo} {backend}: attach, map, edu DMA, "
                              f"teardown"):
                    res = Path(r.results_dir)
                    out = read(res / f"{backend}.out")
                    status = read(res / f"{backend}.status").strip()
                    tap.diag(out.rstrip())
                    assert out, "the program printed nothing"
                    assert status == "0", f"exit status {status}, expected 0"
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
