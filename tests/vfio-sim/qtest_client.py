"""A qtest client for the tests that run a VMM on the simulated kernel.

It speaks the qtest protocol on a connected socket and reaches the
assigned device's config space through 0xcf8/0xcfc at a given slot of bus 0.
Asynchronous 'IRQ ...' lines are skipped: these tests observe interrupts
through QMP or the device instead.
"""

import time


class Qtest:
    def __init__(self, conn, slot):
        self.conn = conn
        self.buf = b""
        self.cf8 = 0x80000000 | (slot << 11)

    def cmd(self, line):
        """Sends one command; returns what follows 'OK', or raises."""
        self.conn.sendall((line + "\n").encode())
        while True:
            while b"\n" not in self.buf:
                data = self.conn.recv(4096)
                if not data:
                    raise RuntimeError(f"qtest closed after '{line}'")
                self.buf += data
            reply, self.buf = self.buf.split(b"\n", 1)
            reply = reply.decode()
            if reply.startswith("IRQ"):
                continue
            if not reply.startswith("OK"):
                raise RuntimeError(f"qtest '{line}' -> '{reply}'")
            return reply[3:].strip()

    def cfg_read(self, off, size=4):
        self.cmd(f"outl 0xcf8 {self.cf8 | (off & ~3):#x}")
        v = int(self.cmd("inl 0xcfc"), 16)
        return (v >> (8 * (off & 3))) & ((1 << (8 * size)) - 1)

    def cfg_write(self, off, val, size=4):
        self.cmd(f"outl 0xcf8 {self.cf8 | (off & ~3):#x}")
        op = {1: "outb", 2: "outw", 4: "outl"}[size]
        self.cmd(f"{op} {0xcfc + (off & 3):#x} {val:#x}")

    def cfg_settle(self, off, want, write=None):
        """Reads (after writing @write) config @off until it is @want.

        Debian's QEMU 10 sometimes answers the first cf8/cfc accesses after
        start-up from the wrong function, with its own edu as much as with
        vfio-pci (see docs/devel/vfio-sim.rst); the access is repeated.
        """
        got = None
        for _ in range(50):
            if write is not None:
                self.cfg_write(off, write)
            got = self.cfg_read(off)
            if got == want:
                return got
            time.sleep(0.02)
        return got

    def readl(self, addr):
        return int(self.cmd(f"readl {addr:#x}"), 16)
