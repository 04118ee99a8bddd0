# SPDX-License-Identifier: GPL-2.0-or-later
"""A client for the simulator's control socket (VFIO_SIM_CONTROL).

    from sim_control import SimControl
    sim = SimControl("/tmp/sim.sock")   # waits up to 10 s for the socket
    snap = sim.snapshot()               # {"seq", "ioctls", "model", "spaces"}
    new = sim.events(snap["seq"])       # {"seq", "truncated", "events"}
    sim.close()

The protocol (docs/devel/vfio-sim.rst): one request line, one JSON reply
line, several requests per connection.  Standard library only.
"""

import json
import socket
import time


class SimControlError(Exception):
    """The simulator answered {"error": ...} or closed the connection."""


class SimControl:
    def __init__(self, path, timeout=10.0):
        """Connects to the socket at @path, waiting up to @timeout seconds
        for it to appear (the simulated program may still be starting)."""
        self.path = path
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                break
            except OSError:
                sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(timeout)
        self.sock = sock
        self.buf = b""

    def request(self, line):
        """Sends one request line; returns the decoded reply as it is
        (an unknown request gets {"error": "unknown request '...'"})."""
        self.sock.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            data = self.sock.recv(1 << 20)
            if not data:
                raise SimControlError(f"'{line}': connection closed")
            self.buf += data
        reply, self.buf = self.buf.split(b"\n", 1)
        return json.loads(reply)

    def _checked(self, line):
        doc = self.request(line)
        if "error" in doc:
            raise SimControlError(doc["error"])
        return doc

    def snapshot(self):
        """{"seq", "ioctls", "model", "spaces"}: see the module doc."""
        return self._checked("snapshot")

    def events(self, since=0):
        """{"seq", "truncated", "events"}: the calls numbered @since on."""
        return self._checked(f"events {int(since)}")

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
