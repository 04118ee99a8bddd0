#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Assignment gaps on the real kernel: reset, groups, BAR p2p, hotplug, IOAS copy.

Boots the bench guest five times (see BOOTS: three topologies on 6.12,
two-groups and bridge-group again on 7.3) and runs our qemu-system-x86_64 in it with
tests/scenarios/gaps/gaps_driver.py, which plays the guest over qtest and
the management layer over QMP; gaps_checks.py says what each scenario must
have measured.  The two-groups boots also run the peer-to-peer scenario
(A's DMA into B's BAR) on the peers, QEMU 10 and QEMU 11 (chrooted in the
peer tree of harness/guest/peer_root.py), and print every binary's answer
side by side.  Output is TAP; each result's facts are shown as diagnostics.

    PYTHONPATH=tests QEMU_VFIO_BUILD_ROOT=build \
        [GAPS_TOPOLOGIES=root-port,two-groups@7.3,...] \
        [GAPS_RUNS=p2p,p2p-qemu-11,...] python3 tests/functional/test_gaps.py
"""

import json
import os
import shlex
import sys
from pathlib import Path

from harness.build_paths import build_with
from harness.guest import peer_root
from harness.guest.guest import run_in_guest
from harness.tap import Tap
from scenarios.gaps import gaps_checks as C

HERE = Path(__file__).resolve().parent
DRIVER = HERE.parent / "scenarios" / "gaps" / "gaps_driver.py"

BOTH = ("legacy", "iommufd")

PEERS = ("qemu-10", "qemu-11")
# p2p on the real kernel: rounds of move/decode/reset/replug for our binary
# (one in make check; the simulator runs 100).  GAPS_P2P_CYCLES=100 runs
# the leak check by hand.
P2P_CYCLES = int(os.environ.get("GAPS_P2P_CYCLES", "1"))


def _p2p(p2p):
    return lambda r: C.check_p2p(r, p2p=p2p, cycles=P2P_CYCLES)


def _p2p_runs(pair, dmabuf):
    """Ours with both backends (and memfd RAM under iommufd), then each
    peer with both.  dmabuf: the kernel exports BARs as dma-bufs."""
    cyc = f"--cycles {P2P_CYCLES}"
    return [
        ("p2p", "legacy", pair, cyc, _p2p(True)),
        ("p2p", "iommufd", pair, cyc, _p2p(dmabuf)),
        ("p2p-memfd", "iommufd", pair, "--ram memfd",
         lambda r: C.check_ram_by_file(r, by_file=dmabuf)),
        *[(f"p2p-{peer}", b, pair, f"--peer {peer} {{peer_args}}",
           C.check_p2p_peer) for peer in PEERS for b in BOTH],
    ]


# (topology, kernel series, extra QEMU arguments for the bench, runs).  A
# run is (name, backend, device indices in BENCH_DEVICES, driver flags,
# check); the name is the driver's scenario up to the first '-'.
# two-groups gets a third edu on the root bus (BDF 00:12.0, sorted first):
# the device without any reset.
BOOTS = (
    ("root-port", "6.12", (), [
        *[("reset", b, "1", "", lambda r: C.check_reset(r)) for b in BOTH],
        *[("hotplug", b, "1", "", C.check_hotplug) for b in BOTH],
        *[("nop2p", b, "1", "", C.check_nop2p) for b in BOTH],
    ]),
    ("bridge-group", "6.12", (), [
        *[("hotreset", b, "1,2", "", lambda r: C.check_hotreset(r))
          for b in BOTH],
        *[("group", b, "1,2", "", C.check_group) for b in BOTH],
    ]),
    ("two-groups", "6.12", ("-device", "edu,bus=pcie.0,addr=0x12"), [
        *[("noreset", b, "1", "", C.check_noreset) for b in BOTH],
        ("copy", "iommufd", "2,3", "", C.check_copy),
        *_p2p_runs("2,3", dmabuf=False),
    ]),
    ("two-groups", "7.3", (), _p2p_runs("1,2", dmabuf=True)),
    # a bus reset of A hits B too: B's dma-buf is revoked behind its back,
    # also with B in an IOAS of its own.  (Here A and B share an IOMMU
    # group, so B on the other backend is refused at start-up, as the
    # group scenario checks; the simulator runs that case in two groups.)
    ("bridge-group", "7.3", (), [
        ("revoke", "iommufd", "1,2", "--cycles 2", C.check_revoke),
        ("revoke-separate", "iommufd", "1,2", "--cycles 2 --b-separate",
         C.check_revoke),
    ]),
)


def find_qemu():
    return build_with("qemu-system-x86_64") / "qemu-system-x86_64"


def guest_script(qemu, runs, peer_args):
    lines = ["set -- $BENCH_DEVICES"]
    for name, backend, idx, flags, _ in runs:
        devs = ",".join(f"${{{i}}}" for i in idx.split(","))
        out = f"$RESULTS_DIR/{name}.{backend}.json"
        scenario = name.split("-")[0]
        lines.append(
            f"python3 {shlex.quote(str(DRIVER))} "
            f"--qemu {shlex.quote(str(qemu))} --scenario {scenario} "
            f"--backend {backend} --devices {devs} --out {out} "
            f"{flags.format(peer_args=peer_args)} "
            f">>$RESULTS_DIR/driver.log 2>&1")
    return "\n".join(lines) + "\n"


def boot_name(topo, series):
    return topo if series == "6.12" else f"{topo}@{series}"


def case_name(boot, scenario, backend):
    return f"{boot} {scenario} {backend}"


def p2p_table(rows):
    """Every binary's peer-to-peer answer, side by side."""
    out = ["p2p side by side (B's liveness after A's DMA of 0x12345678 into "
           "it: 0xedcba987 = reached)",
           f"{'kernel':7} {'binary':14} {'backend':8} {'ram':6} "
           f"{'liveness':11} {'dma-ram':8} {'p2p-mapped':11} "
           f"{'warnings':8} notes"]
    for series, r in rows:
        live = r.get("liveness")
        live = f"{live:#010x}" if isinstance(live, int) else str(live)
        binary = r.get("peer", "ours")
        if r.get("version"):
            q = r["version"].get("qemu", {})
            binary += f" {q.get('major')}.{q.get('minor')}.{q.get('micro')}"
        note = r.get("error", "")
        if not note:
            note = C.p2p_notes(r)
        out.append(f"{series:7} {binary:14} {r.get('backend', '?'):8} "
                   f"{r.get('ram', 'anon'):6} {live:11} "
                   f"{str(r.get('dma_ram')):8} "
                   f"{str(r.get('p2p_mapped')):11} "
                   f"{C.p2p_warnings(r):<8} {note}")
    return "\n".join(out)


def main():
    # GAPS_TOPOLOGIES=a,b@7.3 runs only those boots (to re-check by hand)
    only = os.environ.get("GAPS_TOPOLOGIES")
    boots = [b for b in BOOTS
             if not only or boot_name(b[0], b[1]) in only.split(",")]
    # GAPS_RUNS=p2p-qemu-11,p2p.iommufd,... runs only the runs of those
    # names (or name.backend)
    runs_only = os.environ.get("GAPS_RUNS")
    if runs_only:
        names = runs_only.split(",")
        boots = [(t, k, e, [x for x in runs
                            if x[0] in names or f"{x[0]}.{x[1]}" in names])
                 for t, k, e, runs in boots]
        boots = [b for b in boots if b[3]]
    total = sum(len(b[3]) for b in boots)
    tap = Tap(total)
    try:
        qemu = find_qemu()
    except FileNotFoundError as e:
        tap.fail_rest([case_name(boot_name(topo, series), s, b)
                       for topo, series, _, runs in boots
                       for s, b, *_ in runs], str(e))
        return tap.finish()
    try:
        peer = peer_root.ensure()
        peer_args = (f"--peer-root {shlex.quote(str(peer.path))} "
                     f"--peer-chroot {shlex.quote(str(peer_root.PEER_CHROOT))}")
    except peer_root.PeerRootError as e:
        # the QEMU 11 runs fail with the driver's reason
        tap.diag(f"no Debian 13 peer tree: {e}")
        peer_args = ""

    p2p_rows = []
    for topo, series, extra, runs in boots:
        boot = boot_name(topo, series)
        script = guest_script(qemu, runs, peer_args)
        try:
            # a minute more for each round of our binary's p2p runs
            rounds = sum(P2P_CYCLES for x in runs if x[0] == "p2p")
            r = run_in_guest(topo, ["/bin/sh", "-c", script],
                             timeout=900 + 60 * max(rounds - 2, 0),
                             extra_qemu_args=extra, kernel_series=series)
        except Exception as e:      # noqa: BLE001 (reported as TAP)
            tap.fail_rest([case_name(boot, s, b) for s, b, *_ in runs],
                          f"bench failed: {e}")
            continue
        with r:
            res = Path(r.results_dir)
            tap.diag(f"{boot}: devices {r.devices} groups {r.groups} "
                     f"({r.accel})")
            for scenario, backend, _, flags, check in runs:
                with tap.case(case_name(boot, scenario, backend)):
                    path = res / f"{scenario}.{backend}.json"
                    if not path.is_file():
                        log = (res / "driver.log")
                        raise AssertionError(
                            "no result; driver log:\n" +
                            (log.read_text() if log.is_file() else ""))
                    data = json.loads(path.read_text())
                    if scenario.startswith("p2p"):
                        p2p_rows.append((series, data))
                    tap.diag(C.summary(data))
                    check(data)
    if p2p_rows:
        tap.diag(p2p_table(p2p_rows))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
