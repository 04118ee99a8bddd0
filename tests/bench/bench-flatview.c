/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FlatView benchmark: render 10,000 sections, then change one region
 *
 * Prints sections/second for a full render and for a one-region update
 * (render plus diff), and asserts that the update told the listener
 * about the one region that moved and nothing else.
 *
 * Usage: bench-flatview [SECTIONS [UPDATES]]
 */
#include "qemu/osdep.h"
#include "system/memory.h"

#define REGION_SIZE 0x1000ULL
#define STRIDE      0x2000ULL   /* gaps keep every region its own section */

typedef struct Counter {
    MemoryListener l;
    uint64_t begins, commits, adds, dels;
} Counter;

static void count_begin(MemoryListener *l)
{
    container_of(l, Counter, l)->begins++;
}

static void count_commit(MemoryListener *l)
{
    container_of(l, Counter, l)->commits++;
}

static void count_add(MemoryListener *l, MemoryRegionSection *s)
{
    container_of(l, Counter, l)->adds++;
}

static void count_del(MemoryListener *l, MemoryRegionSection *s)
{
    container_of(l, Counter, l)->dels++;
}

static void counter_reset(Counter *c)
{
    c->begins = c->commits = c->adds = c->dels = 0;
}

static uint64_t callbacks(const Counter *c)
{
    return c->begins + c->commits + c->adds + c->dels;
}

static const MemoryRegionOps nop_ops = {
    .endianness = DEVICE_LITTLE_ENDIAN,
};

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? atoi(argv[1]) : 10000;
    unsigned updates = argc > 2 ? atoi(argv[2]) : 200;
    unsigned renders = 20;
    MemoryRegion root;
    g_autofree MemoryRegion *regs = NULL;
    AddressSpace as, probe;
    Counter c = {
        .l = { .begin = count_begin, .commit = count_commit,
               .region_add = count_add, .region_del = count_del,
               .name = "bench" },
    };
    MemoryRegion *moved;
    hwaddr home, away;
    double t;
    gint64 start;

    if (n < 2 || updates < 1) {
        fprintf(stderr, "bench-flatview: need at least 2 sections and "
                "1 update\n");
        return 1;
    }
    regs = g_new0(MemoryRegion, n);
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    address_space_init(&as, &root, "bench");
    memory_listener_register(&c.l, &as);

    /* Build: one transaction, one render, n region_add callbacks. */
    start = g_get_monotonic_time();
    memory_region_transaction_begin();
    for (unsigned i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("r%u", i);

        memory_region_init_io(&regs[i], NULL, &nop_ops, NULL, name,
                              REGION_SIZE);
        memory_region_add_subregion(&root, i * STRIDE, &regs[i]);
    }
    memory_region_transaction_commit();
    t = (g_get_monotonic_time() - start) / 1e6;
    g_assert_cmpuint(flatview_nr_sections(address_space_to_flatview(&as)),
                     ==, n);
    g_assert_cmpuint(c.adds, ==, n);
    g_assert_cmpuint(c.dels, ==, 0);
    printf("build:  %u sections in %.3f ms (%.0f sections/s, "
           "%" PRIu64 " region_add)\n", n, t * 1e3, n / t, c.adds);

    /* Pure rendering: a second address space on the same root. */
    start = g_get_monotonic_time();
    for (unsigned i = 0; i < renders; i++) {
        address_space_init(&probe, &root, "probe");
        address_space_destroy(&probe);
    }
    t = (g_get_monotonic_time() - start) / 1e6 / renders;
    printf("render: %u sections in %.3f ms (%.0f sections/s)\n",
           n, t * 1e3, n / t);

    /* One-region update: move one region back and forth. */
    moved = &regs[n / 2];
    home = memory_region_get_address(moved);
    away = n * STRIDE;
    counter_reset(&c);
    start = g_get_monotonic_time();
    for (unsigned i = 0; i < updates; i++) {
        memory_region_set_address(moved, i % 2 ? home : away);
    }
    t = (g_get_monotonic_time() - start) / 1e6 / updates;
    /* Each update: begin, one region_del, one region_add, commit. */
    g_assert_cmpuint(c.begins, ==, updates);
    g_assert_cmpuint(c.commits, ==, updates);
    g_assert_cmpuint(c.dels, ==, updates);
    g_assert_cmpuint(c.adds, ==, updates);
    printf("update: 1 of %u sections in %.3f ms (%.0f sections/s), "
           "%.0f listener callbacks per update\n",
           n, t * 1e3, n / t, (double)callbacks(&c) / updates);

    /* Disabling one region: exactly one region_del. */
    counter_reset(&c);
    memory_region_set_enabled(&regs[1], false);
    g_assert_cmpuint(c.dels, ==, 1);
    g_assert_cmpuint(c.adds, ==, 0);

    memory_listener_unregister(&c.l);
    address_space_destroy(&as);
    memory_region_transaction_begin();
    memory_region_finalize(&root);
    for (unsigned i = 0; i < n; i++) {
        memory_region_finalize(&regs[i]);
    }
    memory_region_transaction_commit();
    return 0;
}
