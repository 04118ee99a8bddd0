# SPDX-License-Identifier: GPL-2.0-or-later
"""A client for the simulator's control socket (VFIO_SIM_CONTROL).

    from harness.sim_control import SimControl
    sim = SimControl("/tmp/sim.sock")   # waits up to 10 s for the socket
    snap = sim.snapshot()               # {"seq", "ioctls", "model", "spaces"}
    new = sim.events(snap["seq"])       # {"seq", "truncated", "events"}
    sim.close()

The protocol (docs/devel/vfio-sim.rst): one request line, one JSON reply
line, several requests per connection.  Standard library only.
"""

import json
import time

from harness.qemu_client import (LineReader, QemuError, QemuTimeout,
                                 connect_unix)


class SimControlError(Exception):
    """The simulator answered {"error": ...} or closed the connection."""


class SimControl:
    def __init__(self, path, timeout=10.0):
        """Connects to the socket at @path, waiting up to @timeout seconds
        for it to appear (the simulated program may still be starting);
        QemuTimeout (an OSError) past it."""
        self.path = path
        self.timeout = timeout
        self.sock = connect_unix(path, timeout)
        self._lines = LineReader(self.sock)

    def request(self, line):
        """Sends one request line; returns the decoded reply as it is
        (an unknown request gets {"error": "unknown request '...'"})."""
        self.sock.settimeout(self.timeout)
        self.sock.sendall(line.encode() + b"\n")
        try:
            reply = self._lines.read(time.monotonic() + self.timeout,
                                     f"'{line}'")
        except QemuTimeout:
            raise
        except QemuError as e:
            raise SimControlError(str(e)) from None
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
