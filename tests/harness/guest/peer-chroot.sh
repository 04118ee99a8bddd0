#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run a command inside the Debian 13 peer tree (peer_root.py), in the bench
# guest.  The tree sits on the guest's read-only 9p root, so everything the
# command writes goes to tmpfs (/run, /tmp) or to the caller's directory,
# bound on /bench.  /proc, /sys and /dev are the guest's own, so the
# tree's QEMU sees /dev/kvm, /dev/vfio and /dev/iommu.
#
# Usage: peer-chroot.sh ROOT DIR COMMAND [ARG...]
# The command's exit status is the script's; mounts are undone on the way
# out.
set -u

[ $# -ge 3 ] || { echo "usage: peer-chroot.sh ROOT DIR COMMAND [ARG...]" >&2; exit 2; }
root=$1
dir=$2
shift 2

fail() { echo "peer-chroot: $*" >&2; exit 125; }

[ -x "$root/usr/bin/qemu-system-x86_64" ] || fail "'$root' is not a peer tree (no usr/bin/qemu-system-x86_64)"
[ -d "$root/bench" ] || fail "'$root' has no /bench mount point (remake it with peer_root.py)"
[ -d "$dir" ] || fail "'$dir' is not a directory"

mounted=
undo() {
    for m in $mounted; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
}
trap undo EXIT
trap 'exit 143' TERM INT HUP

bind() {
    mount --bind "$1" "$2" || fail "cannot bind $1 on $2"
    mounted="$2 $mounted"
}
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
for t in run tmp; do
    mount -t tmpfs -o mode=1777 tmpfs "$root/$t" || fail "cannot mount tmpfs on $root/$t"
    mounted="$root/$t $mounted"
done
bind "$dir" "$root/bench"

chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp TMPDIR=/tmp "$@"
