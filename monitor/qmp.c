/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QMP server: greeting, capabilities negotiation, request envelope
 * checks, replies and events, on any number of chardevs.
 */
#include "qemu/osdep.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"
#include "qapi/qapi-json.h"
#include "qemu/error-report.h"
#include "qemu/json-parser.h"

typedef struct MonitorQMP {
    Chardev *chr;
    JsonStreamer js;
    bool commands_enabled;      /* after qmp_capabilities */
} MonitorQMP;

static GPtrArray *monitors;
static Chardev *cur_chardev;

Chardev *monitor_cur_chardev(void)
{
    return cur_chardev;
}

static void send_text(MonitorQMP *mon, const char *text)
{
    g_autofree char *line = g_strconcat(text, "\r\n", NULL);

    qemu_chr_fe_write_all(mon->chr, line, strlen(line));
}

static void monitor_send(MonitorQMP *mon, JsonObject *msg)
{
    g_autofree char *text = qmp_json_object_to_string(msg);

    send_text(mon, text);
}

/*
 * A reply carrying the request's id, given as JSON text (see
 * request_id_text()): first for errors, last for returns, as before.
 */
static void send_with_id(MonitorQMP *mon, JsonObject *msg,
                         const char *id_text, bool id_first)
{
    g_autofree char *text = qmp_json_object_to_string(msg);
    g_autofree char *with_id = NULL;

    if (!id_text) {
        send_text(mon, text);
        return;
    }
    /* text is "{...}" with at least one member */
    if (id_first) {
        with_id = g_strdup_printf("{\"id\": %s, %s", id_text, text + 1);
    } else {
        with_id = g_strdup_printf("%.*s, \"id\": %s}",
                                  (int)strlen(text) - 1, text, id_text);
    }
    send_text(mon, with_id);
}

void qmp_version_numbers(int64_t *major, int64_t *minor, int64_t *micro)
{
    g_auto(GStrv) parts = g_strsplit(QEMU_VERSION, ".", 3);

    *major = parts[0] ? g_ascii_strtoll(parts[0], NULL, 10) : 0;
    *minor = parts[0] && parts[1] ? g_ascii_strtoll(parts[1], NULL, 10) : 0;
    *micro = parts[0] && parts[1] && parts[2] ?
             g_ascii_strtoll(parts[2], NULL, 10) : 0;
}

JsonObject *qmp_version_info(void)
{
    JsonObject *ver = json_object_new();
    JsonObject *qemu = json_object_new();
    int64_t major, minor, micro;

    qmp_version_numbers(&major, &minor, &micro);
    json_object_set_int_member(qemu, "micro", micro);
    json_object_set_int_member(qemu, "minor", minor);
    json_object_set_int_member(qemu, "major", major);
    json_object_set_object_member(ver, "qemu", qemu);
    json_object_set_string_member(ver, "package", QEMU_PKGVERSION);
    return ver;
}

static void monitor_send_greeting(MonitorQMP *mon)
{
    g_autoptr(JsonObject) msg = json_object_new();
    JsonObject *qmp = json_object_new();
    JsonArray *caps = json_array_new();

    json_object_set_object_member(qmp, "version", qmp_version_info());
    json_array_add_string_element(caps, "oob");
    json_object_set_array_member(qmp, "capabilities", caps);
    json_object_set_object_member(msg, "QMP", qmp);
    monitor_send(mon, msg);
}

static void send_error(MonitorQMP *mon, const char *id, Error *err)
{
    g_autoptr(JsonObject) msg = json_object_new();
    JsonObject *e = json_object_new();

    json_object_set_string_member(e, "class",
                                  error_class_name(error_get_class(err)));
    json_object_set_string_member(e, "desc", error_get_pretty(err));
    json_object_set_object_member(msg, "error", e);
    send_with_id(mon, msg, id, true);
    error_free(err);
}

/* Sends @ret (consumed) as the reply. */
static void send_return(MonitorQMP *mon, const char *id, JsonNode *ret)
{
    g_autoptr(JsonObject) msg = json_object_new();

    json_object_set_member(msg, "return", ret);
    send_with_id(mon, msg, id, false);
}

/* The qmp_capabilities command, which needs the monitor's state. */
static bool qmp_capabilities(MonitorQMP *mon, JsonObject *args, Error **errp)
{
    static const char *const allowed[] = { "enable", NULL };
    JsonNode *enable;

    if (mon->commands_enabled) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, "
                  "command ignored");
        return false;
    }
    if (!qapi_json_check_known(args, "", allowed, errp)) {
        return false;
    }
    enable = json_object_get_member(args, "enable");
    if (enable) {
        JsonArray *arr;

        if (!JSON_NODE_HOLDS_ARRAY(enable)) {
            error_setg(errp, "Invalid parameter type for 'enable', "
                       "expected: array");
            return false;
        }
        arr = json_node_get_array(enable);
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            JsonNode *cap = json_array_get_element(arr, i);

            if (!JSON_NODE_HOLDS_VALUE(cap) ||
                json_node_get_value_type(cap) != G_TYPE_STRING) {
                error_setg(errp, "Invalid parameter type for 'enable', "
                           "expected: QMPCapability");
                return false;
            }
            if (strcmp(json_node_get_string(cap), "oob")) {
                error_setg(errp, "Parameter 'enable' does not accept "
                           "value '%s'", json_node_get_string(cap));
                return false;
            }
        }
    }
    mon->commands_enabled = true;
    return true;
}

/* Checks the envelope; returns the command name or NULL with @errp set. */
static const char *check_envelope(JsonObject *req, bool *oob, Error **errp)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    const char *cmd = NULL;

    *oob = false;
    json_object_iter_init_ordered(&iter, req);
    while (json_object_iter_next_ordered(&iter, &name, &member)) {
        if (!strcmp(name, "execute") || !strcmp(name, "exec-oob")) {
            if (!JSON_NODE_HOLDS_VALUE(member) ||
                json_node_get_value_type(member) != G_TYPE_STRING) {
                error_setg(errp, "QMP input member '%s' must be a string",
                           name);
                return NULL;
            }
            if (cmd) {
                error_setg(errp, "QMP input must not have both 'execute' "
                           "and 'exec-oob'");
                return NULL;
            }
            cmd = json_node_get_string(member);
            *oob = name[4] == '-';
        } else if (!strcmp(name, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(member)) {
                error_setg(errp, "QMP input member 'arguments' must be "
                           "an object");
                return NULL;
            }
        } else if (strcmp(name, "id")) {
            error_setg(errp, "QMP input member '%s' is unexpected", name);
            return NULL;
        }
    }
    if (!cmd) {
        error_setg(errp, "QMP input lacks member 'execute'");
    }
    return cmd;
}

static void handle_request(MonitorQMP *mon, JsonNode *node, const char *id)
{
    JsonObject *req;
    JsonNode *ret;
    JsonObject *args = NULL;
    const char *cmd;
    Error *err = NULL;
    bool oob;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        error_setg(&err, "QMP input must be a JSON object");
        send_error(mon, NULL, err);
        return;
    }
    req = json_node_get_object(node);
    cmd = check_envelope(req, &oob, &err);
    if (!cmd) {
        send_error(mon, id, err);
        return;
    }
    if (json_object_has_member(req, "arguments")) {
        args = json_object_get_object_member(req, "arguments");
    }
    if (oob) {
        error_setg(&err, "The command %s does not support OOB", cmd);
        send_error(mon, id, err);
        return;
    }
    if (!strcmp(cmd, "qmp_capabilities")) {
        g_autoptr(JsonObject) empty = json_object_new();

        if (!qmp_capabilities(mon, args ? args : empty, &err)) {
            send_error(mon, id, err);
        } else {
            send_return(mon, id, qapi_json_empty_object());
        }
        return;
    }
    if (!mon->commands_enabled) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with "
                  "'qmp_capabilities'");
        send_error(mon, id, err);
        return;
    }
    cur_chardev = mon->chr;
    ret = qmp_dispatch_command(cmd, args, &err);
    cur_chardev = NULL;
    if (!ret) {
        send_error(mon, id, err);
    } else {
        send_return(mon, id, ret);
    }
}

/*
 * The request's id as JSON text for the reply.  A number is echoed as it
 * came: 123456789012345678901234567890 does not fit a JsonNode, and a
 * client matches replies to requests by it.
 */
static char *request_id_text(JsonNode *root, const char *text,
                             const JsonParseOptions *opts)
{
    JsonNode *id;

    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        return NULL;
    }
    id = json_object_get_member(json_node_get_object(root), "id");
    if (!id) {
        return NULL;
    }
    if (JSON_NODE_HOLDS_VALUE(id) && opts->member_len &&
        (json_node_get_value_type(id) == G_TYPE_INT64 ||
         json_node_get_value_type(id) == G_TYPE_DOUBLE)) {
        return g_strndup(text + opts->member_offset, opts->member_len);
    }
    return qmp_json_to_string(id);
}

static void handle_text(void *opaque, const char *text, size_t len,
                        Error *err)
{
    MonitorQMP *mon = opaque;
    JsonParseOptions opts = { .member = "id" };
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *id = NULL;

    if (!err) {
        root = json_parse(text, len, &opts, &err);
    }
    if (!root) {
        send_error(mon, NULL, err);
        return;
    }
    id = request_id_text(root, text, &opts);
    handle_request(mon, root, id);
}

static void monitor_read(void *opaque, const uint8_t *buf, size_t size)
{
    MonitorQMP *mon = opaque;

    json_streamer_feed(&mon->js, buf, size);
}

static void monitor_event(void *opaque, QEMUChrEvent event)
{
    MonitorQMP *mon = opaque;

    mon->commands_enabled = false;
    json_streamer_reset(&mon->js);
    if (event == CHR_EVENT_OPENED) {
        monitor_send_greeting(mon);
    }
}

bool monitor_init_qmp(Chardev *chr, Error **errp)
{
    MonitorQMP *mon = g_new0(MonitorQMP, 1);

    mon->chr = chr;
    json_streamer_init(&mon->js, handle_text, mon);
    if (!qemu_chr_fe_init(chr, monitor_read, monitor_event, mon, errp)) {
        json_streamer_destroy(&mon->js);
        g_free(mon);
        return false;
    }
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    return true;
}

void qmp_event_send(const char *name, JsonObject *data)
{
    g_autoptr(JsonObject) msg = NULL;
    JsonObject *ts;
    int64_t now = g_get_real_time();

    if (!monitors) {
        return;
    }
    msg = json_object_new();
    ts = json_object_new();
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(msg, "timestamp", ts);
    json_object_set_string_member(msg, "event", name);
    if (data) {
        json_object_set_object_member(msg, "data", json_object_ref(data));
    }
    for (guint i = 0; i < monitors->len; i++) {
        MonitorQMP *mon = g_ptr_array_index(monitors, i);

        if (mon->commands_enabled && mon->chr->connected) {
            monitor_send(mon, msg);
        }
    }
}
