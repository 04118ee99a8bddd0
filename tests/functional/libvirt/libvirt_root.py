# SPDX-License-Identifier: GPL-2.0-or-later
"""libvirt's daemons from the Debian 13 peer tree, chrooted.

The tree (tests/harness/guest/peer_root.py) is read-only where it runs (the
bench guest's 9p root), and libvirt writes its configuration, state, logs
and sockets.  LibvirtRoot copies the directories libvirt writes to into a
scratch directory and binds the copies over the tree's, puts tmpfs on /run
and /tmp, binds /proc, /sys, /dev and /dev/pts, binds the caller's work
directory on /bench and the machine's own root on /host, then starts
virtlogd and libvirtd in the tree.  What the bench kernel lacks (cgroups,
namespaces, seccomp, a security module) is switched off in qemu.conf:

    QEMU_CONF below; docs/system/libvirt.rst explains each line.

Only the qemu driver is loaded (LIBVIRT_DRIVER_DIR names a directory with
just it and the secret driver): the network, nodedev and nwfilter drivers
want dnsmasq, udev and firewall tools the test does not use.

Our binary is linked against the running machine's libraries (json-glib is
not in the tree), so the domain's <emulator> is a wrapper in /bench that
runs it with the machine's own loader and libraries from /host
(write_wrapper).

Run as root.  Everything is undone by close(), in reverse order.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

# Directories libvirt writes to, below the tree's root.
WRITABLE = ("etc/libvirt", "var/lib/libvirt", "var/log/libvirt",
            "var/cache/libvirt")
QEMU_CONF = """\
# Written by tests/functional/libvirt/libvirt_root.py: what libvirt needs
# switched off to run in the bench guest (no cgroups, namespaces, seccomp or
# security module in its kernel; everything runs as root).
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
seccomp_sandbox = 0
remember_owner = 0
"""
LIBVIRTD_CONF = """\
# Local UNIX sockets only; root needs no authentication.
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
log_filters = "1:qemu 1:libvirt 3:object 3:json 3:event 3:util 3:rpc"
"""
DRIVERS = ("libvirt_driver_qemu.so", "libvirt_driver_secret.so")
DRIVER_DIR = "usr/lib/x86_64-linux-gnu/libvirt/connection-driver"
CHROOT_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                      "/sbin:/bin",
              "HOME": "/tmp", "TMPDIR": "/tmp",
              "LIBVIRT_DRIVER_DIR": "/run/libvirt-drivers"}
SOCKET = "/run/libvirt/libvirt-sock"


class LibvirtError(RuntimeError):
    pass


def _run(argv, **kw):
    return subprocess.run(argv, check=False, capture_output=True, text=True,
                          **kw)


class LibvirtRoot:
    def __init__(self, root, scratch, bench_dir, log=print):
        self.root = Path(root)
        self.scratch = Path(scratch)
        self.bench_dir = Path(bench_dir)
        self.mounted = []
        self.daemons = []
        self.log = log

    # -- mounts -----------------------------------------------------------
    def _mount(self, argv, target):
        r = _run(["mount", *argv, str(target)])
        if r.returncode != 0:
            raise LibvirtError(f"mount {' '.join(argv)} {target}: "
                               f"{r.stderr.strip()}")
        self.mounted.append(str(target))

    def _bind(self, src, rel):
        self._mount(["--bind", str(src)], self.root / rel)

    def setup(self):
        if not (self.root / "usr/sbin/libvirtd").is_file():
            raise LibvirtError(f"'{self.root}' has no usr/sbin/libvirtd "
                               f"(not a peer tree with libvirt)")
        self._bind("/proc", "proc")
        self._bind("/sys", "sys")
        self._bind("/dev", "dev")
        if os.path.ismount("/dev/pts"):
            self._bind("/dev/pts", "dev/pts")
        for t in ("run", "tmp"):
            self._mount(["-t", "tmpfs", "-o", "mode=1777", "tmpfs"],
                        self.root / t)
        for rel in WRITABLE:
            copy = self.scratch / rel
            shutil.rmtree(copy, ignore_errors=True)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(self.root / rel, copy, symlinks=True)
            self._bind(copy, rel)
        (self.scratch / "etc/libvirt/qemu.conf").write_text(QEMU_CONF)
        (self.scratch / "etc/libvirt/libvirtd.conf").write_text(LIBVIRTD_CONF)
        self._bind(self.bench_dir, "bench")
        host = self.root / "run/host"
        host.mkdir()
        self._mount(["--bind", "/"], host)
        drivers = self.root / "run/libvirt-drivers"
        drivers.mkdir()
        for d in DRIVERS:
            os.symlink(f"/{DRIVER_DIR}/{d}", drivers / d)

    # -- daemons ----------------------------------------------------------
    def chroot_argv(self, argv):
        env = [f"{k}={v}" for k, v in CHROOT_ENV.items()]
        return ["chroot", str(self.root), "/usr/bin/env", "-i", *env, *argv]

    def start_daemons(self, timeout=120):
        for argv, sock in ((["virtlogd"], "/run/libvirt/virtlogd-sock"),
                           (["libvirtd"], SOCKET)):
            logf = open(self.scratch / f"{argv[0]}.stderr", "wb")
            proc = subprocess.Popen(self.chroot_argv(argv),
                                    stdin=subprocess.DEVNULL, stdout=logf,
                                    stderr=subprocess.STDOUT,
                                    start_new_session=True)
            logf.close()
            self.daemons.append(proc)
            deadline = time.monotonic() + timeout
            while not (self.root / sock.lstrip("/")).exists():
                if proc.poll() is not None:
                    raise LibvirtError(
                        f"{argv[0]} exited with status {proc.returncode}: "
                        f"{self.daemon_output(argv[0])[-1500:]}")
                if time.monotonic() > deadline:
                    raise LibvirtError(f"{argv[0]} made no socket {sock} in "
                                       f"{timeout} s")
                time.sleep(0.2)

    def daemon_output(self, name):
        try:
            return (self.scratch / f"{name}.stderr").read_text(
                errors="replace")
        except OSError:
            return ""

    def virsh(self, *args, timeout=300):
        """Run virsh in the tree; return (status, stdout, stderr, seconds)."""
        argv = self.chroot_argv(["virsh", "-c", "qemu:///system", *args])
        start = time.monotonic()
        try:
            r = _run(argv, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "", f"virsh {args[0]} timed out after {timeout} s", \
                time.monotonic() - start
        return r.returncode, r.stdout, r.stderr, time.monotonic() - start

    def read(self, rel):
        """A file of the tree as libvirt sees it (its writable copies)."""
        try:
            return (self.root / rel.lstrip("/")).read_text(errors="replace")
        except OSError:
            return ""

    def close(self):
        # Domains outlive libvirtd: destroy what still runs first.
        if self.daemons and self.daemons[-1].poll() is None:
            st, out, _, _ = self.virsh("list", "--name", timeout=60)
            for name in (out.split() if st == 0 else []):
                self.virsh("destroy", name, timeout=60)
        for proc in reversed(self.daemons):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.daemons = []
        for target in reversed(self.mounted):
            if _run(["umount", target]).returncode != 0:
                _run(["umount", "-l", target])
        self.mounted = []

    def __enter__(self):
        try:
            self.setup()
            self.start_daemons()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()


def write_wrapper(path, binary):
    """A script that runs @binary (a path on this machine) from inside the
    tree, with this machine's loader and libraries (seen under /run/host)."""
    binary = os.path.realpath(binary)
    # Resolved here: /lib64's loader is an absolute symlink, which inside
    # the tree would name the tree's own (newer) loader.
    loader = os.path.realpath("/lib64/ld-linux-x86-64.so.2")
    libs = ":".join(dict.fromkeys(f"/run/host{os.path.realpath(d)}" for d in
                    ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu")))
    Path(path).write_text(
        "#!/bin/sh\n"
        "# Our binary is linked against the bench root's libraries: run it\n"
        "# with that root's loader.\n"
        f"exec /run/host{loader} --library-path {libs} "
        f"/run/host{binary} \"$@\"\n")
    os.chmod(path, 0o755)
