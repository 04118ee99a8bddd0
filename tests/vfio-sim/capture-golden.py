#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture the facts of the bench guest that the simulator reproduces.

Boots the bench guest (tests/harness/guest) once per topology and stores
the first device's BDF, IOMMU group, cdev, sysfs path and device numbers in
tests/vfio-sim/golden/<topology>.facts; the configurations in configs/
mirror them.  The golden transcripts the simulator's fidelity test compares
with are the real-kernel conformance test's, per kernel
(tests/functional/conformance/golden/; test_conformance.py --update-golden
makes them).

    python3 tests/vfio-sim/capture-golden.py [TOPOLOGY...]

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
dev=${BENCH_DEVICES%% *}
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
    topologies = sys.argv[1:] or ["root-bus", "root-port"]
    out = HERE / "golden"
    out.mkdir(exist_ok=True)
    for topo in topologies:
        with run_in_guest(topo, ["/bin/sh", "-c", GUEST_SCRIPT],
                          timeout=600) as r:
            facts = Path(r.results_dir) / "facts"
            if r.status != 0 or not facts.is_file():
                sys.exit(f"{topo}: the guest's script failed (status "
                         f"{r.status}): {r.output.strip()}")
            shutil.copy(facts, out / f"{topo}.facts")
            print(f"{topo}: {out / f'{topo}.facts'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
