/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace events: registry, pattern enabling, output
 *
 * The generated code (scripts/tracetool.py) owns the TraceEvent objects
 * and registers them from constructors, before main().  This file only
 * flips their "enabled" flags and prints.
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qemu/trace.h"
#include "util/trace.h"

/* Guards everything below; events read their flag without it. */
static GMutex trace_lock;
static GHashTable *trace_events;        /* name -> TraceEvent */
/* Every pattern applied so far, in order, for events registered later. */
static GPtrArray *trace_patterns;
static FILE *trace_out;                 /* NULL means stderr */

static bool pattern_is_glob(const char *pattern)
{
    return strpbrk(pattern, "*?") != NULL;
}

/* Applies one pattern ("name", "glob*", "-glob*"); returns the matches. */
static unsigned apply_pattern(TraceEvent *ev, const char *pattern)
{
    bool enable = pattern[0] != '-';
    const char *glob = enable ? pattern : pattern + 1;

    if (!g_pattern_match_simple(glob, ev->name)) {
        return 0;
    }
    ev->enabled = enable;
    return 1;
}

/* Called with trace_lock held. */
static void trace_init_tables(void)
{
    if (!trace_events) {
        trace_events = g_hash_table_new(g_str_hash, g_str_equal);
        trace_patterns = g_ptr_array_new_with_free_func(g_free);
    }
}

void trace_register_events(TraceEvent *const *events, size_t n)
{
    size_t i, j;

    g_mutex_lock(&trace_lock);
    trace_init_tables();
    for (i = 0; i < n; i++) {
        g_hash_table_insert(trace_events, (gpointer)events[i]->name,
                            events[i]);
        for (j = 0; j < trace_patterns->len; j++) {
            apply_pattern(events[i], g_ptr_array_index(trace_patterns, j));
        }
    }
    g_mutex_unlock(&trace_lock);
}

static bool enable_one_pattern(const char *pattern, Error **errp)
{
    GHashTableIter iter;
    gpointer ev;
    unsigned matches = 0;

    g_mutex_lock(&trace_lock);
    trace_init_tables();
    g_ptr_array_add(trace_patterns, g_strdup(pattern));
    g_hash_table_iter_init(&iter, trace_events);
    while (g_hash_table_iter_next(&iter, NULL, &ev)) {
        matches += apply_pattern(ev, pattern);
    }
    g_mutex_unlock(&trace_lock);

    if (!matches && !pattern_is_glob(pattern)) {
        error_setg(errp, "Trace event '%s' does not exist",
                   pattern[0] == '-' ? pattern + 1 : pattern);
        return false;
    }
    return true;
}

bool trace_enable_events(const char *patterns, Error **errp)
{
    g_auto(GStrv) list = g_strsplit(patterns, ",", -1);
    int i;

    for (i = 0; list[i]; i++) {
        g_strstrip(list[i]);
        if (list[i][0] && !enable_one_pattern(list[i], errp)) {
            return false;
        }
    }
    return true;
}

bool trace_enable_events_from_file(const char *path, Error **errp)
{
    g_autofree char *contents = NULL;
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) lines = NULL;
    int i;

    if (!g_file_get_contents(path, &contents, NULL, &gerr)) {
        error_setg(errp, "Could not read trace events file: %s",
                   gerr->message);
        return false;
    }
    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        g_strstrip(lines[i]);
        if (lines[i][0] == '#') {
            continue;
        }
        if (!trace_enable_events(lines[i], errp)) {
            error_prepend(errp, "%s:%d: ", path, i + 1);
            return false;
        }
    }
    return true;
}

bool trace_event_is_enabled(const char *name)
{
    TraceEvent *ev;
    bool enabled;

    g_mutex_lock(&trace_lock);
    ev = trace_events ? g_hash_table_lookup(trace_events, name) : NULL;
    enabled = ev && ev->enabled;
    g_mutex_unlock(&trace_lock);
    return enabled;
}

void trace_list_events(FILE *out)
{
    GList *names, *l;

    g_mutex_lock(&trace_lock);
    trace_init_tables();
    names = g_list_sort(g_hash_table_get_keys(trace_events),
                        (GCompareFunc)g_strcmp0);
    for (l = names; l; l = l->next) {
        TraceEvent *ev = g_hash_table_lookup(trace_events, l->data);

        fprintf(out, "%s%s\n", ev->name, ev->enabled ? " (enabled)" : "");
    }
    g_mutex_unlock(&trace_lock);
    g_list_free(names);
}

bool trace_set_file(const char *path, Error **errp)
{
    FILE *f = NULL;

    if (path) {
        f = fopen(path, "w");
        if (!f) {
            error_setg_errno(errp, errno, "Could not open trace file '%s'",
                             path);
            return false;
        }
    }
    g_mutex_lock(&trace_lock);
    if (trace_out) {
        fclose(trace_out);
    }
    trace_out = f;
    g_mutex_unlock(&trace_lock);
    trace_util_trace_output(path ? path : "stderr");
    return true;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

bool trace_opt_parse(const char *optarg, Error **errp)
{
    g_autoptr(JsonObject) opts = NULL;
    const char *enable = NULL, *events = NULL, *file = NULL;
    bool help;

    opts = keyval_parse(optarg, "enable", &help, errp);
    if (!opts ||
        !optdict_get_str(opts, "enable", true, &enable, errp) ||
        !optdict_get_str(opts, "events", true, &events, errp) ||
        !optdict_get_str(opts, "file", true, &file, errp)) {
        return false;
    }
    if (help || (enable && is_help(enable))) {
        printf("Trace events:\n");
        trace_list_events(stdout);
        exit(0);
    }
    if (json_object_get_size(opts) != !!enable + !!events + !!file) {
        /* Name the unknown key. */
        optdict_remove(opts, "enable");
        optdict_remove(opts, "events");
        optdict_remove(opts, "file");
        return optdict_check_empty(opts, errp);
    }

    return (!file || trace_set_file(file, errp)) &&
           (!events || trace_enable_events_from_file(events, errp)) &&
           (!enable || trace_enable_events(enable, errp));
}

void trace_print(const TraceEvent *ev, const char *fmt, ...)
{
    g_autoptr(GString) line = g_string_new(NULL);
    gint64 now = g_get_real_time();
    va_list ap;

    g_string_append_printf(line, "%d@%" G_GINT64_FORMAT ".%06d:%s%s",
                           (int)getpid(), now / G_USEC_PER_SEC,
                           (int)(now % G_USEC_PER_SEC), ev->name,
                           *fmt ? " " : "");
    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    g_string_append_c(line, '\n');

    g_mutex_lock(&trace_lock);
    fwrite(line->str, 1, line->len, trace_out ? trace_out : stderr);
    fflush(trace_out ? trace_out : stderr);
    g_mutex_unlock(&trace_lock);
}
