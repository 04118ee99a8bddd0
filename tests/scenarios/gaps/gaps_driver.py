#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Drive our qemu-system-x86_64 with assigned edu devices over qtest + QMP.

Runs in the bench guest (the host's python3 and build tree are visible
there through the 9p root) or on the host under the simulated kernel
(LD_PRELOAD=libvfio-sim.so is inherited by the QEMU it starts):

    python3 gaps_driver.py --qemu BUILD/qemu-system-x86_64 \
        --scenario NAME --backend legacy|iommufd --devices BDF[,BDF] \
        --out FILE.json

Each scenario starts QEMU with -qtest and -qmp on unix sockets, plays the
guest (config cycles through cf8/cfc, BAR MMIO, edu DMA into guest RAM),
and writes what it measured as JSON: the facts, the trace lines, QEMU's
stderr.  It judges nothing: the test scripts assert on the JSON.

Scenarios (see SCENARIOS):
  reset    edu behind a root port: registers, QMP system_reset, guest
           secondary bus reset, BAR p2p warning, DMA before and after
  noreset  edu on the root bus: two system_resets, count the warnings
  nop2p    x-p2p=off: no BAR mapped, DMA works
  group    two edus of one group: one container, the second joins without
           a mapping; refusals (other iommufd object, other backend)
  copy     two edus of two groups, the second with x-force-separate-ioas:
           a second IOAS filled by IOMMU_IOAS_COPY, DMA through it
  hotplug  libvirt-style: getfd (SCM_RIGHTS), object-add, device_add,
           DMA, device_del, DEVICE_DELETED, object-del, what stays open
  p2p      two edus behind root ports, B's BAR below A's 28-bit DMA mask:
           A's DMA into B's liveness register, qom-get p2p-mapped, then
           --cycles rounds of BAR move, decode toggle, system_reset and
           unplug-replug of B, each followed by the same DMA, and the fds
           QEMU holds before and after.  --ram memfd gives the guest its
           RAM from memory-backend-memfd (mapped by file where the kernel
           can).  With --peer qemu-10|qemu-11 the same guest runs on a peer
           (Debian's QEMU 10, or QEMU 11 chrooted in --peer-root through
           --peer-chroot): no qtest accelerator there, so it runs with -S,
           and no rounds (--cycles 0) and no final unplug
  flr      two edus behind root ports, B's BAR in A's reach: the guest
           starts B's FLR in its PCIe capability, B's decoding on; A's DMA
           must still reach B's register afterwards
  revoke   two edus on one host bus (a bus reset hits both), B's BAR in
           A's reach: a guest bus reset of A's root port hot-resets B in
           the host while B's decoding stays on; A's DMA must still reach
           B's register afterwards.  --b-separate puts B in a container of
           its own, --b-backend gives B the other backend (the kernel then
           refuses the reset: B is not A's iommufd's, or its group is not
           open); --b-d3 then takes B to D3hot and back to D0 (decoding on)
"""

import argparse
import json
import os
import re
import sys
import time

from harness import edu
from harness.guest import peer_root
from harness.qemu_client import Qemu

EDU_ID = 0x11e81234
BAR_A = 0xfe000000
BAR_B = 0xfe100000
RAM_SRC = 0x100000
RAM_DST = 0x102000
# Our q35: the root port we add sits at slot ROOT_PORT_SLOT of bus 0; a
# device on the root bus at slot DEV_SLOT.
ROOT_PORT_SLOT = 5
ANSWER_TIMEOUT = 120
# a peer on a busy TCG bench guest takes a while to reach its qtest socket
PEER_CONNECT_TIMEOUT = 180
DEV_SLOT = 4
# B's BAR for peer-to-peer: below edu's 28-bit DMA mask, above the RAM of
# a 128 MiB guest, and a second place to move it to
BAR_LOW = 0x0c000000
BAR_LOW2 = 0x0c100000
LIVENESS_POKE = 0x12345678
TRACE = ("vfio_pci_reset", "vfio_container_*", "vfio_dma_map",
         "vfio_dma_map_failed", "vfio_dma_map_file", "vfio_dma_map_ram_file*",
         "vfio_dma_file_revoked", "vfio_region_dmabuf*", "vfio_dma_copy",
         "vfio_dma_unmap")


def ram_args(ram, mem):
    """Guest RAM from a memory backend: "anon" is the machine's own."""
    if ram == "anon":
        return []
    if ram == "memfd":
        return ["-object", f"memory-backend-memfd,id=ram0,size={mem}",
                "-machine", "memory-backend=ram0"]
    raise ValueError(f"unknown --ram '{ram}'")


class Guest:
    """One QEMU process and the guest we play for it."""

    def __init__(self, args, name, extra, mem="256M"):
        self.args = args
        tmp = os.environ.get("TMPDIR", "/tmp")
        tag = f"gaps-{name}-{os.getpid()}"
        self.trace_path = os.path.join(tmp, f"{tag}.trc")
        self.events_path = os.path.join(tmp, f"{tag}.ev")
        self.peer = args.peer != "ours"
        extra = ram_args(args.ram, mem) + extra
        if self.peer:
            self.vm = self._peer_vm(args, tag, tmp, mem, extra)
        else:
            with open(self.events_path, "w") as f:
                f.write("\n".join(TRACE) + "\n")
            # the simulated kernel, for QEMU only (not this interpreter)
            preload = os.environ.get("GAPS_QEMU_PRELOAD")
            self.vm = Qemu([args.qemu, "-M", "q35", "-m", mem, "-nodefaults",
                            "-display", "none",
                            "-trace", f"events={self.events_path},"
                                      f"file={self.trace_path}"] + extra,
                           workdir=tmp, name=tag,
                           env={"LD_PRELOAD": preload} if preload else None,
                           answer_timeout=ANSWER_TIMEOUT)  # a hung one fails
        try:
            self.vm.start()
            self.vm.wait_running()
        except BaseException:
            self.close()
            raise
        self.qmp = self.vm.qmp
        self.qt = self.vm.qtest

    @staticmethod
    def _peer_vm(args, tag, tmp, mem, extra):
        """A peer under qtest: -S, since it has no qtest accelerator and
        its firmware would otherwise enumerate PCI under our feet; QMP on
        an inherited socket; the chrooted one reaches the qtest socket
        through the directory peer-chroot.sh binds in the tree."""
        prefix = []
        if args.peer == "qemu-11":
            if not (args.peer_root and args.peer_chroot):
                raise ValueError("--peer qemu-11 needs --peer-root and "
                                 "--peer-chroot (no Debian 13 peer tree?)")
            prefix = ["/bin/sh", args.peer_chroot, args.peer_root, tmp]
        vm = Qemu(["qemu-system-x86_64", "-S", "-M", "q35", "-m", mem,
                   "-nodefaults", "-display", "none"] + extra,
                  workdir=tmp, name=tag, qmp="fd", prefix=prefix,
                  connect_timeout=PEER_CONNECT_TIMEOUT,
                  answer_timeout=ANSWER_TIMEOUT)
        if prefix:
            vm.argv = peer_root.socket_paths_in_tree(vm.argv, tmp)
        return vm

    def cfg(self, bus, slot):
        return self.qt.pci(slot, bus)

    def stderr(self):
        return self.vm.output()

    def trace(self):
        try:
            with open(self.trace_path) as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        vm = self.vm
        if vm.proc:
            vm.quit(20)
        out = {"argv": vm.argv, "pid": vm.proc.pid if vm.proc else None,
               "exit": vm.status, "stderr": self.stderr()[-6000:],
               "trace": self.trace()}
        vm.close()
        for p in (vm.log_path, self.trace_path, self.events_path):
            if os.path.exists(p):
                os.unlink(p)
        return out

    # ---- PCI plumbing the firmware would do -------------------------------

    def setup_root_port(self, slot=ROOT_PORT_SLOT, bus=1, base=BAR_A,
                        limit=BAR_B):
        """Bus numbers and a memory window [base, limit + 1 MiB)."""
        port = self.cfg(0, slot)
        port.cfg_write(0x18, (bus << 16) | (bus << 8))   # pri/sec/sub
        port.cfg_write(0x20, ((limit >> 16) << 16) | (base >> 16))
        port.cfg_write(0x04, 0x6, 2)

    def power_off_slot(self, slot=ROOT_PORT_SLOT):
        """What a guest does after the attention button: slot power off."""
        port = self.cfg(0, slot)
        cap = port.find_capability(0x10)                # PCI Express
        if not cap:
            return False
        sltctl = cap + 0x18
        v = port.cfg_read(sltctl, 2)
        if v & 0x400:
            # A hot-added card waits in a slot that is off until the guest
            # powers it on (power controller on, power indicator on).
            v = (v & ~0x700) | 0x100
            port.cfg_write(sltctl, v, 2)
        # power controller off, power indicator off
        port.cfg_write(sltctl, v | 0x400 | 0x300, 2)
        return True

    def place_bar(self, bus, slot, addr, cmd=0x6):
        dev = self.cfg(bus, slot)
        dev.cfg_write(0x10, addr)
        dev.cfg_write(0x04, cmd, 2)

    def edu_regs(self, bar):
        return {"id": self.qt.readl(bar), "liveness": self.qt.readl(bar + 4),
                "factorial": self.qt.readl(bar + 8)}

    def edu_dirty(self, bar):
        self.qt.writel(bar + 4, 0x12345678)
        self.qt.writel(bar + 8, 5)
        for _ in range(100):
            if not self.qt.readl(bar + 0x20) & 1:
                break
            time.sleep(0.01)
        return self.edu_regs(bar)

    def edu_dma(self, bar, seed=5):
        """RAM -> edu -> RAM through the host IOMMU; True if data matches."""
        return edu.dma_round_trip(self.qt, bar, RAM_SRC, RAM_DST, seed)

    def secondary_bus_reset(self, slot=ROOT_PORT_SLOT):
        port = self.cfg(0, slot)
        ctl = port.cfg_read(0x3e, 2)
        port.cfg_write(0x3e, ctl | 0x40, 2)
        port.cfg_write(0x3e, ctl & ~0x40, 2)

    def system_reset(self):
        self.qmp.cmd("system_reset")
        self.qmp.wait_event("RESET")


def iommufd_args(backend, obj="fd0"):
    return ["-object", f"iommufd,id={obj}"] if backend == "iommufd" else []


def vfio_dev(backend, bdf, extra="", obj="fd0", peer=False):
    """The peers know no iommufd=off: without the property they use the
    legacy container."""
    dev = f"vfio-pci,host={bdf}{extra}"
    if backend == "iommufd":
        dev += f",iommufd={obj}"
    elif not peer:
        dev += ",iommufd=off"
    return ["-device", dev]


def count(text, pattern):
    return len(re.findall(pattern, text))


# ---- scenarios -------------------------------------------------------------

def scenario_reset(args, res):
    bdf = args.devices[0]
    g = Guest(args, "reset",
              iommufd_args(args.backend)
              + ["-device", f"pcie-root-port,id=rp0,chassis=1,slot=1,"
                            f"addr={ROOT_PORT_SLOT:#x}"]
              + vfio_dev(args.backend, bdf, ",bus=rp0,id=hd0"))
    try:
        g.setup_root_port()
        res["config0"] = g.cfg(1, 0).cfg_read(0)
        # p2p: program the BAR, toggle decoding, move it
        g.place_bar(1, 0, BAR_A)
        g.place_bar(1, 0, BAR_A, cmd=0x4)
        g.place_bar(1, 0, BAR_A)
        g.place_bar(1, 0, BAR_B)
        res["regs_at_b"] = g.edu_regs(BAR_B)
        g.place_bar(1, 0, BAR_A)
        res["dma_before"] = g.edu_dma(BAR_A)
        res["dirty"] = g.edu_dirty(BAR_A)
        n0 = count(g.trace(), r"vfio_pci_reset .*ok=1")
        g.system_reset()
        res["resets_by_system_reset"] = \
            count(g.trace(), r"vfio_pci_reset .*ok=1") - n0
        g.setup_root_port()
        g.place_bar(1, 0, BAR_A)
        res["after_system_reset"] = g.edu_regs(BAR_A)
        res["dma_after_system_reset"] = g.edu_dma(BAR_A, 9)
        res["dirty2"] = g.edu_dirty(BAR_A)
        n1 = count(g.trace(), r"vfio_pci_reset .*ok=1")
        g.secondary_bus_reset()
        res["resets_by_sbr"] = count(g.trace(), r"vfio_pci_reset .*ok=1") - n1
        res["command_after_sbr"] = g.cfg(1, 0).cfg_read(4, 2)
        g.place_bar(1, 0, BAR_A)
        res["after_sbr"] = g.edu_regs(BAR_A)
        res["dma_after_sbr"] = g.edu_dma(BAR_A, 11)
    finally:
        res.update(g.close())


def scenario_noreset(args, res):
    bdf = args.devices[0]
    g = Guest(args, "noreset",
              iommufd_args(args.backend)
              + vfio_dev(args.backend, bdf, f",addr={DEV_SLOT:#x}"))
    try:
        res["config0"] = g.cfg(0, DEV_SLOT).cfg_read(0)
        g.system_reset()
        g.system_reset()
        res["config0_after"] = g.cfg(0, DEV_SLOT).cfg_read(0)
    finally:
        res.update(g.close())


def scenario_nop2p(args, res):
    bdf = args.devices[0]
    g = Guest(args, "nop2p",
              iommufd_args(args.backend)
              + vfio_dev(args.backend, bdf, f",addr={DEV_SLOT:#x},x-p2p=off"))
    try:
        g.place_bar(0, DEV_SLOT, BAR_A)
        g.place_bar(0, DEV_SLOT, BAR_B)
        res["dma"] = g.edu_dma(BAR_B)
    finally:
        res.update(g.close())


def root_ports(n):
    out = []
    for i in range(n):
        out += ["-device", f"pcie-root-port,id=rp{i},chassis={i + 1},"
                           f"slot={i + 1},addr={ROOT_PORT_SLOT + i:#x}"]
    return out


def scenario_group(args, res):
    """a behind rp0 (bus 1, BAR_A), b behind rp1 (bus 2, BAR_B)."""
    a, b = args.devices[:2]
    sep = ",x-force-separate-ioas=on" if args.backend == "iommufd" else ""
    g = Guest(args, "group",
              iommufd_args(args.backend) + root_ports(2)
              + vfio_dev(args.backend, a, ",bus=rp0,id=ga")
              + vfio_dev(args.backend, b, f",bus=rp1,id=gb{sep}"))
    try:
        trace = g.trace()
        res["containers_created"] = count(trace, r"vfio_container_attach .*"
                                                 r"created=1")
        res["joined"] = count(trace, r"vfio_container_attach .*created=0")
        res["copies"] = count(trace, r"vfio_dma_copy ")
        g.setup_root_port(ROOT_PORT_SLOT, 1, BAR_A, BAR_A)
        g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_B, BAR_B)
        g.place_bar(1, 0, BAR_A)
        g.place_bar(2, 0, BAR_B)
        res["dma_a"] = g.edu_dma(BAR_A)
        res["dma_b"] = g.edu_dma(BAR_B, 3)
        # unplug b, then try to put it back where it may not go
        res["device_del"] = g.qmp.execute("device_del", id="gb")
        res["slot_powered_off"] = g.power_off_slot(ROOT_PORT_SLOT + 1)
        g.qmp.wait_event("DEVICE_DELETED")
        maps_before = count(g.trace(), r"vfio_dma_map ")
        attempts = res["attempts"] = {}
        back = {"iommufd": "fd0"} if args.backend == "iommufd" \
            else {"iommufd": "off"}
        if args.backend == "iommufd":
            attempts["object_add_fd1"] = g.qmp.execute(
                "object-add", **{"qom-type": "iommufd", "id": "fd1"})
            attempts["other_iommufd"] = g.qmp.execute(
                "device_add", driver="vfio-pci", host=b, iommufd="fd1",
                id="gb2", bus="rp1")
        attempts["other_backend"] = g.qmp.execute(
            "device_add", driver="vfio-pci", host=b, id="gb3", bus="rp1",
            iommufd="off" if args.backend == "iommufd" else "on")
        attempts["rejoin"] = g.qmp.execute(
            "device_add", driver="vfio-pci", host=b, id="gb4", bus="rp1",
            **back)
        res["maps_on_rejoin"] = count(g.trace(), r"vfio_dma_map ") \
            - maps_before
        g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_B, BAR_B)
        g.place_bar(2, 0, BAR_B)
        res["dma_b_rejoined"] = g.edu_dma(BAR_B, 13)
    finally:
        res.update(g.close())


def scenario_hotreset(args, res):
    """Two functions on one host bus (no FLR): VFIO_DEVICE_PCI_HOT_RESET."""
    a, b = args.devices[:2]
    g = Guest(args, "hotreset",
              iommufd_args(args.backend) + root_ports(2)
              + vfio_dev(args.backend, a, ",bus=rp0,id=ha")
              + vfio_dev(args.backend, b, ",bus=rp1,id=hb"))
    ok = r"vfio_pci_reset .*method=hot ok=1"
    try:
        g.setup_root_port(ROOT_PORT_SLOT, 1, BAR_A, BAR_A)
        g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_B, BAR_B)
        g.place_bar(1, 0, BAR_A)
        g.place_bar(2, 0, BAR_B)
        res["dirty_a"] = g.edu_dirty(BAR_A)
        res["dirty_b"] = g.edu_dirty(BAR_B)
        n0 = count(g.trace(), ok)
        g.system_reset()
        res["hot_resets_by_system_reset"] = count(g.trace(), ok) - n0
        g.setup_root_port(ROOT_PORT_SLOT, 1, BAR_A, BAR_A)
        g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_B, BAR_B)
        g.place_bar(1, 0, BAR_A)
        g.place_bar(2, 0, BAR_B)
        res["after_system_reset_a"] = g.edu_regs(BAR_A)
        res["after_system_reset_b"] = g.edu_regs(BAR_B)
        res["dma_a"] = g.edu_dma(BAR_A)
        res["dirty_a2"] = g.edu_dirty(BAR_A)
        n1 = count(g.trace(), ok)
        g.secondary_bus_reset(ROOT_PORT_SLOT)
        res["hot_resets_by_sbr"] = count(g.trace(), ok) - n1
        g.place_bar(1, 0, BAR_A)
        res["after_sbr_a"] = g.edu_regs(BAR_A)
        res["dma_a_after_sbr"] = g.edu_dma(BAR_A, 17)
    finally:
        res.update(g.close())


def scenario_copy(args, res):
    a, b = args.devices[:2]
    slot_b = DEV_SLOT + 1
    g = Guest(args, "copy",
              iommufd_args(args.backend)
              + vfio_dev(args.backend, a, f",addr={DEV_SLOT:#x}")
              + vfio_dev(args.backend, b, f",addr={slot_b:#x}"
                         + ("" if args.no_force else
                            ",x-force-separate-ioas=on")))
    try:
        trace = g.trace()
        res["containers_created"] = count(trace, r"vfio_container_attach .*"
                                                 r"created=1")
        res["copies"] = count(trace, r"vfio_dma_copy ")
        g.place_bar(0, DEV_SLOT, BAR_A)
        g.place_bar(0, slot_b, BAR_B)
        res["dma_a"] = g.edu_dma(BAR_A)
        res["dma_b"] = g.edu_dma(BAR_B, 3)
    finally:
        res.update(g.close())


def live_containers(trace):
    """Containers (legacy containers, IOAS) alive, from the trace."""
    return count(trace, r"vfio_container_attach .*created=1") - \
        count(trace, r"vfio_container_destroy ")


def proc_facts(pid):
    fds = {"iommu": 0, "vfio": 0}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target == "/dev/iommu":
                fds["iommu"] += 1
            elif target.startswith("/dev/vfio/"):
                fds["vfio"] += 1
            elif "dmabuf" in target:
                fds["dmabuf"] = fds.get("dmabuf", 0) + 1
    except OSError:
        pass
    status = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmPin", "VmLck"):
                    status[k] = v.strip()
    except OSError:
        pass
    return {"fds": fds, **status}


def cdev_of(bdf):
    return "/dev/vfio/devices/" + os.listdir(
        f"/sys/bus/pci/devices/{bdf}/vfio-dev")[0]


def scenario_hotplug(args, res):
    bdf = args.devices[0]
    g = Guest(args, "hotplug",
              ["-device", f"pcie-root-port,id=rp0,chassis=1,slot=1,"
                          f"addr={ROOT_PORT_SLOT:#x}"])
    steps = res["steps"] = {}
    try:
        pid = g.vm.proc.pid
        res["before"] = proc_facts(pid)
        if args.backend == "iommufd" and args.no_fd_passing:
            steps["object_add"] = g.qmp.execute(
                "object-add", **{"qom-type": "iommufd", "id": "iofd0"})
            steps["device_add"] = g.qmp.execute(
                "device_add", driver="vfio-pci", id="hp0", bus="rp0",
                iommufd="iofd0", host=bdf)
        elif args.backend == "iommufd":
            iommu = os.open("/dev/iommu", os.O_RDWR)
            steps["getfd_iommu"] = g.qmp.execute("getfd", fds=[iommu],
                                                 fdname="iommu0")
            os.close(iommu)
            dev = os.open(cdev_of(bdf), os.O_RDWR)
            steps["getfd_dev"] = g.qmp.execute("getfd", fds=[dev],
                                               fdname="dev0")
            os.close(dev)
            steps["object_add"] = g.qmp.execute(
                "object-add", **{"qom-type": "iommufd", "id": "iofd0",
                                 "fd": "iommu0"})
            steps["device_add"] = g.qmp.execute(
                "device_add", driver="vfio-pci", id="hp0", bus="rp0",
                iommufd="iofd0", fd="dev0")
        else:
            steps["device_add"] = g.qmp.execute(
                "device_add", driver="vfio-pci", id="hp0", bus="rp0",
                host=bdf, iommufd="off")
        res["plugged"] = proc_facts(pid)
        g.setup_root_port()
        res["config0"] = g.cfg(1, 0).cfg_read(0)
        g.place_bar(1, 0, BAR_A)
        res["dma"] = g.edu_dma(BAR_A)
        # does a BAR mapping of the hot-plugged device work on a later try?
        res["bar_map_failures"] = count(g.trace(), r"vfio_dma_map_failed ")
        g.place_bar(1, 0, BAR_B)
        g.place_bar(1, 0, BAR_A)
        res["bar_map_failures_after_move"] = count(g.trace(),
                                                   r"vfio_dma_map_failed ")
        steps["device_del"] = g.qmp.execute("device_del", id="hp0")
        res["slot_powered_off"] = g.power_off_slot()
        steps["deleted_event"] = g.qmp.wait_event("DEVICE_DELETED")
        res["after_device_del"] = proc_facts(pid)
        if args.backend == "iommufd":
            steps["object_del"] = g.qmp.execute("object-del", id="iofd0")
        res["after_object_del"] = proc_facts(pid)
    finally:
        res.update(g.close())


def scenario_p2p(args, res):
    """A behind rp0 (bus 1, BAR_A), B behind rp1 (bus 2, BAR_LOW)."""
    a, b = args.devices[:2]
    peer = args.peer != "ours"
    b_dev = vfio_dev(args.backend, b, ",bus=rp1,id=pb", peer=peer)[1]
    g = Guest(args, "p2p",
              iommufd_args(args.backend) + root_ports(2)
              + vfio_dev(args.backend, a, ",bus=rp0,id=pa", peer=peer)
              + ["-device", b_dev], mem="128M")

    def setup():
        g.setup_root_port(ROOT_PORT_SLOT, 1, BAR_A, BAR_A)
        g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_LOW, BAR_LOW2)
        g.place_bar(1, 0, BAR_A)
        g.place_bar(2, 0, BAR_LOW)

    def poke(where=BAR_LOW):
        """A writes B's liveness register by DMA; what B then reads."""
        g.qt.writel(where + 4, 0)
        if not edu.dma_to_peer(g.qt, BAR_A, RAM_SRC, where + 4,
                               LIVENESS_POKE):
            return "timeout"
        return g.qt.readl(where + 4)

    def mapped():
        if peer:
            return None     # the peers have no such property
        reply = g.qmp.execute("qom-get", path="/machine/peripheral/pb",
                              property="p2p-mapped")
        return reply.get("return", reply)

    rounds = res["rounds"] = []
    res["peer"] = args.peer
    res["ram"] = args.ram
    try:
        pid = g.vm.proc.pid
        if peer:
            res["version"] = g.qmp.execute("query-version").get("return")
        setup()
        res["p2p_mapped"] = mapped()
        res["liveness"] = poke()
        res["dma_ram"] = g.edu_dma(BAR_A)
        res["before"] = proc_facts(pid)
        for _ in range(args.cycles):
            r = {}
            g.place_bar(2, 0, BAR_LOW2)
            r["moved"] = poke(BAR_LOW2)
            g.place_bar(2, 0, BAR_LOW)
            g.place_bar(2, 0, BAR_LOW, cmd=0x4)     # memory decoding off
            r["decode_off_mapped"] = mapped()
            g.place_bar(2, 0, BAR_LOW)
            r["decode_on"] = poke()
            g.system_reset()
            setup()
            r["reset"] = poke()
            g.qmp.execute("device_del", id="pb")
            g.power_off_slot(ROOT_PORT_SLOT + 1)
            g.qmp.wait_event("DEVICE_DELETED")
            r["replug"] = g.qmp.execute(
                "device_add", driver="vfio-pci", host=b, id="pb", bus="rp1",
                iommufd="fd0" if args.backend == "iommufd" else "off")
            setup()
            # B's command register as the host has it (memory decoding)
            r["command_replugged"] = g.cfg(2, 0).cfg_read(4, 2)
            r["replugged"] = poke()
            rounds.append(r)
        res["after"] = proc_facts(pid)
        res["dma_ram_after"] = g.edu_dma(BAR_A)
        if peer:
            return
        res["containers_after_rounds"] = live_containers(g.trace())
        # both devices go: nothing of theirs may stay mapped or open
        for dev, slot in (("pb", ROOT_PORT_SLOT + 1), ("pa", ROOT_PORT_SLOT)):
            g.qmp.execute("device_del", id=dev)
            g.power_off_slot(slot)
            g.qmp.wait_event("DEVICE_DELETED")
        if args.backend == "iommufd":
            g.qmp.execute("object-del", id="fd0")
        res["after_unplug"] = proc_facts(pid)
        res["containers_after_unplug"] = live_containers(g.trace())
    finally:
        res.update(g.close())


def peer_pair_setup(g):
    """A behind rp0 (bus 1, BAR_A), B behind rp1 (bus 2, BAR_LOW)."""
    g.setup_root_port(ROOT_PORT_SLOT, 1, BAR_A, BAR_A)
    g.setup_root_port(ROOT_PORT_SLOT + 1, 2, BAR_LOW, BAR_LOW)
    g.place_bar(1, 0, BAR_A)
    g.place_bar(2, 0, BAR_LOW)


def peer_poke(g):
    """A writes B's liveness register by DMA; what B then reads."""
    g.qt.writel(BAR_LOW + 4, 0)
    if not edu.dma_to_peer(g.qt, BAR_A, RAM_SRC, BAR_LOW + 4,
                           LIVENESS_POKE):
        return "timeout"
    return g.qt.readl(BAR_LOW + 4)


def scenario_revoke(args, res):
    """A behind rp0 (bus 1, BAR_A), B behind rp1 (bus 2, BAR_LOW); in the
    host both sit on one bus, so resetting A resets B too."""
    a, b = args.devices[:2]
    b_backend = args.b_backend or args.backend
    b_extra = ",bus=rp1,id=pb"
    if args.b_separate:
        b_extra += ",x-force-separate-ioas=on"
    g = Guest(args, "revoke",
              iommufd_args("iommufd" if "iommufd" in (args.backend, b_backend)
                           else "legacy") + root_ports(2)
              + vfio_dev(args.backend, a, ",bus=rp0,id=pa")
              + vfio_dev(b_backend, b, b_extra), mem="128M")
    res["b_backend"] = b_backend

    try:
        pid = g.vm.proc.pid
        peer_pair_setup(g)
        res["before"] = peer_poke(g)
        res["fds_before"] = proc_facts(pid)
        ok = r"vfio_pci_reset .*method=hot ok=1"
        n0 = count(g.trace(), ok)
        rounds = res["rounds"] = []
        for _ in range(max(args.cycles, 1)):
            # A's port only: the guest sees B untouched, decoding on
            g.secondary_bus_reset(ROOT_PORT_SLOT)
            g.place_bar(1, 0, BAR_A)
            rounds.append({"command_b": g.cfg(2, 0).cfg_read(4, 2),
                           "after": peer_poke(g)})
        res["hot_resets"] = count(g.trace(), ok) - n0
        if args.b_d3:
            # B to D3hot and back to D0, its decoding on all along
            pm = g.cfg(2, 0).find_capability(0x01)
            res["d3_rounds"] = []
            for _ in range(max(args.cycles, 1)) if pm else ():
                g.cfg(2, 0).cfg_write(pm + 4, 0x3, 2)
                g.cfg(2, 0).cfg_write(pm + 4, 0x0, 2)
                res["d3_rounds"].append(
                    {"pmcsr": g.cfg(2, 0).cfg_read(pm + 4, 2),
                     "command_b": g.cfg(2, 0).cfg_read(4, 2),
                     "after": peer_poke(g)})
        res["fds_after"] = proc_facts(pid)
        res["dma_ram"] = g.edu_dma(BAR_A)
    finally:
        res.update(g.close())


def scenario_flr(args, res):
    """A behind rp0 (bus 1, BAR_A), B behind rp1 (bus 2, BAR_LOW): the
    guest starts an FLR of B through its PCIe capability, B's decoding on
    all along; A's DMA must still reach B's register afterwards."""
    a, b = args.devices[:2]
    g = Guest(args, "flr",
              iommufd_args(args.backend) + root_ports(2)
              + vfio_dev(args.backend, a, ",bus=rp0,id=pa")
              + vfio_dev(args.backend, b, ",bus=rp1,id=pb"), mem="128M")

    try:
        pid = g.vm.proc.pid
        peer_pair_setup(g)
        res["before"] = peer_poke(g)
        res["fds_before"] = proc_facts(pid)
        exp = g.cfg(2, 0).find_capability(0x10)
        res["devcap_b"] = g.cfg(2, 0).cfg_read(exp + 4) if exp else None
        rounds = res["rounds"] = []
        for _ in range(max(args.cycles, 1)) if exp else ():
            devctl = g.cfg(2, 0).cfg_read(exp + 8, 2)
            g.cfg(2, 0).cfg_write(exp + 8, devctl | 0x8000, 2)
            rounds.append({"command_b": g.cfg(2, 0).cfg_read(4, 2),
                           "after": peer_poke(g)})
        res["fds_after"] = proc_facts(pid)
        res["dma_ram"] = g.edu_dma(BAR_A)
    finally:
        res.update(g.close())


SCENARIOS = {
    "flr": scenario_flr,
    "p2p": scenario_p2p,
    "revoke": scenario_revoke,
    "reset": scenario_reset,
    "noreset": scenario_noreset,
    "nop2p": scenario_nop2p,
    "group": scenario_group,
    "copy": scenario_copy,
    "hotreset": scenario_hotreset,
    "hotplug": scenario_hotplug,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--scenario", required=True, choices=SCENARIOS)
    ap.add_argument("--backend", required=True,
                    choices=("legacy", "iommufd"))
    ap.add_argument("--devices", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-fd-passing", action="store_true",
                    help="hotplug: QEMU opens /dev/iommu and the cdev itself "
                         "(the simulated kernel cannot pass its fds between "
                         "processes)")
    ap.add_argument("--cycles", type=int, default=0,
                    help="p2p: rounds of move/decode/reset/replug")
    ap.add_argument("--ram", default="anon", choices=("anon", "memfd"),
                    help="guest RAM: the machine's own, or a memfd backend")
    ap.add_argument("--peer", default="ours",
                    choices=("ours", "qemu-10", "qemu-11"),
                    help="p2p: run the guest on this binary; qemu-11 needs "
                         "--peer-root and --peer-chroot")
    ap.add_argument("--peer-root")
    ap.add_argument("--peer-chroot")
    ap.add_argument("--b-backend", choices=("legacy", "iommufd"),
                    help="revoke: B's backend (default: --backend's)")
    ap.add_argument("--b-separate", action="store_true",
                    help="revoke: B in an IOAS or container of its own "
                         "(x-force-separate-ioas)")
    ap.add_argument("--b-d3", action="store_true",
                    help="revoke: then put B in D3hot and back to D0 "
                         "(--cycles times), its decoding on")
    ap.add_argument("--no-force", action="store_true",
                    help="copy: no x-force-separate-ioas (the kernel must "
                         "refuse to share the IOAS by itself)")
    args = ap.parse_args()
    args.devices = args.devices.replace(" ", ",").split(",")
    res = {"scenario": args.scenario, "backend": args.backend,
           "peer": args.peer}
    t0 = time.monotonic()
    try:
        SCENARIOS[args.scenario](args, res)
    except Exception as e:      # noqa: BLE001 (reported in the JSON)
        res["error"] = f"{type(e).__name__}: {e}"
    res["seconds"] = round(time.monotonic() - t0, 3)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"{args.scenario} {args.backend}: "
          f"{res.get('error', 'done')} ({res['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
