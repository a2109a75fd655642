# shellcheck shell=bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Helpers for the benchmarks (sourced by tests/bench/run.sh): statistics, the
# machine's state next to each figure, starting and stopping the tools being
# compared, and workloads in our own cgroups and network namespaces.
#
# Cleanup (processes, cgroups, netns) is tests/e2e/lib.sh's EXIT trap: every
# process started here is tracked there, every cgroup and netns is made there.
#
# Workloads enter a netns with nsenter, not `ip netns exec`: the latter mounts
# a fresh /sys, where the cgroup2 mount the holder needs is missing.

# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# shellcheck disable=SC2034 # PB_BIN and PB_SUMMARY are read by run.sh
PB_BIN=$PW_OUTPUT/tests/bench
PB_OUT=${BENCH_OUT:-$PW_OUTPUT/bench/$(date -u +%Y%m%dT%H%M%SZ)}
PB_RAW=$PB_OUT/raw.tsv
# shellcheck disable=SC2034
PB_SUMMARY=$PB_OUT/summary.md
PB_CLK_TCK=$(getconf CLK_TCK)

# ---- statistics and records -------------------------------------------------

# pb_median: the median of the numbers on stdin (mean of the middle two).
pb_median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# pb_minmax: "min..max" of the numbers on stdin.
pb_minmax() {
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s\n", lo, hi }'
}

# pb_minmax_pct: the range of the ratios on stdin, as signed percentages.
pb_minmax_pct() {
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf "%+.1f%%..%+.1f%%\n", (lo - 1) * 100, (hi - 1) * 100 }'
}

# pb_kv LINE KEY: the value of KEY=VALUE in LINE.
pb_kv() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1
}

# pb_record BENCH KEY VALUE...: one raw line: time, load, bench, key, values.
pb_record() {
	local bench=$1 key=$2 load
	shift 2
	read -r load _ </proc/loadavg
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%H:%M:%S)" "$load" "$bench" "$key" "$*" >>"$PB_RAW"
}

# pb_values BENCH KEY FIELD: field FIELD (KEY=VALUE) of every raw line of BENCH/KEY.
pb_values() {
	local line
	awk -F'\t' -v b="$1" -v k="$2" '$3 == b && $4 == k { print $5 }' "$PB_RAW" |
		while read -r line; do pb_kv "$line" "$3"; done
}

# pb_contaminated BENCH: "N of M runs" of BENCH taken while other processes
# had syscall tracepoints attached (every syscall slower for everyone).
pb_contaminated() {
	awk -F'\t' -v b="$1" '$3 == b { m++; if ($5 ~ /syscall=[1-9]/) n++ }
		END { printf "%d of %d runs\n", n, m }' "$PB_RAW"
}

# pb_load BENCH: "min..max" of the 1-minute load average over BENCH's runs.
pb_load() {
	awk -F'\t' -v b="$1" '$3 == b { print $2 }' "$PB_RAW" | pb_minmax
}

# pb_clean BENCH KEY...: 0 when no run KEY of BENCH saw BPF programs of other
# processes (neither on the TCP state hook nor on syscalls).
pb_clean() {
	local b=$1 k
	shift
	for k; do
		awk -F'\t' -v b="$b" -v k="$k" '$3 == b && $4 == k' "$PB_RAW" | grep -q 'state=0 syscall=0' ||
			return 1
	done
}

# pb_trace_share PERF_DATA: the share (0..1) of the samples whose call chain
# runs a BPF program or a tracepoint's slow path: tp_btf/raw tracepoints
# (bpf_trace_run*), cgroup hooks, classic and syscall tracepoints, and the
# slow syscall entry/exit they force.
pb_trace_share() {
	perf script -i "$1" -F ip,sym 2>/dev/null | awk '
		/^[ \t]*$/ { if (insample) { n++; hit += found } insample = 0; found = 0; next }
		{ insample = 1 }
		/bpf_trace_run|__cgroup_bpf_run_filter|trace_call_bpf|perf_syscall_(enter|exit)|syscall_trace_enter|syscall_exit_work|bpf_prog_/ { found = 1 }
		END { if (insample) { n++; hit += found } if (n) printf "%.4f samples=%d\n", hit / n, n }'
}

# pb_say TEXT: progress on stderr (stdout is the summary).
pb_say() {
	echo "bench: $*" >&2
}

# ---- the machine ---------------------------------------------------------------

# pb_foreign_bpf: "state=N syscall=M": BPF programs on inet_sock_set_state and
# on syscall tracepoints that other processes (not PB_MINE) have attached.
# Syscall tracepoints slow every syscall on the host, so a figure taken while
# some are attached by someone else is flagged.
pb_foreign_bpf() {
	bpftool perf list 2>/dev/null | awk -v mine=" ${PB_MINE:-} " '
		{ pid = $2 } index(mine, " " pid " ") { next }
		/inet_sock_set_state/ { st++ } / sys_(enter|exit)/ { sc++ }
		END { printf "state=%d syscall=%d\n", st, sc }'
}

# pb_newest_source: the most recently changed source file and when: which
# code the measured binary should contain.
pb_newest_source() {
	find "$PW_ROOT/user" "$PW_ROOT/bpf" -name '*.[ch]' -printf '%T@ %p\n' | sort -n | tail -n 1 |
		while read -r t f; do
			echo "${f#"$PW_ROOT"/} $(date -u -d "@${t%.*}" '+%H:%M:%S UTC')"
		done
}

# pb_machine: kernel, CPUs, load average: the context of every figure.
pb_machine() {
	echo "kernel $(uname -r), $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---- tools being measured ------------------------------------------------------

# pb_bpf_links PID: perf-attached BPF programs (tracepoints) that PID holds.
pb_bpf_links() {
	bpftool perf list 2>/dev/null | awk -v p="$1" '$2 == p' | wc -l
}

# pb_tool_start NAME: start a tracer (see pb_tool_cmd), wait until it has
# attached, set PB_TOOL_PID. 1 if it did not attach within 60 s.
pb_tool_start() {
	local name=$1 want deadline=$((SECONDS + 60)) out=$PW_TMP/tool-$1.out
	local -a cmd
	read -r want < <(pb_tool_links "$name")
	mapfile -t cmd < <(pb_tool_cmd "$name")
	pw_run_in -o "$out" -e "$out.err" "" "" "${cmd[@]}" >/dev/null
	PB_TOOL_PID=$PW_PID
	PB_MINE="${PB_MINE:-} $PB_TOOL_PID"
	while [ "$(pb_bpf_links "$PB_TOOL_PID")" -lt "$want" ]; do
		if [ "$SECONDS" -ge "$deadline" ] || ! pw_pid_alive "$PB_TOOL_PID"; then
			pb_say "$name did not attach: $(tail -n 3 "$out.err")"
			return 1
		fi
		sleep 0.1
	done
	sleep 0.5 # the rest of its setup (cgroup hooks, first snapshot)
}

# pb_tool_stop: SIGINT (the tools print their summaries on it), then wait.
pb_tool_stop() {
	pw_stop "$PB_TOOL_PID" INT 20
}

# pb_tool_cmd NAME: the command line, one word per line.
pb_tool_cmd() {
	case $1 in
	pw-auto) printf '%s\n' "$PB_PW" run --no-socket --no-incidents --log "$PW_TMP/run-auto.jsonl" ;;
	pw-noport) printf '%s\n' env PORTWARDEN_TEST_REFUSE=port-hooks,send-hook "$PB_PW" run --no-socket --no-incidents \
		--log "$PW_TMP/run-noport.jsonl" ;;
	pw-rescue) printf '%s\n' env PORTWARDEN_TEST_RESCUE_AT_START=1 "$PB_PW" run --no-socket --no-incidents \
		--log "$PW_TMP/run-rescue.jsonl" ;;
	pw-syscall) printf '%s\n' "$PB_PW" run --no-socket --no-incidents --mode syscall --log "$PW_TMP/run-syscall.jsonl" ;;
	tcpstates) printf '%s\n' sh -c 'exec /usr/sbin/tcpstates >/dev/null' ;;
	tcplife) printf '%s\n' sh -c 'exec /usr/sbin/tcplife >/dev/null' ;;
	bpftrace) printf '%s\n' bpftrace "$PW_ROOT/tests/bench/failures.bt" ;;
	esac
}

# pb_tool_links NAME: how many tracepoint attachments mean it is running.
pb_tool_links() {
	case $1 in
	pw-syscall) echo 13 ;; # the state hook, 6 syscalls x enter and exit
	bpftrace) echo 4 ;;    # the state hook, exits of connect, bind, listen
	*) echo 1 ;;
	esac
}

# pb_tool_available NAME: 0 when it can run here.
pb_tool_available() {
	case $1 in
	tcpstates | tcplife) [ -x "/usr/sbin/$1" ] ;;
	bpftrace) command -v bpftrace >/dev/null 2>&1 ;;
	*) [ -x "$PB_PW" ] ;;
	esac
}

# ---- workloads -----------------------------------------------------------------

# pb_netns [SYSCTL=VALUE...]: a new netns of ours with lo up and these
# net.* sysctls set inside it; echo its name.
pb_netns() {
	local ns kv
	# shellcheck disable=SC2119 # no port range: the default one
	ns=$(pw_make_netns) || return 1
	for kv; do
		nsenter --net="/run/netns/$ns" sysctl -q -w "$kv" >/dev/null || return 1
	done
	echo "$ns"
}

# pb_in CGROUP NETNS CMD...: exec CMD in cgroup dir CGROUP ("" keeps ours)
# and netns NETNS. It execs (so does nsenter, for a network namespace), so
# call it in a subshell: line=$(pb_in ...), or through pb_bg; CMD keeps the
# subshell's pid.
pb_in() {
	# shellcheck disable=SC2016 # $1, $2 and $@ belong to the inner sh
	exec sh -c 'cg=$1 ns=$2; shift 2
		if [ -n "$cg" ]; then echo $$ >"$cg/cgroup.procs" || exit 125; fi
		exec nsenter --net="/run/netns/$ns" "$@"' pb_in "$@"
}

# pb_bg OUT CGROUP NETNS CMD...: the same in the background, stdout to OUT,
# stderr to OUT.err, tracked for cleanup; sets PW_PID to CMD's pid.
pb_bg() {
	local out=$1
	shift
	# started from a subshell, so that this shell prints no job status when
	# it is killed; pw_stop then waits on /proc instead of wait(1)
	PW_PID=$( (pb_in "$@" </dev/null >"$out" 2>"$out.err" &
		echo $!))
	pw_track_pid "$PW_PID"
}

# pb_proc_cpu PID: utime + stime in seconds.
pb_proc_cpu() {
	local stat rest
	read -r stat <"/proc/$1/stat" || return 1
	rest=${stat##*) }
	read -r -a rest <<<"$rest"
	awk -v u="${rest[11]}" -v s="${rest[12]}" -v t="$PB_CLK_TCK" 'BEGIN { printf "%.2f\n", (u + s) / t }'
}

# pb_proc_kib PID FIELD: a "Vm*" line of /proc/PID/status, in KiB.
pb_proc_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
