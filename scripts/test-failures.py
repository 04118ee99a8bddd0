#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the tests that did not pass, from meson's JSON test logs.

    test-failures.py LOG.json [LOG.json ...]

`make check` runs every stage and prints its time table last, so a
failure's own output has scrolled far up by then (in CI, often out of
what is kept).  This repeats, after the table, the name, result and the
last lines of output of each test that failed or timed out, so the end
of the log says what went wrong.  A log that is missing is named, not an
error: its stage may not have run.  Exits 0; the stages set the status.
"""

import json
import sys

TAIL_LINES = 25
PASSING = {"OK", "SKIP", "EXPECTEDFAIL"}


def tail(text, lines):
    rows = (text or "").rstrip("\n").splitlines()
    return rows[-lines:]


def failures(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                test = json.loads(line)
            except ValueError:
                continue
            if test.get("result") not in PASSING:
                yield test


def main(paths):
    found = []
    for path in paths:
        try:
            found += [(path, t) for t in failures(path)]
        except OSError as e:
            print(f"test-failures: {path}: {e.strerror}")
    if not found:
        return 0
    print(f"\n{len(found)} test(s) did not pass:")
    for path, test in found:
        print(f"\n--- {test.get('name')}: {test.get('result')} "
              f"(exit {test.get('returncode')}, "
              f"{test.get('duration', 0):.0f} s; {path})")
        out = tail(test.get("stdout"), TAIL_LINES)
        err = tail(test.get("stderr"), TAIL_LINES // 2)
        for row in out:
            print(f"    {row}")
        if err:
            print("    [stderr]")
            for row in err:
                print(f"    {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
