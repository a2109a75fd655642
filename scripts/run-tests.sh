#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Runs the test tiers and totals their result lines.
#
# usage: scripts/run-tests.sh all|unit|long|root [NAME...]
#   unit: every $OUTPUT/tests/unit/test_* binary, tests/build/test-*.sh,
#         tests/prometheus/test-*.sh and tests/man/test-*.sh (no root needed)
#   long: tests/sanitize/test-*.sh and tests/fuzz/test-*.sh: the tree rebuilt under
#         ASan+UBSan and libFuzzer, a few minutes (their root parts SKIP when not root)
#   root: every tests/e2e/test-*.sh (they SKIP themselves when not root)
#   NAME: only run tests whose file name contains one of these strings
#
# A test prints one line per case on stdout: "PASS: <name>",
# "FAIL: <name>: <reason>" or "SKIP: <name>: <reason>"; anything else is shown
# but not counted. A test that exits non-zero without a FAIL line (crash,
# timeout) counts as one failure named after it, and so does one that reports
# nothing at all. The last line is always "N passed, N failed, N skipped";
# the exit status is 1 if anything failed.
#
# Environment: OUTPUT (default .output), PW_TEST_TIMEOUT (seconds per test
# file, default 300).
set -eu

usage() {
	echo "usage: $0 all|unit|long|root [NAME...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
tier=$1
shift
case $tier in all | unit | long | root) ;; *) usage ;; esac

cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-.output}
export OUTPUT
limit=${PW_TEST_TIMEOUT:-300}

passed=0
failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/portwarden-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$tmp/failures"

# selected NAME: true when no NAME filter was given or one matches.
selected() {
	[ $# -eq 1 ] && return 0
	sel_name=$1
	shift
	for sel_filter in "$@"; do
		case $sel_name in *"$sel_filter"*) return 0 ;; esac
	done
	return 1
}

count() { # PREFIX FILE
	grep -c "^$1: " "$2" || true
}

# fail_whole NAME REASON: a failure of the test file itself, not of one case.
fail_whole() {
	echo "FAIL: $1: $2" | tee -a "$tmp/failures"
	failed=$((failed + 1))
}

# run_one NAME CMD...: run one test file under the time limit, show and count.
run_one() {
	name=$1
	shift
	echo "=== $name"
	start=$(date +%s)
	rc=0
	if command -v timeout >/dev/null 2>&1; then
		# -k: a test that ignores SIGTERM still ends.
		timeout -k 10 "$limit" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
	else
		"$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
	fi
	cat "$tmp/out"
	sed 's/^/  stderr| /' "$tmp/err"

	p=$(count PASS "$tmp/out")
	f=$(count FAIL "$tmp/out")
	s=$(count SKIP "$tmp/out")
	grep "^FAIL: " "$tmp/out" >>"$tmp/failures" || true
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		case $rc in
		124 | 137) fail_whole "$name" "timed out after $limit s" ;;
		*) fail_whole "$name" "exited with status $rc and no FAIL line" ;;
		esac
	elif [ $((p + f + s)) -eq 0 ]; then
		fail_whole "$name" "reported no results (exit $rc)"
	fi
	echo "--- $name: $p passed, $f failed, $s skipped (exit $rc, $(($(date +%s) - start)) s)"
}

run_unit() {
	found=0
	for bin in "$OUTPUT"/tests/unit/test_*; do
		case $bin in *.d | *.o) continue ;; esac
		if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
			continue
		fi
		found=1
		selected "${bin##*/}" "$@" || continue
		run_one "${bin##*/}" "$bin"
	done
	# A source without its binary would otherwise pass silently.
	for src in tests/unit/test_*.c; do
		[ -f "$src" ] || continue
		found=1
		name=${src##*/}
		name=${name%.c}
		selected "$name" "$@" || continue
		[ -x "$OUTPUT/tests/unit/$name" ] || fail_whole "$name" "not built ($OUTPUT/tests/unit/$name missing)"
	done
	# The build's own checks (layers, plain cc, clang), the alerting rules
	# and dashboard (promtool, offline) and the man pages: no root needed.
	for t in tests/build/test-*.sh tests/prometheus/test-*.sh tests/man/test-*.sh; do
		[ -f "$t" ] || continue
		found=1
		name=${t##*/}
		name=${name%.sh}
		selected "$name" "$@" || continue
		run_one "$name" bash "$t"
	done
	[ "$found" -eq 1 ] || echo "# unit: no tests"
}

run_root() {
	run_scripts root tests/e2e/test-*.sh -- "$@"
}

run_long() {
	run_scripts long tests/sanitize/test-*.sh tests/fuzz/test-*.sh -- "$@"
}

# run_scripts TIER FILE... -- [NAME...]: each test script FILE (bash).
run_scripts() {
	scripts_tier=$1
	shift
	scripts_files=""
	while [ "$1" != -- ]; do
		scripts_files="$scripts_files $1"
		shift
	done
	shift
	found=0
	for t in $scripts_files; do
		[ -f "$t" ] || continue
		found=1
		name=${t##*/}
		name=${name%.sh}
		selected "$name" "$@" || continue
		if [ -x "$t" ]; then
			run_one "$name" "$t"
		else
			run_one "$name" bash "$t"
		fi
	done
	[ "$found" -eq 1 ] || echo "# $scripts_tier: no tests"
}

case $tier in
unit) run_unit "$@" ;;
long) run_long "$@" ;;
root) run_root "$@" ;;
all)
	run_unit "$@"
	run_long "$@"
	run_root "$@"
	;;
esac

if [ -s "$tmp/failures" ]; then
	echo "=== failures"
	sed 's/^/  /' "$tmp/failures"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
