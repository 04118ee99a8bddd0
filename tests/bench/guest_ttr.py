#!/usr/bin/env python3
"""Time-to-ready of ours and the peer, run INSIDE the real-kernel bench guest.

    python3 guest_ttr.py --device BDF --ours PATH --peer PATH \
        [--conformance PATH] --mem 1G --repeat N --out FILE

For each backend (legacy, iommufd) and binary it reuses peerlib's driver
(tests/functional/peerlib/peer_driver.py: launch with -M q35 -m MEM
-device vfio-pci,host=BDF[,iommufd=...], read config dword 0 over qtest,
SIGTERM), alternating the binaries so that drift hurts both alike, then
`uapi-conformance --map-floor MEM` for the raw-uAPI floor.  Our binary's
legacy runs add iommufd=off (its default is auto).
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent
                       / "functional" / "peerlib"))
import peer_driver as pd  # noqa: E402


def run(binary, backend, bdf, mem, workdir, ours):
    orig = pd.peer_argv

    def argv(b, d, m, sock):
        a = orig(b, d, m, sock)
        a[0] = binary
        if ours and b == "legacy":
            a[-1] += ",iommufd=off"     # our default is auto
        return a
    pd.peer_argv = argv
    try:
        return pd.run_peer(backend, bdf, mem, workdir)
    finally:
        pd.peer_argv = orig


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--peer", default="qemu-system-x86_64")
    ap.add_argument("--conformance")
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    workdir = os.environ.get("TMPDIR", "/run")
    res = {"device": args.device, "runs": [], "floors": []}
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
        if args.conformance:
            for memory in ("shared-fresh",):
                f = pd.map_floor(args.conformance, backend, args.device,
                                 args.mem, memory)
                res["floors"].append(f)
                save(args.out, res)
                print(f"floor {backend} {memory}: map {f.get('map_s')} s "
                      f"{f.get('error', '')}", flush=True)
    save(args.out, res)
    return 0


def save(path, res):
    with open(path + ".tmp", "w") as fh:
        json.dump(res, fh, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    sys.exit(main())
