#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time-to-ready with memfd guest RAM, run INSIDE the bench guest.

    python3 guest_mapfile.py --device BDF --ours PATH [--peer-root DIR
        --peer-chroot SCRIPT] --mem 1G --repeat N --out FILE

Every binary gets MEM of guest RAM from memory-backend-memfd and one edu
through iommufd, runs paused (-S) under qtest, and is timed from launch
until config dword 0 of the device is answered (then quit): that holds
the device's attach and the DMA mapping of the whole RAM.  Variants, run
alternately so that drift hurts them alike:

  ours, map-file   our default: the RAM mapped with IOMMU_IOAS_MAP_FILE
                   where the kernel has it (trace vfio_dma_map_ram_file
                   says whether it did)
  ours, map        -object iommufd,x-map-file-ram=off: IOMMU_IOAS_MAP
  qemu-10          Debian's QEMU 10 on the guest's root
  qemu-11          QEMU 11 chrooted in the peer tree (with --peer-root)

Results go to --out as JSON ({"runs": [...]}).
"""

import argparse
import json
import os
import re
import sys
import time

from harness.guest import peer_root
from harness.qemu_client import Qemu, QemuError

EDU_ID = 0x11e81234
SLOT = 4


def argv_for(binary, mem, bdf, map_file):
    obj = "iommufd,id=fd0" + ("" if map_file else ",x-map-file-ram=off")
    return [binary, "-S", "-M", "q35,memory-backend=ram", "-m", mem,
            "-nodefaults", "-display", "none",
            "-object", f"memory-backend-memfd,id=ram,size={mem}",
            "-object", obj,
            "-device", f"vfio-pci,host={bdf},addr={SLOT:#x},iommufd=fd0"]


def run_one(variant, args, workdir):
    name, binary, map_file, prefix = variant
    argv = argv_for(binary, args.mem, args.device, map_file)
    trace = []
    if name.startswith("ours"):
        trace_path = os.path.join(workdir, "mapfile.trc")
        argv += ["-trace", f"vfio_dma_map*,file={trace_path}"]
    vm = Qemu(argv, workdir=workdir, name="mapfile", qmp=None,
              qtest_log="/dev/null", prefix=prefix, connect_timeout=300,
              answer_timeout=120)
    if prefix:
        vm.argv = peer_root.socket_paths_in_tree(vm.argv, workdir)
    run = {"variant": name, "mem": args.mem}
    with vm:
        try:
            vm.start()
            run["connect_s"] = vm.connect_s
            value = vm.qtest.pci(SLOT).cfg_read(0)
            run["ready_s"] = time.monotonic() - vm.t0
            run["config0"] = f"{value:#010x}"
        except QemuError as e:
            run["error"] = str(e)[-1500:]
        vm.kill()
    if name.startswith("ours"):
        try:
            with open(trace_path) as f:
                trace = f.read()
            os.unlink(trace_path)
        except OSError:
            pass
        run["ram_by_file"] = len(re.findall(r"vfio_dma_map_ram_file ",
                                            trace))
        run["ram_by_address"] = len(re.findall(
            r"vfio_dma_map .*ram_device=0", trace))
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--peer-root")
    ap.add_argument("--peer-chroot")
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    workdir = os.environ.get("TMPDIR", "/run")
    variants = [("ours, map-file", args.ours, True, []),
                ("ours, map", args.ours, False, []),
                ("qemu-10", "qemu-system-x86_64", True, [])]
    if args.peer_root and args.peer_chroot:
        variants.append(("qemu-11", "qemu-system-x86_64", True,
                         ["/bin/sh", args.peer_chroot, args.peer_root,
                          workdir]))
    res = {"device": args.device, "uname": os.uname().release, "runs": []}
    for i in range(args.repeat):
        for v in variants:
            r = run_one(v, args, workdir)
            r["repeat"] = i
            res["runs"].append(r)
            with open(args.out, "w") as f:
                json.dump(res, f, indent=1)
            print(f"{v[0]} #{i}: ready {r.get('ready_s', -1):.3f} s "
                  f"{r.get('error', '')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
