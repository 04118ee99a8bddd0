# SPDX-License-Identifier: GPL-2.0-or-later
"""
Command marshallers and the command table (qapi-commands.[ch]).

A generated command NAME has the handler
    RET qmp_NAME(ARG..., Error **errp);
with one C argument per schema member (an optional scalar comes as
has_ARG, ARG; an optional pointer is NULL when absent) and RET the C type
of "returns" (void without one).  The marshaller checks the "arguments"
object against the schema, calls the handler and turns the result into
JSON.  A command with "gen": false has the handler
    JsonNode *qmp_NAME(JsonObject *args, Error **errp);
and checks its own arguments (its members depend on a type name given at
run time, as with device_add).
"""
from .gen_types import (c_params, c_type, file_start, free_expr, is_pointer,
                        to_json_call)
from .schema import c_name


def handler_prototype(cmd):
    fn = 'qmp_%s' % c_name(cmd.name)
    if not cmd.gen:
        return 'JsonNode *%s(JsonObject *args, Error **errp)' % fn
    params = c_params(cmd.arg_type.members) + ['Error **errp']
    ret = c_type(cmd.ret_type) if cmd.ret_type else 'void'
    sep = '' if ret.endswith('*') else ' '
    return '%s%s%s(%s)' % (ret, sep, fn, ', '.join(params))


def gen_marshal(cmd, schema):
    fn = c_name(cmd.name)
    out = ['static JsonNode *qmp_marshal_%s(JsonObject *args, Error **errp)'
           % fn, '{']
    if not cmd.gen:
        out.append('    return qmp_%s(args, errp);\n}\n' % fn)
        return '\n'.join(out)
    at = cmd.arg_type
    if at is schema.empty:
        out.append('    static const char *const known[] = { NULL };')
    else:
        out.append('    g_autoptr(%s) arg = g_new0(%s, 1);'
                   % (at.c_type, at.c_type))
    out.append('    Error *err = NULL;')
    if cmd.ret_type:
        out.append('    %s%sret;' % (c_type(cmd.ret_type), '' if c_type(
            cmd.ret_type).endswith('*') else ' '))
    out.append('')
    if at is schema.empty:
        out.append('    if (!qapi_json_check_known(args, "", known, errp)) {')
    else:
        out.append('    if (!qapi_%s_fill(args, "", arg, errp)) {'
                   % at.c_type)
    out.append('        return NULL;\n    }')
    call = []
    for m in at.members:
        if m.optional and not is_pointer(m.type):
            call.append('arg->has_%s' % m.c_name)
        call.append('arg->%s' % m.c_name)
    call.append('&err')
    prefix = '    ret = ' if cmd.ret_type else '    '
    out.append('%sqmp_%s(%s);' % (prefix, fn, ', '.join(call)))
    out.append('    if (err) {')
    if cmd.ret_type:
        f = free_expr(cmd.ret_type, 'ret')
        if f:
            out.append('        ' + f.replace('\n    ', '\n        '))
    out.append('        error_propagate(errp, err);')
    out.append('        return NULL;\n    }')
    if cmd.ret_type:
        out.append('    {')
        out.append('        JsonNode *node = %s;\n' % to_json_call(
            cmd.ret_type, 'ret'))
        f = free_expr(cmd.ret_type, 'ret')
        if f:
            out.append('        ' + f.replace('\n    ', '\n        '))
        out.append('        return node;\n    }')
    else:
        out.append('    return qapi_json_empty_object();')
    out.append('}\n')
    return '\n'.join(out)


def generate(schema, prefix):
    h, c = file_start(prefix, 'commands', ['%s-types.h' % prefix],
                      ['monitor/qmp.h', '%s-commands.h' % prefix])
    for cmd in schema.commands:
        h.append('%s;' % handler_prototype(cmd))
    h.append('')
    h.append('#endif')
    for cmd in schema.commands:
        c.append(gen_marshal(cmd, schema))
    c.append('const QmpCommandDef qmp_command_table[] = {')
    for cmd in schema.commands:
        c.append('    { "%s", qmp_marshal_%s },' % (cmd.name,
                                                    c_name(cmd.name)))
    c.append('    { NULL, NULL }')
    c.append('};')
    return '\n'.join(h) + '\n', '\n'.join(c) + '\n'
