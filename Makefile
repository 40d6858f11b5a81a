# SPDX-License-Identifier: MIT
# wirelens: one entry point for dependencies, build, tests, benchmarks and installation.

PREFIX   ?= /usr/local
DESTDIR  ?=
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= /lib/systemd/system
BUILD    ?= build
SANITIZE ?= 0

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Werror
CPPFLAGS := -D_GNU_SOURCE -Ibpf -Iuser -I$(BUILD)
DEPFLAGS  = -MMD -MP
LDLIBS   := -lbpf -lelf -lz -lpcap -lmicrohttpd -lcjson -lpthread -lm
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build/sanitize
endif

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_$(ARCH) -Ibpf -I.

BPF_OBJ  := $(BUILD)/wirelens.bpf.o
SKEL     := $(BUILD)/wirelens.skel.h
USER_SRC := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJ := $(USER_SRC:user/%.c=$(BUILD)/user/%.o) $(BUILD)/user/assets_data.o
# The dashboard, embedded in the binary (user/assets.S); the chart library comes from npm.
CHART_JS := web/node_modules/chart.js/dist/chart.umd.js
WEB_FILES := web/index.html web/app.js web/style.css $(CHART_JS)
MAIN_OBJ := $(BUILD)/user/main.o
BIN      := $(BUILD)/wirelens

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:tests/lib/%.c=$(BUILD)/tests/lib/%.o)
BPFTEST_SRC := $(wildcard tests/bpf/test_*.c)
BPFTEST_BIN := $(BPFTEST_SRC:tests/bpf/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)

# Debian packages the build, the daemon and the tests need (make deps installs the missing).
DEB_PKGS := make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libpcap-dev \
	libmicrohttpd-dev libcjson-dev libcmocka-dev pkg-config iproute2 tcpdump tshark \
	tcpreplay jq python3 util-linux procps ethtool iputils-ping bc libclang-rt-14-dev \
	curl chromium prometheus wrk openssl iperf3 groff-base systemd nmap

.DEFAULT_GOAL := all
# Keep intermediate objects (tests/lib) so that nothing rebuilds needlessly.
.SECONDARY:
.PHONY: all deps deps-check run test test-unit test-bpf test-golden test-e2e bench bench-quick \
	fuzz fuzz-replay install uninstall clean vmlinux format format-check help

all: $(BIN) $(UNIT_BIN) $(BPFTEST_BIN) $(TOOL_BIN) $(BENCH_BIN)

help:
	@echo 'wirelens make targets:'
	@echo '  all           build the daemon and the tests into $(BUILD)/ (default)'
	@echo '  deps          install the Debian packages needed to build, run and test'
	@echo '  run           deps + build, then capture on the default-route interface'
	@echo '  test          deps + build, then run every test (SANITIZE=1: ASan+UBSan build)'
	@echo '  bench         run the benchmarks in tests/bench/ (writes tests/bench/RESULTS.md)'
	@echo '  bench-quick   the benchmarks with small inputs (under 2 minutes)'
	@echo '  test-golden   the golden tests (JSON, --help, man page, default config)'
	@echo '  test-e2e      the end-to-end tests (TESTS="test_a test_b" for some)'
	@echo '  fuzz          run every libFuzzer target for FUZZ_SECONDS (default 30) each'
	@echo '  fuzz-replay   run the fuzz targets once over their seed corpora'
	@echo '  install       binary, man page, systemd unit and /etc/wirelens/wirelens.conf (if absent)'
	@echo '                to $$(DESTDIR)$$(PREFIX) (default /usr/local)'
	@echo '  uninstall     remove them (the config file only if unchanged)'
	@echo '  clean         remove build/'
	@echo '  vmlinux       regenerate vmlinux.h from the running kernel'"'"'s BTF'
	@echo '  format        clang-format every C source'
	@echo '  format-check  fail if any C source is not clang-formatted'
	@echo 'Variables: V=1 shows commands, SANITIZE=1, PREFIX, DESTDIR, MANDIR, UNITDIR.'

# --- dependencies -----------------------------------------------------------------------

# Installs only what is missing; does nothing (and needs no root) when all is there.
deps:
	@missing=""; \
	for p in $(DEB_PKGS); do \
		if [ $$p = bpftool ] && command -v bpftool >/dev/null; then continue; fi; \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "wirelens: missing packages:$$missing (run 'sudo make deps')" >&2; exit 1; \
		fi; \
		echo "  DEPS    installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq || exit 1; \
		if echo "$$missing" | grep -qw bpftool && ! apt-cache show bpftool >/dev/null 2>&1; then \
			missing="$$(echo "$$missing" | sed 's/bpftool/linux-tools-common linux-tools-generic/')"; \
		fi; \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	if [ ! -f web/node_modules/.package-lock.json ] || \
	   ! cmp -s web/package-lock.json web/node_modules/.wirelens-lock; then \
		echo "  DEPS    npm ci (web/)"; \
		(cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || exit 1; \
		cp web/package-lock.json web/node_modules/.wirelens-lock; \
	fi

# --- build ------------------------------------------------------------------------------

$(BUILD) $(BUILD)/user $(BUILD)/tests $(BUILD)/tests/lib $(BUILD)/tests/tools $(BUILD)/tests/bench:
	$(Q)mkdir -p $@

$(BPF_OBJ): bpf/wirelens.bpf.c vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -MT $@ -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name wirelens_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(SKEL) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(CHART_JS): web/package-lock.json
	@if [ ! -f $@ ]; then \
		echo "wirelens: $@ is missing: run 'sudo make deps' (npm ci in web/)" >&2; exit 1; fi
	@touch $@

$(BUILD)/user/assets_data.o: user/assets.S $(WEB_FILES) | $(BUILD)/user
	$(call msg,ASSETS,$@)
	$(Q)$(CC) -c $< -o $@

$(BIN): $(USER_OBJ) $(MAIN_OBJ)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c | $(BUILD)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests/lib $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(USER_OBJ) $(TESTLIB_OBJ) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests/lib $(DEPFLAGS) $< \
		$(USER_OBJ) $(TESTLIB_OBJ) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/test_%: tests/bpf/test_%.c $(USER_OBJ) $(TESTLIB_OBJ) $(SKEL) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests/lib $(DEPFLAGS) $< \
		$(USER_OBJ) $(TESTLIB_OBJ) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/tools/%: tests/tools/%.c $(USER_OBJ) $(TESTLIB_OBJ) $(SKEL) | $(BUILD)/tests/tools
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) -Itests/lib $(DEPFLAGS) $< \
		$(TESTLIB_OBJ) $(USER_OBJ) $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/tests/bench/%: tests/bench/%.c $(USER_OBJ) $(SKEL) | $(BUILD)/tests/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(CFLAGS) $(WARN) $(CPPFLAGS) $(DEPFLAGS) $< $(USER_OBJ) $(LDFLAGS) \
		$(LDLIBS) -o $@

-include $(wildcard $(BUILD)/*.d $(BUILD)/user/*.d $(BUILD)/tests/*.d $(BUILD)/tests/lib/*.d \
	$(BUILD)/tests/tools/*.d $(BUILD)/tests/bench/*.d)

# --- run and test -----------------------------------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/wirelens $(ARGS)

test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run-all.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/bench/run.sh

bench-quick: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BENCH_QUICK=1 tests/bench/run.sh

test-golden: all
	@BUILD=$(BUILD) tests/golden/run.sh | tee $(BUILD)/golden.log; ! grep -q '^FAIL ' $(BUILD)/golden.log

test-e2e: all
	@BUILD=$(BUILD) tests/e2e/run.sh $(TESTS) | tee $(BUILD)/e2e.log; ! grep -q '^FAIL ' $(BUILD)/e2e.log

# The unit names the installed binary; an existing configuration file is never overwritten,
# and uninstall removes it only when it is still the shipped default.
CONF := $(DESTDIR)/etc/wirelens/wirelens.conf

install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/wirelens)
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/wirelens
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8/wirelens.8)
	$(Q)install -D -m 0644 docs/wirelens.8 $(DESTDIR)$(MANDIR)/man8/wirelens.8
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/wirelens.service)
	$(Q)sed 's|/usr/local/sbin/wirelens|$(PREFIX)/sbin/wirelens|' packaging/wirelens.service \
		>$(BUILD)/wirelens.service
	$(Q)install -D -m 0644 $(BUILD)/wirelens.service $(DESTDIR)$(UNITDIR)/wirelens.service
	$(Q)if [ -e $(CONF) ]; then \
		echo "  KEEP     $(CONF) (the shipped default is packaging/wirelens.conf)"; \
	else \
		printf '  %-8s %s\n' INSTALL $(CONF); \
		install -D -m 0644 packaging/wirelens.conf $(CONF); \
	fi

uninstall:
	$(call msg,RM,$(DESTDIR)$(PREFIX)/sbin/wirelens and the man page and unit)
	$(Q)rm -f $(DESTDIR)$(PREFIX)/sbin/wirelens $(DESTDIR)$(MANDIR)/man8/wirelens.8 \
		$(DESTDIR)$(UNITDIR)/wirelens.service
	$(Q)if cmp -s packaging/wirelens.conf $(CONF); then \
		printf '  %-8s %s\n' RM $(CONF); \
		rm -f $(CONF); rmdir $(dir $(CONF)) 2>/dev/null || true; \
	elif [ -e $(CONF) ]; then \
		echo "  KEEP     $(CONF): changed from the default (remove it by hand)"; \
	fi

# libFuzzer targets (tests/fuzz/fuzz_*.c), one per parser of untrusted input. The userspace
# modules are built again with coverage and sanitizers into an archive, so that each target links
# only the modules it uses. `make fuzz` runs every target for FUZZ_SECONDS from its seeds
# (tests/fuzz/corpus/TARGET/) and fails on a crash, leak or hang, whose input it leaves in
# $(BUILD)/fuzz/; `make fuzz-replay` only runs the seeds once (a regression check).
FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJ := $(USER_SRC:user/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_LIB := $(BUILD)/fuzz/libwirelens.a
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra $(CPPFLAGS) -DWL_SRCDIR='"$(CURDIR)"'

$(BUILD)/fuzz $(BUILD)/fuzz/obj:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/obj/%.o: user/%.c tests/fuzz/coverage.ignore $(SKEL) | $(BUILD)/fuzz/obj
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-fsanitize-coverage-ignorelist=tests/fuzz/coverage.ignore $(DEPFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) | $(BUILD)/fuzz
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) $< $(FUZZ_LIB) $(LDLIBS) -o $@

-include $(wildcard $(BUILD)/fuzz/*.d $(BUILD)/fuzz/obj/*.d)

fuzz: $(FUZZ_BIN)
	@BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-replay: $(FUZZ_BIN)
	@BUILD=$(BUILD) tests/fuzz/run.sh 0 $(FUZZ_BIN)

clean:
	rm -rf build

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h.tmp
	mv vmlinux.h.tmp vmlinux.h

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^vmlinux.h$$')

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: clean"
