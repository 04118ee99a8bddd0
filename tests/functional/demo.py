#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What `make run` shows: the real-kernel bench at work.

Boots the bench guest (building its kernel on first use) and runs, inside it,
what the project has so far:
  - the uAPI conformance program (build/tests/functional/conformance/
    uapi-conformance) with --backend legacy and --backend iommufd, printing
    its summary and timings;
  - the peer baseline that test_peer.py last measured (peer-results.json
    in the build tree), if there is one.
It says plainly what is not built yet.  The VFIO subsystem itself (our
qemu-system-x86_64 with vfio-pci) will be driven from here once it exists.

Usage: python3 tests/functional/demo.py --build build [--topology root-port]
"""

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib.guest import BenchError, ensure_kernel, run_in_guest  # noqa: E402
from benchlib.topology import TOPOLOGIES  # noqa: E402

CONFORMANCE = Path("tests/functional/conformance/uapi-conformance")
BACKENDS = ("legacy", "iommufd")

# Run each backend in turn; the status of the whole run is the worst one.
GUEST_SCRIPT = r"""
status=0
prog="$1"
for backend in {backends}; do
    echo "=== $backend ==="
    "$prog" --backend "$backend" \
        > "$RESULTS_DIR/conformance-$backend.txt" \
        2> "$RESULTS_DIR/conformance-$backend.err"
    rc=$?
    echo "exit status $rc"
    [ $rc -ne 0 ] && status=$rc
done
exit $status
"""


def say(text=""):
    print(text, flush=True)


def summarise(results_dir, backend):
    out = Path(results_dir, f"conformance-{backend}.txt")
    err = Path(results_dir, f"conformance-{backend}.err")
    lines = out.read_text(errors="replace").splitlines() if out.exists() else []
    errs = err.read_text(errors="replace").splitlines() if err.exists() else []
    summary = [l for l in lines if l.startswith("conformance:")]
    failed = [l for l in lines if "FAIL" in l]
    timings = [l for l in errs if l.startswith("timing:")]
    say(f"  {backend}: {summary[-1] if summary else 'no summary line'}")
    for l in failed[:20]:
        say(f"    {l}")
    for l in timings:
        say(f"    {l}")
    other = [l for l in errs if not l.startswith("timing:")]
    for l in other[-5:]:
        say(f"    stderr: {l}")


def print_peer_timings(build):
    """Show the last peer baseline (written by test_peer.py), if any."""
    path = Path(os.environ.get("PEER_RESULTS") or build / "peer-results.json")
    if not path.is_file():
        say(f"peer timings: not there yet ({path} does not exist; "
            f"`meson test -C {build.name} --suite functional peer` makes it)")
        return
    say(f"peer timings (from {path}):")
    try:
        from test_peer import table
        say(table(json.loads(path.read_text())))
    except Exception:  # an older or newer format: show it raw
        say(path.read_text().rstrip())


def main():
    p = argparse.ArgumentParser(description="real-kernel bench demo")
    p.add_argument("--build", default="build", help="meson build directory")
    p.add_argument("--topology", default="root-port",
                   choices=sorted(TOPOLOGIES))
    args = p.parse_args()
    build = Path(args.build).resolve()

    say("== real-kernel bench demo ==")
    try:
        kernel = ensure_kernel()
    except BenchError as e:
        say(f"demo: {e}")
        return 1
    say(f"guest kernel: {kernel}")

    prog = build / CONFORMANCE
    if not os.access(prog, os.X_OK):
        say(f"conformance program: not there yet ({prog} is not built); "
            "booting the bench with a device listing instead")
        command = ["/bin/sh", "-c",
                   "echo devices: $BENCH_DEVICES; echo groups: $BENCH_GROUPS;"
                   " ls -l /dev/iommu /dev/vfio /dev/vfio/devices"]
    else:
        command = ["/bin/sh", "-c",
                   GUEST_SCRIPT.format(backends=" ".join(BACKENDS)),
                   "conformance", str(prog)]

    say(f"booting topology '{args.topology}' "
        f"({TOPOLOGIES[args.topology].description}) ...")
    try:
        r = run_in_guest(args.topology, command, timeout=600)
    except BenchError as e:
        say(f"demo: {e}")
        return 1
    with r:
        t = r.timings
        say(f"guest up: {r.accel}, devices {' '.join(r.devices)}, "
            f"groups {' '.join(r.groups)}, boot-to-command "
            f"{t.get('boot_to_command', -1):.2f} s, wall {t['wall']:.2f} s")
        say(r.output.rstrip())
        if os.access(prog, os.X_OK):
            say("conformance summary:")
            for backend in BACKENDS:
                summarise(r.results_dir, backend)
        print_peer_timings(build)
        say("VFIO subsystem (our qemu-system-x86_64 with vfio-pci): "
            "not there yet; the demo will run it against the peer here")
        return r.status


if __name__ == "__main__":
    sys.exit(main())
