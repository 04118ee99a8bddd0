/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP soak: 100,000 mixed commands (queries, commands that fail in the
 * argument checks and deeper, getfd/closefd with real fds) against one
 * QEMU, then QEMU's resident memory and open fds are compared with their
 * values after a warm-up.  A per-reply leak of even 100 bytes shows as
 * megabytes here; the bounds are about growth, never about time.
 *
 * Requests go in batches (one write, then one reply line each) so the
 * run costs little more than QEMU's own work.
 */
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define TOTAL_COMMANDS  100000
#define WARMUP_COMMANDS 10000
#define BATCH           50
/* Allocator noise: far below what a leak of 100 B/command would add. */
#define MAX_RSS_GROWTH_KB 4096

typedef struct SoakCommand {
    const char *json;
    bool ok;                    /* a return, else an error */
} SoakCommand;

static const SoakCommand mix[] = {
    { "{\"execute\": \"query-commands\"}", true },
    { "{\"execute\": \"query-version\", \"id\": 1}", true },
    { "{\"execute\": \"query-status\", \"id\": \"s\"}", true },
    { "{\"execute\": \"query-fdsets\"}", true },
    { "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/machine\"}}",
      true },
    { "{\"execute\": \"qmp_capabilities\"}", false },
    { "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"m\", \"size\": 0}}", false },
    { "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"nosuch\", \"id\": \"x\"}}", false },
    { "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"iommufd\", \"id\": \"i\", \"fd\": \"nosuch\"}}", false },
    { "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
      "\"nosuch\"}}", false },
    { "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
      "\"vfio-pci\", \"host\": \"0000:ff:1f.7\", \"id\": \"v\"}}", false },
    { "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nope\"}}",
      false },
    { "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"nope\"}}",
      false },
    { "{\"execute\": \"frob\", \"id\": [1, {\"a\": null}]}", false },
    { "{\"execute\": \"query-status\", \"execute\": \"x\"}", false },
    { "[1, 2, \"\\u00e9\"]", false },
};

/* Sends @count commands of the mix from @start; checks each reply. */
static void run_batch(QTestState *s, unsigned start, unsigned count)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (unsigned i = 0; i < count; i++) {
        g_string_append(out, mix[(start + i) % G_N_ELEMENTS(mix)].json);
        g_string_append_c(out, '\n');
    }
    qtest_qmp_send_raw(s, out->str);
    for (unsigned i = 0; i < count; i++) {
        const SoakCommand *c = &mix[(start + i) % G_N_ELEMENTS(mix)];
        g_autofree char *line = qtest_qmp_receive_line(s);

        if (c->ok != g_str_has_prefix(line, "{\"return\"")) {
            g_error("%s -> %s", c->json, line);
        }
    }
}

/*
 * The paths that move real fds: getfd then closefd, and getfd then an
 * object-add that takes the fd by name and refuses it (not /dev/iommu).
 */
static void fd_round_trip(QTestState *s, int fd)
{
    g_autoptr(JsonObject) rsp = NULL;

    qtest_qmp_getfd(s, fd, "soak");
    rsp = qtest_qmp(s, "{'execute': 'closefd', "
                       "'arguments': {'fdname': 'soak'}}");
    qmp_expect_return(rsp);
    g_clear_pointer(&rsp, json_object_unref);
    qtest_qmp_getfd(s, fd, "soak");
    rsp = qtest_qmp(s, "{'execute': 'object-add', 'arguments': "
                       "{'qom-type': 'iommufd', 'id': 'i', 'fd': 'soak'}}");
    qmp_expect_error(rsp, "GenericError");
}

static void run_commands(QTestState *s, unsigned *done, unsigned until,
                         int fd)
{
    while (*done < until) {
        unsigned n = MIN(BATCH, until - *done);

        run_batch(s, *done, n);
        fd_round_trip(s, fd);
        *done += n + 4;         /* and the fd round trip's four */
    }
}

static void test_soak(void)
{
    QTestState *s = qtest_init("-S");
    int fd = open("/dev/null", O_RDONLY);
    unsigned done = 0;
    long rss_before, rss_after;
    int fds_before, fds_after;

    g_assert_cmpint(fd, >=, 0);
    run_commands(s, &done, WARMUP_COMMANDS, fd);
    rss_before = qtest_rss_kb(s);
    fds_before = qtest_open_fds(s);
    run_commands(s, &done, TOTAL_COMMANDS, fd);
    rss_after = qtest_rss_kb(s);
    fds_after = qtest_open_fds(s);
    g_test_message("%u commands: RSS %ld -> %ld KiB, fds %d -> %d", done,
                   rss_before, rss_after, fds_before, fds_after);
    g_assert_cmpint(fds_after, ==, fds_before);
    g_assert_cmpint(rss_after - rss_before, <=, MAX_RSS_GROWTH_KB);
    close(fd);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/qmp/soak", test_soak);
    return g_test_run();
}
