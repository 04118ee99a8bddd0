# SPDX-License-Identifier: GPL-2.0-or-later
"""Pick TCG or KVM for the bench guest.

Nested KVM has been seen to hang right after the firmware jumps to the
kernel, so KVM is used only after a short probe boot succeeded.  The verdict
is cached next to the kernel (keyed by the kernel image and the QEMU binary),
so the probe's cost is paid once per machine.  QEMU_VFIO_ACCEL=tcg|kvm skips
the probe.
"""

import fcntl
import hashlib
import os
from pathlib import Path

PROBE_TIMEOUT = 10         # seconds for the probe's command
PROBE_BOOT_ALLOWANCE = 20  # seconds for its boot and power-off


def _verdict_path(kernel):
    import shutil
    from harness.guest.guest import QEMU
    qemu = shutil.which(QEMU) or QEMU
    ident = []
    for p in (kernel, qemu):
        try:
            st = os.stat(p)
            ident.append(f"{os.path.realpath(p)}:{st.st_size}:{st.st_mtime}")
        except OSError:
            ident.append(p)
    digest = hashlib.sha256("|".join(ident).encode()).hexdigest()[:16]
    return Path(kernel).resolve().parent / f"accel-{digest}"


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def choose_accel(kernel):
    forced = os.environ.get("QEMU_VFIO_ACCEL")
    if forced:
        if forced not in ("tcg", "kvm"):
            raise ValueError(f"QEMU_VFIO_ACCEL='{forced}': expected tcg or kvm")
        return forced
    if not kvm_usable():
        return "tcg"
    path = _verdict_path(kernel)
    try:
        return _read_verdict(path) or _probe_locked(kernel, path)
    except OSError:
        # A read-only cache (prebuilt kernel elsewhere): do not gamble on KVM.
        return "tcg"


def _read_verdict(path):
    try:
        v = path.read_text().strip()
    except OSError:
        return None
    return v if v in ("tcg", "kvm") else None


def _probe_locked(kernel, path):
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        verdict = _read_verdict(path)
        if verdict:
            return verdict
        verdict = "kvm" if _probe_kvm(kernel) else "tcg"
        path.write_text(verdict + "\n")
        return verdict


def _probe_kvm(kernel):
    from harness.guest import guest
    try:
        r = guest.run_in_guest("root-bus", ["/bin/true"],
                               timeout=PROBE_TIMEOUT, mem="512M",
                               accel="kvm", kernel=kernel,
                               boot_allowance=PROBE_BOOT_ALLOWANCE)
        r.cleanup()
        return r.status == 0
    except guest.BenchError:
        return False
