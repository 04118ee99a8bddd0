#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The VFIO core against the real kernel, in the bench guest.

Runs, with each backend, vfio-edu-dma (the VFIO core on its own; on the
two-groups topology the second edu gets a container of its own, which
iommufd fills with IOMMU_IOAS_COPY) and vfio-pci-edu (the vfio-pci device
model on a bare PCIe root bus, driven like a guest would).  Each run must
exit 0; its TAP lines are shown as diagnostics.  Output is TAP.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/vfio/test_vfio.py
"""

import sys

from harness.build_paths import build_with
from harness.guest.guest import run_in_guest
from harness.tap import Tap

TOPOLOGIES = ("root-bus", "two-groups", "bridge-group")
BACKENDS = ("legacy", "iommufd")

PROGRAMS = ("vfio-edu-dma", "vfio-pci-edu")
DESCRIPTIONS = {
    "vfio-edu-dma": "VFIO core: attach, map, edu DMA, teardown",
    "vfio-pci-edu": "vfio-pci: config, BARs, DMA, INTx, MSI, reset, unplug",
}

# $1: the directory of the programs.  vfio-pci-edu takes the first device.
GUEST_SCRIPT = r"""
dir=$1
mode=$2
set -- $BENCH_DEVICES
for backend in legacy iommufd; do
    "$dir/vfio-edu-dma" --backend $backend $mode "$@" \
        >"$RESULTS_DIR/vfio-edu-dma.$backend.out" 2>&1
    echo $? > "$RESULTS_DIR/vfio-edu-dma.$backend.status"
    "$dir/vfio-pci-edu" --backend $backend "$1" \
        >"$RESULTS_DIR/vfio-pci-edu.$backend.out" 2>&1
    echo $? > "$RESULTS_DIR/vfio-pci-edu.$backend.status"
done
"""


def find_program():
    progdir = "tests/functional/vfio"
    return build_with(*[f"{progdir}/{p}" for p in PROGRAMS],
                      what="/".join(PROGRAMS)) / progdir


def main():
    cases = [(p, b) for p in PROGRAMS for b in BACKENDS]
    tap = Tap(len(TOPOLOGIES) * len(cases))
    try:
        prog = find_program()
    except FileNotFoundError as e:
        tap.fail_rest([f"{topo} {p} {backend}" for topo in TOPOLOGIES
                       for p, backend in cases], str(e))
        return tap.finish()

    for topo in TOPOLOGIES:
        try:
            # bridge-group: both edus are in one IOMMU group.
            mode = "--same-group" if topo == "bridge-group" else ""
            r = run_in_guest(topo, ["/bin/sh", "-c", GUEST_SCRIPT, "sh",
                                    str(prog), mode], timeout=600)
        except Exception as e:
            tap.fail_rest([f"{topo} {p} {backend}" for p, backend in cases],
                          f"bench failed: {e}")
            continue
        with r:
            tap.diag(f"{topo}: devices {r.devices} groups {r.groups} "
                     f"({r.accel})")
            for p, backend in cases:
                with tap.case(f"{topo} {backend}: {DESCRIPTIONS[p]}"):
                    out = r.read(f"{p}.{backend}.out")
                    status = r.read(f"{p}.{backend}.status").strip()
                    tap.diag(out.rstrip())
                    assert out, "the program printed nothing"
                    assert status == "0", f"exit status {status}, expected 0"
                    if topo == "two-groups" and p == "vfio-edu-dma":
                        copied = ":vfio_dma_copy " in out
                        # iommufd fills the second IOAS by IOMMU_IOAS_COPY;
                        # legacy has no copy and maps again.
                        assert copied == (backend == "iommufd"), \
                            f"vfio_dma_copy traced: {copied}"
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
