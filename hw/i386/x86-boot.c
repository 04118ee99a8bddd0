/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct Linux boot: the bzImage setup header, boot_params, the e820
 * map, identity page tables and the boot processor's start state.
 * Layout and entry modes are described in include/hw/i386/x86-boot.h.
 */
#include "qemu/osdep.h"
#include <sys/stat.h>
#include "hw/i386/x86-boot.h"

/* Offsets in the bzImage file and in boot_params (the zero page). */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_EXT_RAMDISK_IMG  0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES     0x1e8
#define BP_E820_TABLE       0x2d0
#define BP_E820_MAX         128
#define HDR_START           0x1f1   /* setup_sects */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_JUMP            0x200   /* the header ends at 0x202 + byte 0x201 */
#define HDR_MAGIC           0x202
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_HEAP_END_PTR    0x224
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_XLOADFLAGS      0x236
#define HDR_CMDLINE_SIZE    0x238
#define HDR_PREF_ADDRESS    0x258
#define HDR_INIT_SIZE       0x260

#define LOADFLAG_LOADED_HIGH    0x01
#define LOADFLAG_CAN_USE_HEAP   0x80
#define XLF_KERNEL_64           0x01
#define LOADER_TYPE_UNDEFINED   0xff

#define PAGE_PRESENT_RW     0x003
#define PAGE_PSE            0x080

#define CR0_PE      (1ULL << 0)
#define CR0_ET      (1ULL << 4)
#define CR0_PG      (1ULL << 31)
#define CR4_PAE     (1ULL << 5)
#define EFER_LME    (1ULL << 8)
#define EFER_LMA    (1ULL << 10)

struct X86BootImage {
    char *kernel_path;
    char *initrd_path;
    char *cmdline;
    uint8_t *kernel;        /* the whole file */
    size_t kernel_size;
    size_t setup_size;      /* real-mode part: (setup_sects + 1) * 512 */
    uint8_t *initrd;
    size_t initrd_size;
    uint16_t protocol;
};

static uint16_t get16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v);
    put32(p + 4, v >> 32);
}

/* Reads all of @path; on failure sets errno and returns NULL. */
static uint8_t *read_file(const char *path, size_t *size)
{
    g_autofree uint8_t *buf = NULL;
    struct stat st;
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto fail;
    }
    buf = g_malloc(st.st_size ? st.st_size : 1);
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            goto fail;
        }
        done += n;
    }
    close(fd);
    *size = done;
    return g_steal_pointer(&buf);

fail: {
        int saved = errno;

        close(fd);
        errno = saved;
        return NULL;
    }
}

static bool check_kernel(X86BootImage *img, Error **errp)
{
    const uint8_t *k = img->kernel;
    unsigned setup_sects;

    if (img->kernel_size < HDR_INIT_SIZE + 4 || get32(k + HDR_MAGIC) !=
        ('H' | 'd' << 8 | 'r' << 16 | (uint32_t)'S' << 24)) {
        error_setg(errp, "kernel '%s' is not a bzImage: no \"HdrS\" setup "
                   "header", img->kernel_path);
        return false;
    }
    img->protocol = get16(k + HDR_VERSION);
    if (img->protocol < X86_BOOT_MIN_PROTOCOL) {
        error_setg(errp, "kernel '%s': boot protocol %u.%02u is too old, "
                   "%u.%02u or later is needed", img->kernel_path,
                   img->protocol >> 8, img->protocol & 0xff,
                   X86_BOOT_MIN_PROTOCOL >> 8, X86_BOOT_MIN_PROTOCOL & 0xff);
        return false;
    }
    if (!(k[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        error_setg(errp, "kernel '%s' is not a bzImage: it is a zImage "
                   "(loaded low)", img->kernel_path);
        return false;
    }
    setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    img->setup_size = (setup_sects + 1) * 512;
    if (img->setup_size >= img->kernel_size ||
        HDR_JUMP + 2 + k[HDR_JUMP + 1] > img->setup_size) {
        error_setg(errp, "kernel '%s' is not a bzImage: truncated after "
                   "its setup header", img->kernel_path);
        return false;
    }
    return true;
}

X86BootImage *x86_boot_image_open(const char *kernel, const char *initrd,
                                  const char *cmdline, Error **errp)
{
    g_autoptr(X86BootImage) img = g_new0(X86BootImage, 1);

    img->kernel_path = g_strdup(kernel);
    img->initrd_path = g_strdup(initrd);
    img->cmdline = g_strdup(cmdline ? cmdline : "");
    img->kernel = read_file(kernel, &img->kernel_size);
    if (!img->kernel) {
        error_setg(errp, "could not open kernel file '%s': %s", kernel,
                   g_strerror(errno));
        return NULL;
    }
    if (!check_kernel(img, errp)) {
        return NULL;
    }
    if (initrd) {
        img->initrd = read_file(initrd, &img->initrd_size);
        if (!img->initrd) {
            error_setg(errp, "could not open initrd file '%s': %s", initrd,
                       g_strerror(errno));
            return NULL;
        }
    }
    return g_steal_pointer(&img);
}

void x86_boot_image_free(X86BootImage *img)
{
    if (!img) {
        return;
    }
    g_free(img->kernel_path);
    g_free(img->initrd_path);
    g_free(img->cmdline);
    g_free(img->kernel);
    g_free(img->initrd);
    g_free(img);
}

bool x86_boot_image_is_64bit(const X86BootImage *img)
{
    return img->protocol >= 0x20c &&
           (get16(img->kernel + HDR_XLOADFLAGS) & XLF_KERNEL_64);
}

static unsigned e820_add(E820Entry *e, unsigned n, unsigned max,
                         uint64_t addr, uint64_t size, uint32_t type)
{
    if (n < max && size) {
        e[n] = (E820Entry) { .addr = addr, .size = size, .type = type };
        n++;
    }
    return n;
}

unsigned x86_boot_e820_build(const X86BootMachine *m, E820Entry *e,
                             unsigned max)
{
    uint64_t low = MIN(m->ram_below_4g, X86_BOOT_EBDA_ADDR);
    unsigned n = 0;

    n = e820_add(e, n, max, 0, low, E820_RAM);
    /* EBDA and the BIOS area: the RSDP and tables live at 0xe0000. */
    n = e820_add(e, n, max, X86_BOOT_EBDA_ADDR, 0xa0000 - X86_BOOT_EBDA_ADDR,
                 E820_RESERVED);
    n = e820_add(e, n, max, X86_BOOT_ACPI_ADDR, X86_BOOT_ACPI_MAX,
                 E820_RESERVED);
    if (m->ram_below_4g > X86_BOOT_KERNEL_ADDR) {
        n = e820_add(e, n, max, X86_BOOT_KERNEL_ADDR,
                     m->ram_below_4g - X86_BOOT_KERNEL_ADDR, E820_RAM);
    }
    /* Linux trusts MMCONFIG only where the firmware reserved it. */
    n = e820_add(e, n, max, m->ecam_base, m->ecam_base ? m->ecam_size : 0,
                 E820_RESERVED);
    n = e820_add(e, n, max, 0x100000000ULL, m->ram_above_4g, E820_RAM);
    return n;
}

static bool write_guest(AddressSpace *as, uint64_t addr, const void *buf,
                        size_t len, const char *what, Error **errp)
{
    if (address_space_write(as, addr, MEMTXATTRS_UNSPECIFIED, buf, len) !=
        MEMTX_OK) {
        error_setg(errp, "could not write the %s to guest RAM at 0x%" PRIx64,
                   what, addr);
        return false;
    }
    return true;
}

/* GDT at X86_BOOT_GDT_ADDR and, for long mode, the identity map. */
static bool write_gdt_and_tables(AddressSpace *as, bool long_mode,
                                 Error **errp)
{
    uint8_t gdt[4 * 8] = { 0 };
    g_autofree uint8_t *pt = g_malloc0(6 * 4096);

    /* 0x10: code (64-bit, or 32-bit flat), 0x18: data, flat 4 GiB. */
    put64(gdt + X86_BOOT_CODE_SELECTOR,
          long_mode ? 0x00af9a000000ffffULL : 0x00cf9a000000ffffULL);
    put64(gdt + X86_BOOT_DATA_SELECTOR, 0x00cf92000000ffffULL);
    if (!write_guest(as, X86_BOOT_GDT_ADDR, gdt, sizeof(gdt), "GDT", errp)) {
        return false;
    }
    if (!long_mode) {
        return true;
    }
    /* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, each PD maps 1 GiB. */
    put64(pt, (X86_BOOT_PML4_ADDR + 0x1000) | PAGE_PRESENT_RW);
    for (int i = 0; i < 4; i++) {
        put64(pt + 0x1000 + i * 8,
              (X86_BOOT_PML4_ADDR + 0x2000 + i * 0x1000) | PAGE_PRESENT_RW);
        for (int j = 0; j < 512; j++) {
            uint64_t addr = ((uint64_t)i << 30) | ((uint64_t)j << 21);

            put64(pt + 0x2000 + i * 0x1000 + j * 8,
                  addr | PAGE_PRESENT_RW | PAGE_PSE);
        }
    }
    return write_guest(as, X86_BOOT_PML4_ADDR, pt, 6 * 4096, "page tables",
                       errp);
}

/*
 * Where the kernel ends up: *@kernel_end is the end of the file's
 * protected-mode part at 1 MiB, *@need the end of the area it
 * decompresses into (nothing else may be placed below it).
 */
static void kernel_extent(const X86BootImage *img, uint64_t *kernel_end,
                          uint64_t *need)
{
    const uint8_t *k = img->kernel;
    size_t pm_size = img->kernel_size - img->setup_size;

    *kernel_end = X86_BOOT_KERNEL_ADDR + pm_size;
    if (img->protocol >= 0x20a) {
        /* It decompresses at max(load address, pref_address). */
        uint64_t pref = get32(k + HDR_PREF_ADDRESS) |
                        (uint64_t)get32(k + HDR_PREF_ADDRESS + 4) << 32;

        *need = MAX((uint64_t)X86_BOOT_KERNEL_ADDR, pref) +
                get32(k + HDR_INIT_SIZE);
    } else {
        /* No init_size: assume the usual compression ratio, at most 4. */
        *need = X86_BOOT_KERNEL_ADDR + pm_size * 4;
    }
    *need = MAX(*need, *kernel_end);
}

/* The highest address + 1 the initrd may end at. */
static uint64_t initrd_limit(const X86BootImage *img,
                             const X86BootMachine *machine)
{
    return MIN((uint64_t)get32(img->kernel + HDR_INITRD_ADDR_MAX) + 1,
               machine->ram_below_4g);
}

bool x86_boot_image_check(const X86BootImage *img,
                          const X86BootMachine *machine, Error **errp)
{
    size_t cmdline_len = strlen(img->cmdline) + 1;
    uint32_t cmdline_max = get32(img->kernel + HDR_CMDLINE_SIZE) + 1;
    uint64_t kernel_end, need;

    kernel_extent(img, &kernel_end, &need);
    if (need > machine->ram_below_4g) {
        error_setg(errp, "kernel '%s' needs %" PRIu64 " MiB of RAM below "
                   "4 GiB to decompress, the machine has %" PRIu64 " MiB",
                   img->kernel_path, DIV_ROUND_UP(need, 1 << 20),
                   machine->ram_below_4g >> 20);
        return false;
    }
    cmdline_max = MIN(cmdline_max, X86_BOOT_CMDLINE_MAX);
    if (cmdline_len > cmdline_max) {
        error_setg(errp, "kernel command line is too long: %zu bytes, the "
                   "kernel takes at most %u", cmdline_len - 1,
                   cmdline_max - 1);
        return false;
    }
    if (img->initrd) {
        uint64_t limit = initrd_limit(img, machine);
        uint64_t room = limit > need ? limit - need : 0;

        if (img->initrd_size > room) {
            error_setg(errp, "initrd '%s' is too large: %zu bytes, at most "
                       "%" PRIu64 " fit below the kernel's initrd limit",
                       img->initrd_path, img->initrd_size, room);
            return false;
        }
    }
    return true;
}

bool x86_boot_image_place(X86BootImage *img, AddressSpace *as,
                          const X86BootMachine *machine,
                          const GByteArray *acpi, X86BootCPUState *cpu,
                          Error **errp)
{
    const uint8_t *k = img->kernel;
    uint8_t bp[4096] = { 0 };
    E820Entry e820[BP_E820_MAX];
    unsigned n_e820, hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
    size_t pm_size = img->kernel_size - img->setup_size;
    size_t cmdline_len = strlen(img->cmdline) + 1;
    uint64_t need, kernel_end;
    bool long_mode = x86_boot_image_is_64bit(img);

    if (!x86_boot_image_check(img, machine, errp)) {
        return false;
    }
    kernel_extent(img, &kernel_end, &need);
    if (acpi && acpi->len > X86_BOOT_ACPI_MAX) {
        error_setg(errp, "ACPI tables too large: %u bytes, %u fit",
                   acpi->len, X86_BOOT_ACPI_MAX);
        return false;
    }

    memcpy(bp + HDR_START, k + HDR_START, hdr_end - HDR_START);
    bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    bp[HDR_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    put16(bp + HDR_HEAP_END_PTR, 0xfe00);
    put32(bp + HDR_CODE32_START, X86_BOOT_KERNEL_ADDR);
    put32(bp + HDR_CMD_LINE_PTR, X86_BOOT_CMDLINE_ADDR);
    put32(bp + BP_EXT_CMD_LINE_PTR, 0);

    if (img->initrd) {
        uint64_t limit = initrd_limit(img, machine);
        uint64_t addr;

        addr = (limit - img->initrd_size) & ~0xfffULL;
        if (addr < need) {
            addr = need;            /* it fits, just not page-aligned */
        }
        if (!write_guest(as, addr, img->initrd, img->initrd_size, "initrd",
                         errp)) {
            return false;
        }
        put32(bp + HDR_RAMDISK_IMAGE, addr);
        put32(bp + HDR_RAMDISK_SIZE, img->initrd_size);
    }

    n_e820 = x86_boot_e820_build(machine, e820, BP_E820_MAX);
    bp[BP_E820_ENTRIES] = n_e820;
    for (unsigned i = 0; i < n_e820; i++) {
        uint8_t *p = bp + BP_E820_TABLE + i * 20;

        put64(p, e820[i].addr);
        put64(p + 8, e820[i].size);
        put32(p + 16, e820[i].type);
    }
    if (acpi && img->protocol >= 0x20e) {
        put64(bp + BP_ACPI_RSDP_ADDR, X86_BOOT_ACPI_ADDR);
    }

    if (!write_guest(as, X86_BOOT_KERNEL_ADDR, k + img->setup_size, pm_size,
                     "kernel", errp) ||
        !write_guest(as, X86_BOOT_CMDLINE_ADDR, img->cmdline, cmdline_len,
                     "command line", errp) ||
        !write_guest(as, X86_BOOT_PARAMS_ADDR, bp, sizeof(bp), "boot_params",
                     errp) ||
        (acpi && !write_guest(as, X86_BOOT_ACPI_ADDR, acpi->data, acpi->len,
                              "ACPI tables", errp)) ||
        !write_gdt_and_tables(as, long_mode, errp)) {
        return false;
    }

    *cpu = (X86BootCPUState) {
        .long_mode = long_mode,
        .rip = X86_BOOT_KERNEL_ADDR + (long_mode ? 0x200 : 0),
        .rsi = X86_BOOT_PARAMS_ADDR,
        .rsp = X86_BOOT_STACK_TOP,
        .rflags = 0x2,
        .cr0 = CR0_PE | CR0_ET | (long_mode ? CR0_PG : 0),
        .cr3 = long_mode ? X86_BOOT_PML4_ADDR : 0,
        .cr4 = long_mode ? CR4_PAE : 0,
        .efer = long_mode ? EFER_LME | EFER_LMA : 0,
        .gdt_base = X86_BOOT_GDT_ADDR,
        .gdt_limit = 4 * 8 - 1,
        .code_selector = X86_BOOT_CODE_SELECTOR,
        .data_selector = X86_BOOT_DATA_SELECTOR,
    };
    return true;
}
