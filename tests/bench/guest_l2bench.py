# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the bench guest: the second-level benchmarks (l2bench.py).

First the ceiling: the payload's block benchmark as a program of its own
(tests/payload/nvme-bench.c) on the emulated NVMe through the bench
guest's own nvme driver; again at the end, with the controller given back
to that driver, so that the host's load during the run shows.  In between
the NVMe, the igb VF and the edu go to vfio-pci (nested/l2_driver.py's
setup) and each VMM boots the payload once per configuration with the
NVMe and the edu assigned and payload.cmd=nvme-bench,edu-bench,poweroff,
through l2_driver's VMM rows and run_vmm(): the same launcher the nested
test and `make run` use.  The
boots alternate between the VMMs, backend by backend, so a change in the
host's load falls on all of them alike.  Everything goes to --out (JSON);
the host prints the tables and ratios.

    guest_l2bench.py --kernel BZIMAGE --initrd PAYLOAD --nvme-bench TOOL
                     --ours QEMU [--peer-root DIR --peer-chroot SCRIPT]
                     [--seconds S] [--bar-reads N] [--forms iommufd,legacy]
                     --out PATH
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "nested"))
import l2_driver as L2  # noqa: E402

# What the second-level guest runs with each device kind.
BENCH_STEPS = {"nvme": ("nvme-bench",), "edu": ("edu-bench",)}
KINDS = ("nvme", "edu")
# Each backend form, and the configuration name it has in each VMM's row.
FORMS = {
    "iommufd": {"qemu-10": "iommufd", "qemu-11": "iommufd",
                "ours": "iommufd=on"},
    "legacy": {"qemu-10": "legacy", "qemu-11": "legacy",
               "ours": "iommufd=off"},
}


def namespace_of(bdf, timeout=60):
    """/dev/nvmeXnY of the controller at bdf, once its driver has it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for blk in sorted(glob.glob("/sys/block/nvme*n*")):
            if f"/{bdf}/" in os.path.realpath(blk) and \
                    os.path.exists(f"/dev/{os.path.basename(blk)}"):
                return f"/dev/{os.path.basename(blk)}"
        time.sleep(0.2)
    raise L2.SetupError(f"no namespace of {bdf} appeared within {timeout} s "
                        f"(driver: {L2.driver_of(bdf)})")


def ceiling(tool, seconds):
    """The block benchmark in the bench guest itself, through its nvme
    driver; the payload's step line, parsed."""
    nvmes = L2.find(L2.NVME_ID)
    if not nvmes:
        raise L2.SetupError("no NVMe controller (1b36:0010) in the bench "
                            "guest")
    bdf = nvmes[0]
    if L2.driver_of(bdf) != "nvme":
        raise L2.SetupError(f"{bdf} is bound to '{L2.driver_of(bdf)}', not "
                            f"the bench guest's nvme driver")
    dev = namespace_of(bdf)
    p = subprocess.run([tool, dev, str(seconds)], capture_output=True,
                       text=True, timeout=60 + 10 * seconds, check=False)
    events = L2.parse_payload(p.stdout)
    return {"bdf": bdf, "device": dev, "exit": p.returncode,
            "stderr": p.stderr.strip()[-500:],
            "step": events[0] if events else None}


def give_back(bdf):
    """Return the controller from vfio-pci to the bench guest's nvme."""
    dev = L2.PCI / bdf
    if L2.driver_of(bdf):
        (dev / "driver" / "unbind").write_text(bdf)
    (dev / "driver_override").write_text("\n")
    Path("/sys/bus/pci/drivers_probe").write_text(bdf)
    L2.wait_until(lambda: L2.driver_of(bdf) == "nvme", L2.SETTLE_TIMEOUT,
                  f"nvme to bind {bdf} again")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--nvme-bench", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--peer-root")
    ap.add_argument("--peer-chroot")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--bar-reads", type=int, default=100000)
    ap.add_argument("--forms", default="iommufd,legacy")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    res = {"uname": os.uname().release, "seconds_per_job": args.seconds,
           "bar_reads": args.bar_reads, "runs": [], "setup": {}}

    def save():
        out.write_text(json.dumps(res, indent=1))

    try:
        if not os.path.exists("/dev/kvm"):
            raise L2.SetupError("/dev/kvm is missing in the bench guest")
        res["ceiling"] = ceiling(args.nvme_bench, args.seconds)
        print(f"ceiling: exit {res['ceiling']['exit']}", flush=True)
        save()
        devices, pf, res["setup"] = L2.setup_devices()
        L2.WORK.mkdir(exist_ok=True)
        shutil.copy(args.kernel, L2.WORK / "bzImage")
        shutil.copy(args.initrd, L2.WORK / "payload.cpio.gz")
        rows = {r.name: r for r in L2.vmm_rows(args.peer_root,
                                               args.peer_chroot, args.ours)}
        res["setup"]["vmms"] = {
            name: L2.vmm_version(list(r.prefix), r.qemu)
            for name, r in rows.items()}
        params = (f"payload.bench_s={args.seconds} "
                  f"payload.bar_reads={args.bar_reads}")
        for form in args.forms.split(","):
            for name, row in rows.items():
                config = FORMS[form][name]
                # blocks: nvme-verify's, which the benchmarks do not run
                run = L2.run_vmm(row, config, devices, pf, 0, KINDS,
                                 step_table=BENCH_STEPS, params=params)
                run["form"] = form
                res["runs"].append(run)
                print(f"{name} {config}: status {run['status']} "
                      f"{run['wall_s']} s", flush=True)
                save()
        give_back(devices["nvme"])
        res["ceiling_after"] = ceiling(args.nvme_bench, args.seconds)
    except (L2.SetupError, OSError, ValueError,
            subprocess.SubprocessError) as e:
        res["error"] = str(e)
        print(f"l2bench: {e}", file=sys.stderr)
    save()
    return 1 if "error" in res else 0


if __name__ == "__main__":
    sys.exit(main())
