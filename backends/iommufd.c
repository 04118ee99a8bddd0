/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "iommufd" backend object and its ioctls (see system/iommufd.h)
 */
#include "qemu/osdep.h"
#include "qemu/ioctl.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/iommufd.h>

#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qom/object_interfaces.h"
#include "system/iommufd.h"

#define IOMMUFD_DEV_PATH "/dev/iommu"

static IOMMUFDBackend *shared_backend;

/* The device number of /dev/iommu (the node, else its misc class entry). */
static bool iommufd_dev_number(dev_t *devnum)
{
    struct stat st;
    g_autofree char *text = NULL;
    unsigned maj, min;

    if (stat(IOMMUFD_DEV_PATH, &st) == 0 && S_ISCHR(st.st_mode)) {
        *devnum = st.st_rdev;
        return true;
    }
    if (g_file_get_contents("/sys/class/misc/iommu/dev", &text, NULL, NULL) &&
        sscanf(text, "%u:%u", &maj, &min) == 2) {
        *devnum = makedev(maj, min);
        return true;
    }
    return false;
}

bool iommufd_backend_check_fd(int fd, Error **errp)
{
    struct stat st;
    dev_t devnum;

    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "fd %d is not usable", fd);
        return false;
    }
    if (!S_ISCHR(st.st_mode) || !iommufd_dev_number(&devnum) ||
        st.st_rdev != devnum) {
        error_setg(errp, "fd %d is not %s", fd, IOMMUFD_DEV_PATH);
        return false;
    }
    return true;
}

/*
 * The monitor resolves fd names (getfd).  Weak, so that builds and unit
 * tests without the monitor still link: numbers are then parsed here.
 */
int monitor_fd_param(const char *fdname_or_number, Error **errp)
    __attribute__((weak));

/* An fd property value: a number, or a name the monitor holds. */
static int iommufd_parse_fd(const char *str, Error **errp)
{
    int fd;

    if (monitor_fd_param) {
        fd = monitor_fd_param(str, errp);
        if (fd < 0) {
            error_prepend(errp, "Property 'iommufd.fd': ");
        }
        return fd;
    }

    if (qemu_strtoi(str, NULL, 10, &fd) < 0 || fd < 0) {
        error_setg(errp, "Property 'iommufd.fd' doesn't take value '%s': "
                   "expected a file descriptor number", str);
        return -1;
    }
    return fd;
}

static void iommufd_backend_set_fd(Object *obj, const char *str, Error **errp)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);
    int fd;

    if (be->users) {
        error_setg(errp, "Property 'iommufd.fd' can't be changed while "
                   "the object is in use");
        return;
    }
    fd = iommufd_parse_fd(str, errp);
    if (fd < 0) {
        return;
    }
    if (!iommufd_backend_check_fd(fd, errp)) {
        /*
         * A name was taken out of the monitor's table: nobody else will
         * close it.  A number is the caller's, to keep or close.
         */
        if (!g_ascii_isdigit(str[0])) {
            close(fd);
        }
        return;
    }
    if (be->fd >= 0 && be->fd != fd) {
        close(be->fd);
    }
    be->fd = fd;
    be->owned = false;
}

static bool iommufd_backend_can_be_deleted(UserCreatable *uc)
{
    return IOMMUFD_BACKEND(uc)->users == 0;
}

static void iommufd_backend_init(Object *obj)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);

    be->fd = -1;
    be->owned = true;
    be->map_file_ram = true;
}

static bool iommufd_backend_get_map_file_ram(Object *obj, Error **errp)
{
    return IOMMUFD_BACKEND(obj)->map_file_ram;
}

static void iommufd_backend_set_map_file_ram(Object *obj, bool value,
                                             Error **errp)
{
    IOMMUFD_BACKEND(obj)->map_file_ram = value;
}

static void iommufd_backend_finalize(Object *obj)
{
    IOMMUFDBackend *be = IOMMUFD_BACKEND(obj);

    if (be->fd >= 0) {
        close(be->fd);
        be->fd = -1;
    }
}

static void iommufd_backend_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->can_be_deleted = iommufd_backend_can_be_deleted;
    object_class_property_add_str(oc, "fd", NULL, iommufd_backend_set_fd);
    object_class_property_set_description(oc, "fd",
        "an open /dev/iommu file descriptor (number or monitor fd name)");
    object_class_property_add_bool(oc, "x-map-file-ram",
                                   iommufd_backend_get_map_file_ram,
                                   iommufd_backend_set_map_file_ram);
    object_class_property_set_description(oc, "x-map-file-ram",
        "map guest RAM shared from a file by file where the kernel can "
        "(default on; off maps it by address, to compare)");
}

static const TypeInfo iommufd_backend_info = {
    .name = TYPE_IOMMUFD_BACKEND,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(IOMMUFDBackend),
    .instance_init = iommufd_backend_init,
    .instance_finalize = iommufd_backend_finalize,
    .class_size = sizeof(IOMMUFDBackendClass),
    .class_init = iommufd_backend_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void iommufd_backend_register_types(void)
{
    type_register_static(&iommufd_backend_info);
}
type_init(iommufd_backend_register_types)

bool iommufd_backend_connect(IOMMUFDBackend *be, Error **errp)
{
    if (be->fd < 0) {
        int fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);

        if (fd < 0) {
            error_setg_errno(errp, errno, "cannot open %s", IOMMUFD_DEV_PATH);
            return false;
        }
        be->fd = fd;
        be->owned = true;
    }
    be->users++;
    return true;
}

void iommufd_backend_disconnect(IOMMUFDBackend *be)
{
    g_assert(be->users > 0);
    if (--be->users == 0 && be->owned && be->fd >= 0) {
        close(be->fd);
        be->fd = -1;
    }
}

IOMMUFDBackend *iommufd_backend_get_shared(void)
{
    if (!shared_backend) {
        shared_backend = IOMMUFD_BACKEND(object_new(TYPE_IOMMUFD_BACKEND));
    }
    return shared_backend;
}

IOMMUFDBackend *iommufd_backend_find(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(), id);

    if (!obj) {
        error_setg(errp, "iommufd object '%s' not found", id);
        return NULL;
    }
    if (!object_dynamic_cast(obj, TYPE_IOMMUFD_BACKEND)) {
        error_setg(errp, "object '%s' is not an iommufd object", id);
        return NULL;
    }
    return IOMMUFD_BACKEND(obj);
}

/* ---- ioctls ------------------------------------------------------------ */

/* The iommufd ioctls return nothing but success or -errno. */
static int iommufd_ioctl(IOMMUFDBackend *be, unsigned long req, void *arg,
                         const char *name, Error **errp)
{
    g_assert(be->fd >= 0);
    return qemu_ioctl0(be->fd, req, arg, name, errp);
}

#define IOMMUFD_IOCTL(be, req, arg, errp) \
    iommufd_ioctl((be), (req), (arg), #req, (errp))

int iommufd_backend_alloc_ioas(IOMMUFDBackend *be, uint32_t *ioas_id,
                               Error **errp)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    int ret = IOMMUFD_IOCTL(be, IOMMU_IOAS_ALLOC, &alloc, errp);

    if (ret == 0) {
        *ioas_id = alloc.out_ioas_id;
    }
    return ret;
}

void iommufd_backend_free_id(IOMMUFDBackend *be, uint32_t id)
{
    struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };
    Error *err = NULL;

    if (IOMMUFD_IOCTL(be, IOMMU_DESTROY, &destroy, &err) < 0) {
        warn_report_err(err);
    }
}

int iommufd_backend_map_dma(IOMMUFDBackend *be, uint32_t ioas_id, hwaddr iova,
                            uint64_t size, void *vaddr, bool readonly,
                            Error **errp)
{
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
        .ioas_id = ioas_id,
        .user_va = (uintptr_t)vaddr,
        .length = size,
        .iova = iova,
    };

    return IOMMUFD_IOCTL(be, IOMMU_IOAS_MAP, &map, errp);
}

int iommufd_backend_map_file_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                                 hwaddr iova, uint64_t size, int fd,
                                 uint64_t start, bool readonly, Error **errp)
{
#ifdef CONFIG_VFIO_DMABUF
    struct iommu_ioas_map_file map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
        .ioas_id = ioas_id,
        .fd = fd,
        .start = start,
        .length = size,
        .iova = iova,
    };

    return IOMMUFD_IOCTL(be, IOMMU_IOAS_MAP_FILE, &map, errp);
#else
    error_setg(errp, "IOMMU_IOAS_MAP_FILE is not built in");
    return -ENOTTY;
#endif
}

bool iommufd_backend_probe_map_file(IOMMUFDBackend *be, uint32_t ioas_id)
{
#ifdef CONFIG_VFIO_DMABUF
    struct iommu_ioas_map_file map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_READABLE,
        .ioas_id = ioas_id,
        .fd = -1,
        .length = getpagesize(),
    };
    Error *err = NULL;
    int ret = IOMMUFD_IOCTL(be, IOMMU_IOAS_MAP_FILE, &map, &err);

    error_free(err);
    return ret == -EBADF;
#else
    return false;
#endif
}

int iommufd_backend_unmap_dma(IOMMUFDBackend *be, uint32_t ioas_id,
                              hwaddr iova, uint64_t size, Error **errp)
{
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap),
        .ioas_id = ioas_id,
        .iova = iova,
        .length = size,
    };

    return IOMMUFD_IOCTL(be, IOMMU_IOAS_UNMAP, &unmap, errp);
}

int iommufd_backend_copy_dma(IOMMUFDBackend *be, uint32_t src_ioas_id,
                             uint32_t dst_ioas_id, hwaddr iova, uint64_t size,
                             bool readonly, Error **errp)
{
    struct iommu_ioas_copy copy = {
        .size = sizeof(copy),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
        .dst_ioas_id = dst_ioas_id,
        .src_ioas_id = src_ioas_id,
        .length = size,
        .dst_iova = iova,
        .src_iova = iova,
    };

    return IOMMUFD_IOCTL(be, IOMMU_IOAS_COPY, &copy, errp);
}

/*
 * Room for the usual few ranges, so that one call does; EMSGSIZE says how
 * many there are otherwise.  The ranges follow the query in one buffer.
 */
#define IOMMUFD_IOVA_RANGES_PRESIZE 8

static void iommufd_iova_ranges_prepare(void *buf, size_t size,
                                        const void *opaque)
{
    struct iommu_ioas_iova_ranges *query = buf;

    query->size = sizeof(*query);
    query->ioas_id = *(const uint32_t *)opaque;
    query->num_iovas = (size - sizeof(*query)) /
                       sizeof(struct iommu_iova_range);
    query->allowed_iovas = (uintptr_t)(query + 1);
}

static size_t iommufd_iova_ranges_needs(const void *buf, size_t size,
                                        int ret)
{
    const struct iommu_ioas_iova_ranges *query = buf;

    if (ret != -EMSGSIZE) {
        return 0;
    }
    return sizeof(*query) + query->num_iovas * sizeof(struct iommu_iova_range);
}

int iommufd_backend_get_iova_ranges(IOMMUFDBackend *be, uint32_t ioas_id,
                                    GArray **ranges, uint64_t *alignment,
                                    Error **errp)
{
    g_autofree struct iommu_ioas_iova_ranges *query = NULL;
    int ret;

    g_assert(be->fd >= 0);
    ret = qemu_ioctl_grow(be->fd, IOMMU_IOAS_IOVA_RANGES,
                          sizeof(*query) + IOMMUFD_IOVA_RANGES_PRESIZE *
                          sizeof(struct iommu_iova_range),
                          iommufd_iova_ranges_prepare,
                          iommufd_iova_ranges_needs, &ioas_id,
                          (void **)&query, "IOMMU_IOAS_IOVA_RANGES", errp);
    if (ret < 0) {
        return ret;
    }
    *ranges = g_array_sized_new(false, false, sizeof(struct iommu_iova_range),
                                query->num_iovas);
    g_array_append_vals(*ranges, query + 1, query->num_iovas);
    *alignment = query->out_iova_alignment;
    return 0;
}
