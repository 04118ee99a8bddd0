# SPDX-License-Identifier: GPL-2.0-or-later
"""
C types of the schema and their JSON conversions (qapi-types.[ch]).

Mapping: str -> char *, int -> int64_t, bool -> bool, number -> double,
any -> JsonNode *, enum -> its C enum, struct -> pointer to its struct,
[T] -> GPtrArray * of T (T a pointer type: str, any or a struct; the
array frees its elements).  An optional scalar member has a has_NAME
flag; an optional pointer member is NULL when absent.  Unions are
described to introspection only and have no C type.
"""
from .schema import ArrayType, BuiltinType, EnumType, ObjectType, c_name

SCALAR_C = {'int': 'int64_t', 'bool': 'bool', 'number': 'double'}
POINTER_C = {'str': 'char *', 'any': 'JsonNode *'}


class Unsupported(Exception):
    pass


def is_pointer(t):
    return (isinstance(t, BuiltinType) and t.name in POINTER_C) or \
        isinstance(t, (ArrayType, ObjectType))


def c_type(t, const=False):
    if isinstance(t, BuiltinType):
        if t.name in SCALAR_C:
            return SCALAR_C[t.name]
        if t.name == 'str' and const:
            return 'const char *'
        if t.name in POINTER_C:
            return POINTER_C[t.name]
    if isinstance(t, EnumType):
        return t.name
    if isinstance(t, ArrayType):
        element_free(t.element)
        return 'GPtrArray *'
    if isinstance(t, ObjectType) and not t.tag:
        return '%s *' % t.c_type
    raise Unsupported('%s has no C type' % t.name)


def element_free(t):
    """The GDestroyNotify of a list element of type @t."""
    if isinstance(t, BuiltinType) and t.name == 'str':
        return 'g_free'
    if isinstance(t, BuiltinType) and t.name == 'any':
        return '(GDestroyNotify)json_node_unref'
    if isinstance(t, ObjectType) and not t.tag:
        return '(GDestroyNotify)qapi_free_%s' % t.c_type
    raise Unsupported('lists of %s are not supported' % t.name)


def has_c(t):
    try:
        if isinstance(t, ObjectType):
            if t.tag:
                return False
            for m in t.members:
                c_type(m.type)
        return True
    except Unsupported:
        return False


def free_expr(t, expr):
    if isinstance(t, BuiltinType) and t.name == 'str':
        return 'g_free(%s);' % expr
    if isinstance(t, BuiltinType) and t.name == 'any':
        return 'if (%s) {\n        json_node_unref(%s);\n    }' % (expr, expr)
    if isinstance(t, ArrayType):
        return 'if (%s) {\n        g_ptr_array_unref(%s);\n    }' % (expr, expr)
    if isinstance(t, ObjectType):
        return 'qapi_free_%s(%s);' % (t.c_type, expr)
    return None


def from_json_call(t, node, name, out):
    """C expression converting JsonNode @node named @name into *@out."""
    if isinstance(t, BuiltinType):
        return 'qapi_json_to_%s(%s, %s, %s, errp)' % (t.name, node, name, out)
    if isinstance(t, EnumType):
        return ('qapi_json_to_enum(%s, %s, %s_str, (int *)%s, errp)'
                % (node, name, c_name(t.name), out))
    if isinstance(t, ArrayType):
        return 'qapi_%s_from_json(%s, %s, %s, errp)' % (
            list_c_name(t), node, name, out)
    return 'qapi_%s_from_json(%s, %s, %s, errp)' % (t.c_type, node, name, out)


def to_json_call(t, expr):
    if isinstance(t, BuiltinType):
        return 'qapi_json_from_%s(%s)' % (t.name, expr)
    if isinstance(t, EnumType):
        return 'qapi_json_from_str(%s_str[%s])' % (c_name(t.name), expr)
    if isinstance(t, ArrayType):
        return 'qapi_%s_to_json(%s)' % (list_c_name(t), expr)
    return 'qapi_%s_to_json(%s)' % (t.c_type, expr)


def list_c_name(t):
    e = t.element
    return '%sList' % (e.c_type if isinstance(e, ObjectType) else e.name)


def gen_enum_h(t):
    out = []
    if t.external:
        out.append('/* %s is defined in %s. */' % (t.name, t.external))
    else:
        out.append('typedef enum %s {' % t.name)
        for v in t.values:
            out.append('    %s,' % t.c_value(v))
        out.append('    %s__MAX' % t.prefix)
        out.append('} %s;' % t.name)
    out.append('extern const char *const %s_str[];' % c_name(t.name))
    return '\n'.join(out) + '\n'


def gen_enum_c(t):
    out = ['const char *const %s_str[] = {' % c_name(t.name)]
    for v in t.values:
        out.append('    [%s] = "%s",' % (t.c_value(v), v))
    out.append('    NULL')
    out.append('};')
    for i, v in enumerate(t.values):
        out.append('G_STATIC_ASSERT(%s == %d);' % (t.c_value(v), i))
    out.append('G_STATIC_ASSERT(%s__MAX == %d);' % (t.prefix, len(t.values)))
    return '\n'.join(out) + '\n'


def gen_struct_h(t):
    out = ['typedef struct %s {' % t.c_type]
    for m in t.members:
        if m.optional and not is_pointer(m.type):
            out.append('    bool has_%s;' % m.c_name)
        out.append('    %s%s;' % (c_type(m.type).ljust(1) if
                                  c_type(m.type).endswith('*') else
                                  c_type(m.type) + ' ', m.c_name))
    if not t.members:
        out.append('    char unused;    /* C has no empty structs */')
    out.append('} %s;' % t.c_type)
    out.append('void qapi_free_%s(%s *obj);' % (t.c_type, t.c_type))
    out.append('G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)'
               % (t.c_type, t.c_type))
    out.append('/* A new array that frees its elements. */')
    out.append('GPtrArray *qapi_%sList_new(void);' % t.c_type)
    out.append('bool qapi_%s_fill(JsonObject *o, const char *prefix, '
               '%s *obj, Error **errp);' % (t.c_type, t.c_type))
    out.append('bool qapi_%s_from_json(JsonNode *node, const char *name, '
               '%s **out, Error **errp);' % (t.c_type, t.c_type))
    out.append('JsonNode *qapi_%s_to_json(const %s *obj);'
               % (t.c_type, t.c_type))
    out.append('bool qapi_%sList_from_json(JsonNode *node, const char *name, '
               'GPtrArray **out, Error **errp);' % t.c_type)
    out.append('JsonNode *qapi_%sList_to_json(GPtrArray *arr);' % t.c_type)
    return '\n'.join(out) + '\n'


def gen_struct_c(t):
    ct = t.c_type
    out = []
    # free
    out.append('void qapi_free_%s(%s *obj)\n{' % (ct, ct))
    out.append('    if (!obj) {\n        return;\n    }')
    for m in t.members:
        f = free_expr(m.type, 'obj->%s' % m.c_name)
        if f:
            out.append('    ' + f)
    out.append('    g_free(obj);\n}\n')
    out.append('GPtrArray *qapi_%sList_new(void)\n{' % ct)
    out.append('    return g_ptr_array_new_with_free_func('
               '(GDestroyNotify)qapi_free_%s);\n}\n' % ct)
    # fill from a JSON object
    out.append('bool qapi_%s_fill(JsonObject *o, const char *prefix, '
               '%s *obj, Error **errp)\n{' % (ct, ct))
    out.append('    static const char *const known[] = {')
    for m in t.members:
        out.append('        "%s",' % m.name)
    out.append('        NULL\n    };')
    if t.members:
        out.append('    JsonNode *node;')
    for m in t.members:
        out.append('')
        out.append('    node = json_object_get_member(o, "%s");' % m.name)
        out.append('    if (node) {')
        out.append('        g_autofree char *name = '
                   'g_strconcat(prefix, "%s", NULL);\n' % m.name)
        out.append('        if (!%s) {' % from_json_call(
            m.type, 'node', 'name', '&obj->%s' % m.c_name))
        out.append('            return false;\n        }')
        if m.optional and not is_pointer(m.type):
            out.append('        obj->has_%s = true;' % m.c_name)
        if m.optional:
            out.append('    }')
        else:
            out.append('    } else {')
            out.append('        qapi_json_missing(prefix, "%s", errp);'
                       % m.name)
            out.append('        return false;\n    }')
    out.append('    return qapi_json_check_known(o, prefix, known, errp);')
    out.append('}\n')
    # from a JSON node (a nested member)
    out.append('bool qapi_%s_from_json(JsonNode *node, const char *name, '
               '%s **out, Error **errp)\n{' % (ct, ct))
    out.append('    g_autoptr(%s) obj = g_new0(%s, 1);' % (ct, ct))
    out.append('    g_autofree char *prefix = NULL;')
    out.append('    JsonObject *o;\n')
    out.append('    if (!qapi_json_to_object(node, name, &o, errp)) {')
    out.append('        return false;\n    }')
    out.append('    prefix = g_strconcat(name, ".", NULL);')
    out.append('    if (!qapi_%s_fill(o, prefix, obj, errp)) {' % ct)
    out.append('        return false;\n    }')
    out.append('    *out = g_steal_pointer(&obj);')
    out.append('    return true;\n}\n')
    # to JSON
    out.append('JsonNode *qapi_%s_to_json(const %s *obj)\n{' % (ct, ct))
    out.append('    JsonObject *o = json_object_new();')
    out.append('    JsonNode *node = json_node_new(JSON_NODE_OBJECT);\n')
    for m in t.members:
        ref = 'obj->%s' % m.c_name
        cond = None
        if m.optional:
            cond = ref if is_pointer(m.type) else 'obj->has_%s' % m.c_name
        elif is_pointer(m.type):
            cond = ref   # a NULL mandatory pointer is a handler bug
        setter = '    json_object_set_member(o, "%s", %s);' % (
            m.name, to_json_call(m.type, ref))
        if cond:
            out.append('    if (%s) {\n    %s\n    }' % (cond, setter))
        else:
            out.append(setter)
    out.append('    json_node_take_object(node, o);')
    out.append('    return node;\n}\n')
    out.append(gen_list_c(ct, from_json_call(t, 'el', 'el_name', '&e'),
                          to_json_call(t, 'e'), '%s *' % ct,
                          '(GDestroyNotify)qapi_free_%s' % ct))
    return '\n'.join(out) + '\n'


def gen_list_c(name, from_call, to_call, ctype, free_fn):
    return '''bool qapi_%(name)sList_from_json(JsonNode *node, const char *name,
        GPtrArray **out, Error **errp)
{
    g_autoptr(GPtrArray) arr = g_ptr_array_new_with_free_func(%(free)s);
    JsonArray *ja;

    if (!qapi_json_to_array(node, name, &ja, errp)) {
        return false;
    }
    for (guint i = 0; i < json_array_get_length(ja); i++) {
        JsonNode *el = json_array_get_element(ja, i);
        g_autofree char *el_name = g_strdup_printf("%%s[%%u]", name, i);
        %(ctype)se = NULL;

        if (!%(from)s) {
            return false;
        }
        g_ptr_array_add(arr, e);
    }
    *out = g_steal_pointer(&arr);
    return true;
}

JsonNode *qapi_%(name)sList_to_json(GPtrArray *arr)
{
    JsonArray *ja = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    for (guint i = 0; arr && i < arr->len; i++) {
        %(ctype)se = g_ptr_array_index(arr, i);

        json_array_add_element(ja, %(to)s);
    }
    json_node_take_array(node, ja);
    return node;
}
''' % {'name': name, 'from': from_call, 'to': to_call, 'ctype': ctype,
       'free': free_fn}


def gen_builtin_lists_c():
    out = []
    for name, ctype, free in (('str', 'char *', 'g_free'),
                              ('any', 'JsonNode *',
                               '(GDestroyNotify)json_node_unref')):
        t = BuiltinType(name, None)
        out.append(gen_list_c(name, from_json_call(t, 'el', 'el_name', '&e'),
                              to_json_call(t, 'e'), ctype, free))
    return '\n'.join(out)


BUILTIN_LISTS_H = '''bool qapi_strList_from_json(JsonNode *node, const char *name,
                           GPtrArray **out, Error **errp);
JsonNode *qapi_strList_to_json(GPtrArray *arr);
bool qapi_anyList_from_json(JsonNode *node, const char *name,
                           GPtrArray **out, Error **errp);
JsonNode *qapi_anyList_to_json(GPtrArray *arr);
'''


def generate(schema, prefix):
    enums = [t for t in schema.types.values()
             if isinstance(t, EnumType)]
    structs = [t for t in schema.types.values()
               if isinstance(t, ObjectType) and t is not schema.empty and
               has_c(t)]
    # A struct is declared before the structs that contain it by pointer
    # only, so forward typedefs are enough.
    h = ['/* Generated by scripts/qapi-gen.py from the schema in qapi/. */',
         '#ifndef %s_TYPES_H' % prefix.upper(),
         '#define %s_TYPES_H' % prefix.upper(),
         '',
         '#include "qapi/qapi-json.h"']
    for t in enums:
        if t.external:
            h.append('#include "%s"' % t.external)
    h.append('')
    h.append(BUILTIN_LISTS_H)
    for t in enums:
        h.append(gen_enum_h(t))
    for t in structs:
        h.append('typedef struct %s %s;' % (t.c_type, t.c_type))
    h.append('')
    for t in structs:
        h.append(gen_struct_h(t).replace('typedef struct %s {' % t.c_type,
                                         'struct %s {' % t.c_type, 1)
                 .replace('} %s;' % t.c_type, '};', 1))
    h.append('#endif')
    c = ['/* Generated by scripts/qapi-gen.py from the schema in qapi/. */',
         '#include "qemu/osdep.h"',
         '#include "%s-types.h"' % prefix, '']
    c.append(gen_builtin_lists_c())
    for t in enums:
        c.append(gen_enum_c(t))
    for t in structs:
        c.append(gen_struct_c(t))
    return '\n'.join(h) + '\n', '\n'.join(c)
