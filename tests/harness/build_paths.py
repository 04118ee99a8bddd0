# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a test finds what the build made.

find(env, rel, what): the file named by environment variable `env` if it
exists (meson sets these), else `rel` under $QEMU_VFIO_BUILD_ROOT (for
running a test by hand); FileNotFoundError naming both otherwise.
simulator_and_vmm(): (libvfio-sim.so, our qemu-system-x86_64) that way.
build_trees(): where to look for a build, in order; build_with(*rels): the
first of them that holds every file of `rels` (the functional tier's
programs), FileNotFoundError saying what is not built otherwise.
"""

import os
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parents[2]


def find(env, rel, what):
    path = os.environ.get(env)
    if path and Path(path).is_file():
        return Path(path)
    root = os.environ.get("QEMU_VFIO_BUILD_ROOT")
    if root and (Path(root) / rel).is_file():
        return Path(root) / rel
    raise FileNotFoundError(f"{what} not found: set {env} or "
                            f"QEMU_VFIO_BUILD_ROOT")


def build_trees():
    """$QEMU_VFIO_BUILD_ROOT (meson sets it), then the source tree's
    build*/ directories (a test run by hand)."""
    root = os.environ.get("QEMU_VFIO_BUILD_ROOT")
    trees = [Path(root)] if root else []
    return trees + sorted(SOURCE_ROOT.glob("build*"))


def build_with(*rels, what=None):
    """The first build tree (resolved) holding every path in @rels, relative
    to the tree; FileNotFoundError naming @what (default the first of @rels)
    if none does."""
    for root in build_trees():
        if all((root / rel).is_file() for rel in rels):
            return root.resolve()
    raise FileNotFoundError(f"{what or Path(rels[0]).name} is not built: "
                            f"run ninja in a build tree and set "
                            f"QEMU_VFIO_BUILD_ROOT to it")


def simulator_and_vmm():
    return (find("VFIO_SIM_LIB", "tests/vfio-sim/libvfio-sim.so",
                 "libvfio-sim.so"),
            find("QEMU_VFIO_QEMU", "qemu-system-x86_64",
                 "qemu-system-x86_64"))
