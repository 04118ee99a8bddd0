/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The generic loader: -device loader,file=F,addr=A[,cpu-num=0] puts the
 * bytes of F into guest memory at A (again at every reset, as a ROM
 * would be), and with cpu-num=0 starts the boot processor there.
 * -device loader,addr=A,data=V,data-len=N writes the N-byte little
 * endian value V at A instead.
 *
 * x86 has no "set the PC" of its own: the boot processor starts at A in
 * flat 32-bit protected mode, paging off, interrupts off, CS=0x10 and
 * data segments 0x18 (base 0, limit 4 GiB), as the 32-bit Linux boot
 * protocol does.  Application processors cannot be started this way:
 * they wait for INIT/SIPI from the boot processor.
 */
#include "qemu/osdep.h"
#include "hw/i386/boot-cpu-state.h"
#include "hw/qdev-properties.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "hw/i386/x86-cpu.h"

#define TYPE_GENERIC_LOADER "loader"

#define LOADER_CPU_NONE     UINT32_MAX
#define LOADER_ADDR_NONE    UINT64_MAX
#define LOADER_CR0          0x11        /* PE | ET */
#define LOADER_CODE_SEL     0x10
#define LOADER_DATA_SEL     0x18

typedef struct GenericLoaderState {
    DeviceState parent_obj;
    char *file;
    uint64_t addr;
    uint64_t data;
    uint8_t data_len;
    uint32_t cpu_num;
    bool force_raw;
    GBytes *image;
} GenericLoaderState;

#define GENERIC_LOADER(obj) \
    OBJECT_CHECK(GenericLoaderState, (obj), TYPE_GENERIC_LOADER)

static bool loader_write(GenericLoaderState *s)
{
    gsize len;
    const void *bytes;
    uint8_t buf[8];

    if (s->image) {
        bytes = g_bytes_get_data(s->image, &len);
    } else {
        for (int i = 0; i < 8; i++) {
            buf[i] = s->data >> (8 * i);
        }
        bytes = buf;
        len = s->data_len;
    }
    return address_space_write(&address_space_memory, s->addr,
                               MEMTXATTRS_UNSPECIFIED, bytes, len) ==
           MEMTX_OK;
}

static void loader_reset(void *opaque)
{
    loader_write(opaque);
}

static void loader_realize(DeviceState *dev, Error **errp)
{
    GenericLoaderState *s = GENERIC_LOADER(dev);
    g_autoptr(GError) gerr = NULL;
    gchar *contents;
    gsize len;

    if (s->file) {
        if (s->data_len) {
            error_setg(errp, "data can not be specified when setting a "
                       "program counter");
            return;
        }
        if (s->addr == LOADER_ADDR_NONE) {
            error_setg(errp, "loader: file=%s needs addr= (only raw images "
                       "are loaded)", s->file);
            return;
        }
        if (!g_file_get_contents(s->file, &contents, &len, &gerr)) {
            error_setg(errp, "Cannot load specified image %s: %s", s->file,
                       gerr->message);
            return;
        }
        s->image = g_bytes_new_take(contents, len);
    } else if (s->data_len) {
        if (s->data_len > 8) {
            error_setg(errp, "data-len cannot be greater then 8 bytes");
            return;
        }
        if (s->addr == LOADER_ADDR_NONE) {
            error_setg(errp, "loader: data= needs addr=");
            return;
        }
    } else if (s->cpu_num == LOADER_CPU_NONE ||
               s->addr == LOADER_ADDR_NONE) {
        error_setg(errp, "please include valid arguments");
        return;
    }
    if (s->cpu_num != LOADER_CPU_NONE) {
        X86BootCPUState boot = {
            .long_mode = false,
            .rip = s->addr,
            .rflags = 2,
            .cr0 = LOADER_CR0,
            .code_selector = LOADER_CODE_SEL,
            .data_selector = LOADER_DATA_SEL,
        };

        if (s->cpu_num >= cpu_topology.cpus) {
            error_setg(errp, "Specified boot CPU#%u is nonexistent",
                       s->cpu_num);
            return;
        }
        if (s->cpu_num != 0) {
            error_setg(errp, "cpu-num=%u: only CPU 0 can be started at an "
                       "address; the others wait for INIT/SIPI", s->cpu_num);
            return;
        }
        if (s->addr > UINT32_MAX) {
            error_setg(errp, "addr=0x%" PRIx64 ": the boot processor starts "
                       "in 32-bit mode, below 4 GiB", s->addr);
            return;
        }
        x86_boot_cpu_state_set(&boot);
    }
    if ((s->image || s->data_len) && !loader_write(s)) {
        error_setg(errp, "Cannot load specified image %s: 0x%" PRIx64
                   " is not in guest RAM", s->file ? s->file : "(data)",
                   s->addr);
        return;
    }
    if (s->image || s->data_len) {
        qemu_register_reset(loader_reset, s);
    }
}

static void loader_unrealize(DeviceState *dev)
{
    qemu_unregister_reset(loader_reset, dev);
}

static void loader_finalize(Object *obj)
{
    GenericLoaderState *s = GENERIC_LOADER(obj);

    if (s->image) {
        g_bytes_unref(s->image);
    }
}

static const Property loader_props[] = {
    DEFINE_PROP_STRING("file", GenericLoaderState, file),
    DEFINE_PROP_UINT64("addr", GenericLoaderState, addr, LOADER_ADDR_NONE),
    DEFINE_PROP_UINT64("data", GenericLoaderState, data, 0),
    DEFINE_PROP_UINT8("data-len", GenericLoaderState, data_len, 0),
    DEFINE_PROP_UINT32("cpu-num", GenericLoaderState, cpu_num,
                       LOADER_CPU_NONE),
    DEFINE_PROP_BOOL("force-raw", GenericLoaderState, force_raw, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void loader_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "Generic loader: raw image or value into guest memory";
    dc->realize = loader_realize;
    dc->unrealize = loader_unrealize;
    dc->hotpluggable = false;
    device_class_set_props(dc, loader_props);
}

static const TypeInfo loader_info = {
    .name = TYPE_GENERIC_LOADER,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(GenericLoaderState),
    .instance_finalize = loader_finalize,
    .class_init = loader_class_init,
};

static void loader_register_types(void)
{
    type_register_static(&loader_info);
}

type_init(loader_register_types)
