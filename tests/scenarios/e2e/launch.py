# SPDX-License-Identifier: GPL-2.0-or-later
"""The e2e scenario as its launchers see it, on either kernel.

driver_command() is the argv that runs e2e_driver.py; guest_command() the
one run_in_guest runs (the driver on the first bench device).  report()
judges the driver's results as TAP, one case per configuration and check,
the same on both kernels; ttr_table() reads the time-to-ready part.
Shared by tests/functional/test_e2e.py (the real kernel),
tests/scenarios/e2e/test_e2e_sim.py (the simulated one) and
scripts/demo.py (make run).
"""

import functools
import os
import statistics
from pathlib import Path

DRIVER = Path(__file__).resolve().parent / "e2e_driver.py"
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


def driver_command(python, ours, out, configs=CONFIGS, repeat=REPEAT,
                   mem=MEM, trace=True, conformance=None, device=None,
                   peer=None):
    """The driver's argv: @ours our binary, @out its JSON results."""
    command = [python, str(DRIVER), "--ours", str(ours), "--configs",
               ",".join(configs), "--repeat", str(repeat), "--mem", mem,
               "--out", str(out)]
    if conformance:
        command += ["--conformance", str(conformance)]
    if trace:
        command.append("--trace")
    if device:
        command += ["--device", device]
    if peer:
        command += ["--peer", str(peer)]
    return command


def guest_command(root, out, configs=CONFIGS, repeat=REPEAT, mem=MEM,
                  trace=True):
    """The argv run_in_guest runs: the driver on the first bench device."""
    conformance = root / "tests/functional/conformance/uapi-conformance"
    command = driver_command("python3", root / "qemu-system-x86_64", out,
                             configs, repeat, mem, trace,
                             conformance if conformance.is_file() else None)
    script = 'exec "$@" --device "${BENCH_DEVICES%% *}"'
    return ["/bin/sh", "-c", script, "sh"] + command


PEER_TODO = "failure of the peer (Debian's QEMU 10), not of ours"


def expected_checks(config):
    return PEER_CHECKS if config.startswith("peer") else CHECKS


def plan(configs=CONFIGS):
    """The number of TAP cases report() writes for @configs."""
    return sum(len(expected_checks(c)) for c in configs)


def report(tap, result, configs=CONFIGS, peer_todo=True):
    """One TAP case per configuration and check.  With @peer_todo a
    failure of the peer is a TODO (on the real kernel it is the
    yardstick, not the code under test); without, a failure."""
    runs = {r["config"]: r for r in result.get("runs", [])}
    for config in configs:
        run = runs.get(config, {})
        checks = {c["name"]: c for c in run.get("checks", [])}
        if run.get("first_attempt"):
            tap.diag(f"{config}: relaunched once; the first attempt failed: "
                     + "; ".join(run["first_attempt"]))
            tap.diag(run.get("first_attempt_output", ""))
        # The one known cause of a peer failure (its SeaBIOS sharing the
        # CF8 latch with our config cycles) is gone since the peer starts
        # paused (-S); a relaunch reported above is something new and
        # worth a look.
        fail = (functools.partial(tap.todo, reason=PEER_TODO)
                if peer_todo and config.startswith("peer") else
                functools.partial(tap.result, False))
        for name in expected_checks(config):
            c = checks.get(name)
            label = f"{config}: {name}"
            if c is None:
                why = run.get("error") or "not run (an earlier check failed)"
                fail(label, why=why)
            elif c["status"] == "n/a":
                tap.result(True, f"{label} # SKIP {c['detail']}")
            elif c["status"] == "pass":
                tap.result(True, f"{label}: {c['detail']}")
            else:
                fail(label, why=c["detail"])
        if run and any(c["status"] == "fail" for c in checks.values()):
            tap.diag(f"--- {config} VMM output (tail) ---")
            tap.diag(run.get("output", "")[-2500:])


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
