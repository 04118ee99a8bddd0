# Front end to ./configure + meson + ninja.
#
#   make                  build (configures ./build on first use)
#   make run              install what is missing, build, run the real-kernel demo
#   make check            install what is missing, build, run every suite
#   make check-unit       unit tests only
#   make check-qtest      qtest suites only
#   make check-functional real-kernel suites only
#   make check-sanitizers ASan+UBSan build in ./build-san, unit and qtest suites
#   make bench            benchmarks against the peer
#   make fuzz             guest-input fuzzing (FUZZ_SECONDS=N)

BUILD ?= build
SAN_BUILD ?= build-san
MESON_TEST = meson test -C $(BUILD) --print-errorlogs --num-processes 2

.PHONY: all deps run check check-unit check-qtest check-functional \
        check-sanitizers bench fuzz clean distclean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

$(SAN_BUILD)/build.ninja:
	./configure --builddir=$(SAN_BUILD) --enable-sanitizers

deps:
	scripts/install-deps.sh

run: deps all
	python3 tests/functional/demo.py --build $(BUILD)

check: deps all
	$(MESON_TEST) --suite unit --suite qtest --suite functional
	$(MAKE) check-sanitizers

check-unit: all
	$(MESON_TEST) --suite unit

check-qtest: all
	$(MESON_TEST) --suite qtest

check-functional: all
	$(MESON_TEST) --suite functional

check-sanitizers: $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	meson test -C $(SAN_BUILD) --print-errorlogs --num-processes 2 \
	    --suite unit --suite qtest

bench: deps all
	python3 tests/bench/run.py --build $(BUILD)

fuzz:
	@echo "make fuzz: the guest-input fuzzer arrives with the simulated kernel (issue 6)"; exit 1

clean:
	-ninja -C $(BUILD) clean
	-ninja -C $(SAN_BUILD) clean

distclean:
	rm -rf $(BUILD) $(SAN_BUILD)
