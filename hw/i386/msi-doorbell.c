/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI doorbell: the 1 MiB window at 0xFEE00000 where message signalled
 * interrupts of emulated devices land.  It logs each message for tests
 * (QMP x-query-msi-log, or reading the dword back through qtest); under
 * KVM it also delivers it to the in-kernel LAPICs (KVM_SIGNAL_MSI).  The
 * vCPUs' own accesses to that window never get here: KVM's LAPIC takes
 * them.
 */
#include "qemu/osdep.h"
#include "hw/i386/q35.h"
#include "hw/sysbus.h"
#include "qapi/qapi-commands.h"
#include "qemu/error-report.h"
#include "system/kvm.h"
#include "system/memory.h"

/* Bounds the log if nobody ever reads it. */
#define MSI_LOG_MAX 65536

typedef struct MSIDoorbellState {
    SysBusDevice parent_obj;
    MemoryRegion mmio;
    GArray *log;                /* MSILogEntry */
    GHashTable *last;           /* dword offset -> last data */
    uint64_t count;             /* messages ever received */
} MSIDoorbellState;

#define MSI_DOORBELL(obj) \
    OBJECT_CHECK(MSIDoorbellState, (obj), TYPE_MSI_DOORBELL)

static MSIDoorbellState *msi_doorbell_find(void)
{
    Object *obj = object_resolve_path_type("/machine/msi-doorbell",
                                           TYPE_MSI_DOORBELL, NULL);

    return obj ? MSI_DOORBELL(obj) : NULL;
}

GArray *msi_log_get(void)
{
    MSIDoorbellState *s = msi_doorbell_find();

    return s ? s->log : NULL;
}

void msi_log_clear(void)
{
    MSIDoorbellState *s = msi_doorbell_find();

    if (s) {
        g_array_set_size(s->log, 0);
    }
}

static MemTxResult msi_doorbell_read(void *opaque, hwaddr addr,
                                     uint64_t *data, unsigned size,
                                     MemTxAttrs attrs)
{
    MSIDoorbellState *s = opaque;

    *data = GPOINTER_TO_UINT(g_hash_table_lookup(s->last,
                                                 GUINT_TO_POINTER(addr)));
    return MEMTX_OK;
}

static MemTxResult msi_doorbell_write(void *opaque, hwaddr addr,
                                      uint64_t data, unsigned size,
                                      MemTxAttrs attrs)
{
    MSIDoorbellState *s = opaque;
    MSILogEntry e = {
        .address = Q35_MSI_DOORBELL_BASE + addr,
        .data = data,
        .requester_id = attrs.requester_id,
    };

    if (s->log->len >= MSI_LOG_MAX) {
        g_array_remove_index(s->log, 0);
    }
    g_array_append_val(s->log, e);
    g_hash_table_insert(s->last, GUINT_TO_POINTER(addr),
                        GUINT_TO_POINTER((uint32_t)data));
    s->count++;
    if (kvm_irqchip_in_kernel()) {
        Error *err = NULL;

        if (!kvm_send_msi(e.address, e.data, e.requester_id, &err)) {
            error_report_err(err);
        }
    }
    return MEMTX_OK;
}

static const MemoryRegionOps msi_doorbell_ops = {
    .read_with_attrs = msi_doorbell_read,
    .write_with_attrs = msi_doorbell_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void msi_doorbell_init(Object *obj)
{
    MSIDoorbellState *s = MSI_DOORBELL(obj);

    s->log = g_array_new(false, false, sizeof(MSILogEntry));
    s->last = g_hash_table_new(NULL, NULL);
    memory_region_init_io(&s->mmio, obj, &msi_doorbell_ops, s,
                          "msi-doorbell", Q35_MSI_DOORBELL_SIZE);
}

static void msi_doorbell_realize(DeviceState *dev, Error **errp)
{
    MSIDoorbellState *s = MSI_DOORBELL(dev);

    memory_region_add_subregion_overlap(get_system_memory(),
                                        Q35_MSI_DOORBELL_BASE, &s->mmio, 10);
}

static void msi_doorbell_unrealize(DeviceState *dev)
{
    MSIDoorbellState *s = MSI_DOORBELL(dev);

    memory_region_del_subregion(get_system_memory(), &s->mmio);
}

static void msi_doorbell_finalize(Object *obj)
{
    MSIDoorbellState *s = MSI_DOORBELL(obj);

    memory_region_finalize(&s->mmio);
    g_array_free(s->log, true);
    g_hash_table_destroy(s->last);
}

static void msi_doorbell_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "MSI doorbell that logs messages";
    dc->realize = msi_doorbell_realize;
    dc->unrealize = msi_doorbell_unrealize;
    object_class_property_add_uint64_field(oc, "count",
                                           offsetof(MSIDoorbellState, count),
                                           OBJ_PROP_FLAG_READ);
    object_class_property_set_description(oc, "count",
        "Number of messages received since start");
}

static const TypeInfo msi_doorbell_info = {
    .name = TYPE_MSI_DOORBELL,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(MSIDoorbellState),
    .instance_init = msi_doorbell_init,
    .instance_finalize = msi_doorbell_finalize,
    .class_init = msi_doorbell_class_init,
};

/*
 * x-query-msi-log [clear: bool]
 * -> [ {"address": int, "data": int, "requester-id": int}, ... ]
 */
GPtrArray *qmp_x_query_msi_log(bool has_clear, bool clear, Error **errp)
{
    GPtrArray *arr;
    GArray *log = msi_log_get();

    if (!log) {
        error_setg(errp, "no MSI doorbell: the machine is not q35");
        return NULL;
    }
    arr = qapi_MsiLogEntryList_new();
    for (guint i = 0; i < log->len; i++) {
        MSILogEntry *e = &g_array_index(log, MSILogEntry, i);
        MsiLogEntry *o = g_new0(MsiLogEntry, 1);

        o->address = e->address;
        o->data = e->data;
        o->requester_id = e->requester_id;
        g_ptr_array_add(arr, o);
    }
    if (has_clear && clear) {
        msi_log_clear();
    }
    return arr;
}

static void msi_doorbell_register(void)
{
    type_register_static(&msi_doorbell_info);
}

type_init(msi_doorbell_register)
