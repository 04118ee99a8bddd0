#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build (once) and cache the guest kernel of the real-kernel test bench.

The kernel is Debian's linux-source-6.12 configured as `make tinyconfig`
plus config.fragment.  The bzImage is cached outside the source tree, so it
survives `git clean`:

    $QEMU_VFIO_KERNEL_CACHE/<key>/bzImage
    (default cache root: ${XDG_CACHE_HOME:-$HOME/.cache}/qemu-vfio/kernel)

<key> combines the linux-source package version and the sha256 of
config.fragment, so editing the fragment or upgrading the package builds a new
kernel while a second run with the same inputs reuses the cached one.
A lock file next to the key serialises concurrent builders: the second one
waits and then finds the finished image.

Environment:
    QEMU_VFIO_KERNEL        use this bzImage as is, never build
    QEMU_VFIO_KERNEL_CACHE  cache root (see above)
    QEMU_VFIO_KERNEL_SOURCE kernel source tarball
                            (default /usr/src/linux-source-6.12.tar.xz)

As a command: python3 tests/harness/guest/kernel.py [--force] [--keep-tree]
prints the path of the bzImage on its last line of output.
"""

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

FRAGMENT = Path(__file__).resolve().with_name("config.fragment")
SOURCE_PACKAGE = "linux-source-6.12"
DEFAULT_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
PROGRESS_PERIOD = 30.0

# Options that Kconfig drops silently unless something else is also set.
# Named in the failure message so the fix is obvious.
DEPENDENCY_HINTS = {
    "VIRTIO_PCI": "it needs CONFIG_VIRTIO_MENU=y",
    "VFIO_DEVICE_CDEV": "it needs CONFIG_IOMMUFD=y and CONFIG_VFIO=y",
    "VFIO_CONTAINER": "it needs CONFIG_VFIO_GROUP=y",
    "IRQ_REMAP": "it needs CONFIG_X86_X2APIC=y and CONFIG_PCI_MSI=y",
    "INTEL_IOMMU": "it needs CONFIG_IOMMU_SUPPORT=y, CONFIG_PCI and CONFIG_ACPI",
    "9P_FS": "it needs CONFIG_NETWORK_FILESYSTEMS=y and CONFIG_NET_9P=y",
    "NET_9P_VIRTIO": "it needs CONFIG_VIRTIO=y and CONFIG_NET_9P=y",
}


class KernelBuildError(RuntimeError):
    """The guest kernel could not be built; the message says why."""


def log(msg):
    print(f"kernel: {msg}", file=sys.stderr, flush=True)


def cache_root():
    override = os.environ.get("QEMU_VFIO_KERNEL_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return Path(xdg) / "qemu-vfio" / "kernel"


def source_tarball():
    return Path(os.environ.get("QEMU_VFIO_KERNEL_SOURCE") or DEFAULT_TARBALL)


def source_version(tarball):
    """Version of the package providing the tarball, else its size+mtime."""
    if tarball == DEFAULT_TARBALL and shutil.which("dpkg-query"):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}",
                            SOURCE_PACKAGE],
                           capture_output=True, text=True, check=False)
        if r.returncode == 0 and r.stdout.strip():
            return "6.12_" + r.stdout.strip()
    st = tarball.stat()
    return f"{tarball.name}_{st.st_size}_{int(st.st_mtime)}"


def required_options(fragment=FRAGMENT):
    """The CONFIG_ names the fragment sets to y, in fragment order."""
    opts = []
    for line in fragment.read_text().splitlines():
        m = re.match(r"^CONFIG_([A-Za-z0-9_]+)=y\s*$", line)
        if m:
            opts.append(m.group(1))
    return opts


def cache_key(tarball=None):
    tarball = tarball or source_tarball()
    if not tarball.is_file():
        raise KernelBuildError(
            f"kernel source '{tarball}' not found: install {SOURCE_PACKAGE} "
            f"(scripts/install-deps.sh) or set QEMU_VFIO_KERNEL_SOURCE")
    digest = hashlib.sha256(FRAGMENT.read_bytes()).hexdigest()[:16]
    raw = f"{source_version(tarball)}_{digest}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)


def cached_kernel_path():
    """Where the bzImage for the current inputs lives (it may not exist yet)."""
    override = os.environ.get("QEMU_VFIO_KERNEL")
    if override:
        return Path(override)
    return cache_root() / cache_key() / "bzImage"


def missing_options(config_path, wanted):
    have = set()
    for line in Path(config_path).read_text().splitlines():
        m = re.match(r"^CONFIG_([A-Za-z0-9_]+)=y$", line)
        if m:
            have.add(m.group(1))
    return [o for o in wanted if o not in have]


def check_config(config_path, wanted):
    missing = missing_options(config_path, wanted)
    if missing:
        lines = []
        for opt in missing:
            hint = DEPENDENCY_HINTS.get(opt, "a dependency of it is not set")
            lines.append(f"  CONFIG_{opt} (requested by {FRAGMENT.name}) "
                         f"is not set in the final .config: {hint}")
        raise KernelBuildError(
            f"kernel config {config_path} lacks {len(missing)} required "
            f"option(s):\n" + "\n".join(lines))


def run_logged(cmd, cwd, logfile, what):
    """Run cmd appending to logfile; print progress every PROGRESS_PERIOD s."""
    start = time.monotonic()
    with open(logfile, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            next_report = start + PROGRESS_PERIOD
            while proc.poll() is None:
                time.sleep(1)
                now = time.monotonic()
                if now >= next_report:
                    next_report = now + PROGRESS_PERIOD
                    log(f"{what}: {now - start:.0f} s, at "
                        f"'{last_line(logfile)}'")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
    if proc.returncode != 0:
        raise KernelBuildError(
            f"{what} failed with status {proc.returncode}; last lines of "
            f"{logfile}:\n{tail(logfile, 15)}")
    return time.monotonic() - start


def last_line(path):
    lines = tail(path, 1).strip()
    return lines or "(no output yet)"


def tail(path, n):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8192))
            data = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-n:])


def extract(tarball, workdir):
    """Extract the tarball under workdir/src; return the source tree path."""
    src = workdir / "src"
    stamp = workdir / ".extracted"
    if not stamp.exists():
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        log(f"extracting {tarball} into {src}")
        if shutil.which("tar"):
            subprocess.run(["tar", "-xf", str(tarball), "-C", str(src)],
                           check=True)
        else:
            with tarfile.open(tarball) as tf:
                tf.extractall(src, filter="tar")
        stamp.write_text("")
    trees = [d for d in src.iterdir() if (d / "Makefile").is_file()]
    if len(trees) != 1:
        raise KernelBuildError(f"{tarball} did not extract to one source "
                               f"tree under {src}")
    return trees[0]


def configure(tree, logfile):
    wanted = required_options()
    run_logged(["make", "tinyconfig"], tree, logfile, "make tinyconfig")
    run_logged(["scripts/kconfig/merge_config.sh", "-m", ".config",
                str(FRAGMENT)], tree, logfile, "merge_config.sh")
    run_logged(["make", "olddefconfig"], tree, logfile, "make olddefconfig")
    check_config(tree / ".config", wanted)


def build(force=False, keep_tree=False):
    """Return the path of a bzImage for the current inputs, building if needed."""
    override = os.environ.get("QEMU_VFIO_KERNEL")
    if override:
        if not Path(override).is_file():
            raise KernelBuildError(
                f"QEMU_VFIO_KERNEL='{override}' is not a file")
        return Path(override)

    key = cache_key()
    keydir = cache_root() / key
    image = keydir / "bzImage"
    if image.is_file() and not force:
        return image

    keydir.mkdir(parents=True, exist_ok=True)
    lockpath = cache_root() / f"{key}.lock"
    with open(lockpath, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another process is building {key}; waiting for it "
                f"(lock {lockpath})")
            fcntl.flock(lock, fcntl.LOCK_EX)
        if image.is_file() and not force:
            return image
        return build_locked(keydir, image, keep_tree)


def build_locked(keydir, image, keep_tree):
    tarball = source_tarball()
    logfile = keydir / "build.log"
    log(f"building {image} (log: {logfile}); this takes ~5 minutes on 2 cores")
    start = time.monotonic()
    tree = extract(tarball, keydir)
    configure(tree, logfile)
    jobs = str(min(3, (os.cpu_count() or 1) + 1))
    run_logged(["make", f"-j{jobs}", "bzImage"], tree, logfile,
               "make bzImage")
    shutil.copy2(tree / ".config", keydir / "config")
    tmp = image.with_suffix(".tmp")
    shutil.copy2(tree / "arch" / "x86" / "boot" / "bzImage", tmp)
    os.replace(tmp, image)
    elapsed = time.monotonic() - start
    (keydir / "build-seconds").write_text(f"{elapsed:.0f}\n")
    log(f"built {image} in {elapsed:.0f} s")
    if not keep_tree:
        (keydir / ".extracted").unlink(missing_ok=True)
        shutil.rmtree(keydir / "src", ignore_errors=True)
    return image


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--force", action="store_true",
                   help="rebuild even if the cache holds an image")
    p.add_argument("--keep-tree", action="store_true",
                   help="keep the built source tree in the cache "
                        "(~1.5 GB) for incremental rebuilds")
    p.add_argument("--print-path", action="store_true",
                   help="only print where the image is or would be cached")
    args = p.parse_args(argv)
    try:
        if args.print_path:
            print(cached_kernel_path())
            return 0
        print(build(force=args.force, keep_tree=args.keep_tree))
    except KernelBuildError as e:
        print(f"kernel: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
