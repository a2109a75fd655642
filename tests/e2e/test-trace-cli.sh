#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks the command-line contract of `portwarden trace` (README: options,
# text output, exit status):
#  - bad input (not root, unknown or non-cgroup2 --cgroup, bad --pid or
#    --mode, unknown or missing command) exits 2 with the reason on stderr;
#    --version and trace --help exit 0;
#  - SIGTERM exits 0 promptly and leaves none of its BPF programs or links;
#  - --pid keeps only that process's events;
#  - text output: the header line, one aligned line per failure, and names
#    escaped so that no raw control byte reaches the terminal.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden timeout mkfifo

LOW=40000
HIGH=40009
FAIL_EXTRA=2

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")

# ---- exit status and messages ---------------------------------------------------

# run_cli NAME CMD...: CMD with a time limit (a regression that starts tracing
# must not hang the test); output in $PW_TMP/NAME.{out,err}, status in RC.
run_cli() {
	local name=$1
	shift
	RC=0
	timeout -k 2 10 "$@" </dev/null >"$PW_TMP/$name.out" 2>"$PW_TMP/$name.err" || RC=$?
}

# expect_usage_error NAME PATTERN CMD...: CMD exits 2, prints nothing on stdout,
# and the first line on stderr matches PATTERN (extended regexp): the reason.
expect_usage_error() {
	local name=$1 pattern=$2 first='' problems=''
	shift 2
	run_cli "$name" "$@"
	IFS= read -r first <"$PW_TMP/$name.err" || true
	[ "$RC" -eq 2 ] || problems="exit status $RC, want 2"
	printf '%s\n' "$first" | grep -Eq -e "$pattern" ||
		problems="$problems${problems:+$'\n'}first stderr line '$first' does not match /$pattern/"
	[ ! -s "$PW_TMP/$name.out" ] ||
		problems="$problems${problems:+$'\n'}stdout: $(head -c 100 "$PW_TMP/$name.out")"
	pw_report "cli/$name" "$problems"
}

# expect_info NAME LINES PATTERN CMD...: CMD exits 0 and its stdout matches
# PATTERN (extended regexp) and, unless LINES is 0, has exactly LINES lines.
expect_info() {
	local name=$1 lines=$2 pattern=$3 problems='' n
	shift 3
	run_cli "$name" "$@"
	[ "$RC" -eq 0 ] || problems="exit status $RC, want 0"
	grep -Eq -e "$pattern" "$PW_TMP/$name.out" ||
		problems="$problems${problems:+$'\n'}no /$pattern/ on stdout: $(head -c 100 "$PW_TMP/$name.out")"
	n=$(wc -l <"$PW_TMP/$name.out")
	[ "$lines" -eq 0 ] || [ "$n" -eq "$lines" ] ||
		problems="$problems${problems:+$'\n'}$n lines on stdout, want $lines"
	pw_report "cli/$name" "$problems"
}

check_not_root() {
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	if ! command -v setpriv >/dev/null 2>&1; then
		pw_skip cli/not-root "missing command setpriv"
	elif ! "${nobody[@]}" test -x "$PW_PORTWARDEN"; then
		pw_skip cli/not-root "user 65534 cannot execute $PW_PORTWARDEN"
	else
		expect_usage_error not-root 'root' "${nobody[@]}" "$PW_PORTWARDEN" trace --cgroup "$BASE"
	fi
}

check_usage() {
	local pw=$PW_PORTWARDEN
	check_not_root
	expect_usage_error cgroup-missing "cgroup.*/nonexistent" "$pw" trace --cgroup /nonexistent
	# Exists, but is not a cgroup2 directory.
	expect_usage_error cgroup-not-cgroup2 "cgroup.*/proc" "$pw" trace --cgroup /proc
	expect_usage_error pid-invalid "pid.*abc" "$pw" trace --pid abc --cgroup "$BASE"
	expect_usage_error mode-invalid "mode.*bogus" "$pw" trace --mode bogus --cgroup "$BASE"
	expect_usage_error command-unknown "command.*frobnicate" "$pw" frobnicate
	expect_usage_error command-missing "[Cc][Oo][Mm][Mm][Aa][Nn][Dd]" "$pw"
	expect_info version 1 '^portwarden [0-9]+(\.[0-9]+)+' "$pw" --version
	expect_info trace-help 0 'Examples' "$pw" trace --help
}

# ---- tracer ---------------------------------------------------------------------

# start_tracer NAME ARGS...: pw_start_tracer cli/NAME, output in
# TRACE=$PW_TMP/NAME.trace.
start_tracer() {
	TRACE=$PW_TMP/$1.trace
	pw_start_tracer "cli/$1" "$TRACE" "${@:2}"
}

# stop_tracer NAME: pw_stop_tracer cli/NAME after events had time to cross
# the ring buffer.
stop_tracer() {
	sleep 1
	pw_stop_tracer "cli/$1"
}

# ---- SIGTERM ---------------------------------------------------------------------

# The tracer's own programs and links, from its file descriptors' fdinfo
# (programs: prog_id; links: link_id and prog_id), as {"progs": [ids],
# "links": [ids]}: exact even if another BPF tool runs meanwhile.
tracer_bpf_ids() {
	cat "/proc/$PW_TRACER/fdinfo/"* 2>/dev/null | jq -Rs '
		[splits("\n") | capture("^(?<k>prog_id|link_id):\\s+(?<v>[0-9]+)$")] as $kv
		| {progs: [$kv[] | select(.k == "prog_id") | .v | tonumber] | unique,
		   links: [$kv[] | select(.k == "link_id") | .v | tonumber] | unique}'
}

# bpf_state FILE: bpftool's programs and links as {"progs": [...], "links": [...]}.
bpf_state() {
	{ bpftool -j prog show && bpftool -j link show; } | jq -s '{progs: .[0], links: .[1]}' >"$1"
}

# loaded_problems STATE MINE: while tracing, bpftool must show the tracer's
# programs, by the names of bpf/trace.bpf.c, each attached by one of its
# links; else the check after exit would prove nothing.
loaded_problems() {
	jq -r --slurpfile m "$2" \
		--argjson bind "$(grep -q 'refused the cgroup bind hooks' "$TRACE.err" && echo false || echo true)" '
		$m[0] as $m
		| [.progs[] | select(.id as $i | $m.progs | index($i))] as $p
		| [$p[].name] as $names
		| if ($p | length) != ($m.progs | length) then "bpftool shows \($p | length) of its \($m.progs | length) programs" else empty end,
		  if ($names | map(select(test("^sys_(enter|exit)_"))) | length) != 12 then "\($names | tojson): want 12 sys_enter_/sys_exit_ programs" else empty end,
		  if ($names | index("state_btf") or index("state_tp")) | not then "no state_btf or state_tp program" else empty end,
		  if $bind and (($names | index("post_bind4") and index("post_bind6")) | not) then "no post_bind4/6 programs" else empty end,
		  ([.links[] | select(.id as $i | $m.links | index($i)) | select(.prog_id as $i | $m.progs | index($i))] | length
		   | if . != ($m.progs | length) then "\(.) links to its \($m.progs | length) programs" else empty end)' "$1"
}

# leftover_problems STATE MINE: none of the tracer's programs or links, nor a
# link to one of its programs, may outlive it.
leftover_problems() {
	jq -r --slurpfile m "$2" '
		$m[0] as $m
		| (.progs[] | select(.id as $i | $m.progs | index($i)) | "program \(.id) \(.name) still loaded"),
		  (.links[] | select((.id as $i | $m.links | index($i)) or (.prog_id as $i | $m.progs | index($i)))
		   | "link \(.id) (\(.type)) to program \(.prog_id) still there")' "$1"
}

# The programs named as in bpf/trace.bpf.c (the kernel keeps 15
# characters of a name, bpftool may show more), for a comment.
count_named() {
	jq '[.progs[] | select(.name as $n | ["state_btf", "state_tp", "post_bind4", "post_bind6"] | index($n)
		or ($n | test("^sys_(enter|exit)_")))] | length' "$1"
}

check_sigterm() {
	local s=$PW_TMP/bpf rc=0 problems i
	if ! command -v bpftool >/dev/null 2>&1; then
		pw_skip cli/sigterm "missing command bpftool"
		return
	fi
	bpf_state "$s.before"
	# Syscall mode and no --failed: every program of trace is loaded.
	start_tracer sigterm --mode syscall --cgroup "$BASE" || return 0
	tracer_bpf_ids >"$s.mine"
	bpf_state "$s.during"
	pw_report cli/sigterm-loaded "$(loaded_problems "$s.during" "$s.mine")"
	kill -s TERM "$PW_TRACER"
	if ! pw_wait_exit "$PW_TRACER" 5; then
		pw_stop "$PW_TRACER" KILL 1
		pw_fail cli/sigterm-exit "still running 5 s after SIGTERM"
	else
		wait "$PW_TRACER" || rc=$?
		pw_check cli/sigterm-exit "exit status $rc after SIGTERM" [ "$rc" -eq 0 ]
	fi
	# The kernel frees programs shortly after their last reference goes.
	for ((i = 0; i < 30; i++)); do
		bpf_state "$s.after"
		problems=$(leftover_problems "$s.after" "$s.mine")
		[ -n "$problems" ] || break
		sleep 0.1
	done
	pw_report cli/sigterm-detached "$problems"
	echo "# programs named as portwarden's: $(count_named "$s.before") before," \
		"$(count_named "$s.during") while tracing, $(count_named "$s.after") after"
}

# ---- --pid ------------------------------------------------------------------------

# start_gated NAME CGROUP ARGS...: portleak ARGS in CGROUP and its own 10-port
# netns, held before its first socket until release NAME; its pid (which
# stays the same through the execs) is known before it acts.
start_gated() {
	local name=$1 cg=$2 ns
	shift 2
	ns=$(pw_make_netns "$LOW" "$HIGH")
	mkfifo "$PW_TMP/$name.gate"
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner sh
	pw_run_in -o "$PW_TMP/$name.json" -e "$PW_TMP/$name.err" "$cg" "$ns" \
		sh -c 'read -r _ <"$1"; shift; exec "$@"' gate "$PW_TMP/$name.gate" \
		"$PW_PORTLEAK" "$@" --fail-extra "$FAIL_EXTRA" >"$PW_TMP/$name.pid"
}

# release NAME: let a gated workload go.
release() {
	# shellcheck disable=SC2016 # $1 belongs to the inner sh
	timeout 10 sh -c 'echo go >"$1"' release "$PW_TMP/$1.gate"
}

# finish NAME...: wait for each workload's JSON line and for it to exit.
finish() {
	local name ok=0
	for name; do
		pw_wait_portleak "$name" "cli/$name" exited || ok=1
	done
	return "$ok"
}

# Two identical failing workloads in one cgroup: only the chosen one shows.
check_pid() {
	local cg problems
	cg=$(pw_make_cgroup pid)
	start_gated chosen "$cg" tcp-connect --listen --comm pl-chosen
	start_gated other "$cg" tcp-connect --listen --comm pl-other
	start_tracer pid --json --failed --mode state --pid "$(cat "$PW_TMP/chosen.pid")" || return 0
	# A workload that never got the go shows as unfinished below.
	release chosen || true
	release other || true
	finish chosen other || true
	stop_tracer pid || return 0
	problems=$(jq -rs --slurpfile c "$PW_TMP/chosen.json" --slurpfile o "$PW_TMP/other.json" \
		--argjson n $((1 + FAIL_EXTRA)) '
		[.[] | select(.type == "event")] as $ev
		| ($c[0], $o[0] | select(.failed != $n) | "\(.comm) failed \(.failed) times, want \($n)"),
		  ([$ev[] | select(.pid == $c[0].pid and .op == "connect" and .errno == 99 and .comm == $c[0].comm)] | length
		   | if . != $n then "\(.) EADDRNOTAVAIL events from the chosen pid \($c[0].pid), want \($n)" else empty end),
		  ([$ev[] | select(.pid != $c[0].pid) | .pid] | unique[] | "events from pid \(.) (the other workload: \($o[0].pid))")
		' "$TRACE") || problems="jq failed on $TRACE"
	pw_report cli/pid-filter "$problems"
}

# ---- text output ------------------------------------------------------------------

# text_problems NAME COMM: the workload's 1 + FAIL_EXTRA lines in the text
# output, column by column. COMM is how the comm must look there.
text_problems() {
	W_PID=$(jq -r .pid "$PW_TMP/$1.json") W_COMM=$2 W_CGROUP=$REL_BASE/$1 \
		W_N=$((1 + FAIL_EXTRA)) awk '
		function want(col, v) { if ($col != v) bad["column " col " is \"" $col "\", want \"" v "\""] }
		$2 == ENVIRON["W_PID"] {
			n++
			if ($1 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9]$/) bad["time " $1]
			want(3, ENVIRON["W_COMM"]); want(4, "connect"); want(5, "tcp")
			want(6, "127.0.0.1:0"); want(7, "127.0.0.1:5001"); want(8, "EADDRNOTAVAIL")
			want(9, ENVIRON["W_CGROUP"])
			if (NF != 9) bad[NF " columns"]
		}
		END {
			if (n != ENVIRON["W_N"]) print n + 0 " lines for pid " ENVIRON["W_PID"] ", want " ENVIRON["W_N"]
			for (b in bad) print b
		}' "$TRACE"
}

check_text() {
	local header esc problems
	start_tracer text --failed --mode state --cgroup "$BASE" || return 0
	pw_start_portleak plain "$(pw_make_cgroup plain)" "$(pw_make_netns "$LOW" "$HIGH")" \
		tcp-connect --listen --comm pl-text --fail-extra "$FAIL_EXTRA"
	# ESC [ 3 1 m: a terminal would turn the rest red if it got this raw.
	pw_start_portleak esc "$(pw_make_cgroup esc)" "$(pw_make_netns "$LOW" "$HIGH")" \
		tcp-connect --listen --comm $'\e[31mred' --fail-extra "$FAIL_EXTRA"
	finish plain esc || true
	stop_tracer text || return 0

	header=$(head -n 1 "$TRACE")
	if [[ $header =~ ^TIME\ +PID\ +COMM\ +OP\ +PROTO\ +LOCAL\ +REMOTE\ +RESULT\ +CGROUP$ ]]; then
		pw_pass cli/text-header
	else
		pw_fail cli/text-header "first line is '$header'"
	fi
	pw_report cli/text-line "$(text_problems plain pl-text)"
	esc=$(tr -dc '\033' <"$TRACE" | wc -c)
	problems=$(
		text_problems esc '\x1b[31mred'
		[ "$esc" -eq 0 ] || echo "$esc raw ESC bytes on stdout"
	)
	pw_report cli/text-escape "$problems"
}

check_usage
check_sigterm
check_pid
check_text
pw_done
