/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AML encoder: name strings, package lengths, data objects, the few
 * statements a DSDT needs, and resource descriptors (ACPI 6.x, chapters
 * 6.4 and 20).
 */
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"

typedef enum AmlBlock {
    AML_PLAIN,          /* bytes as they are */
    AML_PKG,            /* opcode(s), PkgLength, body */
    AML_BUFFER,         /* BufferOp, PkgLength, BufferSize, bytes */
    AML_PACKAGE,        /* PackageOp, PkgLength, NumElements, elements */
    AML_RESOURCES,      /* a buffer of descriptors plus the end tag */
} AmlBlock;

struct Aml {
    AmlBlock block;
    GByteArray *op;     /* opcode bytes before the package length */
    GByteArray *head;   /* after the package length (a name, flags) */
    GByteArray *body;
    unsigned elements;
};

#define EXT_OP          0x5b
#define SCOPE_OP        0x10
#define DEVICE_OP       0x82
#define METHOD_OP       0x14
#define NAME_OP         0x08
#define BUFFER_OP       0x11
#define PACKAGE_OP      0x12
#define RETURN_OP       0xa4
#define IF_OP           0xa0
#define ELSE_OP         0xa1
#define LEQUAL_OP       0x93
#define LNOT_OP         0x92
#define AND_OP          0x7b
#define OR_OP           0x7d
#define STORE_OP        0x70
#define CREATE_DWORD_FIELD_OP 0x8a
#define BYTE_PREFIX     0x0a
#define WORD_PREFIX     0x0b
#define DWORD_PREFIX    0x0c
#define STRING_PREFIX   0x0d
#define QWORD_PREFIX    0x0e
#define ZERO_OP         0x00
#define ONE_OP          0x01
#define ONES_OP         0xff
#define DUAL_NAME       0x2e
#define MULTI_NAME      0x2f
#define ARG0_OP         0x68
#define LOCAL0_OP       0x60

static Aml *aml_new(AmlBlock block)
{
    Aml *a = g_new0(Aml, 1);

    a->block = block;
    a->op = g_byte_array_new();
    a->head = g_byte_array_new();
    a->body = g_byte_array_new();
    return a;
}

void aml_free(Aml *a)
{
    if (a) {
        g_byte_array_unref(a->op);
        g_byte_array_unref(a->head);
        g_byte_array_unref(a->body);
        g_free(a);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Aml, aml_free)

static void put_byte(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put_le(GByteArray *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        put_byte(b, v >> (8 * i));
    }
}

/*
 * PkgLength counts itself: one byte up to 63, else a lead byte holding
 * the count of following bytes and the low nibble (ACPI 20.2.4).
 */
static void put_pkg_length(GByteArray *b, size_t body_len)
{
    size_t total;
    unsigned extra;

    if (body_len + 1 < 0x40) {
        put_byte(b, body_len + 1);
        return;
    }
    for (extra = 1; extra < 3; extra++) {
        if (body_len + 1 + extra < (1u << (4 + 8 * extra))) {
            break;
        }
    }
    total = body_len + 1 + extra;
    g_assert(total < (1u << 28));
    put_byte(b, (extra << 6) | (total & 0xf));
    for (unsigned i = 0; i < extra; i++) {
        put_byte(b, total >> (4 + 8 * i));
    }
}

static void put_name_seg(GByteArray *b, const char *seg, size_t len)
{
    char out[4] = { '_', '_', '_', '_' };

    g_assert(len >= 1 && len <= 4);
    memcpy(out, seg, len);
    g_byte_array_append(b, (const uint8_t *)out, 4);
}

static void put_name_string(GByteArray *b, const char *name)
{
    g_auto(GStrv) segs = NULL;
    unsigned n;

    while (*name == '\\' || *name == '^') {
        put_byte(b, *name++);
    }
    if (!*name) {
        put_byte(b, 0);         /* NullName: the root itself */
        return;
    }
    segs = g_strsplit(name, ".", -1);
    n = g_strv_length(segs);
    if (n == 2) {
        put_byte(b, DUAL_NAME);
    } else if (n > 2) {
        put_byte(b, MULTI_NAME);
        put_byte(b, n);
    }
    for (unsigned i = 0; i < n; i++) {
        put_name_seg(b, segs[i], strlen(segs[i]));
    }
}

/* The full encoding of @a, in a new array. */
static GByteArray *aml_bytes(Aml *a)
{
    GByteArray *out = g_byte_array_new();
    size_t len;

    g_byte_array_append(out, a->op->data, a->op->len);
    switch (a->block) {
    case AML_PLAIN:
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_PKG:
        put_pkg_length(out, a->head->len + a->body->len);
        g_byte_array_append(out, a->head->data, a->head->len);
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_PACKAGE:
        g_assert(a->elements < 256);
        put_pkg_length(out, 1 + a->body->len);
        put_byte(out, a->elements);
        g_byte_array_append(out, a->body->data, a->body->len);
        break;
    case AML_RESOURCES:
    case AML_BUFFER: {
        g_autoptr(GByteArray) size = g_byte_array_new();
        g_autoptr(Aml) n = NULL;

        len = a->body->len + (a->block == AML_RESOURCES ? 2 : 0);
        n = aml_int(len);
        g_byte_array_append(size, n->body->data, n->body->len);
        put_pkg_length(out, size->len + len);
        g_byte_array_append(out, size->data, size->len);
        g_byte_array_append(out, a->body->data, a->body->len);
        if (a->block == AML_RESOURCES) {
            /* End tag; a zero checksum means "not computed". */
            put_byte(out, 0x79);
            put_byte(out, 0);
        }
        break;
    }
    }
    return out;
}

void aml_append(Aml *parent, Aml *child)
{
    g_autoptr(GByteArray) bytes = NULL;

    if (parent->block == AML_RESOURCES) {
        /* Descriptors are raw bytes, not AML objects. */
        g_byte_array_append(parent->body, child->body->data,
                            child->body->len);
    } else {
        bytes = aml_bytes(child);
        g_byte_array_append(parent->body, bytes->data, bytes->len);
    }
    parent->elements++;
    aml_free(child);
}

GByteArray *aml_encode(Aml *node)
{
    GByteArray *out = aml_bytes(node);

    aml_free(node);
    return out;
}

/* ---- Data ------------------------------------------------------------- */

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new(AML_PLAIN);

    if (v == 0) {
        put_byte(a->body, ZERO_OP);
    } else if (v == 1) {
        put_byte(a->body, ONE_OP);
    } else if (v == UINT64_MAX) {
        put_byte(a->body, ONES_OP);
    } else if (v <= UINT8_MAX) {
        put_byte(a->body, BYTE_PREFIX);
        put_le(a->body, v, 1);
    } else if (v <= UINT16_MAX) {
        put_byte(a->body, WORD_PREFIX);
        put_le(a->body, v, 2);
    } else if (v <= UINT32_MAX) {
        put_byte(a->body, DWORD_PREFIX);
        put_le(a->body, v, 4);
    } else {
        put_byte(a->body, QWORD_PREFIX);
        put_le(a->body, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, STRING_PREFIX);
    g_byte_array_append(a->body, (const uint8_t *)s, strlen(s) + 1);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = aml_new(AML_PLAIN);
    uint16_t vendor, product;

    g_assert(strlen(id) == 7);
    vendor = ((id[0] - 0x40) & 0x1f) << 10 | ((id[1] - 0x40) & 0x1f) << 5 |
             ((id[2] - 0x40) & 0x1f);
    product = strtoul(id + 3, NULL, 16);
    /* Big-endian vendor then product, as the bytes of a DWORD. */
    put_byte(a->body, DWORD_PREFIX);
    put_byte(a->body, vendor >> 8);
    put_byte(a->body, vendor);
    put_byte(a->body, product >> 8);
    put_byte(a->body, product);
    return a;
}

Aml *aml_touuid(const char *uuid)
{
    /* Byte order of ToUUID: the first three fields little-endian. */
    static const int order[16] = {
        3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
    };
    Aml *a = aml_new(AML_BUFFER);
    uint8_t raw[16];

    g_assert(g_uuid_string_is_valid(uuid));
    for (int i = 0, j = 0; i < 16; i++, j += 2) {
        if (uuid[j] == '-') {
            j++;
        }
        raw[i] = g_ascii_xdigit_value(uuid[j]) << 4 |
                 g_ascii_xdigit_value(uuid[j + 1]);
    }
    put_byte(a->op, BUFFER_OP);
    for (int i = 0; i < 16; i++) {
        put_byte(a->body, raw[order[i]]);
    }
    return a;
}

Aml *aml_name(const char *name)
{
    Aml *a = aml_new(AML_PLAIN);

    put_name_string(a->body, name);
    return a;
}

Aml *aml_arg(unsigned n)
{
    Aml *a = aml_new(AML_PLAIN);

    g_assert(n <= 6);
    put_byte(a->body, ARG0_OP + n);
    return a;
}

Aml *aml_local(unsigned n)
{
    Aml *a = aml_new(AML_PLAIN);

    g_assert(n <= 7);
    put_byte(a->body, LOCAL0_OP + n);
    return a;
}

Aml *aml_package(void)
{
    Aml *a = aml_new(AML_PACKAGE);

    put_byte(a->op, PACKAGE_OP);
    return a;
}

/* ---- Named objects and blocks ------------------------------------------ */

static Aml *named_block(uint8_t ext, uint8_t op, const char *name)
{
    Aml *a = aml_new(AML_PKG);

    if (ext) {
        put_byte(a->op, ext);
    }
    put_byte(a->op, op);
    put_name_string(a->head, name);
    return a;
}

Aml *aml_term_list(void)
{
    return aml_new(AML_PLAIN);
}

Aml *aml_scope(const char *name)
{
    return named_block(0, SCOPE_OP, name);
}

Aml *aml_device(const char *name)
{
    return named_block(EXT_OP, DEVICE_OP, name);
}

Aml *aml_method(const char *name, unsigned nargs, bool serialized)
{
    Aml *a = named_block(0, METHOD_OP, name);

    g_assert(nargs <= 7);
    put_byte(a->head, nargs | (serialized ? 0x08 : 0));
    return a;
}

/* Appends the encoding of @child to @b, freeing it. */
static void put_child(GByteArray *b, Aml *child)
{
    g_autoptr(GByteArray) bytes = NULL;

    if (!child) {
        put_byte(b, 0);         /* NullName: no target */
        return;
    }
    bytes = aml_bytes(child);
    g_byte_array_append(b, bytes->data, bytes->len);
    aml_free(child);
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, NAME_OP);
    put_name_string(a->body, name);
    put_child(a->body, value);
    return a;
}

Aml *aml_if(Aml *predicate)
{
    Aml *a = aml_new(AML_PKG);

    put_byte(a->op, IF_OP);
    put_child(a->head, predicate);
    return a;
}

Aml *aml_else(void)
{
    Aml *a = aml_new(AML_PKG);

    put_byte(a->op, ELSE_OP);
    return a;
}

/* ---- Expressions ------------------------------------------------------ */

static Aml *op_args(uint8_t op, Aml *a1, Aml *a2, Aml *a3, unsigned n)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, op);
    put_child(a->body, a1);
    if (n > 1) {
        put_child(a->body, a2);
    }
    if (n > 2) {
        put_child(a->body, a3);
    }
    return a;
}

Aml *aml_return(Aml *value)
{
    return op_args(RETURN_OP, value, NULL, NULL, 1);
}

Aml *aml_equal(Aml *x, Aml *y)
{
    return op_args(LEQUAL_OP, x, y, NULL, 2);
}

Aml *aml_lnot(Aml *x)
{
    return op_args(LNOT_OP, x, NULL, NULL, 1);
}

Aml *aml_and(Aml *x, Aml *y, Aml *target)
{
    return op_args(AND_OP, x, y, target, 3);
}

Aml *aml_or(Aml *x, Aml *y, Aml *target)
{
    return op_args(OR_OP, x, y, target, 3);
}

Aml *aml_store(Aml *value, Aml *target)
{
    return op_args(STORE_OP, value, target, NULL, 2);
}

Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name)
{
    Aml *a = op_args(CREATE_DWORD_FIELD_OP, buffer, index, NULL, 2);

    put_name_string(a->body, name);
    return a;
}

/* ---- Resource descriptors (ACPI 6.4.2 small, 6.4.3 large) -------------- */

Aml *aml_resource_template(void)
{
    Aml *a = aml_new(AML_RESOURCES);

    put_byte(a->op, BUFFER_OP);
    return a;
}

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, 0x47);    /* I/O port descriptor, 7 bytes */
    put_byte(a->body, 1);       /* 16-bit decode */
    put_le(a->body, min, 2);
    put_le(a->body, max, 2);
    put_byte(a->body, align);
    put_byte(a->body, len);
    return a;
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    Aml *a = aml_new(AML_PLAIN);

    g_assert(irq < 16);
    put_byte(a->body, 0x22);    /* IRQ descriptor, 2 bytes: edge, high */
    put_le(a->body, 1u << irq, 2);
    return a;
}

Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, 0x86);
    put_le(a->body, 9, 2);
    put_byte(a->body, writable);
    put_le(a->body, base, 4);
    put_le(a->body, len, 4);
    return a;
}

/*
 * Address space descriptors: resource type, general flags (producer,
 * positive decode, min and max fixed), type-specific flags, then
 * granularity, min, max, translation offset, length in @width bytes.
 */
static Aml *address_space(uint8_t tag, unsigned width, uint8_t type,
                          uint8_t type_flags, uint64_t min, uint64_t max)
{
    Aml *a = aml_new(AML_PLAIN);

    put_byte(a->body, tag);
    put_le(a->body, 3 + 5 * width, 2);
    put_byte(a->body, type);
    put_byte(a->body, 0x0c);
    put_byte(a->body, type_flags);
    put_le(a->body, 0, width);
    put_le(a->body, min, width);
    put_le(a->body, max, width);
    put_le(a->body, 0, width);
    put_le(a->body, max - min + 1, width);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return address_space(0x88, 2, 2, 0, min, max);
}

Aml *aml_dword_io(uint32_t min, uint32_t max)
{
    return address_space(0x87, 4, 1, 3 /* entire range */, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max)
{
    return address_space(0x87, 4, 0, 1 /* read-write, non-cacheable */,
                         min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max)
{
    return address_space(0x8a, 8, 0, 1, min, max);
}
