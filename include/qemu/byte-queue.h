/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FIFO of bytes for output that is sent a piece at a time
 *
 * A writer appends whole messages; a sender takes what the peer accepts
 * from the front (a socket buffer at a time, say) and consumes that much.
 * Cutting the sent bytes off the front after every send would move the
 * rest of the queue each time, which is quadratic in a large reply.  The
 * queue keeps a read offset instead and compacts only when the queue
 * empties or the sent prefix is the larger part, so every byte is moved
 * at most once on average: the cost of sending is linear in the bytes
 * sent, whatever the peer's pace.  @moved counts the bytes compaction
 * moved, so tests can check that bound by counting, not timing.
 */
#ifndef QEMU_BYTE_QUEUE_H
#define QEMU_BYTE_QUEUE_H

typedef struct ByteQueue {
    GByteArray *buf;        /* queued bytes; those before @head are sent */
    size_t head;            /* offset of the first unsent byte */
    uint64_t moved;         /* bytes moved by compaction, ever */
} ByteQueue;

void byte_queue_init(ByteQueue *q);
void byte_queue_destroy(ByteQueue *q);

void byte_queue_append(ByteQueue *q, const void *data, size_t len);

/* The unsent bytes: a pointer to them and their number. */
const uint8_t *byte_queue_peek(const ByteQueue *q, size_t *len);
size_t byte_queue_pending(const ByteQueue *q);

/* Drops the first @n unsent bytes (@n <= pending). */
void byte_queue_consume(ByteQueue *q, size_t n);

/* Drops everything, e.g. when the peer goes away. */
void byte_queue_clear(ByteQueue *q);

#endif
