#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Pack the second-level guest's initramfs (cpio newc, gzip):
#   /init          the payload (tests/payload/init.c, static)
#   /bin/busybox   busybox-static, for payload.cmd=shell when debugging
# Usage: mkinitramfs.sh OUTPUT INIT [BUSYBOX]
set -eu

out=$1
init=$2
busybox=${3:-/bin/busybox}

fail() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -x "$init" ] || fail "payload init '$init' is not an executable"
[ -x "$busybox" ] || fail "'$busybox' not found: install busybox-static (scripts/install-deps.sh)"
# A dynamically linked busybox would find no libraries in the initramfs.
if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q dynamic; then
    fail "'$busybox' is dynamically linked: install busybox-static"
fi
command -v cpio >/dev/null 2>&1 || fail "cpio not found: install cpio"

stage=$(mktemp -d "${TMPDIR:-/tmp}/payload-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
cp "$init" "$stage/init"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
# Fixed times and owners: the same inputs give the same archive.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -9 > "$out.tmp"
mv "$out.tmp" "$out"
