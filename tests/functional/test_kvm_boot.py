#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Our qemu-system-x86_64 boots Linux with -accel kvm, in the bench guest.

The bench guest runs under TCG with an SVM CPU (qemu64,+svm,+npt), so its
kernel has /dev/kvm.  In it, our binary boots the same bzImage with
-accel kvm -cpu host -smp 2, direct Linux boot (-kernel/-initrd/-append),
COM1 on stdio, and an initramfs made here from busybox whose /init prints
what it sees and powers off through ACPI.  The case passes when the
second-level guest reached userspace with both vCPUs, its timer, COM1 and
ACPI interrupts went through the in-kernel IOAPIC, and the process exited
0 after the guest's power-off.  Output is TAP.
"""

import os
import shutil
import sys
import tempfile

from harness.build_paths import find
from harness.guest.guest import ensure_kernel, run_in_guest
from harness.guest.initramfs import busybox_initramfs
from harness.tap import Tap

L2_INIT = r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo "L2-USERSPACE cpus=$(/bin/busybox grep -c ^processor /proc/cpuinfo)"
/bin/busybox cat /proc/interrupts
/bin/busybox poweroff -f
"""

RUN_L2 = r"""
[ -c /dev/kvm ] || { echo "no /dev/kvm in the bench guest"; exit 2; }
"$QEMU" -accel kvm -cpu host -M q35 -m 512M -smp 2 -nodefaults \
    -nographic -no-reboot -serial stdio \
    -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 panic=-1"
echo "L2-EXIT=$?"
"""


def make_initrd(path):
    """A gzip'd newc cpio: /init, /bin/busybox, /proc, /sys, /dev."""
    busybox_initramfs(path, L2_INIT)


def interrupt_count(output, name):
    """Total of the /proc/interrupts line whose description ends in name."""
    for line in output.splitlines():
        fields = line.split()
        if fields and fields[-1] == name and fields[0].endswith(":"):
            return sum(int(f) for f in fields[1:3] if f.isdigit())
    return 0


def main():
    tap = Tap(1)
    with tap.case("Linux boots to userspace under our -accel kvm") as case:
        kernel = ensure_kernel()
        qemu = find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                    "qemu-system-x86_64")
        work = tempfile.mkdtemp(prefix="kvm-boot-")
        try:
            initrd = os.path.join(work, "initrd.gz")
            make_initrd(initrd)
            os.chmod(work, 0o755)
            r = run_in_guest("root-bus", ["/bin/sh", "-c", RUN_L2],
                             timeout=600, accel="tcg", kernel=kernel,
                             extra_qemu_args=["-cpu", "qemu64,+svm,+npt"],
                             env={"QEMU": str(qemu), "KERNEL": kernel,
                                  "INITRD": initrd})
            try:
                out = r.output
                tap.diag(out[-3000:].rstrip())
                assert r.status == 0, f"the bench command exited {r.status}"
                assert "L2-USERSPACE cpus=2" in out, \
                    "the second-level guest did not reach userspace with " \
                    "2 CPUs"
                for irq in ("timer", "ttyS0"):
                    assert interrupt_count(out, irq) > 0, \
                        f"no '{irq}' interrupts in the second-level guest"
                assert "L2-EXIT=0" in out, \
                    "our qemu-system-x86_64 did not exit 0 after the " \
                    "guest's power-off"
                case["name"] += f" [wall {r.timings['wall']:.1f} s]"
            finally:
                r.cleanup()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
