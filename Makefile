# looptrader - build, test and tooling entry points.
#
#   make            build looptrader and looptrader-sim (build/release/bin)
#   make test       unit + integration tests
#   make sanitize   the same tests under ASan + UBSan
#   make tsan       the same tests under ThreadSanitizer (clang)
#   make demo       run the main job on the embedded simulator
#   make bench      the trader's latency, throughput, scale and weight figures, and its
#                   CPU per order beside the same job on ccxt (Node; from npm when it can)
#   make bench-sim  simulator order place+cancel throughput
#   make compat     a third-party Binance client (ccxt, from npm) against the simulator
#   make fuzz       bounded fuzzing of every outside-facing parser (clang)
#   make install    binaries, man pages, example configs, the systemd unit
#                   (PREFIX=/usr/local, DESTDIR= for staging)
#
# Sources are found by wildcard, so adding src/<group>/<module>.c or
# test/unit/test_<module>.c needs no edit here.  The trader's modules are
# grouped by layer: base, logic (pure), config, venue (dialects and their
# transport), run (the run machinery), ops (operations), coord; the
# simulator is src/sim.

CC       ?= gcc
BUILD    ?= build/release
OPT      ?= -O2
SAN      ?=
PKGS     := libcurl libwebsockets jansson libconfig openssl libpq
CPPFLAGS += -Iinclude -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS))
CFLAGS   += -std=c11 $(OPT) -g -Wall -Wextra -Werror -pthread $(SAN)
LDFLAGS  += -pthread $(SAN)
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lm

LIB_SRC  := $(filter-out src/sim/%,$(wildcard src/*/*.c))
SIM_SRC  := $(filter-out src/sim/main.c,$(wildcard src/sim/*.c))
UNIT_SRC := $(wildcard test/unit/test_*.c)
TOOL_SRC := $(wildcard test/tools/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
LIB_A    := $(BUILD)/liblooptrader.a
SIM_A    := $(BUILD)/libltsim.a
BIN      := $(BUILD)/bin
UNITS    := $(UNIT_SRC:test/unit/%.c=$(BUILD)/unit/%)
TOOLS    := $(TOOL_SRC:test/tools/%.c=$(BUILD)/tools/%)

.PHONY: all test unit integration sanitize tsan demo bench bench-sim compat fuzz chaos clean valgrind install

all: $(BIN)/looptrader $(BIN)/looptrader-sim

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SIM_A): $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/looptrader: $(BUILD)/src/main.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BIN)/looptrader-sim: $(BUILD)/src/sim/main.o $(SIM_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/unit/%: $(BUILD)/test/unit/%.o $(SIM_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tools/%: $(BUILD)/test/tools/%.o $(SIM_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

test: all $(UNITS) $(TOOLS)
	BUILD=$(BUILD) scripts/run-tests.sh

unit: $(UNITS)
	BUILD=$(BUILD) scripts/run-tests.sh unit

integration: all $(TOOLS)
	BUILD=$(BUILD) scripts/run-tests.sh integration

# libconfig 1.5 leaks its scanner's token on some syntax errors; nothing of
# ours can free it, so LeakSanitizer is told about that one frame only.
sanitize:
	LSAN_OPTIONS=suppressions=$(CURDIR)/test/fuzz/lsan.supp $(MAKE) BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# Race reports are also written to build/tsan/race.<pid>, so one seen in a
# test whose temporary directory is gone can still be read.
tsan:
	mkdir -p build/tsan
	TSAN_OPTIONS="log_path=$(CURDIR)/build/tsan/race $${TSAN_OPTIONS:-}" \
	    $(MAKE) CC=clang BUILD=build/tsan OPT=-O1 SAN="-fsanitize=thread" test

demo: all
	BUILD=$(BUILD) scripts/demo.sh

bench-sim: all $(TOOLS)
	BUILD=$(BUILD) scripts/bench-sim.sh

# Not part of `make test`: figures, not assertions (docs/performance.md).
# BENCH_ARGS="--compare docs/bench-baseline.jsonl" prints the baseline beside them.
bench: all
	BUILD=$(BUILD) scripts/bench.sh $(BENCH_ARGS)

compat: all
	BUILD=$(BUILD) scripts/compat-ccxt.sh

chaos: all $(TOOLS)
	BUILD=$(BUILD) test/integration/chaos.sh

fuzz:
	BUILD=build/fuzz scripts/fuzz.sh

# The coordinator part prints SKIP without PostgreSQL's server binaries.
valgrind: all
	BUILD=$(BUILD) scripts/valgrind-demo.sh
	BUILD=$(BUILD) scripts/valgrind-coord.sh

PREFIX  ?= /usr/local
DESTDIR ?=

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/doc/looptrader/examples $(DESTDIR)$(PREFIX)/share/looptrader
	install -m 0755 $(BIN)/looptrader $(BIN)/looptrader-sim $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/looptrader.1 man/looptrader-sim.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 etc/looptrader.conf.example etc/demo.conf etc/sim-demo.conf \
	    $(DESTDIR)$(PREFIX)/share/doc/looptrader/examples/
	install -m 0644 README.md docs/configuration.md $(DESTDIR)$(PREFIX)/share/doc/looptrader/
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|' scripts/looptrader.service \
	    >$(DESTDIR)$(PREFIX)/share/looptrader/looptrader.service
	chmod 0644 $(DESTDIR)$(PREFIX)/share/looptrader/looptrader.service

clean:
	rm -rf build

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
