#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that every tracked file falls in a section of MAINTAINERS.

    check-maintainers.py SOURCE_ROOT

An `F:` pattern ending in '/' covers everything below that directory;
any other pattern is matched against the whole path with shell wildcards
(fnmatch, so '*' also crosses '/').  Lists the files that no pattern
covers and exits 1 if there are any; exits 77 (meson's "skipped") with a
reason when SOURCE_ROOT is not a git checkout, since the tracked files
cannot be known then.
"""

import fnmatch
import os
import subprocess
import sys


def patterns(root):
    with open(os.path.join(root, "MAINTAINERS"), encoding="utf-8") as f:
        return [line[2:].strip() for line in f if line.startswith("F:")]


def covered(path, pats):
    return any(path.startswith(p) if p.endswith("/") else
               fnmatch.fnmatchcase(path, p) for p in pats)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"check-maintainers: {root} is not a git checkout ({e}); "
              "cannot list tracked files")
        return 77
    pats = patterns(root)
    orphans = [f for f in out.splitlines() if not covered(f, pats)]
    for f in orphans:
        print(f"check-maintainers: {f}: in no MAINTAINERS section")
    print(f"check-maintainers: {len(out.splitlines())} files, "
          f"{len(orphans)} uncovered")
    return 1 if orphans else 0


if __name__ == "__main__":
    sys.exit(main())
