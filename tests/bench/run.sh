#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The benchmarks of issue 6 (`make bench`): churn overhead next to the peers,
# the tax on unrelated syscalls, event capacity, detection speed, and scale.
#
# usage: tests/bench/run.sh [churn] [syscall] [capacity] [detection] [scale] [mixed] [snapbuild]
#                          [budget] [vm-churn]
#   (no argument: the first five, about 20 minutes; mixed, several leakers
#   in one pool, about 5 minutes, snapbuild, the snapshot's build time
#   over 10k and 100k synthetic sockets, seconds, budget, what port
#   budgets and the lifeline cost a connection and how fast a budget bites,
#   about 8 minutes, and vm-churn, the churn ratio inside qemu guests of
#   tests/vm/kernels.list, about 4 minutes under TCG, run when named)
#
# Environment:
#   BENCH_QUICK=1   short runs to check the harness (numbers meaningless)
#   BENCH_ROUNDS=N  rounds of the interleaved comparisons (default 5)
#   BENCH_CHURN_TOOLS="pw-auto ..."  the tools section 1 compares (default: all)
#   BENCH_OUT=DIR   where raw.tsv and summary.md go
#                   (default $OUTPUT/bench/<UTC time>)
#   PORTWARDEN=BIN  the binary to measure (default ./portwarden; it is copied
#                   first, so a rebuild during the run does not change it)
#
# Root only. Traffic stays on loopback in network namespaces made here;
# every process, cgroup and netns made here is removed on exit. Each figure
# is a median over rounds; a comparison is taken within one round, baseline
# and measured runs interleaved (B T1 B T2 ... B), each measured run against
# the mean of the baselines on either side of it. The load average and the
# BPF programs other processes had attached are recorded with every figure:
# syscall tracepoints attached by anyone slow every syscall on the host.
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

QUICK=${BENCH_QUICK:-}
ROUNDS=${BENCH_ROUNDS:-5}
[ -z "$QUICK" ] || ROUNDS=${BENCH_ROUNDS:-2}

# ---- 1. churn overhead ---------------------------------------------------------

CHURN_SECS=3
# pw-noport: pw-auto without the port and send hooks (refused on purpose),
# so that their share of pw-auto's cost is measured in the same rounds;
# pw-rescue: pw-auto with the state hook's rescue attached from the start,
# as `run` has it on a host where the hook misses runs (README "Lost events
# and missed runs"). BENCH_CHURN_TOOLS picks some.
CHURN_TOOLS=${BENCH_CHURN_TOOLS:-"pw-auto pw-rescue pw-noport pw-syscall tcpstates tcplife bpftrace"}

churn_once() { # NETNS: one run; prints the churn line
	pb_in "" "$1" "$PB_BIN/churn" --duration "$CHURN_SECS"
}

# One round: B T1 B T2 ... B; records every run.
churn_round() {
	local ns=$1 round=$2 tool line foreign
	line=$(churn_once "$ns")
	pb_record churn "base.$round.0" "$line $(pb_foreign_bpf)"
	local i=0
	for tool in $CHURN_TOOLS; do
		i=$((i + 1))
		pb_tool_available "$tool" || continue
		foreign=$(pb_foreign_bpf)
		if pb_tool_start "$tool"; then
			line=$(churn_once "$ns")
			pb_tool_stop
			pb_record churn "$tool.$round" "$line $foreign"
		fi
		line=$(churn_once "$ns")
		pb_record churn "base.$round.$i" "$line $(pb_foreign_bpf)"
	done
}

# churn_ratio TOOL FIELD ROUND: TOOL's FIELD over the mean of its two baselines.
churn_ratio() {
	local tool=$1 field=$2 r=$3 i=0 t before after
	for t in $CHURN_TOOLS; do
		i=$((i + 1))
		[ "$t" = "$tool" ] && break
	done
	before=$(pb_values churn "base.$r.$((i - 1))" "$field")
	after=$(pb_values churn "base.$r.$i" "$field")
	t=$(pb_values churn "$tool.$r" "$field")
	[ -n "$t" ] && [ -n "$before" ] && [ -n "$after" ] || return 0
	awk -v t="$t" -v b="$before" -v a="$after" 'BEGIN { printf "%.4f\n", 2 * t / (b + a) }'
}

churn_summary() {
	local tool r ops ratio cpu cratio
	echo "### 1. Churn overhead"
	echo
	echo "| tool | ops/s (median) | ops/s ratio to baseline (median) | change (range) | overhead | CPU ns/op ratio (median) |"
	echo "|---|---|---|---|---|---|"
	ops=$(for r in $(seq "$ROUNDS"); do pb_values churn "base.$r.0" ops_per_s; done | pb_median)
	cpu=$(for r in $(seq "$ROUNDS"); do pb_values churn "base.$r.0" cpu_ns_per_op; done | pb_median)
	echo "| nothing attached | $ops | 1 | - | 0 | 1 (${cpu} ns/op) |"
	for tool in $CHURN_TOOLS; do
		ops=$(for r in $(seq "$ROUNDS"); do pb_values churn "$tool.$r" ops_per_s; done | pb_median)
		[ "$ops" != nan ] || continue
		ratio=$(for r in $(seq "$ROUNDS"); do churn_ratio "$tool" ops_per_s "$r"; done)
		cratio=$(for r in $(seq "$ROUNDS"); do churn_ratio "$tool" cpu_ns_per_op "$r"; done | pb_median)
		printf '| %s | %s | %s | %s | %s | %s |\n' "$tool" "$ops" "$(pb_median <<<"$ratio")" \
			"$(pb_minmax_pct <<<"$ratio")" \
			"$(awk -v r="$(pb_median <<<"$ratio")" 'BEGIN { printf "%.1f%%", (1 - r) * 100 }')" \
			"$cratio"
	done
	echo
	echo "Load average (1 min) during the runs: $(pb_load churn);" \
		"other processes' syscall tracepoints attached in $(pb_contaminated churn)."
	echo
	churn_clean_summary
	# shellcheck disable=SC2086 # a list of words
	profile_summary churn $CHURN_TOOLS
}

# The same medians over the rounds where no run of the pair (the tool's and
# its two baselines) saw other processes' BPF programs attached.
churn_clean_summary() {
	local tool r i t ratios cratios n
	echo "Rounds without other processes' BPF programs (tool run and both baselines):"
	echo
	echo "| tool | clean rounds | ops/s ratio (median) | CPU ns/op ratio (median) |"
	echo "|---|---|---|---|"
	for tool in $CHURN_TOOLS; do
		i=0
		for t in $CHURN_TOOLS; do
			i=$((i + 1))
			[ "$t" = "$tool" ] && break
		done
		ratios='' cratios='' n=0
		for r in $(seq "$ROUNDS"); do
			pb_clean churn "$tool.$r" "base.$r.$((i - 1))" "base.$r.$i" || continue
			n=$((n + 1))
			ratios="$ratios $(churn_ratio "$tool" ops_per_s "$r")"
			cratios="$cratios $(churn_ratio "$tool" cpu_ns_per_op "$r")"
		done
		[ "$n" -gt 0 ] || { echo "| $tool | 0 | - | - |"; continue; }
		printf '| %s | %s | %s | %s |\n' "$tool" "$n" \
			"$(tr ' ' '\n' <<<"$ratios" | grep . | pb_median)" \
			"$(tr ' ' '\n' <<<"$cratios" | grep . | pb_median)"
	done
	echo
}

# profile_run BENCH TOOL CMD...: one run of CMD under perf with TOOL attached
# (TOOL "base": nothing of ours); records the share of CMD's CPU samples spent
# in BPF programs and tracepoint paths: the in-context cost, which other load
# on the machine does not distort the way it distorts rates.
profile_run() {
	local bench=$1 tool=$2 data=$PW_TMP/perf-$1-$2.data foreign line
	shift 2
	foreign=$(pb_foreign_bpf)
	if [ "$tool" != base ]; then
		pb_tool_start "$tool" || return 0
	fi
	line=$(perf record -q -e cpu-clock -g -o "$data" -- "$@" 2>/dev/null) || line=
	[ "$tool" = base ] || pb_tool_stop
	[ -n "$line" ] || { pb_say "perf record failed: no profile"; return 0; }
	pb_record "$bench" "profile.$tool" "share=$(pb_trace_share "$data") $line $foreign"
	rm -f "$data"
}

# profile_summary BENCH TOOL...: the profiled runs as a table.
profile_summary() {
	local bench=$1 tool line
	shift
	[ -n "$(pb_values "$bench" profile.base share)" ] || return 0
	echo "Profiled runs (perf record -e cpu-clock -g on the workload): share of its CPU"
	echo "samples in BPF programs and tracepoint paths (bpf_trace_run*, cgroup BPF hooks,"
	echo "trace_call_bpf, perf_syscall_*, the syscall slow path):"
	echo
	echo "| tool | share of the workload's CPU | other processes' BPF at that time |"
	echo "|---|---|---|"
	for tool in base "$@"; do
		line=$(awk -F'\t' -v b="$bench" -v k="profile.$tool" '$3 == b && $4 == k { print $5 }' "$PB_RAW")
		[ -n "$line" ] || continue
		printf '| %s | %s%% | state hook %s, syscall %s |\n' \
			"$([ "$tool" = base ] && echo "nothing of ours" || echo "$tool")" \
			"$(awk -v s="$(pb_kv "$line" share)" 'BEGIN { printf "%.1f", 100 * s }')" \
			"$(pb_kv "$line" state)" "$(pb_kv "$line" syscall)"
	done
	echo
}

bench_churn() {
	local ns r tool
	pb_say "churn: $ROUNDS rounds of $CHURN_SECS s runs, then one profiled run each"
	ns=$(pb_netns net.ipv4.tcp_max_tw_buckets=0)
	for r in $(seq "$ROUNDS"); do
		churn_round "$ns" "$r"
	done
	if command -v perf >/dev/null 2>&1; then
		for tool in base $CHURN_TOOLS; do
			pb_tool_available "$tool" || continue
			profile_run churn "$tool" nsenter --net="/run/netns/$ns" \
				"$PB_BIN/churn" --duration "$CHURN_SECS"
		done
	fi
	churn_summary >>"$PB_SUMMARY"
}

# ---- 2. tax on unrelated syscalls and on sends ----------------------------------

SYS_SECS=1
# pw-noport: without the send hook, which runs on every sendmsg (section send)
SYS_TOOLS="pw-auto pw-noport pw-syscall"
SYS_ROUNDS=$((2 * ROUNDS)) # short runs, many pairs: getppid's cost drifts by several %

# sys_round BENCH ROUND [SYSLOOP_ARGS...]: B T1 B T2 ... B, every run recorded.
sys_round() {
	local bench=$1 round=$2 tool line foreign i=0
	shift 2
	line=$("$PB_BIN/sysloop" --duration "$SYS_SECS" "$@")
	pb_record "$bench" "base.$round.0" "$line $(pb_foreign_bpf)"
	for tool in $SYS_TOOLS; do
		i=$((i + 1))
		foreign=$(pb_foreign_bpf)
		if pb_tool_start "$tool"; then
			line=$("$PB_BIN/sysloop" --duration "$SYS_SECS" "$@")
			pb_tool_stop
			pb_record "$bench" "$tool.$round" "$line $foreign"
		fi
		line=$("$PB_BIN/sysloop" --duration "$SYS_SECS" "$@")
		pb_record "$bench" "base.$round.$i" "$line $(pb_foreign_bpf)"
	done
}

# sys_delta BENCH TOOL FIELD ROUND: "ratio delta_ns" against the mean of its baselines.
sys_delta() {
	local bench=$1 tool=$2 field=$3 r=$4 i=0 t before after
	for t in $SYS_TOOLS; do
		i=$((i + 1))
		[ "$t" = "$tool" ] && break
	done
	before=$(pb_values "$bench" "base.$r.$((i - 1))" "$field")
	after=$(pb_values "$bench" "base.$r.$i" "$field")
	t=$(pb_values "$bench" "$tool.$r" "$field")
	[ -n "$t" ] && [ -n "$before" ] && [ -n "$after" ] || return 0
	awk -v t="$t" -v b="$before" -v a="$after" \
		'BEGIN { m = (b + a) / 2; printf "%.4f %.1f\n", t / m, t - m }'
}

# pct: a ratio on stdin as a signed percentage.
pct() {
	awk '{ printf "%+.1f%%\n", ($1 - 1) * 100 }'
}

# sys_summary BENCH TITLE: the table of BENCH's rounds.
sys_summary() {
	local bench=$1 tool r base d field clock
	echo "### $2"
	echo
	echo "| tool | clock | ns/call (median) | tax (median, range) | added ns/call (median) |"
	echo "|---|---|---|---|---|"
	for field in cpu_ns_per_call ns_per_call; do
		clock=cpu
		[ "$field" = cpu_ns_per_call ] || clock=wall
		base=$(for r in $(seq "$SYS_ROUNDS"); do pb_values "$bench" "base.$r.0" "$field"; done | pb_median)
		echo "| nothing attached | $clock | $base | 0 | 0 |"
		for tool in $SYS_TOOLS; do
			d=$(for r in $(seq "$SYS_ROUNDS"); do sys_delta "$bench" "$tool" "$field" "$r"; done)
			[ -n "$d" ] || continue
			printf '| %s | %s | %s | %s (%s) | %s |\n' "$tool" "$clock" \
				"$(for r in $(seq "$SYS_ROUNDS"); do pb_values "$bench" "$tool.$r" "$field"; done | pb_median)" \
				"$(cut -d' ' -f1 <<<"$d" | pb_median | pct)" \
				"$(cut -d' ' -f1 <<<"$d" | pb_minmax_pct)" \
				"$(cut -d' ' -f2 <<<"$d" | pb_median)"
		done
	done
	echo
	echo "(clock cpu: the loop's own CPU time; wall: elapsed time.)" \
		"Load average (1 min) during the runs: $(pb_load "$bench");" \
		"other processes' syscall tracepoints attached in $(pb_contaminated "$bench")."
	echo
}

bench_syscall() {
	local r tool
	pb_say "syscall: $SYS_ROUNDS rounds of $SYS_SECS s runs (getppid, then UDP send), then one profiled run each"
	for r in $(seq "$SYS_ROUNDS"); do
		sys_round syscall "$r"
	done
	for r in $(seq "$SYS_ROUNDS"); do
		sys_round send "$r" --send
	done
	if command -v perf >/dev/null 2>&1; then
		for tool in base $SYS_TOOLS; do
			profile_run syscall "$tool" "$PB_BIN/sysloop" --duration 2
		done
	fi
	{
		sys_summary syscall "2. Tax on unrelated syscalls (getppid)"
		# shellcheck disable=SC2086 # a list of words
		profile_summary syscall $SYS_TOOLS
		sys_summary send "2b. Tax on sends (1-byte UDP send() on loopback)"
	} >>"$PB_SUMMARY"
}

# ---- 3. event capacity ------------------------------------------------------------

CAP_SECS=4
CAP_RATES="100000 200000 300000 400000 0" # events/s; 0: as fast as 2 workers go
CAP_REPS=2

# One step: trace --json --failed (only our cgroup) to /dev/null while
# failstorm runs at RATE; records sent, received and lost.
cap_step() {
	local ns=$1 cg=$2 rate=$3 rep=$4 err=$PW_TMP/cap-trace.err line events lost pid
	pw_run_in -e "$err" "" "" "$PB_PW" trace --json --failed --cgroup "$cg" >/dev/null
	pid=$PW_PID
	PB_MINE="${PB_MINE:-} $pid"
	pw_wait_for_file_line "$err" Tracing 60 || { pb_say "trace did not start"; return 1; }
	line=$(pb_in "$cg" "$ns" "$PB_BIN/failstorm" --workers 2 --rate "$rate" --duration "$CAP_SECS")
	sleep 1 # let it drain what is left
	pw_stop "$pid" INT 20
	events=$(sed -n 's/.*: \([0-9]*\) events, \([0-9]*\) lost.*/\1/p' "$err")
	lost=$(sed -n 's/.*: \([0-9]*\) events, \([0-9]*\) lost.*/\2/p' "$err")
	pb_record capacity "rate.$rate" "$line events=${events:-nan} lost=${lost:-nan} rep=$rep"
}

cap_summary() {
	local rate sent got lost zero reps
	echo "### 3. Event capacity (trace --json --failed > /dev/null)"
	echo
	echo "| offered | achieved events/s (median) | received (median) | lost (median) | lost share | runs with 0 lost |"
	echo "|---|---|---|---|---|---|"
	for rate in $CAP_RATES; do
		sent=$(pb_values capacity "rate.$rate" failures | pb_median)
		got=$(pb_values capacity "rate.$rate" events | pb_median)
		lost=$(pb_values capacity "rate.$rate" lost | pb_median)
		zero=$(pb_values capacity "rate.$rate" lost | grep -c '^0$' || true)
		reps=$(pb_values capacity "rate.$rate" lost | wc -l)
		printf '| %s | %s | %s | %s | %s | %s/%s |\n' \
			"$([ "$rate" = 0 ] && echo "unpaced" || echo "$rate/s")" \
			"$(pb_values capacity "rate.$rate" rate | pb_median)" "$got" "$lost" \
			"$(awk -v l="$lost" -v s="$sent" 'BEGIN { if (s > 0) printf "%.2f%%", 100 * l / s }')" \
			"$zero" "$reps"
	done
	echo
	echo "Load average (1 min) during the runs: $(pb_load capacity)."
	echo
}

bench_capacity() {
	local ns cg rate rep
	[ -z "$QUICK" ] || { CAP_REPS=1; CAP_SECS=2; }
	pb_say "capacity: rates $CAP_RATES, $CAP_REPS x $CAP_SECS s each"
	ns=$(pb_netns "net.ipv4.ip_local_port_range=40000 40000")
	cg=$(pw_make_cgroup capacity)
	for rep in $(seq "$CAP_REPS"); do
		for rate in $CAP_RATES; do
			cap_step "$ns" "$cg" "$rate" "$rep"
		done
	done
	cap_summary >>"$PB_SUMMARY"
}

# ---- 4. detection -------------------------------------------------------------------

DET_RUN=0

# det_ts FILTER: seconds (epoch, with fraction) of the first audit record
# matching the jq FILTER, or nothing.
det_ts() {
	jq -r "select($1) | .ts" "$DET_LOG" 2>/dev/null | head -n 1 |
		sed 's/^\(.*\)T\(.*\)Z$/\1 \2 UTC/' | { read -r d t z && date -d "$d $t $z" +%s.%N; } || true
}

# det_fill FILTER: pool.fill of the first matching record.
det_fill() {
	jq -r "select($1) | .pool.fill // empty" "$DET_LOG" 2>/dev/null | head -n 1
}

det_since() { # T0 T: seconds from T0 to T, or "-"
	[ -n "$2" ] || { echo -; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", b - a }'
}

# Runs in flight, by run number: what det_finish needs.
declare -A DET_NS DET_SINK DET_PW DET_LEAKER DET_T0 DET_STOP DET_CONF DET_RATE

# det_start CONFIG RATE DEADLINE: one leaker at RATE ports/s, in its own
# netns and cgroup, against its own `portwarden run --enforce --cgroup
# <leaker's cgroup>` with CONFIG ("default" or a file); it ends when the
# leaker is killed or DEADLINE seconds after the leaker's first connect.
det_start() {
	local conf=$1 rate=$2 deadline=$3 ns base out n
	local -a args
	DET_RUN=$((DET_RUN + 1))
	n=$DET_RUN
	out=$PB_OUT/leaker-$n.out
	ns=$(pb_netns)
	base=$(pw_make_cgroup "det$n")
	pw_make_cgroup "det$n/leak" >/dev/null
	pw_make_cgroup "det$n/sink" >/dev/null
	pb_bg "$PW_TMP/sink.$n" "$base/sink" "$ns" "$PB_BIN/leaker" sink --port 5000 --procs 2
	DET_SINK[$n]=$PW_PID
	pw_wait_for_file_line "$PW_TMP/sink.$n" listening 10
	args=(run --enforce --no-socket --no-incidents --cgroup "$(pw_cgroup_relpath "$base/leak")" --log "$PB_OUT/detection-$n.jsonl")
	[ "$conf" = default ] || args+=(--config "$conf")
	pw_run_in -e "$PW_TMP/det.$n.err" "" "" "$PB_PW" "${args[@]}" >/dev/null
	DET_PW[$n]=$PW_PID
	pw_wait_for_file_line "$PW_TMP/det.$n.err" 'portwarden: start' 60
	pb_bg "$out" "$base/leak" "$ns" "$PB_BIN/leaker" leak --port 5000 --rate "$rate"
	DET_LEAKER[$n]=$PW_PID
	pw_wait_for_file_line "$out" start= 10
	DET_T0[$n]=$(sed -n 's/.*start=\([0-9.]*\).*/\1/p' "$out")
	DET_STOP[$n]=$(($(date +%s) + deadline))
	DET_NS[$n]=$ns
	DET_CONF[$n]=$conf
	DET_RATE[$n]=$rate
}

# det_wait: until every run in flight has its leaker killed or its deadline.
det_wait() {
	local n busy=1
	while [ "$busy" = 1 ]; do
		busy=0
		for n in "${!DET_LEAKER[@]}"; do
			if [ "$(date +%s)" -lt "${DET_STOP[$n]}" ] && pw_pid_alive "${DET_LEAKER[$n]}"; then
				busy=1
			fi
		done
		[ "$busy" = 0 ] || sleep 0.5
	done
	sleep 1 # the result records
	for n in "${!DET_LEAKER[@]}"; do
		det_finish "$n"
	done
}

det_finish() {
	local n=$1
	pw_stop "${DET_PW[$n]}" TERM 10
	pw_stop "${DET_LEAKER[$n]}" KILL 5
	pw_stop "${DET_SINK[$n]}" TERM 5
	det_record "$n"
	ip netns del "${DET_NS[$n]}" 2>/dev/null || true
	unset "DET_LEAKER[$n]"
}

# det_record RUN: seconds from the leaker's first connect to the first
# suspect record, the first quarantine and the first SIGTERM/SIGKILL action
# against it, and the pool's fill in those action records.
det_record() {
	local n=$1 pid=${DET_LEAKER[$1]} t0=${DET_T0[$1]} held act q t
	DET_LOG=$PB_OUT/detection-$n.jsonl
	act=".pid == $pid and .event == \"action\""
	q="$act and .action == \"quarantine\""
	t="$act and (.action == \"term\" or .action == \"kill\")"
	held=$(grep '^t=' "$PB_OUT/leaker-$n.out" | tail -n 1 | sed -n 's/.*held=\([0-9]*\).*/\1/p')
	pb_record detection "${DET_CONF[$n]##*/}.${DET_RATE[$n]}" \
		"suspect_s=$(det_since "$t0" "$(det_ts ".pid == $pid and .event == \"suspect\"")")" \
		"quarantine_s=$(det_since "$t0" "$(det_ts "$q")") quarantine_fill=$(det_fill "$q")" \
		"kill_s=$(det_since "$t0" "$(det_ts "$t")") kill_fill=$(det_fill "$t")" \
		"leaker_held_at_end=${held:-?} run=$n"
}

det_configs() {
	# fast: 100 ms samples and a 2 s window (15 breaching samples in a row
	# still name a leak: about 3.5 s); SIGTERM at once, no quarantine first.
	# A 1 s window is allowed too, but a step (a full snapshot) then has to
	# stay under 250 ms for the window to hold the 4 samples it is judged on,
	# which a few 10k sockets already break.
	printf '[daemon]\ninterval = 100ms\nwindow = 2s\n[policy]\nquarantine = no\ngrace = 1s\n' \
		>"$PW_TMP/fast.conf"
	# fast-quarantine: the same with the default ladder (quarantine first).
	printf '[daemon]\ninterval = 100ms\nwindow = 2s\n[policy]\nquarantine_time = 1s\ngrace = 1s\n' \
		>"$PW_TMP/fast-quarantine.conf"
}

det_summary() {
	local key f
	echo "### 4. Detection (pool: 28232 ports; the leaker holds every port it gets)"
	echo
	echo "| config | leak rate | to suspect (s) | to quarantine (s) | fill at quarantine | to SIGTERM/SIGKILL (s) | fill at kill | leaker held at end |"
	echo "|---|---|---|---|---|---|---|---|"
	for key in default.100 default.1000 default.5000 fast.conf.100 fast.conf.1000 fast.conf.5000 \
		fast-quarantine.conf.1000; do
		[ -n "$(pb_values detection "$key" run)" ] || continue
		printf '| %s | %s/s |' "${key%.*}" "${key##*.}"
		for f in suspect_s quarantine_s quarantine_fill kill_s kill_fill leaker_held_at_end; do
			printf ' %s |' "$(pb_values detection "$key" "$f" | paste -sd/ | sed 's/^$/-/')"
		done
		echo
	done
	echo
	echo "(- : never within the run; several values: one per run.)" \
		"Load average (1 min) during the runs: $(pb_load detection)."
	echo
}

bench_detection() {
	local long=200 short=60 fast=20
	[ -z "$QUICK" ] || { long=30; short=20; fast=10; }
	pb_say "detection: default and fast configs at 100, 1000, 5000 ports/s"
	det_configs
	# The 100/s runs wait on the pressure gate (about 160 s either way): run
	# the two side by side, each with its own daemon, netns and cgroup.
	det_start default 100 "$long"
	det_start "$PW_TMP/fast.conf" 100 "$long"
	det_wait
	det_start default 1000 "$short"
	det_start default 5000 "$short"
	det_wait
	det_start "$PW_TMP/fast.conf" 1000 "$fast"
	det_wait
	det_start "$PW_TMP/fast.conf" 5000 "$fast"
	det_wait
	det_start "$PW_TMP/fast-quarantine.conf" 1000 "$fast"
	det_wait
	det_summary >>"$PB_SUMMARY"
}

# ---- 5. scale --------------------------------------------------------------------

SCALE_REPS=5

# scale_time CMD...: seconds CMD takes (output discarded).
scale_time() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

ss_in() { # NETNS ARGS...
	nsenter --net="/run/netns/$1" ss "${@:2}"
}

# scale_compare NETNS SOCKETS: snapshot against ss, interleaved, medians.
scale_compare() {
	local ns=$1 n=$2 rep reps=$SCALE_REPS
	[ "$n" -lt 100000 ] || reps=3 # ss -tanp takes seconds there
	for rep in $(seq "$reps"); do
		pb_record scale "snapshot.$n" "seconds=$(scale_time "$PB_PW" snapshot --standalone --json)"
		pb_record scale "ss-tanp.$n" "seconds=$(scale_time ss_in "$ns" -tanp)"
		pb_record scale "ss-tan.$n" "seconds=$(scale_time ss_in "$ns" -tan)"
	done
	pb_record scale "count.$n" "ss_lines=$(ss_in "$ns" -tan | wc -l)" \
		"snapshot_sockets=$("$PB_PW" snapshot --standalone --json | jq '[.cgroups[] | select(.cgroup | test("/det|/scale")) | .sockets] | add')"
}

# scale_attached SOCKETS: `snapshot` attached to a running `run` (dry run,
# on a socket of ours): the daemon's last sample, shown at once. A try that
# did not attach (it walked here) is not counted.
scale_attached() {
	local n=$1 pid sock=$PW_TMP/scale.sock t
	pw_run_in -e "$PW_TMP/daemon-attached.err" "" "" "$PB_PW" run --socket "$sock" --no-incidents \
		--log "$PW_TMP/daemon-attached.jsonl" >/dev/null
	pid=$PW_PID
	pw_wait_for_file_line "$PW_TMP/daemon-attached.err" 'portwarden: start' 60
	for _ in $(seq 60); do # until its sample holds the holder's sockets
		"$PB_PW" snapshot --socket "$sock" --json 2>/dev/null | jq -e '.total.sockets > 1000' >/dev/null && break
		sleep 1
	done
	for _ in $(seq "$SCALE_REPS"); do
		t=$(scale_time "$PB_PW" snapshot --socket "$sock" --json)
		"$PB_PW" snapshot --socket "$sock" --json 2>&1 >/dev/null | grep -q 'from portwarden run' &&
			pb_record scale "snapshot-attached.$n" "seconds=$t"
	done
	pb_record scale "count-attached.$n" \
		"snapshot_sockets=$("$PB_PW" snapshot --socket "$sock" --json | jq '[.cgroups[] | select(.cgroup | test("/det|/scale")) | .sockets] | add')"
	pw_stop "$pid" TERM 10
}

# scale_daemon NAME SECONDS [ARGS...]: `portwarden run` (dry run) for
# SECONDS; its CPU and peak RSS.
scale_daemon() {
	local pid cpu name=$1 secs=$2
	shift 2
	pw_run_in -e "$PW_TMP/daemon-$name.err" "" "" "$PB_PW" run --no-socket --no-incidents --log "$PW_TMP/daemon-$name.jsonl" \
		"$@" >/dev/null
	pid=$PW_PID
	pw_wait_for_file_line "$PW_TMP/daemon-$name.err" 'portwarden: start' 60
	cpu=$(pb_proc_cpu "$pid")
	sleep "$secs"
	pb_record scale "daemon.$name" \
		"cpu_s=$(awk -v a="$cpu" -v b="$(pb_proc_cpu "$pid")" 'BEGIN { printf "%.2f", b - a }')" \
		"seconds=$secs hwm_kib=$(pb_proc_kib "$pid" VmHWM) rss_kib=$(pb_proc_kib "$pid" VmRSS)" \
		"start_cpu_s=$cpu"
	pw_stop "$pid" TERM 10
}

# scale_hold CONNS: the holder with CONNS connections over 100 cgroups, in a
# fresh netns (SCALE_NS), so nothing else is in its tables; sets SCALE_PID.
scale_hold() {
	local cg
	SCALE_NS=$(pb_netns)
	cg=$(pw_make_cgroup "scale$1")
	pb_bg "$PW_TMP/holder.$1" "$cg" "$SCALE_NS" "$PB_BIN/holder" --conns "$1" --groups 100 \
		--cgroup-base "$cg"
	SCALE_PID=$PW_PID
	pw_wait_for_file_line "$PW_TMP/holder.$1" ready 300
}

scale_summary() {
	local n what
	echo "### 5. Scale (sockets held across 100 cgroups)"
	echo
	echo "| sockets | portwarden snapshot --json (s) | ss -tanp (s) | ss -tan (s) | ss -tanp / snapshot |"
	echo "|---|---|---|---|---|"
	for n in 10000 100000; do
		local a b c
		a=$(pb_values scale "snapshot.$n" seconds | pb_median)
		b=$(pb_values scale "ss-tanp.$n" seconds | pb_median)
		c=$(pb_values scale "ss-tan.$n" seconds | pb_median)
		[ "$a" != nan ] || continue
		printf '| %s | %s | %s | %s | %s |\n' "$n" "$a" "$b" "$c" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1fx", b / a }')"
		a=$(pb_values scale "snapshot-attached.$n" seconds | pb_median)
		[ "$a" != nan ] || continue
		printf '| %s, attached to run (its last sample) | %s | %s | %s | %s |\n' "$n" "$a" "$b" "$c" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1fx", b / a }')"
	done
	echo
	for n in 10000 100000; do
		[ -z "$(pb_values scale "count.$n" ss_lines)" ] ||
			echo "Same answer, $n: ss -tan lists $(($(pb_values scale "count.$n" ss_lines) - 1)) sockets;" \
				"snapshot counts $(pb_values scale "count.$n" snapshot_sockets) in the holder's cgroups" \
				"(attached: $(pb_values scale "count-attached.$n" snapshot_sockets))."
	done
	echo
	echo "| portwarden run (dry run) | seconds | CPU seconds | CPU share | VmHWM (MiB) | VmRSS at end (MiB) |"
	echo "|---|---|---|---|---|---|"
	for what in idle fast-idle 100000; do
		local cpu secs hwm rss
		cpu=$(pb_values scale "daemon.$what" cpu_s)
		secs=$(pb_values scale "daemon.$what" seconds)
		hwm=$(pb_values scale "daemon.$what" hwm_kib)
		rss=$(pb_values scale "daemon.$what" rss_kib)
		[ -n "$cpu" ] || continue
		printf '| %s | %s | %s | %s | %s | %s |\n' \
			"$(case $what in idle) echo idle ;; fast-idle) echo "idle, fast detection config" ;;
				*) echo "$what sockets" ;; esac)" \
			"$secs" "$cpu" "$(awk -v c="$cpu" -v s="$secs" 'BEGIN { printf "%.1f%%", 100 * c / s }')" \
			"$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
	done
	echo
	echo "Load average (1 min) during the runs: $(pb_load scale)."
	echo
}

bench_scale() {
	local secs=60 n
	[ -z "$QUICK" ] || secs=10
	pb_say "scale: 10k and 100k sockets; the daemon idle and loaded for $secs s"
	scale_daemon idle "$secs"
	det_configs # the fast detection config: what sampling 10 times a second costs
	scale_daemon fast-idle $((secs / 3)) --config "$PW_TMP/fast.conf"
	for n in 5000 50000; do # connections: both ends are held, so 2n sockets
		scale_hold "$n"
		scale_compare "$SCALE_NS" $((2 * n))
		[ "$n" -lt 50000 ] || scale_daemon 100000 "$secs"
		[ "$n" -lt 50000 ] || scale_attached $((2 * n))
		pw_stop "$SCALE_PID" TERM 30
		ip netns del "$SCALE_NS"
	done
	scale_summary >>"$PB_SUMMARY"
}

# ---- 6. several leakers in one pool --------------------------------------------------

# N leakers of mixed kinds (tcp, udp, bind0, a parent of 3 children) and
# random rates start together in one netns of 4000 ports beside a steady pool
# and a churner, under `portwarden run --enforce` with the default config.
# Per leaker: the fill of its pool when it was quarantined and when it was
# signalled, whether it ever saw an allocation failure; per run, whether a
# benign process was acted on. The seed of each run is recorded.

MIXED_KINDS=(tcp udp bind0 fork)

mixed_leaker() { # NS I KIND: start leaker I; its rate in MIXED_RATE[I]
	local ns=$1 i=$2 kind=$3 rate cg
	cg=$(pw_make_cgroup "mixed-$i")
	case $kind in
	fork) rate=$((6 + RANDOM % 7)) ;;
	*) rate=$((20 + RANDOM % 31)) ;;
	esac
	MIXED_RATE[i]=$rate
	case $kind in
	tcp) set -- tcp --port 5001 --rate "$rate" ;;
	udp) set -- udp --port 5005 --rate "$rate" ;;
	bind0) set -- bind0 --rate "$rate" ;;
	fork) set -- tcp --port 5001 --rate "$rate" --children 3 ;;
	esac
	pw_run_in -o "$PW_TMP/mixed-$i.out" -e /dev/null "$cg" "$ns" \
		"$PW_OUTPUT/tests/workloads/guardleak" "$@" --comm "mix-$i" >/dev/null
	MIXED_PIDS+=("$PW_PID")
}

# mixed_fill LOG COMM SELECT: the pool fill of COMM's first action matching
# SELECT ("-": none; "?": logged without its pool)
mixed_fill() {
	jq -rs --arg c "$2" "[.[] | select(.event == \"action\" and .comm == \$c and $3)][0]
		| if . == null then \"-\" elif (.pool.capacity // 0) == 0 then \"?\"
		  else (.pool.used * 100 / .pool.capacity | floor | tostring) + \"%\" end" "$1"
}

mixed_run() { # N SEED: one run; records a line per leaker
	local n=$1 seed=$2 ns base log i kind t0 alive q t f benign daemon pid
	RANDOM=$seed
	MIXED_PIDS=()
	ns=$(pw_make_netns 40000 43999)
	base=$(pw_cgroup_base)
	log=$PB_OUT/mixed-$n.jsonl
	pw_run_in -e /dev/null "$(pw_make_cgroup "mixed-srv-$n")" "$ns" "$PW_PORTLEAK" listen --port 5001 \
		--hold 3600 >/dev/null
	MIXED_PIDS+=("$PW_PID")
	sleep 0.5
	pw_run_in -e /dev/null "$(pw_make_cgroup "mixed-benign-$n")" "$ns" "$PW_PORTLEAK" tcp-connect \
		--port 5001 --count 200 --hold 3600 >/dev/null
	MIXED_PIDS+=("$PW_PID")
	pw_run_in -e /dev/null "$(pw_make_cgroup "mixed-benign-$n/churn")" "$ns" "$PW_PORTLEAK" tcp-churn \
		--listen --port 5003 --rate 10 --duration 3600 >/dev/null
	MIXED_PIDS+=("$PW_PID")
	"$PB_PW" run --enforce --no-socket --cgroup "$base" --incidents "$PW_TMP/incidents" --log "$log" </dev/null >/dev/null 2>&1 &
	daemon=$!
	pw_track_pid "$daemon"
	pw_wait_for_file_line "$log" '"event":"start"' 30 || return 1
	sleep 3
	MIXED_RATE=()
	for ((i = 0; i < n; i++)); do
		mixed_leaker "$ns" "$i" "${MIXED_KINDS[i % 4]}"
	done
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 150 ]; do
		alive=0
		for ((i = 0; i < n; i++)); do
			[ -z "$(cat "$base/mixed-$i/cgroup.procs" 2>/dev/null)" ] || alive=1
		done
		[ "$alive" = 1 ] || break
		sleep 0.5
	done
	benign=$(jq -s '[.[] | select(.event == "action" and (.cgroup | test("mixed-benign")))] | length' "$log")
	for ((i = 0; i < n; i++)); do
		kind=${MIXED_KINDS[i % 4]}
		q=$(mixed_fill "$log" "mix-$i" '.action == "quarantine"')
		t=$(mixed_fill "$log" "mix-$i" '(.action == "term" or .action == "kill")')
		f=$(grep -c '^failed ' "$PW_TMP/mixed-$i.out" 2>/dev/null || true)
		alive=$([ -z "$(cat "$base/mixed-$i/cgroup.procs" 2>/dev/null)" ] && echo no || echo yes)
		pb_record mixed "$n.$i" "seed=$seed kind=$kind rate=${MIXED_RATE[i]} quarantine=$q signal=$t failures=${f:-0} alive=$alive benign_actions=$benign"
	done
	pw_stop "$daemon" TERM 15
	for pid in "${MIXED_PIDS[@]}"; do
		pw_stop "$pid"
	done
}

bench_mixed() {
	local n seed
	pb_say "mixed: 2, 4 and 8 leakers of mixed kinds in one 4000-port pool, default config"
	for n in 2 4 8; do
		seed=$((RANDOM * 32768 + RANDOM))
		mixed_run "$n" "$seed" || pb_say "mixed: run with $n leakers did not start"
	done
	{
		echo "### 6. Several leakers in one pool"
		echo
		echo "| leakers | seed | leaker | kind | rate (ports/s) | pool fill at quarantine | at SIGTERM/SIGKILL | allocation failures it saw | alive at the end | actions on benign ones |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk -F'\t' '$3 == "mixed" { split($4, k, "."); line = "| " k[1] " |"
			n = split($5, kv, " "); for (j = 1; j <= n; j++) { split(kv[j], p, "="); v[p[1]] = p[2] }
			print line " " v["seed"] " | " k[2] " | " v["kind"] " | " v["rate"] (v["kind"] == "fork" ? " x 3" : "") " | " v["quarantine"] " | " v["signal"] " | " v["failures"] " | " v["alive"] " | " v["benign_actions"] " |" }' "$PB_RAW"
		echo
	} >>"$PB_SUMMARY"
}

# ---- 7. snapshot build time --------------------------------------------------------

# snapshot_build() alone, over a synthetic busy host (tests/bench/snapbuild.c):
# what every snapshot and every daemon sample costs in user space once the
# iterators have run. No kernel, netns or tool involved; ROUNDS runs a size.

SNAPBUILD_SIZES="10000 100000"

bench_snapbuild() {
	local n r line
	pb_say "snapbuild: snapshot_build() over $SNAPBUILD_SIZES synthetic sockets, $ROUNDS runs each"
	for r in $(seq "$ROUNDS"); do
		for n in $SNAPBUILD_SIZES; do
			line=$("$PB_BIN/snapbuild" --sockets "$n") || { pb_say "snapbuild: $n sockets failed"; continue; }
			pb_record snapbuild "$n.$r" "$line"
		done
	done
	{
		echo "### 7. Snapshot build time (synthetic sockets, no kernel)"
		echo
		echo "| sockets | first build (ms) | warm build (ms) | warm build CPU (ms) |"
		echo "|---|---|---|---|"
		for n in $SNAPBUILD_SIZES; do
			printf '| %s | %s | %s | %s |\n' "$n" \
				"$(for r in $(seq "$ROUNDS"); do pb_values snapbuild "$n.$r" first_ms; done | pb_median)" \
				"$(for r in $(seq "$ROUNDS"); do pb_values snapbuild "$n.$r" warm_ms; done | pb_median)" \
				"$(for r in $(seq "$ROUNDS"); do pb_values snapbuild "$n.$r" warm_cpu_ms; done | pb_median)"
		done
		echo
		echo "Medians over $ROUNDS runs; the first build also faults in fresh memory, the warm one"
		echo "(the third) reuses what malloc already has, as a daemon rebuilding every interval does."
		echo "Load average (1 min) during the runs: $(pb_load snapbuild)."
		echo
	} >>"$PB_SUMMARY"
}

# ---- 8. port budgets and the lifeline -----------------------------------------------

# Issue 16: (1) what the budget hooks cost a connection: churn in a child
# cgroup and a netns, under `portwarden run --cgroup <its parent>` (dry run)
# configured three ways, interleaved per round: nolife (`lifeline = no`, no
# budget: the hooks not loaded), life (the default lifeline: hooks loaded,
# counting nothing), budget (the lifeline and `ports_max` on the churn's
# cgroup, far above what it holds: every port counted, none refused); and
# none (no portwarden) for scale. (2) how fast a budget bites: with
# `ports_max = N` enforced, budgetfill takes ports one by one and records
# which attempt fails first, its errno, and the time from the N-th success
# to that failure.

BUDGET_SECS=5
BUDGET_ROUNDS=$((2 * ROUNDS)) # 5 s runs vary by several %: more pairs
BUDGET_CONFIGS="none nolife life budget"
BUDGET_MAX=100000 # the churn holds 1 or 2 ports at a time
BUDGET_FILL="tcp:100 tcp:1000 bind0:100 udp:100" # kind:ports_max
BUDGET_FILL_REPS=3
BUDGET_PROFILES=3

# budget_conf NAME REL: the configuration NAME of the overhead runs.
budget_conf() {
	case $1 in
	nolife) printf '[policy]\nlifeline = no\n' ;;
	life) printf '[policy]\nlifeline = 95%%\n' ;;
	budget) printf '[policy]\nlifeline = 95%%\n[cgroup "%s/churn"]\nports_max = %s\n' "$2" "$BUDGET_MAX" ;;
	esac >"$PW_TMP/budget-$1.conf"
}

# budget_hooks DIR [effective]: how many BPF programs are attached to cgroup
# DIR itself (effective: that run on its sockets, its ancestors' included;
# other people's `portwarden run` without --cgroup attach to the root).
budget_hooks() {
	bpftool cgroup show "$1" ${2:+"$2"} 2>>"$PB_OUT/bpftool.err" | awk '$1 ~ /^[0-9]+$/' | wc -l
}

# budget_pw_start CONF ROUND BASE REL: `portwarden run` (dry run) on BASE with
# CONF, waited for until started (and, with a budget, until the churn's
# cgroup has it); sets PB_TOOL_PID. 1 if it did not start.
budget_pw_start() {
	local conf=$1 r=$2 base=$3 rel=$4 files=$PB_OUT/budget-$1-$2
	pw_run_in -e "$files.err" "" "" "$PB_PW" run --no-socket --no-incidents --cgroup "$rel" \
		--config "$PW_TMP/budget-$conf.conf" --log "$files.jsonl" >/dev/null
	PB_TOOL_PID=$PW_PID
	PB_MINE="${PB_MINE:-} $PB_TOOL_PID"
	if ! pw_wait_ready "$PB_TOOL_PID" "$files.err" 'portwarden: start' 60; then
		pb_say "budget: run ($conf) did not start: $(tail -n 3 "$files.err")"
		pw_stop "$PB_TOOL_PID" TERM 10
		return 1
	fi
	if [ "$conf" = budget ] &&
		! pw_wait_ready "$PB_TOOL_PID" "$files.jsonl" "ports_max $BUDGET_MAX for $rel/churn" 30; then
		pb_say "budget: no budget set within 30 s: $(tail -n 3 "$files.err")"
		pw_stop "$PB_TOOL_PID" TERM 10
		return 1
	fi
	sleep 0.5 # the rest of its setup (first snapshot)
}

# budget_refusals CONF ROUND: refuse/would_refuse records in that run's log.
budget_refusals() {
	jq -s '[.[] | select((.event == "budget" or .event == "lifeline")
		and (.action == "refuse" or .action == "would_refuse"))] | length' \
		"$PB_OUT/budget-$1-$2.jsonl" 2>/dev/null || echo nan
}

# budget_round NS CGROUP BASE REL ROUND: none nolife life budget, each recorded.
budget_round() {
	local ns=$1 cg=$2 base=$3 rel=$4 r=$5 conf line foreign hooks cgf cge
	for conf in $BUDGET_CONFIGS; do
		foreign=$(pb_foreign_bpf)
		# cgroup programs on the churn before ours: other people's
		cgf=$(budget_hooks "$cg" effective)
		if [ "$conf" = none ]; then
			line=$(pb_in "$cg" "$ns" "$PB_BIN/churn" --duration "$BUDGET_SECS")
			pb_record budget "churn.$conf.$r" "$line hooks=$(budget_hooks "$base") cg_foreign=$cgf" \
				"cg_effective=$(budget_hooks "$cg" effective) $foreign"
			continue
		fi
		budget_pw_start "$conf" "$r" "$base" "$rel" || continue
		hooks=$(budget_hooks "$base")
		cge=$(budget_hooks "$cg" effective)
		line=$(pb_in "$cg" "$ns" "$PB_BIN/churn" --duration "$BUDGET_SECS")
		# again at the end: hooks missing at the start, there now, were late
		hooks="$hooks hooks_end=$(budget_hooks "$base")"
		pb_tool_stop
		pb_record budget "churn.$conf.$r" \
			"$line hooks=$hooks cg_foreign=$cgf cg_effective=$cge" \
			"refusals=$(budget_refusals "$conf" "$r") $foreign"
	done
}

# budget_attached CONF ROUND: 0 when CONF's run in ROUND had the hooks it
# is meant to have on --cgroup: none without the lifeline, some with it,
# and with a budget more than the lifeline's (its sock_create and
# sock_release programs). Counts, not a number: the set changes with the
# design (8 and 10 programs now). A daemon that could not load or attach
# them measured something else.
budget_attached() {
	local h l
	h=$(pb_values budget "churn.$1.$2" hooks)
	l=$(pb_values budget "churn.life.$2" hooks)
	case $1 in
	life) [ "${h:-0}" -gt 0 ] ;;
	budget) [ "${l:-0}" -gt 0 ] && [ "${h:-0}" -gt "$l" ] ;;
	*) [ "$h" = 0 ] ;;
	esac
}

# budget_ratio CONF FIELD ROUND: CONF's FIELD over nolife's in that round
# (nothing when either run lacked its hooks).
budget_ratio() {
	local t a
	budget_attached "$1" "$3" && budget_attached nolife "$3" || return 0
	t=$(pb_values budget "churn.$1.$3" "$2")
	a=$(pb_values budget "churn.nolife.$3" "$2")
	[ -n "$t" ] && [ -n "$a" ] || return 0
	awk -v t="$t" -v a="$a" 'BEGIN { printf "%.4f\n", t / a }'
}

# budget_hook_share PERF_DATA: the share (0..1) of the samples in cgroup
# socket hooks or in the budget/lifeline programs (the tracepoint's).
budget_hook_share() {
	perf script -i "$1" -F ip,sym 2>/dev/null | awk '
		/^[ \t]*$/ { if (insample) { n++; hit += found } insample = 0; found = 0; next }
		{ insample = 1 }
		/__cgroup_bpf_run_filter|bpf_prog_[0-9a-f]+_(budget|lifeline)_/ { found = 1 }
		END { if (insample) { n++; hit += found } if (n) printf "%.4f\n", hit / n }'
}

# budget_profile NS CGROUP BASE REL CONF REP: one profiled churn run under CONF.
budget_profile() {
	local ns=$1 cg=$2 base=$3 rel=$4 conf=$5 r=$6 data=$PW_TMP/perf-budget-$5.data line foreign
	foreign="$(pb_foreign_bpf) cg_foreign=$(budget_hooks "$cg" effective)"
	if [ "$conf" != none ]; then
		budget_pw_start "$conf" "profile$r" "$base" "$rel" || return 0
	fi
	# shellcheck disable=SC2016 # $$ and $1.. belong to the inner sh
	line=$(perf record -q -e cpu-clock -g -o "$data" -- \
		sh -c 'echo $$ >"$1/cgroup.procs" && exec nsenter --net="/run/netns/$2" "$3" --duration "$4"' \
		budget-profile "$cg" "$ns" "$PB_BIN/churn" "$BUDGET_SECS" 2>/dev/null) || line=
	[ "$conf" = none ] || pb_tool_stop
	[ -n "$line" ] || { pb_say "budget: perf record failed: no profile"; return 0; }
	pb_record budget "profile.$conf.$r" \
		"hooks_share=$(budget_hook_share "$data") share=$(pb_trace_share "$data") $line $foreign"
	rm -f "$data"
}

# budget_foreign_runs KEY: "N of M" churn runs whose KEY (state, cg_foreign) was not 0.
budget_foreign_runs() {
	awk -F'\t' -v k="$1" '$3 == "budget" && $4 ~ /^churn\./ { m++; if ($5 ~ ("(^| )" k "=[1-9]")) n++ }
		END { printf "%d of %d", n, m }' "$PB_RAW"
}

# budget_clean ROUND CONF: 0 when the runs of CONF and nolife in ROUND saw
# no other process's BPF program on the state hook, syscalls or the churn's
# cgroup (the cost others' programs add differs from run to run).
budget_clean() {
	local c line
	for c in nolife "$2"; do
		budget_attached "$c" "$1" || return 1
		line=$(awk -F'\t' -v k="churn.$c.$1" '$3 == "budget" && $4 == k { print $5 }' "$PB_RAW")
		[ -n "$line" ] && [ "$(pb_kv "$line" state)" = 0 ] && [ "$(pb_kv "$line" syscall)" = 0 ] &&
			[ "$(pb_kv "$line" cg_foreign)" = 0 ] || return 1
	done
}

budget_clean_summary() {
	local conf r n ratios
	echo "The same ratios over the rounds where neither run of the pair saw other processes' BPF"
	echo "programs (state hook, syscalls, cgroup socket hooks over the churn):"
	echo
	echo "| config | clean rounds | CPU ns/conn ratio to nolife (median, range) | ops/s ratio (median) |"
	echo "|---|---|---|---|"
	for conf in none life budget; do
		n=0 ratios=''
		for r in $(seq "$BUDGET_ROUNDS"); do
			budget_clean "$r" "$conf" || continue
			n=$((n + 1))
			ratios="$ratios $(budget_ratio "$conf" cpu_ns_per_op "$r"):$(budget_ratio "$conf" ops_per_s "$r")"
		done
		[ "$n" -gt 0 ] || { echo "| $conf | 0 | - | - |"; continue; }
		printf '| %s | %s | %s (%s) | %s |\n' "$conf" "$n" \
			"$(tr ' ' '\n' <<<"$ratios" | grep . | cut -d: -f1 | pb_median)" \
			"$(tr ' ' '\n' <<<"$ratios" | grep . | cut -d: -f1 | pb_minmax)" \
			"$(tr ' ' '\n' <<<"$ratios" | grep . | cut -d: -f2 | pb_median)"
	done
	echo
}

budget_overhead_summary() {
	local conf r ops cpu ratio oratio hooks refusals label line
	echo "### 8. Port budgets and the lifeline (issue 16)"
	echo
	echo "#### 8a. What they cost a connection"
	echo
	echo "tests/bench/churn ($BUDGET_SECS s runs, connect/accept/close on loopback) in a child cgroup"
	echo "and a netns, under \`portwarden run --cgroup <its parent>\` (dry run); $BUDGET_ROUNDS rounds,"
	echo "in each: none, nolife, life, budget. Ratios are to nolife in the same round."
	echo
	echo "Runs whose daemon lacked its hooks on --cgroup (see the first column; its stderr is kept"
	echo "as budget-CONF-ROUND.err) are left out of the medians and ratios."
	echo
	echo "| config | BPF programs on --cgroup | ops/s (median) | CPU ns/conn (median) | CPU ns/conn ratio to nolife (median, range) | ops/s ratio to nolife (median) | refusals logged |"
	echo "|---|---|---|---|---|---|---|"
	for conf in $BUDGET_CONFIGS; do
		case $conf in
		none) label="(d) no portwarden" ;;
		nolife) label="(a) lifeline = no, no budget (hooks not loaded)" ;;
		life) label="(b) default lifeline, no budget" ;;
		budget) label="(c) lifeline + ports_max $BUDGET_MAX on the churn's cgroup" ;;
		esac
		ops=$(for r in $(seq "$BUDGET_ROUNDS"); do
			! budget_attached "$conf" "$r" || pb_values budget "churn.$conf.$r" ops_per_s
		done | pb_median)
		[ "$ops" != nan ] || continue
		cpu=$(for r in $(seq "$BUDGET_ROUNDS"); do
			! budget_attached "$conf" "$r" || pb_values budget "churn.$conf.$r" cpu_ns_per_op
		done | pb_median)
		hooks=$(for r in $(seq "$BUDGET_ROUNDS"); do pb_values budget "churn.$conf.$r" hooks; done |
			sort | uniq -c | awk '{ printf "%s%s in %s runs", (NR > 1 ? ", " : ""), $2, $1 }')
		refusals=$(for r in $(seq "$BUDGET_ROUNDS"); do pb_values budget "churn.$conf.$r" refusals; done |
			awk '{ s += $1 } END { print NR ? s : "-" }')
		ratio=$(for r in $(seq "$BUDGET_ROUNDS"); do budget_ratio "$conf" cpu_ns_per_op "$r"; done)
		oratio=$(for r in $(seq "$BUDGET_ROUNDS"); do budget_ratio "$conf" ops_per_s "$r"; done)
		printf '| %s | %s | %s | %s | %s (%s) | %s | %s |\n' "$label" "$hooks" "$ops" "$cpu" \
			"$(pb_median <<<"$ratio")" "$(pb_minmax <<<"$ratio")" "$(pb_median <<<"$oratio")" \
			"$([ "$conf" = none ] && echo - || echo "$refusals")"
	done
	echo
	echo "Load average (1 min) per run: $(awk -F'\t' '$3 == "budget" && $4 ~ /^churn\./ { print $2 }' "$PB_RAW" | pb_minmax)" \
		"(median $(awk -F'\t' '$3 == "budget" && $4 ~ /^churn\./ { print $2 }' "$PB_RAW" | pb_median));" \
		"other processes' syscall tracepoints attached in $(pb_contaminated budget);" \
		"other processes' programs on the TCP state hook in $(budget_foreign_runs state) runs," \
		"other processes' cgroup socket programs over the churn's cgroup (the cgroup2 root's) in" \
		"$(budget_foreign_runs cg_foreign) runs."
	echo
	budget_clean_summary
	[ -n "$(pb_values budget profile.nolife.1 hooks_share)" ] || return 0
	echo "Profiled runs (perf record -e cpu-clock -g on the churn, $BUDGET_PROFILES of each, interleaved):"
	echo "share of its CPU samples in cgroup socket hooks (__cgroup_bpf_run_filter*) or the"
	echo "budget/lifeline programs, and in any BPF or tracepoint path (portwarden's state tracing"
	echo "included); medians, range in brackets:"
	echo
	echo "| config | cgroup hooks + budget programs | all BPF/tracing | samples per run | others' programs then: state hook, cgroup (per run) |"
	echo "|---|---|---|---|---|"
	for conf in $BUDGET_CONFIGS; do
		local hs as
		hs=$(for r in $(seq "$BUDGET_PROFILES"); do pb_values budget "profile.$conf.$r" hooks_share; done |
			awk '{ printf "%.2f\n", 100 * $1 }')
		as=$(for r in $(seq "$BUDGET_PROFILES"); do pb_values budget "profile.$conf.$r" share; done |
			awk '{ printf "%.2f\n", 100 * $1 }')
		[ -n "$hs" ] || continue
		printf '| %s | %s%% (%s) | %s%% (%s) | %s | %s |\n' "$conf" "$(pb_median <<<"$hs")" "$(pb_minmax <<<"$hs")" \
			"$(pb_median <<<"$as")" "$(pb_minmax <<<"$as")" \
			"$(for r in $(seq "$BUDGET_PROFILES"); do pb_values budget "profile.$conf.$r" samples; done | pb_median)" \
			"$(for r in $(seq "$BUDGET_PROFILES"); do
				printf '%s,%s ' "$(pb_values budget "profile.$conf.$r" state)" \
					"$(pb_values budget "profile.$conf.$r" cg_foreign)"
			done | sed 's/ $//')"
	done
	echo
}

# budget_fill_run NS BASE REL: one enforcing daemon, budgets on fresh cgroups,
# budgetfill in each; records a line per run.
budget_fill_run() {
	local ns=$1 base=$2 rel=$3 rep spec kind n cg line log=$PB_OUT/budget-fill.jsonl last
	{
		for rep in $(seq "$BUDGET_FILL_REPS"); do
			for spec in $BUDGET_FILL; do
				pw_make_cgroup "budget-fill/$rep-${spec%:*}-${spec#*:}" >/dev/null
				printf '[cgroup "%s/%s-%s-%s"]\nports_max = %s\n' "$rel" "$rep" "${spec%:*}" \
					"${spec#*:}" "${spec#*:}"
				last="$rel/$rep-${spec%:*}-${spec#*:}"
			done
		done
	} >"$PW_TMP/budget-fill.conf"
	pw_make_cgroup budget-fill/sink >/dev/null
	pb_bg "$PW_TMP/fill-sink" "$base/sink" "$ns" "$PB_BIN/leaker" sink --port 5000 --procs 1
	local sink=$PW_PID
	pw_wait_for_file_line "$PW_TMP/fill-sink" listening 10 || { pb_say "budget: sink did not start"; return 1; }
	pw_run_in -e "$PW_TMP/budget-fill.err" "" "" "$PB_PW" run --enforce --no-socket --no-incidents \
		--cgroup "$rel" --config "$PW_TMP/budget-fill.conf" --log "$log" >/dev/null
	local pid=$PW_PID
	PB_MINE="${PB_MINE:-} $pid"
	if ! pw_wait_ready "$pid" "$log" "ports_max [0-9]* for $last\"" 60; then
		pb_say "budget: budgets not set within 60 s: $(tail -n 3 "$PW_TMP/budget-fill.err")"
		pw_stop "$pid" TERM 10
		pw_stop "$sink" TERM 5
		return 1
	fi
	for rep in $(seq "$BUDGET_FILL_REPS"); do
		for spec in $BUDGET_FILL; do
			kind=${spec%:*} n=${spec#*:}
			cg=$base/$rep-$kind-$n
			line=$(pb_in "$cg" "$ns" "$PB_BIN/budgetfill" --kind "$kind" --port 5000 --max $((2 * n)))
			pb_record budget "fill.$kind.$n.$rep" "$line budget=$n $(pb_foreign_bpf)"
			sleep 1 # the ports go back (the process exits) before the next one
		done
	done
	sleep 2 # a step logs the refusals
	pw_stop "$pid" TERM 10
	pw_stop "$sink" TERM 5
	# what else the enforcing daemon did to these workloads (it should do nothing)
	pb_record budget fill.daemon "actions=$(jq -s '[.[] | select(.event == "action")] | length' "$log")" \
		"refuse_records=$(jq -s '[.[] | select(.event == "budget" and .action == "refuse")] | length' "$log")" \
		"corrections=$(jq -s '[.[] | select(.event == "budget" and .action == "correct")] | length' "$log")" \
		"lifeline_engaged=$(jq -s '[.[] | select(.event == "lifeline" and .action == "engaged")] | length' "$log")"
}

budget_fill_summary() {
	local spec kind n rep line firsts errnos exact runs
	echo "#### 8b. How fast a budget bites"
	echo
	echo "\`portwarden run --enforce\` with \`ports_max = N\` on fresh cgroups; tests/bench/budgetfill"
	echo "in each takes ports one at a time as fast as it can and holds them (tcp: connect() to a sink"
	echo "in another cgroup; bind0: bind() to port 0; udp: UDP connect()) until one fails, then tries"
	echo "3 more (timed too). Time to refusal: from the return of the N-th success to the return of the failed"
	echo "attempt (its socket() included). $BUDGET_FILL_REPS runs each."
	echo
	echo "| kind | N | first failed attempt (per run) | exactly N+1 | errno | then refused | to refusal, µs (median, range) | refused attempt, µs (median) | the next refused ones, µs (median of run medians) | a successful attempt, µs (median of run medians) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for spec in $BUDGET_FILL; do
		kind=${spec%:*} n=${spec#*:}
		firsts='' errnos='' exact=0 runs=0
		for rep in $(seq "$BUDGET_FILL_REPS"); do
			line=$(awk -F'\t' -v k="fill.$kind.$n.$rep" '$3 == "budget" && $4 == k { print $5 }' "$PB_RAW")
			[ -n "$line" ] || continue
			runs=$((runs + 1))
			firsts="$firsts${firsts:+, }$(pb_kv "$line" first_failure)"
			errnos="$errnos $(pb_kv "$line" errno)"
			[ "$(pb_kv "$line" first_failure)" != $((n + 1)) ] || exact=$((exact + 1))
		done
		[ "$runs" -gt 0 ] || continue
		printf '| %s | %s | %s | %s of %s | %s | %s | %s (%s) | %s | %s | %s |\n' "$kind" "$n" "$firsts" \
			"$exact" "$runs" "$(tr ' ' '\n' <<<"$errnos" | grep . | sort -u | paste -sd/)" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" after_failed; done | paste -sd' ')" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" refuse_us; done | pb_median)" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" refuse_us; done | pb_minmax)" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" refused_call_us; done | pb_median)" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" refused_again_us; done | pb_median)" \
			"$(for rep in $(seq "$BUDGET_FILL_REPS"); do pb_values budget "fill.$kind.$n.$rep" alloc_us_median; done | pb_median)"
	done
	echo
	line=$(awk -F'\t' '$3 == "budget" && $4 == "fill.daemon" { print $5 }' "$PB_RAW")
	echo "The daemon's log over these runs: $(pb_kv "$line" actions) actions," \
		"$(pb_kv "$line" refuse_records) refuse records, $(pb_kv "$line" corrections) count corrections," \
		"$(pb_kv "$line" lifeline_engaged) lifeline engagements." \
		"Load average (1 min): $(awk -F'\t' '$3 == "budget" && $4 ~ /^fill\./ { print $2 }' "$PB_RAW" | pb_minmax)."
	echo
}

bench_budget() {
	local ns base cg rel r conf
	[ -z "$QUICK" ] || { BUDGET_SECS=1; BUDGET_FILL_REPS=1; BUDGET_PROFILES=1; }
	pb_say "budget: $BUDGET_ROUNDS rounds of $BUDGET_SECS s churn runs x 4 configs, a profiled run each, then budget fills"
	ns=$(pb_netns net.ipv4.tcp_max_tw_buckets=0)
	base=$(pw_make_cgroup budget)
	cg=$(pw_make_cgroup budget/churn)
	rel=$(pw_cgroup_relpath "$base")
	for conf in $BUDGET_CONFIGS; do
		budget_conf "$conf" "$rel"
	done
	for r in $(seq "$BUDGET_ROUNDS"); do
		budget_round "$ns" "$cg" "$base" "$rel" "$r"
	done
	if command -v perf >/dev/null 2>&1; then
		for r in $(seq "$BUDGET_PROFILES"); do
			for conf in $BUDGET_CONFIGS; do
				budget_profile "$ns" "$cg" "$base" "$rel" "$conf" "$r"
			done
		done
	fi
	budget_overhead_summary >>"$PB_SUMMARY"
	base=$(pw_make_cgroup budget-fill)
	budget_fill_run "$(pb_netns)" "$base" "$(pw_cgroup_relpath "$base")" ||
		pb_say "budget: the fill runs did not start"
	budget_fill_summary >>"$PB_SUMMARY"
}

# ---- 1b. churn inside the kernel matrix's guests ------------------------------------

# The churn ratio of section 1 (CPU ns/op with `portwarden run` over without)
# measured inside qemu guests of the kernel matrix (tests/vm/), so that a
# kernel where the hooks cost more shows. Each guest runs the churn-bench plan
# of tests/vm/guest-init.sh: `portwarden probe`, then churn (static) in a
# netns of its own, B R B R ... B, each R a fresh `portwarden run` (dry run,
# --no-socket). The guests run one after the other, never beside each other.
# Under TCG (no usable KVM) every instruction is emulated: absolute figures
# mean nothing, and the guest's CPU clock also counts time the host took from
# its vCPU thread; only the ratio within one guest is compared. The host's
# ratio is taken beside them: from section 1's pw-auto rounds when churn ran
# in the same invocation, else from a run of the guests' shape here.
#
# Under TCG the guests run with qemu's -icount (PW_VM_ICOUNT of
# run-guest.sh): their clocks count executed instructions, 2^SHIFT ns each,
# so what the guest times is instructions, whatever the host's load; the
# guests then run side by side. Without it (VMCHURN_ICOUNT=''), the guest's
# CPU clock is host time, which on a loaded host swings 5-fold between runs.
#
# VMCHURN_KERNELS="6.18 7.3"  labels of tests/vm/kernels.list (default: 6.18
#                              and the newest 7.x there)
# VMCHURN_ROUNDS=N             the host's rounds (default 7; BENCH_QUICK: 2)
# VMCHURN_SECS=S               the host's churn runs (default 3; BENCH_QUICK: 2)
# VMCHURN_GUEST_ROUNDS=N       the guests' rounds (default 5; BENCH_QUICK: 2)
# VMCHURN_GUEST_SECS=S         the guests' churn runs, in the guest's time
#                              (default 1: with icount, 250M instructions)
# VMCHURN_ICOUNT=SHIFT         -icount shift under TCG (default 2; '': none)
# VMCHURN_MODE=MODE            run's --mode, guests and host (default: none,
#                              run's default: auto, which picks fexit where
#                              the kernel allows it)
# PW_VM_SMP=N                  guest CPUs (default 1, as in test-kernels: under
#                              TCG a second vCPU running the daemon takes host
#                              CPU from the loop's vCPU thread, and the guest
#                              clock counts that as the loop's CPU time)

VMCHURN_ROUNDS=${VMCHURN_ROUNDS:-$([ -z "$QUICK" ] && echo 7 || echo 2)}
VMCHURN_SECS=${VMCHURN_SECS:-$([ -z "$QUICK" ] && echo 3 || echo 2)}
VMCHURN_GUEST_ROUNDS=${VMCHURN_GUEST_ROUNDS:-$([ -z "$QUICK" ] && echo 5 || echo 2)}
VMCHURN_GUEST_SECS=${VMCHURN_GUEST_SECS:-1}
VMCHURN_ICOUNT=${VMCHURN_ICOUNT-2}
VMCHURN_SMP=${PW_VM_SMP:-1}

# vmchurn_default_kernels: 6.18 and the newest 7.x label of kernels.list.
vmchurn_default_kernels() {
	local list=$PW_ROOT/tests/vm/kernels.list
	awk '!/^#/ && $1 == "6.18" { print $1 }' "$list"
	awk '!/^#/ && $1 ~ /^7\./ { print $1 }' "$list" | sort -V | tail -n 1
}

# vmchurn_ratio WHERE FIELD ROUND: WHERE's run.ROUND over the mean of
# base.(ROUND-1) and base.ROUND (WHERE: a kernel label or "host").
vmchurn_ratio() {
	local w=$1 f=$2 r=$3 t b a
	b=$(pb_values vm-churn "$w.base.$((r - 1))" "$f")
	a=$(pb_values vm-churn "$w.base.$r" "$f")
	t=$(pb_values vm-churn "$w.run.$r" "$f")
	[ -n "$t" ] && [ -n "$b" ] && [ -n "$a" ] || return 0
	awk -v t="$t" -v b="$b" -v a="$a" 'BEGIN { printf "%.4f\n", 2 * t / (b + a) }'
}

# vmchurn_auto PROBE_OUTPUT: the mode run's default (auto) picks there.
vmchurn_auto() {
	if [ -n "${VMCHURN_MODE:-}" ]; then
		echo "$VMCHURN_MODE"
	elif grep -q '^fexit  *yes' "$1" 2>/dev/null; then
		echo "auto: fexit"
	else
		echo "auto: state"
	fi
}

# vmchurn_host: the guests' shape on the host: B R B R ... B, each R
# `portwarden run` started as section 1 starts it (pw-auto).
vmchurn_host() {
	local ns r line
	ns=$(pb_netns net.ipv4.tcp_max_tw_buckets=0)
	"$PB_PW" probe >"$PB_OUT/vm-churn-host.probe" 2>&1 || true
	pb_say "vm-churn: host, $VMCHURN_ROUNDS rounds of $VMCHURN_SECS s"
	line=$(pb_in "" "$ns" "$PB_BIN/churn" --duration "$VMCHURN_SECS")
	pb_record vm-churn host.base.0 "$line $(pb_foreign_bpf)"
	for r in $(seq "$VMCHURN_ROUNDS"); do
		if [ -n "${VMCHURN_MODE:-}" ]; then
			pw_run_in -e "$PW_TMP/vmchurn-host.err" "" "" "$PB_PW" run --no-socket --no-incidents --mode "$VMCHURN_MODE" \
				--log "$PW_TMP/vmchurn-host.jsonl" >/dev/null
			PB_TOOL_PID=$PW_PID
			PB_MINE="${PB_MINE:-} $PB_TOOL_PID"
			pw_wait_for_file_line "$PW_TMP/vmchurn-host.err" 'portwarden: start' 60 && sleep 0.5
		else
			pb_tool_start pw-auto || continue
		fi
		line=$(pb_in "" "$ns" "$PB_BIN/churn" --duration "$VMCHURN_SECS")
		pb_tool_stop
		pb_record vm-churn "host.run.$r" "$line $(pb_foreign_bpf)"
		line=$(pb_in "" "$ns" "$PB_BIN/churn" --duration "$VMCHURN_SECS")
		pb_record vm-churn "host.base.$r" "$line $(pb_foreign_bpf)"
	done
	ip netns del "$ns" 2>/dev/null || true
}

# vmchurn_boot LABEL KDIR OUT: one guest of the churn-bench plan; 0 when it
# wrote its last line. A guest that died before /init is booted once more.
vmchurn_boot() {
	local label=$1 kdir=$2 out=$3 limit pid rc
	# boot and probe ~20 s, a round 2 churn runs and a run's start (7 to
	# 9 s under TCG on a quiet host; with icount about 2e9 instructions, 20
	# to 30 s at a load of 10 to 15)
	limit=$((240 + VMCHURN_GUEST_ROUNDS * (90 + 20 * VMCHURN_GUEST_SECS)))
	for _ in 1 2; do
		rc=0
		PW_VM_SMP=$VMCHURN_SMP PW_VM_ICOUNT=$VMCHURN_ICOUNT "$PW_ROOT/tests/vm/run-guest.sh" \
			"$kdir/vmlinuz" "$PW_TMP/vmchurn.cpio" "$out" "$limit" \
			"pw_modes=churn-bench pw_churn_rounds=$VMCHURN_GUEST_ROUNDS pw_churn_secs=$VMCHURN_GUEST_SECS${VMCHURN_MODE:+ pw_churn_mode=$VMCHURN_MODE}" &
		pid=$!
		pw_track_pid "$pid"
		wait "$pid" || rc=$?
		[ "$rc" -ne 0 ] || return 0
		[ "$rc" -ne 124 ] && ! tr -d '\r' <"$out/results.log" 2>/dev/null | grep -q '^@@PW-BEGIN info' ||
			return 1
		pb_say "vm-churn: $label died before /init; booting it again"
		rm -rf "$out.try1"
		mv "$out" "$out.try1"
	done
	return 1
}

# vmchurn_section FILE NAME: the lines of section NAME of a guest's results.
vmchurn_section() {
	tr -d '\r' <"$1" | awk -v n="$2" '$1 == "@@PW-END" && $2 == n { f = 0 } f { print }
		$1 == "@@PW-BEGIN" && $2 == n { f = 1 }'
}

# vmchurn_guest LABEL: record guest LABEL's rounds (booted by vmchurn_boot
# into $PB_OUT/vm-churn-LABEL, status in its boot.rc) as LABEL.base.R and
# LABEL.run.R, and LABEL.info.
vmchurn_guest() {
	local label=$1 out=$PB_OUT/vm-churn-$1 key line rc accel
	read -r rc <"$out.rc" 2>/dev/null || rc=1
	if [ "$rc" -ne 0 ]; then
		pb_say "vm-churn: guest $label failed ($(cat "$out/run" 2>/dev/null)); see $out"
		pb_record vm-churn "$label.info" "failed=$(tr ' ' , <"$out/run" 2>/dev/null)"
		return 0
	fi
	vmchurn_section "$out/results.log" churn-bench/probe >"$out/probe"
	read -r accel <"$out/accel" || accel='?'
	while read -r key line; do
		pb_record vm-churn "$label.$key" "$line"
	done < <(vmchurn_section "$out/results.log" churn-bench/rounds)
	pb_record vm-churn "$label.info" "accel=$accel cpus=$(vmchurn_section "$out/results.log" churn-bench/info |
		sed -n 's/.* cpus \([0-9]*\).*/\1/p') guest_s=$(cut -d' ' -f2 "$out/run")" \
		"icount=$([ "$accel" = kvm ] || echo "$VMCHURN_ICOUNT")" \
		"kernel=$(vmchurn_section "$out/results.log" info | sed -n 's/^kernel //p')"
}

vmchurn_rounds() { # WHERE: its number of rounds
	if [ "$1" = host ]; then echo "$VMCHURN_ROUNDS"; else echo "$VMCHURN_GUEST_ROUNDS"; fi
}

# vmchurn_row WHERE KERNEL MODE: one row of the summary.
vmchurn_row() {
	local w=$1 r ratios oratios n rounds
	rounds=$(vmchurn_rounds "$w")
	ratios=$(for r in $(seq "$rounds"); do vmchurn_ratio "$w" cpu_ns_per_op "$r"; done)
	oratios=$(for r in $(seq "$rounds"); do vmchurn_ratio "$w" ops_per_s "$r"; done)
	n=$(grep -c . <<<"$ratios" || true)
	if [ "$n" -eq 0 ]; then
		printf '| %s | %s | %s | %s | 0 | - | - | - | - | - |\n' "$w" "$2" "$(vmchurn_where "$w")" "$3"
		return
	fi
	printf '| %s | %s | %s | %s | %s | %s | %s | **%s** | %s | %s |\n' "$w" "$2" "$(vmchurn_where "$w")" "$3" "$n" \
		"$(for r in $(seq 0 "$rounds"); do pb_values vm-churn "$w.base.$r" cpu_ns_per_op; done | pb_median | vmchurn_us)" \
		"$(for r in $(seq "$rounds"); do pb_values vm-churn "$w.run.$r" cpu_ns_per_op; done | pb_median | vmchurn_us)" \
		"$(pb_median <<<"$ratios")" "$(pb_minmax <<<"$ratios")" "$(pb_median <<<"$oratios")"
}

vmchurn_foreign() { # min..max of the state hook's foreign programs over the host's runs
	local b=vm-churn
	[ -z "$(pb_values vm-churn host.base.0 state)" ] && b=churn
	awk -F'\t' -v b="$b" '$3 == b { print $5 }' "$PB_RAW" | sed -n 's/.*state=\([0-9]*\).*/\1/p' | pb_minmax
}

vmchurn_us() { # ns on stdin as µs
	awk '{ printf "%.1f\n", $1 / 1000 }'
}

vmchurn_where() { # WHERE: "host" or the guest's accel and CPUs
	local info
	if [ "$1" = host ]; then
		echo "host, $(nproc) CPUs"
		return
	fi
	info=$(awk -F'\t' -v k="$1.info" '$3 == "vm-churn" && $4 == k { print $5 }' "$PB_RAW" | tail -n 1)
	echo "qemu $(pb_kv "$info" accel)$([ -z "$(pb_kv "$info" icount)" ] || echo ", icount shift $(pb_kv "$info" icount)"), $(pb_kv "$info" cpus) vCPU"
}

vmchurn_summary() {
	local label info host_from=$1
	echo "### 1b. Churn overhead inside the kernel matrix's guests"
	echo
	echo "B R B R ... B, R: \`portwarden run\` (dry run${VMCHURN_MODE:+, --mode $VMCHURN_MODE}); a round's ratio" \
		"is R over the mean of the baselines beside it. Host: $([ "$host_from" = churn ] &&
			echo "section 1's pw-auto rounds" || echo "$VMCHURN_ROUNDS rounds of churn --duration $VMCHURN_SECS");" \
		"guests: $VMCHURN_GUEST_ROUNDS rounds of churn --duration $VMCHURN_GUEST_SECS (the guest's clock)."
	echo
	echo "| where | kernel | how | mode | rounds | CPU µs/op without (median) | with (median) | CPU ns/op ratio (median) | range | ops/s ratio (median) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	if [ "$host_from" = churn ]; then
		local cr or
		cr=$(for r in $(seq "$ROUNDS"); do churn_ratio pw-auto cpu_ns_per_op "$r"; done)
		or=$(for r in $(seq "$ROUNDS"); do churn_ratio pw-auto ops_per_s "$r"; done)
		printf '| host (section 1, pw-auto) | %s | host, %s CPUs | %s | %s | %s | %s | **%s** | %s | %s |\n' \
			"$(uname -r)" "$(nproc)" "$(vmchurn_auto "$PB_OUT/vm-churn-host.probe")" "$(grep -c . <<<"$cr")" \
			"$(for r in $(seq "$ROUNDS"); do pb_values churn "base.$r.0" cpu_ns_per_op; done | pb_median | vmchurn_us)" \
			"$(for r in $(seq "$ROUNDS"); do pb_values churn "pw-auto.$r" cpu_ns_per_op; done | pb_median | vmchurn_us)" \
			"$(pb_median <<<"$cr")" "$(pb_minmax <<<"$cr")" "$(pb_median <<<"$or")"
	else
		vmchurn_row host "$(uname -r)" "$(vmchurn_auto "$PB_OUT/vm-churn-host.probe")"
	fi
	for label in $VMCHURN_LABELS; do
		info=$(awk -F'\t' -v k="$label.info" '$3 == "vm-churn" && $4 == k { print $5 }' "$PB_RAW" | tail -n 1)
		vmchurn_row "$label" "$(pb_kv "$info" kernel)" "$(vmchurn_auto "$PB_OUT/vm-churn-$label/probe")"
	done
	echo
	echo "Per round (CPU ns/op ratio):"
	echo
	for label in host $VMCHURN_LABELS; do
		[ "$label" != host ] || [ "$host_from" != churn ] || continue
		echo "- $label: $(for r in $(seq "$(vmchurn_rounds "$label")"); do vmchurn_ratio "$label" cpu_ns_per_op "$r"; done | paste -sd' ')"
	done
	echo
	echo "Guests' times (wall, side by side): $(for label in $VMCHURN_LABELS; do
		info=$(awk -F'\t' -v k="$label.info" '$3 == "vm-churn" && $4 == k { print $5 }' "$PB_RAW" | tail -n 1)
		if [ -n "$(pb_kv "$info" failed)" ]; then
			printf '%s failed (%s); ' "$label" "$(pb_kv "$info" failed)"
		else
			printf '%s %s s; ' "$label" "$(pb_kv "$info" guest_s)"
		fi
	done)their results are in vm-churn-LABEL/ beside this file."
	if [ -n "$VMCHURN_ICOUNT" ]; then
		echo "Under TCG with -icount shift=$VMCHURN_ICOUNT the guest's clocks count executed instructions"
		echo "($((1 << VMCHURN_ICOUNT)) ns each): a guest's µs/op is instructions per connection, whatever the"
		echo "host's load, and blind to what an instruction costs (cache misses, locks, atomics):"
		echo "compare ratios only, and the host's ratio as a measure of a different kind."
	else
		echo "Under TCG (software emulation) absolute figures are meaningless and the guest's CPU"
		echo "clock also counts time the host took from its vCPU: compare ratios only."
	fi
	echo "kernel.bpf_stats_enabled (a clock read around every program run when 1): host $(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)," \
		"guests 0. Other processes' programs on the host's state hook: $(vmchurn_foreign) (they run in the" \
		"baselines too, so the host's ratio reads lower). Load average (1 min) during the runs: $(pb_load vm-churn)."
	echo
}

bench_vmchurn() {
	local label kdir pid host_from=run
	local -a pids=()
	VMCHURN_LABELS=${VMCHURN_KERNELS:-$(vmchurn_default_kernels | paste -sd' ')}
	pw_require_cmd "${QEMU:-qemu-system-x86_64}" apt-get dpkg-deb
	pb_say "vm-churn: kernels $VMCHURN_LABELS; $VMCHURN_ROUNDS rounds of $VMCHURN_SECS s; $VMCHURN_SMP guest CPUs"
	# shellcheck disable=SC2086 # a list of labels
	timeout -k 5 300 "$PW_ROOT/tests/vm/fetch-kernels.sh" $VMCHURN_LABELS >"$PW_TMP/vmchurn-fetch" \
		2>"$PW_TMP/vmchurn-fetch.err" || true
	OUTPUT=$PW_OUTPUT "$PW_ROOT/tests/vm/build-initramfs.sh" "$PW_TMP/vmchurn.cpio" >/dev/null ||
		{ pb_say "vm-churn: build-initramfs.sh failed"; return 1; }
	if [ -f "$PB_RAW" ] && [ -n "$(pb_values churn pw-auto.1 cpu_ns_per_op)" ] && [ -z "${VMCHURN_MODE:-}" ]; then
		host_from=churn
		"$PB_PW" probe >"$PB_OUT/vm-churn-host.probe" 2>&1 || true
	else
		vmchurn_host
	fi
	# With icount the guests' figures do not depend on the host's load:
	# they run side by side; without it, one after the other.
	for label in $VMCHURN_LABELS; do
		kdir=$(awk -v l="$label" '$1 == l && $2 == "ok" { print $NF }' "$PW_TMP/vmchurn-fetch")
		if [ -z "$kdir" ]; then
			pb_say "vm-churn: kernel $label not available: $(grep "^$label " "$PW_TMP/vmchurn-fetch" | head -n 1)"
			echo 1 >"$PB_OUT/vm-churn-$label.rc"
			continue
		fi
		pb_say "vm-churn: guest $label ($(cat "$kdir/version" 2>/dev/null)), $VMCHURN_GUEST_ROUNDS rounds of $VMCHURN_GUEST_SECS s"
		(
			rc=0
			vmchurn_boot "$label" "$kdir" "$PB_OUT/vm-churn-$label" || rc=$?
			echo "$rc" >"$PB_OUT/vm-churn-$label.rc"
		) &
		pids+=("$!")
		[ -n "$VMCHURN_ICOUNT" ] || wait "$!" || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || true
	done
	for label in $VMCHURN_LABELS; do
		vmchurn_guest "$label"
	done
	vmchurn_summary "$host_from" >>"$PB_SUMMARY"
}
# ---- main -------------------------------------------------------------------------

main() {
	local b benches=${*:-churn syscall capacity detection scale}
	pw_require_root
	pw_require_bpf
	pw_require_cgroup2
	pw_require_cmd ip jq bpftool nsenter ss
	for b in churn sysloop failstorm leaker holder snapbuild budgetfill; do
		pw_require_file "$PB_BIN/$b" "$b"
	done
	mkdir -p "$PB_OUT"
	PB_PW=$PW_TMP/portwarden
	cp "$PW_PORTWARDEN" "$PB_PW"
	{
		echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "$(pb_machine) at the start; $(pb_foreign_bpf | sed 's/state=/BPF programs of other processes: state hook /; s/ syscall=/, syscall tracepoints /');"
		echo "portwarden $("$PB_PW" --version 2>/dev/null | head -n 1), binary $PW_PORTWARDEN built" \
			"$(date -u -r "$PW_PORTWARDEN" '+%Y-%m-%d %H:%M:%S UTC'), sha256 $(sha256sum "$PB_PW" | cut -c1-16);" \
			"newest source then: $(pb_newest_source);"
		echo "rounds $ROUNDS${QUICK:+ (BENCH_QUICK: not for the record)}"
		echo
	} >"$PB_SUMMARY"
	for b in $benches; do
		case $b in
		churn | syscall | capacity | detection | scale | mixed | snapbuild | budget) "bench_$b" ;;
		vm-churn) bench_vmchurn ;;
		*) echo "unknown benchmark '$b'" >&2; exit 2 ;;
		esac
		pb_say "$b done; $(pb_machine)"
	done
	echo "At the end: $(pb_machine)" >>"$PB_SUMMARY"
	cat "$PB_SUMMARY"
	echo "raw figures: $PB_RAW" >&2
}

main "$@"
