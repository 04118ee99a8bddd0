#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The peer baseline: Debian's QEMU 10 assigning edu, inside the bench guest.

One bench guest (root-bus topology) runs tests/harness/peer_driver.py, which
starts the peer (`qemu-system-x86_64 -M q35 -qtest unix:SOCK -device
vfio-pci,host=BDF[,iommufd=...]`) with the legacy and the iommufd backend for
512 MiB and 1 GiB guests, reads config dword 0 of the assigned device over
qtest (must be 0x11e81234) and records time-to-ready: from launch until that
read is answered.  It also runs `uapi-conformance --map-floor` for the same
sizes: the raw-uAPI floor under each backend (harness/peer_driver.py's
FLOORS lists the three kinds of memory it maps).

The measurements go to peer-results.json in the build tree (or to
$PEER_RESULTS) and are printed as a table.  The exit status is non-zero if
any peer run failed or read the wrong config value.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        python3 tests/functional/test_peer.py
"""

import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
from harness.build_paths import build_trees
from harness.guest.guest import BenchError, run_in_guest

SIZES = ("512M", "1G")
BACKENDS = ("legacy", "iommufd")
# One run per backend and size shows the peer works and gives a rough
# time; `make bench` measures time-to-ready properly.  PEER_REPEAT=N takes
# medians of N (each run costs up to two minutes of TCG on a loaded host).
REPEAT = int(os.environ.get("PEER_REPEAT", "1"))
EDU_CONFIG0 = "0x11e81234"


def build_root():
    trees = build_trees()
    return trees[0] if trees else None


def conformance_program(root):
    prog = root / "tests/functional/conformance/uapi-conformance" \
        if root else None
    return prog if prog and prog.is_file() else None


def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def table(result):
    """Medians per backend and size.  "connect" is launch until the peer
    connects to the qtest socket (process start-up, before any VFIO work);
    "after" is connect until the answered config read, which holds the
    device realize and the DMA mapping of guest RAM."""
    lines = ["                                                     "
             "               raw map floor (s)",
             "backend   size  time-to-ready (s)         connect (s)  "
             "after (s)     shared   thp      thp, prefaulted",
             "-------   ----  ------------------------  -----------  "
             "---------     -------  -------  ---------------"]
    for size in SIZES:
        for backend in BACKENDS:
            runs = [r for r in result["runs"]
                    if r["backend"] == backend and r["mem"] == size
                    and "ready_s" in r]
            ready = [r["ready_s"] for r in runs]
            connect = [r["connect_s"] for r in runs]
            floors = {f.get("memory"): f for f in result.get("floors", [])
                      if f["backend"] == backend and f["size"] == size}
            if ready:
                rtext = (f"{statistics.median(ready):6.3f} "
                         f"[{min(ready):.3f}..{max(ready):.3f}]")
                ctext = f"{statistics.median(connect):6.3f}"
                after = [r - c for r, c in zip(ready, connect)]
                atext = f"{statistics.median(after):6.3f}"
            else:
                rtext, ctext, atext = "failed", "-", "-"
            ftext = [f"{floors[m]['map_s']:.3f}"
                     if "map_s" in floors.get(m, {}) else "n/a"
                     for m in ("shared-fresh", "private-thp-fresh",
                               "private-thp-prefaulted")]
            lines.append(f"{backend:8}  {size:4}  {rtext:24}  {ctext:11}  "
                         f"{atext:9}  {ftext[0]:>9}  {ftext[1]:>7}  "
                         f"{ftext[2]:>15}")
    return "\n".join(lines)


def main():
    root = build_root()
    prog = conformance_program(root)
    driver = HERE.parent / "harness" / "peer_driver.py"
    command = ["python3", str(driver), "--sizes", ",".join(SIZES),
               "--backends", ",".join(BACKENDS), "--repeat", str(REPEAT),
               "--out", "/run/results/peer.json"]
    if prog:
        command += ["--conformance", str(prog)]
    else:
        print("note: uapi-conformance is not built; no raw map floor")
    # The device is only known in the guest: a shell passes it on
    script = 'exec "$@" --device "${BENCH_DEVICES%% *}"'
    load_before = loadavg()
    try:
        # The peer pins up to 1 GiB, the floor as much again
        r = run_in_guest("root-bus", ["/bin/sh", "-c", script, "sh"]
                         + command, timeout=1200, mem="3G")
    except BenchError as e:
        print(f"test_peer: {e}", file=sys.stderr)
        return 1
    with r:
        print(r.output)
        try:
            result = json.loads((Path(r.results_dir) / "peer.json")
                                .read_text())
        except (OSError, ValueError) as e:
            print(f"test_peer: no results from the guest ({e}); "
                  f"status {r.status}", file=sys.stderr)
            return 1
    result["accel"] = r.accel
    # TCG guests on a shared 2-core host: the load says how far to trust it
    result["host_loadavg"] = {"before": load_before, "after": loadavg()}
    out = Path(os.environ.get("PEER_RESULTS") or
               ((root or HERE) / "peer-results.json"))
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"peer baseline ({r.accel}, device {result['device']}), "
          f"{REPEAT} runs each, host load {load_before} -> "
          f"{result['host_loadavg']['after']}; results in {out}")
    print(table(result))

    failures = []
    for run in result["runs"]:
        name = f"{run['backend']} {run['mem']} #{run['repeat']}"
        if "error" in run:
            failures.append(f"{name}: {run['error']}")
        elif run.get("config0") != EDU_CONFIG0:
            failures.append(f"{name}: config dword 0 is {run.get('config0')}"
                            f", expected {EDU_CONFIG0}")
    for floor in result.get("floors", []):
        if "error" in floor:
            failures.append(f"floor {floor['backend']} {floor['size']}: "
                            f"{floor['error']}")
    shown = set()
    for run in result["runs"]:
        key = (run["backend"], run["mem"])
        if key not in shown and run.get("peer_output"):
            shown.add(key)
            print(f"--- peer output, {run['backend']} {run['mem']} ---")
            print(run["peer_output"].rstrip())
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    if r.status != 0:
        print(f"FAIL the driver exited with {r.status}", file=sys.stderr)
    return 1 if failures or r.status != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
