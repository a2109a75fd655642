# shellcheck shell=bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Helpers sourced by the root-tier tests: result lines, skips, private cgroups
# and network namespaces, background processes, the workloads and portwarden
# itself started in the background (pw_start_portleak, pw_start_cmd,
# pw_start_tracer, pw_start_run, pw_start_guard) and waited for, and one EXIT
# trap undoing it all.
#
# Use from a bash test:   . "$(dirname "$0")/lib.sh"
#
# Everything a helper creates is recorded in a state directory rather than in
# shell variables, so helpers also work inside $(...) subshells; the cleanup
# runs once, in the test's main shell, on any exit (normal, error, signal).
# Do not set your own EXIT trap: register commands with pw_on_exit instead.
# PW_KEEP=DIR copies the scratch directory ($PW_TMP) there before removal.
#
# Result lines on stdout, one per case, as the runner expects:
#   PASS: <name>   FAIL: <name>: <reason>   SKIP: <name>: <reason>

PW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PW_OUTPUT=${OUTPUT:-.output}
case $PW_OUTPUT in /*) ;; *) PW_OUTPUT=$PW_ROOT/$PW_OUTPUT ;; esac
# shellcheck disable=SC2034 # read by the tests
PW_PORTLEAK=$PW_OUTPUT/tests/workloads/portleak
# shellcheck disable=SC2034 # read by the tests; PORTWARDEN=path overrides
PW_PORTWARDEN=${PORTWARDEN:-$PW_ROOT/portwarden}
PW_TEST=${PW_TEST:-$(basename "$0" .sh)}
PW_TEST=${PW_TEST#test-}
PW_MAIN_PID=$$
PW_STATE=$(mktemp -d "${TMPDIR:-/tmp}/portwarden-test.$$.XXXXXX") || exit 1
# Scratch space for the test's own files; removed with everything else.
PW_TMP=$PW_STATE/tmp
mkdir "$PW_TMP" || exit 1

# ---- results ---------------------------------------------------------------

pw_pass() { # NAME
	echo "PASS: $1"
}

pw_fail() { # NAME REASON
	echo "FAIL: $1: $2"
	: >"$PW_STATE/failed"
}

# pw_report NAME PROBLEMS: PASS when PROBLEMS (newline-separated) is empty,
# else FAIL with its first 8 lines as the reason.
pw_report() {
	if [ -z "$2" ]; then
		pw_pass "$1"
	else
		pw_fail "$1" "$(echo "$2" | head -n 8 | paste -sd ';' | sed 's/;/; /g')"
	fi
}

pw_skip() { # NAME REASON
	echo "SKIP: $1: $2"
}

# pw_check NAME REASON CMD...: PASS if CMD succeeds, else FAIL with REASON.
pw_check() {
	local name=$1 reason=$2
	shift 2
	if "$@"; then
		pw_pass "$name"
	else
		pw_fail "$name" "$reason"
	fi
}

# Ends the test: status 1 if any pw_fail was reported, else 0.
pw_done() {
	[ ! -e "$PW_STATE/failed" ]
	exit $?
}

# ---- requirements: each prints one SKIP line for the whole test and exits 0 --

pw_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		pw_skip "$PW_TEST" "not root"
		exit 0
	fi
}

pw_require_bpf() {
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		pw_skip "$PW_TEST" "no kernel BTF (/sys/kernel/btf/vmlinux)"
		exit 0
	fi
}

pw_require_cmd() { # CMD...
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			pw_skip "$PW_TEST" "missing command $c"
			exit 0
		fi
	done
}

pw_require_cgroup2() {
	if ! pw_cgroup2_mount >/dev/null; then
		pw_skip "$PW_TEST" "no cgroup2 mount"
		exit 0
	fi
}

pw_require_file() { # FILE WHAT: skip unless FILE is executable
	if [ ! -x "$1" ]; then
		pw_skip "$PW_TEST" "$2 not built"
		exit 0
	fi
}

# pw_require_portwarden [CMD...]: what a test of portwarden on this kernel
# needs: root, ip, jq and CMD..., a cgroup2 mount, ./portwarden and portleak
# built, kernel BTF.
# shellcheck disable=SC2120 # CMD is optional
pw_require_portwarden() {
	pw_require_root
	pw_require_cmd ip jq "$@"
	pw_require_cgroup2
	pw_require_file "$PW_PORTWARDEN" portwarden
	pw_require_bpf
	pw_require_file "$PW_PORTLEAK" portleak
}

# ---- waiting ----------------------------------------------------------------

# pw_wait_for_file_line FILE PATTERN TIMEOUT_SEC: poll until grep (basic
# regexp) matches a line of FILE; return 1 on timeout.
pw_wait_for_file_line() {
	local file=$1 pattern=$2 deadline=$((SECONDS + $3))
	while ! grep -q -e "$pattern" "$file" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# pw_wait_ready PID FILE PATTERN TIMEOUT_SEC: as pw_wait_for_file_line, but
# also 1 as soon as PID is gone (a process that died will not say it is ready).
pw_wait_ready() {
	local pid=$1 file=$2 pattern=$3 deadline=$((SECONDS + $4))
	until grep -q -e "$pattern" "$file" 2>/dev/null; do
		if ! pw_pid_alive "$pid" || [ "$SECONDS" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
}

# ---- processes --------------------------------------------------------------
# A pid is only ever signalled after checking its start time, so a pid the
# kernel has reused for someone else's process is never touched.

# pw_pid_start PID: echo the process start time (clock ticks since boot).
pw_pid_start() {
	local stat rest
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${stat##*) } # comm may hold spaces and ')'
	read -r -a rest <<<"$rest"
	echo "${rest[19]}"
}

# pw_map_id PID NAME: the id of the BPF map NAME (as bpftool shows it,
# truncated to 15 characters by the kernel) that process PID holds open.
pw_map_id() {
	local f id
	for f in /proc/"$1"/fdinfo/*; do
		id=$(awk '/^map_id:/ { print $2 }' "$f" 2>/dev/null) || continue
		[ -n "$id" ] || continue
		if bpftool map show id "$id" 2>/dev/null | grep -q " name $2 "; then
			echo "$id"
			return 0
		fi
	done
	return 1
}

# pw_pid_alive PID [START]: running (not a zombie) and, if given, same start time.
pw_pid_alive() {
	local stat rest
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${stat##*) }
	read -r -a rest <<<"$rest"
	[ "${rest[0]}" != Z ] && [ "${rest[0]}" != X ] || return 1
	[ -z "${2:-}" ] || [ "${rest[19]}" = "$2" ]
}

# pw_track_pid PID: kill this process on exit (if it is still the same one).
pw_track_pid() {
	local start
	start=$(pw_pid_start "$1") || start=-
	echo "$1 $start" >>"$PW_STATE/pids"
}

# pw_prog_ids PID: the ids of the BPF programs PID holds, by fd or by link.
pw_prog_ids() {
	awk '$1 == "prog_id:" { print $2 }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un
}

# pw_prog_links PID PROGRAM: how many links to the program named PROGRAM PID holds.
pw_prog_links() {
	local fd id n=0
	for fd in /proc/"$1"/fdinfo/*; do
		grep -q '^link_type:' "$fd" 2>/dev/null || continue
		id=$(awk '$1 == "prog_id:" { print $2 }' "$fd")
		[ -n "$id" ] && [ "$(bpftool prog show id "$id" -j 2>/dev/null | jq -r .name)" = "$2" ] &&
			n=$((n + 1))
	done
	echo "$n"
}

# pw_map_entries PID MAP: entries in the BPF map named MAP that PID holds
# (the first such map; nothing when it holds none).
pw_map_entries() {
	local fd id
	for fd in /proc/"$1"/fdinfo/*; do
		id=$(awk '$1 == "map_id:" { print $2 }' "$fd" 2>/dev/null)
		if [ -n "$id" ] && [ "$(bpftool map show id "$id" -j 2>/dev/null | jq -r .name)" = "$2" ]; then
			bpftool map dump id "$id" -j 2>/dev/null | jq length
			return
		fi
	done
}

# pw_wait_exit PID TIMEOUT_SEC: wait until PID has exited; 1 on timeout.
pw_wait_exit() {
	local deadline=$((SECONDS + $2))
	while pw_pid_alive "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# pw_stop PID [SIGNAL] [TIMEOUT_SEC]: signal a tracked process (default TERM),
# SIGKILL it if it outlives TIMEOUT (default 5), and reap it if it is our child.
pw_stop() {
	local pid=$1 sig=${2:-TERM} timeout=${3:-5} start
	start=$(awk -v p="$pid" '$1 == p { print $2 }' "$PW_STATE/pids" 2>/dev/null | tail -n 1)
	case $start in '' | -) return 1 ;; esac
	if pw_pid_alive "$pid" "$start"; then
		kill -s "$sig" "$pid" 2>/dev/null || true # it may have just exited
		if ! pw_wait_exit "$pid" "$timeout" && pw_pid_alive "$pid" "$start"; then
			kill -s KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

# Execs the wrapper that joins cgroup $1 and netns $2, then execs $3...
# A cgroup path past PATH_MAX is reached one directory at a time.
pw__spawn() {
	# shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
	exec sh -c 'cg=$1 ns=$2; shift 2
		if [ -n "$cg" ] && ! echo $$ 2>/dev/null >"$cg/cgroup.procs"; then
			(set -f; IFS=/; cd / && for d in $cg; do [ -z "$d" ] || cd -P "./$d" || exit 1; done &&
				echo $$ >cgroup.procs) || exit 125
		fi
		case $ns in "" | -) exec "$@" ;; esac
		exec ip netns exec "$ns" "$@"' pw_run_in "$@"
}

# pw_run_in [-o OUT] [-e ERR] CGROUP_PATH NETNS CMD...: start CMD in the
# background inside CGROUP_PATH (a directory; "" keeps ours) and NETNS ("" or
# "-" keeps ours); echo its pid, which stays CMD's pid (every step execs),
# and also set PW_PID to it. stdout goes to OUT (default /dev/null, so that
# pid=$(pw_run_in ...) returns at once), stderr to ERR (default: ours), stdin
# is /dev/null. Called as pid=$(...), CMD outlives the subshell and init reaps
# it; called directly (pw_run_in ... >/dev/null; pid=$PW_PID) it stays our
# child, so pw_stop and wait can reap it and get its exit status.
pw_run_in() {
	local out=/dev/null err='' opt OPTIND=1 pid
	while getopts o:e: opt; do
		case $opt in
		o) out=$OPTARG ;;
		e) err=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ -n "$err" ]; then
		pw__spawn "$@" </dev/null >"$out" 2>"$err" &
	else
		pw__spawn "$@" </dev/null >"$out" &
	fi
	pid=$!
	# shellcheck disable=SC2034 # read by the caller
	PW_PID=$pid
	pw_track_pid "$pid"
	echo "$pid"
}

# ---- workloads ----------------------------------------------------------------

# pw_start_portleak NAME CGROUP NETNS ARGS...: portleak ARGS in the background
# in CGROUP (a directory; "" keeps ours) and NETNS, as pw_run_in; its stdout
# (the JSON line it writes once its tries are done) in $PW_TMP/NAME.json,
# stderr in NAME.err, its pid in NAME.pid and PW_PID. It stays our child.
pw_start_portleak() {
	local name=$1 cg=$2 ns=$3
	shift 3
	pw_run_in -o "$PW_TMP/$name.json" -e "$PW_TMP/$name.err" "$cg" "$ns" \
		"$PW_PORTLEAK" "$@" >"$PW_TMP/$name.pid"
}

# pw_wait_portleak NAME FAIL_NAME [exited]: until portleak NAME (started by
# pw_start_portleak) has written its JSON line and, with "exited", has exited,
# 30 s each; else a FAIL line FAIL_NAME with the start of its stderr, and 1.
pw_wait_portleak() {
	local name=$1
	if ! pw_wait_for_file_line "$PW_TMP/$name.json" '^{' 30; then
		pw_fail "$2" "$name wrote no JSON line within 30 s: $(head -c 300 "$PW_TMP/$name.err")"
		return 1
	fi
	if [ "${3:-}" = exited ] && ! pw_wait_exit "$(cat "$PW_TMP/$name.pid")" 30; then
		pw_fail "$2" "$name still running 30 s after its JSON line: $(head -c 300 "$PW_TMP/$name.err")"
		return 1
	fi
}

# pw_start_cmd KEY CGROUP NETNS CMD...: CMD in the background in CGROUP and
# NETNS, as pw_run_in but from a subshell, so that init reaps it and the shell
# reports nothing when it is killed (pw_stop still works); stdout to
# $PW_TMP/KEY.out, stderr to KEY.err, its pid in KEY.pid, its start time in
# KEY.start ("-" when it is already gone: see pw_pid_alive).
pw_start_cmd() {
	local key=$1 pid
	shift
	pid=$(pw_run_in -o "$PW_TMP/$key.out" -e "$PW_TMP/$key.err" "$@")
	echo "$pid" >"$PW_TMP/$key.pid"
	pw_pid_start "$pid" >"$PW_TMP/$key.start" || echo - >"$PW_TMP/$key.start"
}

# ---- portwarden trace and run --------------------------------------------------

# pw_start_tracer NAME OUT ARGS...: `portwarden trace ARGS` in the background
# with SIGINT and SIGTERM at their defaults (a background job of a
# non-interactive shell starts with SIGINT ignored); stdout to OUT, stderr to
# OUT.err; PW_TRACER is its pid, PW_TRACER_OUT is OUT. Once it says "Tracing" on stderr returns 0;
# if it exits first or takes over 30 s, a FAIL line NAME with its stderr's
# last lines (libbpf's left out), SIGKILL, and 1.
pw_start_tracer() {
	local name=$1 out=$2
	shift 2
	env --default-signal=INT,TERM "$PW_PORTWARDEN" trace "$@" </dev/null >"$out" 2>"$out.err" &
	PW_TRACER=$!
	PW_TRACER_OUT=$out
	pw_track_pid "$PW_TRACER"
	pw_wait_ready "$PW_TRACER" "$out.err" Tracing 30 && return 0
	pw_fail "$name" "no 'Tracing' on stderr: $(grep -v '^libbpf: ' "$out.err" | tail -c 300)"
	pw_stop "$PW_TRACER" KILL 1
	return 1
}

# pw_stop_tracer NAME: SIGINT to PW_TRACER, which must exit with status 0
# within 15 s. Returns 0 when it did (no result line: the caller reports);
# else a FAIL line NAME and 1 when it had to be SIGKILLed, 2 for another
# exit status.
pw_stop_tracer() {
	local rc=0
	kill -s INT "$PW_TRACER"
	if ! pw_wait_exit "$PW_TRACER" 15; then
		pw_stop "$PW_TRACER" KILL 1
		pw_fail "$1" "still running 15 s after SIGINT"
		return 1
	fi
	wait "$PW_TRACER" || rc=$?
	[ "$rc" -ne 0 ] || return 0
	pw_fail "$1" "exit status $rc after SIGINT: $(tail -c 300 "$PW_TRACER_OUT.err")"
	return 2
}

# pw_start_run NAME FILES ARGS...: `portwarden run ARGS --log FILES.jsonl` in
# the background (stderr in FILES.err); PW_DAEMON is its pid. Once its start
# record is logged returns 0; if it exits first or takes over 30 s, a FAIL
# line NAME and 1. Without --socket in ARGS, --no-socket: tests never share
# the host's /run/portwarden/portwarden.sock. Without --incidents in ARGS,
# --no-incidents: nor do they write the host's /var/lib/portwarden/incidents.
pw_start_run() {
	local name=$1 files=$2 socket=--no-socket incidents=--no-incidents
	shift 2
	case " $* " in *" --socket "* | *" --no-socket "*) socket= ;; esac
	case " $* " in *" --incidents "* | *" --no-incidents "*) incidents= ;; esac
	"$PW_PORTWARDEN" run ${socket:+"$socket"} ${incidents:+"$incidents"} "$@" \
		--log "$files.jsonl" </dev/null >/dev/null 2>"$files.err" &
	PW_DAEMON=$!
	pw_track_pid "$PW_DAEMON"
	pw_wait_ready "$PW_DAEMON" "$files.jsonl" '"event":"start"' 30 && return 0
	if pw_pid_alive "$PW_DAEMON"; then
		pw_fail "$name" "no start record within 30 s: $(tail -c 300 "$files.err")"
	else
		pw_fail "$name" "exited without a start record: $(tail -c 300 "$files.err")"
	fi
	return 1
}

# pw_start_guard NAME ARGS...: pw_start_run NAME/start $PW_TMP/run --enforce
# ARGS (log in $PW_TMP/run.jsonl, stderr in run.err); PW_GUARD is its pid.
pw_start_guard() {
	local name=$1 rc=0
	shift
	pw_start_run "$name/start" "$PW_TMP/run" --enforce "$@" || rc=$?
	# shellcheck disable=SC2034 # read by the tests
	PW_GUARD=$PW_DAEMON
	return "$rc"
}

# pw_probe_connect NETNS PORT: PROBLEMS unless a fresh client connects to
# 127.0.0.1:PORT in NETNS within 10 tries a second apart (ports a stopped
# process held may take a moment to come back).
pw_probe_connect() {
	local ns=$1 port=$2 out=$PW_TMP/probe.json rc
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rc=0
		ip netns exec "$ns" "$PW_PORTLEAK" tcp-connect --port "$port" --count 1 --fail-extra 0 \
			--comm pl-probe >"$out" 2>&1 || rc=$?
		! jq -e '.ok == 1' "$out" >/dev/null 2>&1 || return 0
		sleep 1
	done
	jq -r --argjson rc "$rc" '"probe: ok \(.ok), \(.errname), exit \($rc)"' "$out" 2>/dev/null ||
		echo "probe: no result (exit $rc): $(head -c 200 "$out")"
}

# ---- cgroups ----------------------------------------------------------------

# pw_cgroup2_mount: echo where cgroup2 is mounted (first cgroup2 in mountinfo).
pw_cgroup2_mount() {
	local dir
	dir=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo) || return 1
	[ -n "$dir" ] || return 1
	printf '%b\n' "$dir" # mountinfo escapes spaces etc. as \040
}

# pw_cgroup_base: create (once) and echo this test's parent cgroup,
# $CG2/portwarden-test.<test pid>; everything below it is removed on exit.
pw_cgroup_base() {
	local cg2 base
	cg2=$(pw_cgroup2_mount) || return 1
	base=$cg2/portwarden-test.$PW_MAIN_PID
	echo "$base" >"$PW_STATE/cgroup_base"
	mkdir -p "$base" || return 1
	echo "$base"
}

# pw_make_cgroup NAME: create $CG2/portwarden-test.<test pid>/NAME, echo its path.
pw_make_cgroup() {
	local base
	base=$(pw_cgroup_base) || return 1
	mkdir -p "$base/$1" || return 1
	echo "$base/$1"
}

# pw_cgroup_relpath PATH: PATH relative to the cgroup2 mount, starting with "/".
pw_cgroup_relpath() {
	local cg2
	cg2=$(pw_cgroup2_mount) || return 1
	echo "/${1#"$cg2"/}"
}

# ---- network namespaces -----------------------------------------------------

# pw_make_netns [LOW HIGH]: create netns portwarden-test-<test pid>-N with lo up
# and, if given, net.ipv4.ip_local_port_range set to LOW HIGH; echo its name.
pw_make_netns() {
	local n name
	n=1
	[ ! -r "$PW_STATE/netns" ] || n=$(($(wc -l <"$PW_STATE/netns") + 1))
	name=portwarden-test-$PW_MAIN_PID-$n
	echo "$name" >>"$PW_STATE/netns" # before creating: a half-made one is cleaned too
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up || return 1
	if [ $# -ge 2 ]; then
		# /proc/sys/net shows the netns of the task reading it.
		# shellcheck disable=SC2016 # $1 and $2 belong to the inner sh
		ip netns exec "$name" sh -c 'echo "$1 $2" >/proc/sys/net/ipv4/ip_local_port_range' \
			pw "$1" "$2" || return 1
	fi
	echo "$name"
}

# pw_netns_port_range NETNS: echo "LOW HIGH" as the kernel sees it there.
pw_netns_port_range() {
	ip netns exec "$1" cat /proc/sys/net/ipv4/ip_local_port_range | tr -s ' \t' '  '
}

# ---- cleanup ----------------------------------------------------------------

# pw_on_exit CMD: eval CMD during cleanup, before the built-in steps (LIFO).
pw_on_exit() {
	echo "$1" >>"$PW_STATE/hooks"
}

pw__kill_tracked() {
	local pid start live=()
	[ -r "$PW_STATE/pids" ] || return 0
	while read -r pid start; do
		if [ "$start" = - ] || ! pw_pid_alive "$pid" "$start"; then
			continue
		fi
		kill -s TERM "$pid" 2>/dev/null && live+=("$pid $start")
	done <"$PW_STATE/pids"
	for pid in "${live[@]}"; do
		read -r pid start <<<"$pid"
		pw_wait_exit "$pid" 5 || { pw_pid_alive "$pid" "$start" && kill -s KILL "$pid" 2>/dev/null; }
		wait "$pid" 2>/dev/null # reaps it if it is our child
	done
}

# Everything inside our cgroups was put there by us (or is a descendant of such
# a process), so it may all be killed; then the directories go, deepest first.
pw__remove_cgroups() {
	local base dir pid i
	base=$(cat "$PW_STATE/cgroup_base" 2>/dev/null) || return 0
	case $base in */portwarden-test.[0-9]*) ;; *) return 0 ;; esac
	[ -d "$base" ] || return 0
	if [ -w "$base/cgroup.kill" ]; then
		echo 1 >"$base/cgroup.kill"
	else
		find "$base" -type d | while read -r dir; do
			while read -r pid; do kill -s KILL "$pid" 2>/dev/null; done <"$dir/cgroup.procs"
		done
	fi
	for ((i = 0; i < 100; i++)); do
		grep -q '^populated 0' "$base/cgroup.events" 2>/dev/null && break
		sleep 0.1
	done
	find "$base" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$base" ] || echo "lib.sh: could not remove cgroup $base" >&2
}

pw__remove_netns() {
	local name
	[ -r "$PW_STATE/netns" ] || return 0
	while read -r name; do
		case $name in portwarden-test-"$PW_MAIN_PID"-*) ;; *) continue ;; esac
		[ -e "/run/netns/$name" ] || continue
		ip netns del "$name" || echo "lib.sh: could not delete netns $name" >&2
	done <"$PW_STATE/netns"
}

# The EXIT trap. Idempotent, never stops half-way, keeps the exit status.
pw_cleanup() {
	local rc=$? cmd
	[ "$BASHPID" = "$PW_MAIN_PID" ] || return "$rc"
	[ -z "${PW_CLEANED:-}" ] || return "$rc"
	PW_CLEANED=1
	set +e
	trap '' INT TERM
	if [ -r "$PW_STATE/hooks" ]; then
		while read -r cmd; do eval "$cmd"; done < <(tac "$PW_STATE/hooks")
	fi
	pw__kill_tracked
	pw__remove_cgroups
	pw__remove_netns
	# PW_KEEP=DIR keeps the test's scratch files for a post-mortem.
	if [ -n "${PW_KEEP:-}" ]; then
		mkdir -p "$PW_KEEP" && cp -a "$PW_TMP/." "$PW_KEEP/"
	fi
	rm -rf "$PW_STATE"
	exit "$rc"
}

trap pw_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
