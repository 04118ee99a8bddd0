#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of qemu_client.py against a fake QEMU; output is TAP.

The fake is this file run with --fake-qemu: it parses the qtest and QMP
options qemu_client appends, connects to the qtest socket, serves QMP and
answers from a small memory, port space and one PCI function (slot 4 of
bus 0, capability list 0x40 -> 0x50).  FAKE_MODE picks a misbehaviour:
exit-early, no-connect, mute (connects, never answers), stubborn (ignores
SIGTERM and quit), greet-then-exit (QMP greets, then the process fails as
a -device that cannot be realized makes it).  Without -qtest the fake
serves QMP only.

    PYTHONPATH=tests python3 tests/harness/test_qemu_client.py
"""

import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time

from harness import qemu_client as qc
from harness.tap import Tap

FAKE_SLOT = 4
IRQ_TRIGGER = 0xf000        # a write here is answered after an IRQ line


# ---- the fake --------------------------------------------------------------

class FakeMachine:
    def __init__(self):
        self.mem = bytearray(0x10000)
        self.cfg = bytearray(256)
        self.cfg[0:4] = (0x11e81234).to_bytes(4, "little")
        self.cfg[0x34] = 0x40
        self.cfg[0x40:0x42] = bytes((0x05, 0x50))      # MSI, next 0x50
        self.cfg[0x50:0x52] = bytes((0x11, 0x00))      # MSI-X, end
        self.cf8 = 0

    def _cfg_off(self, port):
        bus, slot = (self.cf8 >> 16) & 0xff, (self.cf8 >> 11) & 0x1f
        if not self.cf8 & 0x80000000 or bus or slot != FAKE_SLOT:
            return None
        return (self.cf8 & 0xfc) + port - 0xcfc

    def port_in(self, port, size):
        off = self._cfg_off(port) if port >= 0xcfc else None
        if port == 0xcf8:
            return self.cf8
        if off is None:
            return (1 << (8 * size)) - 1
        return int.from_bytes(self.cfg[off:off + size], "little")

    def port_out(self, port, size, value):
        if port == 0xcf8:
            self.cf8 = value
            return
        off = self._cfg_off(port)
        if off is not None and off >= 4:
            self.cfg[off:off + size] = value.to_bytes(size, "little")

    def qtest_reply(self, words):
        sizes = {"b": 1, "w": 2, "l": 4, "q": 8}
        cmd, args = words[0], [int(w, 0) for w in words[1:] if
                               w.startswith("0x") or w.isdigit()]
        if cmd in ("read", "write", "memset"):
            addr, size = args[0], args[1]
            if cmd == "read":
                return "OK 0x" + self.mem[addr:addr + size].hex()
            if cmd == "write":
                self.mem[addr:addr + size] = bytes.fromhex(words[3][2:])
            else:
                self.mem[addr:addr + size] = bytes([args[2]]) * size
            return "OK"
        if cmd[:-1] in ("read", "write", "in", "out") and cmd[-1] in sizes:
            size = sizes[cmd[-1]]
            if cmd.startswith("read"):
                v = int.from_bytes(self.mem[args[0]:args[0] + size], "little")
                return f"OK {v:#x}"
            if cmd.startswith("write"):
                self.mem[args[0]:args[0] + size] = \
                    args[1].to_bytes(size, "little")
                return ("IRQ raise 7\nOK" if args[0] == IRQ_TRIGGER
                        else "OK")
            if cmd.startswith("in"):
                return f"OK {self.port_in(args[0], size):#x}"
            self.port_out(args[0], size, args[1])
            return "OK"
        return f"FAIL unknown command '{cmd}'"


def fake_qtest(sock, machine, mode):
    buf = b""
    while True:
        data = sock.recv(4096)
        if not data:
            os._exit(0)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if mode != "mute":
                reply = machine.qtest_reply(line.decode().split())
                sock.sendall(reply.encode() + b"\n")


def fake_qmp(sock, mode, listening):
    if listening:                   # -qmp unix:...,server=on,wait=off
        sock = sock.accept()[0]

    def send(obj):
        sock.sendall(json.dumps(obj).encode() + b"\n")
    send({"QMP": {"version": {"fake": True}, "capabilities": []}})
    if mode == "greet-then-exit":
        print("fake: -device fake: cannot realize", file=sys.stderr,
              flush=True)
        os._exit(1)
    buf, polls = b"", 0
    while True:
        msg, fds, _, _ = socket.recv_fds(sock, 4096, 4)
        if not msg:
            return
        buf += msg
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = json.loads(line)
            name = req["execute"]
            if name == "qmp_capabilities":
                send({"return": {}})
            elif name == "query-status":
                polls += 1
                send({"return": {"status": "running" if polls > 2
                                 else "prelaunch"}})
            elif name == "emit":
                send({"event": "FAKE_EVENT", "data": req.get("arguments")})
                send({"return": {}})
            elif name == "getfd":
                send({"return": {"fds": len(fds)}})
                for fd in fds:
                    os.close(fd)
            elif name == "quit":
                send({"return": {}})
                if mode != "stubborn":
                    os._exit(0)
            else:
                send({"error": {"class": "CommandNotFound",
                                "desc": f"The command {name} has not been "
                                        f"found"}})


def fake_main(argv):
    mode = os.environ.get("FAKE_MODE", "normal")
    if mode == "exit-early":
        print("fake: refusing to start", file=sys.stderr)
        sys.exit(3)
    # QEMU ends cleanly on SIGTERM; the stubborn fake does not end at all
    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "stubborn"
                  else lambda *_: os._exit(0))
    opts = dict(zip(argv[::2], argv[1::2]))
    if mode == "no-connect":
        time.sleep(30)
        return 1
    qt = None
    if "-qtest" in opts:
        qt = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        qt.connect(opts["-qtest"].split(":", 1)[1])
    if "-qmp" in opts:
        path = opts["-qmp"].split(":", 1)[1].split(",")[0]
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        qmp, listening = srv, True
    elif "-chardev" in opts:
        fd = int(opts["-chardev"].rsplit("fd=", 1)[1])
        qmp, listening = socket.socket(fileno=fd), False
    else:
        qmp = None
    if not qt:
        fake_qmp(qmp, mode, listening)
        return 0
    if qmp:
        threading.Thread(target=fake_qmp, args=(qmp, mode, listening),
                         daemon=True).start()
    fake_qtest(qt, FakeMachine(), mode)
    return 0


# ---- the tests -------------------------------------------------------------

def launch(tmp, name, mode="normal", env=None, **kw):
    argv = [sys.executable, __file__, "--fake-qemu"]
    kw.setdefault("connect_timeout", 10)
    kw.setdefault("answer_timeout", 10)
    return qc.Qemu(argv, workdir=tmp, name=name,
                   env={"FAKE_MODE": mode, **(env or {})}, **kw)


def expect(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError(f"{fn.__name__} did not raise {exc.__name__}")


def test_memory_and_ports(tmp):
    with launch(tmp, "mem").start() as vm:
        q = vm.qtest
        for size, value in ((1, 0x1ab), (2, 0x12345), (4, 0x1deadbeef),
                            (8, 0x0123456789abcdef)):
            q.mem_write(0x100, 0, 8)
            q.mem_write(0x100, value, size)
            want = value & ((1 << (8 * size)) - 1)
            assert q.mem_read(0x100, size) == want, size
        q.writel(0x200, 0xcafe)
        assert q.readw(0x200) == 0xcafe and q.readb(0x201) == 0xca
        q.memwrite(0x300, b"\x01\x02\x03")
        q.memset(0x303, 2, 0x7f)
        assert q.memread(0x300, 5) == b"\x01\x02\x03\x7f\x7f"
        assert q.inl(0x80) == 0xffffffff
        expect(ValueError, q.port_read, 0x80, 8)
        e = expect(qc.QtestError, q.cmd, "bogus 1")
        assert "bogus" in str(e), e
        assert vm.quit() == 0


def test_pci(tmp):
    with launch(tmp, "pci").start() as vm:
        dev = vm.qtest.pci(FAKE_SLOT)
        assert dev.cfg_read(0) == 0x11e81234
        assert dev.cfg_read(2, 2) == 0x11e8
        dev.cfg_write(0x10, 0xfe000000)
        assert dev.cfg_read(0x10) == 0xfe000000
        dev.cfg_write(0x3e, 0x40, 2)
        assert dev.cfg_read(0x3e, 2) == 0x40
        assert dev.find_capability(0x05) == 0x40
        assert dev.find_capability(0x11) == 0x50
        assert dev.find_capability(0x10) == 0
        assert vm.qtest.pci(5).cfg_read(0) == 0xffffffff
        expect(ValueError, dev.cfg_read, 2)
        expect(ValueError, vm.qtest.pci, 32)


def test_irq_lines(tmp):
    with launch(tmp, "irq").start() as vm:
        q = vm.qtest
        q.writel(IRQ_TRIGGER, 1)            # the IRQ line comes first
        assert q.wait_irq("raise", 1) == "IRQ raise 7"
        expect(qc.QemuTimeout, q.wait_irq, "lower", 0.2)


def test_qmp(tmp):
    for mode in ("unix", "fd"):
        with launch(tmp, f"qmp-{mode}", qmp=mode).start() as vm:
            vm.wait_running(5)
            qmp = vm.qmp
            assert "QMP" in qmp.greeting
            e = expect(qc.QmpError, qmp.cmd, "no-such", arg=1)
            assert e.command == "no-such" and e.cls == "CommandNotFound"
            assert str(e).startswith("no-such: CommandNotFound"), e
            raw = qmp.execute("no-such")
            assert raw["error"]["class"] == "CommandNotFound"
            assert qmp.cmd("emit", n=1) == {}
            assert qmp.wait_event("FAKE_EVENT")["data"] == {"n": 1}
            expect(qc.QemuTimeout, qmp.wait_event, "FAKE_EVENT", 0.2)
            r, w = os.pipe()
            assert qmp.cmd("getfd", fds=[r, w], fdname="p") == {"fds": 2}
            os.close(r)
            os.close(w)
            assert vm.quit() == 0 and not vm.killed


def test_no_qmp(tmp):
    with launch(tmp, "noqmp", qmp=None).start() as vm:
        expect(qc.QemuError, lambda: vm.qmp)
        assert vm.quit(5) == 0              # SIGTERM stands in for quit


def test_qmp_only(tmp):
    for mode in ("unix", "fd"):
        with launch(tmp, f"qmponly-{mode}", qmp=mode,
                    qtest=False).start() as vm:
            assert "-qtest" not in vm.argv and vm.qtest is None
            assert vm.qmp.cmd("emit", n=2) == {}
            assert vm.qmp.wait_event("FAKE_EVENT")["data"] == {"n": 2}
            assert vm.quit() == 0 and not vm.killed
        # a start-up failure after the greeting: the session ends, the
        # status and the one error line remain
        with launch(tmp, f"qmpfail-{mode}", "greet-then-exit", qmp=mode,
                    qtest=False).start() as vm:
            expect(qc.QemuError, lambda: vm.qmp)
            assert vm.wait(5) == 1 and not vm.killed
            assert "cannot realize" in vm.output(), vm.output()
    expect(ValueError, launch, tmp, "neither", qmp=None, qtest=False)
    # a None value in env removes an inherited variable
    os.environ["QEMU_CLIENT_SELFTEST"] = "1"
    try:
        vm = launch(tmp, "env", env={"QEMU_CLIENT_SELFTEST": None})
        assert "QEMU_CLIENT_SELFTEST" not in vm.env
    finally:
        del os.environ["QEMU_CLIENT_SELFTEST"]


def test_failures_to_start(tmp):
    vm = launch(tmp, "early", "exit-early")
    e = expect(qc.QemuExited, vm.start)
    assert e.status == 3 and "refusing to start" in str(e), e
    vm.close()
    vm = launch(tmp, "late", "no-connect", connect_timeout=0.5)
    expect(qc.QemuTimeout, vm.start)
    assert vm.killed and vm.status is not None
    vm.close()
    expect(qc.QemuTimeout, qc.connect_unix, os.path.join(tmp, "none"), 0.1)
    expect(ValueError, launch, tmp, "n" * 120)


def test_timeouts_and_kill(tmp):
    with launch(tmp, "mute", "mute", answer_timeout=0.3).start() as vm:
        e = expect(qc.QemuTimeout, vm.qtest.readl, 0)
        assert "readl 0x0" in str(e), e
        assert isinstance(e, TimeoutError)
    with launch(tmp, "stubborn", "stubborn").start() as vm:
        t = time.monotonic()
        status = vm.quit(0.5)
        assert vm.killed and status == -signal.SIGKILL, status
        assert time.monotonic() - t < 5


TESTS = [test_memory_and_ports, test_pci, test_irq_lines, test_qmp,
         test_no_qmp, test_qmp_only, test_failures_to_start,
         test_timeouts_and_kill]


def main():
    tap = Tap(len(TESTS))
    with tempfile.TemporaryDirectory(prefix="qemu-client-") as tmp:
        for test in TESTS:
            with tap.case(test.__name__):
                test(tmp)
    return tap.finish()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fake-qemu"]:
        sys.exit(fake_main(sys.argv[2:]))
    sys.exit(main())
