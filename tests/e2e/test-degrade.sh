#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Each part the kernel may refuse, refused on purpose (PORTWARDEN_TEST_REFUSE
# plays that kernel), ends in a command that works, honestly degraded:
#   degrade/probe                 `probe --json` names every part with a verdict
#   degrade/probe-refused         ... and says "refused" for the parts refused
#   degrade/probe-unusable        with no state hook: usable false, exit 1
#   degrade/trace-tracepoint      no tp_btf: trace falls back to the classic
#                                 tracepoint (safe form) and still sees every
#                                 connect() EADDRNOTAVAIL, with pid and cgroup
#   degrade/trace-nothing         no state hook at all: trace exits 1 and says why
#   degrade/trace-no-port-hooks   no port or send hooks: trace --failed --mode
#                                 state says what is not seen, still reports
#                                 TCP connect failures, and none of bind(0)
#   degrade/run-no-quarantine     no quarantine hook: run starts, says the guard
#                                 goes straight to signals, and stops cleanly
#   degrade/report-no-iterators   no socket iterator: report (the accounting path
#                                 of run and top) still counts a container's 40
#                                 connections, from /proc and sock_diag
#   degrade/bad-env               PORTWARDEN_BPF=bogus is bad input: exit 2
# The snapshot's fallback when the iterators are refused is checked by
# test-snapshot-keys (counts exact with every form).
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")

check_probe() {
	local problems rc
	if ! "$PW_PORTWARDEN" probe --json >"$PW_TMP/probe.json" 2>"$PW_TMP/probe.err"; then
		pw_fail degrade/probe "exit status $?: $(tail -c 300 "$PW_TMP/probe.err")"
		return
	fi
	problems=$(jq -r '
		([.parts[].part] | sort) as $got
		| (["fexit", "iter/task_file", "iter/tcp", "iter/udp", "quarantine", "state hook"] - $got)[]
		  | "no verdict for \(.)",
		  (.parts[] | select(.verdict | IN("fast", "safe", "yes", "refused") | not)
		  | "\(.part): verdict \(.verdict)"),
		  (if .usable != true then "usable is \(.usable)" else empty end)' \
		"$PW_TMP/probe.json" 2>&1) || problems="jq failed: $problems"
	pw_report degrade/probe "$problems"

	problems=$(PORTWARDEN_TEST_REFUSE=iter/tcp,quarantine "$PW_PORTWARDEN" probe --json 2>/dev/null |
		jq -r '.parts[] | select(.part == "iter/tcp" or .part == "quarantine")
			| select(.verdict != "refused") | "\(.part): \(.verdict), want refused"' 2>&1) ||
		problems="probe failed or jq failed: $problems"
	pw_report degrade/probe-refused "$problems"

	# no state hook: the guard cannot run, and probe says so in its status too
	rc=0
	PORTWARDEN_TEST_REFUSE=tp_btf,tracepoint "$PW_PORTWARDEN" probe --json >"$PW_TMP/probe-none.json" \
		2>/dev/null || rc=$?
	problems=$(
		[ "$rc" -eq 1 ] || echo "exit status $rc, want 1"
		jq -e '.usable == false' "$PW_TMP/probe-none.json" >/dev/null 2>&1 ||
			echo "usable is not false: $(head -c 200 "$PW_TMP/probe-none.json")"
	)
	pw_report degrade/probe-unusable "$problems"
}

# trace_fallback: no tp_btf; the tracepoint catches a workload's 3 failures.
trace_fallback() {
	local pid problems
	PORTWARDEN_TEST_REFUSE=tp_btf pw_start_tracer degrade/trace-tracepoint "$PW_TMP/trace.json" \
		--json --failed --mode state --cgroup "$BASE" -v || return 0
	pw_start_portleak connect "$(pw_make_cgroup connect)" "$(pw_make_netns 40000 40009)" \
		tcp-connect --listen --fail-extra 2
	pid=$PW_PID
	pw_wait_for_file_line "$PW_TMP/connect.json" '^{' 30 || true
	sleep 1
	pw_stop "$PW_TRACER" INT 10
	problems=$(
		grep -q 'calibration: state hook: safe' "$PW_TMP/trace.json.err" ||
			echo "no 'state hook: safe' verdict: $(grep 'calibration' "$PW_TMP/trace.json.err" | head -c 200)"
		jq -rs --argjson pid "$pid" --arg cg "$REL_BASE/connect" '
			[.[] | select(.type == null or .type == "event") | select(.pid == $pid)] as $ev
			| if ($ev | length) != 3 then "\($ev | length) events from the workload, want 3" else empty end,
			  ([$ev[] | select(.errno != 99 or .op != "connect" or .cgroup != $cg)
			   | "event \(tojson)"] | first // empty)' "$PW_TMP/trace.json" 2>&1
	)
	pw_report degrade/trace-tracepoint "$problems"
}

trace_nothing() {
	local rc=0
	PORTWARDEN_TEST_REFUSE=tp_btf,tracepoint timeout 30 "$PW_PORTWARDEN" trace --mode state \
		</dev/null >/dev/null 2>"$PW_TMP/nothing.err" || rc=$?
	if [ "$rc" -eq 1 ] && grep -q 'failed to load BPF programs' "$PW_TMP/nothing.err"; then
		pw_pass degrade/trace-nothing
	else
		pw_fail degrade/trace-nothing "exit status $rc, want 1 and why; stderr: $(tail -c 200 "$PW_TMP/nothing.err")"
	fi
}

# trace_no_port_hooks: without the port and send hooks, bind(0) failures
# are not seen (said at start) and TCP connect failures still are.
trace_no_port_hooks() {
	local ns cg problems
	PORTWARDEN_TEST_REFUSE=port-hooks,send-hook pw_start_tracer degrade/trace-no-port-hooks \
		"$PW_TMP/noport.json" --json --failed --mode state --cgroup "$BASE" || return 0
	ns=$(pw_make_netns 40010 40019)
	cg=$(pw_make_cgroup noport)
	pw_start_portleak noport-tcp "$cg" "$ns" tcp-connect --listen --fail-extra 2
	pw_wait_for_file_line "$PW_TMP/noport-tcp.json" '^{' 30 || true
	pw_start_portleak noport-bind0 "$cg" "$ns" bind0 --fail-extra 2
	pw_wait_for_file_line "$PW_TMP/noport-bind0.json" '^{' 30 || true
	sleep 1
	pw_stop "$PW_TRACER" INT 10
	problems=$(
		grep -q 'refused the port and send hooks: bind(0) and UDP autobind failures are not seen' \
			"$PW_TMP/noport.json.err" || echo "no word of the refused hooks: $(tail -c 300 "$PW_TMP/noport.json.err")"
		jq -rs '[.[] | select(.type == "event")] as $ev
			| ([$ev[] | select(.op == "connect" and .errno == 99)] | length
			   | if . != 3 then "\(.) connect failures, want 3" else empty end),
			  ([$ev[] | select(.op == "bind")] | length
			   | if . != 0 then "\(.) bind events, want none" else empty end)' \
			"$PW_TMP/noport.json" 2>&1
	)
	pw_report degrade/trace-no-port-hooks "$problems"
}

run_no_quarantine() {
	local rc=0 problems
	PORTWARDEN_TEST_REFUSE=quarantine pw_start_run degrade/run-no-quarantine "$PW_TMP/run" \
		--cgroup "$BASE" || return 0
	kill -s TERM "$PW_DAEMON"
	pw_wait_exit "$PW_DAEMON" 15 || true
	wait "$PW_DAEMON" || rc=$?
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit status $rc after SIGTERM"
		grep -q 'refused the quarantine hook' "$PW_TMP/run.err" ||
			echo "no word of the refused quarantine hook: $(tail -c 200 "$PW_TMP/run.err")"
	)
	pw_report degrade/run-no-quarantine "$problems"
}

report_no_iterators() {
	local problems rc=0
	pw_start_portleak held "$(pw_make_cgroup held)" "$(pw_make_netns 42000 42999)" \
		tcp-connect --listen --accept --port 5020 --count 20 --hold 60
	pw_wait_for_file_line "$PW_TMP/held.json" '^{' 30 || true
	PORTWARDEN_TEST_REFUSE=iter/task_file,iter/tcp,iter/udp "$PW_PORTWARDEN" report --standalone --duration 3 \
		--json --output "$PW_TMP/report.json" </dev/null >/dev/null 2>"$PW_TMP/report.err" || rc=$?
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit status $rc: $(tail -c 200 "$PW_TMP/report.err")"
		grep -q 'sock_diag' "$PW_TMP/report.err" || echo "no word of the fallback on stderr"
		jq -r --arg cg "$REL_BASE/held" '[.containers[] | select(.cgroup == $cg)]
			| if length != 1 then "no container \($cg)"
			  elif .[0].states.ESTAB != 40 then "container \($cg): \(.[0].states.ESTAB) ESTAB, want 40"
			  else empty end' "$PW_TMP/report.json" 2>&1
	)
	pw_report degrade/report-no-iterators "$problems"
}

bad_env() {
	local rc=0
	PORTWARDEN_BPF=bogus "$PW_PORTWARDEN" snapshot >/dev/null 2>"$PW_TMP/env.err" || rc=$?
	pw_check degrade/bad-env "exit status $rc, want 2: $(head -c 200 "$PW_TMP/env.err")" [ "$rc" -eq 2 ]
}

check_probe
trace_fallback
trace_nothing
trace_no_port_hooks
run_no_quarantine
report_no_iterators
bad_env
pw_done
