# SPDX-License-Identifier: GPL-2.0-or-later
"""
Reads schema files: a sequence of JSON objects, one per definition, with
'#' comment lines.  {"include": "file.json"} pulls in another file
relative to the including one.  Each definition remembers its file and
line so that errors name them.
"""
import json
import os


class SchemaError(Exception):
    pass


class Definition:
    def __init__(self, expr, fname, line):
        self.expr = expr
        self.fname = fname
        self.line = line

    def where(self):
        return '%s:%d' % (self.fname, self.line)


def _strip_comments(text):
    out = []
    for line in text.split('\n'):
        if line.lstrip().startswith('#'):
            out.append('')
        else:
            out.append(line)
    return '\n'.join(out)


def parse_file(path, seen):
    """Definitions of @path and its includes; adds every file to @seen."""
    path = os.path.normpath(path)
    if path in seen:
        return []
    seen.add(path)
    with open(path, encoding='utf-8') as f:
        text = _strip_comments(f.read())
    decoder = json.JSONDecoder(object_pairs_hook=dict)
    defs = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        line = text.count('\n', 0, pos) + 1
        try:
            expr, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise SchemaError('%s:%d: %s' % (path, line, e.msg))
        if not isinstance(expr, dict):
            raise SchemaError('%s:%d: a definition must be an object'
                              % (path, line))
        if 'include' in expr:
            inc = os.path.join(os.path.dirname(path), expr['include'])
            defs.extend(parse_file(inc, seen))
        else:
            defs.append(Definition(expr, path, line))
    return defs
