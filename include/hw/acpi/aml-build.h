/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small AML (ACPI Machine Language) encoder for the DSDT
 *
 * Each aml_*() call returns a new Aml node owning its encoded bytes.
 * Containers (scope, device, method, if, else, package, resource
 * template) take children with aml_append(); their package length is
 * computed when the container is appended to its parent or encoded with
 * aml_encode().  aml_append() takes ownership of the child.  Names are
 * ACPI name strings: "PCI0", "_HID", "\\_SB", "\\_SB.PCI0"; segments
 * shorter than four characters are padded with '_'.
 */
#ifndef HW_ACPI_AML_BUILD_H
#define HW_ACPI_AML_BUILD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Aml Aml;

/* Appends @child's encoding to @parent, then frees @child. */
void aml_append(Aml *parent, Aml *child);
/* The encoding of a top-level node (a term list); frees @node. */
GByteArray *aml_encode(Aml *node);
void aml_free(Aml *node);

/* Data */
Aml *aml_int(uint64_t value);           /* Zero/One/Ones or smallest prefix */
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);        /* "PNP0A08" as a compressed DWORD */
Aml *aml_touuid(const char *uuid);      /* ToUUID(): a 16-byte buffer */
Aml *aml_name(const char *name);        /* a reference to a named object */
Aml *aml_arg(unsigned n);               /* Arg0..Arg6 */
Aml *aml_local(unsigned n);             /* Local0..Local7 */
Aml *aml_package(void);                 /* elements: aml_append */

/* Named objects and blocks */
Aml *aml_term_list(void);               /* bare: a table's body */
Aml *aml_scope(const char *name);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, unsigned nargs, bool serialized);
Aml *aml_name_decl(const char *name, Aml *value);
Aml *aml_if(Aml *predicate);
Aml *aml_else(void);

/* Expressions and statements (a NULL target discards the result) */
Aml *aml_return(Aml *value);
Aml *aml_equal(Aml *a, Aml *b);         /* LEqual */
Aml *aml_lnot(Aml *a);                  /* LNot */
Aml *aml_and(Aml *a, Aml *b, Aml *target);
Aml *aml_or(Aml *a, Aml *b, Aml *target);
Aml *aml_store(Aml *value, Aml *target);
Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name);

/* Resource templates: a buffer of descriptors ended by an end tag. */
Aml *aml_resource_template(void);
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_no_flags(uint8_t irq);
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable);
/* Bridge windows, produced by the bridge, min and max fixed. */
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_dword_io(uint32_t min, uint32_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max);
Aml *aml_qword_memory(uint64_t min, uint64_t max);

#endif
