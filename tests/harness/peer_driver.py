#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Measure the peer (Debian's QEMU) inside the bench guest.

Runs IN THE GUEST (the host's python3 is visible there through the 9p root):

    python3 peer_driver.py --device BDF --sizes 512M,1G \
        --backends legacy,iommufd --repeat 3 [--conformance PATH] --out FILE

For every backend, size and repetition it starts the peer with the edu
device assigned (vfio-pci, legacy container or iommufd), as a qtest target
whose qtest chardev connects to a unix socket this script listens on.  It
reads the assigned device's config dword 0 through the qtest protocol (a
PCI config cycle: outl 0xcf8 / inl 0xcfc), then ends the peer with SIGTERM.
Time-to-ready is launch until that read is answered.

With --conformance it also runs `uapi-conformance --map-floor SIZE` for each
backend and size: the raw-uAPI time to map the same amount of memory, in
three variants (FLOORS): fresh anonymous shared memory (4 KiB pages, each
faulted in by the map); fresh private memory advised for transparent huge
pages, which is how the peer backs guest RAM; and the same prefaulted, which
leaves the pinning and IOMMU programming alone.

The results go to --out as JSON (see the "runs" and "floors" keys).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

from harness.qemu_client import Qemu

PEER = "qemu-system-x86_64"
# The assigned device's slot in the peer's q35.
PEER_SLOT = 4
EDU_ID = 0x11e81234
CONNECT_TIMEOUT = 120
ANSWER_TIMEOUT = 120
EXIT_TIMEOUT = 60


class PeerError(RuntimeError):
    pass


def peer_argv(backend, bdf, mem, sock=None):
    """The peer's command line, the device last; qemu_client adds the
    qtest option.  @sock is unused: tests/bench/guest_ttr.py wraps this
    function with that signature."""
    # -S: Debian's QEMU has no qtest accelerator, so without it a TCG vCPU
    # runs SeaBIOS, whose PCI enumeration shares the CF8 latch with our
    # config cycles (answers from another register) and moves BARs.
    argv = [PEER, "-S", "-M", "q35", "-m", mem, "-nodefaults",
            "-display", "none"]
    dev = f"vfio-pci,host={bdf},addr={PEER_SLOT:#x}"
    if backend == "iommufd":
        argv += ["-object", "iommufd,id=iommufd0"]
        dev += ",iommufd=iommufd0"
    return argv + ["-device", dev]


def run_peer(backend, bdf, mem, workdir):
    argv = peer_argv(backend, bdf, mem, None)
    vm = Qemu(argv, workdir=workdir, name=f"peer-{backend}-{mem}", qmp=None,
              qtest_log="/dev/null", connect_timeout=CONNECT_TIMEOUT,
              answer_timeout=ANSWER_TIMEOUT)
    run = {"backend": backend, "mem": mem, "argv": vm.argv}
    with vm:
        try:
            vm.start()
            run["connect_s"] = vm.connect_s
            value = vm.qtest.pci(PEER_SLOT).cfg_read(0)
            run["ready_s"] = time.monotonic() - vm.t0
            run["after_connect_s"] = run["ready_s"] - run["connect_s"]
            run["config0"] = f"{value:#010x}"
            t1 = time.monotonic()
            run["exit_status"] = vm.terminate(EXIT_TIMEOUT)
            if vm.killed:
                raise PeerError(f"no exit within {EXIT_TIMEOUT} s of "
                                f"SIGTERM")
            run["exit_s"] = time.monotonic() - t1
        except Exception as e:
            run["error"] = str(e)
        run["peer_output"] = vm.output()[-4000:]
    return run


# uapi-conformance --map-floor variants: the memory it maps
FLOORS = {
    "shared-fresh": [],
    "private-thp-fresh": ["--thp"],
    "private-thp-prefaulted": ["--thp", "--prefault"],
}


def map_floor(conformance, backend, bdf, size, memory):
    argv = [conformance, "--backend", backend, "--device", bdf,
            "--map-floor", size] + FLOORS[memory]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    floor = {"backend": backend, "size": size, "status": p.returncode,
             "memory": memory}
    m = re.search(r"prefault_seconds=([0-9.]+) map_seconds=([0-9.]+) "
                  r"unmap_seconds=([0-9.]+)", p.stdout)
    if p.returncode == 0 and m:
        floor["prefault_s"] = float(m.group(1))
        floor["map_s"] = float(m.group(2))
        floor["unmap_s"] = float(m.group(3))
    else:
        floor["error"] = (p.stdout + p.stderr).strip()[-2000:]
    return floor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True)
    ap.add_argument("--sizes", default="512M,1G")
    ap.add_argument("--backends", default="legacy,iommufd")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--conformance")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    workdir = os.environ.get("TMPDIR", "/run")

    result = {"device": args.device, "runs": [], "floors": []}
    for size in args.sizes.split(","):
        for backend in args.backends.split(","):
            for i in range(args.repeat):
                run = run_peer(backend, args.device, size, workdir)
                run["repeat"] = i
                result["runs"].append(run)
                print(f"peer {backend} {size} #{i}: "
                      f"ready {run.get('ready_s', -1):.3f} s "
                      f"config0 {run.get('config0')} "
                      f"{run.get('error', '')}", flush=True)
            for memory in FLOORS if args.conformance else ():
                floor = map_floor(args.conformance, backend, args.device,
                                  size, memory)
                result["floors"].append(floor)
                print(f"floor {backend} {size} {floor['memory']}: "
                      f"map {floor.get('map_s')} s "
                      f"{floor.get('error', '')}", flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
