/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FIFO of bytes for output that is sent a piece at a time (see the
 * header for why it compacts lazily)
 */
#include "qemu/osdep.h"
#include "qemu/byte-queue.h"

void byte_queue_init(ByteQueue *q)
{
    q->buf = g_byte_array_new();
    q->head = 0;
    q->moved = 0;
}

void byte_queue_destroy(ByteQueue *q)
{
    g_clear_pointer(&q->buf, g_byte_array_unref);
    q->head = 0;
}

void byte_queue_append(ByteQueue *q, const void *data, size_t len)
{
    g_byte_array_append(q->buf, data, len);
}

size_t byte_queue_pending(const ByteQueue *q)
{
    return q->buf->len - q->head;
}

const uint8_t *byte_queue_peek(const ByteQueue *q, size_t *len)
{
    *len = byte_queue_pending(q);
    return q->buf->data + q->head;
}

void byte_queue_clear(ByteQueue *q)
{
    g_byte_array_set_size(q->buf, 0);
    q->head = 0;
}

void byte_queue_consume(ByteQueue *q, size_t n)
{
    g_assert(n <= byte_queue_pending(q));
    q->head += n;
    if (q->head == q->buf->len) {
        byte_queue_clear(q);
    } else if (q->head > q->buf->len / 2) {
        /*
         * The sent prefix outweighs what is left: moving the rest now
         * costs less than the bytes already sent since the last move, so
         * the total moved stays below the total sent.
         */
        q->moved += q->buf->len - q->head;
        g_byte_array_remove_range(q->buf, 0, q->head);
        q->head = 0;
    }
}
