# SPDX-License-Identifier: GPL-2.0-or-later
"""A client for one QEMU-compatible process under test: qtest and QMP.

Standard library only, so that it runs wherever python3 does: on the host
and inside the real-kernel bench guest, which sees the host's tree through
its 9p root.  tests/ is on PYTHONPATH in both places (meson's test
environment; the guest's init, see harness.guest), so a test says:

    from harness.qemu_client import Qemu, QmpError

Qemu starts a binary (ours or Debian's QEMU) the way libqtest does: the
test listens on a unix socket and the binary's -qtest chardev connects to
it.  QMP is a unix socket the binary serves (qmp="unix"), one end of a
socketpair the binary inherits (qmp="fd") or absent (qmp=None):

    with Qemu(["qemu-system-x86_64", "-M", "q35", "-device", "edu,addr=4"],
              workdir=tmp, name="edu") as vm:
        vm.start()                      # returns once qtest is connected
        vm.wait_running()               # start-up reset is over
        dev = vm.qtest.pci(slot=4)
        assert dev.cfg_read(0) == 0x11e81234
        vm.qmp.cmd("device_del", id="d0")
        vm.qmp.wait_event("DEVICE_DELETED")
        status = vm.quit()              # the exit status

Without qtest (qtest=False) the binary runs as a management tool sees it,
QMP only: start() returns once the process is launched, and the first use
of vm.qmp waits for the greeting.  A binary that fails at start-up may
greet before it exits (the monitor is up before -device is realized): the
session then ends with a QemuError and vm.wait() gives the exit status.

connect_unix() is the retrying connect for any unix socket a process under
test serves.  Every wait has a deadline.  Everything this module raises is
a QemuError: QtestError (a qtest command not answered OK, or the socket
closed), QmpError (an error reply; names the command), QemuTimeout (a
deadline passed; also a TimeoutError), QemuExited (the process ended while
the test waited for it to connect).  Bad arguments from the caller raise
ValueError.
"""

import json
import os
import signal
import socket
import subprocess
import time

CONNECT_TIMEOUT = 60    # launch until qtest is connected or QMP answers
ANSWER_TIMEOUT = 120    # one qtest or QMP command
WRAPPER_GRACE = 10      # a wrapper (prefix) exiting once its binary is killed
EVENT_TIMEOUT = 30      # wait_event, wait_irq
QUIT_TIMEOUT = 30       # quit or terminate until the process has exited

_SUFFIX = {1: "b", 2: "w", 4: "l", 8: "q"}


class QemuError(RuntimeError):
    """Anything that went wrong with the process or its protocols."""


class QemuTimeout(QemuError, TimeoutError):
    """A deadline passed; the message says what was awaited."""


class QemuExited(QemuError):
    """The process ended before the test could talk to it."""

    def __init__(self, msg, status):
        super().__init__(msg)
        self.status = status


class QtestError(QemuError):
    """A qtest command answered other than OK (`reply`, the answer), or the
    socket closed (`reply` None)."""

    def __init__(self, msg, reply=None):
        super().__init__(msg)
        self.reply = reply


class QmpError(QemuError):
    """An error reply to a QMP command: `command`, `cls` and `desc`."""

    def __init__(self, command, error):
        self.command = command
        self.cls = error.get("class")
        self.desc = error.get("desc")
        super().__init__(f"{command}: {self.cls}: {self.desc}")


def _mask(value, size):
    return value & ((1 << (8 * size)) - 1)


def _width(size):
    if size not in _SUFFIX:
        raise ValueError(f"access size {size} is not 1, 2, 4 or 8")
    return _SUFFIX[size]


def connect_unix(path, timeout=CONNECT_TIMEOUT, alive=None):
    """A stream socket connected to @path, retrying until the server has
    created it; QemuTimeout past @timeout.  @alive(), if given, is called
    between attempts and should raise once the server process is gone."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if alive:
                alive()
            if time.monotonic() > deadline:
                raise QemuTimeout(f"nothing listens at {path} after "
                                  f"{timeout} s") from None
            time.sleep(0.02)


class LineReader:
    """Newline-framed messages from a stream socket, read by deadline."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read(self, deadline, doing):
        """Returns the next line (without its newline); raises QemuTimeout
        naming @doing past @deadline, QemuError if the peer closed."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QemuTimeout(f"{doing}: no answer in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise QemuTimeout(f"{doing}: no answer in time") from None
            except OSError as e:
                raise QemuError(f"{doing}: {e}") from None
            if not chunk:
                raise QemuError(f"{doing}: the socket was closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace").rstrip("\r")


class Qtest:
    """The qtest connection: one command, one 'OK ...' answer.

    'IRQ raise|lower N' lines (after irq_intercept_in) may arrive at any
    time; they are kept, in order, in self.irqs for wait_irq().
    """

    def __init__(self, sock, timeout=ANSWER_TIMEOUT):
        self.sock = sock
        self.timeout = timeout
        self.irqs = []
        self._lines = LineReader(sock)

    def cmd(self, line, timeout=None):
        """Sends @line; returns what follows 'OK' (stripped)."""
        timeout = timeout or self.timeout
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(line.encode() + b"\n")
        except OSError as e:
            raise QtestError(f"qtest '{line}': {e}") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self._lines.read(deadline, f"qtest '{line}'")
            except QemuTimeout:
                raise
            except QemuError as e:
                raise QtestError(str(e)) from None
            if reply.startswith("IRQ"):
                self.irqs.append(reply)
                continue
            if not reply.startswith("OK"):
                raise QtestError(f"qtest '{line}' answered '{reply}'", reply)
            return reply[2:].strip()

    def wait_irq(self, kind, timeout=EVENT_TIMEOUT):
        """Waits for 'IRQ @kind ...' (kind: raise or lower); returns the
        line and forgets it and every IRQ line before it."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.irqs):
                if line.startswith(f"IRQ {kind}"):
                    del self.irqs[:i + 1]
                    return line
            try:
                self.irqs.append(self._lines.read(deadline, "qtest IRQ"))
            except QemuTimeout:
                raise QemuTimeout(f"no 'IRQ {kind}' within {timeout} s "
                                  f"(seen: {self.irqs})") from None

    # ---- guest-physical memory -------------------------------------------

    def mem_read(self, addr, size):
        """A @size-byte (1, 2, 4, 8) MMIO or RAM read."""
        return int(self.cmd(f"read{_width(size)} {addr:#x}"), 16)

    def mem_write(self, addr, value, size):
        self.cmd(f"write{_width(size)} {addr:#x} {_mask(value, size):#x}")

    def readb(self, addr):
        return self.mem_read(addr, 1)

    def readw(self, addr):
        return self.mem_read(addr, 2)

    def readl(self, addr):
        return self.mem_read(addr, 4)

    def readq(self, addr):
        return self.mem_read(addr, 8)

    def writeb(self, addr, value):
        self.mem_write(addr, value, 1)

    def writew(self, addr, value):
        self.mem_write(addr, value, 2)

    def writel(self, addr, value):
        self.mem_write(addr, value, 4)

    def writeq(self, addr, value):
        self.mem_write(addr, value, 8)

    def memread(self, addr, size):
        """@size bytes of guest memory at @addr."""
        return bytes.fromhex(self.cmd(f"read {addr:#x} {size}")[2:])

    def memwrite(self, addr, data):
        self.cmd(f"write {addr:#x} {len(data)} 0x{bytes(data).hex()}")

    def memset(self, addr, size, byte=0):
        self.cmd(f"memset {addr:#x} {size} {byte:#x}")

    # ---- port I/O ----------------------------------------------------------

    def port_read(self, port, size):
        if size == 8:
            raise ValueError("port I/O is at most 4 bytes wide")
        return int(self.cmd(f"in{_width(size)} {port:#x}"), 16)

    def port_write(self, port, value, size):
        if size == 8:
            raise ValueError("port I/O is at most 4 bytes wide")
        self.cmd(f"out{_width(size)} {port:#x} {_mask(value, size):#x}")

    def inb(self, port):
        return self.port_read(port, 1)

    def inw(self, port):
        return self.port_read(port, 2)

    def inl(self, port):
        return self.port_read(port, 4)

    def outb(self, port, value):
        self.port_write(port, value, 1)

    def outw(self, port, value):
        self.port_write(port, value, 2)

    def outl(self, port, value):
        self.port_write(port, value, 4)

    def pci(self, slot, bus=0, func=0):
        """The config space of bus:slot.func, through 0xcf8/0xcfc."""
        return PciFunction(self, bus, slot, func)


class PciFunction:
    """One PCI function's config space through configuration mechanism #1:
    the address dword to 0xcf8, then an access of the wanted width at
    0xcfc plus the offset's low two bits, as a guest's firmware does."""

    def __init__(self, qtest, bus, slot, func=0):
        if not (0 <= bus < 256 and 0 <= slot < 32 and 0 <= func < 8):
            raise ValueError(f"PCI address {bus:#x}:{slot:#x}.{func} is "
                             f"out of range")
        self.qtest = qtest
        self.base = 0x80000000 | (bus << 16) | (slot << 11) | (func << 8)

    def _select(self, off, size):
        if off & (size - 1) or not 0 <= off < 256:
            raise ValueError(f"config offset {off:#x} is not a {size}-byte "
                             f"aligned offset below 0x100")
        self.qtest.outl(0xcf8, self.base | (off & 0xfc))
        return 0xcfc + (off & 3)

    def cfg_read(self, off, size=4):
        return self.qtest.port_read(self._select(off, size), size)

    def cfg_write(self, off, value, size=4):
        self.qtest.port_write(self._select(off, size), value, size)

    def find_capability(self, cap_id):
        """The offset of the first capability @cap_id in the list, or 0.
        A looping or out-of-range chain ends the walk."""
        pos = self.cfg_read(0x34, 1) & 0xfc
        seen = set()
        while pos >= 0x40 and pos not in seen:
            seen.add(pos)
            if self.cfg_read(pos, 1) == cap_id:
                return pos
            pos = self.cfg_read(pos + 1, 1) & 0xfc
        return 0


class Qmp:
    """A QMP session, capabilities negotiated.  Events that arrive while a
    command waits for its answer are kept in self.events."""

    def __init__(self, sock, timeout=ANSWER_TIMEOUT,
                 greeting_timeout=CONNECT_TIMEOUT):
        self.sock = sock
        self.timeout = timeout
        self.events = []
        self._lines = LineReader(sock)
        self.greeting = self._message(time.monotonic() + greeting_timeout,
                                      "QMP greeting")
        self.cmd("qmp_capabilities")

    @classmethod
    def connect(cls, path, timeout=CONNECT_TIMEOUT, alive=None,
                answer_timeout=ANSWER_TIMEOUT):
        """A session on the unix socket @path, see connect_unix()."""
        deadline = time.monotonic() + timeout
        sock = connect_unix(path, timeout, alive)
        try:
            return cls(sock, answer_timeout, max(1, deadline
                                                 - time.monotonic()))
        except BaseException:
            sock.close()
            raise

    def _message(self, deadline, doing):
        return json.loads(self._lines.read(deadline, doing))

    def execute(self, name, fds=(), timeout=None, **args):
        """Sends command @name with @args (and @fds over SCM_RIGHTS);
        returns the raw reply, {"return": ...} or {"error": ...}."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        data = json.dumps(msg).encode() + b"\n"
        timeout = timeout or self.timeout
        try:
            self.sock.settimeout(timeout)
            if fds:
                socket.send_fds(self.sock, [data], list(fds))
            else:
                self.sock.sendall(data)
        except socket.timeout:
            raise QemuTimeout(f"QMP '{name}': not sent in time") from None
        except OSError as e:    # the process is gone (or going)
            raise QemuError(f"QMP '{name}': {e}") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline, f"QMP '{name}'")
            if "event" in reply:
                self.events.append(reply)
            elif "return" in reply or "error" in reply:
                return reply

    def cmd(self, name, fds=(), timeout=None, **args):
        """Like execute(); returns the "return" value, raises QmpError on
        an error reply."""
        reply = self.execute(name, fds, timeout, **args)
        if "error" in reply:
            raise QmpError(name, reply["error"])
        return reply["return"]

    def wait_event(self, name, timeout=EVENT_TIMEOUT):
        """Returns (and forgets) the oldest event @name, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev.get("event") == name:
                    self.events.remove(ev)
                    return ev
            try:
                self.events.append(self._message(deadline, f"{name} event"))
            except QemuTimeout:
                raise QemuTimeout(f"no {name} event within {timeout} s") \
                    from None

    def close(self):
        self.sock.close()


class Qemu:
    """One launch of a QEMU-compatible binary, under qtest or QMP only.

    @argv: the binary and its arguments; the qtest and QMP options are
    appended.  @workdir holds the sockets and @name.log (stdout and stderr
    together; kept after close() for the caller to read or remove).
    @env: variables set for the process over the inherited environment
    (a None value removes the variable).  @qtest: False launches without
    qtest (QMP only; qmp must not be None).  @qmp: "unix", "fd" or None.  @qtest_log: the -qtest-log value, None
    for no option (QEMU then logs the traffic to stderr).  @prefix: argv
    to run the binary through.  A wrapper need not exec it: the launch
    gets a process group of its own, and kill() ends the binary first and
    then gives the wrapper a moment to undo what it set up (peer-chroot.sh
    unmounts its binds on the way out).
    @pass_fds: the caller's descriptors the process inherits.
    """

    def __init__(self, argv, *, workdir, name="qemu", env=None, qmp="unix",
                 qtest=True, qtest_log="none", prefix=(), pass_fds=(),
                 connect_timeout=CONNECT_TIMEOUT,
                 answer_timeout=ANSWER_TIMEOUT):
        if qmp not in ("unix", "fd", None):
            raise ValueError(f"qmp '{qmp}' is not 'unix', 'fd' or None")
        if not qtest and qmp is None:
            raise ValueError("without qtest, QMP is the only channel: "
                             "qmp must be 'unix' or 'fd'")
        self.name = name
        self.qtest_path = os.path.join(workdir, f"{name}.qtest")
        self.qmp_path = os.path.join(workdir, f"{name}.qmp")
        self.log_path = os.path.join(workdir, f"{name}.log")
        if len(self.qtest_path.encode()) > 107:  # sun_path, NUL included
            raise ValueError(f"socket path '{self.qtest_path}' is too long "
                             f"for a unix socket (shorten workdir or name)")
        self.env = {k: v for k, v in dict(os.environ, **(env or {})).items()
                    if v is not None}
        self.use_qtest = qtest
        self.qmp_mode = qmp
        self.pass_fds = list(pass_fds)
        self.connect_timeout = connect_timeout
        self.answer_timeout = answer_timeout
        self._qmp_pair = None
        extra = []
        if qtest:
            extra += ["-qtest", f"unix:{self.qtest_path}"]
            if qtest_log is not None:
                extra += ["-qtest-log", qtest_log]
        if qmp == "unix":
            extra += ["-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        elif qmp == "fd":
            self._qmp_pair = socket.socketpair()
            fd = self._qmp_pair[1].fileno()
            self.pass_fds.append(fd)
            extra += ["-chardev", f"socket,id=qmp,fd={fd}",
                      "-mon", "chardev=qmp,mode=control"]
        self.argv = [*prefix, *argv, *extra]
        self.wrapped = bool(prefix)
        self.proc = None
        self.qtest = None
        self._qmp = None
        self.log = None
        self.t0 = None
        self.connect_s = None
        self.killed = False
        # Set when the process is reaped (by wait4, so that its resource
        # usage is not lost): for benchmarks that measure the whole child.
        self.rusage = None
        self.t_exit = None

    # ---- life cycle --------------------------------------------------------

    def start(self):
        """Launches; returns self once the binary connected to qtest
        (without qtest: once the process is started)."""
        for p in (self.qtest_path, self.qmp_path):
            if os.path.exists(p):
                os.unlink(p)
        if not self.use_qtest:
            self._launch()
            return self
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.qtest_path)
            listener.listen(1)
            self._launch()
            conn = self._accept(listener)
        finally:
            listener.close()
            if os.path.exists(self.qtest_path):
                os.unlink(self.qtest_path)
        self.connect_s = time.monotonic() - self.t0
        self.qtest = Qtest(conn, self.answer_timeout)
        return self

    def _launch(self):
        self.log = open(self.log_path, "w+")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, env=self.env, pass_fds=self.pass_fds,
            process_group=0 if self.wrapped else None)
        if self._qmp_pair:
            self._qmp_pair[1].close()   # the process has its own copy

    def _accept(self, listener):
        deadline = self.t0 + self.connect_timeout
        listener.settimeout(0.05)
        while time.monotonic() < deadline:
            try:
                return listener.accept()[0]
            except socket.timeout:
                self.check_alive("before connecting to qtest")
        self.kill()
        raise QemuTimeout(f"{self.name}: no qtest connection within "
                          f"{self.connect_timeout} s: {self.tail()}")

    def check_alive(self, when):
        """Raises QemuExited (with the output's tail) if the process ended."""
        if self._poll() is not None:
            status = self.proc.returncode
            self._close_channels()
            raise QemuExited(f"{self.name}: exited with status {status} "
                             f"{when}: {self.tail()}", status)

    @property
    def qmp(self):
        """The QMP session, opened and negotiated on first use."""
        if self._qmp is None:
            if self.qmp_mode == "unix":
                self._qmp = Qmp.connect(
                    self.qmp_path, self.connect_timeout,
                    lambda: self.check_alive("before QMP was up"),
                    self.answer_timeout)
            elif self.qmp_mode == "fd":
                if not self._qmp_pair:
                    raise QemuError(f"{self.name}: QMP failed earlier")
                sock, self._qmp_pair = self._qmp_pair[0], None
                try:
                    self._qmp = Qmp(sock, self.answer_timeout,
                                    self.connect_timeout)
                except BaseException:
                    sock.close()
                    raise
            else:
                raise QemuError(f"{self.name}: launched without QMP")
        return self._qmp

    def wait_running(self, timeout=CONNECT_TIMEOUT):
        """Waits until query-status says 'running' ('prelaunch' when
        started with -S): a binary may serve qtest while it is still
        starting up, and its start-up reset would undo the test's first
        writes."""
        want = "prelaunch" if "-S" in self.argv else "running"
        deadline = time.monotonic() + timeout
        while self.qmp.cmd("query-status").get("status") != want:
            if time.monotonic() > deadline:
                raise QemuTimeout(f"{self.name}: not 'running' within "
                                  f"{timeout} s")
            time.sleep(0.05)

    def quit(self, timeout=QUIT_TIMEOUT):
        """QMP quit (SIGTERM without QMP, or if QMP fails); returns the
        exit status (negative: the signal), see wait()."""
        if self.qmp_mode is None:
            return self.terminate(timeout)
        if self._poll() is None:
            try:
                self.qmp.execute("quit")
            except (QemuError, OSError, ValueError):
                # the socket may close before the reply: give it a moment
                if self._reap(1) is None:
                    self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def terminate(self, timeout=QUIT_TIMEOUT):
        """SIGTERM; returns the exit status, see wait()."""
        if self._poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout=QUIT_TIMEOUT):
        """Waits for the exit; past @timeout kills (self.killed is then
        True).  Returns the exit status and closes the connections."""
        if self._reap(timeout) is None:
            self.kill()
        self._close_channels()
        return self.proc.returncode

    def kill(self):
        if self.proc and self._poll() is None:
            self.killed = True
            if self.wrapped:
                self._kill_wrapped()
            self.proc.kill()
            self._reap(None)

    def _kill_wrapped(self):
        """SIGKILL to every process of the launch's group but the wrapper
        (the group's leader), then up to WRAPPER_GRACE seconds for the
        wrapper to see its child gone and exit by itself.  Killing only
        the wrapper would leave the binary running, holding its devices,
        and the wrapper's mounts in place."""
        leader = self.proc.pid
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == leader:
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # pid (comm) state ppid pgrp ...; comm may hold spaces
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) == leader:
                    os.kill(int(entry), signal.SIGKILL)
            except (OSError, IndexError, ValueError):
                continue    # gone meanwhile
        self._reap(WRAPPER_GRACE)

    @property
    def status(self):
        """The exit status, None while running."""
        return self._poll() if self.proc else None

    def _poll(self):
        """The exit status if the process has ended (reaping it), else
        None.  Reaps with wait4 rather than Popen's waitpid, keeping the
        child's rusage and the moment it was seen gone (t_exit)."""
        if self.proc.returncode is None:
            pid, st, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.t_exit = time.monotonic()
                self.rusage = ru
                self.proc.returncode = (-os.WTERMSIG(st)
                                        if os.WIFSIGNALED(st)
                                        else os.WEXITSTATUS(st))
        return self.proc.returncode

    def _reap(self, timeout):
        """Waits up to @timeout seconds (None: for ever) for the exit;
        returns the status, None if the process still runs.  Polls every
        2 ms, so that t_exit is close to the real exit."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(0.002)
        return self.proc.returncode

    def _close_channels(self):
        if self.qtest:
            self.qtest.sock.close()
        if self._qmp:
            self._qmp.close()
        if self._qmp_pair:
            for s in self._qmp_pair:
                s.close()
            self._qmp_pair = None
        if self.qmp_mode == "unix" and os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)

    def close(self):
        """Kills the process if it still runs and closes everything but
        the log file's name."""
        self.kill()
        self._close_channels()
        if self.log:
            self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- output -------------------------------------------------------------

    def output(self):
        """Everything the process wrote to stdout and stderr so far."""
        if self.log and not self.log.closed:
            self.log.flush()
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, chars=1500):
        return self.output().strip()[-chars:] or "no output"
