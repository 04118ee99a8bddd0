# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the bench guest: boot second-level guests with assigned devices.

Run by test_nested.py (and scripts/demo.py) as the bench guest's command.
It gives vfio-pci the emulated NVMe controller (taking it from the bench
guest's own nvme driver), one SR-IOV VF of the igb (made through
sriov_numvfs, taken from igbvf) and the edu, then boots the payload under
KVM once per VMM and configuration with the devices assigned, e.g.

    payload.cmd=nvme-verify,nvme-write,edu,igbvf-link,poweroff

and collects the payload's PAYLOAD lines, the VMM's own messages and the
wall time.  Everything goes to $RESULTS_DIR/nested.json; the host decides
what passes.

What runs is data: VMMS holds one row per VMM (Debian 12's QEMU 10 on the
guest's root, Debian 13's QEMU 11 chrooted in the peer tree, our own
qemu-system-x86_64), each with the configurations (CONFIGS: how the
command line hands the devices over, one per backend form) and the
devices it is given.  Other scripts import the pieces (bind_vfio,
l2_argv, run_l2, parse_payload).

    l2_driver.py --kernel BZIMAGE --initrd PAYLOAD [--peer-root DIR]
                 [--peer-chroot SCRIPT] [--ours QEMU] [--blocks N]
                 [--run VMM[:CONFIG]]... [--devices KIND,...]
"""

import argparse
import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PCI = Path("/sys/bus/pci/devices")
NVME_ID = ("0x1b36", "0x0010")
IGB_PF_ID = ("0x8086", "0x10c9")
IGB_VF_ID = ("0x8086", "0x10ca")
EDU_ID = ("0x1234", "0x11e8")
L2_TIMEOUT = 420
SETTLE_TIMEOUT = 60
# Where the work directory (bzImage, payload) is: the chrooted peer sees it
# under /bench.
WORK = Path("/run/l2")


@dataclass(frozen=True)
class Config:
    """How a command line hands the devices to the VMM.

    objects: -object values; device: the vfio-pci properties after the
    driver name.  {bdf} is the device's address; with fds, the driver
    opens /dev/iommu ({iommu_fd}) and each device's VFIO cdev ({cdev_fd})
    and the VMM inherits them, as libvirt does.
    """
    backend: str
    objects: tuple
    device: str
    fds: bool = False


CONFIGS = {
    # The peers' two forms: the default (legacy container) and an
    # iommufd object.
    "legacy": Config("legacy", (), "host={bdf}"),
    "iommufd": Config("iommufd", ("iommufd,id=fd0",),
                      "host={bdf},iommufd=fd0"),
    # Ours, every documented form.
    "iommufd=on": Config("iommufd", (), "host={bdf},iommufd=on"),
    "iommufd=off": Config("legacy", (), "host={bdf},iommufd=off"),
    "iommufd=auto": Config("iommufd", (), "host={bdf},iommufd=auto"),
    "fd-passing": Config("iommufd", ("iommufd,id=fd0,fd={iommu_fd}",),
                         "iommufd=fd0,fd={cdev_fd}", fds=True),
}

# The payload's steps for each kind of device, in the order they run.
DEVICE_STEPS = {
    "nvme": ("nvme-verify", "nvme-write"),
    "edu": ("edu",),
    "igb-vf": ("igbvf-link",),
}


@dataclass(frozen=True)
class Vmm:
    """One VMM: its binary as it sees it, how to start it and what it runs.

    prefix: argv in front of the binary (the chroot wrapper); base: the
    work directory as the VMM sees it.  qmp: the VMM serves QMP and the
    driver asks each assigned device's p2p-mapped (whether its BARs are
    in the IOMMU for peer DMA) while the guest waits in a step.
    """
    name: str
    qemu: str
    prefix: tuple
    base: str
    configs: tuple
    devices: tuple
    timeout: int = L2_TIMEOUT
    qmp: bool = False


def vmm_rows(peer_root=None, peer_chroot=None, ours=None):
    """The VMMs this bench guest can run, in the order they run."""
    rows = [Vmm("qemu-10", "/usr/bin/qemu-system-x86_64", (), str(WORK),
                ("legacy", "iommufd"), ("nvme", "edu", "igb-vf"))]
    if peer_root:
        rows.append(Vmm("qemu-11", "/usr/bin/qemu-system-x86_64",
                        (peer_chroot, peer_root, str(WORK)), "/bench",
                        ("legacy", "iommufd"), ("nvme", "edu", "igb-vf")))
    if ours:
        # Our boot is still slower than the peers': more time per guest.
        rows.append(Vmm("ours", ours, (), str(WORK),
                        ("iommufd=on", "iommufd=off", "iommufd=auto",
                         "fd-passing"), ("nvme", "edu", "igb-vf"),
                        timeout=600, qmp=True))
    return rows


class SetupError(RuntimeError):
    pass


def find(ids):
    found = []
    for dev in sorted(PCI.iterdir()):
        try:
            vd = ((dev / "vendor").read_text().strip(),
                  (dev / "device").read_text().strip())
        except OSError:
            continue
        if vd == ids:
            found.append(dev.name)
    return found


def driver_of(bdf):
    link = PCI / bdf / "driver"
    return os.path.basename(os.readlink(link)) if link.exists() else None


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SetupError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def bind_vfio(bdf):
    """Hand bdf to vfio-pci, taking it from whatever driver has it."""
    dev = PCI / bdf
    drv = driver_of(bdf)
    if drv == "vfio-pci":
        return
    if drv:
        (dev / "driver" / "unbind").write_text(bdf)
    (dev / "driver_override").write_text("vfio-pci")
    Path("/sys/bus/pci/drivers_probe").write_text(bdf)
    if driver_of(bdf) != "vfio-pci":
        raise SetupError(f"{bdf} bound to '{driver_of(bdf)}', not vfio-pci")


def set_link(ifname, up):
    """ip link set IFNAME up|down, without needing ip(8) in the guest."""
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", ifname.encode(), 0)
        flags = struct.unpack("16sH14x",
                              fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        flags = flags | IFF_UP if up else flags & ~IFF_UP
        fcntl.ioctl(s, SIOCSIFFLAGS,
                    struct.pack("16sH14x", ifname.encode(), flags))


def pf_ifname(pf):
    net = PCI / pf / "net"
    wait_until(lambda: net.is_dir() and any(net.iterdir()), SETTLE_TIMEOUT,
               f"the network interface of {pf}")
    return next(net.iterdir()).name


def rearm_vfs(pf):
    """Make sure the PF's interface is up with its link, so that the igb
    driver answers its VFs' mailbox (a VF's reset, and igbvf's probe, wait
    for that answer).  igb handles the mailbox in the interrupt handler
    that it sets up when the interface opens: with the interface down a
    VF's reset goes unanswered and igbvf says "PF still in reset state".
    Nothing here takes the interface down, so this only confirms it (the
    payload asks before it probes igbvf again); the VF reports the PF's
    link.
    """
    ifname = pf_ifname(pf)
    carrier = Path(f"/sys/class/net/{ifname}/carrier")
    set_link(ifname, True)
    wait_until(lambda: read_or(carrier, "") == "1", SETTLE_TIMEOUT,
               f"the link of {ifname} ({pf})")


def read_or(path, default):
    """A sysfs value; default where the kernel refuses (carrier of a
    down interface is EINVAL)."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return default


def make_vf():
    pfs = find(IGB_PF_ID)
    if not pfs:
        raise SetupError("no igb PF (8086:10c9) in the bench guest")
    pf = PCI / pfs[0]
    wait_until(lambda: driver_of(pfs[0]) == "igb", SETTLE_TIMEOUT,
               f"igb to bind {pfs[0]}")
    total = int((pf / "sriov_totalvfs").read_text())
    # The PF is up before the VF exists and stays up: enabling SR-IOV
    # reopens an open interface, which tells the VFs "reset done", and the
    # open interface answers their resets (rearm_vfs).
    rearm_vfs(pfs[0])
    if int((pf / "sriov_numvfs").read_text()) == 0:
        (pf / "sriov_numvfs").write_text("1")
    wait_until(lambda: (pf / "virtfn0").exists(), SETTLE_TIMEOUT,
               f"VF 0 of {pfs[0]}")
    vf = os.path.basename(os.readlink(pf / "virtfn0"))
    rearm_vfs(pfs[0])
    return pfs[0], vf, total


def group_of(bdf):
    return os.path.basename(os.readlink(PCI / bdf / "iommu_group"))


def cdev_path(bdf):
    """The device's VFIO cdev (/dev/vfio/devices/vfioN)."""
    d = PCI / bdf / "vfio-dev"
    names = sorted(n.name for n in d.iterdir()) if d.is_dir() else []
    if not names:
        raise SetupError(f"{bdf} has no VFIO cdev in {d}")
    return f"/dev/vfio/devices/{names[0]}"


def payload_cmd(kinds, step_table=DEVICE_STEPS):
    steps = [s for kind in step_table if kind in kinds
             for s in step_table[kind]]
    return ",".join(steps + ["poweroff"])


def l2_argv(vmm, config, devices, blocks, wait=60, step_table=DEVICE_STEPS,
            params=""):
    """The VMM's command line and the fds it inherits.

    devices: (kind, bdf) pairs; step_table: the payload's steps for each
    kind (the benchmarks give their own); params: more payload.NAME=VALUE
    words for the kernel command line.  With a fd-passing configuration
    the fds are opened here; the caller closes them once the VMM has
    started.
    """
    cfg = CONFIGS[config]
    kinds = [kind for kind, _ in devices]
    argv = [vmm.qemu, "-M", "q35", "-accel", "kvm", "-cpu", "host",
            "-m", "512M", "-smp", "1", "-nodefaults", "-display", "none",
            "-no-reboot", "-serial", "stdio",
            "-kernel", f"{vmm.base}/bzImage",
            "-initrd", f"{vmm.base}/payload.cpio.gz",
            # no_timer_check: on a loaded host the timer check of the
            # IO-APIC can miss its ticks under nested KVM and panic.
            "-append", "console=ttyS0 panic=-1 quiet no_timer_check "
                       f"payload.cmd={payload_cmd(kinds, step_table)} "
                       f"payload.blocks={blocks} payload.wait={wait}"
                       + (f" {params}" if params else "")]
    fds = []
    subst = {}
    try:
        if cfg.fds:
            subst["iommu_fd"] = os.open("/dev/iommu", os.O_RDWR)
            fds.append(subst["iommu_fd"])
        for obj in cfg.objects:
            argv += ["-object", obj.format(**subst)]
        for kind, bdf in devices:
            if cfg.fds:
                fd = os.open(cdev_path(bdf), os.O_RDWR)
                fds.append(fd)
                subst["cdev_fd"] = fd
            argv += ["-device",
                     "vfio-pci," + cfg.device.format(bdf=bdf, **subst)
                     + (f",id={kind}" if vmm.qmp else "")]
        if vmm.qmp:
            if os.path.exists(qmp_path(vmm)):
                os.unlink(qmp_path(vmm))
            argv += ["-qmp", f"unix:{qmp_path(vmm)},server=on,wait=off"]
    except OSError:
        for fd in fds:
            os.close(fd)
        raise
    return argv, fds


def qmp_path(vmm):
    return f"{WORK}/{vmm.name}.qmp"


def query_p2p(vmm, kinds):
    """{kind: p2p-mapped} of the assigned devices (ids are their kinds),
    or {kind: "error: ..."} where QMP did not answer."""
    from harness.qemu_client import Qmp, QemuError
    try:
        qmp = Qmp.connect(qmp_path(vmm), timeout=30)
    except (QemuError, OSError) as e:
        return {kind: f"error: {e}" for kind in kinds}
    out = {}
    try:
        for kind in kinds:
            try:
                out[kind] = qmp.cmd("qom-get", path=f"/machine/peripheral/"
                                    f"{kind}", property="p2p-mapped")
            except (QemuError, OSError) as e:
                out[kind] = f"error: {e}"
    finally:
        qmp.close()
    return out


def parse_payload(text):
    """The PAYLOAD lines as dicts; a trailing msg= runs to the line end."""
    events = []
    for line in text.splitlines():
        at = line.find("PAYLOAD ")
        if at < 0:
            continue
        body = line[at + len("PAYLOAD "):].strip()
        fields, msg = {}, None
        if " msg=" in body:
            body, msg = body.split(" msg=", 1)
        elif body.startswith("msg="):
            body, msg = "", body[4:]
        for tok in body.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                fields[k] = v
        if msg is not None:
            fields["msg"] = msg
        events.append(fields)
    return events


def run_l2(vmm, config, argv, prefix, on_waiting, pass_fds=(),
           timeout=L2_TIMEOUT):
    """Boot one second-level guest; on_waiting(name) runs when the payload
    says a step waits for the host (event=waiting).  The VMM inherits
    pass_fds, which are closed here once it has started."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(list(prefix) + argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=pass_fds)
    finally:
        for fd in pass_fds:
            os.close(fd)
    err = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()),
                             daemon=True)
    drain.start()
    lines, host_actions = [], []
    userspace = None
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            for ev in parse_payload(line):
                if ev.get("event") == "start" and userspace is None:
                    # launch -> the guest's first userspace line, as the
                    # host sees it (the payload's uptime is the guest's view)
                    userspace = time.monotonic() - start
                if ev.get("event") == "waiting":
                    try:
                        on_waiting(ev.get("name"))
                        host_actions.append(f"{ev.get('name')}: done")
                    except (SetupError, OSError) as e:
                        host_actions.append(f"{ev.get('name')}: {e}")
                    # The answer: a line on the guest's console (ttyS0).
                    try:
                        proc.stdin.write(b"continue\n")
                        proc.stdin.flush()
                    except OSError:
                        pass
        rc = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    drain.join(10)
    timed_out = time.monotonic() - start >= timeout
    console = "\n".join(lines)
    return {"vmm": vmm, "config": config,
            "backend": CONFIGS[config].backend if config in CONFIGS
            else config,
            "argv": argv,
            "status": None if timed_out else rc,
            "wall_s": round(time.monotonic() - start, 2),
            "userspace_wall_s": None if userspace is None
            else round(userspace, 3),
            "events": parse_payload(console),
            "host_actions": host_actions,
            "vmm_messages": distinct(b"".join(err).decode(errors="replace")
                                      .strip().splitlines()),
            "console_lines": notable(lines),
            "console_tail": console.strip().splitlines()[-15:]}


# Console lines a reader wants besides the payload's: the guest kernel's
# words about the assigned devices and anything that went wrong.
NOTABLE = ("PAYLOAD ", "nvme", "igbvf", "Kernel panic", "BUG", "WARNING",
           "error", "timed out")


def notable(lines, limit=40):
    return [line for line in lines
            if any(word in line for word in NOTABLE)][:limit]


def distinct(lines):
    """Each message once, in order of first appearance, with its count."""
    counts = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [f"{line} (x{n})" if n > 1 else line
            for line, n in counts.items()][:20]


def vmm_version(prefix, qemu):
    try:
        p = subprocess.run(prefix + [qemu, "--version"], capture_output=True,
                           text=True, timeout=60, check=False)
        return p.stdout.splitlines()[0] if p.stdout else p.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"


def selected(vmm, config, wanted):
    """Whether --run VMM[:CONFIG] choices (none: everything) include it."""
    return not wanted or any(w in (vmm, f"{vmm}:{config}") for w in wanted)


def setup_devices():
    """Bind every device the bench guest has for the second level to
    vfio-pci; {kind: bdf} and what the results record of it."""
    nvmes = find(NVME_ID)
    if not nvmes:
        raise SetupError("no NVMe controller (1b36:0010) in the bench guest")
    pf, vf, total = make_vf()
    devices = {"nvme": nvmes[0], "igb-vf": vf}
    setup = {"nvme": nvmes[0], "pf": pf, "vf": vf, "sriov_totalvfs": total}
    edus = find(EDU_ID)
    if edus:
        devices["edu"] = edus[0]
        setup["edu"] = edus[0]
    for bdf in devices.values():
        bind_vfio(bdf)
    setup["groups"] = {bdf: group_of(bdf) for bdf in devices.values()}
    return devices, pf, setup


def run_vmm(vmm, config, devices, pf, blocks, kinds=None,
            step_table=DEVICE_STEPS, params=""):
    """One second-level boot of vmm with config; its results.  kinds, if
    given, narrows the devices the row assigns; step_table and params go
    to l2_argv()."""
    wanted = [k for k in vmm.devices if not kinds or k in kinds]
    missing = [k for k in wanted if k not in devices]
    given = [(k, devices[k]) for k in wanted if k in devices]
    try:
        argv, fds = l2_argv(vmm, config, given, blocks,
                            step_table=step_table, params=params)
    except (SetupError, OSError) as e:
        return {"vmm": vmm.name, "config": config,
                "backend": CONFIGS[config].backend, "status": None,
                "wall_s": 0, "events": [], "host_actions": [],
                "vmm_messages": [f"cannot build the command line: {e}"],
                "console_tail": [], "missing": missing}
    p2p = {}

    def on_waiting(step):
        if step != "igbvf-link":
            return
        # Every step before this one has enabled its device's BARs.
        if vmm.qmp:
            p2p.update(query_p2p(vmm, [k for k, _ in given]))
        rearm_vfs(pf)

    run = run_l2(vmm.name, config, argv, vmm.prefix, on_waiting,
                 pass_fds=fds, timeout=vmm.timeout)
    run["missing"] = missing
    if vmm.qmp:
        run["p2p_mapped"] = p2p
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--peer-root")
    ap.add_argument("--peer-chroot")
    ap.add_argument("--ours", help="our qemu-system-x86_64")
    ap.add_argument("--blocks", type=int, default=4096)
    ap.add_argument("--run", action="append", metavar="VMM[:CONFIG]",
                    help="only these (default: every VMM, every "
                         "configuration)")
    ap.add_argument("--devices", metavar="KIND,...",
                    help="assign only these kinds of device (of "
                         f"{', '.join(DEVICE_STEPS)}), so that every VMM "
                         "gets the same")
    args = ap.parse_args()
    out = Path(os.environ.get("RESULTS_DIR", "/run")) / "nested.json"
    result = {"uname": os.uname().release, "runs": [], "setup": {}}
    try:
        if not os.path.exists("/dev/kvm"):
            raise SetupError("/dev/kvm is missing in the bench guest (is the "
                             "CPU model SVM-capable and KVM_AMD built in?)")
        devices, pf, result["setup"] = setup_devices()
        WORK.mkdir(exist_ok=True)
        shutil.copy(args.kernel, WORK / "bzImage")
        shutil.copy(args.initrd, WORK / "payload.cpio.gz")
        result["setup"]["vmms"] = {}
        for vmm in vmm_rows(args.peer_root, args.peer_chroot, args.ours):
            configs = [c for c in vmm.configs
                       if selected(vmm.name, c, args.run)]
            if not configs:
                continue
            result["setup"]["vmms"][vmm.name] = vmm_version(
                list(vmm.prefix), vmm.qemu)
            for config in configs:
                run = run_vmm(vmm, config, devices, pf, args.blocks,
                              args.devices.split(",") if args.devices
                              else None)
                result["runs"].append(run)
                print(f"{vmm.name} {config}: status {run['status']} "
                      f"{run['wall_s']} s, "
                      f"{len(run['events'])} payload lines", flush=True)
                out.write_text(json.dumps(result, indent=1))
    except (SetupError, OSError, ValueError) as e:
        result["error"] = str(e)
        print(f"l2-driver: {e}", file=sys.stderr)
    out.write_text(json.dumps(result, indent=1))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
