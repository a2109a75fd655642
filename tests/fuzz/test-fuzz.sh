#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The fuzz tier's short run in `make test`: every libFuzzer harness
# (tests/fuzz/fuzz_*.c) for PW_FUZZ_SECONDS (default 5) from its seed corpus,
# so a regression on a checked-in input, or a quick new finding, fails here.
# `make fuzz` runs them long. Needs clang and its libFuzzer runtime
# (libclang-rt-14-dev on Debian 12); no root.
set -u
cd "$(dirname "$0")/../.." || exit 1

rt=$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null)
if ! command -v clang >/dev/null || [ ! -f "${rt:-/nonexistent}" ]; then
	# clang prints the bare name back when it has no such file
	echo "SKIP: fuzz: no clang or no libFuzzer runtime (libclang-rt-14-dev)"
	exit 0
fi
FUZZ_SECONDS=${PW_FUZZ_SECONDS:-5} exec tests/fuzz/run.sh
