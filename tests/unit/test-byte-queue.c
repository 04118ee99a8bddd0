/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output queue of the socket chardev: FIFO order, and sending costs
 * work linear in the bytes sent whatever the peer's pace
 *
 * A large QMP or qtest reply used to be trimmed from the front of its
 * buffer after every send(), moving the rest each time: a 300 MB echo
 * took minutes.  Time is not something a test may assert on, so these
 * count the bytes the queue moves instead.
 */
#include "qemu/osdep.h"
#include "qemu/byte-queue.h"

/* Random appends and partial consumes agree with a plain string. */
static void test_fifo(void)
{
    ByteQueue q;
    GString *model = g_string_new(NULL);
    GRand *rand = g_rand_new_with_seed(42);
    uint8_t chunk[3000];
    uint32_t next = 0;

    byte_queue_init(&q);
    for (int round = 0; round < 20000; round++) {
        size_t len = g_rand_int_range(rand, 0, sizeof(chunk));
        size_t pending, take;
        const uint8_t *data;

        for (size_t i = 0; i < len; i++) {
            chunk[i] = next++ * 7 + 3;
        }
        byte_queue_append(&q, chunk, len);
        g_string_append_len(model, (const char *)chunk, len);

        data = byte_queue_peek(&q, &pending);
        g_assert_cmpuint(pending, ==, model->len);
        g_assert_cmpuint(byte_queue_pending(&q), ==, pending);
        g_assert_true(memcmp(data, model->str, pending) == 0);

        take = pending ? g_rand_int_range(rand, 0, pending + 1) : 0;
        byte_queue_consume(&q, take);
        g_string_erase(model, 0, take);
    }
    byte_queue_clear(&q);
    g_assert_cmpuint(byte_queue_pending(&q), ==, 0);
    byte_queue_destroy(&q);
    g_rand_free(rand);
    g_string_free(model, TRUE);
}

/*
 * One reply of @total bytes sent @step bytes at a time (a socket buffer
 * per send), with @extra more bytes appended after every send (replies
 * that keep coming while the first drains).
 */
static uint64_t moved_for(size_t total, size_t step, size_t extra,
                          uint64_t *sent)
{
    ByteQueue q;
    g_autofree uint8_t *reply = g_malloc0(total);
    uint8_t more[512] = { 0 };
    uint64_t moved;

    g_assert_cmpuint(extra, <=, sizeof(more));
    byte_queue_init(&q);
    byte_queue_append(&q, reply, total);
    *sent = 0;
    while (byte_queue_pending(&q)) {
        size_t n = MIN(step, byte_queue_pending(&q));

        byte_queue_consume(&q, n);
        *sent += n;
        if (*sent < total) {
            byte_queue_append(&q, more, extra);
        }
    }
    moved = q.moved;
    byte_queue_destroy(&q);
    return moved;
}

static void test_linear(void)
{
    static const struct {
        size_t total, step, extra;
    } cases[] = {
        { 64 * 1024 * 1024, 4096, 0 },      /* one 64 MiB reply */
        { 8 * 1024 * 1024, 1, 0 },          /* a peer that takes a byte */
        { 16 * 1024 * 1024, 4096, 512 },    /* replies keep arriving */
        { 16 * 1024 * 1024, 212992, 100 },  /* Linux's default sndbuf */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint64_t sent;
        uint64_t moved = moved_for(cases[i].total, cases[i].step,
                                   cases[i].extra, &sent);

        /*
         * Trimming after every send would move about total^2 / (2 step)
         * bytes (32 TiB for the byte-at-a-time case).  Lazy compaction
         * moves at most what was sent.
         */
        if (g_test_verbose()) {
            g_test_message("total %zu step %zu extra %zu: sent %" PRIu64
                           ", moved %" PRIu64, cases[i].total,
                           cases[i].step, cases[i].extra, sent, moved);
        }
        g_assert_cmpuint(moved, <=, sent);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/byte-queue/fifo", test_fifo);
    g_test_add_func("/byte-queue/linear", test_linear);
    return g_test_run();
}
