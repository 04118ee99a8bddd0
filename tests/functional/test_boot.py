#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot every bench topology and check what the guest sees.

For each edu topology the guest must have /dev/iommu, a VFIO device cdev
per edu (/dev/vfio/devices/vfioN), the legacy /dev/vfio/vfio and
/dev/vfio/GROUP nodes, and as many distinct IOMMU groups as the topology
promises: one for bridge-group (two edus aliased behind a PCIe-to-PCI
bridge), two for two-groups.

The real-device topologies (nvme-igb, nvme-pair) bind nothing to vfio-pci
at boot: their tests take the devices over (test_nested.py).  Here each
NVMe controller must be driven by the bench kernel's nvme driver and read
back the first and last stamped blocks of the image the launcher wrote
(so the image, snapshot=on and the controller work), each igb PF must be
driven by igb and make its 7 SR-IOV VFs, each in an IOMMU group of its own
and with its registers reachable (VF 0's STATUS register is not 0), and
the real devices must sit in as many groups as the topology promises.
Output is TAP.
"""

import sys
from contextlib import contextmanager
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


# For the real-device topologies: their devices, each NVMe namespace's
# first and last stamped blocks, and the igb PF's VFs (made here).
REAL_PROBE = r"""
[ -c /dev/iommu ] && echo iommu=yes
for d in /sys/bus/pci/devices/*; do
    id=$(cat $d/vendor):$(cat $d/device)
    case $id in 0x1b36:0x0010|0x8086:0x10c9|0x1234:0x11e8) ;; *) continue ;; esac
    drv=$(basename "$(readlink $d/driver)" 2>/dev/null)
    echo "dev=${d##*/} $id ${drv:-none} $(basename $(readlink $d/iommu_group))"
    if [ $id = 0x8086:0x10c9 ]; then
        echo "totalvfs=$(cat $d/sriov_totalvfs)"
        echo $(cat $d/sriov_totalvfs) > $d/sriov_numvfs || echo "numvfs=failed"
        for v in $d/virtfn*; do
            echo "vf=$(basename $(readlink $v)) $(basename $(readlink $v/iommu_group))"
        done
        # a VF's STATUS register shows its PF's link: a VF BAR that the
        # bench's QEMU did not map reads 0 instead
        python3 -c "$STATUS" $d/resource0 $d/virtfn0/resource0
    fi
done
for b in /sys/block/nvme*n1; do
    n=${b##*/}
    last=$(( $(cat $b/size) / 8 - 1 ))
    echo "blocks.$n=$((last + 1))"
    echo "first.$n=$(dd if=/dev/$n bs=4096 count=1 2>/dev/null | head -c 11)"
    echo "last.$n=$(dd if=/dev/$n bs=4096 skip=$last count=1 2>/dev/null | head -c 11)"
done
"""
# Reads the STATUS register (0x8) of the igb PF and of its first VF
STATUS_READER = r"""
import mmap, struct, sys
for who, path in zip(("pf", "vf"), sys.argv[1:]):
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 4096, prot=mmap.PROT_READ)
        print(f"status.{who}={struct.unpack_from('<I', m, 8)[0]:#x}")
"""
# A real-device topology's edu (nvme-igb has one, for the second-level
# guests) is bound to vfio-pci by the bench guest's init, as every edu is.
IDS = {"0x1b36:0x0010": ("nvme", "nvme"), "0x8086:0x10c9": ("igb", "igb"),
       "0x1234:0x11e8": ("edu", "vfio-pci")}
SRIOV_VFS = 7


def parse(output):
    facts = {}
    for line in output.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            facts.setdefault(k, []).append(v.strip())
    return facts


@contextmanager
def probed(topo, tap, kernel, script, **kwargs):
    """Boot topo and run script in it, as one test case: yields the run
    and its parsed output after the checks every topology shares, and
    adds the boot's timing to the case's name."""
    with tap.case(f"{topo.name} ({topo.tag}): {topo.description}") as case:
        assert kernel, "no guest kernel (see the first test case)"
        r = run_in_guest(topo.name, ["/bin/sh", "-c", script], kernel=kernel,
                         **kwargs)
        try:
            tap.diag(f"{topo.name}: devices {r.devices} groups {r.groups}")
            tap.diag(r.output.rstrip())
            f = parse(r.output)
            assert r.status == 0, f"probe exited with {r.status}"
            assert f.get("iommu") == ["yes"], "/dev/iommu is missing"
            yield r, f
            t = r.timings
            case["name"] += (f" [{r.accel}: boot-to-command "
                             f"{t.get('boot_to_command', -1):.2f} s, "
                             f"wall {t['wall']:.2f} s]")
        finally:
            r.cleanup()


def check(topo, tap, kernel):
    with probed(topo, tap, kernel, PROBE, timeout=120) as (r, f):
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


def check_real(topo, tap, kernel):
    """A topology of real devices (NVMe, igb) that keeps its own drivers."""
    with probed(topo, tap, kernel, REAL_PROBE, timeout=180,
                mem=topo.max_mem or "2G",
                env={"STATUS": STATUS_READER}) as (r, f):
        devs = [d.split() for d in f.get("dev", [])]
        kinds = {"nvme": 0, "igb": 0, "edu": 0}
        for bdf, pci_id, driver, _ in devs:
            kind, want = IDS[pci_id]
            kinds[kind] += 1
            assert driver == want, \
                f"{bdf} ({kind}) is driven by '{driver}', not {want}"
        assert kinds["nvme"] == topo.nvmes and kinds["igb"] == topo.igbs, \
            f"found {kinds}, expected {topo.nvmes} NVMe and " \
            f"{topo.igbs} igb"
        groups = {d[3] for d in devs}
        assert len(groups) == topo.groups, \
            f"the devices sit in {len(groups)} IOMMU group(s), " \
            f"expected {topo.groups}: {devs}"
        blocks = topo.nvme_image_mib * 256
        for key, stamps in f.items():
            if key.startswith("blocks."):
                ns = key.split(".", 1)[1]
                assert stamps == [str(blocks)], \
                    f"{ns} has {stamps} blocks, expected {blocks}"
                assert f.get(f"first.{ns}") == ["BLK00000000"], \
                    f"{ns} block 0 reads {f.get(f'first.{ns}')}"
                want = "BLK%08d" % (blocks - 1)
                assert f.get(f"last.{ns}") == [want], \
                    f"{ns} block {blocks - 1} reads " \
                    f"{f.get(f'last.{ns}')}, expected {want}"
        namespaces = [k for k in f if k.startswith("blocks.")]
        assert len(namespaces) == topo.nvmes, \
            f"namespaces {namespaces}, expected {topo.nvmes}"
        if topo.igbs:
            assert f.get("totalvfs") == [str(SRIOV_VFS)] * topo.igbs, \
                f"sriov_totalvfs {f.get('totalvfs')}, expected " \
                f"{SRIOV_VFS}"
            vfs = [v.split() for v in f.get("vf", [])]
            assert len(vfs) == SRIOV_VFS * topo.igbs, \
                f"{len(vfs)} VFs made, expected {SRIOV_VFS}"
            vf_groups = {g for _, g in vfs}
            assert len(vf_groups) == len(vfs) and \
                not vf_groups & groups, \
                f"the VFs do not each have an IOMMU group of their " \
                f"own: {vfs}"
            pf_status, vf_status = f.get("status.pf"), f.get("status.vf")
            assert vf_status and vf_status[0] not in \
                ("0x0", "0xffffffff"), \
                f"VF 0's STATUS reads {vf_status} (its PF's: " \
                f"{pf_status}): the VF's registers are not reachable"


def main():
    names = sys.argv[1:] or list(TOPOLOGIES)
    tap = Tap(len(names) + 1)
    kernel = None
    with tap.case("guest kernel is built and cached") as case:
        kernel = ensure_kernel()
        case["name"] += f": {kernel}"
    for name in names:
        topo = TOPOLOGIES[name]
        (check if topo.devices else check_real)(topo, tap, kernel)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
