/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FlatView rendering against a brute-force model
 *
 * Random region trees (containers, leaves with children, aliases of
 * aliases, overlapping priorities, disabled and readonly regions) are
 * rendered by the memory API and compared, byte by byte over the root's
 * 4 KiB, with a model that asks "who owns this address?" by walking the
 * tree directly.  The trees are then mutated and compared again.
 * MEMORY_TEST_SEED=<n> reproduces a failing run; the seed is printed.
 */
#include "qemu/osdep.h"
#include "system/memory.h"

#define SPACE 4096
#define MAX_REGIONS 24

typedef struct TRegion TRegion;

/* The test's own record of each region, independent of the API's. */
struct TRegion {
    MemoryRegion mr;
    int kind;                   /* KIND_* */
    uint64_t size;
    bool enabled;
    bool readonly;
    TRegion *alias;
    uint64_t alias_offset;
    TRegion *parent;
    uint64_t addr;
    int priority;
    uint64_t seq;               /* add order among siblings */
    GPtrArray *children;
};

enum { KIND_LEAF, KIND_CONTAINER, KIND_ALIAS };

typedef struct Tree {
    TRegion regs[MAX_REGIONS + 1];
    unsigned n;
    TRegion *root;
    AddressSpace as;
    uint64_t seq;
} Tree;

typedef struct Owner {
    const MemoryRegion *mr;
    uint64_t offset;
    bool readonly;
} Owner;

static guint32 seed;
static GRand *rng;

static unsigned rnd(unsigned n)
{
    return g_rand_int_range(rng, 0, n);
}

/* ------------------------------------------------------------------ */
/* The model                                                          */

static int child_rank(const void *a, const void *b)
{
    const TRegion *x = *(TRegion * const *)a, *y = *(TRegion * const *)b;

    /* Strongest first: higher priority, then added later. */
    if (x->priority != y->priority) {
        return x->priority > y->priority ? -1 : 1;
    }
    return x->seq > y->seq ? -1 : 1;
}

static bool model_owner(const TRegion *r, uint64_t a, bool ro, Owner *out)
{
    if (!r->enabled || a >= r->size) {
        return false;
    }
    ro |= r->readonly;
    if (r->kind == KIND_ALIAS) {
        return model_owner(r->alias, a + r->alias_offset, ro, out);
    }
    if (r->children) {
        TRegion *order[MAX_REGIONS + 1];
        unsigned n = r->children->len;

        memcpy(order, r->children->pdata, n * sizeof(order[0]));
        qsort(order, n, sizeof(order[0]), child_rank);
        for (unsigned i = 0; i < n; i++) {
            const TRegion *c = order[i];

            if (a >= c->addr && a - c->addr < c->size &&
                model_owner(c, a - c->addr, ro, out)) {
                return true;
            }
        }
    }
    if (r->kind == KIND_LEAF) {
        *out = (Owner) { &r->mr, a, ro };
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Building and mutating trees through the API                        */

static void tree_add_child(Tree *t, TRegion *parent, TRegion *child)
{
    child->addr = rnd(4) ? rnd(parent->size + 64) : 0;
    child->parent = parent;
    child->seq = ++t->seq;
    if (!parent->children) {
        parent->children = g_ptr_array_new();
    }
    g_ptr_array_add(parent->children, child);
    if (rnd(3)) {
        child->priority = (int)rnd(5) - 2;
        memory_region_add_subregion_overlap(&parent->mr, child->addr,
                                            &child->mr, child->priority);
    } else {
        child->priority = 0;
        memory_region_add_subregion(&parent->mr, child->addr, &child->mr);
    }
}

static void tree_del_child(TRegion *child)
{
    TRegion *parent = child->parent;

    g_ptr_array_remove(parent->children, child);
    child->parent = NULL;
    memory_region_del_subregion(&parent->mr, &child->mr);
}

/*
 * Region i may only contain or alias regions created before it, which
 * rules out cycles.
 */
static void tree_build(Tree *t)
{
    memset(t, 0, sizeof(*t));
    t->n = 2 + rnd(MAX_REGIONS - 1);

    memory_region_transaction_begin();
    for (unsigned i = 0; i < t->n; i++) {
        TRegion *r = &t->regs[i];
        g_autofree char *name = g_strdup_printf("r%u", i);

        r->size = 1 + rnd(rnd(4) ? 1024 : SPACE);
        r->enabled = rnd(10) != 0;
        r->readonly = rnd(10) == 0;
        r->kind = i == 0 ? KIND_LEAF : rnd(3);

        if (r->kind == KIND_ALIAS) {
            r->alias = &t->regs[rnd(i)];
            r->alias_offset = rnd(r->alias->size + 32);
            memory_region_init_alias(&r->mr, NULL, name, &r->alias->mr,
                                     r->alias_offset, r->size);
        } else if (r->kind == KIND_CONTAINER) {
            memory_region_init(&r->mr, NULL, name, r->size);
        } else {
            memory_region_init_io(&r->mr, NULL, NULL, r, name, r->size);
        }
        if (!r->enabled) {
            memory_region_set_enabled(&r->mr, false);
        }
        if (r->readonly) {
            memory_region_set_readonly(&r->mr, true);
        }
        if (r->kind != KIND_ALIAS) {
            for (unsigned j = 0; j < i; j++) {
                if (!t->regs[j].parent && rnd(3) == 0) {
                    tree_add_child(t, r, &t->regs[j]);
                }
            }
        }
    }

    t->root = &t->regs[t->n];
    t->root->kind = KIND_CONTAINER;
    t->root->size = SPACE;
    t->root->enabled = true;
    memory_region_init(&t->root->mr, NULL, "root", SPACE);
    for (unsigned j = 0; j < t->n; j++) {
        if (!t->regs[j].parent && rnd(4)) {
            tree_add_child(t, t->root, &t->regs[j]);
        }
    }
    memory_region_transaction_commit();
    address_space_init(&t->as, &t->root->mr, "test");
}

static void tree_mutate(Tree *t)
{
    TRegion *r = &t->regs[rnd(t->n)];

    switch (rnd(6)) {
    case 0:
        r->enabled = !r->enabled;
        memory_region_set_enabled(&r->mr, r->enabled);
        break;
    case 1:
        if (r->parent) {
            uint64_t addr = rnd(r->parent->size + 64);

            /* Moving re-adds: it becomes the newest of its priority. */
            if (addr != r->addr) {
                r->addr = addr;
                r->seq = ++t->seq;
            }
            memory_region_set_address(&r->mr, addr);
        }
        break;
    case 2:
        if (r->kind == KIND_ALIAS) {
            r->alias_offset = rnd(r->alias->size + 32);
            memory_region_set_alias_offset(&r->mr, r->alias_offset);
        }
        break;
    case 3:
        if (r->parent) {
            tree_del_child(r);
        } else {
            tree_add_child(t, t->root, r);
        }
        break;
    case 4:
        r->readonly = !r->readonly;
        memory_region_set_readonly(&r->mr, r->readonly);
        break;
    default:
        r->size = 1 + rnd(1024);
        memory_region_set_size(&r->mr, r->size);
        break;
    }
}

static void tree_free(Tree *t)
{
    address_space_destroy(&t->as);
    memory_region_transaction_begin();
    for (int i = t->n; i >= 0; i--) {
        memory_region_finalize(&t->regs[i].mr);
        if (t->regs[i].children) {
            g_ptr_array_free(t->regs[i].children, TRUE);
        }
    }
    memory_region_transaction_commit();
}

/* ------------------------------------------------------------------ */
/* Checking                                                           */

static bool sections_mergeable(const MemoryRegionSection *a,
                               const MemoryRegionSection *b)
{
    return a->mr == b->mr && a->readonly == b->readonly &&
           a->offset_within_address_space + int128_get64(a->size) ==
               b->offset_within_address_space &&
           a->offset_within_region + int128_get64(a->size) ==
               b->offset_within_region;
}

static void fail(unsigned iter, const char *what, uint64_t addr)
{
    g_test_message("seed %u, tree %u: %s at 0x%" PRIx64
                   " (rerun with MEMORY_TEST_SEED=%u)",
                   seed, iter, what, addr, seed);
    g_test_fail();
}

static bool tree_check(Tree *t, unsigned iter)
{
    FlatView *fv = address_space_get_flatview(&t->as);
    Owner expect[SPACE];
    bool have[SPACE];
    bool seen[SPACE] = { false };
    uint64_t prev_end = 0;
    bool ok = true;

    for (uint64_t a = 0; a < SPACE; a++) {
        have[a] = model_owner(t->root, a, false, &expect[a]);
    }
    for (unsigned i = 0; i < flatview_nr_sections(fv) && ok; i++) {
        MemoryRegionSection s = flatview_section(fv, i);
        uint64_t start = s.offset_within_address_space;
        uint64_t size = int128_get64(s.size);

        if (!size || start < prev_end || start + size > SPACE) {
            fail(iter, "misplaced section", start);
            ok = false;
            break;
        }
        if (i > 0) {
            MemoryRegionSection p = flatview_section(fv, i - 1);
            if (sections_mergeable(&p, &s)) {
                fail(iter, "unmerged neighbours", start);
                ok = false;
            }
        }
        prev_end = start + size;
        for (uint64_t a = start; a < start + size && ok; a++) {
            uint64_t off = s.offset_within_region + (a - start);

            seen[a] = true;
            if (!have[a] || expect[a].mr != s.mr ||
                expect[a].offset != off ||
                expect[a].readonly != s.readonly) {
                fail(iter, "wrong owner", a);
                ok = false;
            }
        }
    }
    for (uint64_t a = 0; a < SPACE && ok; a++) {
        if (have[a] && !seen[a]) {
            fail(iter, "missing owner", a);
            ok = false;
        }
    }
    flatview_unref(fv);
    return ok;
}

static void test_random_trees(void)
{
    const unsigned trees = g_test_quick() ? 1500 : 4000;
    const char *env = g_getenv("MEMORY_TEST_SEED");

    seed = env ? (guint32)g_ascii_strtoull(env, NULL, 10) : 20261124;
    g_test_message("seed %u", seed);
    rng = g_rand_new_with_seed(seed);

    for (unsigned iter = 0; iter < trees; iter++) {
        g_autofree Tree *t = g_new(Tree, 1);
        bool ok;

        tree_build(t);
        ok = tree_check(t, iter);
        for (unsigned m = 0; m < 4 && ok; m++) {
            if (rnd(2)) {
                /* Several changes in one transaction. */
                memory_region_transaction_begin();
                tree_mutate(t);
                tree_mutate(t);
                memory_region_transaction_commit();
            } else {
                tree_mutate(t);
            }
            ok = tree_check(t, iter);
        }
        tree_free(t);
        if (!ok) {
            break;
        }
    }
    g_rand_free(rng);
}

/* ------------------------------------------------------------------ */
/* Directed cases                                                     */

typedef struct Expect {
    uint64_t start, size;
    const MemoryRegion *mr;
    uint64_t offset;
} Expect;

static void check_view(AddressSpace *as, const Expect *e, unsigned n)
{
    FlatView *fv = address_space_get_flatview(as);

    g_assert_cmpuint(flatview_nr_sections(fv), ==, n);
    for (unsigned i = 0; i < n; i++) {
        MemoryRegionSection s = flatview_section(fv, i);

        g_assert_cmphex(s.offset_within_address_space, ==, e[i].start);
        g_assert_cmphex(int128_get64(s.size), ==, e[i].size);
        g_assert_true(s.mr == e[i].mr);
        g_assert_cmphex(s.offset_within_region, ==, e[i].offset);
    }
    flatview_unref(fv);
}

static void test_equal_priority_later_wins(void)
{
    MemoryRegion root, a, b;
    AddressSpace as;

    memory_region_init(&root, NULL, "root", 0x1000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x100);
    memory_region_init_io(&b, NULL, NULL, NULL, "b", 0x100);
    address_space_init(&as, &root, "as");
    memory_region_add_subregion_overlap(&root, 0x0, &a, 1);
    memory_region_add_subregion_overlap(&root, 0x80, &b, 1);
    check_view(&as, (Expect[]) {
        { 0x0, 0x80, &a, 0 }, { 0x80, 0x100, &b, 0 },
    }, 2);
    /* Moving a re-adds it, so now it is the newer one. */
    memory_region_set_address(&a, 0x40);
    check_view(&as, (Expect[]) {
        { 0x40, 0x100, &a, 0 }, { 0x140, 0x40, &b, 0xc0 },
    }, 2);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
}

static void test_full_64bit_space(void)
{
    MemoryRegion root, ram, alias;
    AddressSpace as;
    FlatView *fv;
    MemoryRegionSection s;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    g_assert_cmphex(memory_region_size(&root), ==, UINT64_MAX);
    memory_region_init_io(&ram, NULL, NULL, NULL, "big", UINT64_MAX);
    memory_region_init_alias(&alias, NULL, "top", &ram, 0x1000, 0x1000);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion_overlap(&root, UINT64_MAX - 0xfff, &alias, 1);
    address_space_init(&as, &root, "as");
    fv = address_space_get_flatview(&as);
    g_assert_cmpuint(flatview_nr_sections(fv), ==, 2);
    s = flatview_section(fv, 0);
    g_assert_true(int128_eq(s.size, int128_make64(UINT64_MAX - 0xfff)));
    s = flatview_section(fv, 1);
    g_assert_cmphex(s.offset_within_address_space, ==, UINT64_MAX - 0xfff);
    g_assert_cmphex(s.offset_within_region, ==, 0x1000);
    g_assert_true(int128_eq(s.size, int128_make64(0x1000)));
    flatview_unref(fv);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
}

static void test_transaction_batches(void)
{
    MemoryRegion root, a;
    AddressSpace as;
    FlatView *before, *after;

    memory_region_init(&root, NULL, "root", 0x1000);
    memory_region_init_io(&a, NULL, NULL, NULL, "a", 0x100);
    address_space_init(&as, &root, "as");
    before = address_space_to_flatview(&as);

    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0x100, &a);
    memory_region_transaction_begin();
    memory_region_set_address(&a, 0x200);
    memory_region_transaction_commit();
    g_assert_cmpuint(memory_region_transaction_depth(), ==, 1);
    /* Still inside the outer transaction: nothing rendered yet. */
    g_assert_true(address_space_to_flatview(&as) == before);
    memory_region_transaction_commit();
    after = address_space_to_flatview(&as);
    g_assert_true(after != before);
    check_view(&as, (Expect[]) { { 0x200, 0x100, &a, 0 } }, 1);

    /* A change that is no change does not re-render. */
    memory_region_set_enabled(&a, true);
    memory_region_transaction_begin();
    memory_region_transaction_commit();
    g_assert_true(address_space_to_flatview(&as) == after);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/flatview/random-trees", test_random_trees);
    g_test_add_func("/memory/flatview/equal-priority",
                    test_equal_priority_later_wins);
    g_test_add_func("/memory/flatview/full-64bit", test_full_64bit_space);
    g_test_add_func("/memory/flatview/transactions", test_transaction_batches);
    return g_test_run();
}
