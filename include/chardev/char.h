/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices: byte streams the monitor and qtest talk over
 *
 * Backends: "socket" (unix path, client or server, or an inherited fd
 * that is either listening or connected), "stdio", "null" and "file"
 * (output only: path=P[,append=on]).  stdio on a terminal switches it to
 * raw input (no echo, no line editing; signal keys still signal unless
 * signal=off) and restores it at exit.  A chardev
 * has at most one frontend (QMP monitor or qtest) that receives bytes and
 * open/close events through the handlers it sets.  Unix sockets also
 * carry file descriptors (SCM_RIGHTS): those received with the bytes are
 * kept until the frontend takes them with qemu_chr_fe_get_msgfd().
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/error.h"

typedef enum QEMUChrEvent {
    CHR_EVENT_OPENED,
    CHR_EVENT_CLOSED,
} QEMUChrEvent;

typedef struct Chardev Chardev;
typedef struct ChardevOps ChardevOps;

typedef void IOReadHandler(void *opaque, const uint8_t *buf, size_t size);
typedef void IOEventHandler(void *opaque, QEMUChrEvent event);

struct ChardevOps {
    const char *name;
    /* Opens the backend from @opts (already stripped of "backend"/"id"). */
    bool (*open)(Chardev *chr, JsonObject *opts, Error **errp);
    /* Writes all of @buf or fails; -1 with errno on failure. */
    ssize_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    void (*close)(Chardev *chr);
    /* Frontend attached: start reading. */
    void (*attach)(Chardev *chr);
    /* Optional: sends queued output, blocking briefly (at exit). */
    void (*flush)(Chardev *chr);
};

struct Chardev {
    char *id;
    const ChardevOps *ops;
    void *backend;              /* owned by ops */
    bool connected;
    IOReadHandler *fe_read;
    IOEventHandler *fe_event;
    void *fe_opaque;
    GArray *msgfds;             /* of int, received and not yet taken */
};

/*
 * Creates a chardev from a -chardev argument ("socket,id=x,path=P,
 * server=on,wait=off", "stdio,id=y", "null,id=z", "socket,id=x,fd=N").
 * Registers it under its id (mandatory, unique).
 */
Chardev *qemu_chr_new_from_opts(const char *optarg, Error **errp);

/*
 * Creates an anonymous chardev from the short form used by -qtest/-qmp:
 * "unix:PATH[,server=on][,wait=off]", "stdio", "null", "file:PATH", or
 * "chardev:ID"
 * (an existing one, returned as is).  @label names it in messages.
 */
Chardev *qemu_chr_new_short(const char *label, const char *spec,
                            Error **errp);

Chardev *qemu_chr_find(const char *id);
/* Unregisters and closes. */
void qemu_chr_delete(Chardev *chr);

/*
 * Attaches a frontend.  If the backend is already connected the OPENED
 * event is delivered at once.  Fails if another frontend is attached.
 */
bool qemu_chr_fe_init(Chardev *chr, IOReadHandler *fe_read,
                      IOEventHandler *fe_event, void *opaque, Error **errp);
/*
 * Queues all of @buf for the peer; returns false if the peer is gone.
 * Sockets send without blocking and queue what the peer has not taken.
 */
bool qemu_chr_fe_write_all(Chardev *chr, const void *buf, size_t len);
/* Takes one received fd (ownership passes), or returns -1 if none. */
int qemu_chr_fe_get_msgfd(Chardev *chr);

/* Sends queued output of every chardev (before exiting). */
void qemu_chr_flush_all(void);

/* Backend helpers. */
void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event);
void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, size_t len);
/* Replaces the pending fds by @fds (ownership passes). */
void qemu_chr_be_set_msgfds(Chardev *chr, const int *fds, size_t n);

extern const ChardevOps chardev_socket_ops;
extern const ChardevOps chardev_stdio_ops;
extern const ChardevOps chardev_null_ops;
extern const ChardevOps chardev_file_ops;

#endif
