#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The cost of every BPF program `run` loads (README "Metrics"): with
# kernel.bpf_stats_enabled on (this test turns it on and restores what it
# found), /metrics on run's socket has portwarden_bpf_program_run_seconds_total
# and _runs_total for the event path's programs, the socket iterators (which
# every sample runs: the file and TCP walks' runs grow) and the quarantine hook, one series each,
# and promtool accepts the text.
#   bpf-cost/programs  every object's programs have their series, no name twice
#   bpf-cost/iterators the iterators' runs grow from one scrape to a later one
set -eu
. "$(dirname "$0")/lib.sh"

pw_require_portwarden curl promtool

STATS=/proc/sys/kernel/bpf_stats_enabled
[ -w "$STATS" ] || {
	pw_skip bpf-cost "$STATS not writable"
	exit 0
}
OLD=$(cat "$STATS")
pw_on_exit "echo $OLD >$STATS"
echo 1 >"$STATS"

BASE=$(pw_cgroup_base)
SOCK=$PW_TMP/run/pw.sock
pw_start_run bpf-cost/start "$PW_TMP/run" --cgroup "$BASE" --socket "$SOCK" || pw_done

scrape() { # FILE
	curl -s --max-time 5 --unix-socket "$SOCK" -o "$1" http://localhost/metrics
}
runs() { # FILE PROGRAM: its runs, or -1
	awk -v p="portwarden_bpf_program_runs_total{program=\"$2\"}" \
		'$1 == p { print $2; f = 1 } END { if (!f) print -1 }' "$1"
}

# two samples or more: the iterators have run
for _ in $(seq 50); do
	scrape "$PW_TMP/a.txt" || true
	[ "$(runs "$PW_TMP/a.txt" tcp_socks)" -gt 0 ] 2>/dev/null && break
	sleep 0.2
done
problems=$(
	grep -q '^portwarden_bpf_stats_enabled 1$' "$PW_TMP/a.txt" ||
		echo "portwarden_bpf_stats_enabled is not 1"
	for p in sock_files tcp_socks udp_socks quarantine; do
		[ "$(runs "$PW_TMP/a.txt" "$p")" != -1 ] || echo "no runs series for program $p"
		grep -q "^portwarden_bpf_program_run_seconds_total{program=\"$p\"} " "$PW_TMP/a.txt" ||
			echo "no run-seconds series for program $p"
	done
	# the event path's own: the state hook, in whichever form loaded
	grep -Eq '^portwarden_bpf_program_runs_total\{program="(state_btf|state_tp|state_rescue)"\} ' \
		"$PW_TMP/a.txt" || echo "no series for the event path's state hook"
	dup=$(grep -o '^portwarden_bpf_program_runs_total{program="[^"]*"}' "$PW_TMP/a.txt" | sort | uniq -d)
	[ -z "$dup" ] || echo "programs twice: $dup"
	promtool check metrics <"$PW_TMP/a.txt" >"$PW_TMP/promtool.out" 2>&1 ||
		echo "promtool: $(head -c 300 "$PW_TMP/promtool.out")"
)
pw_report bpf-cost/programs "$problems"

sleep 2.5 # two more samples at the default 1 s interval
scrape "$PW_TMP/b.txt" || true
problems=$(
	# (udp_socks runs once per UDP socket: a host may have none)
	for p in sock_files tcp_socks; do
		a=$(runs "$PW_TMP/a.txt" "$p")
		b=$(runs "$PW_TMP/b.txt" "$p")
		[ "$b" -gt "$a" ] || echo "$p runs $a then $b: not growing"
	done
)
pw_report bpf-cost/iterators "$problems"
kill -s TERM "$PW_DAEMON"
pw_wait_exit "$PW_DAEMON" 15 || true
pw_done
