#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what the build and the test suites need, and nothing that is
# already there: a second run only reads dpkg's database and returns.
#
# The kernel uAPI headers (linux-libc-dev 6.12) and the peer (QEMU 10) come
# from bookworm-backports.  That suite is added with the mirror and keyring
# the machine already uses, so no host name is written here.
set -euo pipefail

BASE_PKGS=(
    build-essential meson ninja-build pkg-config libglib2.0-dev
    libjson-glib-dev python3 git
    # real-kernel bench: kernel build and guest tools
    linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio xz-utils
    busybox-static
    # ACPI table tests disassemble with iasl
    acpica-tools
    # the Debian 13 peers (QEMU 11, libvirt 12) and the 7.3 kernel source
    mmdebstrap debian-archive-keyring
    # sanitizer and fuzzing builds
    clang libclang-rt-14-dev
)
BACKPORT_PKGS=(linux-libc-dev qemu-system-x86)
BACKPORTS_FILE=/etc/apt/sources.list.d/bookworm-backports.sources

log() { printf 'install-deps: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_pkgs() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
            printf '%s\n' "$p"
    done
}

# linux-libc-dev must come from 6.12; the base suite carries 6.1.
libc_dev_ok() {
    local v
    v=$(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null) || return 1
    dpkg --compare-versions "$v" ge 6.12
}

qemu_ok() {
    local v
    v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || return 1
    dpkg --compare-versions "$v" ge 1:10.0
}

add_backports() {
    [ -f "$BACKPORTS_FILE" ] && return 0
    local src=/etc/apt/sources.list.d/debian.sources uri keyring
    [ -f "$src" ] || { log "$src not found: cannot derive the mirror for bookworm-backports"; exit 1; }
    uri=$(awk '/^URIs:/ { print $2; exit }' "$src")
    keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$src")
    [ -n "$uri" ] || { log "no URIs: line in $src"; exit 1; }
    log "adding bookworm-backports from $uri"
    as_root tee "$BACKPORTS_FILE" >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: ${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}
SRC
    NEED_UPDATE=1
}

NEED_UPDATE=0
mapfile -t base_missing < <(missing_pkgs "${BASE_PKGS[@]}")
need_bp=0
libc_dev_ok || need_bp=1
qemu_ok || need_bp=1

if [ ${#base_missing[@]} -eq 0 ] && [ $need_bp -eq 0 ]; then
    log "all dependencies present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
[ $need_bp -eq 1 ] && add_backports
if [ $NEED_UPDATE -eq 1 ] || [ ! -d /var/lib/apt/lists ] ||
   [ -z "$(ls /var/lib/apt/lists/*_Packages 2>/dev/null)" ]; then
    as_root apt-get update -q
fi
if [ ${#base_missing[@]} -gt 0 ]; then
    log "installing: ${base_missing[*]}"
    as_root apt-get install -y -q --no-install-recommends "${base_missing[@]}" ||
        { as_root apt-get update -q &&
          as_root apt-get install -y -q --no-install-recommends "${base_missing[@]}"; }
fi
if [ $need_bp -eq 1 ]; then
    log "installing from bookworm-backports: ${BACKPORT_PKGS[*]}"
    as_root apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORT_PKGS[@]}" ||
        { as_root apt-get update -q &&
          as_root apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORT_PKGS[@]}"; }
fi
libc_dev_ok || { log "linux-libc-dev >= 6.12 is still missing"; exit 1; }
qemu_ok || { log "qemu-system-x86 >= 10.0 is still missing"; exit 1; }
log "done"
