#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Second-level guests under nested KVM, with real drivers on assigned devices.

Three levels: this machine runs the bench guest under TCG with an
SVM-capable CPU, so the bench kernel's KVM gives it /dev/kvm; in it, each
peer (Debian 12's QEMU 10, and Debian 13's QEMU 11 chrooted in the peer
tree of harness/guest/peer_root.py) boots the second-level payload
(tests/payload) under KVM with the bench guest's emulated NVMe controller
and one SR-IOV VF of its igb assigned through vfio-pci, with each backend.
The second-level guest's nvme driver must read back the stamped blocks of
the image this test writes (over MSI-X), and its igbvf driver must see the
VF's link.  One bench-guest boot per kernel (6.12 and 7.3) runs all four
second-level boots (nested/l2_driver.py).  Output is TAP.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_nested.py [--kernel 6.12|7.3]...
"""

import argparse
import json
import sys
from pathlib import Path

from harness.build_paths import build_with
from harness.guest import kernel as kernel_builder
from harness.guest import peer_root
from harness.guest.guest import BenchError, run_in_guest
from harness.guest.topology import NVME_IMAGE_MIB, Topology
from harness.tap import Tap

HERE = Path(__file__).resolve().parent
L2_DRIVER = HERE / "nested" / "l2_driver.py"
KERNELS = ("6.12", "7.3")
PEERS = ("qemu-10", "qemu-11")
BACKENDS = ("legacy", "iommufd")
CHECKS = ("nvme stamped blocks", "igbvf link")
# The launcher writes the stamped image; the payload reads all of it.
IMAGE_BLOCKS = NVME_IMAGE_MIB * 256
# Four second-level boots under nested KVM under TCG; each takes 10 s on an
# idle machine and minutes on a busy one.
GUEST_TIMEOUT = 1500


def payload_initrd():
    rel = "tests/payload/payload.cpio.gz"
    return build_with(rel, what="the payload initramfs (a sanitizer build "
                      "has none)") / rel


def step(run, name):
    for ev in run.get("events", []):
        if ev.get("event") == "step" and ev.get("name") == name:
            return ev
    return None


def judge(run, check):
    """Raise AssertionError saying why the run fails check."""
    start = [e for e in run["events"] if e.get("event") == "start"]
    assert start, (f"the second-level guest printed no PAYLOAD start line "
                   f"(exit status {run['status']}); peer said: "
                   f"{' | '.join(run['peer_messages'][-5:])}; console tail: "
                   f"{' | '.join(run['console_tail'][-5:])}")
    if check == "nvme stamped blocks":
        ev = step(run, "nvme-verify")
        assert ev, "no nvme-verify result on the console"
        assert ev.get("status") == "pass", \
            f"nvme-verify failed: {ev.get('msg', ev)}"
        assert ev.get("blocks") == str(IMAGE_BLOCKS), \
            f"read {ev.get('blocks')} blocks, expected {IMAGE_BLOCKS}"
        assert ev.get("irq") == "msix", \
            f"the controller used {ev.get('irq')}, not MSI-X"
    else:
        ev = step(run, "igbvf-link")
        assert ev, "no igbvf-link result on the console"
        assert ev.get("status") == "pass", \
            f"igbvf-link failed: {ev.get('msg', ev)}"
        assert ev.get("operstate") == "up", f"operstate {ev.get('operstate')}"
    assert run["status"] == 0, f"the peer exited with status {run['status']}"


def fail_all(tap, kernel, peers, why):
    for peer in peers:
        for backend in BACKENDS:
            for check in CHECKS:
                tap.result(False, f"{kernel} {peer} {backend}: {check}", why)


def run_kernel(tap, series, initrd, peer, peer_error):
    try:
        kernel = str(kernel_builder.build(series))
    except kernel_builder.KernelBuildError as e:
        fail_all(tap, series, PEERS, f"no {series} kernel: {e}")
        return
    argv = ["python3", str(L2_DRIVER), "--kernel", kernel,
            "--initrd", str(initrd), "--blocks", str(IMAGE_BLOCKS)]
    if peer:
        argv += ["--peer-root", str(peer.path),
                 "--peer-chroot", str(peer_root.PEER_CHROOT)]
    try:
        # As much RAM as the igb's VFs allow (topology.IGB_MAX_MEM)
        r = run_in_guest("nvme-igb", argv, timeout=GUEST_TIMEOUT,
                         mem=Topology.get("nvme-igb").max_mem,
                         kernel=kernel)
    except BenchError as e:
        fail_all(tap, series, PEERS, f"bench guest failed: {e}")
        return
    with r:
        res = Path(r.results_dir) / "nested.json"
        try:
            result = json.loads(res.read_text())
        except (OSError, ValueError) as e:
            fail_all(tap, series, PEERS, f"no results from the bench guest "
                     f"({e}); its output: {r.output[-2000:]}")
            return
        tap.diag(f"{series}: bench guest {result.get('uname')} "
                 f"({r.accel}), {r.timings.get('wall', 0):.0f} s wall; "
                 f"setup {json.dumps(result.get('setup'))}")
        if "error" in result:
            fail_all(tap, series, PEERS, result["error"])
            return
        runs = {(x["peer"], x["backend"]): x for x in result["runs"]}
        for name in PEERS:
            for backend in BACKENDS:
                run = runs.get((name, backend))
                start = step_start(run)
                if run:
                    tap.diag(f"{series} {name} {backend}: {run['wall_s']} s "
                             f"wall, userspace at {start} s guest time; "
                             f"host actions: "
                             f"{', '.join(run.get('host_actions', [])) or 'none'}"
                             f"; peer messages: "
                             f"{' | '.join(run['peer_messages']) or 'none'}")
                for check in CHECKS:
                    label = f"{series} {name} {backend}: {check}"
                    if not run:
                        why = (peer_error if name == "qemu-11" and peer_error
                               else "the bench guest did not run it")
                        tap.result(False, label, why)
                        continue
                    with tap.case(label):
                        judge(run, check)


def step_start(run):
    for ev in (run or {}).get("events", []):
        if ev.get("event") == "start":
            return ev.get("uptime")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", action="append", choices=KERNELS,
                    help="kernel series to run on (default: all)")
    args = ap.parse_args()
    kernels = args.kernel or list(KERNELS)
    tap = Tap(len(kernels) * len(PEERS) * len(BACKENDS) * len(CHECKS))
    try:
        initrd = payload_initrd()
    except FileNotFoundError as e:
        for series in kernels:
            fail_all(tap, series, PEERS, str(e))
        return tap.finish()
    try:
        peer, peer_error = peer_root.ensure(), None
    except peer_root.PeerRootError as e:
        peer, peer_error = None, f"no Debian 13 peer tree: {e}"
    for series in kernels:
        run_kernel(tap, series, initrd, peer, peer_error)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
