/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Enumerations with user-visible names
 *
 * An enum property maps C enum values 0..size-1 to the strings the user
 * types.  The lookup table is static data owned by whoever defines the enum.
 */
#ifndef QOM_QOM_ENUM_H
#define QOM_QOM_ENUM_H

#include <glib.h>
#include <stdbool.h>

#include "qapi/error.h"

typedef struct QEnumLookup {
    const char *const *array;   /* array[value] is the name of value */
    int size;
} QEnumLookup;

/* Name of val, or NULL if val is out of range. */
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);

/* Value named str, or def if str is NULL or names nothing. */
int qapi_enum_parse(const QEnumLookup *lookup, const char *str, int def,
                    Error **errp);

/* "a/b/c": the allowed names, for help texts.  Caller frees. */
char *qapi_enum_list_names(const QEnumLookup *lookup, const char *sep);

/* The generic on/off/auto switch used by many devices. */
typedef enum OnOffAuto {
    ON_OFF_AUTO_AUTO,
    ON_OFF_AUTO_ON,
    ON_OFF_AUTO_OFF,
    ON_OFF_AUTO__MAX,
} OnOffAuto;

extern const QEnumLookup OnOffAuto_lookup;

typedef enum OnOffSplit {
    ON_OFF_SPLIT_ON,
    ON_OFF_SPLIT_OFF,
    ON_OFF_SPLIT_SPLIT,
    ON_OFF_SPLIT__MAX,
} OnOffSplit;

extern const QEnumLookup OnOffSplit_lookup;

#endif
