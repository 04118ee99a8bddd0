#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The schema compiler (scripts/qapi-gen.py) on good and bad schemas;
output is TAP.

A bad schema must stop the build with one line naming the file, the line
of the definition and the fault; a good one must give the documented C
shapes and introspection.

    PYTHONPATH=tests python3 tests/unit/test_qapi_gen.py
"""

import json
import os
import subprocess
import sys
import tempfile

from harness.tap import Tap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GEN = os.path.join(ROOT, 'scripts', 'qapi-gen.py')


def run(tmp, text):
    path = os.path.join(tmp, 'schema.json')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    out = os.path.join(tmp, 'out')
    p = subprocess.run([sys.executable, GEN, path, '-o', out],
                       capture_output=True, text=True, check=False)
    return p.returncode, p.stderr.strip(), out


def expect_error(tmp, text, line, fault):
    rc, err, _ = run(tmp, text)
    assert rc == 1, (rc, err)
    want = 'schema.json:%d: %s' % (line, fault)
    assert err.startswith('qapi-gen: ') and err.endswith(want), err
    assert '\n' not in err, err


def test_undefined_type(tmp):
    expect_error(tmp, '# comment\n{ "command": "x",\n  "returns": "Nope" }\n',
                 2, "type 'Nope' is not defined")


def test_duplicate(tmp):
    expect_error(tmp, '{ "struct": "A", "data": {} }\n'
                      '{ "enum": "A", "data": ["x"] }\n',
                 2, "'A' is already defined")


def test_unknown_key(tmp):
    expect_error(tmp, '{ "command": "x", "retruns": "str" }\n', 1,
                 "unknown key(s) ['retruns'] in command")


def test_bad_member_name(tmp):
    expect_error(tmp, '{ "struct": "A", "data": { "Big": "int" } }\n', 1,
                 "member name 'Big' is not lower-case")


def test_union_tag(tmp):
    expect_error(tmp, '{ "enum": "K", "data": ["a"] }\n'
                      '{ "struct": "S", "data": {} }\n'
                      '{ "union": "U", "base": { "kind": "K" },\n'
                      '  "discriminator": "kind", "data": { "b": "S" } }\n',
                 3, "'b' is not a value of K")


def test_unsupported_list(tmp):
    rc, err, _ = run(tmp, '{ "enum": "K", "data": ["a"] }\n'
                          '{ "command": "x", "returns": ["K"] }\n')
    assert rc == 1 and 'lists of K are not supported' in err, err


def test_good_schema(tmp):
    rc, err, out = run(tmp, '''
{ "enum": "Color", "data": ["dark-red", "blue"] }
{ "struct": "Item", "data": { "name": "str", "*count": "int",
                              "*color": "Color", "default": "bool" } }
{ "command": "list-items", "data": { "*filter": "str", "*max": "int" },
  "returns": ["Item"], "features": ["unstable"] }
{ "event": "ITEM_ADDED", "data": { "item": "Item" } }
''')
    assert rc == 0, err
    with open(os.path.join(out, 'qapi-commands.h'), encoding='utf-8') as f:
        h = f.read()
    assert ('GPtrArray *qmp_list_items(const char *filter, bool has_max, '
            'int64_t max, Error **errp);') in h, h
    with open(os.path.join(out, 'qapi-types.h'), encoding='utf-8') as f:
        t = f.read()
    assert 'COLOR_DARK_RED,' in t and 'bool q_default;' in t, t
    assert 'bool has_color;' in t and 'bool has_count;' in t, t
    with open(os.path.join(out, 'qapi-events.h'), encoding='utf-8') as f:
        assert 'void qapi_event_send_item_added(Item *item);' in f.read()
    with open(os.path.join(out, 'qapi-introspect.c'), encoding='utf-8') as f:
        c = f.read()
    # Rebuild the JSON from the C string literals.
    lits = []
    for line in c.splitlines():
        line = line.strip().rstrip(';')
        if line.startswith('"') and line.endswith('"'):
            lits.append(line[1:-1].replace('\\"', '"').replace('\\\\', '\\'))
    schema = {e['name']: e for e in json.loads(''.join(lits))}
    cmd = schema['list-items']
    assert cmd['meta-type'] == 'command' and cmd['features'] == ['unstable']
    assert schema[cmd['ret-type']] == {'name': '[Item]', 'meta-type': 'array',
                                       'element-type': 'Item'}
    members = {m['name']: m for m in schema['Item']['members']}
    assert members['count'] == {'name': 'count', 'type': 'int',
                                'default': None}
    assert 'default' not in members['name']
    assert schema['Color']['values'] == ['dark-red', 'blue']
    assert schema['ITEM_ADDED']['meta-type'] == 'event'


def test_conditional_value(tmp):
    text = ('{ "enum": "K", "data": ["a", { "name": "b", "if": "CONFIG_B" }] }\n'
            '{ "command": "x", "data": { "k": "K" } }\n')
    for defines, values in (([], ['a']), (['-D', 'CONFIG_B'], ['a', 'b'])):
        path = os.path.join(tmp, 'schema.json')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        out = os.path.join(tmp, 'out')
        subprocess.run([sys.executable, GEN, path, '-o', out] + defines,
                       check=True)
        with open(os.path.join(out, 'qapi-types.h'), encoding='utf-8') as f:
            t = f.read()
        assert ('K_B,' in t) == ('b' in values), t


TESTS = [test_conditional_value, test_undefined_type, test_duplicate, test_unknown_key,
         test_bad_member_name, test_union_tag, test_unsupported_list,
         test_good_schema]


def main():
    tap = Tap(len(TESTS))
    for test in TESTS:
        with tempfile.TemporaryDirectory() as tmp, tap.case(test.__name__):
            test(tmp)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
