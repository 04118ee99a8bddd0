# SPDX-License-Identifier: GPL-2.0-or-later
"""The second-level benchmarks: our binary against QEMU 10.0 and 11.1.

l2_bench(build) boots one bench guest (kernel 6.12, topology nvme-igb:
an NVMe with a stamped image, an igb and an edu behind the emulated VT-d,
as much RAM as the igb allows) that runs guest_l2bench.py: the block
benchmark in the bench guest itself (the ceiling), then one second-level
boot per VMM and backend form with the NVMe and the edu assigned, the
payload running nvme-bench and edu-bench.  Every VMM gets the same
kernel, payload, RAM (512 MiB), vCPU and devices.  Returns (result,
error); print_report() shows:

  1. launch -> guest userspace: the host's wall time until the payload's
     first line, and the guest's own uptime then;
  2. NVMe reads (4 KiB random at queue depth 1 and 32, 1 MiB sequential):
     IOPS and MB/s (10^6 bytes/s) per VMM and in the bench guest;
  3. 100,000 edu BAR0 reads: seconds and ns per read;
  4. edu MSI round trips per second seen by the guest;
then every ratio with its inputs against the issue's targets.  The
targets are reported, never enforced (the host is shared and loaded);
failures are correctness only: a read with the wrong stamp, a lost MSI, a
BAR0 read that did not return edu's identification, a guest that never
got to run the benchmarks.
"""

import json
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SERIES = "6.12"
TOPOLOGY = "nvme-igb"
SECONDS = 3
BAR_READS = 100000
GUEST_TIMEOUT = 2400
PEERS = ("qemu-10", "qemu-11")
NVME_JOBS = ("rand4k_qd1", "rand4k_qd32", "seq1m")
# (what, key, unit, higher is better, target ours/peer)
TARGETS = (
    ("launch->userspace wall", "userspace_wall_s", "s", False, 0.5),
    ("guest uptime at userspace", "uptime_s", "s", False, 0.5),
    ("rand4k_qd1 IOPS", "rand4k_qd1_iops", "", True, 1.0),
    ("rand4k_qd32 IOPS", "rand4k_qd32_iops", "", True, 1.0),
    ("seq1m MB/s", "seq1m_mb_s", "", True, 1.0),
    ("edu BAR0 reads time", "bar_s", "s", False, 1.0),
    ("edu MSI round trips/s", "msi_per_s", "", True, 1.0),
)
CEILING_TARGET = 0.9


def l2_bench(build):
    """Run the benchmarks in one bench guest; (result, error)."""
    try:
        from harness.guest import kernel as kernel_builder
        from harness.guest import peer_root
        from harness.guest.guest import BenchError, run_in_guest
        from harness.guest.topology import Topology
    except ImportError as e:
        return None, f"harness.guest unavailable: {e}"
    ours = build / "qemu-system-x86_64"
    initrd = build / "tests/payload/payload.cpio.gz"
    tool = build / "tests/payload/nvme-bench"
    for path in (ours, initrd, tool):
        if not path.is_file():
            return None, f"{path} is not built"
    try:
        kernel = kernel_builder.build(SERIES)
    except kernel_builder.KernelBuildError as e:
        return None, f"no {SERIES} bench kernel: {e}"
    command = ["python3", str(HERE / "guest_l2bench.py"),
               "--kernel", str(kernel), "--initrd", str(initrd),
               "--nvme-bench", str(tool), "--ours", str(ours),
               "--seconds", str(SECONDS), "--bar-reads", str(BAR_READS),
               "--out", "/run/results/l2bench.json"]
    try:
        peer = peer_root.ensure()
        command += peer_root.driver_args(peer)
    except peer_root.PeerRootError as e:
        return None, f"no Debian 13 tree for QEMU 11: {e}"
    try:
        r = run_in_guest(TOPOLOGY, command, timeout=GUEST_TIMEOUT,
                         mem=Topology.get(TOPOLOGY).max_mem,
                         kernel=str(kernel))
    except BenchError as e:
        return None, str(e)
    with r:
        try:
            res = json.loads((Path(r.results_dir) /
                              "l2bench.json").read_text())
        except (OSError, ValueError) as e:
            return None, (f"no results from the bench guest ({e}), status "
                          f"{r.status}; its output ends: "
                          f"{r.output[-1500:]}")
        res["accel"] = r.accel
        res["bench_guest_wall_s"] = r.timings.get("wall")
        res["date"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return res, None


def step(run, name):
    for ev in run.get("events", []):
        if ev.get("event") == "step" and ev.get("name") == name:
            return ev
    return None


def _num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def metrics(run):
    """The numbers of one second-level boot, None where missing."""
    m = {"userspace_wall_s": run.get("userspace_wall_s")}
    start = next((e for e in run.get("events", [])
                  if e.get("event") == "start"), {})
    m["uptime_s"] = _num(start.get("uptime"))
    nvme = step(run, "nvme-bench") or {}
    edu = step(run, "edu-bench") or {}
    for job in NVME_JOBS:
        for unit in ("iops", "mb_s"):
            m[f"{job}_{unit}"] = _num(nvme.get(f"{job}_{unit}"))
    for key in ("bar_s", "bar_ns_per_read", "msi_per_s", "msi_rounds"):
        m[key] = _num(edu.get(key))
    return m


def problems(res):
    """Correctness failures (not timing): [text]."""
    out = []
    if "error" in res:
        out.append(f"bench guest: {res['error']}")
    for key in ("ceiling", "ceiling_after"):
        got = res.get(key) or {}
        c = got.get("step")
        if not c or c.get("status") != "pass":
            out.append(f"{key} nvme-bench: "
                       f"{c.get('msg') if c else 'no result'} (exit "
                       f"{got.get('exit')}, {got.get('stderr', '')})")
    for run in res.get("runs", []):
        who = f"{run['vmm']} {run['config']}"
        for name in ("nvme-bench", "edu-bench"):
            ev = step(run, name)
            if not ev:
                out.append(f"{who}: no {name} result (exit status "
                           f"{run['status']}; VMM said: "
                           f"{' | '.join(run.get('vmm_messages', [])[-3:])}"
                           f"; console: "
                           f"{' | '.join(run.get('console_tail', [])[-3:])})")
            elif ev.get("status") != "pass":
                out.append(f"{who}: {name} failed: {ev.get('msg')}")
    return out


def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if unit == "s":
        return f"{x:.3f} s"
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def ratio_line(what, a_name, a, b_name, b, unit, higher, target):
    if not a or not b:
        return (f"  {what}: {a_name} / {b_name}: cannot compute (inputs "
                f"{fmt(a, unit)}, {fmt(b, unit)})")
    r = a / b
    text = (f"  {what}: {a_name} / {b_name} = {fmt(a, unit)} / "
            f"{fmt(b, unit)} = {r:.2f}x")
    if target is None:
        return text
    ok = r >= target if higher else r <= target
    return (f"{text} (target {'>=' if higher else '<='} {target}x: "
            f"{'met' if ok else 'missed'})")


def ceiling_numbers(res, key):
    c = (res.get(key) or {}).get("step") or {}
    return {f"{j}_{u}": _num(c.get(f"{j}_{u}")) for j in NVME_JOBS
            for u in ("iops", "mb_s")}


def print_report(res):
    print(f"bench guest: Linux {res.get('uname')} ({res.get('accel')}), "
          f"topology {TOPOLOGY}, {res.get('bench_guest_wall_s') or 0:.0f} s "
          f"wall; second level: 512 MiB, 1 vCPU, NVMe + edu assigned; "
          f"{res.get('seconds_per_job')} s per NVMe job")
    for name, version in res.get("setup", {}).get("vmms", {}).items():
        print(f"  {name}: {version}")
    runs = res.get("runs", [])
    rows = [(f"{r['vmm']} {r['config']}", metrics(r)) for r in runs]
    print()
    print(f"{'':22} {'launch->user':>12} {'uptime':>8} "
          + " ".join(f"{j + ' IOPS':>17} {'MB/s':>7}" for j in NVME_JOBS)
          + f" {'BAR0 s':>8} {'ns/read':>8} {'MSI/s':>7}")
    before, after = ceiling_numbers(res, "ceiling"), \
        ceiling_numbers(res, "ceiling_after")
    # the ceiling: the mean of before and after where both are there
    cm = {k: (before[k] + after[k]) / 2 if before[k] and after[k]
          else before[k] or after[k] for k in before}
    table = rows + [("bench guest, before", before),
                    ("bench guest, after", after),
                    ("ceiling (their mean)", cm)]
    for label, m in table:
        print(f"{label:22} {fmt(m.get('userspace_wall_s'), 's'):>12} "
              f"{fmt(m.get('uptime_s'), 's'):>8} "
              + " ".join(f"{fmt(m.get(j + '_iops')):>17} "
                         f"{fmt(m.get(j + '_mb_s')):>7}" for j in NVME_JOBS)
              + f" {fmt(m.get('bar_s'), 's'):>8} "
              f"{fmt(m.get('bar_ns_per_read')):>8} "
              f"{fmt(m.get('msi_per_s')):>7}")
    print()
    print("ratios, ours / each peer with the same backend form (loaded "
          "samples: the targets are reported, not enforced):")
    by = {(r["vmm"], r.get("form")): metrics(r) for r in runs}
    for form in ("iommufd", "legacy"):
        mine = next((r for r in runs if r["vmm"] == "ours"
                     and r.get("form") == form), None)
        if not mine:
            continue
        for peer in PEERS:
            theirs = next((r for r in runs if r["vmm"] == peer
                           and r.get("form") == form), None)
            if not theirs:
                print(f"  ours {mine['config']} / {peer} {form}: {peer} "
                      f"did not run")
                continue
            a, b = by[("ours", form)], by[(peer, form)]
            for what, key, unit, higher, target in TARGETS:
                print(ratio_line(what, f"ours {mine['config']}", a[key],
                                 f"{peer} {theirs['config']}", b[key], unit,
                                 higher, target))
    print("ratios, each VMM / the bench guest itself (the ceiling, the mean "
          "of its runs before and after the second-level boots):")
    for label, m in rows:
        for job in NVME_JOBS:
            key = "seq1m_mb_s" if job == "seq1m" else f"{job}_iops"
            what = f"{job} {'MB/s' if job == 'seq1m' else 'IOPS'}"
            # the target is ours'; the peers' ratios are for comparison
            print(ratio_line(what, label, m[key], "ceiling", cm[key], "",
                             True, CEILING_TARGET
                             if label.startswith("ours") else None))
