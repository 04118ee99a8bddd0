# SPDX-License-Identifier: GPL-2.0-or-later
"""One QEMU-compatible process on the simulated VFIO kernel, as a bench sees it.

A Vm starts a binary (ours or the peer) under LD_PRELOAD=libvfio-sim.so with
a given sim configuration, serves it a qtest socket (the binary connects to
it, as libqtest's do) and connects to its QMP socket.  It measures:

  - wall time from launch (Vm.t0, time.monotonic()),
  - CPU time of the whole child from os.wait4() at exit, and of a phase
    from /proc/PID/stat (all threads, clock ticks) through cpu_now(),
  - ioctls by name, their errors and the modelled kernel time, from the
    sim: at any moment over its control socket (VFIO_SIM_CONTROL, see
    tests/harness/sim_control.py) through sim_snapshot(), and at exit from
    VFIO_SIM_LOG through final_ioctls() / final_model(),
  - resident memory (VmRSS, RssShmem) through rss().

With simlib=None the binary runs on whatever kernel there is (the real one
in the bench guest): no preload, no sim files.

Python 3 standard library only.  Nothing here judges a result.
"""

import json
import os
import signal
import socket
import subprocess
import time

try:
    from harness.sim_control import SimControl, SimControlError
except ImportError:             # a tree whose sim has no control socket
    SimControl = None
    SimControlError = OSError

TICK = os.sysconf("SC_CLK_TCK")
CONNECT_TIMEOUT = 60
ANSWER_TIMEOUT = 120


class VmError(RuntimeError):
    """The binary failed: `crashed` tells a signal/hang from a clean refusal."""

    def __init__(self, msg, crashed=False):
        super().__init__(msg)
        self.crashed = crashed


class Vm:
    def __init__(self, binary, args, *, simlib, simconf, workdir, tag,
                 machine="q35", env=None):
        self.binary = binary
        self.workdir = workdir
        self.tag = tag
        self.qtest_path = os.path.join(workdir, f"{tag}.qtest")
        self.qmp_path = os.path.join(workdir, f"{tag}.qmp")
        self.log_path = os.path.join(workdir, f"{tag}.simlog.json")
        self.report_path = os.path.join(workdir, f"{tag}.simreport.json")
        self.control_path = os.path.join(workdir, f"{tag}.ctl")
        self.out_path = os.path.join(workdir, f"{tag}.out")
        for p in (self.qtest_path, self.qmp_path, self.log_path,
                  self.report_path, self.control_path):
            if os.path.exists(p):
                os.unlink(p)
        self.argv = [binary, "-M", machine, "-nodefaults", "-display", "none",
                     "-qtest", f"unix:{self.qtest_path}",
                     "-qtest-log", "/dev/null",
                     "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        self.argv += args
        if simlib:
            self.env = dict(os.environ, LD_PRELOAD=simlib,
                            VFIO_SIM_CONFIG=simconf,
                            VFIO_SIM_LOG=self.log_path,
                            VFIO_SIM_REPORT=self.report_path,
                            VFIO_SIM_CONTROL=self.control_path,
                            **(env or {}))
        else:
            self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self._control = None
        self.qtest = None
        self.qmp = None
        self.rusage = None
        self.status = None
        self.t0 = None
        self.t_exit = None
        self._buf = {}
        self.errors = {}
        self._model = None

    # ---- life cycle ----

    def start(self):
        """Launches and waits for the qtest connection (the binary's start-up
        is then done: qtest connects after the machine is built)."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.qtest_path)
        listener.listen(1)
        listener.settimeout(0.2)
        self.out = open(self.out_path, "w+")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.out,
                                     stderr=subprocess.STDOUT)
        try:
            deadline = self.t0 + CONNECT_TIMEOUT
            while True:
                try:
                    self.qtest, _ = listener.accept()
                    break
                except socket.timeout:
                    if self.proc.poll() is not None:
                        self._reap_failed("exited before connecting to qtest")
                    if time.monotonic() > deadline:
                        self.kill()
                        raise VmError("never connected to qtest", True)
        finally:
            listener.close()
        self.qtest.settimeout(ANSWER_TIMEOUT)
        self._buf[self.qtest] = b""

    def connect_qmp(self):
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if self.proc.poll() is not None:
                    self._reap_failed("exited before QMP was up")
                if time.monotonic() > deadline:
                    self.kill()
                    raise VmError("QMP socket never appeared", True)
                time.sleep(0.01)
        s.settimeout(ANSWER_TIMEOUT)
        self.qmp = s
        self._buf[s] = b""
        self._line(s)                   # greeting
        self.qmp_cmd("qmp_capabilities")

    def quit(self):
        """QMP quit (or SIGTERM without QMP), then reaps the child with
        wait4() for its rusage.  Returns the wall time from launch."""
        if self.qmp:
            try:
                self.qmp_cmd("quit")
            except (OSError, VmError):
                pass
        else:
            self.proc.send_signal(signal.SIGTERM)
        self._wait(60)
        if self.status != 0:
            raise VmError(f"exit status {self.status} at quit: "
                          f"{self.tail()}", crashed=self.status < 0)
        return self.t_exit - self.t0

    def kill(self):
        if self.proc and self.status is None:
            try:
                self.proc.kill()
            except OSError:
                pass
            self._wait(30)

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            pid, st, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.proc.kill()
                pid, st, ru = os.wait4(self.proc.pid, 0)
                self.t_exit = time.monotonic()
                self._finish(st, ru)
                raise VmError(f"did not exit within {timeout} s", True)
            time.sleep(0.002)
        self.t_exit = time.monotonic()
        self._finish(st, ru)

    def _finish(self, st, ru):
        self.rusage = ru
        self._control = None
        self.status = (-os.WTERMSIG(st) if os.WIFSIGNALED(st)
                       else os.WEXITSTATUS(st))
        self.proc.returncode = self.status
        for s in (self.qtest, self.qmp):
            if s:
                s.close()
        self.out.flush()

    def _reap_failed(self, what):
        self._wait(30)
        raise VmError(f"{what}: {self.tail()}", crashed=self.status < 0)

    def tail(self, lines=3):
        try:
            self.out.flush()
            with open(self.out_path) as f:
                text = f.read().strip().splitlines()
        except OSError:
            text = []
        why = " | ".join(text[-lines:]) or "no output"
        if self.status is not None and self.status < 0:
            why = f"killed by signal {-self.status}; {why}"
        return why

    # ---- protocols ----

    def _line(self, s):
        while b"\n" not in self._buf[s]:
            try:
                data = s.recv(65536)
            except socket.timeout:
                data = None
            if not data:
                self._check_alive("connection closed")
                raise VmError("connection closed", True)
            self._buf[s] += data
        line, self._buf[s] = self._buf[s].split(b"\n", 1)
        return line.decode()

    def _check_alive(self, what):
        if self.proc.poll() is not None:
            self._reap_failed(what)

    def qt(self, line):
        """One qtest request; returns the reply after OK."""
        self.qtest.sendall((line + "\n").encode())
        while True:
            reply = self._line(self.qtest)
            if reply.startswith("IRQ"):
                continue
            if not reply.startswith("OK"):
                raise VmError(f"qtest '{line}' -> '{reply}'")
            return reply[3:].strip()

    def qmp_cmd(self, name, **args):
        """One QMP command; returns its "return" or raises with its error."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.qmp.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = json.loads(self._line(self.qmp))
            if "event" in reply:
                continue
            if "error" in reply:
                raise VmError(f"{name}: {reply['error'].get('desc')}")
            return reply.get("return")

    # ---- PCI config through CF8/CFC ----

    @staticmethod
    def _cf8(slot, off, bus=0):
        return 0x80000000 | (bus << 16) | (slot << 11) | (off & 0xfc)

    def cfg_read(self, slot, off, bus=0):
        self.qt(f"outl 0xcf8 {self._cf8(slot, off, bus):#x}")
        return int(self.qt("inl 0xcfc"), 16)

    def cfg_write(self, slot, off, val, bus=0):
        self.qt(f"outl 0xcf8 {self._cf8(slot, off, bus):#x}")
        self.qt(f"outl 0xcfc {val:#x}")

    # ---- measurements ----

    def cpu_now(self):
        """CPU seconds (user+sys) the child's live threads have used so far:
        nanoseconds from schedstat, clock ticks from stat without it."""
        total, tasks = 0, f"/proc/{self.proc.pid}/task"
        try:
            for t in os.listdir(tasks):
                with open(f"{tasks}/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
            return total / 1e9
        except (OSError, ValueError, IndexError):
            pass
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss(self):
        """(VmRSS, RssShmem) in bytes."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key in ("VmRSS", "RssShmem"):
                    out[key] = int(val.split()[0]) * 1024
        return out.get("VmRSS", 0), out.get("RssShmem", 0)

    def has_control(self):
        """Whether the sim serves its control socket: checked once the
        binary is up (it is created when the sim is loaded), so a sim
        without one costs no wait."""
        return (SimControl is not None and self.proc is not None
                and os.path.exists(self.control_path))

    def sim_snapshot(self):
        """The sim's counters now, over its control socket:
        {"seq", "calls": {name: n}, "errors": {name: n},
         "model_ns": {name: n}, "kernel_ns": n, "pinned_pages": n,
         "spaces": [...]}."""
        if self._control is None:
            if not self.has_control():
                raise VmError("the sim has no control socket", True)
            self._control = SimControl(self.control_path)
        try:
            snap = self._control.snapshot()
        except (OSError, ValueError, SimControlError) as e:
            self._check_alive("died during a sim snapshot")
            raise VmError(f"sim snapshot failed: {e}", True) from None
        return _normalize(snap)

    def final_ioctls(self):
        """Counters at exit; none if the process never used the sim (the
        sim then writes no log)."""
        if not os.path.exists(self.log_path):
            self.errors = {}
            return {}
        return self._read_log()

    def final_model(self):
        """The sim's model totals at exit ({"kernel_ns", "pinned_pages"}),
        None if its log has none (model absent or process never used it)."""
        if not os.path.exists(self.log_path):
            return None
        self._read_log()
        return self._model

    def _read_log(self):
        for _ in range(100):
            try:
                with open(self.log_path) as f:
                    data = json.load(f)
                n = _normalize(data)
                self.errors = {k: v for k, v in n["errors"].items() if v}
                self._model = ({"kernel_ns": n["kernel_ns"],
                                "pinned_pages": n["pinned_pages"]}
                               if "model" in data else None)
                return n["calls"]
            except (OSError, ValueError):
                time.sleep(0.01)     # renamed into place a moment later
        raise VmError("no readable sim log", True)

    def sim_report(self):
        try:
            with open(self.report_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def sim_events(self):
        try:
            with open(self.log_path) as f:
                return json.load(f).get("events", [])
        except (OSError, ValueError):
            return []

    def cpu_total(self):
        return self.rusage.ru_utime + self.rusage.ru_stime

    def maxrss(self):
        return self.rusage.ru_maxrss * 1024


def _normalize(data):
    """The sim's snapshot or log JSON as flat per-ioctl dicts."""
    ioctls = data.get("ioctls", {})
    model = data.get("model") or {}
    return {"seq": data.get("seq"),
            "calls": {k: v["calls"] for k, v in ioctls.items()},
            "errors": {k: v.get("errors", 0) for k, v in ioctls.items()},
            "model_ns": {k: v.get("model_ns", 0) for k, v in ioctls.items()},
            "kernel_ns": model.get("kernel_ns", 0),
            "pinned_pages": model.get("pinned_pages", 0),
            "has_model": "model" in data,
            "spaces": data.get("spaces", [])}


def snapshot_delta(after, before):
    """What happened between two sim_snapshot()s: {"ioctls", "errors",
    "model_ns" (per ioctl), "kernel_ns", "pinned_pages", "events"}."""
    return {"ioctls": delta(after["calls"], before["calls"]),
            "errors": delta(after["errors"], before["errors"]),
            "model_ns": delta(after["model_ns"], before["model_ns"]),
            "kernel_ns": after["kernel_ns"] - before["kernel_ns"],
            "pinned_pages": after["pinned_pages"] - before["pinned_pages"],
            "has_model": after["has_model"],
            "events": ((after["seq"] or 0) - (before["seq"] or 0))}


def delta(after, before):
    """Per-ioctl difference of two counter dicts, zero entries dropped."""
    out = {}
    for k, v in after.items():
        d = v - before.get(k, 0)
        if d:
            out[k] = d
    return out
