# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a test finds what the build made.

find(env, rel, what): the file named by environment variable `env` if it
exists (meson sets these), else `rel` under $QEMU_VFIO_BUILD_ROOT (for
running a test by hand); FileNotFoundError naming both otherwise.
simulator_and_vmm(): (libvfio-sim.so, our qemu-system-x86_64) that way.
"""

import os
from pathlib import Path


def find(env, rel, what):
    path = os.environ.get(env)
    if path and Path(path).is_file():
        return Path(path)
    root = os.environ.get("QEMU_VFIO_BUILD_ROOT")
    if root and (Path(root) / rel).is_file():
        return Path(root) / rel
    raise FileNotFoundError(f"{what} not found: set {env} or "
                            f"QEMU_VFIO_BUILD_ROOT")


def simulator_and_vmm():
    return (find("VFIO_SIM_LIB", "tests/vfio-sim/libvfio-sim.so",
                 "libvfio-sim.so"),
            find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                 "qemu-system-x86_64"))
