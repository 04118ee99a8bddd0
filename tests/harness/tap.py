# SPDX-License-Identifier: GPL-2.0-or-later
"""The TAP writer of every Python test (meson protocol 'tap').

    tap = Tap(3)
    with tap.case("root-bus boots"):
        assert ...            # an exception makes the case 'not ok'
    tap.skip("iommufd", "no iommufd headers")
    sys.exit(tap.finish())   # 0 only if no case failed

A failed case prints the exception as TAP diagnostics: the assertion's
message, a RuntimeError's (BenchError & co say why), or the traceback of
anything else (a bug in the test).  Output is flushed after every line, so
a test that hangs shows how far it got.
"""

import sys
import traceback
from contextlib import contextmanager


class Tap:
    def __init__(self, planned, out=sys.stdout):
        self.out = out
        self.n = 0
        self.failed = 0
        print(f"1..{planned}", file=out, flush=True)

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", file=self.out)
        self.out.flush()

    def result(self, ok, name, why=None):
        """One case; `why` (diagnostics) is printed after the result line."""
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}", file=self.out)
        if why:
            self.diag(why)
        self.out.flush()
        return ok

    def skip(self, name, reason):
        """A case that cannot run here (TAP's SKIP): not a failure."""
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {reason}", file=self.out,
              flush=True)

    def todo(self, name, reason, why=None):
        """A known failure outside the code under test (TAP's TODO): shown
        as 'not ok' with its reason, but it does not fail the run."""
        self.n += 1
        print(f"not ok {self.n} - {name} # TODO {reason}", file=self.out)
        if why:
            self.diag(why)
        self.out.flush()

    def fail_rest(self, names, why):
        """Every remaining case fails for one reason (the test could not
        set up: a missing binary, a build without the simulator)."""
        for name in names:
            self.result(False, name, why)

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
