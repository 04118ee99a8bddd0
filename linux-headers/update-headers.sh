#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Show the kernel uAPI the build compiles against, and check the symbols the
# VFIO subsystem needs.  Nothing is copied into the tree.
set -e
cc=${CC:-cc}
status=0
pkg=$(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null || echo unknown)
echo "linux-libc-dev: $pkg"
for pair in linux/vfio.h:VFIO_DEVICE_BIND_IOMMUFD linux/iommufd.h:IOMMU_IOAS_COPY \
            linux/iommufd.h:IOMMU_HWPT_ALLOC linux/iommufd.h:IOMMU_GET_HW_INFO; do
    hdr=${pair%%:*}
    sym=${pair#*:}
    if printf '#include <%s>\nint x = %s;\n' "$hdr" "$sym" |
       $cc -x c -c -o /dev/null - 2>/dev/null; then
        echo "  $hdr: $sym ok"
    else
        echo "  $hdr: $sym MISSING (install linux-libc-dev >= 6.12 from bookworm-backports)"
        status=1
    fi
done
exit $status
