#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What `make run` shows: a guest whose own drivers use assigned devices.

Boots the bench guest (Linux under Debian's QEMU with TCG, an emulated
VT-d, an NVMe controller with a stamped image, an edu and an igb; topology
nvme-igb), and in it, under the bench guest's KVM, the second-level
payload (tests/payload) once per VMM and configuration, with the devices
assigned through vfio-pci: our qemu-system-x86_64 with iommufd=on, off,
auto and libvirt's fd passing, then Debian's QEMU 10 and the Debian 13
tree's QEMU 11 with each backend (tests/functional/nested/l2_driver.py).

For each boot it prints the command line, the guest's PAYLOAD lines (what
the guest's nvme driver read and wrote, the edu DMA round trip and MSIs a
guest program counted; every VMM gets the NVMe and the edu, not the igb
VF, whose step waits for the host), then a table of the times: wall
clock per boot, the wall time from launch to the guest's first userspace
line, the guest's uptime then, and ours against each peer.  The first
run builds the 6.12 bench kernel and the Debian 13 tree (cached).

Exit status: 0 only if every second-level guest of ours passed what
test_nested.py checks (known bench problems are shown, not failed).

    python3 scripts/demo.py --build build [--kernel 6.12|7.3]
                            [--run VMM[:CONFIG]]...
"""

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A program: it puts tests/ (the harness package) and the nested test on
# the path itself.
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "functional"))

from harness.guest import kernel as kernel_builder  # noqa: E402
from harness.guest import peer_root  # noqa: E402
from harness.guest.guest import BenchError, run_in_guest  # noqa: E402
from harness.guest.topology import Topology  # noqa: E402
import test_nested  # noqa: E402

GUEST_TIMEOUT = 2 * test_nested.GUEST_TIMEOUT
# What every VMM gets.  Not the igb VF (test_nested.py checks it): its step
# stops the guest until the host answers, which would blur the times.
DEVICES = ("nvme", "edu")
# Which peer configuration ours is compared with.
PEER_FORM = {"iommufd=on": "iommufd", "iommufd=auto": "iommufd",
             "fd-passing": "iommufd", "iommufd=off": "legacy"}


def say(text=""):
    print(text, flush=True)


def seconds(x):
    return f"{x:.1f} s" if isinstance(x, (int, float)) else "n/a"


def uptime(run):
    for ev in run.get("events", []):
        if ev.get("event") == "start":
            try:
                return float(ev["uptime"])
            except (KeyError, ValueError):
                return None
    return None


def verdicts(run, row):
    """[(check, 'pass'|'FAIL'|'known', why)] for one boot."""
    out = []
    for check, _ in test_nested.labels("", row, run["config"]):
        missing = test_nested.missing_in_guest_kernel(run, check)
        if missing:
            out.append((check, "known", missing))
            continue
        try:
            test_nested.judge(run, check)
            out.append((check, "pass", ""))
        except AssertionError as e:
            out.append((check, "FAIL", str(e)))
    return out


def show_run(run, row):
    say(f"--- {run['vmm']} {run['config']} ({run['backend']}): "
        f"{seconds(run['wall_s'])} wall, exit {run['status']}")
    say("    $ " + " ".join(run.get("argv", [])))
    for line in run.get("console_lines", []):
        say(f"    | {line}")
    if not run.get("console_lines"):
        for line in run.get("console_tail", [])[-8:]:
            say(f"    | {line}")
    for msg in run.get("vmm_messages", []):
        say(f"    {run['vmm']} said: {msg}")
    failed = []
    results = verdicts(run, row)
    if uptime(run) is None:
        # Every check fails for this one reason: say it once.
        say("    FAIL  the guest never reached userspace ("
            + ("timed out" if run["status"] is None
               else f"exit status {run['status']}") + ")")
        return [c for c, v, _ in results if v == "FAIL"]
    for check, verdict, why in results:
        say(f"    {verdict:5} {check}" + (f": {why}" if why else ""))
        if verdict == "FAIL":
            failed.append(check)
    return failed


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def time_table(runs):
    say()
    say("Times (one bench guest, same kernel, payload, RAM and devices; "
        "TCG on a shared host: compare within one run only)")
    say(f"  {'VMM':8} {'configuration':14} {'wall':>8} {'launch->user':>12} "
        f"{'uptime':>8}")
    for run in runs:
        say(f"  {run['vmm']:8} {run['config']:14} "
            f"{seconds(run['wall_s']):>8} "
            f"{seconds(run.get('userspace_wall_s')):>12} "
            f"{seconds(uptime(run)):>8}")
    by = {(r["vmm"], r["config"]): r for r in runs}
    for run in runs:
        if run["vmm"] != "ours":
            continue
        form = PEER_FORM.get(run["config"])
        for peer in ("qemu-10", "qemu-11"):
            p = by.get((peer, form))
            if not p:
                continue
            mine, theirs = (run.get("userspace_wall_s"),
                            p.get("userspace_wall_s"))
            say(f"  ours {run['config']} / {peer} {form}: wall "
                f"{seconds(run['wall_s'])} / {seconds(p['wall_s'])} = "
                f"{ratio(run['wall_s'], p['wall_s'])}, launch->userspace "
                f"{seconds(mine)} / {seconds(theirs)} = "
                f"{ratio(mine, theirs)}, guest uptime at userspace "
                f"{seconds(uptime(run))} / {seconds(uptime(p))} = "
                f"{ratio(uptime(run), uptime(p))}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="meson build directory")
    ap.add_argument("--kernel", default="6.12", choices=test_nested.KERNELS)
    ap.add_argument("--run", action="append", metavar="VMM[:CONFIG]",
                    help="only these boots (default: every VMM with every "
                         "configuration), e.g. --run ours --run "
                         "qemu-10:iommufd")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    ours = build / "qemu-system-x86_64"
    initrd = build / "tests/payload/payload.cpio.gz"
    for path, what in ((ours, "our qemu-system-x86_64"),
                       (initrd, "the payload initramfs")):
        if not path.is_file():
            say(f"demo: {what} is not built ({path}); run: ninja -C "
                f"{args.build}")
            return 1

    start = time.monotonic()
    say("== A second-level guest drives assigned devices with its own "
        "drivers: ours vs QEMU 10 vs QEMU 11 ==")
    say(f"bench kernel {args.kernel} (built once and cached; the first "
        f"build takes minutes) ...")
    try:
        kernel = kernel_builder.build(args.kernel)
    except kernel_builder.KernelBuildError as e:
        say(f"demo: the bench cannot run: no {args.kernel} kernel: {e}")
        return 1
    say(f"  {kernel}")
    argv = ["python3", str(test_nested.L2_DRIVER), "--kernel", str(kernel),
            "--initrd", str(initrd), "--blocks",
            str(test_nested.VERIFY_BLOCKS), "--ours", str(ours),
            # The same devices for every VMM, so the times compare.
            "--devices", ",".join(DEVICES)]
    for choice in args.run or ():
        argv += ["--run", choice]
    try:
        peer = peer_root.ensure()
        argv += peer_root.driver_args(peer)
    except peer_root.PeerRootError as e:
        say(f"  no Debian 13 tree, so no QEMU 11: {e}")
    # Without the igb VF's step no boot waits for the driver to ask
    # p2p-mapped, so the demo judges without that check (qmp=False).
    rows = {r.name: dataclasses.replace(
                r, devices=tuple(k for k in r.devices if k in DEVICES),
                qmp=False)
            for r in test_nested.l2_driver.vmm_rows("PEER", "CHROOT",
                                                    str(ours))}
    say("booting the bench guest (TCG; NVMe, igb and edu behind an "
        "emulated VT-d), then every second-level guest under its KVM; "
        "this takes minutes ...")
    try:
        # As much RAM as the igb's VFs allow (topology.IGB_MAX_MEM)
        r = run_in_guest("nvme-igb", argv, timeout=GUEST_TIMEOUT,
                         mem=Topology.get("nvme-igb").max_mem,
                         kernel=str(kernel))
    except BenchError as e:
        say(f"demo: the bench cannot run: {e}")
        return 1
    with r:
        try:
            result = json.loads((Path(r.results_dir) / "nested.json")
                                .read_text())
        except (OSError, ValueError) as e:
            say(f"demo: no results from the bench guest ({e}); its output:")
            say(r.output[-3000:])
            return 1
    if "error" in result:
        say(f"demo: the bench guest could not set up: {result['error']}")
        return 1
    setup = result["setup"]
    say(f"bench guest: Linux {result['uname']}; NVMe {setup.get('nvme')}, "
        f"edu {setup.get('edu', 'none')}, igb VF {setup.get('vf')} bound to "
        f"vfio-pci; VMMs: "
        + "; ".join(f"{k}: {v}" for k, v in setup.get("vmms", {}).items()))
    say()
    failed = []
    for run in result["runs"]:
        bad = show_run(run, rows[run["vmm"]])
        if run["vmm"] == "ours":
            failed += [f"{run['config']}: {c}" for c in bad]
    time_table(result["runs"])
    say()
    say(f"total {time.monotonic() - start:.0f} s (bench guest "
        f"{r.timings.get('wall', 0):.0f} s wall)")
    if failed:
        say("FAILED (ours): " + "; ".join(failed))
        return 1
    say("PASSED: under our binary the guest's nvme driver read the stamped "
        "blocks and wrote and read back 64 MiB over MSI-X, and a guest "
        "program round-tripped DMA through edu and counted its MSIs, in "
        "every boot of ours above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
