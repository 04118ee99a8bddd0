#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture the golden uapi-conformance transcripts from the real kernel.

Boots the bench guest (tests/harness/guest) once per topology and runs
uapi-conformance with both backends; stores the transcripts, plus the guest's
device BDF, IOMMU group and sysfs facts the simulator must reproduce, in
tests/vfio-sim/golden/<topology>.<backend>.txt and <topology>.facts.

    python3 tests/vfio-sim/capture-golden.py BUILD_DIR [TOPOLOGY...]

Default topologies: root-bus root-port.  See docs/devel/vfio-sim.rst.
"""

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A program, not a test: it puts tests/ on the path itself.
sys.path.insert(0, str(HERE.parent))

from harness.guest.guest import run_in_guest  # noqa: E402

GUEST_SCRIPT = r"""
prog=$1
dev=${BENCH_DEVICES%% *}
for backend in legacy iommufd; do
    "$prog" --backend $backend --transcript "$RESULTS_DIR/$backend.txt" \
        >/dev/null 2>"$RESULTS_DIR/$backend.err"
    echo $? > "$RESULTS_DIR/$backend.status"
done
{
    echo "bdf=$dev"
    echo "group=$(basename $(readlink /sys/bus/pci/devices/$dev/iommu_group))"
    echo "cdev=$(ls /sys/bus/pci/devices/$dev/vfio-dev)"
    echo "path=$(readlink -f /sys/bus/pci/devices/$dev)"
    echo "cdev_dev=$(cat /sys/class/vfio-dev/*/dev)"
    for node in /dev/vfio/* /dev/vfio/devices/* /dev/iommu; do
        echo "node=$(stat -c '%n %F %Hr:%Lr' $node)"
    done
} > "$RESULTS_DIR/facts"
"""


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: capture-golden.py BUILD_DIR [TOPOLOGY...]")
    prog = Path(sys.argv[1]).resolve() / \
        "tests/functional/conformance/uapi-conformance"
    if not prog.is_file():
        sys.exit(f"'{prog}' does not exist: build uapi-conformance first")
    topologies = sys.argv[2:] or ["root-bus", "root-port"]
    out = HERE / "golden"
    out.mkdir(exist_ok=True)
    for topo in topologies:
        with run_in_guest(topo, ["/bin/sh", "-c", GUEST_SCRIPT, "sh",
                                 str(prog)], timeout=600) as r:
            res = Path(r.results_dir)
            for backend in ("legacy", "iommufd"):
                status = (res / f"{backend}.status").read_text().strip()
                print(f"{topo} {backend}: exit {status}")
                shutil.copy(res / f"{backend}.txt",
                            out / f"{topo}.{backend}.txt")
            shutil.copy(res / "facts", out / f"{topo}.facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
