/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct Linux boot: a synthetic bzImage (every header field under the
 * test's control) and, when present, the bench's real bzImage
 * (QEMU_VFIO_KERNEL or ~/.cache/qemu-vfio/kernel/.../bzImage), loaded into
 * a q35 machine's RAM and read back as the kernel would read it.
 */
#include "pci-harness.h"
#include "hw/i386/x86-boot.h"
#include "hw/i386/x86-boot-q35.h"

#define RAM (512ULL << 20)

static MachineState *machine;
static char *tmpdir;

static X86BootMachine test_machine(void)
{
    return (X86BootMachine) {
        .ram_below_4g = RAM, .ecam_base = Q35_ECAM_BASE,
        .ecam_size = Q35_ECAM_SIZE,
    };
}

typedef struct FakeKernel {
    uint16_t protocol;
    uint8_t loadflags;
    uint16_t xloadflags;
    uint32_t initrd_addr_max;
    uint32_t cmdline_size;
    uint32_t init_size;
    uint64_t pref_address;
    size_t payload;             /* bytes after the setup sectors */
    bool no_magic;
} FakeKernel;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/* Writes a bzImage with 4 setup sectors and a patterned payload. */
static char *fake_kernel(const char *name, const FakeKernel *f)
{
    size_t setup = 5 * 512, len = setup + f->payload;
    g_autofree uint8_t *img = g_malloc0(len);
    char *path = g_build_filename(tmpdir, name, NULL);

    img[0x1f1] = 4;
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    img[0x200] = 0xeb;                      /* jmp over the header */
    img[0x201] = 0x6a;                      /* header ends at 0x26c */
    if (!f->no_magic) {
        memcpy(img + 0x202, "HdrS", 4);
    }
    img[0x206] = f->protocol;
    img[0x207] = f->protocol >> 8;
    img[0x211] = f->loadflags;
    put32(img + 0x214, 0x100000);
    put32(img + 0x22c, f->initrd_addr_max);
    img[0x236] = f->xloadflags;
    put32(img + 0x238, f->cmdline_size);
    put32(img + 0x258, f->pref_address);
    put32(img + 0x25c, f->pref_address >> 32);
    put32(img + 0x260, f->init_size);
    for (size_t i = setup; i < len; i++) {
        img[i] = i * 7 + 3;
    }
    g_assert_true(g_file_set_contents(path, (char *)img, len, NULL));
    return path;
}

static const FakeKernel modern = {
    .protocol = 0x20f, .loadflags = 1, .xloadflags = 1,
    .initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
    .init_size = 8 << 20, .pref_address = 0x1000000, .payload = 100000,
};

static char *write_file(const char *name, size_t len, uint8_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);
    char *path = g_build_filename(tmpdir, name, NULL);

    for (size_t i = 0; i < len; i++) {
        buf[i] = seed + i * 13;
    }
    g_assert_true(g_file_set_contents(path, (char *)buf, len, NULL));
    return path;
}

static void read_guest(uint64_t addr, void *buf, size_t len)
{
    g_assert_cmpuint(address_space_read(&address_space_memory, addr,
                                        MEMTXATTRS_UNSPECIFIED, buf, len),
                     ==, MEMTX_OK);
}

/* Walks the identity map the way the MMU would (2 MiB pages). */
static uint64_t translate(uint64_t cr3, uint64_t va)
{
    uint64_t pml4e = mem_readq(cr3 + ((va >> 39) & 511) * 8);
    uint64_t pdpte, pde;

    g_assert_true(pml4e & 1);
    pdpte = mem_readq((pml4e & ~0xfffULL) + ((va >> 30) & 511) * 8);
    g_assert_true(pdpte & 1);
    pde = mem_readq((pdpte & ~0xfffULL) + ((va >> 21) & 511) * 8);
    g_assert_true(pde & 1);
    g_assert_true(pde & 0x80);
    return (pde & ~0x1fffffULL) | (va & 0x1fffff);
}

static void test_synthetic_64bit(void)
{
    g_autofree char *kernel = fake_kernel("k64", &modern);
    g_autofree char *initrd = write_file("initrd", 300000, 5);
    X86BootMachine m = test_machine();
    g_autoptr(X86BootImage) img = NULL;
    g_autoptr(GByteArray) acpi = g_byte_array_new();
    X86BootCPUState cpu;
    E820Entry e820[16];
    uint8_t bp[4096], buf[64];
    g_autofree uint8_t *file = NULL, *back = NULL;
    size_t file_len;
    uint32_t ramdisk, ramdisk_size;

    g_byte_array_append(acpi, (const uint8_t *)"RSD PTR ", 8);
    img = x86_boot_image_open(kernel, initrd, "console=ttyS0 quiet",
                              &error_abort);
    g_assert_true(x86_boot_image_is_64bit(img));
    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, acpi,
                                       &cpu, &error_abort));

    g_assert_true(cpu.long_mode);
    g_assert_cmphex(cpu.rip, ==, 0x100200);
    g_assert_cmphex(cpu.rsi, ==, X86_BOOT_PARAMS_ADDR);
    g_assert_cmphex(cpu.cr0 & 0x80000001, ==, 0x80000001);
    g_assert_cmphex(cpu.cr4 & 0x20, ==, 0x20);
    g_assert_cmphex(cpu.efer, ==, 0x500);
    g_assert_cmphex(cpu.cr3, ==, X86_BOOT_PML4_ADDR);
    g_assert_cmpuint(cpu.code_selector, ==, 0x10);
    g_assert_cmpuint(cpu.data_selector, ==, 0x18);
    /* The GDT's code descriptor is a 64-bit one (L set, D clear). */
    g_assert_cmphex(mem_readq(cpu.gdt_base + 0x10), ==, 0x00af9a000000ffffULL);
    g_assert_cmphex(mem_readq(cpu.gdt_base + 0x18), ==, 0x00cf92000000ffffULL);
    /* Identity map of all 4 GiB. */
    g_assert_cmphex(translate(cpu.cr3, 0x12345678), ==, 0x12345678);
    g_assert_cmphex(translate(cpu.cr3, 0xfee00040), ==, 0xfee00040);

    read_guest(X86_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    g_assert_cmpmem(bp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(bp[0x210], ==, 0xff);                   /* loader */
    g_assert_cmphex(bp[0x211] & 1, ==, 1);
    g_assert_cmphex(bp[0x228] | bp[0x229] << 8 | bp[0x22a] << 16, ==,
                    X86_BOOT_CMDLINE_ADDR);
    read_guest(X86_BOOT_CMDLINE_ADDR, buf, 20);
    g_assert_cmpstr((char *)buf, ==, "console=ttyS0 quiet");
    /* RSDP pointer (protocol 2.14+) and the tables themselves. */
    g_assert_cmphex(bp[0x70] | bp[0x71] << 8 | bp[0x72] << 16, ==,
                    X86_BOOT_ACPI_ADDR);
    read_guest(X86_BOOT_ACPI_ADDR, buf, 8);
    g_assert_cmpmem(buf, 8, "RSD PTR ", 8);

    /* The initrd: page aligned, below RAM top, above the kernel. */
    ramdisk = bp[0x218] | bp[0x219] << 8 | bp[0x21a] << 16 |
              (uint32_t)bp[0x21b] << 24;
    ramdisk_size = bp[0x21c] | bp[0x21d] << 8 | bp[0x21e] << 16;
    g_assert_cmpuint(ramdisk_size, ==, 300000);
    g_assert_cmpuint(ramdisk % 4096, ==, 0);
    g_assert_cmpuint(ramdisk + ramdisk_size, <=, RAM);
    g_assert_cmpuint(ramdisk, >=, 0x1000000 + (8 << 20));
    g_assert_true(g_file_get_contents(initrd, (char **)&file, &file_len,
                                      NULL));
    back = g_malloc(file_len);
    read_guest(ramdisk, back, file_len);
    g_assert_cmpmem(back, file_len, file, file_len);
    g_clear_pointer(&file, g_free);
    g_clear_pointer(&back, g_free);

    /* The protected-mode kernel at 1 MiB. */
    g_assert_true(g_file_get_contents(kernel, (char **)&file, &file_len,
                                      NULL));
    back = g_malloc(file_len - 2560);
    read_guest(0x100000, back, file_len - 2560);
    g_assert_cmpmem(back, file_len - 2560, file + 2560, file_len - 2560);

    /* e820 in boot_params equals the builder's, RAM where RAM is. */
    g_assert_cmpuint(bp[0x1e8], ==, x86_boot_e820_build(&m, e820, 16));
    for (unsigned i = 0; i < bp[0x1e8]; i++) {
        g_assert_cmpmem(bp + 0x2d0 + i * 20, 20, &e820[i], 20);
    }
}

static void test_e820(void)
{
    X86BootMachine m = {
        .ram_below_4g = Q35_PCI_HOLE_START, .ram_above_4g = 1ULL << 30,
        .ecam_base = Q35_ECAM_BASE, .ecam_size = Q35_ECAM_SIZE,
    };
    E820Entry e[16];
    unsigned n = x86_boot_e820_build(&m, e, 16);
    uint64_t ram = 0;

    for (unsigned i = 0; i < n; i++) {
        if (i) {
            /* Sorted and disjoint. */
            g_assert_cmphex(e[i].addr, >=, e[i - 1].addr + e[i - 1].size);
        }
        if (e[i].type == E820_RAM) {
            ram += e[i].size;
            /* No RAM over the BIOS area, the ECAM or the PCI hole. */
            g_assert_false(e[i].addr < 0x100000 &&
                           e[i].addr + e[i].size > X86_BOOT_EBDA_ADDR);
            g_assert_false(e[i].addr < 0x100000000ULL &&
                           e[i].addr + e[i].size > Q35_PCI_HOLE_START);
        }
    }
    g_assert_cmpuint(ram, ==, X86_BOOT_EBDA_ADDR +
                     (Q35_PCI_HOLE_START - 0x100000) + (1ULL << 30));
    g_assert_cmphex(e[n - 1].addr, ==, 0x100000000ULL);
    g_assert_cmpuint(e[n - 1].type, ==, E820_RAM);
    g_assert_cmphex(e[n - 2].addr, ==, Q35_ECAM_BASE);
    g_assert_cmpuint(e[n - 2].type, ==, E820_RESERVED);
}

static void test_synthetic_32bit(void)
{
    FakeKernel f = modern;
    g_autofree char *kernel = NULL;
    g_autoptr(X86BootImage) img = NULL;
    X86BootMachine m = test_machine();
    X86BootCPUState cpu;
    uint8_t bp[0x80];

    f.protocol = 0x20a;                 /* no xloadflags yet */
    kernel = fake_kernel("k32", &f);
    img = x86_boot_image_open(kernel, NULL, NULL, &error_abort);
    g_assert_false(x86_boot_image_is_64bit(img));
    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                       &cpu, &error_abort));
    g_assert_false(cpu.long_mode);
    g_assert_cmphex(cpu.rip, ==, 0x100000);
    g_assert_cmphex(cpu.cr0 & 0x80000001, ==, 1);
    g_assert_cmphex(cpu.efer, ==, 0);
    g_assert_cmphex(mem_readq(cpu.gdt_base + 0x10), ==, 0x00cf9a000000ffffULL);
    /* Protocol 2.10 has no acpi_rsdp_addr: left zero. */
    read_guest(X86_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    g_assert_cmphex(bp[0x70] | bp[0x71] << 8 | bp[0x72] << 16, ==, 0);
}

/* A reset after the guest scribbled over everything restores it. */
static void test_replace_after_reset(void)
{
    g_autofree char *kernel = fake_kernel("kr", &modern);
    g_autoptr(X86BootImage) img = x86_boot_image_open(kernel, NULL, "a=b",
                                                      &error_abort);
    X86BootMachine m = test_machine();
    X86BootCPUState cpu1, cpu2;
    uint32_t first;

    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                       &cpu1, &error_abort));
    first = mem_readl(0x100000);
    address_space_set(&address_space_memory, 0, 0xcc, 2 << 20,
                      MEMTXATTRS_UNSPECIFIED);
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                       &cpu2, &error_abort));
    g_assert_cmpint(cpu1.long_mode, ==, cpu2.long_mode);
    g_assert_cmphex(cpu1.rip, ==, cpu2.rip);
    g_assert_cmphex(cpu1.rsi, ==, cpu2.rsi);
    g_assert_cmphex(cpu1.rsp, ==, cpu2.rsp);
    g_assert_cmphex(cpu1.cr0, ==, cpu2.cr0);
    g_assert_cmphex(cpu1.cr3, ==, cpu2.cr3);
    g_assert_cmphex(cpu1.gdt_base, ==, cpu2.gdt_base);
    g_assert_cmphex(mem_readl(0x100000), ==, first);
    g_assert_cmphex(mem_readl(X86_BOOT_PARAMS_ADDR + 0x202), ==, 0x53726448);
    g_assert_cmphex(mem_readl(X86_BOOT_CMDLINE_ADDR), ==, 0x00623d61);
}

/* Opening @kernel (and @initrd) fails with @fmt, its %s being @named. */
static void expect_open_error(const char *kernel, const char *initrd,
                              const char *fmt, const char *named)
{
    g_autofree char *want = g_strdup_printf(fmt, named);
    Error *err = NULL;

    g_assert_null(x86_boot_image_open(kernel, initrd, NULL, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
}

static void test_open_errors(void)
{
    static const struct {
        const char *name;
        uint16_t protocol;
        uint8_t loadflags;
        size_t payload;
        const char *fmt;
    } bad_headers[] = {
        { "old", 0x204, 1, 100000, "kernel '%s': boot protocol 2.04 is too "
          "old, 2.06 or later is needed" },
        { "zimage", 0x20f, 0, 100000, "kernel '%s' is not a bzImage: it is "
          "a zImage (loaded low)" },
        { "trunc", 0x20f, 1, 0, "kernel '%s' is not a bzImage: truncated "
          "after its setup header" },
    };
    static const char no_hdrs[] = "kernel '%s' is not a bzImage: no "
                                  "\"HdrS\" setup header";
    g_autofree char *missing = g_build_filename(tmpdir, "nope", NULL);
    g_autofree char *good = fake_kernel("good", &modern);
    g_autofree char *random = write_file("random", 8192, 1);
    g_autofree char *tiny = write_file("tiny", 100, 1);

    expect_open_error(missing, NULL, "could not open kernel file '%s': No "
                      "such file or directory", missing);
    expect_open_error(tmpdir, NULL, "could not open kernel file '%s': Is a "
                      "directory", tmpdir);
    expect_open_error(random, NULL, no_hdrs, random);
    expect_open_error(tiny, NULL, no_hdrs, tiny);
    expect_open_error(good, missing, "could not open initrd file '%s': No "
                      "such file or directory", missing);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_headers); i++) {
        FakeKernel f = modern;
        g_autofree char *path = NULL;

        f.protocol = bad_headers[i].protocol;
        f.loadflags = bad_headers[i].loadflags;
        f.payload = bad_headers[i].payload;
        path = fake_kernel(bad_headers[i].name, &f);
        expect_open_error(path, NULL, bad_headers[i].fmt, path);
    }
}

static void expect_place_error(const FakeKernel *f, size_t initrd_size,
                               const char *cmdline, uint64_t ram,
                               const char *want_fmt)
{
    g_autofree char *kernel = fake_kernel("pk", f);
    g_autofree char *initrd = initrd_size ? write_file("pi", initrd_size, 9)
                                          : NULL;
    g_autoptr(X86BootImage) img = x86_boot_image_open(kernel, initrd, cmdline,
                                                      &error_abort);
    X86BootMachine m = test_machine();
    X86BootCPUState cpu;
    Error *err = NULL;
    g_autofree char *want = NULL;

    m.ram_below_4g = ram;
    g_assert_false(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                        &cpu, &err));
    /* The message names the initrd if there is one, else the kernel. */
    want = g_strdup_printf(want_fmt, initrd ? initrd : kernel);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
}

static void test_place_errors(void)
{
    FakeKernel f = modern;
    g_autofree char *long_line = g_strnfill(3000, 'x');

    /* 16 MiB preferred + 8 MiB to decompress into, in 20 MiB of RAM. */
    expect_place_error(&modern, 0, NULL, 20 << 20,
                       "kernel '%s' needs 24 MiB of RAM below 4 GiB to "
                       "decompress, the machine has 20 MiB");
    /* initrd_addr_max at 32 MiB leaves 8 MiB above the kernel. */
    f.initrd_addr_max = (32 << 20) - 1;
    expect_place_error(&f, (8 << 20) + 1, NULL, RAM,
                       "initrd '%s' is too large: 8388609 bytes, at most "
                       "8388608 fit below the kernel's initrd limit");
    expect_place_error(&modern, 0, long_line, RAM,
                       "%.0skernel command line is too long: 3000 bytes, the "
                       "kernel takes at most 2047");
}

/* Exactly as large as the room left: accepted. */
static void test_initrd_fits_exactly(void)
{
    FakeKernel f = modern;
    g_autofree char *kernel = NULL, *initrd = NULL;
    g_autoptr(X86BootImage) img = NULL;
    X86BootMachine m = test_machine();
    X86BootCPUState cpu;

    f.initrd_addr_max = (32 << 20) - 1;
    kernel = fake_kernel("fit", &f);
    initrd = write_file("fit-initrd", 8 << 20, 3);
    img = x86_boot_image_open(kernel, initrd, NULL, &error_abort);
    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                       &cpu, &error_abort));
    g_assert_cmphex(mem_readl(X86_BOOT_PARAMS_ADDR + 0x218), ==, 24 << 20);
}

static char *find_real_kernel(void)
{
    const char *env = g_getenv("QEMU_VFIO_KERNEL");
    g_autofree char *cache = g_build_filename(g_get_home_dir(), ".cache",
                                              "qemu-vfio", "kernel", NULL);
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (env) {
        return g_strdup(env);
    }
    dir = g_dir_open(cache, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        char *p = g_build_filename(cache, name, "bzImage", NULL);

        if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
            return p;
        }
        g_free(p);
    }
    return NULL;
}

static void test_real_bzimage(void)
{
    g_autofree char *kernel = find_real_kernel();
    g_autofree char *initrd = write_file("real-initrd", 1 << 20, 11);
    g_autofree uint8_t *file = NULL, *back = NULL;
    g_autoptr(X86BootImage) img = NULL;
    X86BootMachine m = test_machine();
    X86BootCPUState cpu;
    size_t len, setup;
    uint8_t bp[4096];

    if (!kernel) {
        g_test_skip("no bench bzImage (set QEMU_VFIO_KERNEL)");
        return;
    }
    img = x86_boot_image_open(kernel, initrd, "console=ttyS0", &error_abort);
    g_assert_true(x86_boot_image_is_64bit(img));
    g_assert_true(x86_boot_image_place(img, &address_space_memory, &m, NULL,
                                       &cpu, &error_abort));
    g_assert_cmphex(cpu.rip, ==, 0x100200);
    read_guest(X86_BOOT_PARAMS_ADDR, bp, sizeof(bp));
    g_assert_cmpuint(bp[0x206] | bp[0x207] << 8, >=, 0x20c);
    g_assert_true(g_file_get_contents(kernel, (char **)&file, &len, NULL));
    setup = ((file[0x1f1] ? file[0x1f1] : 4) + 1) * 512;
    back = g_malloc(len - setup);
    read_guest(0x100000, back, len - setup);
    g_assert_cmpmem(back, len - setup, file + setup, len - setup);
    /* The initrd sits above where the kernel decompresses. */
    g_assert_cmpuint(mem_readl(X86_BOOT_PARAMS_ADDR + 0x218), >=,
                     0x100000 + mem_readl(X86_BOOT_PARAMS_ADDR + 0x260));
}

/* The q35 glue: -kernel from MachineState, tables for the machine. */
static void test_q35_glue(void)
{
    g_autofree char *kernel = fake_kernel("q35k", &modern);
    Q35DirectBoot *boot;
    X86BootCPUState cpu;
    Error *err = NULL;

    g_assert_null(q35_direct_boot_new(machine, 2, &err));
    g_assert_null(err);
    machine->kernel_filename = g_strdup(kernel);
    machine->kernel_cmdline = g_strdup("root=/dev/ram0");
    boot = q35_direct_boot_new(machine, 2, &error_abort);
    g_assert_true(q35_direct_boot_reset(boot, &cpu, &error_abort));
    g_assert_cmphex(cpu.rip, ==, 0x100200);
    g_assert_cmphex(mem_readl(X86_BOOT_ACPI_ADDR), ==, 0x20445352);
    q35_direct_boot_free(boot);
    g_clear_pointer(&machine->kernel_filename, g_free);
    g_clear_pointer(&machine->kernel_cmdline, g_free);
}

static void remove_tmpdir(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);

        unlink(p);
    }
    rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("x86-boot-XXXXXX", NULL);
    machine = harness_machine_new(RAM);
    harness_machine_done();
    g_test_add_func("/x86-boot/e820", test_e820);
    g_test_add_func("/x86-boot/synthetic-64bit", test_synthetic_64bit);
    g_test_add_func("/x86-boot/synthetic-32bit", test_synthetic_32bit);
    g_test_add_func("/x86-boot/reset", test_replace_after_reset);
    g_test_add_func("/x86-boot/open-errors", test_open_errors);
    g_test_add_func("/x86-boot/place-errors", test_place_errors);
    g_test_add_func("/x86-boot/initrd-fits-exactly", test_initrd_fits_exactly);
    g_test_add_func("/x86-boot/real-bzimage", test_real_bzimage);
    g_test_add_func("/x86-boot/q35", test_q35_glue);
    ret = g_test_run();
    remove_tmpdir();
    g_free(tmpdir);
    return ret;
}
