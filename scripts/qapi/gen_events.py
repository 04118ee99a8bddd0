# SPDX-License-Identifier: GPL-2.0-or-later
"""
Event senders (qapi-events.[ch]): for each event NAME,
    void qapi_event_send_NAME(ARG...);
with the arguments of a command handler (see gen_commands.py).  It builds
the "data" member from the schema and hands it to qmp_event_send().
"""
from .gen_types import c_params, file_start, is_pointer, to_json_call
from .schema import c_name


def prototype(ev):
    params = c_params(ev.arg_type.members)
    return 'void qapi_event_send_%s(%s)' % (c_name(ev.name.lower()),
                                            ', '.join(params) or 'void')


def gen_event(ev, schema):
    out = [prototype(ev), '{']
    if ev.arg_type is schema.empty:
        out.append('    qmp_event_send("%s", NULL);\n}\n' % ev.name)
        return '\n'.join(out)
    out.append('    g_autoptr(JsonObject) data = json_object_new();\n')
    for m in ev.arg_type.members:
        setter = '    json_object_set_member(data, "%s", %s);' % (
            m.name, to_json_call(m.type, m.c_name))
        if m.optional:
            cond = m.c_name if is_pointer(m.type) else 'has_%s' % m.c_name
            out.append('    if (%s) {\n    %s\n    }' % (cond, setter))
        else:
            out.append(setter)
    out.append('    qmp_event_send("%s", data);\n}\n' % ev.name)
    return '\n'.join(out)


def generate(schema, prefix):
    h, c = file_start(prefix, 'events', ['%s-types.h' % prefix],
                      ['monitor/qmp.h', '%s-events.h' % prefix])
    for ev in schema.events:
        h.append('%s;' % prototype(ev))
    h.append('\n#endif')
    for ev in schema.events:
        c.append(gen_event(ev, schema))
    return '\n'.join(h) + '\n', '\n'.join(c)
