/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iommufd backend's per-device state: VFIODevice.backend_state of a
 * device whose backend is VFIO_BACKEND_IOMMUFD.
 *
 * host-device.c makes it when it picks iommufd for a device (it connects
 * the iommufd object and opens the cdev, before any container exists);
 * container-iommufd.c reads the object from it to choose or set up the
 * device's container and records the cdev's binding in it.  The device
 * layer never sees the iommufd object: freeing the state (with the
 * backend, vfio_device_release_backend()) disconnects and unrefs it.
 */
#ifndef HW_VFIO_VFIO_IOMMUFD_DEVICE_H
#define HW_VFIO_VFIO_IOMMUFD_DEVICE_H

typedef struct IOMMUFDBackend IOMMUFDBackend;

typedef struct VFIOIOMMUFDDevice {
    IOMMUFDBackend *be;     /* connected and referenced while set */
    /*
     * A cdev is bound once, to one iommufd, for as long as it is open (it
     * may try several IOAS meanwhile); closing it unbinds it.
     */
    bool bound;
    uint32_t devid;         /* the kernel's id for the cdev while bound */
} VFIOIOMMUFDDevice;

#endif
