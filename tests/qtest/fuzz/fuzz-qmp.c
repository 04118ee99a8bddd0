/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP front-end fuzzer: an input is the byte stream a client sends on one
 * connection.  It goes through the monitor's streamer, the JSON parser,
 * the envelope checks and the command dispatch of a q35 machine, exactly
 * as bytes from a socket would (in chunks whose size depends on the input,
 * so texts are split at arbitrary points).
 *
 * Besides crashes and sanitizer reports, a finding is a reply that is not
 * one line of JSON our own parser accepts as an object with one of
 * "QMP", "return", "error" or "event": whatever a client sends, what it
 * gets back must be well-formed.
 *
 * FUZZ_QMP_TRACE=1 in the environment prints the replies to stderr.
 *
 * Each input runs on a fresh connection, already negotiated (the corpus
 * covers negotiation through "qmp_capabilities" errors), and afterwards
 * the objects and devices it created are removed, so inputs do not depend
 * on each other.  No fds are passed (SCM_RIGHTS): fd names a client
 * defines would pile up across a million inputs.
 *
 * Built as a libFuzzer target (clang, -fsanitize=fuzzer) or, with
 * replay-main.c, as a program that replays files.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "monitor/monitor.h"
#include "qemu/error-report.h"
#include "qemu/json-parser.h"
#include "qemu/main-loop.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "system/runstate.h"
/* The q35 machine the unit tests build in-process (harness_machine_*). */
#include "../../unit/pci-harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (64 * 1024 * 1024)

static Chardev *chr;
static ChardevOps capture_ops;
static GString *replies;

static ssize_t capture_write(Chardev *c, const uint8_t *buf, size_t len)
{
    g_string_append_len(replies, (const char *)buf, len);
    return len;
}

static void check_reply(const char *line, size_t len)
{
    static const char *const kinds[] = { "QMP", "return", "error", "event" };
    g_autoptr(JsonNode) root = NULL;
    Error *err = NULL;
    JsonObject *obj;
    int found = 0;

    root = json_parse(line, len, NULL, &err);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        fprintf(stderr, "fuzz-qmp: reply is not a JSON object (%s): %.*s\n",
                err ? error_get_pretty(err) : "not an object", (int)len,
                line);
        abort();
    }
    obj = json_node_get_object(root);
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        found += json_object_has_member(obj, kinds[i]);
    }
    if (found != 1) {
        fprintf(stderr, "fuzz-qmp: reply of no known kind: %.*s\n",
                (int)len, line);
        abort();
    }
}

/* Every reply is one "\r\n"-terminated line of JSON. */
static void check_replies(void)
{
    const char *p = replies->str, *end = replies->str + replies->len;

    if (g_getenv("FUZZ_QMP_TRACE")) {
        fwrite(replies->str, 1, replies->len, stderr);
    }

    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);

        if (!nl || nl == p || nl[-1] != '\r') {
            fprintf(stderr, "fuzz-qmp: reply not ended by \\r\\n: %.*s\n",
                    (int)MIN(end - p, 200), p);
            abort();
        }
        check_reply(p, nl - 1 - p);
        p = nl + 1;
    }
    g_string_truncate(replies, 0);
}

static int unparent_child(Object *child, void *opaque)
{
    object_unparent(child);
    return 0;
}

/* Removes what an input created, devices first (they may use objects). */
static void remove_created(void)
{
    static const char *const containers[] = {
        "/machine/peripheral", "/machine/peripheral-anon",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(containers); i++) {
        Object *c = object_resolve_path(containers[i], NULL);

        if (c) {
            object_child_foreach(c, unparent_child, NULL);
        }
    }
    user_creatable_cleanup();
}

/*
 * The fuzzer dispatches device_add with whatever host address it makes
 * up; on a host with devices bound to vfio-pci that could claim one.
 */
static void refuse_hosts_with_vfio_groups(void)
{
    g_autoptr(GDir) dir = g_dir_open("/dev/vfio", 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_ascii_isdigit(name[0])) {
            fprintf(stderr, "fuzz-qmp: /dev/vfio/%s exists: this host has "
                    "assignable devices; run the QMP fuzzer elsewhere\n",
                    name);
            exit(1);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    refuse_hosts_with_vfio_groups();
    qemu_init_main_loop(&error_fatal);
    harness_machine_new(RAM_SIZE);
    harness_machine_done();

    replies = g_string_new(NULL);
    chr = qemu_chr_new_short("fuzz-qmp", "null", &error_fatal);
    capture_ops = *chr->ops;
    capture_ops.write = capture_write;
    chr->ops = &capture_ops;
    monitor_init_qmp(chr, &error_fatal);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}";
    size_t chunk = 1 + size % 97;

    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    qemu_chr_be_write(chr, (const uint8_t *)negotiate, strlen(negotiate));
    for (size_t off = 0; off < size; off += chunk) {
        qemu_chr_be_write(chr, data + off, MIN(chunk, size - off));
    }
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    check_replies();
    remove_created();
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    return 0;
}
