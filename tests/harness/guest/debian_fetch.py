# SPDX-License-Identifier: GPL-2.0-or-later
"""Fetch packages of another Debian suite without touching the machine's apt.

The bench needs a few things that only newer suites carry (the Linux 7.3
source is in trixie-backports).  Adding trixie to the machine's sources would
raise its priority to 500 and let apt replace the base system, so this module
gives apt-get a private state instead: its own sources list, lists directory,
cache and (empty) parts directories, under

    ${XDG_CACHE_HOME:-$HOME/.cache}/qemu-vfio/apt/<suite>/

The mirror is the one the machine already uses (the URIs: line of
/etc/apt/sources.list.d/debian.sources, or the first deb line of
/etc/apt/sources.list), so no host name is written here; the archive keyring
comes from debian-archive-keyring.

    PrivateApt("trixie-backports").download("linux-source-7.3")

returns the .deb's path and its version; a second call with the same version
in the cache downloads nothing.
"""

import fcntl
import os
import re
import subprocess
import time
from pathlib import Path

DEFAULT_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
DEB822_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
ONE_LINE_SOURCES = Path("/etc/apt/sources.list")

# Lists older than this are refreshed before a version is looked up.
LISTS_MAX_AGE = 6 * 3600


class FetchError(RuntimeError):
    """A package could not be fetched; the message says why."""


def cache_root():
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return Path(xdg) / "qemu-vfio"


def machine_mirror():
    """The Debian mirror URI the machine's own apt configuration uses."""
    if DEB822_SOURCES.is_file():
        for stanza in DEB822_SOURCES.read_text().split("\n\n"):
            uri = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            # The security archive has a different layout; skip it.
            if uri and suites and "-security" not in suites.group(1):
                return uri.group(1)
    if ONE_LINE_SOURCES.is_file():
        for line in ONE_LINE_SOURCES.read_text().splitlines():
            m = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", line)
            if m and "-security" not in m.group(2):
                return m.group(1)
    raise FetchError(f"no Debian mirror found in {DEB822_SOURCES} or "
                     f"{ONE_LINE_SOURCES}: cannot fetch from other suites")


class PrivateApt:
    """apt-get and apt-cache restricted to one suite, in a private state."""

    def __init__(self, suite, root=None, mirror=None, keyring=None):
        self.suite = suite
        self.root = Path(root) if root else cache_root() / "apt" / suite
        self.mirror = mirror or machine_mirror()
        self.keyring = Path(keyring) if keyring else DEFAULT_KEYRING
        if not self.keyring.is_file():
            raise FetchError(f"archive keyring '{self.keyring}' not found: "
                             f"install debian-archive-keyring")

    def _prepare(self):
        for sub in ("lists/partial", "cache/archives/partial",
                    "sources.list.d", "preferences.d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        line = (f"deb [signed-by={self.keyring}] {self.mirror} "
                f"{self.suite} main\n")
        sources = self.root / "sources.list"
        if not sources.is_file() or sources.read_text() != line:
            sources.write_text(line)
            # A changed source invalidates what the lists say.
            (self.root / "lists" / ".updated").unlink(missing_ok=True)

    def _options(self):
        r = self.root
        return ["-o", f"Dir::Etc::SourceList={r / 'sources.list'}",
                "-o", f"Dir::Etc::SourceParts={r / 'sources.list.d'}",
                "-o", f"Dir::Etc::PreferencesParts={r / 'preferences.d'}",
                "-o", f"Dir::Etc::Preferences={r / 'preferences'}",
                "-o", f"Dir::State::Lists={r / 'lists'}",
                "-o", f"Dir::Cache={r / 'cache'}",
                "-o", "APT::Get::List-Cleanup=false",
                "-o", "Debug::NoLocking=true"]

    def _run(self, tool, *args, cwd=None):
        cmd = [tool, *self._options(), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                           stdin=subprocess.DEVNULL, check=False)
        if r.returncode != 0:
            tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-5:])
            raise FetchError(f"'{tool} {' '.join(args)}' for {self.suite} "
                             f"failed with status {r.returncode}:\n{tail}")
        return r.stdout

    def update(self, force=False):
        """Refresh the private lists when they are missing or stale."""
        self._prepare()
        stamp = self.root / "lists" / ".updated"
        if (not force and stamp.is_file()
                and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE):
            return
        self._run("apt-get", "-q", "update")
        stamp.write_text("")

    def version(self, package):
        """The candidate version of package in the suite."""
        self.update()
        out = self._run("apt-cache", "show", "--no-all-versions", package)
        m = re.search(r"^Version:\s*(\S+)", out, re.M)
        if not m:
            raise FetchError(f"package '{package}' not found in "
                             f"{self.suite} at {self.mirror}")
        return m.group(1)

    def download(self, package):
        """Download package's .deb (once); return (path, version)."""
        version = self.version(package)
        debs = self.root / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        with open(self.root / "download.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            found = self._cached_deb(debs, package, version)
            if found:
                return found, version
            self._run("apt-get", "-q", "download", f"{package}={version}",
                      cwd=debs)
            found = self._cached_deb(debs, package, version)
        if not found:
            raise FetchError(f"apt-get download {package}={version} left no "
                             f".deb in {debs}")
        return found, version

    @staticmethod
    def _cached_deb(debs, package, version):
        # apt-get download names files package_version_arch.deb with the
        # epoch's colon quoted as %3a.
        quoted = version.replace(":", "%3a")
        for deb in debs.glob(f"{package}_*.deb"):
            if deb.name.startswith(f"{package}_{quoted}_"):
                return deb
        return None


def extract_member(deb, member, dest):
    """Extract one file of a .deb's data archive to dest (atomically)."""
    dest = Path(dest)
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    member = member.lstrip("/")
    with open(tmp, "wb") as out:
        dpkg = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)],
                                stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-xO", "-f", "-", f"./{member}"],
                             stdin=dpkg.stdout, stdout=out,
                             stderr=subprocess.PIPE, check=False)
        dpkg.stdout.close()
        dpkg.wait()
    if dpkg.returncode != 0 or tar.returncode != 0 or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"'{member}' could not be extracted from {deb}: "
                         f"{tar.stderr.decode(errors='replace').strip()}")
    os.replace(tmp, dest)
    return dest


def linux_source(series, suite, root=None):
    """Fetch linux-source-<series> from suite; return (tarball, version).
    root: the private apt state's directory (default: the shared cache)."""
    package = f"linux-source-{series}"
    apt = PrivateApt(suite, root=root)
    deb, version = apt.download(package)
    tarball = extract_member(
        deb, f"usr/src/{package}.tar.xz",
        apt.root / "src" / f"{package}_{version.replace(':', '_')}.tar.xz")
    return tarball, version


if __name__ == "__main__":
    # PYTHONPATH=tests python3 -m harness.guest.debian_fetch [SERIES [SUITE]]
    import sys
    try:
        path, ver = linux_source(sys.argv[1] if len(sys.argv) > 1 else "7.3",
                                 sys.argv[2] if len(sys.argv) > 2
                                 else "trixie-backports")
    except FetchError as e:
        print(f"debian-fetch: error: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{path} {ver}")
