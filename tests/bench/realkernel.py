# SPDX-License-Identifier: GPL-2.0-or-later
"""The real-kernel part of the bench: one bench-guest boot for (f), the
floors, the kernel model and (d) at 1 GiB.

time_to_ready(ours, build) boots one bench guest (root-bus topology plus a
second edu on the root bus, each in its own IOMMU group; 3 GiB) that runs
guest_ttr.py.  Returns (rows, error, model):
  - (f) rows per backend: "ours" and "peer" (time-to-ready with MEM of
    default guest RAM, median), "floor" (one raw-uAPI map of MEM of fresh
    private memory advised for huge pages: how both binaries back default
    RAM; median), "floor" variant "shared 4 KiB" (fresh shared pages:
    memfd's kind, the floor of earlier sessions), the same "resident"
    (already faulted in) and "floor" variant "process" (the
    private-memory floor program timed from launch to exit; median);
  - (d) rows, iommufd: ours' device_add of a second device into a separate
    IOAS with x-ioas-copy=on and =off, with default RAM (private, THP)
    and with memfd RAM (shared 4 KiB pages);
  - the kernel model (kmodel.from_guest) or None.
Runs missing after a guest timeout make "cannot-run" rows.
"""

import json
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
import kmodel

MEM = "1G"
REPEAT = 3
SECOND_EDU = ["-device", "edu,bus=pcie.0,addr=0x11"]
EDU_ID = "0x11e81234"
# The guest command's limit: about 6 minutes on an idle machine, three
# times that seen with the machine shared; only a hang should reach it.
GUEST_TIMEOUT = 1500


def _row(sc, backend, binary, variant, wall, extra, status="ok", why=""):
    return {"scenario": sc, "backend": backend, "binary": binary,
            "variant": variant, "status": status, "why": why,
            "ioctls": {}, "wall_s": wall, "cpu_s": None,
            "cpu_total_s": None, "model_s": None,
            "extra": dict(extra, real_kernel=True)}


def _median_row(sc, backend, binary, variant, runs, key, extra, ok):
    good = [x[key] for x in runs if key in x and ok(x)]
    if not runs:
        return _row(sc, backend, binary, variant, None, extra, "cannot-run",
                    "not reached before the guest's timeout")
    if len(good) < len(runs):
        err = next((x.get("error") or f"config0 {x.get('config0')}"
                    for x in runs if key not in x or not ok(x)), "no run")
        # a refusal to start is not a crash; a signal would be
        return _row(sc, backend, binary, variant, None, extra, "cannot-run",
                    err)
    return _row(sc, backend, binary, variant, statistics.median(good), extra)


def _floor_rows(backend, res):
    floors = {}
    for f in res["floors"]:
        if f["backend"] == backend:
            floors.setdefault(f["memory"], []).append(f)
    rows = []
    for memory, variant, key in (
            ("private-thp-fresh", "map, private THP (ours)", "map_s"),
            ("shared-fresh", "map, shared 4 KiB (memfd)", "map_s"),
            ("shared-prefaulted", "map, shared 4 KiB, resident",
             "map_s"),
            ("private-thp-fresh", "process, private THP", "proc_s")):
        runs = floors.get(memory, [])
        ok = [f for f in runs if "map_s" in f]
        f = ok[0] if ok else (runs[0] if runs else {})
        extra = {"floor": runs}
        if ok:
            # the process: launch to exit less its unmap (its teardown
            # stays in)
            wall = statistics.median(
                x[key] - (x.get("unmap_s", 0) if key == "proc_s" else 0)
                for x in ok)
            rows.append(_row("f", backend, "floor", variant, wall, extra))
        else:
            rows.append(_row("f", backend, "floor", variant, None, extra,
                             "cannot-run",
                             f.get("error", "uapi-conformance not built "
                                   "or not reached")))
    return rows


def time_to_ready(ours, build):
    try:
        from harness.guest.guest import BenchError, run_in_guest
    except ImportError as e:
        return [], f"harness.guest unavailable: {e}", None
    conf = build / "tests/functional/conformance/uapi-conformance"
    command = ["python3", str(HERE / "guest_ttr.py"), "--ours", str(ours),
               "--mem", MEM, "--repeat", str(REPEAT),
               "--out", "/run/results/ttr.json"]
    if conf.is_file():
        command += ["--conformance", str(conf)]
    # the first edu for (f), the second (if bound) for (d)
    script = ('d1=${BENCH_DEVICES%% *}; d2=${BENCH_DEVICES#"$d1"}; '
              'd2=${d2# }; exec "$@" --device "$d1" '
              '${d2:+--device2 "${d2%% *}"}')
    when = time.strftime("%Y-%m-%dT%H:%M:%S")
    try:
        r = run_in_guest("root-bus", ["/bin/sh", "-c", script, "sh"]
                         + command, timeout=GUEST_TIMEOUT, mem="3G",
                         extra_qemu_args=SECOND_EDU)
    except BenchError as e:
        return [], str(e), None
    with r:
        print(r.output.rstrip())
        print(f"# guest: {r.accel}, devices {r.devices}, IOMMU groups "
              f"{r.groups}")
        try:
            res = json.loads((Path(r.results_dir) / "ttr.json").read_text())
        except (OSError, ValueError) as e:
            return [], f"no results from the guest ({e}), status " \
                f"{r.status}", None
        if r.timed_out:
            print("# f: the guest command timed out; partial results")
    rows = []
    for backend in ("legacy", "iommufd"):
        for binary in ("ours", "peer"):
            runs = [x for x in res["runs"]
                    if x["backend"] == backend and x["binary"] == binary]
            extra = {"runs": runs, "accel": r.accel}
            ready = [round(x["ready_s"], 2) for x in runs if "ready_s" in x]
            conn = [round(x["connect_s"], 2) for x in runs
                    if "connect_s" in x]
            print(f"# f {backend} {binary}: ready {ready} s, until its "
                  f"qtest connection {conn} s")
            row = _median_row(
                "f", backend, binary, f"{MEM}, median of {REPEAT}", runs,
                "ready_s", extra, lambda x: x.get("config0") == EDU_ID)
            for key in ("connect_s", "after_connect_s"):
                got = [x[key] for x in runs if key in x]
                if got:
                    row["extra"][key] = statistics.median(got)
            rows.append(row)
        rows += _floor_rows(backend, res)
    if res.get("device2"):
        for ram, copy, variant in (
                ("default", True, "real 1G THP, copy"),
                ("default", False, "real 1G THP, x-ioas-copy=off"),
                ("memfd", True, "real 1G memfd, copy"),
                ("memfd", False, "real 1G memfd, x-ioas-copy=off")):
            runs = [x for x in res["d_runs"]
                    if x["copy"] == copy and x.get("ram") == ram]
            row = _median_row(
                "d", "iommufd", "ours", variant, runs, "add_s",
                {"runs": runs, "accel": r.accel, "groups": r.groups},
                lambda x: x.get("config0") == EDU_ID)
            cpu = [x["add_cpu_s"] for x in runs if "add_cpu_s" in x]
            if row["status"] == "ok" and cpu:
                row["cpu_s"] = statistics.median(cpu)
            rows.append(row)
    else:
        print(f"# d: real kernel not measured: one assignable device only "
              f"({r.devices})")
    return rows, None, kmodel.from_guest(res, when, r.accel)
