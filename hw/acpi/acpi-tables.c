/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RSDP, XSDT, FADT, FACS, MADT and MCFG (layouts from ACPI 6.x
 * chapter 5), and the DSDT's AML: the PCIe host bridge with its
 * windows, INTx routing and _OSC, its root ports, the motherboard
 * resources (ECAM), COM1, the RTC and \_S5.
 */
#include "qemu/osdep.h"
#include "hw/acpi/acpi-tables.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/pm.h"

/* PCI Express (PCI Firmware spec) _OSC UUID. */
#define PCI_HOST_OSC_UUID "33DB4D5B-1FF7-401C-9657-7441C03DD766"
/*
 * Control granted to the OS: native hot-plug (0), PME (2), AER (3),
 * the PCIe capability structure (4).  SHPC (1) is not ours to give.
 */
#define OSC_CONTROL_GRANTED 0x1d
#define OSC_CDW1_UNKNOWN_UUID 0x04
#define OSC_CDW1_UNKNOWN_REV  0x08

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *data++;
    }
    return sum;
}

static void put_le(GByteArray *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t byte = v >> (8 * i);

        g_byte_array_append(b, &byte, 1);
    }
}

static void set_le(GByteArray *b, size_t off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        b->data[off + i] = v >> (8 * i);
    }
}

static void put_str(GByteArray *b, const char *s, size_t len)
{
    char buf[8] = { ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ' };

    memcpy(buf, s, MIN(strlen(s), len));
    g_byte_array_append(b, (const uint8_t *)buf, len);
}

static void align_to(GByteArray *b, unsigned align)
{
    while (b->len % align) {
        put_le(b, 0, 1);
    }
}

/* Starts a table at the end of @b; returns its offset. */
static size_t table_begin(GByteArray *b, const char *sig, uint8_t rev)
{
    size_t off;

    align_to(b, 8);
    off = b->len;
    put_str(b, sig, 4);
    put_le(b, 0, 4);            /* length, set by table_end */
    put_le(b, rev, 1);
    put_le(b, 0, 1);            /* checksum, set by table_end */
    put_str(b, ACPI_OEM_ID, 6);
    put_str(b, ACPI_OEM_TABLE_ID, 8);
    put_le(b, 1, 4);            /* OEM revision */
    put_str(b, "QVFI", 4);      /* creator */
    put_le(b, 1, 4);
    return off;
}

static void table_end(GByteArray *b, size_t off)
{
    set_le(b, off + 4, b->len - off, 4);
    b->data[off + 9] = -acpi_checksum(b->data + off, b->len - off);
}

/* Generic address structure: a System I/O register. */
static void put_gas_io(GByteArray *b, unsigned bits, uint64_t port)
{
    put_le(b, port ? 1 : 0, 1);                 /* address space: I/O */
    put_le(b, port ? bits : 0, 1);
    put_le(b, 0, 1);                            /* bit offset */
    put_le(b, port ? (bits == 32 ? 3 : bits == 16 ? 2 : 1) : 0, 1);
    put_le(b, port, 8);
}

/* ---- DSDT -------------------------------------------------------------- */

static Aml *build_prt(const AcpiMachineDesc *d)
{
    Aml *pkg = aml_package();

    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            Aml *entry = aml_package();

            aml_append(entry, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(entry, aml_int(pin));
            aml_append(entry, aml_int(0));      /* no link: a GSI */
            aml_append(entry, aml_int(d->pirq_gsi_base +
                                      (slot + pin) % d->n_pirqs));
            aml_append(pkg, entry);
        }
    }
    return aml_name_decl("_PRT", pkg);
}

static Aml *build_host_crs(const AcpiMachineDesc *d)
{
    Aml *crs = aml_resource_template();

    aml_append(crs, aml_word_bus_number(0, d->ecam_last_bus));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));
    aml_append(crs, aml_dword_io(0x0000, 0x0cf7));
    aml_append(crs, aml_dword_io(0x0d00, 0xffff));
    if (d->mmio32_end > d->mmio32_start) {
        aml_append(crs, aml_dword_memory(d->mmio32_start,
                                         d->mmio32_end - 1));
    }
    if (d->mmio64_end > d->mmio64_start) {
        aml_append(crs, aml_qword_memory(d->mmio64_start,
                                         d->mmio64_end - 1));
    }
    return aml_name_decl("_CRS", crs);
}

/*
 * _OSC for the PCIe UUID: grant what the OS asks among
 * OSC_CONTROL_GRANTED; flag unknown UUIDs and revisions.
 */
static Aml *build_osc(void)
{
    Aml *m = aml_method("_OSC", 4, false);
    Aml *is_pcie = aml_if(aml_equal(aml_arg(0),
                                    aml_touuid(PCI_HOST_OSC_UUID)));
    Aml *bad_rev = aml_if(aml_lnot(aml_equal(aml_arg(1), aml_int(1))));
    Aml *other = aml_else();

    aml_append(m, aml_create_dword_field(aml_arg(3), aml_int(0), "CDW1"));
    aml_append(is_pcie, aml_create_dword_field(aml_arg(3), aml_int(8),
                                               "CDW3"));
    aml_append(is_pcie, aml_and(aml_name("CDW3"),
                                aml_int(OSC_CONTROL_GRANTED),
                                aml_name("CDW3")));
    aml_append(bad_rev, aml_or(aml_name("CDW1"),
                               aml_int(OSC_CDW1_UNKNOWN_REV),
                               aml_name("CDW1")));
    aml_append(is_pcie, bad_rev);
    aml_append(m, is_pcie);
    aml_append(other, aml_or(aml_name("CDW1"), aml_int(OSC_CDW1_UNKNOWN_UUID),
                             aml_name("CDW1")));
    aml_append(m, other);
    aml_append(m, aml_return(aml_arg(3)));
    return m;
}

static Aml *build_host_bridge(const AcpiMachineDesc *d)
{
    Aml *dev = aml_device("PCI0");

    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A08")));
    aml_append(dev, aml_name_decl("_CID", aml_eisaid("PNP0A03")));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    aml_append(dev, aml_name_decl("_SEG", aml_int(0)));
    aml_append(dev, aml_name_decl("_BBN", aml_int(0)));
    aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
    aml_append(dev, build_host_crs(d));
    aml_append(dev, build_prt(d));
    aml_append(dev, build_osc());
    for (unsigned i = 0; i < d->n_root_ports; i++) {
        uint8_t devfn = d->root_ports[i];
        g_autofree char *name = g_strdup_printf("RP%02X", devfn);
        Aml *rp = aml_device(name);

        aml_append(rp, aml_name_decl("_ADR",
                                     aml_int((uint64_t)(devfn >> 3) << 16 |
                                             (devfn & 7))));
        aml_append(dev, rp);
    }
    return dev;
}

static Aml *build_legacy_device(const char *name, const char *hid,
                                unsigned uid, uint16_t port, uint8_t len,
                                uint8_t irq)
{
    Aml *dev = aml_device(name);
    Aml *crs = aml_resource_template();

    aml_append(dev, aml_name_decl("_HID", aml_eisaid(hid)));
    aml_append(dev, aml_name_decl("_UID", aml_int(uid)));
    aml_append(crs, aml_io(port, port, 1, len));
    aml_append(crs, aml_irq_no_flags(irq));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

GByteArray *acpi_build_dsdt_aml(const AcpiMachineDesc *d)
{
    Aml *top = aml_term_list();
    Aml *sb = aml_scope("\\_SB");
    Aml *res = aml_device("MRES");
    Aml *crs = aml_resource_template();
    Aml *s5 = aml_package();

    aml_append(sb, build_host_bridge(d));
    /* ECAM as a motherboard resource: Linux then trusts MCFG. */
    aml_append(res, aml_name_decl("_HID", aml_eisaid("PNP0C02")));
    aml_append(res, aml_name_decl("_UID", aml_int(1)));
    aml_append(crs, aml_memory32_fixed(d->ecam_base,
                                       (d->ecam_last_bus + 1u) << 20, true));
    aml_append(crs, aml_io(d->pm_base, d->pm_base, 1, ACPI_PM_IO_LEN));
    aml_append(res, aml_name_decl("_CRS", crs));
    aml_append(sb, res);
    if (d->has_serial) {
        aml_append(sb, build_legacy_device("COM1", "PNP0501", 1, 0x3f8, 8, 4));
    }
    if (d->has_rtc) {
        aml_append(sb, build_legacy_device("RTC", "PNP0B00", 0, 0x70, 2, 8));
    }
    aml_append(top, sb);
    for (int i = 0; i < 4; i++) {
        aml_append(s5, aml_int(i < 2 ? ACPI_PM_SLP_TYP_S5 : 0));
    }
    aml_append(top, aml_name_decl("_S5", s5));

    return aml_encode(top);
}

/* ---- Fixed tables ------------------------------------------------------ */

static void build_fadt(GByteArray *b, const AcpiMachineDesc *d,
                       uint64_t facs, uint64_t dsdt)
{
    size_t off = table_begin(b, "FACP", 6);
    uint16_t pm = d->pm_base;

    put_le(b, facs, 4);                 /* FIRMWARE_CTRL */
    put_le(b, dsdt, 4);
    put_le(b, 0, 1);                    /* reserved */
    put_le(b, 0, 1);                    /* preferred PM profile: unknown */
    put_le(b, d->sci_gsi, 2);
    put_le(b, 0, 4);                    /* SMI_CMD: ACPI is always on */
    put_le(b, 0, 4);                    /* ACPI_ENABLE/DISABLE, S4BIOS, PSTATE */
    put_le(b, pm, 4);                   /* PM1a_EVT_BLK */
    put_le(b, 0, 4);
    put_le(b, pm + ACPI_PM1_CNT_OFFSET, 4);
    put_le(b, 0, 4);
    put_le(b, 0, 4);                    /* PM2_CNT_BLK */
    put_le(b, pm + ACPI_PM_TMR_OFFSET, 4);
    put_le(b, 0, 4);                    /* GPE0_BLK */
    put_le(b, 0, 4);                    /* GPE1_BLK */
    put_le(b, ACPI_PM1_EVT_LEN, 1);
    put_le(b, ACPI_PM1_CNT_LEN, 1);
    put_le(b, 0, 1);
    put_le(b, ACPI_PM_TMR_LEN, 1);
    put_le(b, 0, 4);                    /* GPE lengths, GPE1 base, CST_CNT */
    put_le(b, 0xfff, 2);                /* P_LVL2_LAT: C2 not supported */
    put_le(b, 0xfff, 2);                /* P_LVL3_LAT: C3 not supported */
    put_le(b, 0, 4);                    /* FLUSH_SIZE/STRIDE */
    put_le(b, 0, 4);                    /* DUTY_*, DAY_ALRM, MON_ALRM */
    put_le(b, d->has_rtc ? 0x32 : 0, 1);    /* CENTURY register */
    /* IAPC_BOOT_ARCH: no VGA; no 8042 to probe; RTC absent if so. */
    put_le(b, (1 << 2) | (d->has_rtc ? 0 : (1 << 5)), 2);
    put_le(b, 0, 1);
    /*
     * Flags: WBINVD, PROC_C1, SLP_BUTTON (none), TMR_VAL_EXT clear
     * (24-bit timer), RESET_REG_SUP.  PWR_BUTTON clear: the power
     * button is the fixed-feature one.
     */
    put_le(b, (1 << 0) | (1 << 2) | (1 << 5) | (1 << 10), 4);
    put_gas_io(b, 8, ACPI_RESET_PORT);
    put_le(b, ACPI_RESET_VALUE, 1);
    put_le(b, 0, 2);                    /* ARM_BOOT_ARCH */
    put_le(b, 0, 1);                    /* FADT minor version */
    /* One FACS pointer: with both set, Linux installs the FACS twice. */
    put_le(b, 0, 8);                    /* X_FIRMWARE_CTRL */
    put_le(b, dsdt, 8);                 /* X_DSDT */
    put_gas_io(b, 32, pm);              /* X_PM1a_EVT_BLK */
    put_gas_io(b, 0, 0);
    put_gas_io(b, 16, pm + ACPI_PM1_CNT_OFFSET);
    put_gas_io(b, 0, 0);
    put_gas_io(b, 0, 0);                /* X_PM2_CNT_BLK */
    put_gas_io(b, 32, pm + ACPI_PM_TMR_OFFSET);
    put_gas_io(b, 0, 0);                /* X_GPE0_BLK */
    put_gas_io(b, 0, 0);
    put_gas_io(b, 0, 0);                /* SLEEP_CONTROL_REG */
    put_gas_io(b, 0, 0);                /* SLEEP_STATUS_REG */
    put_str(b, "QEMUVFIO", 8);          /* hypervisor vendor identity */
    g_assert(b->len - off == ACPI_FADT_LEN);
    table_end(b, off);
}

static void build_madt(GByteArray *b, const AcpiMachineDesc *d)
{
    size_t off = table_begin(b, "APIC", 4);

    put_le(b, 0xfee00000, 4);           /* local APIC address */
    put_le(b, 1, 4);                    /* PCAT_COMPAT: 8259s present */
    for (unsigned i = 0; i < d->cpus; i++) {
        if (d->apic_ids[i] < 0xff) {
            put_le(b, 0, 1);            /* processor local APIC */
            put_le(b, 8, 1);
            put_le(b, i, 1);            /* ACPI processor uid */
            put_le(b, d->apic_ids[i], 1);
            put_le(b, 1, 4);            /* enabled */
        } else {
            put_le(b, 9, 1);            /* processor local x2APIC */
            put_le(b, 16, 1);
            put_le(b, 0, 2);
            put_le(b, d->apic_ids[i], 4);
            put_le(b, 1, 4);            /* enabled */
            put_le(b, i, 4);            /* ACPI processor uid */
        }
    }
    put_le(b, 1, 1);                    /* I/O APIC */
    put_le(b, 12, 1);
    put_le(b, d->ioapic_id, 1);
    put_le(b, 0, 1);
    put_le(b, d->ioapic_addr, 4);
    put_le(b, 0, 4);                    /* GSI base */
    /* ISA IRQ 0 (the PIT) is wired to pin 2. */
    put_le(b, 2, 1);
    put_le(b, 10, 1);
    put_le(b, 0, 1);                    /* bus: ISA */
    put_le(b, 0, 1);
    put_le(b, 2, 4);
    put_le(b, 0, 2);                    /* conforming */
    /* The SCI: level-triggered, active high. */
    put_le(b, 2, 1);
    put_le(b, 10, 1);
    put_le(b, 0, 1);
    put_le(b, d->sci_gsi, 1);
    put_le(b, d->sci_gsi, 4);
    put_le(b, 0x000d, 2);
    /* LINT1 of every processor is the NMI. */
    put_le(b, 4, 1);
    put_le(b, 6, 1);
    put_le(b, 0xff, 1);
    put_le(b, 0, 2);
    put_le(b, 1, 1);
    table_end(b, off);
}

static void build_mcfg(GByteArray *b, const AcpiMachineDesc *d)
{
    size_t off = table_begin(b, "MCFG", 1);

    put_le(b, 0, 8);
    put_le(b, d->ecam_base, 8);
    put_le(b, 0, 2);                    /* segment */
    put_le(b, 0, 1);                    /* first bus */
    put_le(b, d->ecam_last_bus, 1);
    put_le(b, 0, 4);
    table_end(b, off);
}

GByteArray *acpi_build_tables(const AcpiMachineDesc *d, uint64_t base,
                              AcpiLayout *layout)
{
    GByteArray *b = g_byte_array_new();
    g_autoptr(GByteArray) aml = acpi_build_dsdt_aml(d);
    AcpiLayout l;
    size_t off;

    /* RSDP, XSDT address filled in at the end. */
    l.rsdp = 0;
    put_str(b, "RSD PTR ", 8);
    put_le(b, 0, 1);                    /* checksum of the first 20 bytes */
    put_str(b, ACPI_OEM_ID, 6);
    put_le(b, 2, 1);                    /* revision: ACPI 2.0+ */
    put_le(b, 0, 4);                    /* no RSDT */
    put_le(b, ACPI_RSDP_LEN, 4);
    put_le(b, 0, 8);                    /* XSDT */
    put_le(b, 0, 4);                    /* extended checksum, reserved */

    /* FACS: no checksum; the guest owns the waking vector and lock. */
    align_to(b, 64);
    l.facs = b->len;
    put_str(b, "FACS", 4);
    put_le(b, 64, 4);
    put_le(b, 0, 56);
    b->data[l.facs + 32] = 2;           /* version */

    l.dsdt = off = table_begin(b, "DSDT", 2);
    g_byte_array_append(b, aml->data, aml->len);
    table_end(b, off);

    l.fadt = b->len;
    build_fadt(b, d, base + l.facs, base + l.dsdt);
    l.fadt = b->len - ACPI_FADT_LEN;
    l.madt = ROUND_UP(b->len, 8);
    build_madt(b, d);
    l.mcfg = ROUND_UP(b->len, 8);
    build_mcfg(b, d);

    l.xsdt = off = table_begin(b, "XSDT", 1);
    put_le(b, base + l.fadt, 8);
    put_le(b, base + l.madt, 8);
    put_le(b, base + l.mcfg, 8);
    table_end(b, off);

    set_le(b, l.rsdp + 24, base + l.xsdt, 8);
    b->data[l.rsdp + 8] = -acpi_checksum(b->data + l.rsdp, 20);
    b->data[l.rsdp + 32] = -acpi_checksum(b->data + l.rsdp, ACPI_RSDP_LEN);
    if (layout) {
        *layout = l;
    }
    return b;
}
