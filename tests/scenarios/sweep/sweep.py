#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault-injection sweep: fail every VFIO/iommufd ioctl of a scenario in turn.

Our binary runs on the simulated kernel (libvfio-sim.so).  A scenario is a
sequence of phases, each a QMP step:

  startup   -device vfio-pci on the command line, then system_reset,
            device_del (waits for DEVICE_DELETED), quit
  hotplug   no device at start-up; device_add, system_reset, device_del, quit

each with the iommufd backend (-object iommufd) and the legacy container,
and both again with iommufd on a host like 7.3 (sweep-7.3.conf: BARs as
dma-bufs, IOMMU_IOAS_MAP_FILE) with guest RAM from memory-backend-memfd,
so that the dma-buf export (VFIO_DEVICE_FEATURE), the MAP_FILE probe and
the RAM mapped by file fail in turn too.
A clean run counts the ioctls of each phase (the sim's log, dumped on
SIGUSR1 at each phase boundary).  Then, for every N from 1 to the total, the
scenario runs again with VFIO_SIM_FAIL=any:N:ERRNO, and the sweep checks:

  * the process was not killed by a signal and printed no sanitizer report;
  * a failed start-up exits 1 with one line
    "qemu-system-x86_64: -device vfio-pci,...: ...";
  * a failed device_add is an error reply naming the device, the process
    keeps answering (query-status) and a second device_add succeeds;
  * reset and unplug complete (warnings allowed), DEVICE_DELETED arrives;
  * the sim's leak report is empty at exit.

Environment: QEMU_BINARY (the binary under test), VFIO_SIM_LIB (the
library), SWEEP_SCENARIOS (comma-separated names to run, default all),
SWEEP_STRIDE (test every Nth point only, for quick local runs; default 1).
"""

import errno
import json
import os
import signal
import sys
import tempfile
import time

from harness.qemu_client import Qemu, QemuError, QemuTimeout

QEMU = os.environ.get("QEMU_BINARY", "build/qemu-system-x86_64")
SIM = os.environ.get("VFIO_SIM_LIB", "build/tests/vfio-sim/libvfio-sim.so")
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "sweep.conf")
CONFIG_7_3 = os.path.join(HERE, "sweep-7.3.conf")
MEMFD_RAM = ["-m", "128M", "-object", "memory-backend-memfd,id=ram0,size=128M",
             "-machine", "memory-backend=ram0"]
HOST = "0000:01:00.0"
DEV_ID = "hostdev0"
PROG = "qemu-system-x86_64"
TIMEOUT = float(os.environ.get("SWEEP_TIMEOUT", "20"))
# errnos a kernel really returns from these ioctls, used in rotation
ERRNOS = [errno.ENOMEM, errno.EINVAL, errno.EBUSY, errno.EIO, errno.EFAULT,
          errno.ENODEV, errno.EPERM, errno.ENOSPC]
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer",
                   "Assertion", "assertion failed", "**ERROR")
LEAK_KEYS = ("ioas", "hwpt", "mappings", "pinned_bytes", "open_fds",
             "dmabufs")


class Failure(Exception):
    pass


def backend_args(backend):
    if backend == "iommufd":
        return ["-object", "iommufd,id=fd0"], "iommufd=fd0"
    return [], "iommufd=off"


class Run:
    """One run of the binary on the simulated kernel, QMP only (on a
    socketpair end it inherits), through the harness's client."""

    def __init__(self, args, tmp, fail=None, config=CONFIG):
        self.log = os.path.join(tmp, "log.json")
        self.report = os.path.join(tmp, "report.json")
        for p in (self.log, self.report):
            if os.path.exists(p):
                os.unlink(p)
        env = {
            "LD_PRELOAD": SIM,
            "VFIO_SIM_CONFIG": config,
            "VFIO_SIM_LOG": self.log,
            "VFIO_SIM_REPORT": self.report,
            # an ASan binary must accept a preloaded library before it;
            # leaks make the process fail, and the sweep sees that.
            # symbolize=0: gcc's libasan sets up its symbolizer with mmap()
            # before the sim's constructor has resolved libc's, and jumps
            # to NULL; reports stay detectable, unsymbolized
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                            ":verify_asan_link_order=0:detect_leaks=1"
                            ":symbolize=0",
            "UBSAN_OPTIONS": "print_stacktrace=1",
            "VFIO_SIM_FAIL": fail,      # None: no injection
        }
        self.vm = Qemu([QEMU, "-M", "q35", "-nodefaults", "-display", "none"]
                       + args, workdir=tmp, name="sweep", env=env,
                       qtest=False, qmp="fd", connect_timeout=TIMEOUT,
                       answer_timeout=TIMEOUT)
        self.vm.start()

    def greeting(self):
        """True once QMP is up; False if the process ended first.

        The monitor greets before -device options are applied, so a
        start-up failure shows as the end of the session after the
        greeting.
        """
        try:
            self.vm.qmp
            return True
        except QemuTimeout as e:
            raise Failure(str(e)) from None
        except QemuError:
            self.vm.wait(TIMEOUT)
            if self.vm.killed:
                raise Failure("QMP failed while the process ran on")
            return False

    def cmd(self, name, **args):
        """The raw reply, {"return": ...} or {"error": ...}."""
        try:
            return self.vm.qmp.execute(name, **args)
        except QemuError as e:
            raise Failure(str(e)) from None

    def wait_event(self, name, device):
        try:
            while True:
                ev = self.vm.qmp.wait_event(name, TIMEOUT)
                if ev.get("data", {}).get("device") == device:
                    return
        except QemuError as e:
            raise Failure(str(e)) from None

    def ioctl_count(self):
        """Ioctls so far, from a SIGUSR1 dump of the sim's log."""
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.vm.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                with open(self.log) as f:
                    d = json.load(f)
                return sum(v["calls"] for v in d["ioctls"].values())
            except (OSError, ValueError):
                time.sleep(0.005)
        raise Failure("the sim's log was not dumped on SIGUSR1")

    def finish(self, quit=True):
        """Ends the run; returns (exit code, stderr lines)."""
        rc = self.vm.quit(TIMEOUT) if quit else self.vm.wait(TIMEOUT)
        if self.vm.killed:
            raise Failure("process did not exit")
        return rc, self.vm.output().splitlines()

    def close(self):
        self.vm.close()


def check_clean_exit(q, rc, lines, want_rc=0):
    if rc < 0:
        raise Failure(f"killed by signal {-rc}: " + " | ".join(lines[-5:]))
    for line in lines:
        if any(m in line for m in SANITIZER_MARKS):
            raise Failure("sanitizer/assertion report: " +
                          " | ".join(lines[:8]))
    if rc != want_rc:
        raise Failure(f"exit status {rc}, expected {want_rc}: " +
                      " | ".join(lines[-3:]))
    try:
        with open(q.report) as f:
            leaks = json.load(f)
    except (OSError, ValueError):
        raise Failure("no leak report from the sim")
    left = {k: leaks.get(k) for k in LEAK_KEYS if leaks.get(k)}
    if left:
        raise Failure(f"sim leak report not empty: {left}")


def errors_only(lines):
    return [l for l in lines if not l.startswith(f"{PROG}: warning:")]


def check_runtime_errors(lines, injected):
    """After start-up, an injected failure may be reported (a failed unmap
    at unplug, say), but only as single lines that name VFIO."""
    errs = errors_only(lines)
    if not injected and errs:
        raise Failure(f"unexpected error output: {errs}")
    for line in errs:
        if not line.startswith(f"{PROG}: ") or "vfio" not in line.lower():
            raise Failure(f"unclear error output: {line!r}")


def device_present(q):
    r = q.cmd("qom-list", path="/machine/peripheral")
    if "error" in r:
        return False
    return any(p["name"] == DEV_ID for p in r["return"])


def phase_reset(q):
    r = q.cmd("system_reset")
    if "error" in r:
        raise Failure(f"system_reset: {r['error']['desc']}")


def phase_unplug(q):
    r = q.cmd("device_del", id=DEV_ID)
    if "error" in r:
        raise Failure(f"device_del: {r['error']['desc']}")
    q.wait_event("DEVICE_DELETED", DEV_ID)


def still_running(q):
    r = q.cmd("query-status")
    if "return" not in r:
        raise Failure(f"query-status: {r}")


class Scenario:
    def __init__(self, kind, backend, host="6.12"):
        self.kind = kind
        self.backend = backend
        self.name = f"{kind}-{backend}"
        self.config = CONFIG
        self.ram = []
        if host == "7.3":
            self.name += "-7.3"
            self.config = CONFIG_7_3
            self.ram = MEMFD_RAM
        self.obj, self.prop = backend_args(backend)
        self.device = f"vfio-pci,host={HOST},{self.prop},id={DEV_ID}"

    def args(self):
        if self.kind == "startup":
            return self.ram + self.obj + ["-device", self.device]
        return self.ram + self.obj

    def device_add(self, q):
        return q.cmd("device_add", driver="vfio-pci", host=HOST,
                     iommufd=self.prop.split("=")[1], id=DEV_ID)

    def run(self, tmp, fail=None, count=False):
        """Runs the scenario; returns ioctl counts at phase ends if @count."""
        q = Run(self.args(), tmp, fail, self.config)
        marks = []
        try:
            if not q.greeting():
                # start-up failed: must be exit 1 with one error line
                rc, lines = q.finish(quit=False)
                if self.kind != "startup" or fail is None:
                    raise Failure("exited at start-up: " + " | ".join(lines))
                check_clean_exit(q, rc, lines, want_rc=1)
                errs = errors_only(lines)
                want = f"{PROG}: -device {self.device}: "
                if len(errs) != 1 or not errs[0].startswith(want):
                    raise Failure("start-up error is not one line "
                                  f"'{want}...': {errs}")
                return "realize"
            if count:
                # no ioctl has run before a hot-plug: the sim writes no log
                marks.append(("realize", q.ioctl_count()
                              if self.kind == "startup" else 0))
            if self.kind == "hotplug":
                r = self.device_add(q)
                if "error" in r:
                    desc = r["error"]["desc"]
                    if fail is None:
                        raise Failure(f"device_add: {desc}")
                    if "\n" in desc or HOST not in desc:
                        raise Failure(f"device_add error unclear: {desc!r}")
                    still_running(q)
                    if device_present(q):
                        raise Failure("failed device_add left the device")
                    # nothing may stay claimed: the second attempt works
                    r = self.device_add(q)
                    if "error" in r:
                        raise Failure("device_add after a failed one: "
                                      f"{r['error']['desc']}")
                if count:
                    marks.append(("device_add", q.ioctl_count()))
            phase_reset(q)
            still_running(q)
            if count:
                marks.append(("reset", q.ioctl_count()))
            phase_unplug(q)
            still_running(q)
            if count:
                marks.append(("unplug", q.ioctl_count()))
            rc, lines = q.finish()
            check_clean_exit(q, rc, lines)
            check_runtime_errors(lines, fail is not None)
            return marks if count else "survived"
        finally:
            q.close()


def phase_of(marks, n):
    for name, total in marks:
        if n <= total:
            return name
    return "quit"


def main():
    stride = max(1, int(os.environ.get("SWEEP_STRIDE", "1")))
    wanted = os.environ.get("SWEEP_SCENARIOS")
    scenarios = [Scenario(k, b) for k in ("startup", "hotplug")
                 for b in ("iommufd", "legacy")]
    scenarios += [Scenario(k, "iommufd", "7.3")
                  for k in ("startup", "hotplug")]
    if wanted:
        scenarios = [s for s in scenarios if s.name in wanted.split(",")]
    print(f"binary: {QEMU}")
    passed = failed = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vfio-sweep-") as tmp:
        for sc in scenarios:
            try:
                marks = sc.run(tmp, count=True)
                passed += 1
            except Failure as e:
                print(f"FAIL {sc.name} clean run: {e}")
                failed += 1
                continue
            total = marks[-1][1]
            covered = {}
            for n in range(1, total + 1, stride):
                err = ERRNOS[n % len(ERRNOS)]
                phase = phase_of(marks, n)
                spec = f"any:{n}:{err}"
                try:
                    sc.run(tmp, fail=spec)
                    passed += 1
                    covered[phase] = covered.get(phase, 0) + 1
                except Failure as e:
                    failed += 1
                    print(f"FAIL {sc.name} {spec} ({phase}, "
                          f"{errno.errorcode[err]}): {e}")
            bounds = ", ".join(f"{p} {covered.get(p, 0)}" for p, _ in marks)
            print(f"{sc.name}: {total} ioctls, "
                  f"{sum(covered.values())} injection points passed "
                  f"({bounds})")
    print(f"time {time.monotonic() - t0:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
