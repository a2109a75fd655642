#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Builds the libFuzzer harnesses (make fuzz-bins) and runs each for
# FUZZ_SECONDS (default 300), starting from its checked-in seed corpus
# tests/fuzz/corpus/NAME/ (read only) plus what earlier runs found, kept in
# $FUZZ_OUTPUT/corpus/NAME/ (default .output/fuzz). One result line per
# harness: PASS: fuzz/NAME, or FAIL: fuzz/NAME: the report's first line and
# the input that broke it (saved as $FUZZ_OUTPUT/crashes/NAME-crash-*; add
# it to tests/fuzz/corpus/NAME/ once fixed).
#
# usage: tests/fuzz/run.sh [NAME...]   (NAME: config, escape, ...; default all)
# Environment: FUZZ_SECONDS, FUZZ_OUTPUT, CLANG.
set -u
cd "$(dirname "$0")/../.." || exit 1

seconds=${FUZZ_SECONDS:-300}
out=${FUZZ_OUTPUT:-.output/fuzz}
failed=0

if ! build=$(make -s FUZZ_OUTPUT="$out" fuzz-bins 2>&1); then
	echo "FAIL: fuzz/build: $(tail -5 <<<"$build" | paste -sd ';')"
	exit 1
fi

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		n=${src##*/fuzz_}
		names+=("${n%.c}")
	done
fi

mkdir -p "$out/crashes"
for name in "${names[@]}"; do
	bin=$out/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	work=$out/corpus/$name
	log=$out/fuzz_$name.log
	if [ ! -x "$bin" ]; then
		echo "FAIL: fuzz/$name: no harness $bin"
		failed=1
		continue
	fi
	mkdir -p "$work"
	dirs=("$work")
	[ ! -d "$seeds" ] || dirs+=("$seeds")
	rm -f "$out/crashes/$name"-*
	# -timeout: one input taking over 10 s is a finding too (a hang)
	rc=0
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$name-" "${dirs[@]}" >"$log" 2>&1 </dev/null || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "PASS: fuzz/$name (${runs:-?} inputs in $seconds s)"
	else
		why=$(grep -m1 -E 'fuzz property broken|ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|ERROR: libFuzzer' "$log")
		crash=$(find "$out/crashes" -name "$name-*" | head -n 1)
		echo "FAIL: fuzz/$name: ${why:-exit $rc}; input ${crash:-none saved}; log $log"
		grep -E 'fuzz property|runtime error|ERROR|#[0-9]+ 0x' "$log" | head -20 | sed 's/^/  | /' >&2
		failed=1
	fi
done
exit "$failed"
