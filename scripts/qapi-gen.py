#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Compiles the QMP schema (qapi/qapi-schema.json and its includes) into C:
PREFIX-types.[ch], PREFIX-commands.[ch], PREFIX-events.[ch] and
PREFIX-introspect.c in the output directory.  See docs/devel/qapi.rst.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qapi import gen_commands, gen_events, gen_introspect, gen_types  # noqa
from qapi.gen_types import Unsupported  # noqa
from qapi.parser import SchemaError, parse_file  # noqa
from qapi.schema import Schema  # noqa


def write(path, text):
    # Always rewritten: ninja compares the outputs' times with the inputs'.
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().split('\n')[0])
    ap.add_argument('schema')
    ap.add_argument('-o', '--output-dir', default='.')
    ap.add_argument('-p', '--prefix', default='qapi')
    ap.add_argument('--depfile')
    ap.add_argument('-D', '--define', action='append', default=[],
                    help='a build condition that holds (CONFIG_X)')
    args = ap.parse_args()
    seen = set()
    try:
        schema = Schema(parse_file(args.schema, seen), args.define)
        files = {}
        files['types.h'], files['types.c'] = \
            gen_types.generate(schema, args.prefix)
        files['commands.h'], files['commands.c'] = \
            gen_commands.generate(schema, args.prefix)
        files['events.h'], files['events.c'] = \
            gen_events.generate(schema, args.prefix)
        files['introspect.c'] = gen_introspect.generate(schema, args.prefix)
    except (SchemaError, Unsupported) as e:
        print('qapi-gen: %s' % e, file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    for suffix, text in files.items():
        write(os.path.join(args.output_dir,
                           '%s-%s' % (args.prefix, suffix)), text)
    if args.depfile:
        with open(args.depfile, 'w', encoding='utf-8') as f:
            f.write('%s: %s\n' % (
                os.path.join(args.output_dir, args.prefix + '-types.h'),
                ' '.join(sorted(seen))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
