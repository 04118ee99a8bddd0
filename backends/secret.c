/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "secret": a named secret value given on the command line, as QEMU's
 *
 *   -object secret,id=ID,data=STRING|file=PATH[,format=raw|base64]
 *
 * libvirt creates one for every domain (its master key, read from a file
 * it writes) to decrypt the secrets of disks and network storage it may
 * pass later.  We have no such consumers, so the value is loaded and
 * checked, kept, and wiped at the end; secrets encrypted with another
 * secret (keyid=, iv=) are refused with a clear message.
 */
#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

#define TYPE_SECRET "secret"
OBJECT_DECLARE_SIMPLE_TYPE(QemuSecret, SECRET)

struct QemuSecret {
    Object parent_obj;

    char *data;
    char *file;
    char *format;
    char *keyid;
    char *iv;
    /* The decoded value, once complete. */
    guint8 *value;
    gsize len;
};

static bool secret_complete(UserCreatable *uc, Error **errp)
{
    QemuSecret *s = SECRET(uc);
    g_autofree char *text = NULL;
    gsize len;

    if (!!s->data == !!s->file) {
        error_setg(errp, "'data' and 'file' are mutually exclusive, and one "
                   "of them is required");
        return false;
    }
    if (s->keyid || s->iv) {
        error_setg(errp, "secret '%s': encrypted secrets (keyid, iv) are not "
                   "supported: nothing in this binary consumes them",
                   object_get_canonical_path_component(OBJECT(s)));
        return false;
    }
    if (s->format && strcmp(s->format, "raw") && strcmp(s->format, "base64")) {
        error_setg(errp, "Parameter 'format' does not accept value '%s'",
                   s->format);
        return false;
    }
    if (s->file) {
        GError *gerr = NULL;

        if (!g_file_get_contents(s->file, &text, &len, &gerr)) {
            error_setg(errp, "Unable to read %s: %s", s->file, gerr->message);
            g_error_free(gerr);
            return false;
        }
    } else {
        text = g_strdup(s->data);
        len = strlen(text);
    }
    if (s->format && !strcmp(s->format, "base64")) {
        s->value = g_base64_decode(text, &s->len);
        if (!s->value || !s->len) {
            error_setg(errp, "secret '%s': invalid base64 data",
                       object_get_canonical_path_component(OBJECT(s)));
            return false;
        }
    } else {
        s->value = g_memdup2(text, len);
        s->len = len;
    }
    explicit_bzero(text, len);
    return true;
}

static void secret_finalize(Object *obj)
{
    QemuSecret *s = SECRET(obj);

    if (s->value) {
        explicit_bzero(s->value, s->len);
        g_free(s->value);
    }
}

static void secret_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    static const struct {
        const char *name;
        size_t offset;
        const char *desc;
    } props[] = {
        { "data", offsetof(QemuSecret, data), "the secret itself" },
        { "file", offsetof(QemuSecret, file), "a file holding the secret" },
        { "format", offsetof(QemuSecret, format),
          "raw (default) or base64" },
        { "keyid", offsetof(QemuSecret, keyid),
          "the secret that encrypts this one (not supported)" },
        { "iv", offsetof(QemuSecret, iv),
          "the encryption's initialisation vector (not supported)" },
    };

    ucc->complete = secret_complete;
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++) {
        object_class_property_add_str_field(oc, props[i].name,
                                            props[i].offset,
                                            OBJ_PROP_FLAG_WRITE);
        object_class_property_set_description(oc, props[i].name,
                                              props[i].desc);
    }
}

static const TypeInfo secret_info = {
    .name = TYPE_SECRET,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(QemuSecret),
    .instance_finalize = secret_finalize,
    .class_init = secret_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void secret_register_types(void)
{
    type_register_static(&secret_info);
}

type_init(secret_register_types)
