#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The build's promises (README "Layout", "Building"): includes in user/ point
# down the layers, the core builds with plain cc and no BPF toolchain, a
# second make does nothing, and CC=clang builds. Runs in the unit tier, after
# `make` has built ./portwarden; needs no root.
. "$(dirname "$0")/../e2e/lib.sh"
cd "$PW_ROOT" || exit 1

layers_hold() {
	local out
	out=$(scripts/check-layers.sh 2>&1) || {
		pw_fail layers "$out"
		return
	}
	pw_pass layers
}

# The check itself can fail: a copy of user/ with one include pointing up.
layers_catch_an_upward_include() {
	local copy=$PW_TMP/user out
	cp -r user "$copy"
	sed -i '0,/^#include "core\//s//#include "cmd\/cli.h"\n&/' "$copy/core/classify.c"
	if out=$(scripts/check-layers.sh "$copy" 2>&1); then
		pw_fail layers-catch-upward "an include of cmd/ from core/ passed"
	elif ! grep -q 'core/classify.c: includes cmd/ from core/' <<<"$out"; then
		pw_fail layers-catch-upward "did not name the file: $out"
	else
		pw_pass layers-catch-upward
	fi
}

# make, then make -q: exit 0 only when every target is up to date.
second_make_does_nothing() {
	local out
	if ! command -v clang >/dev/null || ! command -v bpftool >/dev/null; then
		pw_skip second-make-nothing "no clang or bpftool to build the BPF side"
	elif ! out=$(make -s all 2>&1); then
		pw_fail second-make-nothing "make failed: $(tail -5 <<<"$out")"
	elif make -q all; then
		pw_pass second-make-nothing
	else
		pw_fail second-make-nothing "after make, make -q all says something is out of date: $(make -n all 2>&1 | head -5)"
	fi
}

# No clang, no bpftool, no llvm-strip: the unit tier's library still builds.
core_builds_without_bpf_tools() {
	local out
	if out=$(make -s OUTPUT="$PW_TMP/plain" CLANG=/bin/false BPFTOOL=/bin/false \
		LLVM_STRIP=/bin/false "$PW_TMP/plain/libportwarden.a" 2>&1); then
		pw_pass core-plain-cc
	else
		pw_fail core-plain-cc "$(tail -5 <<<"$out")"
	fi
}

# The same tree under clang's warnings; the binary stays in the scratch space.
clang_builds() {
	local out bin=$PW_TMP/clang/portwarden
	if ! command -v clang >/dev/null; then
		pw_skip cc-clang "no clang"
		return
	fi
	if ! out=$(make -s -j2 OUTPUT="$PW_TMP/clang" CC=clang APP="$bin" "$bin" 2>&1); then
		pw_fail cc-clang "$(tail -5 <<<"$out")"
	elif ! "$bin" --version >/dev/null; then
		pw_fail cc-clang "the clang-built binary does not run"
	else
		pw_pass cc-clang
	fi
}

layers_hold
layers_catch_an_upward_include
second_make_does_nothing
core_builds_without_bpf_tools
clang_builds
pw_done
