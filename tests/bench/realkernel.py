"""Scenario (f): time-to-ready on the real kernel, in the bench guest.

time_to_ready(ours, build) boots one bench guest (root-bus topology, 3 GiB)
that runs guest_ttr.py: ours and the peer alternately, 3 runs per backend
with 1 GiB of guest RAM, then the raw-uAPI floor (uapi-conformance
--map-floor 1G).  Returns (rows, error): rows as run.py prints them, the
floor as binary "floor" (shared fresh memory, what our memfd-backed RAM
is).  Runs missing after a guest timeout make "cannot-run" rows.
"""

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional"))

MEM = "1G"
REPEAT = 2


def _row(backend, binary, wall, extra, status="ok", why=""):
    return {"scenario": "f", "backend": backend, "binary": binary,
            "variant": f"{MEM}, median of {REPEAT}" if binary != "floor"
            else "raw uAPI map, shared", "status": status, "why": why,
            "ioctls": {}, "wall_s": wall, "cpu_s": None,
            "cpu_total_s": None, "extra": extra}


def time_to_ready(ours, build):
    try:
        from benchlib.guest import BenchError, run_in_guest
    except ImportError as e:
        return [], f"benchlib unavailable: {e}"
    conf = build / "tests/functional/conformance/uapi-conformance"
    command = ["python3", str(HERE / "guest_ttr.py"), "--ours", str(ours),
               "--mem", MEM, "--repeat", str(REPEAT),
               "--out", "/run/results/ttr.json"]
    if conf.is_file():
        command += ["--conformance", str(conf)]
    script = 'exec "$@" --device "${BENCH_DEVICES%% *}"'
    try:
        r = run_in_guest("root-bus", ["/bin/sh", "-c", script, "sh"]
                         + command, timeout=300, mem="3G")
    except BenchError as e:
        return [], str(e)
    with r:
        print(r.output.rstrip())
        try:
            res = json.loads((Path(r.results_dir) / "ttr.json").read_text())
        except (OSError, ValueError) as e:
            return [], f"no results from the guest ({e}), status {r.status}"
        if r.timed_out:
            print("# f: the guest command timed out; partial results")
    rows = []
    for backend in ("legacy", "iommufd"):
        for binary in ("ours", "peer"):
            runs = [x for x in res["runs"]
                    if x["backend"] == backend and x["binary"] == binary]
            ready = [x["ready_s"] for x in runs if "ready_s" in x
                     and x.get("config0") == "0x11e81234"]
            extra = {"runs": runs, "accel": r.accel}
            if binary == "ours":
                print(f"# f {backend}: {r.accel}, ready "
                      f"{[round(x, 3) for x in ready]} s")
            if not runs:
                rows.append(_row(backend, binary, None, extra, "cannot-run",
                                 "not reached before the guest's timeout"))
            elif len(ready) == len(runs):
                rows.append(_row(backend, binary, statistics.median(ready),
                                 extra))
            else:
                err = next((x.get("error") or f"config0 {x.get('config0')}"
                            for x in runs if "ready_s" not in x
                            or x.get("config0") != "0x11e81234"), "no run")
                # a refusal to start is not a crash; a signal would be
                rows.append(_row(backend, binary, None, extra, "cannot-run",
                                 err))
        floors = {f["memory"]: f for f in res["floors"]
                  if f["backend"] == backend}
        shared = floors.get("shared-fresh", {})
        extra = {"floors": list(floors.values())}
        if "map_s" in shared:
            rows.append(_row(backend, "floor", shared["map_s"], extra))
        else:
            rows.append(_row(backend, "floor", None, extra, "cannot-run",
                             shared.get("error", "uapi-conformance not "
                                        "built")))
    return rows, None
