#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real-kernel measurements, run INSIDE the bench guest: time-to-ready (f),
the raw-uAPI floors, the per-call kernel cost and the second IOAS (d).

    python3 guest_ttr.py --device BDF [--device2 BDF] --ours PATH \
        [--peer PATH] [--conformance PATH] --mem 1G --repeat N --out FILE

(f): for each backend (legacy, iommufd) ours and the peer, alternately so
that drift hurts both alike, through the harness's peer driver
(tests/harness/peer_driver.py: launch with -M q35 -m MEM
-device vfio-pci,host=BDF[,iommufd=...], read config dword 0 over qtest,
SIGTERM); our legacy runs add iommufd=off (our default is auto).

Floors, with --conformance (`uapi-conformance --map-floor`): one map of MEM
of fresh private memory advised for huge pages (how both binaries back
default guest RAM; N times), of fresh shared 4 KiB pages (memfd's kind)
and of the same already faulted in; each also timed as a whole process
("proc_s": launch to exit, so launch, setup, map, unmap and teardown).
"calls": three maps of 4 KiB, prefaulted: one call's fixed cost, which
with the shared floors gives the sim's kernel model (tests/bench/kmodel.py).
"copy_floors" (iommufd, `--map-floor MEM --copy --prefault`): with MEM
mapped in an attached IOAS, IOMMU_IOAS_COPY of it into a second IOAS with
a domain of its own (IOMMU_HWPT_ALLOC), and a map of the same memory there;
shared 4 KiB pages N times (the sim scenarios' memory), private THP once:
the price of a page entering a domain without a new pin (map-ns-per-page).

(d), with --device2 and iommufd: ours with the first device cold-plugged,
then QMP device_add of the second behind a root port with
x-force-separate-ioas=on, x-ioas-copy=on (IOMMU_IOAS_COPY) and =off (every
section mapped again), alternately, with default guest RAM and with memfd
RAM; the time of the device_add is the measure.

Every binary runs paused (-S): the peer's -qtest leaves it on TCG, whose
vCPU would otherwise run SeaBIOS beside the measurement.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
from benchvm import Vm, VmError
from harness import peer_driver as pd

EDU_ID = 0x11e81234
SLOT = 4                # the first device's slot, as peer_driver's
PORT_SLOT = 8           # (d): the root port the second device goes behind


def run(binary, backend, bdf, mem, workdir, ours):
    orig = pd.peer_argv

    def argv(b, d, m, sock):
        a = orig(b, d, m, sock)     # paused (-S), see peer_argv
        a[0] = binary
        if ours and b == "legacy":
            a[-1] += ",iommufd=off"     # our default is auto
        return a
    pd.peer_argv = argv
    try:
        return pd.run_peer(backend, bdf, mem, workdir)
    finally:
        pd.peer_argv = orig


def floor(conformance, backend, bdf, size, memory):
    t0 = time.monotonic()
    if memory == "shared-prefaulted":       # not one of peer_driver's FLOORS
        pd.FLOORS.setdefault(memory, ["--prefault"])
    f = pd.map_floor(conformance, backend, bdf, size, memory)
    f["proc_s"] = time.monotonic() - t0
    return f


def copy_floor(conformance, bdf, size, thp):
    """uapi-conformance --map-floor SIZE --copy --prefault: the copy into
    a second IOAS with a domain, and the re-map there (iommufd)."""
    memory = "private-thp-prefaulted" if thp else "shared-prefaulted"
    argv = [conformance, "--backend", "iommufd", "--device", bdf,
            "--map-floor", size, "--copy", "--prefault"] + \
        (["--thp"] if thp else [])
    f = {"backend": "iommufd", "size": size, "memory": memory}
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    f["proc_s"] = time.monotonic() - t0
    m = re.search(r"map_seconds=([0-9.]+) .*\n.*copy_seconds=([0-9.]+) "
                  r"remap_seconds=([0-9.]+)", p.stdout)
    if p.returncode == 0 and m:
        f["map_s"], f["copy_s"], f["remap_s"] = (float(x)
                                                 for x in m.groups())
    else:
        f["error"] = (p.stdout + p.stderr).strip()[-2000:]
    return f


RAM_KINDS = {
    # default guest RAM: private anonymous memory advised for huge pages
    "default": (["-m"], "q35"),
    # shared 4 KiB pages
    "memfd": (["-object", "memory-backend-memfd,id=ram,size={mem}", "-m"],
              "q35,memory-backend=ram"),
}


def second_ioas(ours, bdf1, bdf2, mem, ram, copy, workdir, tag):
    """(d): one launch of ours, the time of the second device's
    device_add with x-ioas-copy=copy; ram: a RAM_KINDS key."""
    res = {"copy": copy, "mem": mem, "ram": ram}
    ram_args, machine = RAM_KINDS[ram]
    args = [a.format(mem=mem) for a in ram_args] + [mem,
            "-S", "-object", "iommufd,id=fd0",
            "-device", f"vfio-pci,host={bdf1},addr={SLOT:#x},iommufd=fd0",
            "-device", f"pcie-root-port,id=rp0,chassis=1,slot=1,"
            f"addr={PORT_SLOT:#x}"]
    vm = Vm(ours, args, simlib=None, simconf=None, workdir=workdir, tag=tag,
            machine=machine)
    try:
        vm.start()
        deadline = time.monotonic() + 60
        while vm.cfg_read(SLOT, 0) != EDU_ID:
            if time.monotonic() > deadline:
                raise VmError("the first device never answered")
            time.sleep(0.01)
        res["ready_s"] = time.monotonic() - vm.t0
        vm.connect_qmp()
        vm.qmp_cmd("query-status")
        vm.cfg_write(PORT_SLOT, 0x18, (1 << 16) | (1 << 8))
        c0, t0 = vm.cpu_now(), time.monotonic()
        vm.qmp_cmd("device_add", driver="vfio-pci", host=bdf2, bus="rp0",
                   id="second", iommufd="fd0",
                   **{"x-force-separate-ioas": True, "x-ioas-copy": copy})
        res["add_s"] = time.monotonic() - t0
        res["add_cpu_s"] = vm.cpu_now() - c0
        res["config0"] = f"{vm.cfg_read(0, 0, bus=1):#010x}"
        vm.quit()
    except (VmError, OSError) as e:
        vm.kill()
        res["error"] = f"{e}: {vm.tail(5)}"
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True)
    ap.add_argument("--device2")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--peer", default="qemu-system-x86_64")
    ap.add_argument("--conformance")
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    workdir = os.environ.get("TMPDIR", "/run")
    res = {"device": args.device, "device2": args.device2, "runs": [],
           "floors": [], "calls": [], "copy_floors": [], "d_runs": []}
    for backend in ("legacy", "iommufd"):
        for i in range(args.repeat):
            for name, path in (("ours", args.ours), ("peer", args.peer)):
                r = run(path, backend, args.device, args.mem, workdir,
                        name == "ours")
                r.update(binary=name, repeat=i)
                if "error" not in r:
                    r.pop("peer_output", None)
                res["runs"].append(r)
                save(args.out, res)     # a guest timeout keeps the rest
                print(f"{name} {backend} #{i}: ready "
                      f"{r.get('ready_s', -1):.3f} s {r.get('error', '')}",
                      flush=True)
        if not args.conformance:
            continue
        for memory, times in (("private-thp-fresh", args.repeat),
                              ("shared-fresh", 1),
                              ("shared-prefaulted", 1)):
            for _ in range(times):
                f = floor(args.conformance, backend, args.device, args.mem,
                          memory)
                res["floors"].append(f)
                save(args.out, res)
                print(f"floor {backend} {memory}: map {f.get('map_s')} s, "
                      f"process {f['proc_s']:.3f} s {f.get('error', '')}",
                      flush=True)
        for i in range(3):
            f = floor(args.conformance, backend, args.device, "4K",
                      "private-thp-prefaulted")
            res["calls"].append(f)
            save(args.out, res)
        calls = [c.get("map_s") for c in res["calls"]
                 if c["backend"] == backend]
        print(f"call {backend}: map of 4 KiB {calls} s", flush=True)
        if backend != "iommufd":
            continue
        for thp in [False] * args.repeat + [True]:
            f = copy_floor(args.conformance, args.device, args.mem, thp)
            res["copy_floors"].append(f)
            save(args.out, res)
            print(f"copy floor {f['memory']}: map {f.get('map_s')} s, "
                  f"copy {f.get('copy_s')} s, re-map {f.get('remap_s')} s "
                  f"{f.get('error', '')}", flush=True)
    if args.device2:
        for i in range(args.repeat):
            for ram in RAM_KINDS:
                for copy in (True, False):
                    r = second_ioas(args.ours, args.device, args.device2,
                                    args.mem, ram, copy, workdir,
                                    f"d{i}{ram}{int(copy)}")
                    r["repeat"] = i
                    res["d_runs"].append(r)
                    save(args.out, res)
                    print(f"(d) {ram} x-ioas-copy={'on' if copy else 'off'}"
                          f" #{i}: device_add {r.get('add_s', -1):.3f} s "
                          f"{r.get('error', '')}", flush=True)
    save(args.out, res)
    return 0


def save(path, res):
    with open(path + ".tmp", "w") as fh:
        json.dump(res, fh, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    sys.exit(main())
