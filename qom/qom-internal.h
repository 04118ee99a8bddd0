/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the qom/ files share with each other and nobody else
 */
#ifndef QOM_QOM_INTERNAL_H
#define QOM_QOM_INTERNAL_H

#include "qom/object.h"

/* object-props.c */
void object_property_free(gpointer data);
/* Applies each class property's init hook to a new instance. */
void object_class_property_init_all(Object *obj);
/* Releases every property of a dying object, children included. */
void object_property_del_all(Object *obj);

/* object-tree.c */
bool object_property_is_child(ObjectProperty *prop);
bool object_property_is_link(ObjectProperty *prop);

#endif
