#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmarks: our binary against the peer (Debian's QEMU) on the simulated
VFIO kernel, the real-kernel time-to-ready, RAM by file on kernel 7.3
(mapfile.py), second-level guests against QEMU 10 and 11.1 (l2bench.py)
and bench-flatview.

    python3 tests/bench/run.py --build build
        [--only a,b,c,d,e,f,flatview,mapfile,l2]
        [--no-real-kernel] [--repeat N] [--json PATH] [--peer PATH]

Prints a table (scenario, backend, binary, ioctls by type, wall, CPU, the
ours/peer ratios and the targets, PASS/MISS) and writes the results as JSON
(default BUILD/bench-results.json).  Targets are reported, never enforced;
the exit status is non-zero only when a scenario crashed (a signal, a hang,
a harness error) or a functional assertion failed.  See
docs/devel/benchmarks.rst.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The entry point of `make bench`: tests/ (for harness) goes on the path
# here; the bench's own modules sit next to this file.
sys.path.append(str(HERE.parent))

import kmodel  # noqa: E402
import scenarios as S  # noqa: E402
from targets import evaluate  # noqa: E402

SIM = ("a", "b", "c", "d", "e")


def fmt_ioctls(d):
    return " ".join(f"{k}={v:g}" for k, v in sorted(d.items())) or "-"


def fmt_s(x):
    return "-" if x is None else f"{x:.4f}"


def fmt_floor(r):
    f = r["extra"].get("floor_ioctls")
    return "-" if f is None else f"{f:g}"


def cpu_plus_model(r):
    """Userspace CPU (the phase's, or the process's for (a)) plus the
    modelled kernel time; None without a model."""
    cpu = r["cpu_s"] if r["cpu_s"] is not None else r["cpu_total_s"]
    if r.get("model_s") is None or cpu is None:
        return None
    return cpu + r["model_s"]


def print_table(rows, verdicts):
    print(f"{'sc':3} {'backend':8} {'binary':5} {'variant':30} "
          f"{'ioctls':>7} {'failed':>6} {'floor':>6} {'wall s':>8} "
          f"{'cpu s':>8} {'model s':>9} {'cpu+model':>9} {'proc cpu':>8}  "
          f"ioctls by type")
    twice = False
    for r in rows:
        total = sum(r["ioctls"].values())
        if r["status"] != "ok":
            label = ("CANNOT RUN" if r["status"] == "cannot-run"
                     else "CRASH")
            print(f"{r['scenario']:3} {r['backend']:8} {r['binary']:5} "
                  f"{r['variant'][:30]:30} {label}: {r['why']}")
            continue
        answers = r["extra"].get("config_answers", True)
        suspect = (r["extra"].get("bar_answers") is False
                   or answers is False
                   or (isinstance(answers, list) and not all(answers)))
        if suspect:
            print(f"{r['scenario']:3} {r['backend']:8} {r['binary']:5} "
                  f"{'':30} SUSPECT: the moved BAR is not (mapped) where "
                  f"it was put last, or a hot-plugged device did not "
                  f"answer; numbers below as measured")
        mark = " "
        if r["extra"].get("method") == S.TWICE:
            mark, twice = "*", True
        counts = (f"{total:6g}{mark} "
                  f"{sum(r['extra'].get('ioctl_errors', {}).values()):6g}")
        if r["extra"].get("real_kernel"):
            counts = f"{'-':>6}  {'-':>6}"     # not counted there
        print(f"{r['scenario']:3} {r['backend']:8} {r['binary']:5} "
              f"{r['variant'][:30]:30} {counts} "
              f"{fmt_floor(r):>6} "
              f"{fmt_s(r['wall_s']):>8} "
              f"{fmt_s(r['cpu_s']):>8} {fmt_s(r.get('model_s')):>9} "
              f"{fmt_s(cpu_plus_model(r)):>9} {fmt_s(r['cpu_total_s']):>8}  "
              f"{fmt_ioctls(r['ioctls'])}")
    if twice:
        print("* phase measured as the difference of two runs: the sim "
              "had no control socket")
    print()
    print("targets (reported, not enforced):")
    for v in verdicts:
        print(f"  {v['verdict']:5} {v['scenario']:3} {v['backend']:8} "
              f"{v['what']}: {v['detail']}")


def run_flatview(build):
    exe = Path(build) / "tests/bench/bench-flatview"
    if not exe.exists():
        return {"status": "cannot-run", "why": f"{exe} is not built"}
    p = subprocess.run([str(exe)], capture_output=True, text=True,
                       timeout=600)
    return {"status": "ok" if p.returncode == 0 else "crash",
            "exit": p.returncode, "output": p.stdout + p.stderr}


def run_sim(ctx, ours, peer, only):
    rows = []
    for sc in only:
        if sc not in SIM:
            continue
        for backend in ("legacy", "iommufd"):
            for b in (ours, peer):
                t0 = time.monotonic()
                try:
                    if sc == "d":
                        variants = ["copy", "remap"] if b.ours else ["peer"]
                        got = []
                        for v in variants:
                            if backend == "legacy" and v == "remap":
                                continue    # legacy re-maps anyway
                            got += S.scenario_d(ctx, b, backend, v)
                        if backend == "legacy" and b.ours:
                            got[0]["variant"] = "remap (no copy in type1)"
                    else:
                        got = getattr(S, f"scenario_{sc}")(ctx, b, backend)
                except Exception as e:      # noqa: BLE001 (a harness bug)
                    got = [S.failed(S.row(sc, backend, b), e)]
                rows += got
                print(f"# {sc} {backend} {b.name}: "
                      f"{', '.join(r['status'] for r in got)} "
                      f"({time.monotonic() - t0:.1f} s)", flush=True)
            if sc in ("b", "e"):
                S.move_floor([r for r in rows if r["scenario"] == sc
                              and r["backend"] == backend])
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--peer", default=os.environ.get(
        "VFIO_SIM_PEER", "/usr/bin/qemu-system-x86_64"))
    ap.add_argument("--only", default="a,b,c,d,e,f,flatview,mapfile,l2")
    ap.add_argument("--no-real-kernel", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, sim configs)")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    only = args.only.split(",")
    ours_path = build / "qemu-system-x86_64"
    simlib = build / "tests/vfio-sim/libvfio-sim.so"
    out = Path(args.json) if args.json else build / "bench-results.json"
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "build": str(build), "peer": args.peer, "rows": []}
    crashed = []

    if "flatview" in only:
        fv = run_flatview(build)
        result["flatview"] = fv
        print("== bench-flatview ==")
        print(fv.get("output", fv.get("why", "")).rstrip())
        if fv["status"] == "crash":
            crashed.append(f"bench-flatview exited {fv['exit']}")
        print()

    # (f) first: its real-kernel floors give the sim's kernel model
    model = None
    if "f" in only and not args.no_real_kernel:
        from realkernel import time_to_ready
        print("== real kernel: time-to-ready and (d) at 1 GiB ==",
              flush=True)
        f_rows, f_error, model = time_to_ready(ours_path, build)
        result["rows"] += f_rows
        if f_error:
            result["real_kernel_error"] = f_error
            print(f"real-kernel scenario did not run: {f_error}")
        print()
    if "mapfile" in only and not args.no_real_kernel:
        from mapfile import map_file_ttr, print_table as print_mapfile
        print("== real kernel 7.3: time-to-ready with memfd RAM, "
              "IOMMU_IOAS_MAP_FILE against IOMMU_IOAS_MAP and the peers ==",
              flush=True)
        mf, mf_error = map_file_ttr(ours_path)
        if mf_error:
            result["mapfile_error"] = mf_error
            print(f"mapfile scenario did not run: {mf_error}")
        else:
            result["mapfile"] = mf
            print_mapfile(mf)
        print()
    if "l2" in only and not args.no_real_kernel:
        from l2bench import l2_bench, print_report, problems
        print("== second level (kernel 6.12): launch to userspace, NVMe "
              "reads, edu BAR0 reads and MSIs; ours against QEMU 10 and "
              "11.1 ==", flush=True)
        l2, l2_error = l2_bench(build)
        if l2_error:
            result["l2_error"] = l2_error
            print(f"second-level benchmarks did not run: {l2_error}")
            crashed.append(f"l2: {l2_error}")
        else:
            result["l2"] = l2
            print_report(l2)
            crashed += [f"l2: {p}" for p in problems(l2)]
        print()
    model = model or kmodel.previous(out) or kmodel.default()
    result["kernel_model"] = model

    missing = [str(p) for p in (ours_path, simlib, Path(args.peer))
               if not p.exists()]
    if missing and any(sc in SIM for sc in only):
        print(f"simulated-kernel scenarios cannot run: missing "
              f"{', '.join(missing)}")
        result["sim_error"] = f"missing {', '.join(missing)}"
    elif any(sc in SIM for sc in only):
        work = tempfile.mkdtemp(prefix="qemu-bench-")
        ctx = S.Ctx(str(simlib), work, max(1, args.repeat), model)
        ours = S.Binary("ours", str(ours_path))
        peer = S.Binary("peer", args.peer)
        print(f"== simulated kernel ({ctx.repeat} runs each, median; "
              f"work dir {work}) ==")
        print("\n".join(kmodel.describe(model)), flush=True)
        result["rows"] += run_sim(ctx, ours, peer, only)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    verdicts = evaluate(result["rows"], model)
    result["targets"] = verdicts
    result["rows"].sort(key=lambda r: r["scenario"])     # stable
    print()
    print_table(result["rows"], verdicts)
    print()
    print("\n".join(kmodel.describe(model)))
    for r in result["rows"]:
        if r["status"] == "crash":
            crashed.append(f"{r['scenario']} {r['backend']} {r['binary']}: "
                           f"{r['why']}")
        a = r.get("assert")
        if a and not a[1]:
            crashed.append(f"{r['scenario']} {r['backend']} {r['binary']}: "
                           f"assertion failed: {a[0]}")
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"\nresults: {out}")
    for c in crashed:
        print(f"FAIL {c}", file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
