#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What `make run` shows: our vfio-pci assigning a device on a real kernel.

Boots the bench guest (root-bus topology; the guest kernel is built on
first use and cached), where QEMU's edu device sits behind an emulated
VT-d and is bound to vfio-pci.  Inside it, the e2e scenario
(tests/scenarios/e2e/e2e_driver.py) launches our qemu-system-x86_64 with
edu assigned, once per backend (iommufd=off: the
legacy container; iommufd=on: iommufd), drives it as its guest would
(config read, BAR0, DMA RAM -> device -> RAM, INTx, MSI, unplug and
re-plug), and then does the same with the peer (Debian's QEMU 10), and
measures time-to-ready of both and the raw-uAPI map floor.  The report
says, per backend: the backend chosen, the DMA mappings made (from our
binary's `-trace 'vfio_*'`), whether DMA was verified, and time-to-ready
against the peer and the floor.

Exit status: 0 only if every check of our binary and of the peer passed
(the peer cannot unplug from its root bus: that is reported, not failed).

    python3 scripts/demo.py --build build
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A program: it puts tests/ (the harness package) on the path itself.
sys.path.insert(0, str(HERE.parent / "tests"))

from harness.guest.guest import (BenchError, ensure_kernel,  # noqa: E402
                                 run_in_guest)
from scenarios.e2e.launch import guest_command, ttr_table  # noqa: E402

BACKENDS = (("legacy", "ours-legacy", "peer-legacy", "iommufd=off"),
            ("iommufd", "ours-on", "peer-iommufd", "iommufd=on"))
MEM = "256M"


def say(text=""):
    print(text, flush=True)


def mib(n):
    return f"{n / (1 << 20):g} MiB"


def describe_mappings(m):
    if not m:
        return "mappings: unknown (no trace)"
    text = f"{m['ram_count']} RAM mapping(s), {mib(m['ram_bytes'])}"
    if m["copy_count"]:
        text += f", {m['copy_count']} copied"
    if m["bar_map_refused"]:
        text += ("; BAR0 p2p mapping refused by the kernel (warned, as "
                 "expected)")
    elif m["bar_count"]:
        text += (f"; BAR0 p2p mapped too ({m['bar_count']} map calls: the "
                 f"BAR mmap is switched off around INTx)")
    return text


def checks_line(run):
    return ", ".join(f"{c['name']} {c['status']}" for c in run["checks"])


def main():
    ap = argparse.ArgumentParser(description="vfio-pci real-kernel demo")
    ap.add_argument("--build", default="build", help="meson build directory")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    ours = build / "qemu-system-x86_64"
    if not ours.is_file():
        say(f"demo: {ours} is not built (run: ninja -C {args.build})")
        return 1

    start = time.monotonic()
    say("== vfio-pci on a real Linux kernel: our QEMU vs Debian's QEMU 10 ==")
    try:
        say(f"guest kernel: {ensure_kernel()}")
    except BenchError as e:
        say(f"demo: {e}")
        return 1
    configs = [c for _, o, p, _ in BACKENDS for c in (o, p)]
    say("booting the bench guest (edu on the root bus, emulated VT-d, "
        "TCG) ...")
    try:
        r = run_in_guest("root-bus",
                         guest_command(build, "/run/results/demo.json",
                                       configs=configs, repeat=0, mem=MEM),
                         timeout=600, mem="2G")
    except BenchError as e:
        say(f"demo: {e}")
        return 1
    with r:
        try:
            result = json.loads((Path(r.results_dir) / "demo.json")
                                .read_text())
        except (OSError, ValueError) as e:
            say(f"demo: no results from the guest ({e}); guest output:")
            say(r.output[-3000:])
            return 1
    say(f"guest: device {' '.join(r.devices)} in IOMMU group "
        f"{' '.join(r.groups)}, bound to vfio-pci; {MEM} of VMM RAM")
    say()

    runs = {run["config"]: run for run in result["runs"]}
    _, ttr = ttr_table(result)
    failed = []
    for backend, ours_cfg, peer_cfg, prop in BACKENDS:
        o, p = runs.get(ours_cfg, {}), runs.get(peer_cfg, {})
        say(f"[{backend}] -device vfio-pci,host={result['device']},{prop}")
        if "error" in o or not o.get("checks"):
            say(f"  ours: did not start: {o.get('error', 'no result')}")
            failed.append(ours_cfg)
        else:
            chosen = next((c["detail"] for c in o["checks"]
                           if c["name"] == "backend"), "backend=?")
            dma = next((c for c in o["checks"] if c["name"] == "dma"), None)
            say(f"  ours: {chosen}; {describe_mappings(o.get('mappings'))}")
            ok = dma and dma["status"] == "pass"
            say(f"  ours: DMA "
                f"{'verified: ' + dma['detail'] if ok else 'NOT verified'}")
            say(f"  ours: {checks_line(o)}")
            if any(c["status"] == "fail" for c in o["checks"]):
                failed.append(ours_cfg)
        if "error" in p or not p.get("checks"):
            say(f"  peer: did not start: {p.get('error', 'no result')}")
            failed.append(peer_cfg)
        else:
            say(f"  peer: {checks_line(p)}")
            if any(c["status"] == "fail" for c in p["checks"]):
                failed.append(peer_cfg)
        ro, rp, fs, ft, _, _ = ttr.get(backend, (None,) * 6)

        def s(x):
            return f"{x:.2f} s" if x is not None else "n/a"
        say(f"  time-to-ready (launch -> first config read answered): "
            f"ours {s(ro)}, peer {s(rp)}")
        say(f"  raw map floor of {MEM}: {s(ft)} in private THP memory (how "
            f"both back guest RAM), {s(fs)} in shared 4 KiB pages (memfd)")
        say()
    say(f"total {time.monotonic() - start:.0f} s (guest boot "
        f"{r.timings.get('boot_to_command', 0):.0f} s; TCG on a shared "
        f"host: compare figures within one run only)")
    if failed:
        say(f"FAILED: {', '.join(failed)}")
        for name in failed:
            run = runs.get(name, {})
            for c in run.get("checks", []):
                if c["status"] == "fail":
                    say(f"  {name} {c['name']}: {c['detail']}")
        return 1
    say("PASSED: both backends assigned edu, DMA verified, interrupts "
        "delivered, device re-plugged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
