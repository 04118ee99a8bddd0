/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ACPI tables and the AML encoder: layout, lengths, checksums,
 * pointers between tables, and iasl's disassembly of each table
 * (acpica-tools), which must succeed and show what Linux looks for.
 */
#include "qemu/osdep.h"
#include "hw/acpi/acpi-tables.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/pm.h"
#include "hw/i386/q35.h"
#include "hw/i386/x86-cpu.h"

#define BASE 0xe0000

static const uint8_t root_ports[] = { 0x08, 0x09, 0x10 };
/* Not 0..2: a topology's gaps, and one beyond xAPIC's 8 bits. */
static const uint32_t apic_ids[] = { 0, 4, 0x100 };

static AcpiMachineDesc test_desc(void)
{
    return (AcpiMachineDesc) {
        .cpus = G_N_ELEMENTS(apic_ids),
        .apic_ids = apic_ids,
        .ecam_base = Q35_ECAM_BASE,
        .ecam_last_bus = 255,
        .mmio32_start = Q35_PCI_MMIO32_START,
        .mmio32_end = Q35_PCI_MMIO32_END,
        .mmio64_start = 0x140000000ULL,
        .mmio64_end = 0x140000000ULL + Q35_PCI_MMIO64_SIZE,
        .ioapic_addr = 0xfec00000,
        .pirq_gsi_base = 16,
        .n_pirqs = 8,
        .root_ports = root_ports,
        .n_root_ports = G_N_ELEMENTS(root_ports),
        .pm_base = ACPI_PM_BASE_DEFAULT,
        .sci_gsi = ACPI_PM_SCI_GSI,
        .has_serial = true,
        .has_rtc = true,
    };
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Checks the header of the table at @off and returns its length. */
static uint32_t check_table(GByteArray *b, size_t off, const char *sig)
{
    uint32_t len;

    g_assert_cmpuint(off % 8, ==, 0);
    g_assert_cmpmem(b->data + off, 4, sig, 4);
    len = rd32(b->data + off + 4);
    g_assert_cmpuint(off + len, <=, b->len);
    g_assert_cmpuint(acpi_checksum(b->data + off, len), ==, 0);
    g_assert_cmpmem(b->data + off + 10, 6, ACPI_OEM_ID, 6);
    return len;
}

static void test_layout(void)
{
    AcpiMachineDesc d = test_desc();
    AcpiLayout l;
    g_autoptr(GByteArray) b = acpi_build_tables(&d, BASE, &l);
    const uint8_t *rsdp = b->data, *fadt = b->data + l.fadt;
    uint32_t xsdt_len;

    /* RSDP: both checksums, revision 2, the XSDT's address. */
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(acpi_checksum(rsdp, 20), ==, 0);
    g_assert_cmpuint(acpi_checksum(rsdp, ACPI_RSDP_LEN), ==, 0);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(rd32(rsdp + 20), ==, ACPI_RSDP_LEN);
    g_assert_cmphex(rd64(rsdp + 24), ==, BASE + l.xsdt);

    g_assert_cmpuint(l.facs % 64, ==, 0);
    g_assert_cmpmem(b->data + l.facs, 4, "FACS", 4);
    check_table(b, l.dsdt, "DSDT");
    g_assert_cmpuint(check_table(b, l.fadt, "FACP"), ==, ACPI_FADT_LEN);
    check_table(b, l.madt, "APIC");
    g_assert_cmpuint(check_table(b, l.mcfg, "MCFG"), ==, 44 + 16);
    xsdt_len = check_table(b, l.xsdt, "XSDT");
    g_assert_cmpuint(xsdt_len, ==, 36 + 3 * 8);
    g_assert_cmphex(rd64(b->data + l.xsdt + 36), ==, BASE + l.fadt);
    g_assert_cmphex(rd64(b->data + l.xsdt + 44), ==, BASE + l.madt);
    g_assert_cmphex(rd64(b->data + l.xsdt + 52), ==, BASE + l.mcfg);

    /* FADT: FACS/DSDT (32 and 64 bit), SCI, PM blocks, reset register. */
    g_assert_cmpuint(fadt[8], ==, 6);
    g_assert_cmphex(rd32(fadt + 36), ==, BASE + l.facs);
    g_assert_cmphex(rd32(fadt + 40), ==, BASE + l.dsdt);
    g_assert_cmphex(rd64(fadt + 132), ==, 0);          /* X_FIRMWARE_CTRL */
    g_assert_cmphex(rd64(fadt + 140), ==, BASE + l.dsdt);
    g_assert_cmpuint(fadt[46], ==, ACPI_PM_SCI_GSI);
    g_assert_cmphex(rd32(fadt + 56), ==, ACPI_PM_BASE_DEFAULT);
    g_assert_cmphex(rd32(fadt + 64), ==, ACPI_PM_BASE_DEFAULT + 4);
    g_assert_cmpuint(fadt[88], ==, 4);
    g_assert_cmpuint(fadt[89], ==, 2);
    g_assert_true(rd32(fadt + 112) & (1 << 10));        /* RESET_REG_SUP */
    g_assert_false(rd32(fadt + 112) & (1 << 4));        /* fixed PWRBTN */
    g_assert_false(rd32(fadt + 112) & (1 << 20));       /* not HW-reduced */
    g_assert_cmpuint(fadt[116], ==, 1);                 /* system I/O */
    g_assert_cmphex(rd64(fadt + 120), ==, ACPI_RESET_PORT);
    g_assert_cmphex(fadt[128], ==, ACPI_RESET_VALUE);
    g_assert_cmphex(rd64(fadt + 148 + 4), ==, ACPI_PM_BASE_DEFAULT);

    /* MCFG: one allocation, buses 0..255. */
    g_assert_cmphex(rd64(b->data + l.mcfg + 44), ==, Q35_ECAM_BASE);
    g_assert_cmpuint(b->data[l.mcfg + 54], ==, 0);
    g_assert_cmpuint(b->data[l.mcfg + 55], ==, 255);
}

static void test_madt(void)
{
    AcpiMachineDesc d = test_desc();
    AcpiLayout l;
    g_autoptr(GByteArray) b = acpi_build_tables(&d, BASE, &l);
    uint32_t len = rd32(b->data + l.madt + 4);
    unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;

    for (size_t off = 44; off < len;) {
        const uint8_t *e = b->data + l.madt + off;

        g_assert_cmpuint(e[1], >=, 2);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics);         /* processor uid */
            g_assert_cmpuint(e[3], ==, apic_ids[lapics]);
            g_assert_cmpuint(rd32(e + 4), ==, 1);
            lapics++;
            break;
        case 9:                                         /* x2APIC */
            g_assert_cmpuint(e[1], ==, 16);
            g_assert_cmphex(rd32(e + 4), ==, apic_ids[lapics]);
            g_assert_cmpuint(rd32(e + 8), ==, 1);
            g_assert_cmpuint(rd32(e + 12), ==, lapics);
            lapics++;
            break;
        case 1:
            g_assert_cmphex(rd32(e + 4), ==, 0xfec00000);
            g_assert_cmpuint(rd32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2:
            if (e[3] == 0) {
                g_assert_cmpuint(rd32(e + 4), ==, 2);   /* IRQ0 -> GSI2 */
            } else {
                g_assert_cmpuint(e[3], ==, ACPI_PM_SCI_GSI);
                g_assert_cmphex(e[8] | e[9] << 8, ==, 0xd); /* level, high */
            }
            overrides++;
            break;
        case 4:
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        off += e[1];
    }
    g_assert_cmpuint(lapics, ==, 3);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(overrides, ==, 2);
    g_assert_cmpuint(nmis, ==, 1);
}

/*
 * -smp 6,sockets=2,cores=3: the cores take 2 bits of the APIC ID, so the
 * MADT says 0, 1, 2, 4, 5, 6, as the vCPUs' LAPICs and CPUID do.
 */
static void test_madt_topology(void)
{
    CpuTopology topo = {
        .cpus = 6, .sockets = 2, .dies = 1, .modules = 1, .cores = 3,
        .threads = 1, .max_cpus = 6,
    };
    static const uint8_t want[] = { 0, 1, 2, 4, 5, 6 };
    uint32_t ids[6];
    AcpiMachineDesc d = test_desc();
    AcpiLayout l;
    g_autoptr(GByteArray) b = NULL;
    unsigned n = 0;

    for (unsigned i = 0; i < topo.cpus; i++) {
        ids[i] = x86_topo_apic_id(&topo, i);
    }
    d.cpus = topo.cpus;
    d.apic_ids = ids;
    b = acpi_build_tables(&d, BASE, &l);
    for (size_t off = 44; off < rd32(b->data + l.madt + 4);) {
        const uint8_t *e = b->data + l.madt + off;

        if (e[0] == 0) {
            g_assert_cmpuint(n, <, G_N_ELEMENTS(want));
            g_assert_cmpuint(e[3], ==, want[n]);
            n++;
        }
        off += e[1];
    }
    g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
}

/* Package lengths around the one- and multi-byte boundaries. */
static void test_aml_pkg_length(void)
{
    for (unsigned n = 0; n < 5000; n += 7) {
        Aml *scope = aml_scope("ABCD");
        g_autoptr(GByteArray) out = NULL;
        g_autofree char *s = g_strnfill(n, 'x');
        unsigned lead, extra, len;

        aml_append(scope, aml_string(s));
        out = aml_encode(scope);
        g_assert_cmpuint(out->data[0], ==, 0x10);
        lead = out->data[1];
        extra = lead >> 6;
        len = extra ? lead & 0xf : lead & 0x3f;
        for (unsigned i = 0; i < extra; i++) {
            len |= out->data[2 + i] << (4 + 8 * i);
        }
        /* The length covers itself, the name and the string. */
        g_assert_cmpuint(len, ==, out->len - 1);
        g_assert_cmpuint(len, ==, 1 + extra + 4 + 1 + n + 1);
    }
}

static void test_aml_encodings(void)
{
    static const struct {
        uint64_t v;
        const char *hex;
    } ints[] = {
        { 0, "00" }, { 1, "01" }, { 2, "0a02" }, { 0x1234, "0b3412" },
        { 0x12345678, "0c78563412" }, { UINT64_MAX, "ff" },
        { 0x100000000ULL, "0e0000000001000000" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
        g_autoptr(GByteArray) out = aml_encode(aml_int(ints[i].v));
        g_autofree char *hex = g_malloc0(out->len * 2 + 1);

        for (unsigned j = 0; j < out->len; j++) {
            sprintf(hex + 2 * j, "%02x", out->data[j]);
        }
        g_assert_cmpstr(hex, ==, ints[i].hex);
    }
    {
        /* EisaId("PNP0A03") is 0x030AD041 little-endian: 41 d0 0a 03. */
        g_autoptr(GByteArray) out = aml_encode(aml_eisaid("PNP0A03"));
        static const uint8_t want[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };

        g_assert_cmpmem(out->data, out->len, want, sizeof(want));
    }
    {
        g_autoptr(GByteArray) out = aml_encode(aml_name("\\_SB.PCI0.RP"));
        static const char want[] = "\\/\x03_SB_PCI0RP__";

        g_assert_cmpmem(out->data, out->len, want, sizeof(want) - 1);
    }
}

/* ---- iasl ------------------------------------------------------------- */

static char *iasl_disassemble(const uint8_t *data, size_t len,
                              const char *name)
{
    g_autofree char *dir = g_dir_make_tmp("acpi-XXXXXX", NULL);
    g_autofree char *dat = g_build_filename(dir, name, NULL);
    g_autofree char *dsl = NULL;
    g_autofree char *out = NULL, *err = NULL;
    char *argv[] = { (char *)"iasl", (char *)"-d", dat, NULL };
    char *text = NULL;
    int status;

    g_assert_nonnull(dir);
    g_assert_true(g_file_set_contents(dat, (const char *)data, len, NULL));
    g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, &out, &err, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_printerr("iasl -d %s failed:\n%s%s", name, out, err);
        g_assert_not_reached();
    }
    /* iasl reports problems it tolerates on its output, not its status. */
    g_assert_null(strstr(out, "Error"));
    g_assert_null(strstr(err, "Error"));
    dsl = g_strdup(dat);
    strcpy(dsl + strlen(dsl) - 3, "dsl");
    g_assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
    unlink(dat);
    unlink(dsl);
    rmdir(dir);
    return text;
}

static void assert_contains(const char *text, const char *const *needles)
{
    for (int i = 0; needles[i]; i++) {
        if (!strstr(text, needles[i])) {
            g_printerr("missing '%s' in:\n%s\n", needles[i], text);
            g_assert_not_reached();
        }
    }
}

static void test_iasl(void)
{
    AcpiMachineDesc d = test_desc();
    AcpiLayout l;
    g_autoptr(GByteArray) b = NULL;
    g_autofree char *dsdt = NULL, *fadt = NULL, *madt = NULL;
    g_autofree char *mcfg = NULL, *xsdt = NULL;
    g_autofree char *iasl = g_find_program_in_path("iasl");

    if (!iasl) {
        g_test_skip("iasl not installed (Debian: acpica-tools)");
        return;
    }
    b = acpi_build_tables(&d, BASE, &l);
#define DIS(off, name) \
    iasl_disassemble(b->data + (off), rd32(b->data + (off) + 4), name)
    dsdt = DIS(l.dsdt, "dsdt.dat");
    fadt = DIS(l.fadt, "facp.dat");
    madt = DIS(l.madt, "apic.dat");
    mcfg = DIS(l.mcfg, "mcfg.dat");
    xsdt = DIS(l.xsdt, "xsdt.dat");
#undef DIS
    assert_contains(dsdt, (const char *const[]) {
        "Device (PCI0)", "EisaId (\"PNP0A08\")", "EisaId (\"PNP0A03\")",
        "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,",
        "0x00FF,             // Range Maximum",
        "IO (Decode16,", "0x0CF8,             // Range Minimum",
        "DWordIO (ResourceProducer,", "0x00000CF7,         // Range Maximum",
        "DWordMemory (ResourceProducer,",
        "0xC0000000,         // Range Minimum",
        "0xFEBFFFFF,         // Range Maximum",
        "QWordMemory (ResourceProducer,",
        "0x0000000140000000, // Range Minimum",
        "Name (_PRT, Package (0x80)",
        "0x001FFFFF,", "Method (_OSC, 4, NotSerialized)",
        "ToUUID (\"33db4d5b-1ff7-401c-9657-7441c03dd766\")",
        "CreateDWordField (Arg3, 0x08, CDW3)", "CDW3 &= 0x1D",
        "Device (RP08)", "Device (RP10)", "Name (_ADR, 0x00020000)",
        "EisaId (\"PNP0C02\")", "Memory32Fixed (ReadWrite,",
        "0xB0000000,         // Address Base",
        "EisaId (\"PNP0501\")", "IRQNoFlags ()", "{4}",
        "EisaId (\"PNP0B00\")", "{8}", "Name (_S5, Package (0x04)",
        NULL });
    assert_contains(fadt, (const char *const[]) {
        "[FACP]", "SCI Interrupt : 0009",
        "PM1A Event Block Address : 00000600",
        "PM1A Control Block Address : 00000604",
        "PM Timer Block Address : 00000608",
        "Control Method Power Button (V1) : 0",
        "Reset Register Supported (V2) : 1",
        "Hardware Reduced (V5) : 0", "Value to cause reset : 06",
        NULL });
    assert_contains(madt, (const char *const[]) {
        "[APIC]", "Local Apic Address : FEE00000",
        "Address : FEC00000", "Interrupt Source Override",
        "Interrupt : 00000002", "Trigger Mode : 3", "[Local APIC NMI]",
        NULL });
    assert_contains(mcfg, (const char *const[]) {
        "[MCFG]", "Base Address : 00000000B0000000",
        "End Bus Number : FF", NULL });
    assert_contains(xsdt, (const char *const[]) {
        "[XSDT]", "ACPI Table Address   0", "ACPI Table Address   2",
        NULL });
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/layout", test_layout);
    g_test_add_func("/acpi/madt", test_madt);
    g_test_add_func("/acpi/madt-topology", test_madt_topology);
    g_test_add_func("/acpi/aml/pkg-length", test_aml_pkg_length);
    g_test_add_func("/acpi/aml/encodings", test_aml_encodings);
    g_test_add_func("/acpi/iasl", test_iasl);
    return g_test_run();
}
