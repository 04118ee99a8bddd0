# SPDX-License-Identifier: GPL-2.0-or-later
# Front end to ./configure + meson + ninja.
#
#   make                  build (configures ./build on first use)
#   make run              install what is missing, build, boot a guest with
#                         assigned devices under ours and the peers (bench)
#   make check            install what is missing, build the bench kernels and
#                         peer tree, build, run every suite; ends with a table
#                         of each stage's time
#   make kernels          the bench kernels (6.12, 7.3) and the Debian 13 peer
#                         tree, built once and cached in ~/.cache/qemu-vfio
#   make check-unit       unit tests only
#   make check-qtest      qtest suites only
#   make check-sim        simulated-kernel suites only
#   make check-functional real-kernel suites only
#   make check-libvirt    libvirt 12.9 runs domains on ours and QEMU 11.1
#   make check-sanitizers ASan+UBSan build in ./build-san: unit, qtest and sim suites
#   make bench            benchmarks against the peer
#   make fuzz             guest-input fuzzing (FUZZ_SECONDS=N)
#   make fuzz-qmp         QMP/JSON front-end fuzzing (FUZZ_SECONDS=N)

BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# More options for tests/bench/run.py, e.g. BENCH_ARGS="--only l2"
BENCH_ARGS ?=
MESON_TEST = meson test -C $(BUILD) --print-errorlogs --num-processes 2

STAGES = $(BUILD)-stages.txt
STAGE = scripts/stage-time.sh run $(STAGES)
HARNESS = PYTHONPATH=tests PYTHONDONTWRITEBYTECODE=1 python3 -m

.PHONY: all deps kernels run check check-unit check-qtest check-sim \
        check-functional check-libvirt check-sanitizers bench fuzz fuzz-qmp \
        clean distclean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

$(SAN_BUILD)/build.ninja:
	./configure --builddir=$(SAN_BUILD) --enable-sanitizers

deps:
	scripts/install-deps.sh

run: deps all
	python3 scripts/demo.py --build $(BUILD)

# The 7.3 kernel's uAPI headers are found at configure time
# (uapi-conformance-7.3); a build tree configured before they existed is
# reconfigured once they do.
kernels:
	$(HARNESS) harness.guest.kernel --series 6.12
	$(HARNESS) harness.guest.kernel --series 7.3 --print-headers
	$(HARNESS) harness.guest.peer_root
	@if [ -f $(BUILD)/build.ninja ] && \
	    ! grep -q 'uapi-conformance-7\.3' $(BUILD)/build.ninja; then \
	    meson setup --reconfigure $(BUILD) >/dev/null; fi

# Every stage runs even if an earlier one failed, so the table is whole;
# the status is that of the first failure.  Each test stage keeps its own
# JSON log (meson-logs/check-*.json); after the table, the tests that did
# not pass are named again with the end of their output.
CHECK_LOGS = $(BUILD)/meson-logs/check-unit.json \
             $(BUILD)/meson-logs/check-functional.json \
             $(SAN_BUILD)/meson-logs/check-sanitizers.json

check:
	@rm -f $(STAGES) $(CHECK_LOGS); status=0; \
	$(STAGE) deps $(MAKE) --no-print-directory deps || status=1; \
	$(STAGE) kernels+peers $(MAKE) --no-print-directory kernels || status=1; \
	$(STAGE) build $(MAKE) --no-print-directory all || status=1; \
	$(STAGE) unit+qtest+sim $(MESON_TEST) --logbase check-unit \
	    --suite unit --suite qtest --suite sim || status=1; \
	$(STAGE) functional $(MESON_TEST) --logbase check-functional \
	    --suite functional || status=1; \
	$(STAGE) sanitizers $(MAKE) --no-print-directory check-sanitizers || status=1; \
	scripts/stage-time.sh table $(STAGES); \
	scripts/test-failures.py $(CHECK_LOGS); exit $$status

check-unit: all
	$(MESON_TEST) --suite unit

check-qtest: all
	$(MESON_TEST) --suite qtest

check-sim: all
	$(MESON_TEST) --suite sim

check-functional: kernels all
	$(MESON_TEST) --suite functional

check-libvirt: kernels all
	$(MESON_TEST) --suite libvirt

# G_SLICE/G_DEBUG make GLib's allocations visible to LeakSanitizer (the
# build's default test setup sets them too); any leak fails the test.
check-sanitizers: $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	G_SLICE=always-malloc G_DEBUG=gc-friendly \
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 \
	    meson test -C $(SAN_BUILD) --print-errorlogs --num-processes 2 \
	    --logbase check-sanitizers --suite unit --suite qtest --suite sim

bench: deps all
	python3 tests/bench/run.py --build $(BUILD) $(BENCH_ARGS)

# Fuzzes both backends (byte 0 of each input picks one) for FUZZ_SECONDS,
# starting from tests/qtest/fuzz/corpus; new inputs go to $(FUZZ_BUILD)/fuzz-corpus,
# findings to $(FUZZ_BUILD)/fuzz-artifacts (docs/devel/fuzzing.rst).
fuzz:
	tests/qtest/fuzz/build.sh $(FUZZ_BUILD)
	mkdir -p $(FUZZ_BUILD)/fuzz-corpus $(FUZZ_BUILD)/fuzz-artifacts
	$(FUZZ_BUILD)/tests/qtest/fuzz/fuzz-vfio-pci -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/fuzz-artifacts/ \
	    $(FUZZ_BUILD)/fuzz-corpus tests/qtest/fuzz/corpus \
	    tests/qtest/fuzz/regressions

# Fuzzes the QMP front end (streamer, JSON parser, dispatch) for
# FUZZ_SECONDS from tests/qtest/fuzz/qmp-corpus; new inputs go to
# $(FUZZ_BUILD)/fuzz-qmp-corpus, findings to $(FUZZ_BUILD)/fuzz-qmp-artifacts.
fuzz-qmp:
	tests/qtest/fuzz/build.sh $(FUZZ_BUILD) tests/qtest/fuzz/fuzz-qmp
	mkdir -p $(FUZZ_BUILD)/fuzz-qmp-corpus $(FUZZ_BUILD)/fuzz-qmp-artifacts
	$(FUZZ_BUILD)/tests/qtest/fuzz/fuzz-qmp -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -max_len=4096 \
	    -dict=tests/qtest/fuzz/qmp.dict \
	    -artifact_prefix=$(FUZZ_BUILD)/fuzz-qmp-artifacts/ \
	    $(FUZZ_BUILD)/fuzz-qmp-corpus tests/qtest/fuzz/qmp-corpus \
	    tests/qtest/fuzz/qmp-regressions

clean:
	-ninja -C $(BUILD) clean
	-ninja -C $(SAN_BUILD) clean

distclean:
	rm -rf $(BUILD) $(SAN_BUILD) $(STAGES)
