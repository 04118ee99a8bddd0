#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that the object files of a directory depend on each other one way.

    check-link-layers.py BUILD_DIR DIR [DIR ...]

For every DIR (a source directory such as hw/vfio), reads `nm` of the
objects that its .c files (generated ones included) compile to, as listed
in BUILD_DIR/compile_commands.json.  File A depends on file B when A uses
a global symbol that B defines.  The check fails when two files of one
DIR depend on each other, directly or around a loop: a strongly connected
component of more than one file.  Symbols of other directories do not
count, so each DIR is judged on its own.

Prints, for each DIR, the files from the top (used by nobody in DIR) down
to the leaves, each with what it uses, then "ok" or the loops found.
Exits 1 on a loop or when an object is missing (build first).
"""

import json
import os
import subprocess
import sys


def objects_of(build_dir, directory):
    """{source path relative to the source root: object path} of DIR."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        commands = json.load(f)
    prefix = directory.rstrip("/") + "/"
    found = {}
    for cmd in commands:
        src = os.path.normpath(os.path.join(cmd["directory"], cmd["file"]))
        obj = os.path.join(cmd["directory"], cmd["output"])
        build = os.path.realpath(build_dir)
        # Sources of the tree, and those generated into the build tree.
        for root in (os.path.dirname(build), build):
            rel = os.path.relpath(src, root)
            if rel.startswith(prefix) and "/" not in rel[len(prefix):]:
                found[rel] = obj
                break
    return found


def symbols(obj):
    """(defined globals, undefined) of one object file."""
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, used


def components(nodes, edges):
    """Tarjan's strongly connected components, leaves first."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            result.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return result


def check(build_dir, directory):
    objs = objects_of(build_dir, directory)
    if not objs:
        print(f"{directory}: no objects in {build_dir}: build it first")
        return False
    defined_by, used = {}, {}
    for src, obj in objs.items():
        if not os.path.exists(obj):
            print(f"{directory}: {obj} is missing: build it first")
            return False
        defs, used[src] = symbols(obj)
        for sym in defs:
            defined_by[sym] = src
    edges = {src: {} for src in objs}
    for src in objs:
        for sym in used[src]:
            dst = defined_by.get(sym)
            if dst and dst != src:
                edges[src].setdefault(dst, []).append(sym)
    comps = components(objs, edges)
    loops = [c for c in comps if len(c) > 1]

    # Top first: reverse of Tarjan's leaves-first order.
    print(f"{directory}: dependency order, top (nobody uses it) first:")
    for comp in reversed(comps):
        for src in comp:
            uses = ", ".join(os.path.basename(d) for d in sorted(edges[src]))
            print(f"  {os.path.basename(src):28} -> {uses or '(leaf)'}")
    for comp in loops:
        print(f"{directory}: LOOP between {', '.join(comp)}:")
        for src in comp:
            for dst in sorted(edges[src]):
                if dst in comp:
                    syms = ", ".join(sorted(edges[src][dst]))
                    print(f"    {src} uses {dst}: {syms}")
    print(f"{directory}: {'ok' if not loops else 'FAILED'}")
    return not loops


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    ok = True
    for directory in argv[2:]:
        ok = check(argv[1], directory) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
