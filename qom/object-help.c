/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Property introspection for "-device X,help", "-object X,help" and
 * qom-list
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom-internal.h"

static ObjectPropertyInfo *info_new(ObjectProperty *prop)
{
    ObjectPropertyInfo *info = g_new0(ObjectPropertyInfo, 1);

    info->name = g_strdup(prop->name);
    info->type = g_strdup(prop->type);
    info->description = g_strdup(prop->description);
    info->default_value = object_property_get_default_str(prop);
    return info;
}

static gint info_cmp_name(gconstpointer a, gconstpointer b)
{
    const ObjectPropertyInfo *ia = *(ObjectPropertyInfo *const *)a;
    const ObjectPropertyInfo *ib = *(ObjectPropertyInfo *const *)b;

    return g_strcmp0(ia->name, ib->name);
}

static GPtrArray *class_property_list(ObjectClass *klass, bool with_links)
{
    GPtrArray *list = qapi_ObjectPropertyInfoList_new();
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    object_class_property_iter_init(&iter, klass);
    while ((prop = object_property_iter_next(&iter))) {
        if (!with_links && (object_property_is_child(prop) ||
                            object_property_is_link(prop))) {
            continue;
        }
        g_ptr_array_add(list, info_new(prop));
    }
    g_ptr_array_sort(list, info_cmp_name);
    return list;
}

GPtrArray *object_class_property_list(const char *typename, bool with_links,
                                      Error **errp)
{
    ObjectClass *klass = object_class_by_name(typename);

    if (!klass) {
        error_setg(errp, "Invalid object type '%s'", typename);
        return NULL;
    }
    return class_property_list(klass, with_links);
}

char *object_class_describe_properties(ObjectClass *klass)
{
    g_autoptr(GPtrArray) list = class_property_list(klass, true);
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        ObjectPropertyInfo *info = g_ptr_array_index(list, i);
        g_autofree char *head = g_strdup_printf("  %s=<%s>", info->name,
                                                info->type);

        g_string_append(out, head);
        if (info->description || info->default_value) {
            /* Descriptions line up in a column, as QEMU's do. */
            g_string_append_printf(out, "%*s", MAX(0, 24 - (int)strlen(head)),
                                   "");
            g_string_append_printf(out, " - %s",
                                   info->description ? info->description
                                                     : "");
            if (info->default_value) {
                g_string_append_printf(out, "%s(default: %s)",
                                       info->description ? " " : "",
                                       info->default_value);
            }
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, false);
}

GPtrArray *object_property_list(Object *obj)
{
    GPtrArray *list = qapi_ObjectPropertyInfoList_new();
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    for (guint i = 0; i < obj->property_order->len; i++) {
        g_ptr_array_add(list,
                        info_new(g_ptr_array_index(obj->property_order, i)));
    }
    object_class_property_iter_init(&iter, obj->class);
    while ((prop = object_property_iter_next(&iter))) {
        g_ptr_array_add(list, info_new(prop));
    }
    return list;
}
