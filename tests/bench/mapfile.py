# SPDX-License-Identifier: GPL-2.0-or-later
"""The bench's RAM-by-file comparison on the real 7.3 kernel.

map_file_ttr(ours) boots one bench guest on kernel 7.3 (root-bus
topology, 3 GiB) that runs guest_mapfile.py: time-to-ready with 1 GiB of
memfd guest RAM under iommufd, for ours mapping it with
IOMMU_IOAS_MAP_FILE (the default where the kernel has it), ours with
x-map-file-ram=off (IOMMU_IOAS_MAP), QEMU 10 and QEMU 11 (chrooted in the
peer tree).  Returns (result, error); print_table() shows the medians with
their inputs and the ratios.  Times are reported, never asserted.
"""

import json
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

MEM = "1G"
REPEAT = 3
SERIES = "7.3"
EDU_ID = "0x11e81234"
VARIANTS = ("ours, map-file", "ours, map", "qemu-10", "qemu-11")


def map_file_ttr(ours):
    try:
        from harness.guest import peer_root
        from harness.guest.guest import BenchError, run_in_guest
    except ImportError as e:
        return None, f"harness.guest unavailable: {e}"
    command = ["python3", str(HERE / "guest_mapfile.py"), "--ours",
               str(ours), "--mem", MEM, "--repeat", str(REPEAT),
               "--out", "/run/results/mapfile.json"]
    try:
        peer = peer_root.ensure()
        command += peer_root.driver_args(peer)
    except peer_root.PeerRootError as e:
        print(f"# mapfile: no QEMU 11 ({e})")
    script = 'exec "$@" --device "${BENCH_DEVICES%% *}"'
    try:
        r = run_in_guest("root-bus", ["/bin/sh", "-c", script, "sh"]
                         + command, timeout=600, mem="3G",
                         kernel_series=SERIES)
    except BenchError as e:
        return None, str(e)
    with r:
        print(r.output.rstrip())
        try:
            res = json.loads((Path(r.results_dir) /
                              "mapfile.json").read_text())
        except (OSError, ValueError) as e:
            return None, f"no results from the guest ({e}), status " \
                f"{r.status}"
        res["accel"] = r.accel
        res["date"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return res, None


def medians(res):
    out = {}
    for v in VARIANTS:
        ok = [x["ready_s"] for x in res["runs"]
              if x["variant"] == v and x.get("config0") == EDU_ID]
        out[v] = (statistics.median(ok) if ok else None, ok)
    return out


def print_table(res):
    med = medians(res)
    print(f"time-to-ready, {MEM} of memfd RAM, iommufd, kernel "
          f"{res.get('uname')} ({res.get('accel')}), median of {REPEAT}")
    for v in VARIANTS:
        m, ok = med[v]
        errs = [x.get("error", "")[:120] for x in res["runs"]
                if x["variant"] == v and "error" in x]
        how = ""
        if v.startswith("ours"):
            runs = [x for x in res["runs"] if x["variant"] == v]
            how = (f" (RAM by file {sum(x.get('ram_by_file', 0) for x in runs)}"
                   f", by address "
                   f"{sum(x.get('ram_by_address', 0) for x in runs)})")
        text = f"{m:.3f} s" if m is not None else "did not run"
        print(f"  {v:15} {text:12} runs {[round(x, 3) for x in ok]}{how}"
              + (f" errors: {errs}" if errs else ""))
    base = med["ours, map-file"][0]
    for other in VARIANTS[1:]:
        o = med[other][0]
        if base and o:
            print(f"  ratio ours map-file / {other}: {base / o:.2f} "
                  f"({base:.3f} s / {o:.3f} s)")
        else:
            print(f"  ratio ours map-file / {other}: cannot compute "
                  f"(inputs {base}, {o})")
