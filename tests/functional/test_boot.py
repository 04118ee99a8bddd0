#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot every bench topology and check what the guest sees.

For each topology the guest must have /dev/iommu, a VFIO device cdev per edu
(/dev/vfio/devices/vfioN), the legacy /dev/vfio/vfio and /dev/vfio/GROUP
nodes, and as many distinct IOMMU groups as the topology promises: one for
bridge-group (two edus aliased behind a PCIe-to-PCI bridge), two for
two-groups.  Output is TAP.
"""

import sys
from pathlib import Path

from harness.guest.guest import ensure_kernel, run_in_guest
from harness.tap import Tap
from harness.guest.topology import TOPOLOGIES

PROBE = r"""
[ -c /dev/iommu ] && echo iommu=yes
[ -c /dev/vfio/vfio ] && echo container=yes
for c in /dev/vfio/devices/vfio*; do [ -c "$c" ] && echo cdev=${c##*/}; done
for g in $BENCH_GROUPS; do [ -c /dev/vfio/$g ] && echo groupdev=$g; done
for b in $BENCH_DEVICES; do
    echo "reset.$b=$(cat /sys/bus/pci/devices/$b/reset_method 2>/dev/null)"
done
for g in /sys/kernel/iommu_groups/*; do
    echo "group.${g##*/}=$(ls $g/devices | tr '\n' ' ')"
done
echo "tmpdir=$TMPDIR"
echo "probe" > "$RESULTS_DIR/probe.txt" && echo results=writable
"""


def parse(output):
    facts = {}
    for line in output.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            facts.setdefault(k, []).append(v.strip())
    return facts


def check(topo, tap, kernel):
    with tap.case(f"{topo.name} ({topo.tag}): {topo.description}") as case:
        assert kernel, "no guest kernel (see the first test case)"
        r = run_in_guest(topo.name, ["/bin/sh", "-c", PROBE], timeout=120,
                         kernel=kernel)
        try:
            tap.diag(f"{topo.name}: devices {r.devices} groups {r.groups}")
            tap.diag(r.output.rstrip())
            f = parse(r.output)
            assert r.status == 0, f"probe exited with {r.status}"
            assert f.get("iommu") == ["yes"], "/dev/iommu is missing"
            assert f.get("container") == ["yes"], "/dev/vfio/vfio is missing"
            assert len(r.devices) == topo.devices, \
                f"{len(r.devices)} devices bound to vfio-pci, " \
                f"expected {topo.devices}"
            cdevs = f.get("cdev", [])
            assert "vfio0" in cdevs, "/dev/vfio/devices/vfio0 is missing"
            assert len(cdevs) == topo.devices, \
                f"cdevs {cdevs}, expected {topo.devices}"
            ngroups = len(set(r.groups))
            assert ngroups == topo.groups, \
                f"devices sit in {ngroups} IOMMU group(s) {r.groups}, " \
                f"expected {topo.groups}"
            assert sorted(f.get("groupdev", [])) == sorted(r.groups), \
                f"/dev/vfio group nodes {f.get('groupdev')} != {r.groups}"
            assert f.get("tmpdir") == ["/run"], "TMPDIR is not /run"
            assert f.get("results") == ["writable"], "RESULTS_DIR not writable"
            assert (Path(r.results_dir) / "probe.txt").read_text() == \
                "probe\n", "file written in the guest is not on the host"
            t = r.timings
            case["name"] += (f" [{r.accel}: boot-to-command "
                             f"{t.get('boot_to_command', -1):.2f} s, "
                             f"wall {t['wall']:.2f} s]")
        finally:
            r.cleanup()


def main():
    # The real-device topologies bind nothing to vfio-pci at boot (their
    # tests take the devices over themselves: test_nested.py).
    names = sys.argv[1:] or [n for n, t in TOPOLOGIES.items() if t.devices]
    tap = Tap(len(names) + 1)
    kernel = None
    with tap.case("guest kernel is built and cached") as case:
        kernel = ensure_kernel()
        case["name"] += f": {kernel}"
    for name in names:
        check(TOPOLOGIES[name], tap, kernel)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
