/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MemoryListener contract: replay, exact differences, ordering
 */
#include "qemu/osdep.h"
#include "system/memory.h"

/* ------------------------------------------------------------------ */
/* A listener that records what it hears                              */

typedef struct Event {
    char kind;                  /* b(egin) c(ommit) a(dd) d(el) n(op) s/t log */
    int who;
    const MemoryRegion *mr;
    uint64_t start, size, offset;
    bool readonly;
} Event;

typedef struct RecListener {
    MemoryListener l;
    int who;
} RecListener;

static GArray *events;

static void record(MemoryListener *l, char kind, MemoryRegionSection *s)
{
    Event e = { .kind = kind, .who = container_of(l, RecListener, l)->who };

    if (s) {
        e.mr = s->mr;
        e.start = s->offset_within_address_space;
        e.size = int128_get64(s->size);
        e.offset = s->offset_within_region;
        e.readonly = s->readonly;
    }
    g_array_append_val(events, e);
}

static void rec_begin(MemoryListener *l) { record(l, 'b', NULL); }
static void rec_commit(MemoryListener *l) { record(l, 'c', NULL); }
static void rec_add(MemoryListener *l, MemoryRegionSection *s)
{
    record(l, 'a', s);
}
static void rec_del(MemoryListener *l, MemoryRegionSection *s)
{
    record(l, 'd', s);
}
static void rec_log_start(MemoryListener *l, MemoryRegionSection *s,
                          int old, int new)
{
    record(l, 's', s);
}
static void rec_log_stop(MemoryListener *l, MemoryRegionSection *s,
                         int old, int new)
{
    record(l, 't', s);
}

static void rec_init(RecListener *r, int who, unsigned priority)
{
    /* Forget what listeners of earlier tests said while unregistering. */
    g_array_set_size(events, 0);
    *r = (RecListener) {
        .l = {
            .begin = rec_begin,
            .commit = rec_commit,
            .region_add = rec_add,
            .region_del = rec_del,
            .log_start = rec_log_start,
            .log_stop = rec_log_stop,
            .priority = priority,
            .name = "rec",
        },
        .who = who,
    };
}

/* "b a:0x0+0x100 c" style summary of the events of listener @who. */
static char *summary(int who)
{
    GString *s = g_string_new(NULL);

    for (unsigned i = 0; i < events->len; i++) {
        Event *e = &g_array_index(events, Event, i);

        if (who >= 0 && e->who != who) {
            continue;
        }
        if (s->len) {
            g_string_append_c(s, ' ');
        }
        if (who < 0) {
            g_string_append_printf(s, "%d", e->who);
        }
        g_string_append_c(s, e->kind);
        if (e->mr) {
            g_string_append_printf(s, ":%s@0x%" PRIx64 "+0x%" PRIx64,
                                   memory_region_name(e->mr), e->start,
                                   e->size);
        }
    }
    g_array_set_size(events, 0);
    return g_string_free(s, FALSE);
}

static void clear_events(void)
{
    g_array_set_size(events, 0);
}

#define assert_events(who, expect) do {         \
        g_autofree char *_s = summary(who);     \
        g_assert_cmpstr(_s, ==, expect);        \
    } while (0)

/* ------------------------------------------------------------------ */

static void test_replay_and_unregister(void)
{
    MemoryRegion root, a, b, c;
    AddressSpace as;
    RecListener r;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x100);
    memory_region_init_io(&b, NULL, NULL, NULL, "b", 0x100);
    memory_region_init_io(&c, NULL, NULL, NULL, "c", 0x100);
    memory_region_add_subregion(&root, 0x3000, &c);
    memory_region_add_subregion(&root, 0x1000, &a);
    memory_region_add_subregion(&root, 0x2000, &b);
    address_space_init(&as, &root, "as");

    rec_init(&r, 0, 0);
    memory_listener_register(&r.l, &as);
    assert_events(0, "b a:a@0x1000+0x100 a:b@0x2000+0x100 "
                  "a:c@0x3000+0x100 c");
    memory_listener_unregister(&r.l);
    assert_events(0, "b d:c@0x3000+0x100 d:b@0x2000+0x100 "
                  "d:a@0x1000+0x100 c");
    /* Not registered any more: hears nothing. */
    memory_region_set_address(&a, 0x5000);
    assert_events(0, "");
    memory_listener_unregister(&r.l);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&c);
}

static void test_difference_only(void)
{
    MemoryRegion root, a, b, over;
    AddressSpace as;
    RecListener r;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x1000);
    memory_region_init_io(&b, NULL, NULL, NULL, "b", 0x1000);
    memory_region_init_io(&over, NULL, NULL, NULL, "over", 0x100);
    memory_region_add_subregion(&root, 0x0, &a);
    memory_region_add_subregion(&root, 0x4000, &b);
    address_space_init(&as, &root, "as");
    rec_init(&r, 0, 0);
    memory_listener_register(&r.l, &as);
    clear_events();

    /* Covering the middle of a splits it: a is replaced by three pieces. */
    memory_region_add_subregion_overlap(&root, 0x800, &over, 1);
    assert_events(0, "b d:a@0x0+0x1000 a:a@0x0+0x800 a:over@0x800+0x100 "
                  "a:a@0x900+0x700 c");
    /* b is untouched by any of this. */
    memory_region_set_enabled(&over, false);
    assert_events(0, "b d:a@0x0+0x800 d:over@0x800+0x100 d:a@0x900+0x700 "
                  "a:a@0x0+0x1000 c");
    /* Readonly changes the section. */
    memory_region_set_readonly(&b, true);
    assert_events(0, "b d:b@0x4000+0x1000 a:b@0x4000+0x1000 c");
    /* Dirty logging does not: log_start/log_stop only. */
    memory_region_set_log(&b, true, DIRTY_MEMORY_VGA);
    assert_events(0, "b s:b@0x4000+0x1000 c");
    memory_region_set_log(&b, false, DIRTY_MEMORY_VGA);
    assert_events(0, "b t:b@0x4000+0x1000 c");
    /* No change, no callbacks at all. */
    memory_region_set_readonly(&b, true);
    memory_region_transaction_begin();
    memory_region_transaction_commit();
    assert_events(0, "");

    memory_listener_unregister(&r.l);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&over);
}

static void test_priority_order(void)
{
    MemoryRegion root, a, b;
    AddressSpace as;
    RecListener r[3];
    const unsigned prio[3] = { 10, 0, 5 };

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x100);
    memory_region_init_io(&b, NULL, NULL, NULL, "b", 0x100);
    memory_region_add_subregion(&root, 0x0, &a);
    address_space_init(&as, &root, "as");
    for (int i = 0; i < 3; i++) {
        rec_init(&r[i], i, prio[i]);
        memory_listener_register(&r[i].l, &as);
    }
    clear_events();

    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &a);
    memory_region_add_subregion(&root, 0x1000, &b);
    memory_region_transaction_commit();
    /* Forward (begin, add, commit) by ascending priority, del descending. */
    assert_events(-1, "1b 2b 0b 0d:a@0x0+0x100 2d:a@0x0+0x100 "
                  "1d:a@0x0+0x100 1a:b@0x1000+0x100 2a:b@0x1000+0x100 "
                  "0a:b@0x1000+0x100 1c 2c 0c");

    for (int i = 0; i < 3; i++) {
        memory_listener_unregister(&r[i].l);
    }
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

static void test_other_address_space(void)
{
    MemoryRegion root1, root2, a;
    AddressSpace as1, as2;
    RecListener r;

    memory_region_init(&root1, NULL, "root1", 0x10000);
    memory_region_init(&root2, NULL, "root2", 0x10000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x100);
    address_space_init(&as1, &root1, "as1");
    address_space_init(&as2, &root2, "as2");
    rec_init(&r, 0, 0);
    memory_listener_register(&r.l, &as1);
    assert_events(0, "b c");
    memory_region_add_subregion(&root2, 0, &a);
    /* Brackets of the global transaction only. */
    assert_events(0, "b c");
    memory_listener_unregister(&r.l);
    address_space_destroy(&as1);
    address_space_destroy(&as2);
    memory_region_finalize(&root1);
    memory_region_finalize(&root2);
    memory_region_finalize(&a);
}

/* ------------------------------------------------------------------ */
/* Global dirty logging                                               */

static int global_starts, global_stops;
static bool refuse_start;

static bool gl_start(MemoryListener *l, Error **errp)
{
    if (refuse_start && l->priority == 1) {
        error_setg(errp, "listener refuses dirty tracking");
        return false;
    }
    global_starts++;
    return true;
}

static void gl_stop(MemoryListener *l)
{
    global_stops++;
}

static void test_global_dirty_log(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    RecListener r0, r1;
    Error *err = NULL;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_ram(&ram, NULL, "ram", 0x1000, &error_abort);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "as");
    rec_init(&r0, 0, 0);
    rec_init(&r1, 1, 1);
    r0.l.log_global_start = r1.l.log_global_start = gl_start;
    r0.l.log_global_stop = r1.l.log_global_stop = gl_stop;
    memory_listener_register(&r0.l, &as);
    memory_listener_register(&r1.l, &as);
    clear_events();

    refuse_start = true;
    g_assert_false(memory_global_dirty_log_start(GLOBAL_DIRTY_MIGRATION,
                                                 &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    /* The one that had started was stopped again. */
    g_assert_cmpint(global_starts, ==, 1);
    g_assert_cmpint(global_stops, ==, 1);
    g_assert_cmpuint(memory_global_dirty_log_flags(), ==, 0);
    assert_events(-1, "");

    refuse_start = false;
    g_assert_true(memory_global_dirty_log_start(GLOBAL_DIRTY_MIGRATION,
                                                &error_abort));
    g_assert_cmpint(global_starts, ==, 3);
    /* RAM becomes logged for migration: log_start, not a new section. */
    assert_events(-1, "0b 1b 0s:ram@0x0+0x1000 1s:ram@0x0+0x1000 0c 1c");
    g_assert_true(memory_region_is_logging(&ram, DIRTY_MEMORY_MIGRATION));
    memory_global_dirty_log_stop(GLOBAL_DIRTY_MIGRATION);
    g_assert_cmpint(global_stops, ==, 3);
    assert_events(-1, "0b 1b 1t:ram@0x0+0x1000 0t:ram@0x0+0x1000 0c 1c");

    memory_listener_unregister(&r0.l);
    memory_listener_unregister(&r1.l);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&ram);
}

/* ------------------------------------------------------------------ */
/* Random changes: the listener's mirror must track the view exactly  */

#define NREG 16

typedef struct Mirror {
    MemoryListener l;
    GArray *sections;           /* Event, sorted by start */
    GArray *dels, *adds;        /* of the current commit */
    bool adding;                /* a region_add came in this commit */
    bool bad_order;
} Mirror;

static void mirror_begin(MemoryListener *l)
{
    Mirror *m = container_of(l, Mirror, l);

    g_array_set_size(m->dels, 0);
    g_array_set_size(m->adds, 0);
    m->adding = false;
}

static Event to_event(MemoryRegionSection *s)
{
    return (Event) {
        .mr = s->mr, .start = s->offset_within_address_space,
        .size = int128_get64(s->size), .offset = s->offset_within_region,
        .readonly = s->readonly,
    };
}

static bool event_equal(const Event *a, const Event *b)
{
    return a->mr == b->mr && a->start == b->start && a->size == b->size &&
           a->offset == b->offset && a->readonly == b->readonly;
}

static void mirror_add(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = container_of(l, Mirror, l);
    Event e = to_event(s);
    unsigned i;

    m->adding = true;
    if (m->adds->len &&
        g_array_index(m->adds, Event, m->adds->len - 1).start >= e.start) {
        m->bad_order = true;
    }
    g_array_append_val(m->adds, e);
    for (i = 0; i < m->sections->len; i++) {
        Event *x = &g_array_index(m->sections, Event, i);

        if (x->start + x->size > e.start && e.start + e.size > x->start) {
            m->bad_order = true;        /* overlaps a live section */
        }
        if (x->start > e.start) {
            break;
        }
    }
    g_array_insert_val(m->sections, i, e);
}

static void mirror_del(MemoryListener *l, MemoryRegionSection *s)
{
    Mirror *m = container_of(l, Mirror, l);
    Event e = to_event(s);

    if (m->adding ||
        (m->dels->len &&
         g_array_index(m->dels, Event, m->dels->len - 1).start >= e.start)) {
        m->bad_order = true;
    }
    g_array_append_val(m->dels, e);
    for (unsigned i = 0; i < m->sections->len; i++) {
        if (event_equal(&g_array_index(m->sections, Event, i), &e)) {
            g_array_remove_index(m->sections, i);
            return;
        }
    }
    m->bad_order = true;                /* deleted what was never added */
}

static bool in_view(const Event *e, GArray *view)
{
    for (unsigned i = 0; i < view->len; i++) {
        if (event_equal(&g_array_index(view, Event, i), e)) {
            return true;
        }
    }
    return false;
}

static GArray *view_of(AddressSpace *as)
{
    FlatView *fv = address_space_get_flatview(as);
    GArray *view = g_array_new(FALSE, FALSE, sizeof(Event));

    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection s = flatview_section(fv, i);
        Event e = to_event(&s);
        g_array_append_val(view, e);
    }
    flatview_unref(fv);
    return view;
}

static void test_random_differences(void)
{
    MemoryRegion root, regs[NREG];
    AddressSpace as;
    Mirror m = {
        .l = { .begin = mirror_begin, .region_add = mirror_add,
               .region_del = mirror_del },
    };
    GRand *rng = g_rand_new_with_seed(4242);
    g_autoptr(GArray) old_view = NULL;

    m.sections = g_array_new(FALSE, FALSE, sizeof(Event));
    m.dels = g_array_new(FALSE, FALSE, sizeof(Event));
    m.adds = g_array_new(FALSE, FALSE, sizeof(Event));
    memory_region_init(&root, NULL, "root", 0x10000);
    for (int i = 0; i < NREG; i++) {
        g_autofree char *name = g_strdup_printf("r%d", i);

        if (i >= 4 && i % 4 == 0) {
            memory_region_init_alias(&regs[i], NULL, name, &regs[i - 3],
                                     0x10 * i, 0x400);
        } else {
            memory_region_init_io(&regs[i], NULL, NULL, NULL, name,
                                  0x100 * (1 + i));
        }
    }
    address_space_init(&as, &root, "as");
    memory_listener_register(&m.l, &as);
    old_view = view_of(&as);

    for (int step = 0; step < 3000; step++) {
        MemoryRegion *r = &regs[g_rand_int_range(rng, 0, NREG)];
        g_autoptr(GArray) new_view = NULL;
        unsigned expect_dels = 0, expect_adds = 0;

        switch (g_rand_int_range(rng, 0, 4)) {
        case 0:
            if (memory_region_is_mapped(r)) {
                memory_region_del_subregion(&root, r);
            } else {
                memory_region_add_subregion_overlap(
                    &root, g_rand_int_range(rng, 0, 0x40) * 0x100, r,
                    g_rand_int_range(rng, -1, 2));
            }
            break;
        case 1:
            memory_region_set_enabled(r, !memory_region_is_enabled(r));
            break;
        case 2:
            memory_region_set_address(r, g_rand_int_range(rng, 0, 0x40) * 0x80);
            break;
        default:
            memory_region_set_readonly(r, !memory_region_is_readonly(r));
            break;
        }
        new_view = view_of(&as);
        for (unsigned i = 0; i < old_view->len; i++) {
            expect_dels += !in_view(&g_array_index(old_view, Event, i),
                                    new_view);
        }
        for (unsigned i = 0; i < new_view->len; i++) {
            expect_adds += !in_view(&g_array_index(new_view, Event, i),
                                    old_view);
        }
        g_assert_false(m.bad_order);
        g_assert_cmpuint(m.dels->len, ==, expect_dels);
        g_assert_cmpuint(m.adds->len, ==, expect_adds);
        g_assert_cmpuint(m.sections->len, ==, new_view->len);
        for (unsigned i = 0; i < new_view->len; i++) {
            g_assert_true(event_equal(&g_array_index(m.sections, Event, i),
                                      &g_array_index(new_view, Event, i)));
        }
        g_array_unref(old_view);
        old_view = g_steal_pointer(&new_view);
        /* Unchanged commits send nothing, so reset for the next step. */
        g_array_set_size(m.dels, 0);
        g_array_set_size(m.adds, 0);
    }

    memory_listener_unregister(&m.l);
    g_assert_cmpuint(m.sections->len, ==, 0);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    for (int i = NREG - 1; i >= 0; i--) {
        memory_region_finalize(&regs[i]);
    }
    g_array_free(m.sections, TRUE);
    g_array_free(m.dels, TRUE);
    g_array_free(m.adds, TRUE);
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    events = g_array_new(FALSE, FALSE, sizeof(Event));
    g_test_add_func("/memory/listener/replay", test_replay_and_unregister);
    g_test_add_func("/memory/listener/difference", test_difference_only);
    g_test_add_func("/memory/listener/priority", test_priority_order);
    g_test_add_func("/memory/listener/other-as", test_other_address_space);
    g_test_add_func("/memory/listener/global-dirty-log",
                    test_global_dirty_log);
    g_test_add_func("/memory/listener/random", test_random_differences);
    return g_test_run();
}
