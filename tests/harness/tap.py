# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal TAP producer for the functional tests (meson protocol 'tap').

    tap = Tap(3)
    with tap.case("root-bus boots"):
        assert ...            # an exception makes the case 'not ok'
    sys.exit(tap.finish())   # 0 only if every case passed

A failed case prints the exception as TAP diagnostics.  There is no skip:
the bench failing to run is a failure, with the reason in the diagnostics.
"""

import sys
import traceback
from contextlib import contextmanager


class Tap:
    def __init__(self, planned, out=sys.stdout):
        self.out = out
        self.n = 0
        self.failed = 0
        self.note_lines = []
        print(f"1..{planned}", file=out, flush=True)

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", file=self.out)
        self.out.flush()

    def result(self, ok, name, why=None):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}", file=self.out)
        if why:
            self.diag(why)
        self.out.flush()

    def todo(self, name, reason, why=None):
        """A known failure outside the code under test (TAP's TODO): shown
        as 'not ok' with its reason, but it does not fail the run."""
        self.n += 1
        print(f"not ok {self.n} - {name} # TODO {reason}", file=self.out)
        if why:
            self.diag(why)
        self.out.flush()

    @contextmanager
    def case(self, name):
        """Run the body as one test case; the body may rename it via the
        yielded dict's 'name' key (e.g. to add a timing)."""
        info = {"name": name}
        try:
            yield info
        except AssertionError as e:
            self.result(False, info["name"], f"assertion failed: {e}")
        except RuntimeError as e:  # BenchError & co: the message says why
            self.result(False, info["name"], f"{type(e).__name__}: {e}")
        except Exception as e:  # a bug in the test: show where
            self.result(False, info["name"],
                        f"{type(e).__name__}: {e}\n"
                        + traceback.format_exc(limit=4))
        else:
            self.result(True, info["name"])

    def finish(self):
        return 1 if self.failed else 0
