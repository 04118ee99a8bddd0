/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-input fuzzer for vfio-pci on the simulated kernel.
 *
 * One q35 machine per process, with two vfio-pci functions on
 * libvfio-sim.so's edu devices: 00:04.0 through an iommufd object, 00:05.0
 * through the legacy container.  An input is a byte-coded guest program
 * (see docs/devel/fuzzing.rst): the first byte picks the target function,
 * then each operation is an opcode byte and its operands.  The harness
 * places BAR0 and enables memory decoding before each input, runs the
 * operations, lets the main loop deliver what the device raised, and
 * resets the machine, so every input starts from the same state.
 *
 * The simulated kernel must be preloaded; without it the harness re-executes
 * itself with LD_PRELOAD and VFIO_SIM_CONFIG set (paths from the build).
 *
 * Built as a libFuzzer target (clang, -fsanitize=fuzzer) or, with
 * replay-main.c, as a plain program that runs the inputs it is given.
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci.h"
#include <linux/pci_regs.h>
#include "qom/object_interfaces.h"
#include "system/memory.h"
#include "system/runstate.h"
/* The q35 machine the unit tests build in-process (harness_machine_*). */
#include "../../unit/pci-harness.h"
#include "fuzz-vfio-pci.h"

/* clang links ASan statically, and its symbolizer never calls the sim */
#ifdef __clang__
#define FUZZ_ASAN_STATIC 1
#else
#define FUZZ_ASAN_STATIC 0
#endif

#define BAR0_BASE       0xfe000000u
#define BAR0_SIZE       0x100000u
#define RAM_SIZE        (128 * 1024 * 1024)

static const int target_devfn[2] = { PCI_DEVFN(4, 0), PCI_DEVFN(5, 0) };
static DeviceState *target_dev[2];

typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static uint8_t in_u8(Input *in)
{
    if (!in->left) {
        return 0;
    }
    in->left--;
    return *in->p++;
}

static uint32_t in_u32(Input *in)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)in_u8(in) << (8 * i);
    }
    return v;
}

static uint16_t in_u16(Input *in)
{
    return in_u8(in) | (in_u8(in) << 8);
}

/* ---- the guest's accesses ---- */

static void io_write(uint16_t port, uint32_t val, int size)
{
    switch (size) {
    case 1:
        address_space_stb(&address_space_io, port, val,
                          MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    case 2:
        address_space_stw_le(&address_space_io, port, val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    default:
        address_space_stl_le(&address_space_io, port, val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
    }
}

static uint32_t io_read(uint16_t port, int size)
{
    switch (size) {
    case 1:
        return address_space_ldub(&address_space_io, port,
                                  MEMTXATTRS_UNSPECIFIED, NULL);
    case 2:
        return address_space_lduw_le(&address_space_io, port,
                                     MEMTXATTRS_UNSPECIFIED, NULL);
    default:
        return address_space_ldl_le(&address_space_io, port,
                                    MEMTXATTRS_UNSPECIFIED, NULL);
    }
}

static void cfg_select(int devfn, uint8_t reg)
{
    io_write(0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc), 4);
}

static int access_size(uint8_t code)
{
    return 1 << (code & 3) > 4 ? 4 : 1 << (code & 3);
}

static void cfg_write(int devfn, uint8_t reg, uint32_t val, int size)
{
    cfg_select(devfn, reg);
    io_write(0xcfc + (reg & (4 - size)), val, size);
}

static uint32_t cfg_read(int devfn, uint8_t reg, int size)
{
    cfg_select(devfn, reg);
    return io_read(0xcfc + (reg & (4 - size)), size);
}

static void mem_write(hwaddr addr, uint64_t val, int size)
{
    uint64_t le = GUINT64_TO_LE(val);
    uint8_t buf[8];

    memcpy(buf, &le, sizeof(buf));
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, size);
}

static void mem_read(hwaddr addr, int size)
{
    uint8_t buf[8];

    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, size);
}

static int mmio_size(uint8_t code)
{
    return 1 << (code & 3);
}

/* ---- set-up ---- */

static void add_object(const char *kv)
{
    g_autoptr(JsonObject) opts = keyval_parse(kv, "qom-type", NULL,
                                              &error_abort);

    user_creatable_add_from_json(opts, true, &error_fatal);
}

static DeviceState *add_device(const char *kv)
{
    return harness_device_add(kv, &error_fatal);
}

static void machine_create(void)
{
    qemu_init_main_loop(&error_fatal);
    add_object("iommufd,id=fd0");
    harness_machine_new(RAM_SIZE);
    target_dev[0] = add_device("vfio-pci,host=0000:00:10.0,iommufd=fd0,"
                               "addr=04.0,id=fd-dev");
    /*
     * x-p2p=off: mapping the mmapped BAR into both IOMMUs at each BAR move
     * costs more than the rest of an input; the sweep covers that path.
     */
    target_dev[1] = add_device("vfio-pci,host=0000:00:11.0,iommufd=off,"
                               "addr=05.0,id=leg-dev,x-p2p=off");
    harness_machine_done();
    vm_start();
}

static void ensure_simulated_kernel(char ***argv)
{
    const char *preload = g_getenv("LD_PRELOAD");
    g_autofree char *asan = NULL;

    if (preload && strstr(preload, "libvfio-sim")) {
        /*
         * Loaded now; children (libFuzzer's -jobs shells) must not inherit
         * an instrumented library they cannot link.
         */
        g_unsetenv("LD_PRELOAD");
        return;
    }
    /* symbolize=0: gcc's libasan would mmap through the sim too early */
    asan = g_strdup_printf("%s:verify_asan_link_order=0%s",
                           g_getenv("ASAN_OPTIONS") ?: "",
                           FUZZ_ASAN_STATIC ? "" : ":symbolize=0");
    g_setenv("ASAN_OPTIONS", asan, TRUE);
    g_setenv("LD_PRELOAD", FUZZ_SIM_LIB, TRUE);
    if (!g_getenv("VFIO_SIM_CONFIG")) {
        g_setenv("VFIO_SIM_CONFIG", FUZZ_SIM_CONFIG, TRUE);
    }
    execv("/proc/self/exe", *argv);
    fprintf(stderr, "fuzz-vfio-pci: cannot re-execute with %s: %s\n",
            FUZZ_SIM_LIB, strerror(errno));
    exit(1);
}

static void place_bar0(int devfn, uint32_t base);
static uint8_t find_cap(int devfn, uint8_t id);

/* A harness that silently fuzzes an absent device finds nothing. */
static void check_devices_answer(void)
{
    for (int i = 0; i < 2; i++) {
        uint32_t id = cfg_read(target_devfn[i], PCI_VENDOR_ID, 4);
        uint64_t ident = 0;

        place_bar0(target_devfn[i], BAR0_BASE);
        address_space_read(&address_space_memory, BAR0_BASE,
                           MEMTXATTRS_UNSPECIFIED, &ident, 4);
        if (id != 0x11e81234 || ident != 0x010000ed) {
            fprintf(stderr, "fuzz-vfio-pci: 00:%02x.0 answers id %08x, "
                    "edu identification %08" PRIx64 ": not the simulated "
                    "edu\n", PCI_SLOT(target_devfn[i]), id, ident);
            abort();
        }
        if (!find_cap(target_devfn[i], PCI_CAP_ID_MSIX)) {
            fprintf(stderr, "fuzz-vfio-pci: 00:%02x.0 has no MSI-X "
                    "capability: check fuzz.conf\n",
                    PCI_SLOT(target_devfn[i]));
            abort();
        }
        qemu_system_reset(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static bool in_input;

/*
 * The simulated kernel fails an ioctl only when the caller broke a uAPI
 * rule (no fault injection here), so a report of a failed VFIO or iommufd
 * ioctl while the guest runs is a finding, like a crash.
 */
static void error_sink(const char *line, void *opaque)
{
    fprintf(stderr, "%s\n", line);
    if (in_input && strstr(line, " failed: ") &&
        (strstr(line, "VFIO_") || strstr(line, "IOMMU_"))) {
        fprintf(stderr, "fuzz-vfio-pci: the guest made a VFIO ioctl "
                "fail\n");
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ensure_simulated_kernel(argv);
    error_set_sink(error_sink, NULL);
    machine_create();
    check_devices_answer();
    return 0;
}

/* ---- one input ---- */

enum {
    OP_CFG_READ,
    OP_CFG_WRITE,
    OP_MMIO_READ,
    OP_MMIO_WRITE,
    OP_MSI_PROGRAM,     /* address, data and enable of the MSI capability */
    OP_COMMAND,         /* toggle command-register bits */
    OP_BAR_PLACE,       /* move (or unmap) BAR0 */
    OP_EDU_DMA,         /* an edu transfer between RAM and the device */
    OP_MAIN_LOOP,       /* deliver pending interrupts */
    OP_RESET,           /* system_reset in the middle of the program */
    OP_MSIX_TABLE,      /* writes into the MSI-X table and PBA */
    OP_MSIX_PROGRAM,    /* one vector's entry, then enable/mask bits */
    OP_COUNT
};

static uint8_t find_cap(int devfn, uint8_t id)
{
    uint8_t pos = cfg_read(devfn, PCI_CAPABILITY_LIST, 1);

    for (int n = 0; pos && n < 48; n++) {
        if (cfg_read(devfn, pos, 1) == id) {
            return pos;
        }
        pos = cfg_read(devfn, pos + 1, 1);
    }
    return 0;
}

static void place_bar0(int devfn, uint32_t base)
{
    cfg_write(devfn, PCI_BASE_ADDRESS_0, base, 4);
    cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

/*
 * Returns true if the operation may have changed state outside the target
 * function (a BAR placed over other regions, a machine reset), which only
 * a machine reset undoes.
 */
static bool run_op(int devfn, Input *in, uint32_t *bar)
{
    uint8_t op = in_u8(in) % OP_COUNT;
    uint8_t code, reg, cap;
    uint32_t off;

    switch (op) {
    case OP_CFG_READ:
        code = in_u8(in);
        cfg_read(devfn, in_u8(in), access_size(code));
        break;
    case OP_CFG_WRITE:
        code = in_u8(in);
        reg = in_u8(in);
        cfg_write(devfn, reg, in_u32(in), access_size(code));
        break;
    case OP_MMIO_READ:
        code = in_u8(in);
        off = in_u32(in) % BAR0_SIZE;
        mem_read(*bar + off, mmio_size(code));
        break;
    case OP_MMIO_WRITE:
        code = in_u8(in);
        off = in_u32(in) % BAR0_SIZE;
        mem_write(*bar + off, in_u32(in) | (uint64_t)in_u32(in) << 32,
                  mmio_size(code));
        break;
    case OP_MSI_PROGRAM:
        cap = find_cap(devfn, PCI_CAP_ID_MSI);
        code = in_u8(in);
        if (cap) {
            cfg_write(devfn, cap + PCI_MSI_ADDRESS_LO, 0xfee00000u |
                      (in_u16(in) & 0xffc), 4);
            cfg_write(devfn, cap + PCI_MSI_DATA_32, in_u16(in), 2);
            cfg_write(devfn, cap + PCI_MSI_FLAGS, code, 2);
        }
        break;
    case OP_COMMAND:
        cfg_write(devfn, PCI_COMMAND,
                  cfg_read(devfn, PCI_COMMAND, 2) ^ in_u16(in), 2);
        break;
    case OP_BAR_PLACE:
        *bar = in_u32(in) & ~(BAR0_SIZE - 1);
        cfg_write(devfn, PCI_BASE_ADDRESS_0, *bar, 4);
        return true;
    case OP_EDU_DMA:
        /* source, destination, count, command (edu registers 0x80..0x98) */
        mem_write(*bar + 0x80, in_u32(in) % RAM_SIZE, 8);
        mem_write(*bar + 0x88, 0x40000 + (in_u16(in) & 0xfff), 8);
        mem_write(*bar + 0x90, in_u16(in) & 0x1fff, 8);
        mem_write(*bar + 0x98, in_u8(in) & 7, 8);
        break;
    case OP_MAIN_LOOP:
        main_loop_wait(false);
        break;
    case OP_RESET:
        qemu_system_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        *bar = BAR0_BASE;
        place_bar0(devfn, *bar);
        return true;
    case OP_MSIX_TABLE:
        off = (in_u16(in) & 0x3f) * 16;
        mem_write(*bar + 0x80000 + off, in_u32(in), 4);
        break;
    case OP_MSIX_PROGRAM:
        cap = find_cap(devfn, PCI_CAP_ID_MSIX);
        code = in_u8(in);
        off = 0x80000 + (code & 0xf) * PCI_MSIX_ENTRY_SIZE;
        mem_write(*bar + off + PCI_MSIX_ENTRY_LOWER_ADDR,
                  0xfee00000u | (in_u16(in) & 0xffc), 4);
        mem_write(*bar + off + PCI_MSIX_ENTRY_UPPER_ADDR, 0, 4);
        mem_write(*bar + off + PCI_MSIX_ENTRY_DATA, in_u16(in), 4);
        mem_write(*bar + off + PCI_MSIX_ENTRY_VECTOR_CTRL, code >> 7, 4);
        if (cap) {
            uint16_t bits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

            cfg_write(devfn, cap + PCI_MSIX_FLAGS, (in_u8(in) << 8) & bits, 2);
        }
        break;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { data, size };
    int target = in_u8(&in) & 1;
    int devfn = target_devfn[target];
    uint32_t bar = BAR0_BASE;
    bool machine_touched = false;

    in_input = true;
    place_bar0(devfn, bar);
    for (int n = 0; in.left && n < 4096; n++) {
        machine_touched |= run_op(devfn, &in, &bar);
    }
    main_loop_wait(false);
    /* resetting the one function is enough, and much cheaper */
    if (machine_touched) {
        qemu_system_reset(SHUTDOWN_CAUSE_GUEST_RESET);
    } else {
        device_cold_reset(target_dev[target]);
    }
    main_loop_wait(false);
    in_input = false;
    return 0;
}
