/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The accelerator registry, "-machine accel=" selection and query-kvm
 * (see include/system/accel-info.h).
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/qapi-commands.h"
#include "system/accel-info.h"

typedef struct Accel {
    const char *name;
    AccelInitFunc *init;
} Accel;

static GArray *accels;          /* of Accel */
static const char *current;

static bool qtest_accel_init(Error **errp)
{
    return true;
}

/* The table, with qtest (no host support needed) always in it. */
static GArray *accel_table(void)
{
    if (!accels) {
        static const Accel qtest = { "qtest", qtest_accel_init };

        accels = g_array_new(false, false, sizeof(Accel));
        g_array_append_val(accels, qtest);
    }
    return accels;
}

static const Accel *accel_find(const char *name)
{
    GArray *table = accel_table();

    for (guint i = 0; i < table->len; i++) {
        Accel *a = &g_array_index(table, Accel, i);

        if (!strcmp(a->name, name)) {
            return a;
        }
    }
    return NULL;
}

void accel_register(const char *name, AccelInitFunc *init)
{
    Accel a = { name, init };

    g_assert(!accel_find(name));
    g_array_append_val(accel_table(), a);
}

bool accel_exists(const char *name)
{
    return accel_find(name) != NULL;
}

const char *accel_current(void)
{
    return current;
}

bool accel_init_by_name(const char *name, Error **errp)
{
    const Accel *a = accel_find(name);

    if (!a) {
        error_setg(errp, "invalid accelerator %s", name);
        return false;
    }
    if (!a->init(errp)) {
        return false;
    }
    current = a->name;
    return true;
}

bool accel_select(const char *list)
{
    g_auto(GStrv) names = g_strsplit(list, ":", -1);
    bool failed = false;

    /* As QEMU: every unknown name is reported before any is tried. */
    for (int i = 0; names[i]; i++) {
        if (!accel_exists(names[i])) {
            error_report("invalid accelerator %s", names[i]);
            failed = true;
        }
    }
    for (int i = 0; names[i]; i++) {
        Error *err = NULL;

        if (!accel_exists(names[i])) {
            continue;
        }
        if (accel_init_by_name(names[i], &err)) {
            if (failed) {
                error_report("falling back to %s", names[i]);
            }
            return true;
        }
        error_report("failed to initialize %s: %s", names[i],
                     error_get_pretty(err));
        error_free(err);
        failed = true;
    }
    if (!failed) {
        error_report("no accelerator found");
    }
    return false;
}

KvmInfo *qmp_query_kvm(Error **errp)
{
    KvmInfo *info = g_new0(KvmInfo, 1);

    info->present = accel_exists("kvm");
    info->enabled = current && !strcmp(current, "kvm");
    return info;
}
