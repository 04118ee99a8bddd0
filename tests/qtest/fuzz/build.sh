#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer targets: a clang build tree (default build-fuzz)
# where everything is compiled with ASan, UBSan and the fuzzer's coverage
# instrumentation, and the targets are linked with libFuzzer.
#   tests/qtest/fuzz/build.sh [BUILDDIR [NINJA-TARGET...]]
# Without targets it builds the guest fuzzer (tests/qtest/fuzz/fuzz-vfio-pci);
# make fuzz-qmp passes tests/qtest/fuzz/fuzz-qmp.
set -e
srcdir=$(cd "$(dirname "$0")/../../.." && pwd)
builddir=${1:-$srcdir/build-fuzz}
[ $# -gt 0 ] && shift
cc=${CC:-clang}
command -v "$cc" >/dev/null 2>&1 || {
    echo "tests/qtest/fuzz/build.sh: $cc not found" \
         "(apt-get install clang libclang-rt-dev)" >&2
    exit 1
}
cd "$srcdir"
if [ ! -f "$builddir/build.ninja" ]; then
    CC=$cc CFLAGS="-fsanitize=fuzzer-no-link" \
        ./configure --builddir="$builddir" --enable-sanitizers
fi
if [ $# -eq 0 ]; then
    set -- tests/qtest/fuzz/fuzz-vfio-pci \
        tests/qtest/fuzz/fuzz-vfio-pci-replay tests/vfio-sim/libvfio-sim.so
fi
ninja -C "$builddir" -j2 "$@"
