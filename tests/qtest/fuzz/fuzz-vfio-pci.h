/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libFuzzer entry points of fuzz-vfio-pci.c, for replay-main.c.
 *
 * LLVMFuzzerInitialize() may re-execute the program (to preload the
 * simulated kernel) and then creates the machine; call it once, first.
 * LLVMFuzzerTestOneInput() runs one input and leaves the machine reset;
 * it returns 0.  A finding shows as a crash, an abort or a sanitizer report.
 */
#ifndef TESTS_FUZZ_FUZZ_VFIO_PCI_H
#define TESTS_FUZZ_FUZZ_VFIO_PCI_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
