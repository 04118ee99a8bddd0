#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""VFIO INTx through KVM on the real kernel, in the bench guest.

The bench guest ("root-bus": an edu at 0000:00:10.0, emulated VT-d, an
SVM CPU so that its kernel has /dev/kvm) binds the edu to vfio-pci and
runs tests/qtest/kvm-vfio-irq-test with KVM_VFIO_IRQ_HOST set: our
binary with -accel kvm assigns the edu, through each backend, to the
hand-written guest, whose IDT handler counts four INTx (three of them
only after KVM's resample eventfd had the kernel's vfio-pci unmask the
host's INTx), none while the command register's INTx-disable bit is set,
and all of it again after a system_reset.  The simulated kernel runs the
same guest in suite 'sim'; QEMU's edu has neither MSI-X nor MSI masking,
so this run covers INTx.  Output is TAP.
"""

import re
import sys

from harness.build_paths import find
from harness.guest.guest import ensure_kernel, run_in_guest
from harness.tap import Tap

EDU = "0000:00:10.0"

RUN = r"""
[ -c /dev/kvm ] || { echo "no /dev/kvm in the bench guest"; exit 2; }
dev=/sys/bus/pci/devices/$EDU
[ -e "$dev/driver" ] && echo "$EDU" > "$dev/driver/unbind"
echo vfio-pci > "$dev/driver_override"
echo "$EDU" > /sys/bus/pci/drivers_probe
drv=$(readlink "$dev/driver")
[ "${drv##*/}" = vfio-pci ] || { echo "$EDU is not bound to vfio-pci"; exit 2; }
KVM_VFIO_IRQ_HOST=$EDU QTEST_QEMU_BINARY="$QEMU" "$TEST" --tap
echo "IRQ-TEST-EXIT=$?"
"""


def main():
    tap = Tap(1)
    with tap.case("an assigned edu's INTx through KVM's resampling irqfd") \
            as case:
        kernel = ensure_kernel()
        qemu = find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                    "qemu-system-x86_64")
        test = find("KVM_VFIO_IRQ_TEST", "tests/vfio-sim/kvm-vfio-irq-test",
                    "kvm-vfio-irq-test")
        r = run_in_guest("root-bus", ["/bin/sh", "-c", RUN], timeout=600,
                         accel="tcg", kernel=kernel,
                         extra_qemu_args=["-cpu", "qemu64,+svm,+npt"],
                         env={"QEMU": str(qemu), "TEST": str(test),
                              "EDU": EDU})
        try:
            out = r.output
            tap.diag(out[-3000:].rstrip())
            assert r.status == 0, f"the bench command exited {r.status}"
            for backend in ("legacy", "iommufd"):
                assert re.search(rf"^ok \d+ /kvm-vfio-irq/{backend}/intx",
                                 out, re.M), \
                    f"the {backend} case did not pass"
            assert "not ok" not in out, "a case failed"
            assert "IRQ-TEST-EXIT=0" in out, \
                "kvm-vfio-irq-test did not exit 0"
            case["name"] += f" [wall {r.timings['wall']:.1f} s]"
        finally:
            r.cleanup()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
