#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""PCIe hot-plug, resets and kill -9 of an assigned edu, with a real guest.

In the bench guest (root-port topology: one edu, bound to vfio-pci), our
qemu-system-x86_64 boots Linux under -accel kvm with the edu behind a
pcie-root-port, and the second-level guest's own pciehp driver handles
device_del and device_add (hotplug/hotplug_driver.py says what runs, in
one bench-guest boot and four second-level boots).  The second-level guest
is a busybox initramfs whose shell the driver drives over COM1, with
hotplug/edu-dma (a static program built here) to DMA through the edu with
guest physical addresses.  Output is TAP, one case per claim.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_kvm_hotplug.py [--cycles N] \
        [--kernel 6.12|7.3]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from harness.build_paths import find
from harness.guest.guest import BenchError, ensure_kernel, run_in_guest
from harness.guest.initramfs import busybox_initramfs
from harness.tap import Tap

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "hotplug" / "hotplug_driver.py"
# Two runs of N cycles, three boots in the first, one in the second.
GUEST_TIMEOUT = 2400

L2_INIT = r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin
exec </dev/ttyS0 >/dev/ttyS0 2>&1
stty -echo
edu() {
    for d in /sys/bus/pci/devices/*; do
        if [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ]
        then
            basename $d
            return 0
        fi
    done
    return 1
}
waitfor() {
    i=0
    while [ $i -lt $(($2 * 10)) ]; do
        if edu >/dev/null; then
            [ "$1" = present ] && return 0
        else
            [ "$1" = absent ] && return 0
        fi
        usleep 100000
        i=$((i + 1))
    done
    echo "HP-TIMEOUT edu still not $1 after $2 s"
    return 1
}
echo "HP-READY uptime=$(cut -d' ' -f1 /proc/uptime) edu=$(edu)"
while read -r tag cmd; do
    eval "$cmd"
    echo "HP-DONE $tag rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
done
poweroff -f
"""


def use_ok(use):
    assert use and use["rc"] == 0, \
        f"the guest could not use the edu (rc {use and use['rc']}): " \
        f"{' | '.join((use or {}).get('out', [])[-4:])}"
    assert any("round_trip=ok" in ln for ln in use["out"]), \
        f"no DMA round trip: {' | '.join(use['out'][-4:])}"


def judge_cycles(run, cycles, backend):
    cyc = run.get("cycles")
    assert cyc is not None, f"no cycles ran: {run.get('error', '')}"
    assert len(cyc) == cycles, f"{len(cyc)} of {cycles} cycles ran"
    clean = None
    for i, c in enumerate(cyc, 1):
        un = c["unplug"]
        assert "event" in un, f"cycle {i}: device_del: {un}"
        assert un["event"].get("device") == "hp0", \
            f"cycle {i}: DEVICE_DELETED for {un['event']}"
        assert un["guest_absent_rc"] == 0, \
            f"cycle {i}: the guest still sees the edu after DEVICE_DELETED"
        f = un["facts"]
        assert f["vfio_fds"] == 0 and f["iommu_fds"] == 0, \
            f"cycle {i}: our process keeps VFIO/iommufd fds: {f}"
        assert f.get("VmPin") == 0 and f.get("VmLck") == 0, \
            f"cycle {i}: pinned/locked memory left: {f}"
        clean = clean if clean is not None else f["fds"]
        assert f["fds"] == clean, \
            f"cycle {i}: {f['fds']} fds, {clean} after the first unplug"
        assert "return" in c["plug"]["device_add"], \
            f"cycle {i}: device_add: {c['plug']['device_add']}"
        use_ok(c["use"])
    return (f"{backend}: {cycles} cycles, DEVICE_DELETED after "
            f"{min(c['unplug']['deleted_after_s'] for c in cyc)}-"
            f"{max(c['unplug']['deleted_after_s'] for c in cyc)} s, "
            f"{clean} fds when unplugged")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--kernel", choices=("6.12", "7.3"), default="6.12",
                    help="the bench guest's kernel series (default 6.12)")
    args = ap.parse_args()
    cases = ["pciehp: device_del acknowledged by the guest, DEVICE_DELETED; "
             "device_add found and used (iommufd)",
             f"{args.cycles} unplug/replug cycles leave no fd, pin or "
             f"IOAS (iommufd)",
             "system_reset and the guest's reboot: the edu works after",
             "kill -9 during DMA: pins released, the device assigned again "
             "at once",
             f"{args.cycles} unplug/replug cycles leave no fd, pin or "
             f"container (legacy)",
             "DMA outside the guest's RAM: nothing arrives, our binary runs "
             "on with no error"]
    tap = Tap(len(cases))
    res, error = {}, None
    work = tempfile.mkdtemp(prefix="kvm-hotplug-")
    try:
        qemu = find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                    "qemu-system-x86_64")
        edu_dma = find("QEMU_VFIO_EDU_DMA", "tests/functional/edu-dma",
                       "edu-dma (a static build)")
        kernel = ensure_kernel(args.kernel)
        initrd = os.path.join(work, "initrd.gz")
        busybox_initramfs(initrd, L2_INIT, {"bin/edu-dma": edu_dma})
        os.chmod(work, 0o755)
        argv = ["python3", str(DRIVER), "--qemu", str(qemu),
                "--kernel", kernel, "--initrd", initrd,
                "--cycles", str(args.cycles)]
        r = run_in_guest("root-port", argv, timeout=GUEST_TIMEOUT,
                         accel="tcg", kernel=kernel,
                         extra_qemu_args=["-cpu", "qemu64,+svm,+npt"],
                         env={"PYTHONPATH": f"{HERE.parent}:{HERE}"})
        try:
            tap.diag(r.output[-3000:].rstrip())
            text = r.read("hotplug.json")
            res = json.loads(text) if text else {}
            if not res:
                error = f"the driver wrote no result (exit {r.status})"
            elif "error" in res:
                error = res["error"]
        finally:
            r.cleanup()
    except (BenchError, FileNotFoundError, OSError) as e:
        error = str(e)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    run1, run2 = res.get("run1", {}), res.get("run2", {})
    for name in ("run1", "run2"):
        run = res.get(name, {})
        for line in run.get("console_tail", [])[-12:]:
            tap.diag(f"{name} guest: {line}")
        if run.get("stderr"):
            tap.diag(f"{name} stderr: {run['stderr'][-600:]}")
    for ln in run1.get("guest_pciehp", []):
        tap.diag(f"guest: {ln}")
    for ln in run2.get("dmar_faults", []):
        tap.diag(f"bench guest: {ln}")

    with tap.case(cases[0]) as case:
        assert run1.get("boot"), f"the guest did not boot: {error}"
        use_ok(run1.get("first_use"))
        cyc = run1.get("cycles") or []
        assert cyc, f"no hot-plug cycle ran: {error}"
        c = cyc[0]
        assert "event" in c["unplug"], f"device_del: {c['unplug']}"
        assert c["unplug"]["guest_absent_rc"] == 0, \
            "the guest still lists the edu"
        use_ok(c["use"])
        case["name"] += (f" [deleted after {c['unplug']['deleted_after_s']} "
                         f"s, re-added on {c['plug']['port']}]")
    with tap.case(cases[1]) as case:
        case["name"] += " [" + judge_cycles(run1, args.cycles, "iommufd") + "]"
    with tap.case(cases[2]) as case:
        assert "return" in run1.get("system_reset", {}), \
            f"system_reset: {run1.get('system_reset')} {error}"
        assert run1.get("after_reset_boot"), \
            f"no boot after system_reset: {error}"
        use_ok(run1.get("after_reset_use"))
        assert run1.get("after_reboot_boot"), \
            f"no boot after the guest's reboot: {error}"
        use_ok(run1.get("after_reboot_use"))
    with tap.case(cases[3]) as case:
        assert "pins_after_kill" in run1, f"kill -9 not reached: {error}"
        assert run1["pins_while_running"] > 0, \
            "no pages pinned while the guest ran (is the count right?)"
        assert run1["pins_after_kill"] <= 0, \
            f"{run1['pins_after_kill']} pages still pinned after kill -9 " \
            f"({run1.get('pins_error')})"
        assert run2.get("boot"), f"the second run did not boot: {error}"
        use_ok(run2.get("first_use"))
        case["name"] += (f" [{run1['pins_while_running']} pages pinned, "
                         f"released in {run1['pins_settled_s']} s]")
    with tap.case(cases[4]) as case:
        case["name"] += " [" + judge_cycles(run2, args.cycles, "legacy") + "]"
    with tap.case(cases[5]) as case:
        out = run2.get("outside")
        assert out, f"the outside-RAM step did not run: {error}"
        lines = " | ".join(out["out"])
        assert "foreign_bytes=0" in lines and "write=done" in lines, \
            f"the guest got something from outside its RAM: {lines}"
        assert run2["status_after_outside"].get("return", {}).get(
            "status") == "running", \
            f"query-status after it: {run2['status_after_outside']}"
        use_ok(run2.get("use_after_outside"))
        bad = [ln for ln in run2.get("stderr", "").splitlines()
               if ln.strip() and "warning" not in ln.lower()]
        assert not bad, f"our binary logged: {' | '.join(bad[:5])}"
        assert run2.get("exit") == 0, \
            f"our binary exited {run2.get('exit')} after quit"
        case["name"] += (f" [{lines}; {run2.get('dmar_new')} new IOMMU "
                         f"fault lines in the bench guest]")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
