#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The sanitizer tier: the whole tree built with clang under AddressSanitizer,
# UndefinedBehaviorSanitizer (no recovery: the first finding ends the program)
# and LeakSanitizer, in its own OUTPUT ($SAN_OUTPUT, default .output/asan);
# then
#  - every unit test binary under it (no root): PASS when it exits 0 and no
#    sanitizer wrote a report;
#  - as root, on this kernel: the sanitized ./portwarden traces a few loopback
#    connections in a netns of ours (trace --json, stopped by SIGINT so
#    LeakSanitizer checks at exit; the workload's comm holds a C1 CSI and a
#    bidi override, which the JSON must carry as \uXXXX), and takes a snapshot --json while a
#    workload holds sockets. Both must exit 0, print valid JSON and no report.
# Run by `make sanitize` and by the long tier of `make test`.
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
cd "$PW_ROOT" || exit 1

SAN=${SAN_OUTPUT:-.output/asan}
case $SAN in /*) ;; *) SAN=$PW_ROOT/$SAN ;; esac
# halt_on_error: the first report ends the program (with -fno-sanitize-recover
# UBSan does so too); LeakSanitizer runs at exit.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=report_objects=0

# sanitizer_report FILE: the first line of a sanitizer's report in FILE, if any.
sanitizer_report() {
	grep -m1 -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$1"
}

build() {
	local out start=$SECONDS
	if ! command -v clang >/dev/null; then
		pw_skip sanitize-build "no clang"
		exit 0
	fi
	if ! out=$(make -s SAN_OUTPUT="$SAN" sanitize-bins 2>&1); then
		pw_fail sanitize-build "$(tail -5 <<<"$out" | paste -sd ';')"
		pw_done
	fi
	echo "# sanitized build: $((SECONDS - start)) s"
	pw_pass sanitize-build
}

# Every unit binary under the sanitizers: one result line each.
unit_tier() {
	local bin name rc report
	for bin in "$SAN"/tests/unit/test_*; do
		[ -x "$bin" ] || continue
		name=unit/${bin##*/}
		rc=0
		"$bin" >"$PW_TMP/unit.out" 2>"$PW_TMP/unit.err" </dev/null || rc=$?
		report=$(sanitizer_report "$PW_TMP/unit.err")
		if grep -q '^FAIL' "$PW_TMP/unit.out"; then
			# its own failures first: a failed case may leak what it meant to free
			pw_fail "$name" "exit $rc: $(grep -m3 '^FAIL' "$PW_TMP/unit.out" | paste -sd ';')${report:+; then $report}"
		elif [ -n "$report" ]; then
			pw_fail "$name" "$report"
			sed 's/^/  | /' "$PW_TMP/unit.err" | head -40 >&2
		elif [ "$rc" -ne 0 ]; then
			pw_fail "$name" "exit $rc: $(grep -m3 '^FAIL' "$PW_TMP/unit.out" | paste -sd ';')"
		else
			pw_pass "$name"
		fi
	done
}

# check_run NAME RC ERRFILE: FAIL on a sanitizer report or a non-zero exit.
check_run() {
	local report
	report=$(sanitizer_report "$3")
	if [ -n "$report" ]; then
		sed 's/^/  | /' "$3" | grep -v '^  | libbpf: ' | head -60 >&2
		pw_fail "$1" "$report"
		return 1
	fi
	if [ "$2" -ne 0 ]; then
		pw_fail "$1" "exit $2: $(grep -v '^libbpf: ' "$3" | tail -c 300)"
		return 1
	fi
}

e2e() {
	local ns out rc
	PW_PORTWARDEN=$SAN/portwarden
	# shellcheck disable=SC2034 # read by lib.sh's pw_start_portleak
	PW_PORTLEAK=$SAN/tests/workloads/portleak
	pw_require_root
	pw_require_cmd ip jq
	pw_require_bpf
	ns=$(pw_make_netns 43000 43099) || {
		pw_fail e2e/netns "cannot create a netns"
		return
	}

	# trace: a few connections on the netns' loopback, then SIGINT.
	out=$PW_TMP/trace.jsonl
	if pw_start_tracer e2e/trace "$out" --json; then
		# a comm with a C1 CSI and a bidi override: JSON carries them as \uXXXX
		pw_start_portleak conn "" "$ns" tcp-ok --count 5 --comm $'pl-san\xc2\x9b\xe2\x80\xae' >/dev/null
		pw_wait_portleak conn e2e/trace exited || true
		pw_wait_for_file_line "$out" '"comm":"pl-san' 10 || true
		rc=0
		kill -s INT "$PW_TRACER"
		if ! pw_wait_exit "$PW_TRACER" 30; then
			pw_stop "$PW_TRACER" KILL 1
			pw_fail e2e/trace "still running 30 s after SIGINT"
			return
		fi
		wait "$PW_TRACER" || rc=$?
		if check_run e2e/trace "$rc" "$out.err"; then
			if ! grep -q '"comm":"pl-san' "$out"; then
				pw_fail e2e/trace "no event of the workload: $(head -c 300 "$out")"
			elif ! jq -e . "$out" >/dev/null 2>&1; then
				pw_fail e2e/trace "output is not JSON lines: $(head -c 300 "$out")"
			elif LC_ALL=C grep -q $'\xc2\x9b\|\xe2\x80\xae' "$out" ||
				! grep -qF '"comm":"pl-san\u009b\u202e"' "$out"; then
				pw_fail e2e/trace "comm's C1 and bidi characters not escaped: $(grep -m1 -a 'pl-san' "$out" | head -c 300)"
			else
				pw_pass e2e/trace
			fi
		fi
	fi

	# snapshot: while a workload holds a few sockets.
	pw_start_portleak hold "" "$ns" tcp-ok --count 5 --hold 30 --comm pl-san-hold >/dev/null
	pw_wait_portleak hold e2e/snapshot || return
	out=$PW_TMP/snapshot.json
	rc=0
	"$PW_PORTWARDEN" snapshot --json >"$out" 2>"$out.err" </dev/null || rc=$?
	pw_stop "$(cat "$PW_TMP/hold.pid")"
	if check_run e2e/snapshot "$rc" "$out.err"; then
		if ! jq -e . "$out" >/dev/null 2>&1; then
			pw_fail e2e/snapshot "not JSON: $(head -c 300 "$out")"
		elif ! grep -q 'pl-san-hold' "$out"; then
			pw_fail e2e/snapshot "the workload is missing: $(head -c 300 "$out")"
		else
			pw_pass e2e/snapshot
		fi
	fi
}

build
unit_tier
e2e
pw_done
