/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: what -object and QMP object-add make
 *
 * A type opts in by implementing the TYPE_USER_CREATABLE interface.  Such
 * objects live at /objects/ID; the id must be well formed (a letter, then
 * letters, digits, '-', '.', '_').  Creation sets the properties in the
 * order given, then calls the interface's complete(); deletion asks
 * can_be_deleted() first.
 */
#ifndef QOM_OBJECT_INTERFACES_H
#define QOM_OBJECT_INTERFACES_H

#include "qom/object.h"

#define TYPE_USER_CREATABLE "user-creatable"

typedef struct UserCreatableClass UserCreatableClass;
DECLARE_CLASS_CHECKERS(UserCreatableClass, USER_CREATABLE,
                       TYPE_USER_CREATABLE)
#define USER_CREATABLE(obj) \
    INTERFACE_CHECK(UserCreatable, (obj), TYPE_USER_CREATABLE)

typedef struct UserCreatable UserCreatable;   /* an Object, opaquely */

struct UserCreatableClass {
    InterfaceClass parent_class;

    /* Called once all properties are set; may refuse.  Optional. */
    bool (*complete)(UserCreatable *uc, Error **errp);
    /* false while something uses the object.  Optional (default true). */
    bool (*can_be_deleted)(UserCreatable *uc);
};

/* Runs complete() if the type has one. */
bool user_creatable_complete(UserCreatable *uc, Error **errp);
bool user_creatable_can_be_deleted(UserCreatable *uc);

/* QEMU's id rule: a letter first, then letters, digits, '-', '.', '_'. */
bool id_wellformed(const char *id);

/*
 * Creates an object of type with id, applies props (may be NULL; every
 * member is a property, see object_set_properties_from_json()), completes
 * it and adds it as /objects/ID.  Returns the object (owned by the tree,
 * not the caller) or NULL with *errp set:
 *   "invalid object type: TYPE"
 *   "object type 'TYPE' isn't supported by object-add"
 *   "object type 'TYPE' is abstract"
 *   "Parameter 'id' expects an identifier"
 *   "attempt to add duplicate property 'ID' to object (type 'container')"
 *   or a property's or complete()'s error.
 */
Object *user_creatable_add_type(const char *type, const char *id,
                                JsonObject *props, bool keyval, Error **errp);

/*
 * Same, taking "qom-type" and "id" from dict (the rest are properties).
 * This is what -object (keyval = true) and object-add (false) call.
 * Missing members: "Parameter 'qom-type' is missing" / "Parameter 'id' is
 * missing".
 */
Object *user_creatable_add_from_json(JsonObject *dict, bool keyval,
                                     Error **errp);

/*
 * Removes /objects/ID: "object 'ID' not found" if absent,
 * "object 'ID' is in use, can not be deleted" if can_be_deleted() says
 * no.  The object is finalized once its last reference goes.
 */
bool user_creatable_del(const char *id, Error **errp);

/* Unparents every object under /objects (at exit). */
void user_creatable_cleanup(void);

/*
 * Help for -object: with type "help", lists the user-creatable types; with
 * opts containing "help" (or type ending in ",help"), lists type's
 * properties.  Returns the text, or NULL if no help was asked for.  Unknown
 * types give "invalid object type: TYPE\n".  Caller frees.
 */
char *user_creatable_help_text(const char *type, JsonObject *opts);
/* Prints user_creatable_help_text() to stdout; true if it printed. */
bool user_creatable_print_help(const char *type, JsonObject *opts);

#endif
