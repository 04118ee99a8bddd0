# SPDX-License-Identifier: GPL-2.0-or-later
"""
The checked schema model.

Definitions (see docs/devel/qapi.rst for the language):
  {"enum": N, "data": [values], "external": H?}
  {"struct": N, "data": {members}, "features": [..]?}
  {"union": N, "base": {members}, "discriminator": M, "data": {value: S}}
  {"command": N, "data": {members}?, "returns": T?, "gen": false?,
   "features": [..]?}
  {"event": N, "data": {members}?}
An enum value is "value" or {"name": "value", "if": "CONFIG_X"}: present
only when the build defines CONFIG_X (qapi-gen.py --define).
A member is "name": TYPE or "*name": TYPE (optional); TYPE is a builtin
(str, int, bool, number, any), a defined name, or [TYPE] (a list).
"""
import re

from .parser import SchemaError

BUILTIN_JSON_TYPES = {
    'str': 'string',
    'int': 'int',
    'bool': 'boolean',
    'number': 'number',
    'any': 'value',
    'null': 'null',
}


def c_name(name):
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


def camel_to_upper(name):
    out = re.sub(r'(?<=[a-z0-9])([A-Z])', r'_\1', name)
    return c_name(out).upper()


C_KEYWORDS = {
    'auto', 'bool', 'break', 'case', 'char', 'const', 'continue', 'default',
    'do', 'double', 'else', 'enum', 'extern', 'float', 'for', 'goto', 'if',
    'inline', 'int', 'long', 'register', 'restrict', 'return', 'short',
    'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union',
    'unsigned', 'void', 'volatile', 'while', 'errp',
}


# Upper-case member names QEMU's wire format has and clients read.
MEMBER_NAME_EXCEPTIONS = {'UUID'}


class Member:
    def __init__(self, name, typ, optional, features):
        self.name = name
        self.type_name = typ
        self.optional = optional
        self.features = features
        self.type = None            # resolved

    @property
    def c_name(self):
        # A C keyword (or the handler's errp) gets a q_ prefix.
        name = c_name(self.name)
        return 'q_' + name if name in C_KEYWORDS else name


class Entity:
    meta = None

    def __init__(self, name, info, features=()):
        self.name = name
        self.info = info
        self.features = list(features)


class BuiltinType(Entity):
    meta = 'builtin'


class ArrayType(Entity):
    meta = 'array'

    def __init__(self, element):
        super().__init__('[%s]' % element.name, None)
        self.element = element


class EnumType(Entity):
    meta = 'enum'

    def __init__(self, name, info, values, external):
        super().__init__(name, info)
        self.values = values
        self.external = external    # header defining the C enum, or None
        self.prefix = camel_to_upper(name)

    def c_value(self, value):
        return '%s_%s' % (self.prefix, c_name(value).upper())


class ObjectType(Entity):
    meta = 'object'

    def __init__(self, name, info, members, features=(), implicit=False):
        super().__init__(name, info, features)
        self.members = members
        self.implicit = implicit
        self.tag = None
        self.variants = []          # (value, ObjectType) of a union

    @property
    def c_type(self):
        return c_name(self.name)


class Command(Entity):
    meta = 'command'

    def __init__(self, name, info, arg_type, ret_type, gen, features):
        super().__init__(name, info, features)
        self.arg_type = arg_type
        self.ret_type = ret_type
        self.gen = gen


class Event(Entity):
    meta = 'event'

    def __init__(self, name, info, arg_type):
        super().__init__(name, info)
        self.arg_type = arg_type


_ALLOWED_KEYS = {
    'enum': {'enum', 'data', 'external'},
    'struct': {'struct', 'data', 'features'},
    'union': {'union', 'base', 'discriminator', 'data'},
    'command': {'command', 'data', 'returns', 'gen', 'features'},
    'event': {'event', 'data'},
}


class Schema:
    def __init__(self, defs, defines=()):
        self.defines = set(defines)
        self.types = {}
        self.commands = []
        self.events = []
        self.empty = ObjectType('q_empty', None, [], implicit=True)
        for name in BUILTIN_JSON_TYPES:
            self.types[name] = BuiltinType(name, None)
        self.types['q_empty'] = self.empty
        self._unresolved = []
        for d in defs:
            self._define(d)
        for member, info in self._unresolved:
            member.type = self.resolve(member.type_name, info)
        for cmd in self.commands:
            if cmd.ret_type is not None:
                cmd.ret_type = self.resolve(cmd.ret_type, cmd.info)
        for t in list(self.types.values()):
            if isinstance(t, ObjectType) and t.tag:
                self._check_union(t)

    def _fail(self, d, msg):
        raise SchemaError('%s: %s' % (d.where(), msg))

    def _add_type(self, d, t):
        if t.name in self.types:
            self._fail(d, "'%s' is already defined" % t.name)
        self.types[t.name] = t

    def _members(self, d, data):
        if not isinstance(data, dict):
            self._fail(d, "'data' must be an object of members")
        members = []
        for key, typ in data.items():
            features = []
            if isinstance(typ, dict):
                features = typ.get('features', [])
                typ = typ['type']
            optional = key.startswith('*')
            name = key[1:] if optional else key
            if not re.fullmatch(r'[a-z][a-z0-9_-]*', name) and \
                    name not in MEMBER_NAME_EXCEPTIONS:
                self._fail(d, "member name '%s' is not lower-case" % name)
            m = Member(name, typ, optional, features)
            self._unresolved.append((m, d))
            members.append(m)
        return members

    def _define(self, d):
        e = d.expr
        kind = next((k for k in _ALLOWED_KEYS if k in e), None)
        if kind is None:
            self._fail(d, 'unknown definition %s' % sorted(e))
        extra = set(e) - _ALLOWED_KEYS[kind]
        if extra:
            self._fail(d, "unknown key(s) %s in %s" % (sorted(extra), kind))
        name = e[kind]
        if kind == 'enum':
            self._add_type(d, EnumType(name, d, self._enum_values(d, e),
                                       e.get('external')))
        elif kind == 'struct':
            self._add_type(d, ObjectType(name, d, self._members(d, e['data']),
                                         e.get('features', [])))
        elif kind == 'union':
            t = ObjectType(name, d, self._members(d, e['base']))
            t.tag = e['discriminator']
            t.variants = list(e['data'].items())
            self._add_type(d, t)
        elif kind == 'command':
            arg = self._implicit(d, 'q_obj_%s-arg' % name, e.get('data'))
            ret = e.get('returns')
            self.commands.append(Command(name, d, arg, ret,
                                         e.get('gen', True),
                                         e.get('features', [])))
        elif kind == 'event':
            arg = self._implicit(d, 'q_obj_%s-arg' % name, e.get('data'))
            self.events.append(Event(name, d, arg))

    def _enum_values(self, d, e):
        values = []
        for v in e['data']:
            if isinstance(v, dict):
                if set(v) - {'name', 'if'} or 'name' not in v:
                    self._fail(d, 'an enum value is "name" or '
                               '{"name": ..., "if": ...}')
                if v.get('if') and v['if'] not in self.defines:
                    continue
                v = v['name']
            values.append(v)
        if e.get('external') and len(values) != len(e['data']):
            self._fail(d, 'an external enum cannot have conditional values')
        return values

    def _implicit(self, d, name, data):
        if data is None or data == {}:
            return self.empty
        if isinstance(data, str):
            return data             # resolved below by the back ends
        t = ObjectType(name, d, self._members(d, data), implicit=True)
        self._add_type(d, t)
        return t

    def _check_union(self, t):
        tag = next((m for m in t.members if m.name == t.tag), None)
        if not tag or not isinstance(tag.type, EnumType):
            self._fail(t.info, "discriminator '%s' must be an enum member"
                       % t.tag)
        resolved = []
        for value, variant in t.variants:
            if value not in tag.type.values:
                self._fail(t.info, "'%s' is not a value of %s"
                           % (value, tag.type.name))
            resolved.append((value, self.resolve(variant, t.info)))
        t.variants = resolved

    def resolve(self, typ, d):
        if isinstance(typ, list):
            if len(typ) != 1:
                self._fail(d, 'a list type has exactly one element type')
            element = self.resolve(typ[0], d)
            name = '[%s]' % element.name
            if name not in self.types:
                self.types[name] = ArrayType(element)
            return self.types[name]
        if typ not in self.types:
            self._fail(d, "type '%s' is not defined" % typ)
        return self.types[typ]
