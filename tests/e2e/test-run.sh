#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks `portwarden run`, the guarding daemon, end to end. Two daemons run
# one after the other, each judging only its own child of the test's cgroup
# (--cgroup), over workloads each in its own child cgroup and netns:
#
#  enforce (--enforce): a TCP leaker that ignores SIGTERM, a UDP leaker, a
#    bind(0) leaker and a leaker whose 3 forked children each leak, each in a
#    netns of 2000 ports, are stopped before their pool runs out: the workload
#    never saw EADDRNOTAVAIL, EADDRINUSE or EAGAIN; it was quarantined first
#    (its socket() got EPERM), then SIGTERMed, and SIGKILLed after the grace
#    period when it ignored SIGTERM; the audit log holds each action and a
#    result with exited true; and then a fresh client in its netns connects
#    (and gets a UDP or bind(0) port). In the same run a steady pool of 500
#    connections, a TIME_WAIT churner (80 connections/s, below capacity) and a
#    leaker protected by its executable (a copy of guardleak named in the
#    config's [protect] exe, also calling itself sshd) are never acted on, and
#    the protected one is logged as protected; the steady pool (25%) and the
#    protected one are past the fill threshold. A leaker that only calls
#    itself sshd (comm) is not protected: it is stopped like the others.
#  dry run: the same leakers: no quarantine, no signal, each is logged
#    would_kill and still holds its sockets at the end. Meanwhile a leaker
#    took all 1000 ports of another netns in a second, long before any leak
#    can be named, and a victim connecting there fails with EADDRNOTAVAIL
#    each time for 30 s: it is never acted on, and the would_kill records
#    come while that netns is exhausted.
#  config: SIGHUP with a bad file logs FILE:LINE: reason and keeps the old
#    configuration, with a good one logs "reloaded"; a bad file at start, and
#    an unwritable --log, exit 2.
#
# Timing, from tests/fixtures/run.conf: 1 s samples and a 10 s window, so a
# leak of 20 ports/s is named ~25 s after it starts, holding ~500 of its 2000
# ports, past the 20% fill threshold; quarantine then, SIGTERM 3 s later,
# SIGKILL 3 s after that: stopped by ~35 s (~45 s on a busy host), when its
# pool would run out at ~100 s.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden ss timeout
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak
# Protected by executable: the fixture's [protect] exe = */pw-protected-*
PROTECTED=$PW_TMP/pw-protected-guardleak
cp "$GUARDLEAK" "$PROTECTED"

CONF=$PW_ROOT/tests/fixtures/run.conf
PORT=5001
LOW=40000
HIGH=41999         # 2000 ports
EXHAUST_HIGH=40999 # 1000 ports, taken in a second
CHURN_HIGH=49999   # 10000 ports: 80/s leave ~4800 in TIME_WAIT
RATE=20
# From the start of a phase's workloads: the enforced leakers must be gone, or
# the dry run's cases seen, by then (unstopped, a leaker exhausts its pool at
# ~100 s).
LIMIT=100

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
ELOG=$PW_TMP/enforce.jsonl
DLOG=$PW_TMP/dry.jsonl
DCONF=$PW_TMP/dry.conf

# ---- helpers ------------------------------------------------------------------

now_iso() {
	date -u +%Y-%m-%dT%H:%M:%S.%6NZ
}

pid_of() {
	cat "$PW_TMP/$1.pid"
}

# procs KEY: "PID START" of the workload, or of its parent and children.
procs() {
	if [ -e "$PW_TMP/$1.children" ]; then
		cat "$PW_TMP/$1.children"
	else
		echo "$(pid_of "$1") $(cat "$PW_TMP/$1.start")"
	fi
}

# leaking_pids KEY: the pids that take ports (the children, for the fork leaker).
leaking_pids() {
	if [ -e "$PW_TMP/$1.children" ]; then
		grep -o '^start pid=[0-9]*' "$PW_TMP/$1.out" | cut -d= -f2
	else
		pid_of "$1"
	fi
}

# any_alive KEY: one of its processes still runs.
any_alive() {
	local pid start
	while read -r pid start; do
		! pw_pid_alive "$pid" "$start" || return 0
	done < <(procs "$1")
	return 1
}

# all_alive KEY: PROBLEMS for each of its processes that is gone.
all_alive() {
	local pid start
	while read -r pid start; do
		pw_pid_alive "$pid" "$start" || echo "pid $pid is gone"
	done < <(procs "$1")
}

# sockets PID: descriptors of PID that are sockets.
sockets() {
	find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# ---- netns and workloads --------------------------------------------------------

# make_ns KEY SIDE LOW HIGH [server]: a netns for KEY with that port range; with
# "server", a listener on PORT (cgroup SIDE/srv-KEY) that never accepts: the
# leaker's destination, and the fresh client's afterwards.
make_ns() {
	local key=$1 side=$2 ns
	ns=$(pw_make_netns "$3" "$4")
	echo "$ns" >"$PW_TMP/$key.ns"
	[ "${5:-}" = server ] || return 0
	pw_run_in "$(pw_make_cgroup "$side/srv-$key")" "$ns" \
		"$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
}

listening() { # KEY
	[ -n "$(ip netns exec "$(cat "$PW_TMP/$1.ns")" ss -Htln "sport = :$PORT")" ]
}

# start KEY SIDE CMD...: CMD in cgroup SIDE/KEY and KEY's netns, stdout to
# KEY.out (pw_start_cmd: init reaps it, and the shell reports no kill).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$2/$1")" "$(cat "$PW_TMP/$1.ns")" "${@:3}"
}

# start_fork KEY SIDE ARGS...: guardleak with 3 children; KEY.children lists
# the parent and children with their start times once all have said so.
start_fork() {
	local key=$1 pid n=0
	start "$@" --children 3
	while [ "$n" -lt 30 ] && [ "$(grep -c '^start pid=' "$PW_TMP/$key.out" 2>/dev/null)" != 3 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	for pid in $(pid_of "$key") $(leaking_pids "$key"); do
		echo "$pid $(pw_pid_start "$pid" || echo -)"
	done >"$PW_TMP/$key.children"
}

setup_netns() {
	local key n
	for key in tcp udp bind0 fork; do
		make_ns "$key" enforce "$LOW" "$HIGH" server
		make_ns "d$key" dry "$LOW" "$HIGH" server
	done
	make_ns sshd enforce "$LOW" "$HIGH" server
	make_ns fakesshd enforce "$LOW" "$HIGH" server
	make_ns steady enforce "$LOW" "$HIGH"
	make_ns churn enforce "$LOW" "$CHURN_HIGH"
	make_ns exhaust dry "$LOW" "$EXHAUST_HIGH" server
	cp "$PW_TMP/exhaust.ns" "$PW_TMP/victim.ns"
	for key in tcp udp bind0 fork sshd fakesshd dtcp dudp dbind0 dfork exhaust; do
		n=0
		until listening "$key"; do
			[ "$n" -lt 100 ] || {
				pw_fail run/setup "no listener in netns $key"
				exit 1
			}
			sleep 0.1
			n=$((n + 1))
		done
	done
}

start_enforced() {
	START_S=$(date +%s.%N)
	# each must be stopped
	start tcp enforce "$GUARDLEAK" tcp --rate "$RATE" --ignore-term
	start udp enforce "$GUARDLEAK" udp --rate "$RATE"
	start bind0 enforce "$GUARDLEAK" bind0 --rate "$RATE"
	start_fork fork enforce "$GUARDLEAK" tcp --rate 7 --ignore-term
	# a name proves nothing: any process may call itself sshd
	start fakesshd enforce "$GUARDLEAK" tcp --rate "$RATE" --comm sshd
	# in the same run, never acted on; the steady pool opens its 500 at once,
	# 8 s in: a step inside the first judged window
	start sshd enforce "$PROTECTED" tcp --rate "$RATE" --comm sshd --count 1500
	start steady enforce "$PW_PORTLEAK" tcp-connect --listen --count 500 --delay 8 \
		--hold 3600 --comm pl-steady
	start churn enforce "$PW_PORTLEAK" tcp-churn --listen --rate 80 --duration 3600 \
		--comm pl-churn
}

# Capped below exhaustion, but the exhauster, which takes its 1000 ports at
# once, long before a leak can be named.
start_dry() {
	START_S=$(date +%s.%N)
	start dtcp dry "$GUARDLEAK" tcp --rate "$RATE" --count 1500
	start dudp dry "$GUARDLEAK" udp --rate "$RATE" --count 1500
	start dbind0 dry "$GUARDLEAK" bind0 --rate "$RATE" --count 1500
	start_fork dfork dry "$GUARDLEAK" tcp --rate 7 --count 500
	start exhaust dry "$GUARDLEAK" tcp --rate 1000 --stop-on-fail
}

# The victim connects where the exhauster took every port: each try fails,
# for as long as the dry run judges the other leakers.
maybe_start_victim() {
	[ -e "$PW_TMP/exhaust.pid" ] && [ ! -e "$PW_TMP/victim.pid" ] || return 0
	grep -q '^failed ' "$PW_TMP/exhaust.out" 2>/dev/null || return 0
	now_iso >"$PW_TMP/exhausted-at"
	start victim dry "$PW_PORTLEAK" tcp-churn --port "$PORT" --rate 5 --duration 30 --comm pl-victim
	echo "# exhaust netns full $(elapsed) s in; victim pid $(pid_of victim)"
}

elapsed() {
	echo "$(date +%s.%N) $START_S" | awk '{ printf "%.0f", $1 - $2 }'
}

# ---- the daemons ------------------------------------------------------------------

# start_daemon NAME ARGS...: portwarden run --cgroup BASE/NAME --config
# NAME.conf ARGS, log in NAME.jsonl, stderr in NAME.err (pw_start_run); sets
# DAEMON to its pid once it has started, else exits.
start_daemon() {
	local name=$1
	shift
	cp "$CONF" "$PW_TMP/$name.conf"
	pw_start_run "run/start-$name" "$PW_TMP/$name" --cgroup "$BASE/$name" \
		--config "$PW_TMP/$name.conf" "$@" || exit 1
	DAEMON=$PW_DAEMON
}

# stop_daemon PID NAME: SIGTERM; exit 0 and a final stop record.
stop_daemon() {
	local pid=$1 name=$2 rc=0 problems
	kill -s TERM "$pid"
	pw_wait_exit "$pid" 15 || true
	if pw_pid_alive "$pid"; then
		pw_report "run/stop-$name" "still running 15 s after SIGTERM"
		return
	fi
	wait "$pid" || rc=$?
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit status $rc after SIGTERM: $(tail -c 200 "$PW_TMP/$name.err")"
		tail -n 1 "$PW_TMP/$name.jsonl" | jq -e '.event == "stop"' >/dev/null 2>&1 ||
			echo "last record is not a stop: $(tail -n 1 "$PW_TMP/$name.jsonl" | head -c 200)"
	)
	pw_report "run/stop-$name" "$problems"
}

# A bad file on SIGHUP: "FILE:LINE: reason" on stderr, the old config kept.
# The bad file also sets fill_threshold = 90% before the bad line, which later
# suspect records must not show.
reload_bad() {
	sed -e 's/^fill_threshold = 20%/fill_threshold = 90%/' -e 's/^grace = 3s/grace = soon/' \
		"$CONF" >"$DCONF"
	grep -n '^grace' "$DCONF" | cut -d: -f1 >"$PW_TMP/bad-line"
	kill -s HUP "$DPID"
	pw_wait_for_file_line "$PW_TMP/dry.err" 'keeping the previous configuration' 10 || true
	cp "$CONF" "$DCONF"
	now_iso >"$PW_TMP/reload-bad-at"
	sleep 1.5 # a sample or so on the configuration it kept
	pw_pid_alive "$DPID" || echo "the daemon died" >"$PW_TMP/reload-bad-died"
}

reload_good() {
	now_iso >"$PW_TMP/reload-good-at"
	kill -s HUP "$DPID"
	pw_wait_for_file_line "$PW_TMP/dry.err" 'reloaded' 10 || true
	sleep 1.5 # a sample or so with the log reopened
}

# run_fails NAME ARGS...: portwarden run ARGS must exit 2 at once (timeout:
# a daemon that starts anyway is stopped after 30 s), stderr in NAME.err.
run_fails() {
	local name=$1 rc=0
	shift
	timeout 30 "$PW_PORTWARDEN" run --no-incidents --no-socket --cgroup "$BASE" "$@" </dev/null >/dev/null \
		2>"$PW_TMP/$name.err" || rc=$?
	[ "$rc" -eq 2 ] || echo "exit status $rc, want 2: $(head -c 200 "$PW_TMP/$name.err")"
}

check_bad_start() {
	local bad=$PW_TMP/bad-start.conf line problems
	sed 's/^fill_threshold = 20%/fill_threshold = 120%/' "$CONF" >"$bad"
	line=$(grep -n '^fill_threshold' "$bad" | cut -d: -f1)
	problems=$(
		run_fails bad-start --config "$bad" --log "$PW_TMP/bad-start.jsonl"
		grep -qF "$bad:$line: fill_threshold: " "$PW_TMP/bad-start.err" ||
			echo "stderr \"$(head -c 200 "$PW_TMP/bad-start.err")\", want \"$bad:$line: fill_threshold: ...\""
	)
	pw_report run/bad-config-start "$problems"
}

check_bad_log() {
	local problems
	problems=$(
		run_fails log-missing --config "$CONF" --log "$PW_TMP/no/such/dir/log.jsonl"
		run_fails log-dir --config "$CONF" --log "$PW_TMP"
	)
	pw_report run/log-unwritable "$problems"
}

# ---- waiting ------------------------------------------------------------------

# results KEY: the result records about KEY: one of its leaking pids, or
# its cgroup (a cgroup-scope result has no pid).
results() {
	about "$1" | jq -c 'select(.event == "result")'
}

# about KEY: the enforcing daemon's records about KEY's leaking pids or cgroup.
about() {
	jq -c --argjson pids "[$(leaking_pids "$1" | paste -sd,)]" --arg cg "$REL/enforce/$1" '
		select((.pid as $p | $pids | index($p)) or (.scope == "cgroup" and .cgroup == $cg))' \
		"$ELOG" 2>/dev/null
}

# settled KEY: a result logged for each of its signals.
# shellcheck disable=SC2317 # called through watch
settled() {
	about "$1" | jq -e -s '([.[] | select(.event == "action" and (.action == "term" or .action == "kill"))] | length) as $n
		| $n > 0 and ([.[] | select(.event == "result")] | length) >= $n' >/dev/null 2>&1
}

# would_kill_seen KEY: a would_kill for each of its leaking pids, or one for
# the whole cgroup.
# shellcheck disable=SC2317 # called through watch
would_kill_seen() {
	[ -z "$(dry_missing "$1")" ]
}

dry_missing() { # KEY: its leaking pids that no would_kill covers
	jq -r -s --argjson pids "[$(leaking_pids "$1" | paste -sd,)]" --arg cg "$REL/dry/$1" '
		[.[] | select(.event == "action" and .action == "would_kill")] as $a
		| $pids[] | select(. as $p | $a | any(.pid == $p or (.scope == "cgroup" and .cgroup == $cg)) | not)' \
		"$DLOG" 2>/dev/null || echo "(unreadable $DLOG)"
}

# shellcheck disable=SC2317 # called through watch
enforce_done() {
	local key
	for key in tcp udp bind0 fork fakesshd; do
		! any_alive "$key" && settled "$key" || return 1
	done
}

# shellcheck disable=SC2317 # called through watch
dry_done() {
	local key
	for key in dtcp dudp dbind0 dfork; do
		would_kill_seen "$key" || return 1
	done
	[ -e "$PW_TMP/victim.pid" ] && grep -q '^{' "$PW_TMP/victim.out" 2>/dev/null
}

# watch CONDITION WHAT: until CONDITION holds, or for LIMIT seconds since the
# phase began.
watch() {
	while [ "$(elapsed)" -lt "$LIMIT" ]; do
		maybe_start_victim
		if "$1"; then
			break
		fi
		sleep 0.5
	done
	echo "# waited $(elapsed) s for the $2"
}

# ---- assertions: enforce ---------------------------------------------------------

# no_failures KEY: PROBLEMS if the workload saw a port allocation fail.
no_failures() {
	grep '^failed ' "$PW_TMP/$1.out" | sed 's/^/it /' || true
}

# enforced KEY: stopped by the ladder, before its pool ran out.
check_enforced() {
	local key=$1 pid problems
	pid=$(pid_of "$key")
	problems=$(
		! any_alive "$key" || echo "pid $pid still running"
		no_failures "$key"
		grep -q '^quarantined ' "$PW_TMP/$key.out" || echo "its socket() never got EPERM: not quarantined"
		jq -r -s --argjson pid "$pid" '
			[.[] | select(.pid == $pid)] as $r
			| [$r[] | select(.event == "action") | .action] as $a
			| if $a == [] then "no action logged"
			  elif $a[0] != "quarantine" then "actions \($a | join(",")), want quarantine first"
			  elif ($a | index("term") or index("kill")) | not then "actions \($a | join(",")): no term or kill"
			  else empty end,
			  (if any($r[]; .event == "result" and .exited == true) then empty else "no result with exited true" end),
			  ($r[] | select(.event == "action") | select(.pool == null) | "\(.action) logged without its pool"),
			  ($r[] | select(.event == "action" and .pool != null and .pool.used >= .pool.capacity)
			   | "\(.action) only when the pool was full (\(.pool.used)/\(.pool.capacity))")' "$ELOG"
	)
	pw_report "run/enforce-$key" "$problems"
}

# The whole ladder on the leaker that ignores SIGTERM: quarantine, term
# (result: still running), kill after the grace period (result: exited).
check_ladder() {
	local pid problems
	pid=$(pid_of tcp)
	problems=$(
		grep -q "^sigterm pid=$pid ignored" "$PW_TMP/tcp.out" || echo "it never got SIGTERM"
		jq -r -s --argjson pid "$pid" '
			def t: (.ts | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) + (.ts | capture("\\.(?<f>[0-9]+)Z$").f | tonumber / 1e6);
			[.[] | select(.pid == $pid and .event == "action")] as $a
			| [.[] | select(.pid == $pid and .event == "result")] as $res
			| if ($a | map(.action)) != ["quarantine", "term", "kill"] then "actions \($a | map(.action) | join(",")), want quarantine,term,kill"
			  else
				(if ($a[1] | t) - ($a[0] | t) < 2.5 then "term \(($a[1] | t) - ($a[0] | t)) s after quarantine (quarantine_time 3 s)" else empty end),
				(if ($a[2] | t) - ($a[1] | t) < 2.5 then "kill \(($a[2] | t) - ($a[1] | t)) s after term (grace 3 s)" else empty end)
			  end,
			  (if any($res[]; .action == "term" and .exited == false) then empty else "no result \"still running\" after term" end),
			  (if any($res[]; .action == "kill" and .exited == true) then empty else "no result with exited true after kill" end)' "$ELOG"
	)
	pw_report run/ladder "$problems"
}

# The fork leaker: every child stopped, by its own action or the cgroup's.
check_fork() {
	local problems
	problems=$(
		[ "$(leaking_pids fork | wc -l)" -eq 3 ] || echo "$(leaking_pids fork | wc -l) children started, want 3"
		any_alive fork && echo "still running: $(all_alive fork | wc -l) of 4 gone"
		no_failures fork
		jq -r -s --argjson pids "[$(leaking_pids fork | paste -sd,)]" --arg cg "$REL/enforce/fork" '
			[.[] | select(.event == "action" and (.action == "term" or .action == "kill"))] as $a
			| ($pids[] | select(. as $p | $a | any(.pid == $p or (.scope == "cgroup" and .cgroup == $cg)) | not)
			   | "child \(.) got no term or kill"),
			  (.[] | select(.event == "action" and (.pid as $p | $pids | index($p)) and .pool != null and .pool.used >= .pool.capacity)
			   | "\(.action) only when the pool was full")' "$ELOG"
		results fork | jq -r -s 'if any(.[]; .exited == true) then empty
			else "no result with exited true: \(map("\(.action) \(.scope) \(.pid): \(.reason)") | join(", "))" end'
	)
	pw_report run/enforce-fork "$problems"
	echo "# fork: $(jq -r -s --arg cg "$REL/enforce/fork" '[.[] | select(.event == "action" and .cgroup == $cg) | "\(.action) pid \(.pid) scope \(.scope)"] | join(", ")' "$ELOG")"
}

# after KEY MODE...: a fresh client in KEY's netns gets a port for each mode.
check_after() {
	local key=$1 mode problems
	shift
	problems=$(for mode in tcp-connect "$@"; do
		fresh_client "$key" "$mode"
	done)
	pw_report "run/after-$key" "$problems"
}

# fresh_client KEY MODE: one portleak try of MODE in KEY's netns; PROBLEMS.
fresh_client() {
	local key=$1 mode=$2 out=$PW_TMP/after-$1-$2.json rc=0
	pw_run_in -o "$out" -e "$PW_TMP/after-$key.err" "$(pw_make_cgroup enforce/after)" \
		"$(cat "$PW_TMP/$key.ns")" "$PW_PORTLEAK" "$mode" --count 1 --fail-extra 0 \
		--comm pl-after >/dev/null
	wait "$PW_PID" || rc=$?
	jq -r --arg m "$mode" --argjson rc "$rc" \
		'if .ok != 1 or .failed != 0 or $rc != 0 then "\($m): ok \(.ok), failed \(.failed) (\(.errname)), exit \($rc)" else empty end' \
		"$out" 2>/dev/null || echo "$mode: no result (exit $rc): $(head -c 200 "$PW_TMP/after-$key.err")"
}

# never KEY: alive at the end, no action on its pid or its cgroup.
check_never() {
	local key=$1 problems
	problems=$(
		all_alive "$key"
		jq -r -s --argjson pid "$(pid_of "$key")" --arg cg "$REL/enforce/$key" '
			.[] | select(.event == "action" and (.pid == $pid or .cgroup == $cg))
			| "\(.action) on pid \(.pid): \(.reason)"' "$ELOG"
		case $key in
		sshd)
			jq -e -s --argjson pid "$(pid_of sshd)" \
				'any(.[]; .event == "suspect" and .pid == $pid and .reason == "protected")' "$ELOG" \
				>/dev/null || echo "no suspect record with reason protected"
			;;
		steady)
			jq -e '.ok == 500 and .failed == 0' "$PW_TMP/steady.out" >/dev/null 2>&1 ||
				echo "the pool did not open 500 connections: $(head -c 100 "$PW_TMP/steady.out")"
			;;
		churn)
			[ "$(time_wait churn)" -ge 1000 ] || echo "only $(time_wait churn) sockets in TIME_WAIT: no churn"
			;;
		esac
	)
	pw_report "run/never-$key" "$problems"
}

time_wait() { # KEY: TCP sockets in TIME_WAIT in its netns
	ip netns exec "$(cat "$PW_TMP/$1.ns")" ss -Htan state time-wait | wc -l
}

# Every record about a process is inside the daemon's --cgroup. (The
# lifeline's records name a pool, or a cgroup by its id: its hooks refuse
# only under --cgroup, where they are attached.)
check_scope() { # NAME
	local problems
	problems=$(jq -r -s --arg base "$REL/$1/" '.[] | select(.cgroup != null and .event != "lifeline")
		| select(.cgroup | startswith($base) | not) | "record for \(.pid) in \(.cgroup)"' \
		"$PW_TMP/$1.jsonl" | sort -u)
	pw_report "run/scope-$1" "$problems"
}

# One line per action, seconds since the workloads started, for the log.
timeline() { # LOG
	jq -r -s --argjson t0 "$START_S" '
		def t: (.ts | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) + (.ts | capture("\\.(?<f>[0-9]+)Z$").f | tonumber / 1e6);
		.[] | select(.event == "action" or .event == "result" or (.event == "suspect" and .reason == "protected"))
		| "# \((t - $t0) * 10 | round / 10) s: \(.event) \(.action // "") pid \(.pid) \(.cgroup | split("/") | last) \(.class) \(.ports_held) ports, pool \(.pool.used // "-")/\(.pool.capacity // "-"): \(.reason)"' "$1"
}

# ---- assertions: dry run ------------------------------------------------------------

check_dry() { # KEY
	local key=$1 pid problems
	problems=$(
		all_alive "$key"
		dry_missing "$key" | sed 's/^/no would_kill for pid /'
		grep '^quarantined ' "$PW_TMP/$key.out" | sed 's/^/a dry run quarantined it: /'
		for pid in $(leaking_pids "$key"); do
			jq -r -s --argjson pid "$pid" --argjson now "$(sockets "$pid")" '
				[.[] | select(.event == "action" and .pid == $pid) | .ports_held][0] as $judged
				| if $now < 100 or ($judged != null and $now < $judged) then
					"pid \($pid) holds \($now) sockets, \($judged) when judged" else empty end' "$DLOG"
		done
	)
	pw_report "run/dry-$key" "$problems"
}

# Nothing done in a dry run: no action but would_kill (the lifeline, on by
# default, only engages and counts what it would refuse), no result.
check_dry_acts() {
	local problems
	problems=$(jq -r -s '.[] | select((.action != null and .action != "would_kill" and
			((.event == "lifeline" and (.action | IN("engaged", "released", "would_refuse"))) | not))
		or .event == "result" or .dry_run != true)
		| "\(.event) \(.action) pid \(.pid) dry_run \(.dry_run)"' "$DLOG")
	pw_report run/dry-nothing-done "$problems"
}

check_victim() {
	local problems
	if [ ! -e "$PW_TMP/victim.pid" ]; then
		pw_report run/dry-victim "the exhauster never exhausted its netns: $(cat "$PW_TMP/exhaust.out")"
		return
	fi
	problems=$(
		jq -e '.failed > 0 and .ok == 0 and .errname == "EADDRNOTAVAIL"' "$PW_TMP/victim.out" >/dev/null 2>&1 ||
			echo "the victim did not fail each time with EADDRNOTAVAIL: $(head -c 200 "$PW_TMP/victim.out")"
		jq -r -s --argjson pid "$(pid_of victim)" '.[] | select(.pid == $pid) | "\(.event) \(.action) for the victim"' "$DLOG"
		jq -e -s --arg at "$(cat "$PW_TMP/exhausted-at")" 'any(.[]; .ts > $at and .event == "action")' "$DLOG" >/dev/null ||
			echo "no action record after the exhaustion at $(cat "$PW_TMP/exhausted-at")"
	)
	pw_report run/dry-victim "$problems"
	echo "# exhauster: $(jq -r -s --argjson pid "$(pid_of exhaust)" '[.[] | select(.pid == $pid) | "\(.event) \(.action // .reason) at \(.ts)"] | join(", ")' "$DLOG")"
}

check_reload_bad() {
	local line problems
	line=$(cat "$PW_TMP/bad-line")
	problems=$(
		grep -F "$DCONF:$line: grace: " "$PW_TMP/dry.err" | grep -q 'keeping the previous configuration' ||
			echo "no \"$DCONF:$line: grace: ...; keeping the previous configuration\" on stderr"
		cat "$PW_TMP/reload-bad-died" 2>/dev/null || true
		jq -r -s --arg at "$(cat "$PW_TMP/reload-bad-at")" '
			[.[] | select(.event == "suspect" and .ts > $at and (.detail // "" | test("threshold [0-9]+%")))] as $s
			| if $s == [] then "no suspect record after the bad reload"
			  else ($s[] | select(.detail | contains("(threshold 20%)") | not) | "after the bad reload: \(.detail)") end' "$DLOG" | sort -u
	)
	pw_report run/reload-bad "$problems"
}

check_reload_good() {
	local problems
	problems=$(
		grep -qF "reloaded $DCONF" "$PW_TMP/dry.err" || echo "no \"reloaded $DCONF\" on stderr"
	)
	pw_report run/reload-good "$problems"
}

# ---- the test ---------------------------------------------------------------------

# Without --enforce, the dry daemon would make a slower host slower still:
# the phases run one after the other.
enforce_phase() {
	local key
	start_daemon enforce --enforce
	EPID=$DAEMON
	start_enforced
	watch enforce_done "enforcing daemon"
	timeline "$ELOG"
	check_after tcp
	check_after udp udp-sendto
	check_after bind0 bind0
	check_after fork
	check_after fakesshd
	echo "# churn: $(time_wait churn) sockets in TIME_WAIT in its netns of 10000 ports"
	for key in steady churn sshd; do
		check_never "$key"
	done
	stop_daemon "$EPID" enforce
	for key in steady churn sshd; do
		pw_stop "$(pid_of "$key")"
	done
}

dry_phase() {
	start_daemon dry
	DPID=$DAEMON
	reload_bad
	start_dry
	watch dry_done "dry run"
	reload_good
	stop_daemon "$DPID" dry
	timeline "$DLOG"
}

check_bad_start
check_bad_log
pw_make_cgroup enforce >/dev/null
pw_make_cgroup dry >/dev/null
setup_netns
enforce_phase
dry_phase
for key in tcp udp bind0 fakesshd; do
	check_enforced "$key"
done
check_ladder
check_fork
check_scope enforce
for key in dtcp dudp dbind0 dfork; do
	check_dry "$key"
done
check_dry_acts
check_victim
check_reload_bad
check_reload_good
check_scope dry
if [ -e "$PW_STATE/failed" ]; then
	echo "enforce daemon stderr:" >&2
	tail -n 30 "$PW_TMP/enforce.err" >&2
	echo "dry daemon stderr:" >&2
	tail -n 30 "$PW_TMP/dry.err" >&2
fi
pw_done
