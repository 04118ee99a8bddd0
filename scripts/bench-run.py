#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one command in the real-kernel bench guest, by hand.

    python3 scripts/bench-run.py -t root-port -- sh -c 'ls /dev/vfio'

The command's output is printed, then a summary on stderr; the exit status
is the command's.  --keep keeps the results share and prints its path.
"""

import argparse
import os
import sys

# A program: it puts tests/ (the harness package) on the path itself.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))

from harness.guest.guest import BenchError, run_in_guest  # noqa: E402
from harness.guest.topology import TOPOLOGIES  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("-t", "--topology", default="root-bus",
                   choices=sorted(TOPOLOGIES) + [t.tag for t in TOPOLOGIES.values()])
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("-m", "--mem", default="2G")
    p.add_argument("-e", "--env", action="append", default=[],
                   metavar="K=V", help="export K=V to the command")
    p.add_argument("--accel", choices=("tcg", "kvm"))
    p.add_argument("--console", action="store_true",
                   help="print the serial console log too")
    p.add_argument("--keep", action="store_true",
                   help="keep the results share and print its path")
    p.add_argument("--qemu-arg", action="append", default=[],
                   help="extra QEMU argument (repeat)")
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    try:
        r = run_in_guest(args.topology, args.command, timeout=args.timeout,
                         mem=args.mem, env=env, extra_qemu_args=args.qemu_arg,
                         accel=args.accel)
    except BenchError as e:
        print(f"bench-run: {e}", file=sys.stderr)
        return 125
    sys.stdout.write(r.output)
    if args.console:
        print("--- console ---\n" + r.console, file=sys.stderr)
    t = r.timings
    print(f"bench-run: status {r.status}{' (timed out)' if r.timed_out else ''}"
          f", devices {' '.join(r.devices)}, groups {' '.join(r.groups)}, "
          f"{r.accel}, boot-to-command {t.get('boot_to_command', 0):.2f} s, "
          f"wall {t['wall']:.2f} s", file=sys.stderr)
    if args.keep:
        print(f"bench-run: results kept in {r.results_dir}", file=sys.stderr)
    else:
        r.cleanup()
    return r.status


if __name__ == "__main__":
    sys.exit(main())
