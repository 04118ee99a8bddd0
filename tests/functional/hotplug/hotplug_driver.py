# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the bench guest: our binary under KVM, an assigned edu, pciehp.

Run by test_kvm_hotplug.py as the bench guest's command, with the edu of
the bench's root-port topology bound to vfio-pci.  It boots a busybox
second-level guest under our qemu-system-x86_64 (-accel kvm) with the edu
behind one pcie-root-port and a second root port left empty, talks to the
guest's shell over COM1 (stdin/stdout of our process) and to our binary
over QMP, and runs, in order:

  run 1 (iommufd=on):
    cycles     N x: device_del -> the guest's pciehp powers the slot off ->
               DEVICE_DELETED; our process then holds no /dev/vfio or
               /dev/iommu fd, VmPin and VmLck are 0; device_add into the
               other (empty) root port -> the guest finds the edu and does
               a DMA round trip with it
    reset      QMP system_reset: the guest boots again and uses the edu
    reboot     the guest's own `reboot -f`: the same
    kill       the guest DMAs in a loop; kill -9 of our binary; the bench
               guest's pinned pages (FOLL_PIN, /proc/vmstat) go back to
               what they were before run 1
  run 2 (legacy, started at once on the same device):
    cycles     N x as above
    outside    the guest makes the edu DMA from and to an address outside
               its RAM: nothing reaches the guest, our binary keeps running
               and logs nothing worse than a warning

Everything measured goes to $RESULTS_DIR/hotplug.json; the host judges.

    hotplug_driver.py --qemu OUR_BINARY --kernel BZIMAGE --initrd INITRD
                      [--cycles N]
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness.qemu_client import Qmp, QemuError
from nested.l2_driver import SetupError, bind_vfio, find, wait_until

EDU_ID = ("0x1234", "0x11e8")
# Below edu's 28-bit DMA reach, so every guest page qualifies, and leaves
# OUTSIDE_RAM (below 2^28 too) outside the guest's RAM.
L2_MEM = "192M"
OUTSIDE_RAM = 0xe000000
BOOT_TIMEOUT = 300      # a second-level boot, on a loaded host
STEP_TIMEOUT = 120      # one shell command in the second-level guest
DELETE_TIMEOUT = 90     # device_del until DEVICE_DELETED (pciehp waits 5 s)
PIN_TIMEOUT = 60
# The bench guest's VT-d reports a blocked DMA so (drivers/iommu/intel).
DMAR_FAULT = r"DMAR: (\[DMA|DRHD: handling fault)|fault addr"


class Console:
    """COM1 of the second-level guest: our process's stdin and stdout."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.cond = threading.Condition()
        self.seen = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait(self, pattern, timeout, what):
        """The first line matching pattern after the last one returned."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                while self.seen < len(self.lines):
                    line = self.lines[self.seen]
                    self.seen += 1
                    if line is None:
                        raise SetupError(f"{what}: our binary's output ended "
                                         f"(exit {self.proc.poll()})")
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SetupError(f"{what}: nothing within {timeout} s")
                self.cond.wait(left)

    def run(self, tag, cmd, timeout=STEP_TIMEOUT):
        """One shell command in the guest; (rc, the lines it printed)."""
        start = self.seen
        self.proc.stdin.write(f"{tag} {cmd}\n".encode())
        self.proc.stdin.flush()
        m = self.wait(rf"^HP-DONE {re.escape(tag)} rc=(\d+)", timeout,
                      f"guest command '{cmd}'")
        with self.cond:
            out = [ln for ln in self.lines[start:self.seen - 1]
                   if ln is not None and not ln.startswith(f"{tag} ")]
        return int(m.group(1)), out

    def tail(self, n=40):
        with self.cond:
            return [ln for ln in self.lines if ln is not None][-n:]


def pinned_pages():
    """FOLL_PIN pages held in the bench guest (VFIO and iommufd pin so)."""
    v = {}
    for line in Path("/proc/vmstat").read_text().splitlines():
        k, _, n = line.partition(" ")
        v[k] = int(n)
    return v["nr_foll_pin_acquired"] - v["nr_foll_pin_released"]


def proc_facts(pid):
    """Our process: its VFIO/iommufd fds, fd count, VmPin and VmLck (kB)."""
    facts = {"vfio_fds": 0, "iommu_fds": 0, "fds": 0}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        facts["fds"] += 1
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/dev/vfio/"):
            facts["vfio_fds"] += 1
        elif target == "/dev/iommu":
            facts["iommu_fds"] += 1
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, val = line.partition(":")
        if k in ("VmPin", "VmLck"):
            facts[k] = int(val.split()[0])
    return facts


class Run:
    """One launch of our binary with the edu behind root port rp0."""

    def __init__(self, args, backend, bdf, tag):
        self.backend = backend
        self.bdf = bdf
        self.qmp_path = f"/run/hp-{tag}.qmp"
        if os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)
        self.argv = [args.qemu, "-M", "q35", "-accel", "kvm", "-cpu", "host",
                     "-m", L2_MEM, "-smp", "1", "-nodefaults",
                     "-display", "none", "-serial", "stdio",
                     "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
                     "-kernel", args.kernel, "-initrd", args.initrd,
                     "-append", "console=ttyS0 panic=-1 quiet "
                                "no_timer_check",
                     "-device", "pcie-root-port,id=rp0,chassis=1,slot=1,"
                                "addr=0x4",
                     "-device", "pcie-root-port,id=rp1,chassis=2,slot=2,"
                                "addr=0x5",
                     "-device", self.device_opt("rp0")]
        self.stderr_path = f"/run/hp-{tag}.err"
        self.err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err)
        self.console = Console(self.proc)
        self.qmp = Qmp.connect(self.qmp_path, timeout=60,
                               alive=lambda: self.proc.poll() is None)
        self.port = "rp0"

    def device_opt(self, bus):
        opt = f"vfio-pci,host={self.bdf},bus={bus},id=hp0"
        return opt + (",iommufd=on" if self.backend == "iommufd"
                      else ",iommufd=off")

    def boot(self, what):
        start = time.monotonic()
        m = self.console.wait(r"^HP-READY uptime=(\S+) edu=(\S*)",
                              BOOT_TIMEOUT, f"{what}: the guest's shell")
        return {"wall_s": round(time.monotonic() - start, 1),
                "guest_uptime_s": float(m.group(1)), "edu": m.group(2)}

    def use_edu(self, tag):
        rc, out = self.console.run(tag, "waitfor present 30 && "
                                         "edu-dma $(edu)")
        return {"rc": rc, "out": out}

    def unplug(self):
        start = time.monotonic()
        reply = self.qmp.execute("device_del", id="hp0")
        if "error" in reply:
            return {"device_del": reply}
        ev = self.qmp.wait_event("DEVICE_DELETED", timeout=DELETE_TIMEOUT)
        took = time.monotonic() - start
        rc, out = self.console.run("gone", "waitfor absent 30")
        return {"deleted_after_s": round(took, 1),
                "event": ev.get("data", {}), "guest_absent_rc": rc,
                "facts": proc_facts(self.proc.pid)}

    def plug(self):
        self.port = "rp1" if self.port == "rp0" else "rp0"
        reply = self.qmp.execute("device_add", driver="vfio-pci",
                                 host=self.bdf, bus=self.port, id="hp0",
                                 iommufd="on" if self.backend == "iommufd"
                                 else "off")
        return {"port": self.port, "device_add": reply}

    def cycles(self, n):
        out = []
        for i in range(n):
            c = {"unplug": self.unplug()}
            c["plug"] = self.plug()
            c["use"] = self.use_edu(f"use{i}")
            out.append(c)
            print(f"  {self.backend} cycle {i + 1}: deleted after "
                  f"{c['unplug'].get('deleted_after_s')} s, "
                  f"facts {c['unplug'].get('facts')}, use rc "
                  f"{c['use']['rc']}", flush=True)
        return out

    def boot_and_cycle(self, out, what, n):
        """First boot, the edu used, then n unplug/replug cycles."""
        out["boot"] = self.boot(what)
        out["first_use"] = self.use_edu("first")
        out["plugged_facts"] = proc_facts(self.proc.pid)
        out["cycles"] = self.cycles(n)

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        return Path(self.stderr_path).read_text(errors="replace")

    def finish(self):
        status = None
        if self.proc.poll() is None:
            try:
                self.qmp.execute("quit")
            except (QemuError, OSError):
                pass
            try:
                status = self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                status = self.proc.wait()
        else:
            status = self.proc.returncode
        self.qmp.close()
        self.err.close()
        return {"argv": self.argv, "exit": status,
                "stderr": self.stderr()[-4000:],
                "console_tail": self.console.tail()}


def dmesg_lines(pattern):
    """The bench guest's kernel log lines matching pattern."""
    try:
        out = subprocess.run(["dmesg"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln for ln in out.splitlines() if re.search(pattern, ln)]


def run_iommufd(args, bdf, res, pins_before):
    r = Run(args, "iommufd", bdf, "a")
    out = res["run1"] = {"backend": "iommufd"}
    try:
        r.boot_and_cycle(out, "first boot", args.cycles)
        rc, lines = r.console.run("slots", "for s in /sys/bus/pci/slots/*; "
                                  "do echo SLOT $s $(cat $s/address) "
                                  "power=$(cat $s/power); done; "
                                  "grep -i pcie /proc/interrupts; "
                                  "dmesg | grep -i pciehp | tail -n 12")
        out["guest_pciehp"] = lines
        # system_reset: the guest starts over and must use the edu again
        out["system_reset"] = r.qmp.execute("system_reset")
        out["after_reset_boot"] = r.boot("boot after system_reset")
        out["after_reset_use"] = r.use_edu("reset")
        # the guest's own reboot
        r.proc.stdin.write(b"reboot reboot -f\n")
        r.proc.stdin.flush()
        out["after_reboot_boot"] = r.boot("boot after the guest's reboot")
        out["after_reboot_use"] = r.use_edu("reboot")
        # kill -9 while the guest DMAs
        r.proc.stdin.write(b"loop edu-dma $(edu) loop &\n")
        r.proc.stdin.flush()
        r.console.wait(r"^EDU-DMA loop=17 result=ok", STEP_TIMEOUT,
                       "the guest's DMA loop")
        out["pins_while_running"] = pinned_pages() - pins_before
        os.kill(r.proc.pid, signal.SIGKILL)
        r.proc.wait()
        start = time.monotonic()
        try:
            wait_until(lambda: pinned_pages() <= pins_before, PIN_TIMEOUT,
                       "the bench guest's pinned pages to drop back")
        except SetupError as e:
            out["pins_error"] = str(e)
        out["pins_after_kill"] = pinned_pages() - pins_before
        out["pins_settled_s"] = round(time.monotonic() - start, 2)
    finally:
        out.update(r.finish())


def run_legacy(args, bdf, res):
    r = Run(args, "legacy", bdf, "b")
    out = res["run2"] = {"backend": "legacy"}
    try:
        r.boot_and_cycle(out, "first boot after kill -9", args.cycles)
        dmar_before = len(dmesg_lines(DMAR_FAULT))
        rc, lines = r.console.run("outside", f"edu-dma $(edu) outside "
                                  f"{OUTSIDE_RAM:#x}")
        out["outside"] = {"rc": rc, "out": lines}
        out["status_after_outside"] = r.qmp.execute("query-status")
        out["use_after_outside"] = r.use_edu("after-outside")
        new = dmesg_lines(DMAR_FAULT)[dmar_before:]
        out["dmar_new"] = len(new)
        out["dmar_faults"] = new[:6]
    finally:
        out.update(r.finish())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--cycles", type=int, default=20)
    args = ap.parse_args()
    out = Path(os.environ.get("RESULTS_DIR", "/run")) / "hotplug.json"
    res = {"uname": os.uname().release, "cycles": args.cycles}
    try:
        if not os.path.exists("/dev/kvm"):
            raise SetupError("/dev/kvm is missing in the bench guest")
        edus = find(EDU_ID)
        if not edus:
            raise SetupError("no edu (1234:11e8) in the bench guest")
        bind_vfio(edus[0])
        res["edu"] = edus[0]
        res["pins_before"] = pinned_pages()
        run_iommufd(args, edus[0], res, res["pins_before"])
        run_legacy(args, edus[0], res)
        res["pins_end"] = pinned_pages() - res["pins_before"]
    except (SetupError, QemuError, OSError, ValueError) as e:
        res["error"] = f"{type(e).__name__}: {e}"
        print(f"hotplug-driver: {res['error']}", file=sys.stderr)
    out.write_text(json.dumps(res, indent=1))
    return 1 if "error" in res else 0


if __name__ == "__main__":
    sys.exit(main())
