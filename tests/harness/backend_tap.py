# SPDX-License-Identifier: GPL-2.0-or-later
"""One TAP result per host IOMMU backend, for tests that run a VMM once per
backend on the simulated kernel.

    sys.exit(backend_tap.run_all(run, missing=None, prefix="vfio-sim-x-"))

run(backend, tmp) returns (ok, why) and may raise: an exception is that
backend's failure, named.  With `missing` (a reason) every backend is a
SKIP.  on_failure(backend, tmp), if given, prints diagnostics (as TAP
comments) after a failure.  Returns the exit status: 1 if any failed.

vmm_argv(binary, backend, device) is the command line such a test starts:
a paused q35 machine with `device` (a vfio-pci option string) on the given
backend.

run_on_sim(run, qemu, prefix=...) is run_all() for a VMM on the simulated
kernel: run(backend, lib, tmp) gets the absolute path of libvfio-sim.so
(VFIO_SIM_LIB), and every backend is a SKIP when that or the VMM `qemu` is
missing.
"""

import os

import shutil
import tempfile

from harness.tap import Tap

BACKENDS = ("legacy", "iommufd")


def vmm_argv(binary, backend, device, *, mem="512M", legacy_off=False):
    """legacy_off adds iommufd=off for legacy (needed by ours, whose
    default is auto; the peer's default is legacy)."""
    # -S: Debian's QEMU has no qtest accelerator, so without it a TCG vCPU
    # runs SeaBIOS, whose PCI enumeration shares the CF8 latch with the
    # test's config cycles (answers from another register) and moves BARs.
    argv = [str(binary), "-S", "-M", "q35", "-m", mem, "-nodefaults",
            "-display", "none"]
    if backend == "iommufd":
        argv += ["-object", "iommufd,id=fd0"]
        device += ",iommufd=fd0"
    elif legacy_off:
        device += ",iommufd=off"
    return argv + ["-device", device]


def run_on_sim(run, qemu, *, prefix, on_failure=None):
    lib = os.environ.get("VFIO_SIM_LIB")
    missing = None
    if not qemu or not os.path.exists(qemu) or not lib:
        missing = f"no VMM '{qemu}' or VFIO_SIM_LIB unset"
    return run_all(lambda backend, tmp: run(backend, os.path.abspath(lib),
                                            tmp),
                   prefix=prefix, missing=missing, on_failure=on_failure)


def run_all(run, *, prefix, missing=None, on_failure=None,
            backends=BACKENDS):
    tap = Tap(len(backends))
    if missing:
        for b in backends:
            tap.skip(b, missing)
        return tap.finish()
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        for backend in backends:
            try:
                ok, why = run(backend, tmp)
            except Exception as e:      # noqa: BLE001 (reported as TAP)
                ok, why = False, f"{type(e).__name__}: {e}"
            if not ok and on_failure:
                on_failure(backend, tmp)
            tap.result(ok, f"{backend}: {why}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.finish()
