#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""libvirt 12.9 runs a domain on our binary and on QEMU 11.1, in the bench
guest.

One bench guest boot (nvme-igb topology, nested KVM): libvirt's daemons
start chrooted in the Debian 13 peer tree, then the same virsh sequence
runs for each emulator (tests/functional/libvirt/driver.py):
domcapabilities (iommufd offered), define, start (type kvm, direct boot of
the payload, COM1 to a file, the NVMe assigned with iommufd), the payload
reading the NVMe, detach/attach (iommufd, then legacy, then back) with the
payload's watch step seeing the device go and come back, shutdown by the
ACPI power button with the payload powering off, start again with the
payload booting again, destroy.  One TAP line per step and emulator, with
its time, and a table of both emulators' times at the end; a step of ours
also fails if the domain's log shows an error from our binary.  QEMU
11.1's steps are the reference: they are reported as TODO when they fail,
so the peer's or the bench's trouble does not turn the suite red.
QEMU_VFIO_LIBVIRT_EMULATORS=ours runs ours only.  The bench guest's whole
record is left in the build's meson-logs/libvirt.json.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \\
        python3 tests/functional/test_libvirt.py
"""

import json
import os
import sys
from pathlib import Path

from harness.build_paths import build_with, find
from harness.guest import peer_root
from harness.guest.guest import BenchError, ensure_kernel, run_in_guest
from harness.guest.topology import Topology
from harness.tap import Tap

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "libvirt" / "driver.py"
STEPS = ("domcapabilities", "define", "start",
         "guest uses the device (nvme-verify)", "guest watches",
         "detach-device (iommufd)", "guest lets the device go (iommufd)",
         "attach-device (legacy)", "guest takes the device back (legacy)",
         "detach-device (legacy)", "guest lets the device go (legacy)",
         "attach-device (iommufd)", "guest takes the device back (iommufd)",
         "shutdown (ACPI power button)", "guest sees the power button",
         "guest powers off", "start again", "guest boots again", "destroy",
         "undefine")
EMULATORS = ("ours", "qemu-11.1")
# Two domains' boots under nested KVM under TCG, plus libvirt's probes.
GUEST_TIMEOUT = 1800


def main():
    tap = Tap(1 + len(STEPS) * len(EMULATORS))
    try:
        kernel = ensure_kernel()
        qemu = find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                    "qemu-system-x86_64")
        rel = "tests/payload/payload.cpio.gz"
        initrd = build_with(rel, what="the payload initramfs") / rel
        build = initrd.parents[2]
        peer = peer_root.ensure()
    except (BenchError, peer_root.PeerRootError, OSError) as e:
        for _ in range(1 + len(STEPS) * len(EMULATORS)):
            tap.result(False, "libvirt setup", str(e))
        return tap.finish()
    argv = ["python3", str(DRIVER), "--root", str(peer.path),
            "--kernel", str(kernel), "--initrd", str(initrd),
            "--qemu", str(qemu),
            "--emulators", os.environ.get("QEMU_VFIO_LIBVIRT_EMULATORS",
                                          ",".join(EMULATORS))]
    try:
        r = run_in_guest("nvme-igb", argv, timeout=GUEST_TIMEOUT,
                         mem=Topology.get("nvme-igb").max_mem,
                         accel="tcg", kernel=kernel,
                         extra_qemu_args=["-cpu", "qemu64,+svm,+npt"])
    except BenchError as e:
        for _ in range(1 + len(STEPS) * len(EMULATORS)):
            tap.result(False, "bench guest", str(e))
        return tap.finish()
    with r:
        try:
            result = json.loads((Path(r.results_dir) / "libvirt.json")
                                .read_text())
        except (OSError, ValueError) as e:
            result = {"error": f"no results from the bench guest ({e}); "
                               f"its output: {r.output[-2000:]}"}
        # The whole record (payload lines, domain logs, libvirt's QMP
        # commands) stays with the build's logs for whoever reads a failure.
        keep = build / "meson-logs" / "libvirt.json"
        if keep.parent.is_dir():
            keep.write_text(json.dumps(result, indent=1))
            tap.diag(f"the bench guest's record: {keep}")
        caps = result.get("capabilities", {})
        tap.result(caps.get("ok", False),
                   f"libvirtd + virtlogd start, virsh capabilities "
                   f"[{caps.get('seconds', 0)} s]",
                   result.get("error") or caps.get("msg", ""))
        runs = {x["emulator"]: x for x in result.get("runs", [])}
        for label in EMULATORS:
            run = runs.get(label, {})
            steps = {s["step"]: s for s in run.get("steps", [])}
            if run.get("domain_log"):
                tap.diag(f"{label} domain log tail:\n"
                         f"{run['domain_log'][-1500:]}")
            for name in STEPS:
                s = steps.get(name)
                why = (s or {}).get("msg") or result.get("error") or \
                    "the bench guest did not run it"
                ok = bool(s and s["ok"])
                if ok and label == "ours" and run.get("errors"):
                    ok, why = False, ("the domain log shows errors: " +
                                      " | ".join(run["errors"][-3:]))
                what = name if name.startswith("guest") else f"virsh {name}"
                desc = f"{label}: {what} [{(s or {}).get('seconds', 0)} s]"
                if ok or label == "ours":
                    tap.result(ok, desc, None if ok else why)
                else:
                    tap.todo(desc, "the reference peer failed", why)
        tap.diag(side_by_side(runs))
    return tap.finish()


def side_by_side(runs):
    """Each step's time for every emulator, in one table."""
    width = max(len(name) for name in STEPS)
    lines = ["step".ljust(width) + "".join(f"  {e:>12}" for e in EMULATORS)]
    for name in STEPS:
        cells = []
        for label in EMULATORS:
            s = {x["step"]: x for x in
                 runs.get(label, {}).get("steps", [])}.get(name)
            cells.append("-" if not s or s["msg"].startswith("not run") else
                         f"{s['seconds']:.2f} s" + ("" if s["ok"] else " !"))
        lines.append(name.ljust(width) +
                     "".join(f"  {c:>12}" for c in cells))
    lines.append("(seconds of wall time in the bench guest; ! failed, "
                 "- not run)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
