# SPDX-License-Identifier: GPL-2.0-or-later
"""The e2e scenario in the bench guest, as its launchers see it.

guest_command() is the argv run_in_guest runs (guest_e2e.py on the first
bench device); ttr_table() reads the time-to-ready part of its results.
Shared by tests/functional/test_e2e.py (the functional test) and
scripts/demo.py (make run).
"""

import os
import statistics
from pathlib import Path

DRIVER = Path(__file__).resolve().parent / "guest_e2e.py"
MEM = os.environ.get("E2E_MEM", "256M")
REPEAT = int(os.environ.get("E2E_REPEAT", "2"))

CONFIGS = ("ours-legacy", "ours-on", "ours-auto", "ours-id-fds",
           "ours-auto-no-iommu", "peer-legacy", "peer-iommufd")
CHECKS = ("config", "backend", "bar0", "dma", "intx", "msi", "second-user",
          "replug")
# The peer has no `backend` property, and Debian's QEMU 10 lets a legacy
# device be assigned twice: those checks are ours only.
PEER_CHECKS = tuple(c for c in CHECKS if c not in ("backend", "second-user"))

# (backend, our light-run config, the peer's)
BACKEND_PAIRS = (("legacy", "ours-legacy", "peer-legacy"),
                 ("iommufd", "ours-on", "peer-iommufd"))


def guest_command(root, out, configs=CONFIGS, repeat=REPEAT, mem=MEM,
                  trace=True):
    """The argv run_in_guest runs: the driver on the first bench device."""
    command = ["python3", str(DRIVER), "--ours",
               str(root / "qemu-system-x86_64"), "--configs",
               ",".join(configs), "--repeat", str(repeat), "--mem", mem,
               "--out", out]
    conformance = root / "tests/functional/conformance/uapi-conformance"
    if conformance.is_file():
        command += ["--conformance", str(conformance)]
    if trace:
        command.append("--trace")
    script = 'exec "$@" --device "${BENCH_DEVICES%% *}"'
    return ["/bin/sh", "-c", script, "sh"] + command


def median(values):
    return statistics.median(values) if values else None


def fmt(seconds):
    return f"{seconds:6.3f}" if seconds is not None else "   n/a"


def _list(values):
    return "[" + " ".join(f"{v:.2f}" for v in values) + "]"


def ttr_table(result):
    """Per backend: median time-to-ready of ours and the peer (light runs)
    and the raw map floor in the two kinds of memory."""
    floors = {(f["backend"], f["memory"]): f.get("map_s")
              for f in result.get("floors", [])}
    lines = [f"time-to-ready, {result.get('mem')} guest RAM: launch until "
             f"the first config read is answered (median of the light runs;"
             f" s)",
             "backend   ours    peer    | raw map floor: shared "
             "(memfd, 4 KiB pages)  private-thp (both VMMs' guest RAM: "
             "anonymous private + THP)",
             "-------   ------  ------  | ------  ------"]
    rows = {}

    def records(config):
        light = [r for r in result.get("ttr", [])
                 if r["config"] == config and "ready_s" in r]
        # Without light runs, the full run's figure (traced) stands in
        return light or [r for r in result.get("runs", [])
                         if r["config"] == config and "ready_s" in r]

    for backend, ours, peer in BACKEND_PAIRS:
        orec, prec = records(ours), records(peer)
        o = [r["ready_s"] for r in orec]
        p = [r["ready_s"] for r in prec]
        rows[backend] = (median(o), median(p), floors.get((backend, "shared")),
                         floors.get((backend, "private-thp")), len(o), len(p))
        lines.append(f"{backend:8}  {fmt(median(o))}  {fmt(median(p))}  | "
                     f"{fmt(floors.get((backend, 'shared')))}  "
                     f"{fmt(floors.get((backend, 'private-thp')))}"
                     f"   (runs: ours {_list(o)}, peer {_list(p)}; of which "
                     f"until the qtest connection: ours "
                     f"{_list([r['connect_s'] for r in orec])}, peer "
                     f"{_list([r['connect_s'] for r in prec])})")
    full = [f"{r['config']} {r['ready_s']:.3f}" for r in result["runs"]
            if "ready_s" in r]
    lines.append("full runs (with tracing): " + ", ".join(full))
    return "\n".join(lines), rows
