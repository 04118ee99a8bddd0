# SPDX-License-Identifier: GPL-2.0-or-later
"""Inside the bench guest: libvirt 12.9 runs a domain on each emulator.

Run by test_libvirt.py as the bench guest's command.  libvirt's daemons
start chrooted in the Debian 13 tree (libvirt_root.py).  Then, for our
binary (through the wrapper of libvirt_root.write_wrapper) and for the
tree's QEMU 11.1, the same virsh steps run on a domain built from
DOMAIN_XML: type kvm, direct boot of the payload, COM1 logged to a file,
and the bench guest's NVMe assigned with <driver iommufd='yes'/>.  Every
step's status, time and message, the payload lines of the serial log and
the domain log go to $RESULTS_DIR/libvirt.json; the host decides what
passes.  A step whose predecessor failed is recorded as not run.

    driver.py --root TREE --kernel BZIMAGE --initrd PAYLOAD --qemu OURS
"""

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nested"))

from libvirt_root import LibvirtError, LibvirtRoot, write_wrapper  # noqa
from l2_driver import NVME_ID, find, parse_payload  # noqa

SERIAL_LOG = "/var/log/libvirt/qemu/{name}-serial.log"
DOMAIN_XML = """\
<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/bench/bzImage</kernel>
    <initrd>/bench/payload.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet no_timer_check payload.wait=600 payload.cmd=nvme-verify,watch payload.hotplug={nvme_id}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='host-passthrough'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <serial type='file'>
      <source path='{serial}' append='on'/>
    </serial>
{hostdev}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
{extra}</domain>
"""
# QEMU's q35 hot-plugs through ACPI by default, which needs the guest's
# acpiphp (CONFIG_HOTPLUG_PCI_ACPI, not in the bench kernel); ours has
# PCIe native hot-plug only.  The reference is told to use that too.
NATIVE_HOTPLUG_XML = """\
  <qemu:commandline>
    <qemu:arg value='-global'/>
    <qemu:arg value='ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off'/>
  </qemu:commandline>
"""
HOSTDEV_XML = """\
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <driver iommufd='{iommufd}'/>
      <source><address domain='0x{dom}' bus='0x{bus}' slot='0x{slot}' function='0x{fn}'/></source>
    </hostdev>
"""
EMULATORS = (("ours", "/bench/qemu-vfio"),
             ("qemu-11.1", "/usr/bin/qemu-system-x86_64"))
BOOT_TIMEOUT = 400
HOTPLUG_TIMEOUT = 120


def hostdev_xml(bdf, iommufd):
    dom, bus, rest = bdf.split(":")
    slot, fn = rest.split(".")
    return HOSTDEV_XML.format(iommufd="yes" if iommufd else "no", dom=dom,
                              bus=bus, slot=slot, fn=fn)


class Steps:
    """Runs virsh steps in order; after a failure the rest are 'not run'."""

    def __init__(self, lv, label):
        self.lv = lv
        self.label = label
        self.results = []
        self.broken = None

    def record(self, name, ok, seconds, msg=""):
        self.results.append({"step": name, "ok": ok,
                             "seconds": round(seconds, 2),
                             "msg": msg.strip()[-600:]})
        # Progress for whoever watches the bench's output.
        print(f"{self.label}: {name}: {'ok' if ok else 'FAILED'} "
              f"{seconds:.2f} s {msg.strip()[-200:]}", flush=True)
        if not ok and not self.broken:
            self.broken = name

    def fail_last(self, msg):
        self.results[-1].update(ok=False, msg=msg[-600:])
        self.broken = self.broken or self.results[-1]["step"]

    def virsh(self, name, *args, check=None):
        if self.broken:
            self.results.append({"step": name, "ok": False, "seconds": 0,
                                 "msg": f"not run: '{self.broken}' failed"})
            return None
        st, out, err, t = self.lv.virsh(*args)
        ok = st == 0
        msg = err if not ok else ""
        if ok and check:
            why = check(out)
            ok, msg = why is None, why or ""
        self.record(name, ok, t, msg)
        return out if ok else None

    def wait(self, name, pred, timeout, what):
        if self.broken:
            self.results.append({"step": name, "ok": False, "seconds": 0,
                                 "msg": f"not run: '{self.broken}' failed"})
            return
        start = time.monotonic()
        while not pred():
            if time.monotonic() - start > timeout:
                self.record(name, False, time.monotonic() - start,
                            f"timed out after {timeout} s waiting for {what}")
                return
            time.sleep(1)
        self.record(name, True, time.monotonic() - start)


def run_emulator(lv, label, emulator, bdf, work):
    name = "l2-" + re.sub(r"[^a-z0-9]", "", label)
    serial = SERIAL_LOG.format(name=name)
    steps = Steps(lv, label)
    xml = work / f"{name}.xml"
    xml.write_text(DOMAIN_XML.format(name=name, emulator=emulator,
                                     nvme_id=":".join(i[2:] for i in NVME_ID),
                                     serial=serial,
                                     extra="" if label == "ours"
                                     else NATIVE_HOTPLUG_XML,
                                     hostdev=hostdev_xml(bdf, True)))
    for iommufd in (True, False):
        (work / f"{name}-hostdev-{'iommufd' if iommufd else 'legacy'}.xml") \
            .write_text(hostdev_xml(bdf, iommufd))

    def count(event, **want):
        return sum(1 for ev in parse_payload(lv.read(serial))
                   if ev.get("event") == event and
                   all(ev.get(k) == v for k, v in want.items()))

    def guest_says(event, n, **want):
        return lambda: count(event, **want) >= n

    def state_is(s):
        return lambda: s in (lv.virsh("domstate", name)[1] or "")

    def hostdev_gone():
        st, out, _, _ = lv.virsh("dumpxml", name)
        return st == 0 and "<hostdev" not in out

    steps.virsh("domcapabilities",
                "domcapabilities", "--emulatorbin", emulator,
                "--virttype", "kvm",
                check=lambda out: None if re.search(
                    r"<enum name='iommufd'>\s*(<value>no</value>\s*)?"
                    r"<value>yes</value>", out)
                else "domcapabilities does not offer iommufd='yes'")
    steps.virsh("define", "define", f"/bench/{xml.name}")
    steps.virsh("start", "start", name)
    steps.wait("guest uses the device (nvme-verify)",
               guest_says("step", 1, name="nvme-verify"),
               BOOT_TIMEOUT, "the payload's nvme-verify line")
    if count("step", name="nvme-verify", status="fail"):
        steps.fail_last("the payload's nvme-verify step failed: " +
                        " ".join(f"{k}={v}" for k, v in
                                 parse_payload(lv.read(serial))[-1].items()))
    steps.wait("guest watches", guest_says("waiting", 1, name="watch"),
               60, "the payload's watch step")
    # The device starts with iommufd: unplug it, plug it back legacy, then
    # unplug that and plug it back with iommufd.  libvirt returns from
    # detach-device after a few seconds even when the guest has not yet
    # let the device go; the guest's line and the domain's XML say when it
    # has.
    for n, (gone, back) in enumerate((("iommufd", "legacy"),
                                      ("legacy", "iommufd")), 1):
        steps.virsh(f"detach-device ({gone})", "detach-device", name,
                    f"/bench/{name}-hostdev-{gone}.xml", "--live")
        steps.wait(f"guest lets the device go ({gone})",
                   lambda: count("device-gone") >= n and hostdev_gone(),
                   HOTPLUG_TIMEOUT, "the payload's device-gone line and "
                   "libvirt's removal of the hostdev")
        steps.virsh(f"attach-device ({back})", "attach-device", name,
                    f"/bench/{name}-hostdev-{back}.xml", "--live")
        steps.wait(f"guest takes the device back ({back})",
                   guest_says("device-back", n), HOTPLUG_TIMEOUT,
                   "the payload's device-back line")
    steps.virsh("shutdown (ACPI power button)", "shutdown", name,
                "--mode", "acpi")
    steps.wait("guest sees the power button",
               guest_says("power-button", 1), 120,
               "the payload's power-button line")
    steps.wait("guest powers off", state_is("shut off"), 120,
               "the domain to shut off")
    steps.virsh("start again", "start", name)
    steps.wait("guest boots again", guest_says("start", 2), BOOT_TIMEOUT,
               "the payload's second start line")
    steps.virsh("destroy", "destroy", name)
    steps.virsh("undefine", "undefine", name)
    # After a failure the domain may still run and hold the device that
    # the next emulator's domain needs: end it, outside the steps.
    if "running" in (lv.virsh("domstate", name)[1] or "") or \
            "paused" in (lv.virsh("domstate", name)[1] or ""):
        lv.virsh("destroy", name)
    lv.virsh("undefine", name)
    log = lv.read(f"/var/log/libvirt/qemu/{name}.log")
    return {"emulator": label, "path": emulator, "steps": steps.results,
            "payload": parse_payload(lv.read(serial)),
            "domain_log": log[-6000:],
            "errors": [ln for ln in log.splitlines()
                       if (re.search(r"qemu-system-x86_64: (?!warning)", ln)
                           or "error" in ln.lower())
                       # How every QEMU notes libvirt's SIGTERM (destroy,
                       # and the end of a guest that powered off).
                       and "terminating on signal" not in ln]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--emulators", default=",".join(e[0] for e in EMULATORS),
                    help="which of the emulators to run, comma-separated")
    args = ap.parse_args()
    out = Path(os.environ.get("RESULTS_DIR", "/run")) / "libvirt.json"
    result = {"uname": os.uname().release, "runs": []}
    work = Path("/run/libvirt-bench")
    work.mkdir(exist_ok=True)
    try:
        nvmes = find(NVME_ID)
        if not nvmes:
            raise LibvirtError("no NVMe controller (1b36:0010) in the bench "
                               "guest")
        result["nvme"] = nvmes[0]
        shutil.copy(args.kernel, work / "bzImage")
        shutil.copy(args.initrd, work / "payload.cpio.gz")
        write_wrapper(work / "qemu-vfio", args.qemu)
        start = time.monotonic()
        with LibvirtRoot(args.root, Path("/run/libvirt-scratch"), work) as lv:
            result["daemons_s"] = round(time.monotonic() - start, 2)
            st, caps, err, t = lv.virsh("capabilities")
            result["capabilities"] = {"ok": st == 0, "seconds": round(t, 2),
                                      "msg": err.strip()[-600:]}
            for label, emulator in EMULATORS:
                if label not in args.emulators.split(","):
                    continue
                result["runs"].append(run_emulator(lv, label, emulator,
                                                   nvmes[0], work))
                print(f"{label}: done", flush=True)
            daemon_log = lv.read("/var/log/libvirt/libvirtd.log")
            result["libvirtd_log_tail"] = daemon_log[-4000:]
            # What libvirt asked the emulators, in order (the probes'
            # commands included): for the docs and for a failure's reader.
            result["qmp_commands"] = re.findall(
                r'QEMU_MONITOR_SEND_MSG: mon=\S+ msg=(\{"execute":"[^"]+"'
                r'(?:,"arguments":\{[^\n]{0,200})?)', daemon_log)
    except (LibvirtError, OSError) as e:
        result["error"] = str(e)
        print(f"libvirt-driver: {e}", file=sys.stderr)
    out.write_text(json.dumps(result, indent=1))
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
