# SPDX-License-Identifier: GPL-2.0-or-later
"""PCI topologies the bench can give the guest.

Each topology places QEMU "edu" devices (vendor 0x1234, device 0x11e8) behind
the emulated Intel IOMMU.  In the guest they are bound to vfio-pci and listed
in BENCH_DEVICES in topology order (the order of the table's device column).

=============  ===  ====================================  =======  ======
name           tag  layout                                devices  groups
=============  ===  ====================================  =======  ======
root-bus       a    edu on pcie.0 (integrated endpoint);  1        1
                    no FLR, no bus reset
root-port      b    pcie-root-port -> edu; a secondary    1        1
                    bus reset (hot reset) is possible
bridge-group   c    pcie-root-port -> pcie-pci-bridge ->  2        1
                    edu, edu; conventional PCI behind the
                    bridge aliases both requester IDs to
                    the bridge, so they share one group
two-groups     d    two pcie-root-ports (with ACS), one   2        2
                    edu behind each: two groups (the
                    peer-to-peer topology)
nvme-igb       e    pcie-root-port -> NVMe (1b36:0010,    0        3
                    a stamped image, snapshot=on);
                    pcie-root-port -> igb (SR-IOV PF,
                    7 VFs, isolated hub netdev);
                    pcie-root-port -> edu (bound to
                    vfio-pci like every edu: the second-
                    level guests get it)
nvme-pair      f    two pcie-root-ports, one NVMe behind  0        2
                    each (peer-to-peer between real
                    drivers' devices)
=============  ===  ====================================  =======  ======

The devices column counts edus, which the guest's init binds to vfio-pci;
a topology's nvmes and igbs count its real devices.  A topology with an igb
works with at most IGB_MAX_MEM of guest RAM (its max_mem; the launcher
refuses more): see IGB_MAX_MEM for why.
NVMe controllers and the igb are left to the bench kernel's own drivers (nvme,
igb): a test takes them over itself, as a user does (unbind, driver_override,
sriov_numvfs for VFs).  Their image is written per run by the launcher
(NVME_IMAGE in qemu_args stands for its path).

The device order is also the guest's BDF order, because the bench sorts the
edu BDFs and the topologies declare devices in ascending slot order.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topology:
    name: str
    tag: str
    description: str
    qemu_args: tuple = field(repr=False)
    devices: int = 1
    groups: int = 1
    nvme_image_mib: int = 0
    nvmes: int = 0              # NVMe controllers (1b36:0010)
    igbs: int = 0               # igb SR-IOV PFs (8086:10c9)
    max_mem: str = ""           # the most guest RAM it works with ("": any)

    def args(self, workdir):
        """qemu_args with the run's NVMe image path filled in."""
        image = f"{workdir}/nvme.img"
        return tuple(a.replace(NVME_IMAGE, image) for a in self.qemu_args)

    @staticmethod
    def get(name_or_topology):
        """Return the Topology named (or tagged) so; accept a Topology too."""
        if isinstance(name_or_topology, Topology):
            return name_or_topology
        for t in TOPOLOGIES.values():
            if name_or_topology in (t.name, t.tag):
                return t
        raise ValueError(
            f"unknown topology '{name_or_topology}': expected one of "
            f"{', '.join(TOPOLOGIES)}")


NVME_IMAGE = "@NVME_IMAGE@"
# 80 MiB: 20480 stamped blocks.  The payload's nvme-verify reads the first
# 16 MiB (4096 blocks) in well under a second of guest time; nvme-write
# writes and reads back the last 64 MiB.  The second-level guests of one
# bench guest share the controller's snapshot, so the two regions stay
# apart and every guest finds the stamps intact.
NVME_IMAGE_MIB = 80


def _nvme(did, bus, serial):
    # snapshot=on: writes go to a temporary overlay, the image stays as
    # written.  Every controller reads the same image.
    return ("-drive", f"file={NVME_IMAGE},if=none,id={did},format=raw,"
                      f"snapshot=on",
            "-device", f"nvme,drive={did},serial={serial},bus={bus},addr=0")


# The most RAM a bench guest with an igb may have.  Debian 12's QEMU 10.0
# registers igbvf's BARs as 32-bit while the PF's SR-IOV capability offers
# them as 64-bit: a VF BAR the guest places above 4 GiB is not mapped at
# all, its registers read 0, and igbvf says "PF still in reset state".
# SeaBIOS keeps the root ports' prefetchable windows (where Linux puts the
# VF BARs) below 4 GiB only while all guest RAM is below 4 GiB, which q35
# does up to 2.75 GiB (above it, RAM is split at 2 GiB and the rest goes
# above 4 GiB).
IGB_MAX_MEM = "2688M"


def mem_mib(text):
    """A QEMU -m size ("3G", "2688M", "512") in MiB."""
    units = {"M": 1, "G": 1024, "T": 1024 * 1024}
    text = str(text).strip().upper()
    if text[-1:] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _igb(bus):
    # An isolated hub: nothing leaves the machine (QEMU warns that hub 0 is
    # not connected to the host network; that is the point).
    return ("-netdev", "hubport,id=igbnet0,hubid=0",
            "-device", f"igb,bus={bus},addr=0,netdev=igbnet0")


def _root_port(rid, chassis, addr):
    return ("-device", f"pcie-root-port,id={rid},bus=pcie.0,chassis={chassis},"
                       f"slot={chassis},addr={addr}")


TOPOLOGIES = {t.name: t for t in (
    Topology(
        "root-bus", "a", "one edu on the root bus",
        ("-device", "edu,bus=pcie.0,addr=0x10"),
        devices=1, groups=1),
    Topology(
        "root-port", "b", "one edu behind a pcie-root-port (bus reset)",
        _root_port("rp0", 1, "0x10") + ("-device", "edu,bus=rp0,addr=0"),
        devices=1, groups=1),
    Topology(
        "bridge-group", "c",
        "two edus behind a pcie-pci-bridge (one IOMMU group, DMA alias)",
        _root_port("rp0", 1, "0x10")
        + ("-device", "pcie-pci-bridge,id=br0,bus=rp0,addr=0",
           "-device", "edu,bus=br0,addr=1",
           "-device", "edu,bus=br0,addr=2"),
        devices=2, groups=1),
    Topology(
        "two-groups", "d", "two edus behind two root ports (two groups)",
        _root_port("rp0", 1, "0x10") + _root_port("rp1", 2, "0x11")
        + ("-device", "edu,bus=rp0,addr=0",
           "-device", "edu,bus=rp1,addr=0"),
        devices=2, groups=2),
    Topology(
        "nvme-igb", "e",
        "an NVMe, an igb SR-IOV PF and an edu, each behind a "
        "pcie-root-port",
        _root_port("rp0", 1, "0x10") + _root_port("rp1", 2, "0x11")
        + _root_port("rp2", 3, "0x12")
        + _nvme("nvme0", "rp0", "bench0") + _igb("rp1")
        + ("-device", "edu,bus=rp2,addr=0"),
        devices=0, groups=3, nvme_image_mib=NVME_IMAGE_MIB, nvmes=1, igbs=1,
        max_mem=IGB_MAX_MEM),
    Topology(
        "nvme-pair", "f", "two NVMe controllers behind two pcie-root-ports",
        _root_port("rp0", 1, "0x10") + _root_port("rp1", 2, "0x11")
        + _nvme("nvme0", "rp0", "bench0") + _nvme("nvme1", "rp1", "bench1"),
        devices=0, groups=2, nvme_image_mib=NVME_IMAGE_MIB, nvmes=2),
)}
