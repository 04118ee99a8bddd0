#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build (once) and cache the guest kernels of the real-kernel test bench.

Two series, each Debian's linux-source configured as `make tinyconfig` plus
fragments:

    6.12  /usr/src/linux-source-6.12.tar.xz (the installed package)
          + config.fragment
    7.3   linux-source-7.3 from trixie-backports, fetched with a private apt
          state (debian_fetch.py), + config.fragment + config-7.3.fragment
          (what VFIO's dma-buf export of BARs needs); its uAPI headers
          (`make headers`) are kept too, for code built for 7.3 features

The bzImage is cached outside the source tree, so it survives `git clean`:

    $QEMU_VFIO_KERNEL_CACHE/<key>/bzImage
    $QEMU_VFIO_KERNEL_CACHE/<key>/uapi/include      (7.3)
    (default cache root: ${XDG_CACHE_HOME:-$HOME/.cache}/qemu-vfio/kernel)

<key> combines the series, the linux-source package version and the sha256
of the fragments, so editing a fragment or upgrading the package builds a
new kernel while a second run with the same inputs reuses the cached one.
A lock file next to the key serialises concurrent builders: the second one
waits and then finds the finished image.

An option a fragment asks for must be =y in the final .config, unless the
tree does not define it at all (7.3 dropped PROC_SYSCTL and VFIO_PCI_MMAP,
which are unconditional there); those are named in the log.

Environment:
    QEMU_VFIO_KERNEL        use this bzImage as is for 6.12, never build
    QEMU_VFIO_KERNEL_7_3    the same for 7.3
    QEMU_VFIO_KERNEL_CACHE  cache root (see above)
    QEMU_VFIO_KERNEL_SOURCE 6.12 kernel source tarball
                            (default /usr/src/linux-source-6.12.tar.xz)

As a command: PYTHONPATH=tests python3 -m harness.guest.kernel [--series 6.12|7.3] [--force]
[--keep-tree] [--print-headers] [--cached-headers] prints the path of the bzImage (or of the
uAPI include directory) on its last line of output.  --config-only DIR checks a cached kernel
without rebuilding it: it fetches the source with a fresh private apt state in DIR, configures
it there as a build would, and compares the .config and the cache key with the cached ones.
"""

import argparse
import difflib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAGMENT = HERE / "config.fragment"
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
    "ZONE_DEVICE": "it needs CONFIG_MEMORY_HOTPLUG=y and "
                   "CONFIG_MEMORY_HOTREMOVE=y",
    "VFIO_PCI_DMABUF": "it needs CONFIG_PCI_P2PDMA=y and "
                       "CONFIG_DMA_SHARED_BUFFER=y (selected by "
                       "CONFIG_DMABUF_HEAPS=y)",
}


class KernelBuildError(RuntimeError):
    """The guest kernel could not be built; the message says why."""


@dataclass(frozen=True)
class Series:
    """One kernel the bench can boot: where its source comes from and the
    fragments merged over tinyconfig, in order."""
    name: str
    package: str
    fragments: tuple
    suite: str = ""             # fetched from this suite; "" = installed
    override_env: str = "QEMU_VFIO_KERNEL"
    uapi_headers: bool = False  # keep `make headers` output in the cache


SERIES = {s.name: s for s in (
    Series("6.12", "linux-source-6.12", ("config.fragment",)),
    Series("7.3", "linux-source-7.3",
           ("config.fragment", "config-7.3.fragment"),
           suite="trixie-backports", override_env="QEMU_VFIO_KERNEL_7_3",
           uapi_headers=True),
)}


def get_series(name):
    try:
        return SERIES[name]
    except KeyError:
        raise KernelBuildError(f"unknown kernel series '{name}': expected "
                               f"one of {', '.join(SERIES)}") from None


def log(msg):
    print(f"kernel: {msg}", file=sys.stderr, flush=True)


def cache_root():
    override = os.environ.get("QEMU_VFIO_KERNEL_CACHE")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return Path(xdg) / "qemu-vfio" / "kernel"


def fragment_paths(series):
    return [HERE / f for f in series.fragments]


def fragment_bytes(series):
    """The fragments as merged, the cache key's input."""
    return b"\n".join(p.read_bytes() for p in fragment_paths(series))


def _installed_version(package):
    if not shutil.which("dpkg-query"):
        return None
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                       capture_output=True, text=True, check=False)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() \
        else None


def source(series, fetch=True, apt_root=None):
    """(tarball, version) of the series' kernel source.

    An installed series is read from /usr/src; a fetched one is looked up
    (and with fetch, downloaded) in its suite through the private apt state
    (in apt_root if given, else the shared one in the cache).
    """
    if not series.suite:
        tarball = Path(os.environ.get("QEMU_VFIO_KERNEL_SOURCE")
                       or DEFAULT_TARBALL)
        if not tarball.is_file():
            raise KernelBuildError(
                f"kernel source '{tarball}' not found: install "
                f"{series.package} (scripts/install-deps.sh) or set "
                f"QEMU_VFIO_KERNEL_SOURCE")
        version = _installed_version(series.package) \
            if tarball == DEFAULT_TARBALL else None
        if not version:
            st = tarball.stat()
            version = f"{tarball.name}_{st.st_size}_{int(st.st_mtime)}"
        return tarball, version
    from harness.guest import debian_fetch
    try:
        if fetch:
            return debian_fetch.linux_source(series.name, series.suite,
                                             root=apt_root)
        apt = debian_fetch.PrivateApt(series.suite, root=apt_root)
        return None, apt.version(series.package)
    except debian_fetch.FetchError as e:
        raise KernelBuildError(f"cannot fetch {series.package}: {e}") \
            from None


def required_options(series):
    """The CONFIG_ names the fragments set to y, in fragment order."""
    opts = []
    for fragment in fragment_paths(series):
        for line in fragment.read_text().splitlines():
            m = re.match(r"^CONFIG_([A-Za-z0-9_]+)=y\s*$", line)
            if m and m.group(1) not in opts:
                opts.append(m.group(1))
    return opts


def cache_key(series, version):
    digest = hashlib.sha256(fragment_bytes(series)).hexdigest()[:16]
    # 6.12 keys predate the series prefix: its installed version starts
    # with "6.12" already, and its cache stays valid.
    prefix = "6.12" if series.name == "6.12" else series.name
    raw = f"{prefix}_{version}_{digest}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)


def cached_kernel_path(series="6.12"):
    """Where the bzImage for the current inputs lives (it may not exist
    yet); looks versions up but downloads nothing."""
    series = get_series(series)
    override = os.environ.get(series.override_env)
    if override:
        return Path(override)
    _, version = source(series, fetch=False)
    return cache_root() / cache_key(series, version) / "bzImage"


def uapi_include(series="7.3"):
    """The uAPI include directory kept with a built kernel, or None."""
    series = get_series(series)
    if not series.uapi_headers:
        return None
    inc = cached_kernel_path(series.name).parent / "uapi" / "include"
    return inc if (inc / "linux" / "vfio.h").is_file() else None


def cached_uapi_include(series="7.3"):
    """The uAPI include directory of an already built kernel of series
    with today's fragments, newest first; None if there is none.  Neither
    downloads nor builds (meson asks this at configure time)."""
    series = get_series(series)
    if not series.uapi_headers:
        return None
    digest = hashlib.sha256(fragment_bytes(series)).hexdigest()[:16]
    found = [d / "uapi" / "include"
             for d in cache_root().glob(f"{series.name}_*_{digest}")
             if (d / "uapi" / "include" / "linux" / "vfio.h").is_file()]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return found[0] if found else None


def defined_options(tree):
    """Every option some Kconfig file of the tree defines."""
    names = set()
    for kconfig in Path(tree).rglob("Kconfig*"):
        try:
            text = kconfig.read_text(errors="replace")
        except OSError:
            continue
        names.update(re.findall(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)",
                                text, re.M))
    return names


def missing_options(config_path, wanted):
    have = set()
    for line in Path(config_path).read_text().splitlines():
        m = re.match(r"^CONFIG_([A-Za-z0-9_]+)=y$", line)
        if m:
            have.add(m.group(1))
    return [o for o in wanted if o not in have]


def check_config(config_path, wanted, defined=None):
    """Fail unless every wanted option is =y; options the tree does not
    define at all are left out (and named) when defined is given."""
    if defined is not None:
        gone = [o for o in wanted if o not in defined]
        if gone:
            log(f"not defined by this kernel (always on or removed): "
                f"{' '.join(gone)}")
        wanted = [o for o in wanted if o in defined]
    missing = missing_options(config_path, wanted)
    if missing:
        lines = []
        for opt in missing:
            hint = DEPENDENCY_HINTS.get(opt, "a dependency of it is not set")
            lines.append(f"  CONFIG_{opt} (requested by a fragment) "
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


def configure(series, tree, logfile):
    run_logged(["make", "tinyconfig"], tree, logfile, "make tinyconfig")
    run_logged(["scripts/kconfig/merge_config.sh", "-m", ".config",
                *map(str, fragment_paths(series))], tree, logfile,
               "merge_config.sh")
    run_logged(["make", "olddefconfig"], tree, logfile, "make olddefconfig")
    check_config(tree / ".config", required_options(series),
                 defined_options(tree))


def build(series="6.12", force=False, keep_tree=False):
    """Return the path of a bzImage of series for the current inputs,
    building it if needed."""
    series = get_series(series)
    override = os.environ.get(series.override_env)
    if override:
        if not Path(override).is_file():
            raise KernelBuildError(
                f"{series.override_env}='{override}' is not a file")
        return Path(override)

    tarball, version = source(series, fetch=False)
    key = cache_key(series, version)
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
        if tarball is None:
            tarball, _ = source(series, fetch=True)
        return build_locked(series, tarball, keydir, image, keep_tree)


def build_locked(series, tarball, keydir, image, keep_tree):
    logfile = keydir / "build.log"
    log(f"building {series.name}: {image} (log: {logfile}); this takes "
        f"5-15 minutes on 2 cores")
    start = time.monotonic()
    tree = extract(tarball, keydir)
    configure(series, tree, logfile)
    jobs = str(min(3, (os.cpu_count() or 1) + 1))
    run_logged(["make", f"-j{jobs}", "bzImage"], tree, logfile,
               "make bzImage")
    if series.uapi_headers:
        # `make headers` leaves them in usr/include without rsync
        # (headers_install needs it).
        run_logged(["make", "headers"], tree, logfile, "make headers")
        dest = keydir / "uapi" / "include"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(tree / "usr" / "include", dest,
                        ignore=shutil.ignore_patterns(".*", "Makefile"))
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


def config_lines(path):
    """The option lines of a .config (set and 'is not set'), in order."""
    return [line for line in Path(path).read_text().splitlines()
            if line.startswith("CONFIG_") or line.endswith(" is not set")]


def verify_config(series, workdir):
    """Redo a build's fetch and configure steps in workdir, without the
    build, and compare with the cached kernel of the same inputs.

    The fetch uses a fresh private apt state under workdir (apt-get update
    and download, as a first build does); the tree is configured as
    build() configures it.  Returns the problems found (none: the cached
    kernel is what build() makes today)."""
    series = get_series(series)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    problems = []
    apt_root = workdir / "apt" if series.suite else None
    tarball, version = source(series, fetch=True, apt_root=apt_root)
    key = cache_key(series, version)
    log(f"fetched {series.package} {version} ({tarball}); cache key {key}")
    cached = cache_root() / key
    if not (cached / "bzImage").is_file():
        found = sorted(d.name for d in cache_root().glob(f"{series.name}_*")
                       if d.is_dir())
        problems.append(f"the cache key computed now, {key}, names no "
                        f"cached kernel in {cache_root()} (there: "
                        f"{', '.join(found) or 'none'})")
    tree = extract(tarball, workdir)
    logfile = workdir / "configure.log"
    try:
        configure(series, tree, logfile)
    except KernelBuildError as e:
        problems.append(str(e))
    fresh = tree / ".config"
    for path in (fresh, cached / "config"):
        if path.is_file() and "CONFIG_VFIO_PCI_DMABUF=y" not in \
                config_lines(path) and series.name != "6.12":
            problems.append(f"{path} lacks CONFIG_VFIO_PCI_DMABUF=y")
    if (cached / "config").is_file() and fresh.is_file():
        diff = list(difflib.unified_diff(
            config_lines(cached / "config"), config_lines(fresh),
            f"{key}/config", "configured now", n=0, lineterm=""))
        if diff:
            problems.append("the configured .config differs from the "
                            "cached kernel's:\n" + "\n".join(diff[:60]))
        else:
            log(f"{fresh} and {cached / 'config'} set the same "
                f"{len(config_lines(fresh))} options")
    elif fresh.is_file():
        problems.append(f"{cached / 'config'} is missing: nothing to "
                        f"compare with")
    return problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--series", default="6.12", choices=sorted(SERIES),
                   help="kernel series (default 6.12)")
    p.add_argument("--force", action="store_true",
                   help="rebuild even if the cache holds an image")
    p.add_argument("--keep-tree", action="store_true",
                   help="keep the built source tree in the cache "
                        "(~1.5 GB) for incremental rebuilds")
    p.add_argument("--print-path", action="store_true",
                   help="only print where the image is or would be cached")
    p.add_argument("--print-headers", action="store_true",
                   help="build if needed, then print the uAPI include "
                        "directory (7.3)")
    p.add_argument("--config-only", metavar="DIR",
                   help="fetch (with a fresh private apt state) and "
                        "configure in DIR, build nothing, and compare the "
                        ".config and the cache key with the cached kernel")
    p.add_argument("--cached-headers", action="store_true",
                   help="print the uAPI include directory of an already "
                        "built kernel; fail if there is none (no download, "
                        "no build)")
    args = p.parse_args(argv)
    try:
        if args.config_only:
            problems = verify_config(args.series, args.config_only)
            for problem in problems:
                print(f"kernel: {problem}", file=sys.stderr)
            verdict = ("differs from the cached kernel" if problems else
                       "the cached kernel is what a build configures today")
            print(f"kernel: {args.series}: {verdict}")
            return 1 if problems else 0
        if args.cached_headers:
            inc = cached_uapi_include(args.series)
            if not inc:
                print(f"kernel: no built {args.series} kernel with uAPI "
                      f"headers in {cache_root()}", file=sys.stderr)
                return 1
            print(inc)
            return 0
        if args.print_path:
            print(cached_kernel_path(args.series))
            return 0
        image = build(args.series, force=args.force,
                      keep_tree=args.keep_tree)
        if args.print_headers:
            inc = uapi_include(args.series)
            if not inc:
                raise KernelBuildError(f"{args.series} keeps no uAPI "
                                       f"headers next to {image}")
            print(inc)
        else:
            print(image)
    except KernelBuildError as e:
        print(f"kernel: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
