#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer target: a clang build tree (default build-fuzz)
# where everything is compiled with ASan, UBSan and the fuzzer's coverage
# instrumentation, and tests/qtest/fuzz/fuzz-vfio-pci is linked with libFuzzer.
#   tests/qtest/fuzz/build.sh [BUILDDIR]
set -e
srcdir=$(cd "$(dirname "$0")/../../.." && pwd)
builddir=${1:-$srcdir/build-fuzz}
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
ninja -C "$builddir" -j2 tests/qtest/fuzz/fuzz-vfio-pci \
    tests/qtest/fuzz/fuzz-vfio-pci-replay tests/vfio-sim/libvfio-sim.so
