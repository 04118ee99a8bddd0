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
import time

from harness.qemu_client import (Qemu, QemuError, QemuExited, QmpError,
                                 QtestError)

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
    """The bench's view of one harness.qemu_client.Qemu: the simulator's
    files around it, its errors as VmError, and what it measures."""

    def __init__(self, binary, args, *, simlib, simconf, workdir, tag,
                 machine="q35", env=None):
        self.binary = binary
        self.workdir = workdir
        self.tag = tag
        self.log_path = os.path.join(workdir, f"{tag}.simlog.json")
        self.report_path = os.path.join(workdir, f"{tag}.simreport.json")
        self.control_path = os.path.join(workdir, f"{tag}.ctl")
        for p in (self.log_path, self.report_path, self.control_path):
            if os.path.exists(p):
                os.unlink(p)
        if simlib:
            env = dict(LD_PRELOAD=simlib, VFIO_SIM_CONFIG=simconf,
                       VFIO_SIM_LOG=self.log_path,
                       VFIO_SIM_REPORT=self.report_path,
                       VFIO_SIM_CONTROL=self.control_path, **(env or {}))
        self.q = Qemu([binary, "-M", machine, "-nodefaults", "-display",
                       "none", *args], workdir=workdir, name=tag, env=env,
                      qtest_log="/dev/null", connect_timeout=CONNECT_TIMEOUT,
                      answer_timeout=ANSWER_TIMEOUT)
        self.argv = self.q.argv
        self._control = None
        self._qmp_up = False
        self.errors = {}
        self._model = None

    # ---- what the bench reads of the process ----

    @property
    def t0(self):
        """When the binary was launched (time.monotonic())."""
        return self.q.t0

    @property
    def status(self):
        return self.q.status if self.q.proc else None

    # ---- life cycle ----

    def _failed(self, e):
        """A QemuError as the bench's VmError.  `crashed` unless the binary
        answered and refused (an error reply), or exited with a status."""
        status = self.status
        if status is not None:
            self._control = None
            return VmError(f"{e}", crashed=status < 0)
        refused = isinstance(e, QmpError) or (
            isinstance(e, QtestError) and e.reply is not None)
        return VmError(f"{e}", crashed=not refused)

    def _call(self, what, fn):
        """fn() with its QemuError turned into a VmError."""
        try:
            return fn()
        except QmpError as e:
            raise VmError(f"{e.command}: {e.desc}") from None
        except QemuError as e:
            try:
                self.q.check_alive(f"during {what}")
            except QemuExited as gone:
                raise self._failed(gone) from None
            raise self._failed(e) from None

    def start(self):
        """Launches and waits for the qtest connection (the binary's start-up
        is then done: qtest connects after the machine is built)."""
        self._call("start-up", self.q.start)

    def connect_qmp(self):
        try:
            self._call("the QMP connection", lambda: self.q.qmp)
        except VmError:
            self.q.kill()
            raise
        self._qmp_up = True

    def quit(self):
        """QMP quit (or SIGTERM without QMP), then reaps the child (wait4:
        its rusage).  Returns the wall time from launch."""
        self._control = None
        status = (self.q.quit(60) if self._qmp_up
                  else self.q.terminate(60))
        if self.q.killed:
            raise VmError("did not exit within 60 s", True)
        if status != 0:
            raise VmError(f"exit status {status} at quit: "
                          f"{self.tail()}", crashed=status < 0)
        return self.q.t_exit - self.q.t0

    def kill(self):
        self._control = None
        self.q.kill()
        self.q.close()

    def tail(self, lines=3):
        text = self.q.output().strip().splitlines()
        why = " | ".join(text[-lines:]) or "no output"
        if self.status is not None and self.status < 0:
            why = f"killed by signal {-self.status}; {why}"
        return why

    def _check_alive(self, what):
        self._call(what, lambda: self.q.check_alive(what))

    # ---- protocols ----

    def qt(self, line):
        """One qtest request; returns the reply after OK."""
        return self._call(f"qtest '{line}'", lambda: self.q.qtest.cmd(line))

    def qmp_cmd(self, name, **args):
        """One QMP command; returns its "return" or raises with its error."""
        return self._call(f"QMP '{name}'",
                          lambda: self.q.qmp.cmd(name, **args))

    # ---- PCI config through CF8/CFC ----

    def cfg_read(self, slot, off, bus=0):
        return self._call("a config read",
                          lambda: self.q.qtest.pci(slot, bus).cfg_read(off))

    def cfg_write(self, slot, off, val, bus=0):
        self._call("a config write",
                   lambda: self.q.qtest.pci(slot, bus).cfg_write(off, val))

    # ---- measurements ----

    def cpu_now(self):
        """CPU seconds (user+sys) the child's live threads have used so far:
        nanoseconds from schedstat, clock ticks from stat without it."""
        total, tasks = 0, f"/proc/{self.q.proc.pid}/task"
        try:
            for t in os.listdir(tasks):
                with open(f"{tasks}/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
            return total / 1e9
        except (OSError, ValueError, IndexError):
            pass
        with open(f"/proc/{self.q.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss(self):
        """(VmRSS, RssShmem) in bytes."""
        out = {}
        with open(f"/proc/{self.q.proc.pid}/status") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key in ("VmRSS", "RssShmem"):
                    out[key] = int(val.split()[0]) * 1024
        return out.get("VmRSS", 0), out.get("RssShmem", 0)

    def has_control(self):
        """Whether the sim serves its control socket: checked once the
        binary is up (it is created when the sim is loaded), so a sim
        without one costs no wait."""
        return (SimControl is not None and self.q.proc is not None
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
        return self.q.rusage.ru_utime + self.q.rusage.ru_stime

    def maxrss(self):
        return self.q.rusage.ru_maxrss * 1024


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
