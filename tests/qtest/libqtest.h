/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: start qemu-system-x86_64 under test and drive it over the
 * qtest protocol and QMP.
 *
 * The test listens on two unix sockets in a private temporary directory;
 * QEMU connects to both (-qtest unix:PATH, -chardev socket,path=PATH +
 * -mon), as QEMU's own libqtest does.  The binary is $QTEST_QEMU_BINARY
 * (meson sets it).  Every helper asserts on protocol failures: a test
 * that gets "FAIL" where it expected "OK" stops there with the reply.
 */
#ifndef LIBQTEST_H
#define LIBQTEST_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct QTestState QTestState;

/* The binary under test ($QTEST_QEMU_BINARY). */
const char *qtest_qemu_binary(void);

/*
 * Starts QEMU with "-M q35 -accel qtest -display none -nodefaults", the
 * qtest and QMP sockets, and @extra_args (shell-quoted, may be NULL),
 * then completes the QMP greeting and qmp_capabilities.
 */
QTestState *qtest_init(const char *extra_args);
/* Same, but leaves the QMP greeting unread (tests of the handshake). */
QTestState *qtest_init_without_qmp_handshake(const char *extra_args);
/*
 * Same with full control: @argv_tail is the complete argument list after
 * the binary, where "%QTEST%" and "%QMP%" are replaced by the socket
 * paths (an absent one is not served).  @keep_fds are fds to leave open
 * in the child (with their numbers).
 */
QTestState *qtest_init_argv(const char *const *argv_tail,
                            const int *keep_fds, size_t n_keep_fds,
                            bool qmp_handshake);
/*
 * Connects QMP as a client to a socket QEMU listens on (e.g. a listening
 * fd passed with -chardev socket,fd=N,server=on) and, if @handshake,
 * reads the greeting and negotiates capabilities.
 */
void qtest_qmp_connect(QTestState *s, const char *path, bool handshake);
/* Sends SIGTERM, waits, frees.  Asserts that QEMU did not crash. */
void qtest_quit(QTestState *s);
/* Waits for QEMU to exit by itself (after "quit"); returns its status. */
int qtest_wait_exit(QTestState *s);
pid_t qtest_pid(QTestState *s);
/* QEMU's open file descriptors (/proc/PID/fd) and VmRSS in KiB. */
int qtest_open_fds(QTestState *s);
long qtest_rss_kb(QTestState *s);

/* ---- qtest protocol ---- */

/* Sends one line (newline appended) and returns the reply line (freed by
 * caller), skipping and recording IRQ notifications. */
char *qtest_raw_cmd(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

void qtest_outb(QTestState *s, uint16_t port, uint8_t v);
void qtest_outw(QTestState *s, uint16_t port, uint16_t v);
void qtest_outl(QTestState *s, uint16_t port, uint32_t v);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t v);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t v);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);
/* Returns the virtual clock after the step (@step < 0: to next timer). */
int64_t qtest_clock_step(QTestState *s, int64_t step);
int64_t qtest_clock_set(QTestState *s, int64_t val);

/* IRQ interception; qtest_get_irq() is the last level QEMU reported. */
void qtest_irq_intercept_in(QTestState *s, const char *qom_path);
void qtest_irq_intercept_out(QTestState *s, const char *qom_path);
bool qtest_get_irq(QTestState *s, int num);

/* PCI config via CF8/CFC on bus 0. */
uint32_t qtest_pci_cfg_readl(QTestState *s, int devfn, int offset);

/* ---- QMP ---- */

/*
 * Sends the JSON text made from @fmt (printf format) and returns the
 * reply (the first message with "return" or "error"); events received
 * meanwhile are queued for qtest_qmp_eventwait().  Caller unrefs.
 */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Same, passing @fds with the message (SCM_RIGHTS). */
JsonObject *qtest_qmp_fds(QTestState *s, const int *fds, size_t nfds,
                          const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* Sends raw bytes without waiting. */
void qtest_qmp_send_raw(QTestState *s, const char *text);
/* Next message from QEMU (queued events first).  Caller unrefs. */
JsonObject *qtest_qmp_receive(QTestState *s);
/*
 * The next line from the QMP socket, unparsed (for replies a JSON library
 * would change, such as ids beyond 64 bits).  Bypasses the event queue.
 */
char *qtest_qmp_receive_line(QTestState *s);
/* Pops a queued event, or returns NULL if none is queued (no I/O). */
JsonObject *qtest_qmp_receive_queued(QTestState *s);
/* Waits for @event (from the queue or the wire); returns it. */
JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event);
void qtest_qmp_eventwait(QTestState *s, const char *event);
/* Asserts a {"return": ...} reply and returns it (borrowed from @rsp). */
JsonNode *qmp_expect_return(JsonObject *rsp);
/* The same, for a return that must be an object / an array (borrowed). */
JsonObject *qmp_expect_return_object(JsonObject *rsp);
JsonArray *qmp_expect_return_array(JsonObject *rsp);
/* Asserts an error reply of @cls and returns its "desc" (borrowed). */
const char *qmp_expect_error(JsonObject *rsp, const char *cls);
/* Sends getfd with @fd as @name; asserts success. */
void qtest_qmp_getfd(QTestState *s, int fd, const char *name);
/*
 * The guest's little-endian dword at physical @addr, through QMP
 * pmemsave into the scratch file @path (for accelerators that run the
 * guest: qtest's readl needs -accel qtest).
 */
uint32_t qtest_pmem_readl(QTestState *s, uint64_t addr, const char *path);
/*
 * True if /dev/kvm can be opened; otherwise fails the running test with
 * the reason (a runner without KVM must not pass KVM tests silently).
 */
bool qtest_kvm_usable(void);

/* ---- running the binary for command-line tests ---- */

/*
 * Runs the binary with @args (shell-quoted), stdin from /dev/null, and
 * returns its exit status (WEXITSTATUS, or 128+signal); *@out / *@err
 * (optional) receive stdout / stderr.  Kills it after @timeout_s.
 */
int qtest_run(const char *args, char **out, char **err, int timeout_s);

#endif
