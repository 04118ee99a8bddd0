# SPDX-License-Identifier: GPL-2.0-or-later
"""The 2026 peers: a Debian 13 tree with QEMU 11 and libvirt 12.

The bench guest's own root is the host's / (Debian 12, QEMU 10, no libvirt
that knows iommufd).  The newer peers come from trixie-backports and run
chrooted inside the bench guest.  This module makes that tree once with
mmdebstrap and caches it outside the source tree:

    ${XDG_CACHE_HOME:-$HOME/.cache}/qemu-vfio/peer-root/<key>/root

<key> names the versions of the packages that matter (qemu-system-x86 and
libvirt-daemon-system as trixie-backports offers them) and a hash of the
recipe (suites, package list, apt options), so a new upload or a changed
recipe makes a new tree and an unchanged one is reused.  APT's default
release is trixie-backports: without it apt mixes versions of the two
suites and fails to resolve.

Inside the bench guest, PEER_CHROOT (peer-chroot.sh beside this file) runs a
command in the tree: it binds /proc, /sys and /dev, puts tmpfs on the tree's
/run and /tmp (the 9p root is read-only) and binds a directory of the
caller's choice on /bench, so the tree's QEMU finds its kernel, initrd and
images there.

Environment:
    QEMU_VFIO_PEER_ROOT   use this tree as is, never build

As a command: PYTHONPATH=tests python3 -m harness.guest.peer_root [--force]
prints the key packages' versions and the tree's path.
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.guest import debian_fetch

HERE = Path(__file__).resolve().parent

SUITE = "trixie"
BACKPORTS = "trixie-backports"
PACKAGES = ("qemu-system-x86", "libvirt-daemon-system", "libvirt-clients")
# The versions that name the tree.
KEY_PACKAGES = ("qemu-system-x86", "libvirt-daemon-system")
PEER_CHROOT = HERE / "peer-chroot.sh"
# Where peer-chroot.sh binds the caller's directory inside the tree.
BENCH_MOUNT = "/bench"


def socket_paths_in_tree(argv, workdir):
    """@argv of a QEMU that PEER_CHROOT runs with @workdir bound on
    BENCH_MOUNT: its unix socket paths under @workdir as the tree sees
    them."""
    return [a.replace(f"unix:{workdir}/", f"unix:{BENCH_MOUNT}/")
            for a in argv]


class PeerRootError(RuntimeError):
    """The peer tree could not be made; the message says why."""


@dataclass(frozen=True)
class PeerRoot:
    path: Path
    versions: dict

    @property
    def qemu(self):
        return self.path / "usr/bin/qemu-system-x86_64"


def log(msg):
    print(f"peer-root: {msg}", file=sys.stderr, flush=True)


def _recipe(mirror):
    keyring = debian_fetch.DEFAULT_KEYRING
    return {
        "suite": SUITE,
        "sources": [f"deb [signed-by={keyring}] {mirror} {SUITE} main",
                    f"deb [signed-by={keyring}] {mirror} {BACKPORTS} main"],
        "aptopt": f'APT::Default-Release "{BACKPORTS}"',
        "include": ",".join(PACKAGES),
        "variant": "apt",
    }


def cache_key(apt=None, mirror=None):
    """The key of the tree for today's package versions; also the versions."""
    try:
        apt = apt or debian_fetch.PrivateApt(BACKPORTS)
        versions = {p: apt.version(p) for p in KEY_PACKAGES}
    except debian_fetch.FetchError as e:
        raise PeerRootError(f"cannot look up the peers' versions: {e}") \
            from None
    recipe = _recipe(mirror or apt.mirror)
    digest = hashlib.sha256(repr(sorted(recipe.items())).encode()) \
        .hexdigest()[:12]
    raw = (f"qemu-{versions['qemu-system-x86']}_"
           f"libvirt-{versions['libvirt-daemon-system']}_{digest}")
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw), versions, recipe


def installed_versions(root):
    """Versions of KEY_PACKAGES in the tree's dpkg database."""
    status = Path(root) / "var/lib/dpkg/status"
    found = {}
    try:
        text = status.read_text(errors="replace")
    except OSError:
        return found
    for stanza in text.split("\n\n"):
        name = re.search(r"^Package:\s*(\S+)", stanza, re.M)
        ver = re.search(r"^Version:\s*(\S+)", stanza, re.M)
        state = re.search(r"^Status:.*installed$", stanza, re.M)
        if name and ver and state and name.group(1) in KEY_PACKAGES:
            found[name.group(1)] = ver.group(1)
    return found


def cache_root():
    return debian_fetch.cache_root() / "peer-root"


def driver_args(peer):
    """The options by which an in-guest driver finds @peer's tree and the
    script that runs its QEMU chrooted there."""
    return ["--peer-root", str(peer.path), "--peer-chroot", str(PEER_CHROOT)]


def ensure(force=False):
    """Return a PeerRoot for today's versions, making the tree if needed."""
    override = os.environ.get("QEMU_VFIO_PEER_ROOT")
    if override:
        root = Path(override)
        if not (root / "usr/bin/qemu-system-x86_64").is_file():
            raise PeerRootError(f"QEMU_VFIO_PEER_ROOT='{override}' has no "
                                f"usr/bin/qemu-system-x86_64")
        return PeerRoot(root, installed_versions(root))
    if not shutil.which("mmdebstrap"):
        raise PeerRootError("mmdebstrap not found: install it "
                            "(scripts/install-deps.sh)")
    key, versions, recipe = cache_key()
    keydir = cache_root() / key
    root = keydir / "root"
    done = keydir / "done"
    if done.is_file() and not force:
        return PeerRoot(root, installed_versions(root))
    keydir.mkdir(parents=True, exist_ok=True)
    with open(cache_root() / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file() and not force:
            return PeerRoot(root, installed_versions(root))
        _make(keydir, root, recipe)
    got = installed_versions(root)
    if got != versions:
        raise PeerRootError(f"the tree in {root} holds {got}, not the "
                            f"versions it was made for ({versions})")
    done.write_text("".join(f"{p} {v}\n" for p, v in sorted(got.items())))
    return PeerRoot(root, got)


def _make(keydir, root, recipe):
    tmp = keydir / "root.tmp"
    logfile = keydir / "mmdebstrap.log"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    cmd = ["mmdebstrap", f"--variant={recipe['variant']}",
           f"--aptopt={recipe['aptopt']}", f"--include={recipe['include']}",
           # The mount point peer-chroot.sh binds the caller's directory on:
           # the tree is read-only in the bench guest.
           f"--customize-hook=mkdir -p \"$1{BENCH_MOUNT}\"",
           recipe["suite"], str(tmp), *recipe["sources"]]
    log(f"making the Debian 13 peer tree in {root} (log: {logfile})")
    start = time.monotonic()
    with open(logfile, "wb") as out:
        r = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, check=False)
    if r.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        tail = "\n".join(logfile.read_text(errors="replace")
                         .splitlines()[-10:])
        raise PeerRootError(f"mmdebstrap failed with status {r.returncode}; "
                            f"last lines of {logfile}:\n{tail}")
    os.replace(tmp, root)
    elapsed = time.monotonic() - start
    (keydir / "build-seconds").write_text(f"{elapsed:.0f}\n")
    log(f"made {root} in {elapsed:.0f} s")


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--force", action="store_true",
                   help="remake the tree even if the cache holds it")
    args = p.parse_args(argv)
    try:
        peer = ensure(force=args.force)
    except PeerRootError as e:
        print(f"peer-root: error: {e}", file=sys.stderr)
        return 1
    for pkg, ver in sorted(peer.versions.items()):
        print(f"{pkg} {ver}")
    print(peer.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
