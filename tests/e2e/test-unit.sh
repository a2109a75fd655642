#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks scripts/systemd/portwarden.service. systemd is not PID 1 here, so the
# pieces are tested one by one:
#
#  verify    `systemd-analyze verify` accepts the unit (rendered with ExecStart
#            pointing at a copy of ./portwarden: verify wants the binary to
#            exist; --man=no: the man page may not be installed yet).
#  security  `systemd-analyze security --offline=true` gives an exposure no
#            worse than MAX_EXPOSURE, the figure README states.
#  filter    the unit's SystemCallFilter= (parsed from the unit, groups
#            expanded by this machine's `systemd-analyze syscall-filter`, and
#            @default, which systemd adds to every allow list) holds what the
#            ladder calls: bpf, perf_event_open, pidfd_open, pidfd_send_signal,
#            setns, open_by_handle_at, kill.
#  ladder    `portwarden run --enforce` under that filter (seccomp-exec: an
#            allow list, EPERM for anything else, as SystemCallErrorNumber=EPERM)
#            and the unit's CapabilityBoundingSet= (setpriv), guarding its own
#            cgroup and netns, walks the whole ladder: a TCP leaker ignoring
#            SIGTERM, of uid 65534 (signalling it needs CAP_KILL) in a netns
#            no file names (entering it needs CAP_SYS_PTRACE), is
#            quarantined, SIGTERMed, SIGKILLed; a leaker of 3 forked
#            children ignoring SIGTERM is stopped through its cgroup (SIGTERM
#            to each, then cgroup.kill). Every action succeeded (no "refused",
#            no "failed"), each has a result with exited true, the daemon
#            stops with status 0 (not SIGSYS) and its stderr has no EPERM.
#  no-bpf    negative control, same filter without bpf: run exits at once,
#            not 0, saying so: the filter is applied.
#  no-pidfd-signal  negative control, same filter without pidfd_send_signal:
#            the leaker is quarantined, but its SIGTERM and SIGKILL fail and
#            it keeps running.
#
# Timing, from tests/fixtures/run.conf: a leak of 20 ports/s is named ~25 s
# after it starts; quarantine, SIGTERM 3 s later, SIGKILL 3 s after that.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden systemd-analyze setpriv unshare timeout ss
# PW_UNIT=FILE tests another unit (to measure what a setting is needed for)
UNIT=${PW_UNIT:-$PW_ROOT/scripts/systemd/portwarden.service}
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
SECCOMP_EXEC=$PW_OUTPUT/tests/workloads/seccomp-exec
pw_require_file "$GUARDLEAK" guardleak
pw_require_file "$SECCOMP_EXEC" seccomp-exec

# README "Running under systemd" states this figure: a change to the unit that
# raises it must raise it there too.
MAX_EXPOSURE=3.1
CONF=$PW_ROOT/tests/fixtures/run.conf
PORT=5001
LOW=40000
HIGH=41999
RATE=20
LIMIT=100 # s from the leakers' start; unstopped they exhaust their pool at ~100 s

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")

# ---- the unit --------------------------------------------------------------------

# unit_values KEY: the values of every KEY= line of the unit, one per line.
unit_values() {
	sed -n "s/^$1=//p" "$UNIT"
}

# expand NAME...: system call names, each @group expanded recursively by
# this machine's systemd.
expand() {
	local n
	for n in "$@"; do
		case $n in
		@*)
			# shellcheck disable=SC2046 # one name per word
			expand $(systemd-analyze syscall-filter --no-pager "$n" | tail -n +2 |
				sed -e 's/#.*//' -e 's/^[[:space:]]*//' | grep -v '^$')
			;;
		*) echo "$n" ;;
		esac
	done
}

# The unit's filter as systemd builds it: the allow lines and @default, less
# the deny (~) lines.
unit_syscalls() {
	local allow deny
	# shellcheck disable=SC2046 # one name per word
	allow=$(expand @default $(unit_values SystemCallFilter | grep -v '^~') | sort -u)
	# shellcheck disable=SC2046
	deny=$(expand $(unit_values SystemCallFilter | sed -n 's/^~//p') | sort -u)
	comm -23 <(echo "$allow") <(echo "$deny" | grep -v '^$' || true)
}

# setpriv's --bounding-set from CapabilityBoundingSet=: -all,+sys_admin,...
bounding_set() {
	echo "-all$(unit_values CapabilityBoundingSet | tr ' ' '\n' | grep . |
		sed -e 's/^CAP_//' | tr '[:upper:]' '[:lower:]' | sed 's/^/,+/' | tr -d '\n')"
}

check_verify() {
	local dir=$PW_TMP/verify problems
	mkdir -p "$dir/bin"
	cp "$PW_PORTWARDEN" "$dir/bin/portwarden"
	sed "s|^ExecStart=/usr/sbin/portwarden |ExecStart=$dir/bin/portwarden |" "$UNIT" \
		>"$dir/portwarden.service"
	problems=$(
		grep -q "^ExecStart=$dir/bin/portwarden " "$dir/portwarden.service" ||
			echo "no ExecStart=/usr/sbin/portwarden ... line to render"
		systemd-analyze verify --man=no "$dir/portwarden.service" 2>&1 || echo "verify failed"
	)
	pw_report unit/verify "$problems"
}

check_security() {
	local out figure
	out=$(systemd-analyze security --offline=true --no-pager "$PW_TMP/verify/portwarden.service" 2>&1 || true)
	figure=$(echo "$out" | sed -n 's/.*Overall exposure level for portwarden.service: \([0-9.]*\).*/\1/p')
	echo "# exposure $figure"
	if [ -z "$figure" ]; then
		pw_fail unit/security "no exposure figure: $(echo "$out" | tail -n 2)"
	elif awk -v f="$figure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(f > m) }'; then
		pw_fail unit/security "exposure $figure, over $MAX_EXPOSURE; exposed: $(echo "$out" | grep '^✗' | awk '{ print $2 }' | paste -sd ' ')"
	else
		pw_pass unit/security
	fi
}

check_filter() {
	local n problems
	unit_syscalls >"$PW_TMP/filter.list"
	problems=$(for n in bpf perf_event_open pidfd_open pidfd_send_signal setns open_by_handle_at kill \
		execve; do
		grep -qx "$n" "$PW_TMP/filter.list" || echo "$n not allowed"
	done
	[ "$(unit_values SystemCallErrorNumber)" = EPERM ] || echo "SystemCallErrorNumber is not EPERM")
	echo "# filter: $(wc -l <"$PW_TMP/filter.list") names; bounding set $(bounding_set)"
	pw_report unit/filter "$problems"
}

# ---- the guarded workloads -----------------------------------------------------------

# wrapper NAME LIST: an executable $PW_TMP/NAME that runs portwarden under the
# unit's bounding set and the seccomp allow list LIST (each step execs: its pid
# is portwarden's).
wrapper() {
	cat >"$PW_TMP/$1" <<EOF
#!/bin/sh
exec setpriv --bounding-set '$(bounding_set)' --inh-caps=-all \\
	'$SECCOMP_EXEC' '$2' '$PW_ROOT/portwarden' "\$@"
EOF
	chmod +x "$PW_TMP/$1"
	echo "$PW_TMP/$1"
}

# make_ns KEY: a netns of 2000 ports with a listener on PORT that never
# accepts (cgroup srv-KEY).
make_ns() {
	local ns
	ns=$(pw_make_netns "$LOW" "$HIGH")
	echo "$ns" >"$PW_TMP/$1.ns"
	pw_run_in "$(pw_make_cgroup "srv-$1")" "$ns" \
		"$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
	for _ in $(seq 100); do
		[ -z "$(ip netns exec "$ns" ss -Htln "sport = :$PORT")" ] || return 0
		sleep 0.1
	done
	pw_fail unit/setup "no listener in netns $1"
	exit 1
}

# start_unnamed KEY PHASE ARGS... [--user UID]: as start, but in a netns of
# its own that no file names (unshare -n: no /run/netns entry), of 2000 ports,
# with a listener on PORT beside it: portwarden reaches it only through
# /proc/PID/ns/net, which another user's process opens only to CAP_SYS_PTRACE.
start_unnamed() {
	local key=$1 phase=$2 as=()
	shift 2
	if [ "${*: -2:1}" = --user ]; then
		as=(setpriv --reuid="${*: -1}" --regid="${*: -1}" --clear-groups)
		set -- "${@:1:$(($# - 2))}"
	fi
	# shellcheck disable=SC2016 # expanded by the inner sh
	pw_start_cmd "$key" "$(pw_make_cgroup "$phase/$key")" "" unshare -n sh -c '
		ip link set lo up && echo "$1 $2" >/proc/sys/net/ipv4/ip_local_port_range || exit 1
		"$3" listen --port "$4" --hold 3600 --comm pl-srv >/dev/null &
		n=0
		until [ -n "$(ss -Htln "sport = :$4")" ]; do
			[ $n -lt 100 ] || exit 1
			sleep 0.1
			n=$((n + 1))
		done
		shift 4
		exec "$@"' sh "$LOW" "$HIGH" "$PW_PORTLEAK" "$PORT" "${as[@]}" "$GUARDLEAK" "$@"
}

# start KEY PHASE ARGS... [--user UID]: guardleak ARGS in cgroup PHASE/KEY and
# KEY's netns, as root or, with --user, as UID (setpriv execs: same pid).
start() {
	local key=$1 phase=$2 as=()
	shift 2
	if [ "${*: -2:1}" = --user ]; then
		as=(setpriv --reuid="${*: -1}" --regid="${*: -1}" --clear-groups)
		set -- "${@:1:$(($# - 2))}"
	fi
	pw_start_cmd "$key" "$(pw_make_cgroup "$phase/$key")" "$(cat "$PW_TMP/$key.ns")" \
		"${as[@]}" "$GUARDLEAK" "$@"
}

pid_of() {
	cat "$PW_TMP/$1.pid"
}

# pids KEY: the leaking pids (the children, for the fork leaker).
pids() {
	if grep -q '^parent ' "$PW_TMP/$1.out" 2>/dev/null; then
		grep -o '^start pid=[0-9]*' "$PW_TMP/$1.out" | cut -d= -f2
	else
		pid_of "$1"
	fi
}

# alive KEY: one of its processes runs.
alive() {
	local pid
	for pid in $(pid_of "$1") $(pids "$1"); do
		! pw_pid_alive "$pid" || return 0
	done
	return 1
}

# records LOG KEY PHASE: the records about KEY's pids or its cgroup.
records() {
	jq -c --argjson pids "[$(pids "$2" | paste -sd,)]" --arg cg "$REL/$3/$2" '
		select((.pid as $p | $pids | index($p)) or .cgroup == $cg)' "$1" 2>/dev/null
}

# stopped LOG KEY PHASE: gone, and a result for each term or kill.
# shellcheck disable=SC2317 # called through wait_until
stopped() {
	! alive "$2" && records "$@" | jq -e -s '
		([.[] | select(.event == "action" and (.action == "term" or .action == "kill"))] | length) as $n
		| $n > 0 and ([.[] | select(.event == "result")] | length) >= $n' >/dev/null
}

# wait_until CMD...: until CMD holds or LIMIT s since START_S.
wait_until() {
	while [ $(($(date +%s) - START_S)) -lt "$LIMIT" ]; do
		! "$@" || return 0
		sleep 0.5
	done
	return 1
}

# run_guard NAME LIST: portwarden run --enforce under LIST, guarding BASE/NAME.
run_guard() {
	PW_PORTWARDEN=$(wrapper "$1.sh" "$2") pw_start_run "unit/$1-start" "$PW_TMP/$1" \
		--enforce --cgroup "$BASE/$1" --config "$CONF" || return 1
	GUARD=$PW_DAEMON
}

# stop_guard NAME: SIGTERM; PROBLEMS in NAME.stop unless it exits 0 within
# 15 s. Not from a subshell: wait needs the shell that started it.
stop_guard() {
	local rc=0
	: >"$PW_TMP/$1.stop"
	kill -s TERM "$GUARD"
	if ! pw_wait_exit "$GUARD" 15; then
		echo "still running 15 s after SIGTERM" >"$PW_TMP/$1.stop"
		return
	fi
	wait "$GUARD" || rc=$?
	[ "$rc" -eq 0 ] ||
		echo "exit status $rc after SIGTERM$([ "$rc" -ne 159 ] || echo ' (SIGSYS)')" >"$PW_TMP/$1.stop"
}

# ---- the ladder under the filter -------------------------------------------------------

# actions LOG KEY PHASE: "action scope: detail" per action, one line each.
actions() {
	records "$@" | jq -r 'select(.event == "action") | "\(.action) \(.scope): \(.detail)"'
}

check_ladder() {
	local log=$PW_TMP/ladder.jsonl problems
	pw_make_cgroup ladder >/dev/null
	make_ns fork
	run_guard ladder "$PW_TMP/filter.list" || return 0
	START_S=$(date +%s)
	# another user's: its signals need CAP_KILL; its netns has no name
	start_unnamed tcp ladder tcp --rate "$RATE" --ignore-term --user 65534
	start fork ladder tcp --rate 7 --ignore-term --children 3
	if wait_until stopped "$log" tcp ladder; then
		wait_until stopped "$log" fork ladder || true
	fi
	echo "# ladder: waited $(($(date +%s) - START_S)) s"
	stop_guard ladder
	problems=$(
		cat "$PW_TMP/ladder.stop"
		! alive tcp || echo "tcp leaker still running"
		grep -q '^quarantined ' "$PW_TMP/tcp.out" || echo "tcp leaker never quarantined (its socket() never got EPERM)"
		grep -q '^sigterm pid=.* ignored' "$PW_TMP/tcp.out" || echo "tcp leaker never got SIGTERM"
		actions "$log" tcp ladder | grep -E ': (refused|failed)' | sed 's/^/tcp: /'
		records "$log" tcp ladder | jq -r -s '
			[.[] | select(.event == "action") | .action] as $a
			| if $a != ["quarantine", "term", "kill"] then "tcp actions \($a | join(",")), want quarantine,term,kill" else empty end,
			  (if any(.[]; .event == "result" and .action == "kill" and .exited == true) then empty
			   else "tcp: no result with exited true after kill" end)'
		! alive fork || echo "fork leaker: a process still runs"
		[ "$(pids fork | wc -l)" -eq 3 ] || echo "fork leaker: $(pids fork | wc -l) children, want 3"
		actions "$log" fork ladder | grep -E ': (refused|failed)' | sed 's/^/fork: /'
		actions "$log" fork ladder | grep -q '^kill cgroup: wrote cgroup.kill' ||
			echo "fork: no cgroup.kill: $(actions "$log" fork ladder | paste -sd ';')"
		records "$log" fork ladder | jq -e -s 'any(.[]; .event == "result" and .scope == "cgroup" and .exited == true)' \
			>/dev/null || echo "fork: no cgroup result with exited true"
		grep -av '^seccomp-exec: ' "$PW_TMP/ladder.err" | grep -aE 'Operation not permitted|EPERM|Bad system call' | head -n 3 | sed 's/^/stderr: /'
	)
	echo "# tcp: $(actions "$log" tcp ladder | paste -sd ';')"
	echo "# fork: $(actions "$log" fork ladder | paste -sd ';')"
	pw_report unit/ladder-under-filter "$problems"
}

# ---- negative controls -------------------------------------------------------------

check_no_bpf() {
	local rc=0
	grep -vx bpf "$PW_TMP/filter.list" >"$PW_TMP/no-bpf.list"
	timeout 30 "$(wrapper no-bpf.sh "$PW_TMP/no-bpf.list")" run --no-incidents --no-socket --enforce \
		--cgroup "$BASE" --config "$CONF" --log "$PW_TMP/no-bpf.jsonl" </dev/null >/dev/null \
		2>"$PW_TMP/no-bpf.err" || rc=$?
	echo "# no-bpf: exit $rc: $(grep -v '^libbpf: ' "$PW_TMP/no-bpf.err" | tail -n 1)"
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
		pw_fail unit/no-bpf "exit status $rc, want a failure at start"
	elif ! grep -q 'Operation not permitted' "$PW_TMP/no-bpf.err"; then
		pw_fail unit/no-bpf "stderr does not say EPERM: $(tail -c 200 "$PW_TMP/no-bpf.err")"
	else
		pw_pass unit/no-bpf
	fi
}

check_no_pidfd_signal() {
	local log=$PW_TMP/nosig.jsonl problems
	grep -vx pidfd_send_signal "$PW_TMP/filter.list" >"$PW_TMP/nosig.list"
	pw_make_cgroup nosig >/dev/null
	make_ns nosig
	run_guard nosig "$PW_TMP/nosig.list" || return 0
	START_S=$(date +%s)
	start nosig nosig tcp --rate "$RATE"
	# its kill is tried 6 s after its quarantine, then once more a window later
	wait_until eval "actions '$log' nosig nosig | grep -q '^kill '" || true
	sleep 2
	stop_guard nosig
	problems=$(
		alive nosig || echo "the leaker was stopped: pidfd_send_signal was not needed?"
		grep -q '^quarantined ' "$PW_TMP/nosig.out" || echo "never quarantined"
		actions "$log" nosig nosig | grep -q '^term .*: refused' || echo "no refused term"
		cat "$PW_TMP/nosig.stop"
	)
	echo "# no-pidfd-signal: $(actions "$log" nosig nosig | paste -sd ';')"
	pw_report unit/no-pidfd-signal "$problems"
}

check_verify
check_security
check_filter
check_no_bpf
check_ladder
check_no_pidfd_signal
if [ -e "$PW_STATE/failed" ]; then
	for f in ladder nosig; do
		[ -e "$PW_TMP/$f.err" ] || continue
		echo "$f daemon stderr:" >&2
		grep -av '^libbpf: ' "$PW_TMP/$f.err" | tail -n 20 >&2
	done
fi
pw_done
