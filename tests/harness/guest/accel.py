# SPDX-License-Identifier: GPL-2.0-or-later
"""Pick the accelerator of the bench guest: TCG, unless told otherwise.

The bench guest must have KVM inside it: the second-level guests (the
payload under our binary and under the peers) run on the bench guest's
own /dev/kvm.  Under TCG the bench guest gets an AMD-vendor CPU with SVM
and nested paging (guest.TCG_CPU), which TCG emulates on any host.  Under
the host's KVM it would get `-cpu host`: on an Intel host that has no SVM,
the bench kernel builds only KVM_AMD, and nested KVM on these machines has
been seen to hang right after the firmware jumps to the kernel.  So the
choice is not left to whether /dev/kvm happens to work on the machine a
run lands on (an earlier probe did that, and a CI machine with a working
/dev/kvm would have lost the second level): it is TCG.

QEMU_VFIO_ACCEL=kvm asks for the host's KVM anyway, e.g. to try a machine
whose nested SVM works; tests that need the second level then say so when
the bench guest has no /dev/kvm.
"""

import os


def choose_accel(kernel=None):
    forced = os.environ.get("QEMU_VFIO_ACCEL")
    if not forced:
        return "tcg"
    if forced not in ("tcg", "kvm"):
        raise ValueError(f"QEMU_VFIO_ACCEL='{forced}': expected tcg or kvm")
    if forced == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        raise ValueError("QEMU_VFIO_ACCEL=kvm: /dev/kvm is not usable here")
    return forced
