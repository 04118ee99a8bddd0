# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the bench guest: boot second-level guests with assigned devices.

Run by test_nested.py as the bench guest's command.  It gives vfio-pci the
emulated NVMe controller (taking it from the bench guest's own nvme driver)
and one SR-IOV VF of the igb (made through sriov_numvfs, taken from igbvf),
then, for every peer (Debian 12's QEMU 10 on the guest's root, Debian 13's
QEMU 11 chrooted in the peer tree) and both backends, boots the payload
under KVM with both devices assigned:

    payload.cmd=nvme-verify,igbvf-link,poweroff

and collects the payload's PAYLOAD lines, the peer's own messages and the
wall time.  Everything goes to $RESULTS_DIR/nested.json; the host decides
what passes.

    l2_driver.py --kernel BZIMAGE --initrd PAYLOAD [--peer-root DIR]
                 [--peer-chroot SCRIPT] [--blocks N]
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
from pathlib import Path

PCI = Path("/sys/bus/pci/devices")
NVME_ID = ("0x1b36", "0x0010")
IGB_PF_ID = ("0x8086", "0x10c9")
IGB_VF_ID = ("0x8086", "0x10ca")
BACKENDS = ("legacy", "iommufd")
L2_TIMEOUT = 300
SETTLE_TIMEOUT = 60


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


def l2_argv(qemu, backend, kernel, initrd, devices, blocks):
    argv = [qemu, "-M", "q35", "-accel", "kvm", "-cpu", "host",
            "-m", "512M", "-smp", "1", "-nodefaults", "-display", "none",
            "-no-reboot", "-serial", "stdio", "-monitor", "none",
            "-kernel", kernel, "-initrd", initrd,
            # no_timer_check: on a loaded host the timer check of the
            # IO-APIC can miss its ticks under nested KVM and panic.
            "-append", "console=ttyS0 panic=-1 quiet no_timer_check "
                       "payload.cmd=nvme-verify,igbvf-link,poweroff "
                       f"payload.blocks={blocks} payload.wait=60"]
    if backend == "iommufd":
        argv += ["-object", "iommufd,id=fd0"]
    for bdf in devices:
        opt = f"vfio-pci,host={bdf}"
        if backend == "iommufd":
            opt += ",iommufd=fd0"
        argv += ["-device", opt]
    return argv


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


def run_l2(peer, backend, argv, prefix, on_waiting):
    """Boot one second-level guest; on_waiting(name) runs when the payload
    says a step waits for the host (event=waiting)."""
    start = time.monotonic()
    proc = subprocess.Popen(prefix + argv, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()),
                             daemon=True)
    drain.start()
    lines, host_actions = [], []
    timer = threading.Timer(L2_TIMEOUT, proc.kill)
    timer.start()
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            for ev in parse_payload(line):
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
    timed_out = time.monotonic() - start >= L2_TIMEOUT
    console = "\n".join(lines)
    return {"peer": peer, "backend": backend,
            "status": None if timed_out else rc,
            "wall_s": round(time.monotonic() - start, 2),
            "events": parse_payload(console),
            "host_actions": host_actions,
            "peer_messages": distinct(b"".join(err).decode(errors="replace")
                                      .strip().splitlines()),
            "console_tail": console.strip().splitlines()[-15:]}


def distinct(lines):
    """Each message once, in order of first appearance, with its count."""
    counts = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [f"{line} (x{n})" if n > 1 else line
            for line, n in counts.items()][:20]


def peer_version(prefix, qemu):
    try:
        p = subprocess.run(prefix + [qemu, "--version"], capture_output=True,
                           text=True, timeout=60, check=False)
        return p.stdout.splitlines()[0] if p.stdout else p.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--peer-root")
    ap.add_argument("--peer-chroot")
    ap.add_argument("--blocks", type=int, default=4096)
    args = ap.parse_args()
    out = Path(os.environ.get("RESULTS_DIR", "/run")) / "nested.json"
    result = {"uname": os.uname().release, "runs": [], "setup": {}}
    try:
        if not os.path.exists("/dev/kvm"):
            raise SetupError("/dev/kvm is missing in the bench guest (is the "
                             "CPU model SVM-capable and KVM_AMD built in?)")
        nvmes = find(NVME_ID)
        if not nvmes:
            raise SetupError("no NVMe controller (1b36:0010) in the bench "
                             "guest")
        pf, vf, total = make_vf()
        bind_vfio(nvmes[0])
        bind_vfio(vf)
        result["setup"] = {"nvme": nvmes[0], "pf": pf, "vf": vf,
                           "sriov_totalvfs": total,
                           "groups": {nvmes[0]: group_of(nvmes[0]),
                                      vf: group_of(vf)}}
        # One directory for both peers: the chrooted one sees it as /bench.
        work = Path("/run/l2")
        work.mkdir(exist_ok=True)
        shutil.copy(args.kernel, work / "bzImage")
        shutil.copy(args.initrd, work / "payload.cpio.gz")
        peers = [("qemu-10", [], "/usr/bin/qemu-system-x86_64",
                  str(work))]
        if args.peer_root:
            peers.append(("qemu-11", [args.peer_chroot, args.peer_root,
                                      str(work)],
                          "/usr/bin/qemu-system-x86_64", "/bench"))
        result["setup"]["peers"] = {}
        for name, prefix, qemu, base in peers:
            result["setup"]["peers"][name] = peer_version(prefix, qemu)
            for backend in BACKENDS:
                argv = l2_argv(qemu, backend, f"{base}/bzImage",
                               f"{base}/payload.cpio.gz", [nvmes[0], vf],
                               args.blocks)
                run = run_l2(name, backend, argv, prefix,
                             lambda step: step == "igbvf-link"
                             and rearm_vfs(pf))
                result["runs"].append(run)
                print(f"{name} {backend}: status {run['status']} "
                      f"{run['wall_s']} s, "
                      f"{len(run['events'])} payload lines", flush=True)
    except (SetupError, OSError, ValueError) as e:
        result["error"] = str(e)
        print(f"l2-driver: {e}", file=sys.stderr)
    out.write_text(json.dumps(result, indent=1))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
