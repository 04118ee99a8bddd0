#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Listener batching on the simulated kernel.

Runs our qemu-system-x86_64 under LD_PRELOAD=libvfio-sim.so, once per
backend (iommufd=on, iommufd=off), with one assigned device (the simulated
edu, its BAR0 mmap split by the MSI-X table and PBA, plus a second mmapped
BAR) behind a root port, and pci-testdev-dma functions (1 MiB RAM BAR4)
on the root bus, behind a root port and behind a PCIe-to-PCI bridge.  A
seeded random walk of guest actions is played over qtest and QMP, from
the layout a firmware would make (every BAR placed, windows open, decode
on), one action per step:

  BAR moves (32-bit BARs, either half of a 64-bit BAR), memory-decode
  toggles of functions and bridges, bridge window changes (a window shows
  or hides several BARs in one transaction): one config write, one
  transaction each; and device_add/device_del of pci-testdev-dma on the
  root bus and behind a root port, system_reset, and the firmware layout
  again: several transactions each.

After every step, with the simulator's mapping state (control socket,
'snapshot') and the step's map/unmap events ('events FROM'):

  a. the simulated kernel maps exactly what the FlatView (x-query-flatview)
     requires: every RAM section, trimmed to whole 4 KiB pages as
     hw/vfio/dma-map.c trims it, at its host address and with its
     readonly flag; ram-device sections (BAR mmaps) likewise on legacy,
     and not at all on iommufd (Linux 6.12 refuses them with EFAULT, and
     the simulator does too); nothing else.
     Not compared (the listener leaves them out by design, see
     hw/vfio/listener.c and dma-map.c): sections not wholly inside the
     host IOMMU's usable IOVA ranges (configs/batching.conf: they exclude
     the MSI window 0xfee00000-0xfeefffff and everything from 2^48; VFIO
     tries nothing there and reports the RAM it cannot map).  A section
     whose host address cannot be page-aligned with its IOVA must be
     unmapped (VFIO warns and skips it).  IOMMU regions and sections of
     2^64 bytes do not occur on this machine.
  b. no unmap was needless: every successful unmap covered at least one
     page whose translation changed in the step.  The other pages of such
     an unmap are collateral, not a failure: neither type1 nor iommufd can
     split a mapping, so a mapping goes whole when any of its pages
     changes (e.g. an MSI-X BAR moved over a page of a RAM BAR).  The
     collateral page count is printed.
  c. coalescing: the successful map (and copy) events of the step are at
     most the maximal runs, contiguous in IOVA and host address with one
     readonly flag, of the pages that must be (re)mapped: pages new or
     changed in the step, plus the collateral pages of (b).  A run is RAM
     only, or one BAR mmap (ram-device region) only: hw/vfio/dma-map.c
     never joins a BAR's mapping to RAM or to another BAR, even when the
     kernel happened to place the two mmaps next to each other, so that a
     BAR move never unmaps a neighbour that did not change and an EFAULT
     refusal stays with the region that earned it.
  In a step of several transactions a mapping may rightly live, or be
  gone, between two of them: a map undone by a later unmap, and an unmap
  whose pages a later map of the step brings back, are left out of (b),
  and (c) does not apply.

A failure prints the seed, backend, step and action with expected and
actual values; the walk goes on.  The summary line per backend is
"N passed, N failed" (steps).  Output is TAP.

    VFIO_SIM_LIB=build/tests/vfio-sim/libvfio-sim.so \\
    QEMU_VFIO_QEMU=build/qemu-system-x86_64 \\
    [BATCHING_SEED=N] [BATCHING_STEPS=300] [BATCHING_VERBOSE=1] \\
    [BATCHING_BACKENDS=legacy,iommufd] \\
        PYTHONPATH=tests python3 tests/scenarios/batching/test_batching.py

BATCHING_SEED replays a walk (it is printed first); BATCHING_VERBOSE=1
prints every step with its map/unmap calls.
"""

import bisect
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

from harness.build_paths import simulator_and_vmm
from harness.qemu_client import Qemu
from harness.sim_control import SimControl
from harness.tap import Tap

HERE = Path(__file__).resolve().parent

PAGE = 4096
MIB = 1 << 20
MASK64 = (1 << 64) - 1
CONFIG = HERE / "batching.conf"
ASSIGNED = "0000:01:00.0"
MAX_DETAILED_FAILURES = 20

# Guest addresses: most BARs and windows land in the 20 MiB area of the
# firmware's layout (FIRMWARE), so they overlap each other and the windows
# often.
AREA = 0xE0000000
AREA_MIB = 20
# Places where a BAR is hidden or not mappable.
SPECIAL = (0xFED00000,      # just below the MSI window: usable
           0xFEE00000,      # the MSI window: the doorbell covers it
           0xB0000000,      # ECAM covers it
           0x08000000,      # guest RAM covers it
           0xFFF00000)      # top of the 32-bit space: usable
HIGH_HALVES = (0, 0, 0, 0, 1, 0xFFFF, 0x10000, 0xFFFFFFFF)

# Bridges: qdev id -> (slot on bus 0, secondary bus)
BRIDGES = {"rp0": (2, 1), "rp1": (3, 2), "rp2": (4, 3), "pb": (5, 4)}
# BARs: (index, size, 64-bit, weight): VFIO maps the edu's BARs (mmaps)
# and pci-testdev-dma's BAR4 (RAM); its BAR0 (MMIO) and BAR2 (MSI-X)
# only cover them.
EDU_BARS = ((0, MIB, False, 3), (2, 0x10000, False, 2))
TD_BARS = ((0, MIB, False, 1), (2, 0x1000, False, 1), (4, MIB, True, 3))
# Functions: qdev id -> (bus, slot, BARs)
FUNCS = {
    "hd0": (1, 0, EDU_BARS),
    "td0": (0, 6, TD_BARS),
    "td1": (2, 0, TD_BARS),
    "td2": (4, 1, TD_BARS),
    "td3": (4, 2, TD_BARS),
    "hpA": (0, 7, TD_BARS),
    "hpB": (3, 0, TD_BARS),
}
# Guest actions and their weights
ACTIONS = (("bar", 40), ("decode", 22), ("window", 22), ("window-upper", 4),
           ("plug", 8), ("reset", 1), ("firmware", 3))
# Actions made of several transactions (see transient())
MULTI = ("plug", "reset", "firmware")
# The firmware's layout: where each function's BARs go (each BAR in its own
# MiB, in BAR order) and the memory window of each bridge.
FIRMWARE = {"td0": 0xE0000000, "hpA": 0xE0300000, "hd0": 0xE0600000,
            "td1": 0xE0800000, "hpB": 0xE0B00000, "td2": 0xE0E00000,
            "td3": 0xE1100000}
FIRMWARE_WINDOWS = {"rp0": (0xE0600000, 0xE07FFFFF),
                    "rp1": (0xE0800000, 0xE0AFFFFF),
                    "rp2": (0xE0B00000, 0xE0DFFFFF),
                    "pb": (0xE0E00000, 0xE13FFFFF)}
# Hot-plug slots: qdev id -> device_add arguments besides driver and id
HOTPLUG = {"hpA": {"bus": "pcie.0", "addr": "07.0"}, "hpB": {"bus": "rp2"}}


class Fail(RuntimeError):
    pass


class Vmm:
    """Our qemu-system-x86_64 on the simulated kernel."""

    def __init__(self, qemu, lib, backend, tmp):
        control = str(Path(tmp) / f"{backend}.ctl")
        iommufd = "fd0" if backend == "iommufd" else "off"
        argv = [str(qemu), "-M", "q35", "-m", "256M", "-nodefaults",
                "-display", "none"]
        if backend == "iommufd":
            argv += ["-object", "iommufd,id=fd0"]
        argv += [
            "-device", "pcie-root-port,id=rp0,chassis=1,slot=1,addr=02.0",
            "-device", f"vfio-pci,host={ASSIGNED},bus=rp0,id=hd0,"
                       f"iommufd={iommufd}",
            "-device", "pcie-root-port,id=rp1,chassis=2,slot=2,addr=03.0",
            "-device", "pci-testdev-dma,bus=rp1,id=td1",
            "-device", "pcie-root-port,id=rp2,chassis=3,slot=3,addr=04.0",
            "-device", "pcie-pci-bridge,id=pb,addr=05.0",
            "-device", "pci-testdev-dma,bus=pb,addr=01.0,id=td2",
            "-device", "pci-testdev-dma,bus=pb,addr=02.0,id=td3",
            "-device", "pci-testdev-dma,addr=06.0,id=td0"]
        # the simulated kernel for QEMU only, not for this interpreter
        env = {"LD_PRELOAD": str(lib), "VFIO_SIM_CONFIG": str(CONFIG),
               "VFIO_SIM_CONTROL": control}
        self.vm = Qemu(argv, workdir=tmp, name=backend, env=env)
        try:
            self.vm.start()
            self.vm.wait_running()
            self.qt = self.vm.qtest
            self.qmp = self.vm.qmp
            self.sim = SimControl(control)
        except BaseException:
            self.vm.close()
            raise

    def alive(self):
        return self.vm.status is None

    def close(self):
        try:
            self.sim.close()
            self.vm.quit()
        finally:
            self.vm.close()


# ---- the guest -------------------------------------------------------------

class Guest:
    """Plays the firmware and the OS: one action per step."""

    def __init__(self, vmm, rng):
        self.vmm = vmm
        self.qt = vmm.qt
        self.rng = rng
        self.present = {name: name not in HOTPLUG for name in FUNCS}
        self.exp_cap = {}
        self.number_buses()
        for name, (slot, _) in BRIDGES.items():
            self.exp_cap[name] = self._pci(0, slot).find_capability(0x10)

    def _pci(self, bus, slot):
        return self.qt.pci(slot, bus=bus)

    def number_buses(self):
        for slot, sec in BRIDGES.values():
            self._pci(0, slot).cfg_write(0x18, (sec << 16) | (sec << 8))

    # The walk leans towards a visible topology (windows that cover the
    # BARs behind them, BARs inside their bridge's window, decode on more
    # often than off) so that most steps change what VFIO maps.

    def _parent(self, bus):
        for name, (_, sec) in BRIDGES.items():
            if sec == bus:
                return name
        return None

    def _open_windows(self, bridge):
        slot = BRIDGES[bridge][0]
        out = []
        for off in (0x20, 0x24):
            v = self._pci(0, slot).cfg_read(off)
            base = (v & 0xfff0) << 16
            limit = ((v >> 16) & 0xfff0) << 16 | 0xfffff
            if base <= limit:
                out.append((base, limit))
        return out

    def _addr(self, bus, size):
        parent = self._parent(bus)
        windows = self._open_windows(parent) if parent else []
        r = self.rng.random()
        if windows and r < 0.5:
            base, limit = self.rng.choice(windows)
            slots = max(1, (limit + 1 - base) // size)
            addr = base + self.rng.randrange(slots) * size
        elif r < 0.85:
            addr = AREA + self.rng.randrange(AREA_MIB) * MIB
            if size < MIB:
                addr += self.rng.randrange(MIB // size) * size
        elif r < 0.97:
            addr = self.rng.choice(SPECIAL)
        else:
            addr = 0
        return addr & ~(size - 1)

    def _children_span(self, bridge):
        """The 32-bit range the BARs behind @bridge occupy, or None."""
        sec = BRIDGES[bridge][1]
        lo, hi = None, None
        for name, (bus, slot, bars) in FUNCS.items():
            if bus != sec or not self.present[name]:
                continue
            for index, size, _, _ in bars:
                addr = self._pci(bus, slot).cfg_read(0x10 + 4 * index)
                addr &= ~(size - 1) & 0xfffffff0
                if addr:
                    lo = addr if lo is None else min(lo, addr)
                    hi = addr + size if hi is None else max(hi, addr + size)
        return (lo, hi) if lo is not None else None

    def _window(self, bridge):
        r = self.rng.random()
        span = self._children_span(bridge)
        base = AREA + self.rng.randrange(AREA_MIB) * MIB
        if span and r < 0.6:
            base, limit = span[0], span[1] - 1
        elif r < 0.7:
            limit = base + self.rng.randrange(1, 9) * MIB - 1
        elif r < 0.8:
            base, limit = AREA, AREA + AREA_MIB * MIB - 1
        elif r < 0.92:
            limit = base - MIB - 1              # closed
        else:
            base, limit = 0xFED00000, 0xFFFFFFFF
        base &= ~(MIB - 1)
        return (((limit >> 16) & 0xfff0) << 16) | ((base >> 16) & 0xfff0)

    def step(self):
        """Does one random action; returns (kind, description)."""
        kind = self.rng.choices([a for a, _ in ACTIONS],
                                [w for _, w in ACTIONS])[0]
        return kind, self._do(kind)

    def _decode(self):
        """Turns memory decode of a function or bridge on (3:1) or off."""
        targets = [(n, *FUNCS[n][:2]) for n in FUNCS if self.present[n]]
        targets += [(n, 0, slot) for n, (slot, _) in BRIDGES.items()]
        cmds = {t: self._pci(t[1], t[2]).cfg_read(0x04, 2) for t in targets}
        weights = [1 if cmds[t] & 2 else 3 for t in targets]
        name, bus, slot = t = self.rng.choices(targets, weights)[0]
        new = cmds[t] ^ 0x2
        self._pci(bus, slot).cfg_write(0x04, new, 2)
        return f"{name} memory decode {'on' if new & 2 else 'off'}"

    def _do(self, kind):
        present = [n for n in FUNCS if self.present[n]]
        if kind == "bar":
            name = self.rng.choice(present)
            bus, slot, bars = FUNCS[name]
            index, size, is64, _ = self.rng.choices(
                bars, [b[3] for b in bars])[0]
            if is64 and self.rng.random() < 0.35:
                val = self.rng.choice(HIGH_HALVES)
                off = 0x10 + 4 * (index + 1)
                self._pci(bus, slot).cfg_write(off, val)
                return f"{name} BAR{index} high half = {val:#x}"
            val = self._addr(bus, size)
            self._pci(bus, slot).cfg_write(0x10 + 4 * index, val)
            return f"{name} BAR{index} low half = {val:#x}"
        if kind == "decode":
            return self._decode()
        if kind == "window":
            name = self.rng.choice(list(BRIDGES))
            off = self.rng.choice((0x20, 0x24))
            val = self._window(name)
            self._pci(0, BRIDGES[name][0]).cfg_write(off, val)
            what = "memory" if off == 0x20 else "prefetchable"
            return (f"{name} {what} window {(val & 0xfff0) << 16:#x}-"
                    f"{((val >> 16) & 0xfff0) << 16 | 0xfffff:#x}")
        if kind == "window-upper":
            name = self.rng.choice(list(BRIDGES))
            off = self.rng.choice((0x28, 0x2c))
            val = self.rng.choice((0, 0, 1, 0xFFFF))
            self._pci(0, BRIDGES[name][0]).cfg_write(off, val)
            what = "base" if off == 0x28 else "limit"
            return f"{name} prefetchable {what} upper 32 = {val:#x}"
        if kind == "plug":
            name = self.rng.choice(list(HOTPLUG))
            if self.present[name]:
                self.unplug(name)
                return f"device_del {name}"
            self.vmm.qmp.cmd("device_add", driver="pci-testdev-dma", id=name,
                            **HOTPLUG[name])
            self.present[name] = True
            return f"device_add {name}"
        if kind == "firmware":
            self.firmware()
            return "firmware layout: every BAR placed, windows open, decode on"
        self.vmm.qmp.cmd("system_reset")
        self.vmm.qmp.wait_event("RESET")
        self.number_buses()
        return "system_reset"

    def firmware(self):
        """Lays out and enables everything, as firmware would at boot."""
        for name, (slot, _) in BRIDGES.items():
            base, limit = FIRMWARE_WINDOWS[name]
            self._pci(0, slot).cfg_write(0x20, (limit >> 16 << 16) |
                              (base >> 16))
            self._pci(0, slot).cfg_write(0x24, 0x0000fff0)    # closed
            self._pci(0, slot).cfg_write(0x28, 0)
            self._pci(0, slot).cfg_write(0x2c, 0)
            self._pci(0, slot).cfg_write(0x04, 0x6, 2)
        for name, (bus, slot, bars) in FUNCS.items():
            if not self.present[name]:
                continue
            for n, (index, _, is64, _) in enumerate(bars):
                self._pci(bus, slot).cfg_write(0x10 + 4 * index,
                                  FIRMWARE[name] + n * MIB)
                if is64:
                    self._pci(bus, slot).cfg_write(0x14 + 4 * index, 0)
            self._pci(bus, slot).cfg_write(0x04, 0x6, 2)

    def unplug(self, name):
        self.vmm.qmp.cmd("device_del", id=name)
        bus = HOTPLUG[name]["bus"]
        if bus in BRIDGES:
            # The guest answers the attention button: slot power off.
            slot = BRIDGES[bus][0]
            sltctl = self.exp_cap[bus] + 0x18
            v = self._pci(0, slot).cfg_read(sltctl, 2)
            if v & 0x400:
                # A hot-added card's slot is off until the guest powers it.
                v = (v & ~0x700) | 0x100
                self._pci(0, slot).cfg_write(sltctl, v, 2)
            self._pci(0, slot).cfg_write(sltctl, v | 0x400 | 0x300, 2)
        self.vmm.qmp.wait_event("DEVICE_DELETED")
        self.present[name] = False


# ---- page translations as intervals ----------------------------------------
# A translation is a sorted list of (start, end, vaddr, readonly) with
# disjoint [start, end); canonical when contiguous pieces are merged.

def canonical(pieces):
    out = []
    for s, e, v, ro in sorted(p for p in pieces if p[1] > p[0]):
        if out:
            ps, pe, pv, pro = out[-1]
            if pe == s and pv + (pe - ps) == v and pro == ro:
                out[-1] = (ps, e, pv, ro)
                continue
        out.append((s, e, v, ro))
    return out


def without(pieces, holes):
    """The pieces with every range of holes (list of (start, end)) cut out."""
    out = []
    for s, e, v, ro in pieces:
        cur = [(s, e)]
        for hs, he in holes:
            nxt = []
            for a, b in cur:
                if he <= a or hs >= b:
                    nxt.append((a, b))
                    continue
                if a < hs:
                    nxt.append((a, hs))
                if he < b:
                    nxt.append((he, b))
            cur = nxt
        out += [(a, b, v + (a - s), ro) for a, b in cur]
    return canonical(out)


class Lookup:
    def __init__(self, pieces):
        self.pieces = pieces
        self.starts = [p[0] for p in pieces]

    def at(self, addr):
        """(host address, readonly) of addr, or None."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0:
            s, e, v, ro = self.pieces[i]
            if addr < e:
                return (v + addr - s, ro)
        return None


def segments(a, b, extra=(), lo=0, hi=1 << 64):
    """Elementary [p, q) of lo..hi where a and b are each linear or absent.

    Yields (p, q, ta, tb) with ta/tb the translation of p in a/b or None.
    extra: more breakpoints (e.g. unmapped ranges).
    """
    points = {lo, hi}
    for s, e, _, _ in a + b:
        points.update((s, e))
    for s, e in extra:
        points.update((s, e))
    points = sorted(x for x in points if lo <= x <= hi)
    la, lb = Lookup(a), Lookup(b)
    for p, q in zip(points, points[1:]):
        ta, tb = la.at(p), lb.at(p)
        if ta is not None or tb is not None:
            yield p, q, ta, tb


def fmt_t(t):
    if t is None:
        return "nothing"
    return f"host {t[0]:#x}{' readonly' if t[1] else ''}"


def coalescing_units(flatview):
    """(start, end, unit) of the RAM and ram-device sections, sorted.

    The engine coalesces RAM with RAM and a BAR mmap only with itself.
    """
    out = []
    for sec in flatview:
        if sec["kind"] == "ram":
            unit = "ram"
        elif sec["kind"] == "ram-device":
            unit = "ram-device " + sec["region"]
        else:
            continue
        start = sec["start"] & MASK64
        out.append((start, start + (sec["size"] & MASK64 or 1 << 64), unit))
    return sorted(out)


def unit_at(units, starts, addr):
    i = bisect.bisect_right(starts, addr) - 1
    if i >= 0 and addr < units[i][1]:
        return units[i][2]
    return None


def expected_mappings(flatview, backend, usable):
    """(pieces the kernel must map, ranges not compared) for a FlatView."""
    want, skip = [], []
    for sec in flatview:
        kind = sec["kind"]
        if kind not in ("ram", "ram-device"):
            continue
        start = sec["start"] & MASK64
        size = sec["size"] & MASK64 or 1 << 64
        end = start + size
        s = (start + PAGE - 1) & ~(PAGE - 1)
        e = end & ~(PAGE - 1)
        if s >= e:
            continue
        if not any(us <= s and e <= ue for us, ue in usable):
            skip.append((start, end))
            continue
        host = (sec["host"] & MASK64) + (s - start)
        if host % PAGE:
            continue            # VFIO warns and maps nothing
        if kind == "ram-device" and backend == "iommufd":
            continue            # EFAULT: peer-to-peer unavailable
        want.append((s, e, host, sec["readonly"]))
    return canonical(want), skip


def space_pieces(snapshot):
    spaces = snapshot.get("spaces", [])
    if len(spaces) != 1:
        raise Fail(f"expected one container/IOAS, the simulator has "
                   f"{len(spaces)}: {[(s['kind'], s['id']) for s in spaces]}")
    sp = spaces[0]
    return (sp["kind"], sp["id"]), canonical(
        (m["iova"], m["iova"] + m["size"], m["vaddr"], m["readonly"])
        for m in sp["mappings"])


def usable_ranges():
    for line in CONFIG.read_text().splitlines():
        if line.startswith("iova-ranges="):
            out = []
            for item in line.split("=", 1)[1].split(";"):
                a, b = item.split("-")
                out.append((int(a, 0), int(b, 0) + 1))
            return out
    raise Fail(f"{CONFIG}: no iova-ranges")


# ---- the checks ------------------------------------------------------------

def transient(events):
    """Seqs of the map and unmap events of a step that undo one another.

    A map undone by a later unmap of the same range, and an unmap whose
    pages a later map brings back.  Only for steps made of several
    transactions (system_reset, device_add/del, the firmware layout): a
    mapping may rightly live, or be gone, between two of them.
    """
    ok = [e for e in events if not e["result"]]
    out = set()
    for i, a in enumerate(ok):
        a_end = a["iova"] + a["size"]
        for b in ok[i + 1:]:
            if b["space"] != a["space"]:
                continue
            b_end = b["iova"] + b["size"]
            if a["op"] in ("map", "copy") and b["op"] == "unmap" and \
                    b["iova"] <= a["iova"] and a_end <= b_end:
                out.update((a["seq"], b["seq"]))
                break
            if a["op"] == "unmap" and b["op"] in ("map", "copy") and \
                    b["iova"] < a_end and a["iova"] < b_end:
                out.add(a["seq"])
                break
    return out


def check_state(before, after, events, flatview, backend, usable,
                multi=False):
    """Checks (a), (b), (c) for one step; returns (failures, collateral).

    multi: the step was several transactions (see transient()); (c) then
    does not apply, since a run can rightly take one map per transaction.
    """
    fails = []
    space, now = after
    want, skip = expected_mappings(flatview, backend, usable)
    have = without(now, skip)
    want = without(want, skip)
    if have != want:
        diffs = [(p, q, ta, tb) for p, q, ta, tb in segments(want, have)
                 if ta != tb]
        lines = [f"IOVA {p:#x}-{q - 1:#x}: FlatView wants {fmt_t(ta)}, "
                 f"the kernel maps {fmt_t(tb)}" for p, q, ta, tb in diffs[:6]]
        if len(diffs) > 6:
            lines.append(f"... and {len(diffs) - 6} more differences")
        fails.append("(a) mappings differ from the FlatView:\n  "
                     + "\n  ".join(lines))
    if before is None:
        return fails, 0
    old = before[1]
    skip_seq = transient(events) if multi else set()
    mine = [e for e in events if e["result"] == 0 and
            e["seq"] not in skip_seq and
            (e["space"]["kind"], e["space"]["id"]) == space]
    unmaps = [(e["iova"], e["iova"] + e["size"]) for e in mine
              if e["op"] == "unmap"]
    collateral = 0
    for lo, hi in unmaps:
        changed = kept = 0
        for p, q, t0, t1 in segments(old, now, lo=lo, hi=hi):
            if t0 is None:
                continue
            if t0 == t1:
                kept += (q - p) // PAGE
            else:
                changed += (q - p) // PAGE
        if not changed and kept:
            fails.append(f"(b) needless unmap of IOVA {lo:#x}-{hi - 1:#x}: "
                         f"all {kept} pages are mapped identically before "
                         f"and after the step")
        elif changed:
            collateral += kept
    units = coalescing_units(flatview)
    starts = [u[0] for u in units]
    runs = []
    for p, q, t0, t1 in segments(old, now, extra=unmaps + [
            (s, e) for s, e, _ in units]):
        if t1 is None:
            continue
        redone = any(lo <= p and q <= hi for lo, hi in unmaps)
        if t0 == t1 and not redone:
            continue
        unit = unit_at(units, starts, p)
        if runs and runs[-1][1] == p and \
                runs[-1][2] + (p - runs[-1][0]) == t1[0] and \
                runs[-1][3] == t1[1] and runs[-1][4] == unit:
            runs[-1] = (runs[-1][0], q, runs[-1][2], t1[1], unit)
        else:
            runs.append((p, q, t1[0], t1[1], unit))
    maps = [e for e in mine if e["op"] in ("map", "copy")]
    if not multi and len(maps) > len(runs):
        fails.append(
            f"(c) {len(maps)} successful maps for {len(runs)} runs of new "
            f"or changed pages:\n  maps: "
            + ", ".join(f"{e['op']} {e['iova']:#x}+{e['size']:#x}"
                        for e in maps[:8])
            + "\n  runs: "
            + ", ".join(f"{s:#x}-{e - 1:#x}" for s, e, _, _, _ in runs[:8]))
    return fails, collateral


# ---- the walk --------------------------------------------------------------

def new_events(sim, seen):
    """The events numbered after seen, and the new last number."""
    reply = sim.events(seen + 1)
    if reply.get("truncated"):
        raise Fail("the simulator's event log was truncated: the step's "
                   "ioctls cannot be checked")
    evs = [e for e in reply.get("events", []) if e["seq"] > seen]
    return evs, max([seen] + [e["seq"] for e in evs])


class Walk:
    """The tally of one backend's walk."""

    def __init__(self, seed, backend, out):
        self.seed = seed
        self.backend = backend
        self.out = out
        self.passed = self.failed = 0
        self.collateral = 0
        self.actions = {}
        self.activity = {"map": 0, "unmap": 0, "refused": 0}

    def record(self, step, kind, what, events, fails, collateral):
        self.actions[kind] = self.actions.get(kind, 0) + 1
        for op in ("map", "unmap"):
            if any(e["op"] == op and not e["result"] for e in events):
                self.activity[op] += 1
        if any(e["result"] for e in events):
            self.activity["refused"] += 1
        self.collateral += collateral
        if not fails:
            self.passed += 1
            return
        self.failed += 1
        head = (f"# FAIL seed={self.seed} backend={self.backend} "
                f"step={step} ({what}): ")
        if self.failed > MAX_DETAILED_FAILURES:
            self.out(head + fails[0].splitlines()[0])
            return
        for f in fails:
            self.out(head + f.replace("\n", "\n#   "))

    def summary(self):
        b = self.backend
        self.out(f"# {b}: actions {self.actions}")
        self.out(f"# {b}: steps with a map {self.activity['map']}, with an "
                 f"unmap {self.activity['unmap']}, with a refused call "
                 f"{self.activity['refused']}; collateral pages re-mapped: "
                 f"{self.collateral}")
        self.out(f"# {b}: {self.passed} passed, {self.failed} failed")


def run_backend(qemu, lib, backend, seed, steps, tmp, out):
    """The walk for one backend (step 0 is the firmware's layout)."""
    rng = random.Random(f"{seed}-{backend}")
    verbose = bool(os.environ.get("BATCHING_VERBOSE"))
    usable = usable_ranges()
    walk = Walk(seed, backend, out)
    vmm = Vmm(qemu, lib, backend, tmp)
    try:
        guest = Guest(vmm, rng)
        guest.firmware()
        events, seen = new_events(vmm.sim, -1)
        state = space_pieces(vmm.sim.snapshot())
        fails, _ = check_state(None, state, events,
                               vmm.qmp.cmd("x-query-flatview"), backend,
                               usable)
        walk.record(0, "start-up", "start-up and firmware layout", [],
                    fails, 0)
        for step in range(1, steps + 1):
            kind, what = guest.step()
            if not vmm.alive():
                raise Fail(f"QEMU died at step {step} ({what}): "
                           f"{vmm.vm.tail()}")
            events, seen = new_events(vmm.sim, seen)
            after = space_pieces(vmm.sim.snapshot())
            fails, collateral = check_state(
                state, after, events, vmm.qmp.cmd("x-query-flatview"),
                backend, usable, multi=kind in MULTI)
            if verbose:
                out(f"# step {step} ({what}): " + "; ".join(
                    f"{e['op']} {e['iova']:#x}+{e['size']:#x}"
                    f"{' -> ' + str(e['result']) if e['result'] else ''}"
                    for e in events))
            walk.record(step, kind, what, events, fails, collateral)
            state = after
        if walk.failed:
            out("# QEMU's output ends: "
                + vmm.vm.tail(1000).replace("\n", "\n#   "))
    finally:
        vmm.close()
    walk.summary()
    return walk


def main():
    seed = int(os.environ.get("BATCHING_SEED") or
               random.SystemRandom().randrange(1 << 32))
    steps = int(os.environ.get("BATCHING_STEPS", "300"))
    backends = os.environ.get("BATCHING_BACKENDS",
                              "legacy,iommufd").split(",")
    tap = Tap(2 * len(backends))
    tap.diag(f"seed {seed} (replay: BATCHING_SEED={seed}), {steps} steps")
    walk_name = (f"{{}}: {steps} random steps, the kernel's mappings follow "
                 f"the FlatView with the fewest ioctls")
    busy_name = ("{}: the listener mapped and unmapped in at least one step "
                 "in 20")
    try:
        lib, qemu = simulator_and_vmm()
    except FileNotFoundError as e:
        tap.fail_rest([n.format(b) for b in backends
                       for n in (walk_name, busy_name)], str(e))
        return tap.finish()

    def out(line):
        """A walk's diagnostics, already '#'-prefixed."""
        print(line, flush=True)

    total_passed = total_failed = 0
    tmp = tempfile.mkdtemp(prefix="batching-")
    try:
        for backend in backends:
            walk = None
            try:
                walk = run_backend(qemu, lib, backend, seed, steps, tmp, out)
                total_passed += walk.passed
                total_failed += walk.failed
                ok = not walk.failed
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                out(f"# seed={seed} backend={backend}: {e}".replace(
                    "\n", "\n# "))
                ok = False
            tap.result(ok, walk_name.format(backend))
            # A walk that seldom mapped or unmapped anything proves little.
            busy = walk and min(walk.activity["map"],
                                walk.activity["unmap"]) >= steps // 20
            tap.result(bool(busy), busy_name.format(backend))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.diag(f"{total_passed} passed, {total_failed} failed (seed {seed})")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
