# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# portwarden: build, test and install. `make help` lists the targets.

OUTPUT ?= .output
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc
PKG_CONFIG ?= pkg-config
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/' \
	| sed 's/ppc64le/powerpc/' | sed 's/mips.*/mips/' | sed 's/riscv64/riscv/')

prefix ?= /usr/local
bindir ?= $(prefix)/bin
mandir ?= $(prefix)/share/man
# /etc for prefix=/usr (the package), $(prefix)/etc otherwise (/usr/local/etc)
sysconfdir ?= $(if $(filter /usr,$(prefix)),/etc,$(prefix)/etc)
# systemd's system unit directory (Debian's; pkg-config systemd says so elsewhere)
systemdunitdir ?= /lib/systemd/system
DESTDIR ?=

# vmlinux.h: the checked-in one by default; VMLINUX_BTF=file regenerates it from
# that BTF into $(OUTPUT); VMLINUX_H=path uses a given header.
VMLINUX_BTF ?=
ifneq ($(VMLINUX_BTF),)
VMLINUX_H ?= $(OUTPUT)/vmlinux/vmlinux.h
else
VMLINUX_H ?= vmlinux/$(ARCH)/vmlinux.h
endif

APP := portwarden
# One BPF object (and skeleton) per job: the event path, the socket
# iterators, the quarantine hook, the reclaim iterator. A part (BPF_PARTS) defines what several
# units share, once; <unit>_PARTS links it into a unit (bpftool gen object).
BPF_UNITS := trace sockets quarantine budget reclaim
BPF_PARTS := closers
trace_PARTS := closers
sockets_PARTS := closers
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_UNITS) $(BPF_PARTS))
BPF_LINKED := $(patsubst %,$(OUTPUT)/%.linked.o,$(BPF_UNITS))
SKELETONS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_UNITS))

# user/ is layered (README "Layout"); scripts/check-layers.sh keeps includes
# pointing down. Objects built from a skeleton need clang and bpftool; the rest
# (everything the unit tier links) builds with plain $(CC).
LAYERS := core host kernel views watch act serve guard cmd
USER_SRCS := $(sort $(wildcard $(patsubst %,user/%/*.c,$(LAYERS))))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
skel_users = $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(shell grep -l '\#include "$(1).skel.h"' $(USER_SRCS)))
SKEL_OBJS := $(foreach u,$(BPF_UNITS),$(call skel_users,$(u)))
LIB_OBJS := $(filter-out $(SKEL_OBJS) $(OUTPUT)/user/cmd/main.o,$(USER_OBJS))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(sort $(wildcard tests/workloads/*.c))
WORKLOAD_BINS := $(patsubst tests/workloads/%.c,$(OUTPUT)/tests/workloads/%,$(WORKLOAD_SRCS))
# LD_PRELOAD shims of the fault tests (built with the workloads)
SHIM_SRCS := $(sort $(wildcard tests/shims/*.c))
SHIM_LIBS := $(patsubst tests/shims/%.c,$(OUTPUT)/tests/shims/%.so,$(SHIM_SRCS))
# tests/man/test-man.sh's probe: --help and the config parser, from the code
MAN_TEST_BINS := $(OUTPUT)/tests/man/man_probe
BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUTPUT)/tests/bench/%,$(BENCH_SRCS))
# Bench programs that time our own code (not the kernel's) link the unit library.
BENCH_LIB_BINS := $(OUTPUT)/tests/bench/snapbuild

# Kernel headers clang -target bpf would otherwise miss (asm/types.h etc.).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lncursesw \
	$(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c) \
	$(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) \
	$(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl) \
	$(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)
INCLUDES := -I$(OUTPUT) -Ibpf -Iuser
CFLAGS ?= -g -O2
USER_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wshadow \
	-Wno-missing-field-initializers -D_GNU_SOURCE $(INCLUDES) $(EXTRA_CFLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(dir $(VMLINUX_H)) -Ibpf $(CLANG_BPF_SYS_INCLUDES)
LDFLAGS_ALL := $(LDFLAGS) $(EXTRA_LDFLAGS)

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(2))";
	MAKEFLAGS += --no-print-directory
endif

.PHONY: all deps run test check test-root bench soak clean install install-bin install-man man vmlinux format help
.DELETE_ON_ERROR:
# keep BPF objects (only skeletons name them); a bare .SECONDARY: would make
# every object intermediate, and a changed OUTPUT or VMLINUX_BTF rebuild nothing
.SECONDARY: $(BPF_OBJS) $(BPF_LINKED) $(SKELETONS)

all: $(APP)

help:
	@echo 'make            build ./portwarden'
	@echo 'make run        install missing packages, build, start portwarden top (trace without a terminal)'
	@echo 'make test       install missing packages, build, run every test tier'
	@echo 'make check      unit tier only (no root)'
	@echo 'make sanitize   ASan+UBSan+LSan build in .output/asan: unit tier, short trace/snapshot (root)'
	@echo 'make fuzz       every libFuzzer harness FUZZ_SECONDS (300) each; FUZZ="config json" picks some'
	@echo 'make test-root  root tier only (real BPF, netns, cgroups)'
	@echo 'make bench      benchmarks, ~15 min, root; BENCH="churn syscall capacity detection scale" (also mixed snapbuild vm-churn)'
	@echo 'make soak       run --enforce under ~50k port events/s and leakers, ~12 min, root; SOAK_SECONDS=600'
	@echo 'make install    install to $$(DESTDIR)$$(bindir), man pages to $$(DESTDIR)$$(mandir), the default config to $$(DESTDIR)$$(sysconfdir)/portwarden, the unit to $$(DESTDIR)$$(systemdunitdir)'
	@echo 'make man        man pages portwarden(8), portwarden.conf(5) in $(OUTPUT)/man (scdoc)'
	@echo 'make deb        build .output/portwarden_VERSION_ARCH.deb (scripts/deb/build-deb.sh)'
	@echo 'make vmlinux    regenerate vmlinux/$$(ARCH)/vmlinux.h from VMLINUX_BTF'
	@echo 'make clean      remove $(OUTPUT) and ./portwarden'
	@echo 'Variables: V=1 OUTPUT CLANG BPFTOOL LLVM_STRIP CC SCDOC VMLINUX_BTF VMLINUX_H prefix bindir mandir sysconfdir systemdunitdir DESTDIR'

deps:
	$(Q)scripts/install-deps.sh

# The live view needs a terminal for its keys and screen; else the event stream.
run: deps
	$(Q)$(MAKE) all
	if [ -t 0 ] && [ -t 1 ]; then ./$(APP) top; else ./$(APP) trace; fi

test: deps
	$(Q)$(MAKE) all unit-bins workload-bins $(OUTPUT)/tests/bench/churn
	$(Q)scripts/run-tests.sh all

check: unit-bins
	$(Q)scripts/run-tests.sh unit

test-root: all workload-bins $(OUTPUT)/tests/bench/churn
	$(Q)scripts/run-tests.sh root

# Benchmarks (BENCHMARKS.md): never part of `make test`; BENCH picks some.
bench: deps
	$(Q)$(MAKE) all bench-bins
	$(Q)scripts/install-bench-deps.sh
	$(Q)tests/bench/run.sh $(BENCH)

# The soak (BENCHMARKS.md): `run --enforce` for SOAK_SECONDS under churn and
# leakers; checks its RSS, descriptors, lost events, the leakers stopped and
# the benign processes untouched. Not part of `make test` either.
soak: deps
	$(Q)$(MAKE) all bench-bins workload-bins
	$(Q)tests/bench/soak.sh

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

# The sanitizer tier: the same tree under ASan+UBSan (LeakSanitizer on) in its own
# OUTPUT, BPF skeletons included (they are rebuilt there: a few seconds), binary
# $(SAN_OUTPUT)/portwarden. `make sanitize` builds it and runs the unit tier and
# a short trace/snapshot (root) with it: tests/sanitize/test-sanitize.sh.
SAN_OUTPUT ?= .output/asan
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
.PHONY: sanitize sanitize-bins
sanitize-bins:
	$(Q)$(MAKE) OUTPUT=$(SAN_OUTPUT) APP=$(SAN_OUTPUT)/portwarden CC=$(CLANG) CFLAGS="-g -O1" \
		EXTRA_CFLAGS="$(SANITIZE_FLAGS)" EXTRA_LDFLAGS="$(SANITIZE_FLAGS)" \
		$(SAN_OUTPUT)/portwarden unit-bins workload-bins

sanitize: deps
	$(Q)SAN_OUTPUT=$(SAN_OUTPUT) scripts/run-tests.sh long test-sanitize

# The fuzz tier: libFuzzer harnesses (tests/fuzz/fuzz_*.c) over every parser of
# untrusted input, built with clang -fsanitize=fuzzer,address,undefined into
# $(FUZZ_OUTPUT). `make fuzz` runs each FUZZ_SECONDS (default 300); `make test`
# runs each a few seconds (tests/fuzz/test-fuzz.sh). FUZZ="config json" picks some.
FUZZ_OUTPUT ?= .output/fuzz
FUZZ_SECONDS ?= 300
FUZZ ?=
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUTPUT)/%,$(FUZZ_SRCS))
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
.PHONY: fuzz fuzz-bins
fuzz-bins:
	$(Q)$(MAKE) OUTPUT=$(FUZZ_OUTPUT) CC=$(CLANG) CFLAGS="-g -O1" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		$(FUZZ_BINS)

$(FUZZ_OUTPUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OUTPUT)/libportwarden.a | $(OUTPUT)/deps
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $(filter-out -fsanitize=%,$(USER_CFLAGS)) -Itests/unit -Itests/fuzz \
		-MMD -MP -MF $(OUTPUT)/deps/fuzz-$*.d $< $(FUZZ_OUTPUT)/libportwarden.a $(LIBS) -o $@

fuzz: deps
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ)

.PHONY: unit-bins workload-bins
unit-bins: $(UNIT_BINS) $(MAN_TEST_BINS)
workload-bins: $(WORKLOAD_BINS) $(SHIM_LIBS)

$(APP): $(USER_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(USER_CFLAGS) $^ $(LDFLAGS_ALL) $(LIBS) -o $@

$(OUTPUT) $(OUTPUT)/vmlinux $(OUTPUT)/tests/unit $(OUTPUT)/tests/workloads $(OUTPUT)/tests/shims $(OUTPUT)/deps:
	$(Q)mkdir -p $@

ifneq ($(VMLINUX_BTF),)
$(VMLINUX_H): $(VMLINUX_BTF) | $(OUTPUT)/vmlinux
	$(call msg,GEN,$@)
	$(Q)BPFTOOL=$(BPFTOOL) scripts/gen-vmlinux.sh $< $@
endif

vmlinux:
	@test -n "$(VMLINUX_BTF)" || { echo "set VMLINUX_BTF, e.g. make VMLINUX_BTF=/sys/kernel/btf/vmlinux vmlinux" >&2; exit 2; }
	$(Q)BPFTOOL=$(BPFTOOL) scripts/gen-vmlinux.sh $(VMLINUX_BTF) vmlinux/$(ARCH)/vmlinux.h

# Only when there is neither a header nor BTF to make one from.
ifeq ($(VMLINUX_BTF)$(wildcard $(VMLINUX_H)),)
$(VMLINUX_H):
	@echo "no vmlinux.h at $@: set VMLINUX_BTF=/sys/kernel/btf/vmlinux or VMLINUX_H=path" >&2; exit 2
endif

# Static pattern rules: a unit renamed or removed leaves dependency files
# naming its skeleton, which then matches no rule instead of failing the build.
$(BPF_OBJS): $(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# Parts first: bpftool 7.1's linker (libbpf 1.1, Debian 12) gives a map
# declared extern in an object with other maps, and defined in a later one,
# a wrong offset ("map relo failed to find map" at skeleton time).
$(foreach u,$(BPF_UNITS),$(eval $(OUTPUT)/$(u).linked.o: \
	$(patsubst %,$(OUTPUT)/%.bpf.o,$($(u)_PARTS)) $(OUTPUT)/$(u).bpf.o))
$(BPF_LINKED): $(OUTPUT)/%.linked.o:
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# named as before linking: struct <unit>_bpf
$(SKELETONS): $(OUTPUT)/%.skel.h: $(OUTPUT)/%.linked.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/user/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

# An object waits only for the skeletons it includes.
$(foreach u,$(BPF_UNITS),$(eval $(call skel_users,$(u)): $(OUTPUT)/$(u).skel.h))

$(OUTPUT)/libportwarden.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Test programs keep their dependency files in $(OUTPUT)/deps, so their
# directories hold only what the test runner executes.
$(OUTPUT)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(OUTPUT)/libportwarden.a | $(OUTPUT)/tests/unit $(OUTPUT)/deps
	$(call msg,TEST,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/unit -MMD -MP -MF $(OUTPUT)/deps/unit-$*.d $< \
		$(OUTPUT)/libportwarden.a $(LDFLAGS_ALL) $(LIBS) -o $@

$(MAN_TEST_BINS): $(OUTPUT)/tests/man/%: tests/man/%.c $(OUTPUT)/libportwarden.a | $(OUTPUT)/deps
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -MF $(OUTPUT)/deps/man-$*.d $< \
		$(OUTPUT)/libportwarden.a $(LDFLAGS_ALL) $(LIBS) -o $@

# seccomp-exec applies the unit's system-call filter (tests/e2e/test-unit.sh)
$(OUTPUT)/tests/workloads/seccomp-exec: WORKLOAD_LIBS := \
	$(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null || echo -lseccomp)

# sockpass connects and closes through io_uring (tests/e2e/test-budget.sh)
$(OUTPUT)/tests/workloads/sockpass: WORKLOAD_LIBS := \
	$(shell $(PKG_CONFIG) --libs liburing 2>/dev/null || echo -luring)

$(OUTPUT)/tests/workloads/%: tests/workloads/%.c | $(OUTPUT)/tests/workloads $(OUTPUT)/deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -MF $(OUTPUT)/deps/workload-$*.d $< $(WORKLOAD_LIBS) -o $@

$(OUTPUT)/tests/shims/%.so: tests/shims/%.c | $(OUTPUT)/tests/shims $(OUTPUT)/deps
	$(call msg,SHIM,$@)
	$(Q)$(CC) $(USER_CFLAGS) -fPIC -shared -MMD -MP -MF $(OUTPUT)/deps/shim-$*.d $< -o $@

$(OUTPUT)/tests/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/tests/bench/%: tests/bench/%.c | $(OUTPUT)/tests/bench $(OUTPUT)/deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -MF $(OUTPUT)/deps/bench-$*.d $< -o $@

$(BENCH_LIB_BINS): $(OUTPUT)/tests/bench/%: tests/bench/%.c $(OUTPUT)/libportwarden.a | $(OUTPUT)/tests/bench $(OUTPUT)/deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -MMD -MP -MF $(OUTPUT)/deps/bench-$*.d $< \
		$(OUTPUT)/libportwarden.a $(LDFLAGS_ALL) $(LIBS) -o $@

.PHONY: install-bin install-config install-man install-systemd
install: install-bin install-config install-man install-systemd

install-bin: $(APP)
	install -d $(DESTDIR)$(bindir)
	install -m 0755 $(APP) $(DESTDIR)$(bindir)/$(notdir $(APP))

# The commented default config (every key at its default). An existing one is
# the operator's: kept, never overwritten (the package's conffile handling does
# the same through dpkg).
install-config:
	install -d $(DESTDIR)$(sysconfdir)/portwarden
	@if [ -e $(DESTDIR)$(sysconfdir)/portwarden/portwarden.conf ]; then \
		echo "kept $(DESTDIR)$(sysconfdir)/portwarden/portwarden.conf (new default not installed)"; \
	else \
		echo install -m 0644 scripts/portwarden.conf $(DESTDIR)$(sysconfdir)/portwarden/portwarden.conf; \
		install -m 0644 scripts/portwarden.conf $(DESTDIR)$(sysconfdir)/portwarden/portwarden.conf; \
	fi

# The Debian package (README "Packaging"): .output/portwarden_VERSION_ARCH.deb,
# its binary built in $(OUTPUT)/deb-build with Debian's hardening flags.
.PHONY: deb
deb:
	$(Q)OUTPUT=$(OUTPUT) MAKE="$(MAKE)" scripts/deb/build-deb.sh

# Man pages: scdoc(5) sources docs/man/NAME.SECTION.scd, roff in $(OUTPUT)/man.
# Not part of `all` (scdoc is needed only for them); `install` builds them and
# installs them uncompressed (a package compresses its own). Two fixes after
# scdoc: .TH turns hyphenation back on (ip_lo-cal_port_range), so .nh again;
# scdoc leaves a header's double quotes to roff, which reads them as argument
# quotes ([cgroup "GLOB"] became [cgroup GLOB ]), so \(dq. The page's date is
# its source's last commit (SOURCE_DATE_EPOCH), not the build's. They wait on
# the Makefile too: a change to these fixes remakes them.
SCDOC ?= scdoc
MAN_SRCS := $(sort $(wildcard docs/man/*.scd))
MAN_PAGES := $(patsubst docs/man/%.scd,$(OUTPUT)/man/%,$(MAN_SRCS))

man: $(MAN_PAGES)

$(OUTPUT)/man:
	$(Q)mkdir -p $@

$(MAN_PAGES): $(OUTPUT)/man/%: docs/man/%.scd Makefile | $(OUTPUT)/man
	$(call msg,SCDOC,$@)
	$(Q)d=$$(git log -1 --format=%ct -- $< 2>/dev/null); \
		SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-$${d:-$$(date +%s)}} $(SCDOC) < $< > $@.tmp
	$(Q)sed -e '/^\.TH /a .nh' -e '/^\.S[HS] /s/"/\\(dq/g' $@.tmp > $@ && rm -f $@.tmp

install-man: $(MAN_PAGES)
	$(foreach p,$(MAN_PAGES),install -d $(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(p))) && \
		install -m 0644 $(p) $(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)) &&) true

# The unit runs /usr/sbin/portwarden: with another bindir, ExecStart follows it.
.PHONY: install-systemd
install-systemd:
	install -d $(DESTDIR)$(systemdunitdir)
	sed 's|^ExecStart=/usr/sbin/portwarden |ExecStart=$(bindir)/portwarden |' \
		scripts/systemd/portwarden.service >$(DESTDIR)$(systemdunitdir)/portwarden.service
	chmod 0644 $(DESTDIR)$(systemdunitdir)/portwarden.service

format:
	clang-format -i bpf/*.c bpf/*.h user/*/*.c user/*/*.h tests/unit/*.c tests/unit/*.h tests/workloads/*.c

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) $(APP)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/deps/*.d)
