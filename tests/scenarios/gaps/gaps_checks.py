# SPDX-License-Identifier: GPL-2.0-or-later
"""What each gaps_driver.py scenario must have measured.

Shared by the bench test (tests/functional/test_gaps.py) and the
simulator test (tests/scenarios/gaps/test_gaps_sim.py).  Each check
takes the scenario's JSON (a dict) and raises AssertionError with the
reason; `summary` gives a one-line account of the facts for the TAP
diagnostics.
"""

import re

EDU_ID = 0x11e81234
P2P_WARNING = "peer-to-peer DMA to this device's BARs is unavailable"


def _ok(r):
    assert "error" not in r, f"driver: {r.get('error')}"
    assert r.get("exit") == 0, f"QEMU exit status {r.get('exit')}"


def _count(text, pattern):
    return len(re.findall(pattern, text))


def _hex_regs(regs):
    return {k: f"{v:#x}" for k, v in (regs or {}).items()}


def check_reset(r, *, registers_cleared=None):
    """FLR/bus reset by system_reset and by a guest secondary bus reset.

    registers_cleared: True to require edu's liveness and factorial back at
    their reset values, False to require them kept, None to only report.
    """
    _ok(r)
    assert r["config0"] == EDU_ID, f"config dword 0 {r['config0']:#x}"
    for k in ("dma_before", "dma_after_system_reset", "dma_after_sbr"):
        assert r[k] is True, f"{k}: the DMA round trip failed"
    assert r["resets_by_system_reset"] >= 1, \
        "system_reset did not reset the device"
    assert r["resets_by_sbr"] >= 1, \
        "the guest's secondary bus reset did not reset the device"
    assert "ok=0" not in r["trace"], "a reset failed"
    assert "cannot reset" not in r["stderr"], r["stderr"]
    for k in ("after_system_reset", "after_sbr"):
        regs = r[k]
        cleared = regs["liveness"] == 0xffffffff and regs["factorial"] in (0, 1)
        if registers_cleared is not None:
            assert cleared == registers_cleared, \
                f"{k}: edu registers {_hex_regs(regs)}"
    _check_p2p_once(r, "hd0")


def _check_p2p_once(r, owner):
    warnings = _count(r["stderr"], re.escape(P2P_WARNING))
    if r["backend"] == "iommufd":
        assert warnings == 1, f"{warnings} p2p warnings, expected 1"
        assert f" of {owner} " in r["stderr"], "the warning names no device"
    else:
        assert warnings == 0, f"{warnings} p2p warnings under legacy"
        assert "ram_device=1" in r["trace"], "legacy mapped no BAR"


def check_noreset(r):
    _ok(r)
    warnings = _count(r["stderr"], "warning: cannot reset the device")
    assert warnings == 1, f"{warnings} reset warnings, expected 1"
    assert "error:" not in r["stderr"], r["stderr"]
    assert r["config0_after"] == EDU_ID, "the device is gone after resets"


def check_refused_reset(r, other):
    """A bus reset that would hit a device that is not ours: one warning
    naming it."""
    check_noreset(r)
    assert other in r["stderr"], f"the warning does not name {other}"


def check_nop2p(r):
    _ok(r)
    assert r["dma"] is True, "DMA failed with x-p2p=off"
    assert "ram_device=1" not in r["trace"], "a BAR was DMA-mapped"
    assert P2P_WARNING not in r["stderr"], "p2p warning with x-p2p=off"


def check_hotreset(r, *, registers_cleared=None):
    _ok(r)
    assert r["hot_resets_by_system_reset"] >= 2, \
        f"{r['hot_resets_by_system_reset']} hot resets on system_reset"
    assert r["hot_resets_by_sbr"] >= 1, "the guest's bus reset did nothing"
    assert "ok=0" not in r["trace"], "a hot reset failed"
    assert r["dma_a"] and r["dma_a_after_sbr"], "DMA failed after reset"
    if registers_cleared is not None:
        for k in ("after_system_reset_a", "after_system_reset_b",
                  "after_sbr_a"):
            regs = r[k]
            cleared = regs["liveness"] == 0xffffffff and \
                regs["factorial"] in (0, 1)
            assert cleared == registers_cleared, \
                f"{k}: edu registers {_hex_regs(regs)}"


def check_group(r):
    _ok(r)
    assert r["containers_created"] == 1, \
        f"{r['containers_created']} containers for one group"
    assert r["joined"] == 1, "the second device did not join"
    assert r["copies"] == 0, "IOAS copy within one group"
    assert r["dma_a"] and r["dma_b"], "DMA failed"
    a = r["attempts"]
    assert "error" in a["other_backend"] and \
        "same IOMMU group" in a["other_backend"]["error"]["desc"], \
        f"other backend: {a['other_backend']}"
    if r["backend"] == "iommufd":
        assert "error" in a["other_iommufd"] and \
            "same IOMMU group" in a["other_iommufd"]["error"]["desc"], \
            f"other iommufd object: {a['other_iommufd']}"
    assert "return" in a["rejoin"], f"rejoin: {a['rejoin']}"
    assert r["maps_on_rejoin"] == 0, \
        f"{r['maps_on_rejoin']} mappings made when the sibling rejoined"
    assert r["dma_b_rejoined"], "DMA failed after rejoining"


def check_copy(r):
    _ok(r)
    assert r["containers_created"] == 2, \
        f"{r['containers_created']} containers, expected 2"
    assert r["copies"] >= 1, "the second IOAS was not filled by IOAS_COPY"
    assert r["dma_a"] and r["dma_b"], "DMA failed"
    if r["backend"] == "iommufd":
        warnings = _count(r["stderr"], re.escape(P2P_WARNING))
        assert warnings == 2, \
            f"{warnings} p2p warnings for 2 devices in 2 IOAS, expected 2"


def check_hotplug(r, *, fds=True):
    _ok(r)
    for name, reply in r["steps"].items():
        if name != "deleted_event":
            assert "return" in reply, f"{name}: {reply}"
    assert r["config0"] == EDU_ID, "the hot-plugged device does not answer"
    assert r["dma"], "DMA failed on the hot-plugged device"
    assert r["steps"]["deleted_event"]["data"]["device"] == "hp0"
    assert "vfio_container_destroy" in r["trace"], "no container destroyed"
    if r["backend"] == "legacy":
        # type1 maps a BAR mmap whenever the device decodes: a refusal
        # means the BAR was mapped before the kernel's decoding was on
        assert r["bar_map_failures"] == 0, \
            f"{r['bar_map_failures']} BAR mappings of the hot-plugged " \
            f"device refused"
    if fds:
        p = r["plugged"]["fds"]
        if r["backend"] == "iommufd":
            assert p["iommu"] >= 1 and p["vfio"] >= 1, f"plugged: {p}"
        else:
            assert p["vfio"] >= 2, f"plugged: {p}"
        for k in ("after_object_del",):
            left = r[k]
            assert left["fds"] == {"iommu": 0, "vfio": 0}, f"{k}: {left}"
            for acct in ("VmPin", "VmLck"):
                if acct in left:
                    assert left[acct] == "0 kB", f"{k}: {acct} {left[acct]}"


P2P_STEPS = ("moved", "decode_on", "reset", "replugged")


def check_p2p(r, *, p2p, cycles):
    """Peer-to-peer between two edus (scenario p2p).

    p2p: True if A's DMA must reach B's liveness register (legacy; iommufd
    where the kernel maps BARs as dma-bufs), False if the kernel cannot
    (iommufd on 6.12): then one warning per device instance, DMA to RAM
    still works.  Every round of move/decode/reset/replug must give the
    same answer and leave QEMU with the fds it had before.
    """
    _ok(r)
    want = 0xedcba987 if p2p else 0xffffffff
    assert r["dma_ram"] and r["dma_ram_after"], "DMA to RAM failed"
    assert r["p2p_mapped"] is p2p, f"qom-get p2p-mapped: {r['p2p_mapped']}"
    assert r["liveness"] == want, f"B's liveness {r['liveness']:#x}"
    assert len(r["rounds"]) == cycles, f"{len(r['rounds'])} rounds"
    for i, rnd in enumerate(r["rounds"]):
        assert "return" in rnd["replug"], f"round {i}: {rnd['replug']}"
        assert rnd["decode_off_mapped"] is False, \
            f"round {i}: B's BAR mapped with decoding off"
        for step in P2P_STEPS:
            assert rnd[step] == want, \
                f"round {i}, {step}: B's liveness {rnd[step]!r} (B's " \
                f"command register {rnd.get('command_replugged', 0):#x} " \
                f"after replug)"
    assert r["after"] == r["before"], \
        f"fds before {r['before']}, after {cycles} rounds {r['after']}"
    left = r["after_unplug"]["fds"]
    assert not any(left.values()), f"after unplugging both: {left}"
    # B rejoins A's container (IOAS) at each replug; none is left at the end
    assert r["containers_after_rounds"] == 1, \
        f"{r['containers_after_rounds']} containers after {cycles} rounds"
    assert r["containers_after_unplug"] == 0, \
        f"{r['containers_after_unplug']} containers after unplugging both"
    warnings = _count(r["stderr"], re.escape(P2P_WARNING))
    if p2p:
        # a replugged B whose BAR was mapped before the kernel decoded
        # it would warn here (EFAULT, or a revoked dma-buf)
        assert warnings == 0, f"{warnings} p2p warnings"
    else:
        # once per device instance: A, and B before and after each replug
        assert warnings == 2 + cycles, \
            f"{warnings} p2p warnings, expected {2 + cycles}"
    if r["backend"] == "iommufd" and p2p:
        assert "vfio_dma_map_file " in r["trace"], "no BAR mapped by file"


# What a peer prints when it cannot map a BAR (QEMU 10: the EFAULT of
# IOMMU_IOAS_MAP; QEMU 11 on a kernel without dma-bufs: its fallback).
PEER_P2P_WARNINGS = ("PCI peer-to-peer transactions on BARs are not supported",
                     "P2P DMA will not work")


def p2p_warnings(r):
    """How many times the binary said peer-to-peer DMA is lost."""
    text = r.get("stderr", "")
    if r.get("peer", "ours") == "ours":
        return _count(text, re.escape(P2P_WARNING))
    return sum(_count(text, re.escape(w)) for w in PEER_P2P_WARNINGS)


def p2p_notes(r):
    """What the trace says about how the BARs and the RAM were mapped."""
    trace = r.get("trace", "")
    notes = []
    for what, pattern in (("dma-buf", r"vfio_region_dmabuf "),
                          ("by-file", r"vfio_dma_map_file "),
                          ("BAR-by-mmap", r"vfio_dma_map .*ram_device=1"),
                          ("RAM-by-address", r"vfio_dma_map .*ram_device=0")):
        n = _count(trace, pattern)
        if n:
            notes.append(f"{what} {n}")
    return ", ".join(notes)


def check_p2p_peer(r):
    """A peer ran the p2p guest: DMA to RAM works; whether A reached B is
    the peer's own answer, printed side by side with ours."""
    assert "error" not in r, f"driver: {r.get('error')}"
    assert r["dma_ram"] and r["dma_ram_after"], "DMA to RAM failed"
    assert r.get("liveness") in (0xedcba987, 0xffffffff), \
        f"B's liveness {r.get('liveness')!r}: neither reached nor untouched"


def check_ram_by_file(r, *, by_file):
    """Guest RAM from a memfd backend: mapped with IOMMU_IOAS_MAP_FILE
    where the kernel has it (by_file), with IOMMU_IOAS_MAP otherwise; DMA
    to RAM works either way, and so does peer-to-peer where the BARs are
    dma-bufs."""
    _ok(r)
    assert r["ram"] == "memfd", f"guest RAM {r['ram']}"
    assert r["dma_ram"] and r["dma_ram_after"], "DMA to RAM failed"
    trace = r["trace"]
    ram_by_file = _count(trace, r"vfio_dma_map_ram_file ")
    ram_by_address = _count(trace, r"vfio_dma_map .*ram_device=0")
    if by_file:
        assert ram_by_file >= 1 and ram_by_address == 0, \
            f"RAM: {ram_by_file} maps by file, {ram_by_address} by address"
        assert r["liveness"] == 0xedcba987, \
            f"B's liveness {r['liveness']!r}"
    else:
        assert ram_by_file == 0 and ram_by_address >= 1, \
            f"RAM: {ram_by_file} maps by file, {ram_by_address} by address"


def _check_b_reached(r, event):
    """After each round of @event B still decodes and A's DMA reaches its
    liveness register."""
    for i, rnd in enumerate(r["rounds"]):
        assert rnd["command_b"] & 0x2, \
            f"round {i}: B's memory decoding is off ({rnd['command_b']:#x})"
        assert rnd["after"] == 0xedcba987, \
            f"round {i}: B's liveness after {event} {rnd['after']!r}"


def _check_no_fd_left(r):
    assert r["fds_after"] == r["fds_before"], \
        f"fds {r['fds_before']} before, {r['fds_after']} after"
    assert r["dma_ram"], "DMA to RAM failed"


def check_revoke(r):
    """A host bus reset that revokes B's dma-buf behind the guest's back
    (B's decoding stays on): the mapping is made again, A still reaches
    B, and no fd is left over."""
    _ok(r)
    assert r["before"] == 0xedcba987, f"before the reset: {r['before']!r}"
    assert r["hot_resets"] >= len(r["rounds"]), \
        f"{r['hot_resets']} hot resets for {len(r['rounds'])} bus resets"
    _check_b_reached(r, "the reset")
    for i, rnd in enumerate(r.get("d3_rounds", ())):
        assert rnd["pmcsr"] & 0x3 == 0, f"D3 round {i}: B not back in D0"
        assert rnd["after"] == 0xedcba987, \
            f"D3 round {i}: B's liveness after D3hot and D0 {rnd['after']!r}"
    _check_no_fd_left(r)


def check_revoke_d3(r):
    """check_revoke, and B's D3hot and back: the kernel revokes B's
    dma-buf in D3hot and gives it back in D0, the mapping stays dead in
    the IOAS until made again."""
    check_revoke(r)
    assert r.get("d3_rounds"), "B has no PM capability: no D3 round ran"


def check_flr(r):
    """The guest's FLR of B through its PCIe capability: the kernel
    revokes B's dma-buf around it; A still reaches B afterwards."""
    _ok(r)
    assert r["devcap_b"] and r["devcap_b"] & (1 << 28), \
        f"B offers no FLR in its PCIe capability: {r['devcap_b']!r}"
    assert r["before"] == 0xedcba987, f"before the FLR: {r['before']!r}"
    assert r["rounds"], "no FLR round ran"
    _check_b_reached(r, "the FLR")
    _check_no_fd_left(r)


def check_revoke_refused(r):
    """A's bus reset would hit B, assigned through the other backend: the
    kernel cannot take the reset (B is not A's iommufd's, or B's group is
    not open), so neither device's reset is tried: one warning each,
    naming the other, and nothing of B changes (A reaches it as before,
    or, if B's BAR could not be mapped in A's container, as before not)."""
    _ok(r)
    assert r["hot_resets"] == 0, f"{r['hot_resets']} hot resets"
    warnings = re.findall(r"warning: cannot reset the device: vfio (\S+): "
                          r"a bus reset would also reset (\S+),", r["stderr"])
    assert len(warnings) == 2 and warnings[0] == warnings[1][::-1], \
        f"reset warnings {warnings}, expected A naming B and B naming A"
    for i, rnd in enumerate(r["rounds"]):
        assert rnd["after"] == r["before"], \
            f"round {i}: B's liveness {rnd['after']!r} after the refused " \
            f"reset, {r['before']!r} before"
    assert r["fds_after"] == r["fds_before"], \
        f"fds {r['fds_before']} before, {r['fds_after']} after"
    assert r["dma_ram"], "DMA to RAM failed"


def check_leak_report(report):
    assert all(report.get(k) == 0 for k in
               ("ioas", "hwpt", "mappings", "pinned_bytes", "open_fds",
                "dmabufs")), \
        f"left behind: {report}"


def summary(r):
    keep = {}
    for k, v in r.items():
        if k in ("trace", "argv", "stderr"):
            continue
        if isinstance(v, dict) and set(v) >= {"liveness", "factorial"}:
            v = _hex_regs(v)
        keep[k] = v
    lines = [f"{k}: {v}" for k, v in keep.items()]
    if r.get("stderr", "").strip():
        lines.append("stderr: " + r["stderr"].strip())
    return "\n".join(lines)
