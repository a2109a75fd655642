#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The reclaim rung (issue 16, part 3): a CLOSE_WAIT pile is destroyed in the
# kernel (bpf_sock_destroy, 6.5+) before any signal, and the process lives.
# Each leaker connects at 20/s to a server in its own netns (2000 ports)
# that closes every connection at once, so its sockets pile up in CLOSE_WAIT.
# Three daemons run side by side, each judging its own child cgroup:
#   reclaim/enforce    `run --enforce`: the leaker is quarantined, then
#                      reclaimed: a reclaim record counts >= 100 sockets,
#                      all CLOSE-WAIT, as many ports back and nothing failed;
#                      its netns has no CLOSE_WAIT socket left but those it
#                      made after (its quarantine is released); the process
#                      got ECONNABORTED on at least that many sockets; its
#                      quarantine is released; and 10 s later it is alive
#                      and was never signalled
#   reclaim/fork       a parent whose 3 children each leak 7/s (scope auto):
#                      each child's pile is reclaimed (by its own ladder or
#                      its cgroup's), the quarantine is released, and 10 s
#                      later all are alive, unsignalled
#   reclaim/no         the same leaker under an override `reclaim = no`:
#                      SIGTERM as before, no reclaim record
#   reclaim/dry-run    without --enforce: a would_reclaim record counts
#                      >= 100 sockets; they are all still in CLOSE_WAIT, and
#                      the process saw no error on any
#   reclaim/refused    `run --enforce` on a kernel that refuses the reclaim
#                      iterator (PORTWARDEN_TEST_REFUSE=reclaim): said once
#                      at start, and the leaker goes to SIGTERM, unreclaimed
# and for `reclaim = idle` (reclaim_idle = 2s), a leaker of ESTABLISHED
# connections (20/s to a server that keeps them and never reads, up to 800)
# whose first 5 connections send a byte every 0.5 s, the rest idle:
#   reclaim/idle       `run --enforce`: a reclaim record counts >= 100
#                      sockets, all ESTAB, as many ports back, nothing
#                      failed, idle_s 2 and >= 5 spared as recent; its
#                      netns keeps no more of its connections than it holds
#                      unaborted (the ports are back); it saw ECONNABORTED
#                      on at least that many; none of its 5 busy connections
#                      failed a send; and 10 s later it is alive, unsignalled
#   reclaim/idle-close-wait  the same leaker under `reclaim = close-wait`:
#                      no reclaim, SIGTERM, its connections all there then
#   reclaim/idle-none  the same leaker under `reclaim_idle = 1h`: nothing is
#                      idle that long, the rung is skipped (a suspect record
#                      says "nothing idle to reclaim"): SIGTERM, no reclaim
#   reclaim/idle-dry-run  without --enforce: a would_reclaim record counts
#                      >= 100 ESTAB sockets with idle_s 2, >= 5 spared as
#                      recent (the busy ones); the leaker saw no error, its
#                      busy connections none either
# A kernel that refuses the reclaim iterator (before 6.5) skips the cases.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden ss jq
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

if ! "$PW_PORTWARDEN" probe 2>/dev/null | awk '$1 == "reclaim" { v = $2 } END { exit v != "yes" }'; then
	for c in enforce fork no dry-run refused idle idle-close-wait idle-none idle-dry-run; do
		pw_skip "reclaim/$c" "this kernel refused the reclaim iterator (bpf_sock_destroy, 6.5+)"
	done
	pw_done
fi

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
PORT=5001
LIMIT=100 # s: a leak of 20/s is named at ~25 s, its pool runs out at ~100 s
declare -A NS

# start KEY CGROUP NETNS CMD...: CMD in cgroup BASE/CGROUP (pw_start_cmd).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$2")" "$3" "${@:4}"
}

# wait_listen NETNS: until the server listens there (5 s at most). The
# servers print nothing before they end: their output cannot tell.
wait_listen() {
	for _ in $(seq 50); do
		[ -z "$(ip netns exec "$1" ss -Hltn "sport = :$PORT")" ] || return 0
		sleep 0.1
	done
}

# leaker KEY CGROUP [ARGS]: a server closing what it accepts in a fresh netns,
# and a leaker connecting to it in cgroup CGROUP (20/s, or as ARGS say).
leaker() {
	NS[$1]=$(pw_make_netns 40000 41999)
	start "srv-$1" "$2-srv" "${NS[$1]}" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 \
		--comm pl-srv
	wait_listen "${NS[$1]}"
	start "$1" "$2/leak" "${NS[$1]}" "$GUARDLEAK" tcp --port "$PORT" --comm "pl-$1" "${@:3}"
}

# sinker KEY CGROUP: a server keeping what it accepts (in a cgroup no daemon
# judges) in a fresh netns, and a leaker of connections to it in cgroup
# CGROUP, its first 5 kept busy.
sinker() {
	NS[$1]=$(pw_make_netns 40000 41999)
	start "srv-$1" "srv-$1" "${NS[$1]}" "$PW_PORTLEAK" sink --port "$PORT" --comm pl-sink
	wait_listen "${NS[$1]}"
	start "$1" "$2/leak" "${NS[$1]}" "$GUARDLEAK" tcp --port "$PORT" --comm "pl-$1" --rate 20 \
		--count 800 --active 5
}

# client_estab NETNS: the ESTABLISHED connections to the server from their client side.
client_estab() {
	ip netns exec "$1" ss -Htn state established "dport = :$PORT" | wc -l
}

# records LOG PID ACTION: the action records of ACTION on PID, one JSON a line.
records() {
	jq -c --argjson pid "$2" --arg a "$3" 'select(.event == "action" and .pid == $pid and .action == $a)' \
		"$1" 2>/dev/null || true
}

# wait_record LOG PID ACTION: until such a record is logged (LIMIT s from T0).
wait_record() {
	while [ $((SECONDS - T0)) -lt "$LIMIT" ] && [ -z "$(records "$@")" ]; do
		sleep 0.5
	done
}

# close_waits NETNS: the CLOSE_WAIT sockets there.
close_waits() {
	ip netns exec "$1" ss -Htn state close-wait | wc -l
}

# sockerr KEY: SIGUSR1 to the leaker, echo its "sockerr" line (its sockets' errors).
sockerr() {
	local pid n
	pid=$(cat "$PW_TMP/$1.pid")
	n=$(grep -c '^sockerr ' "$PW_TMP/$1.out" || true)
	kill -s USR1 "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		[ "$(grep -c '^sockerr ' "$PW_TMP/$1.out" || true)" -le "$n" ] || break
		sleep 0.1
	done
	grep '^sockerr ' "$PW_TMP/$1.out" | tail -n 1
}

field() { # field LINE NAME: NAME=VALUE's VALUE in a workload line
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"
}

cat >"$PW_TMP/run.conf" <<CONF
[daemon]
window = 10s
[policy]
fill_threshold = 20%
horizon = 60s
quarantine_time = 3s
grace = 3s
scope = process
[breakers]
cooldown = 0s
max_actions_per_minute = 30
disarm_workloads = 20
[cgroup "$REL/enf/norec/*"]
reclaim = no
[cgroup "$REL/enf/idle/*"]
reclaim = idle
reclaim_idle = 2s
[cgroup "$REL/dry/idle/*"]
reclaim = idle
reclaim_idle = 2s
[cgroup "$REL/enf/idlelong/*"]
reclaim = idle
reclaim_idle = 1h
[cgroup "$REL/enf/fork/*"]
scope = auto
CONF
pw_make_cgroup enf >/dev/null
pw_make_cgroup dry >/dev/null
pw_make_cgroup ref >/dev/null
pw_start_guard reclaim --cgroup "$BASE/enf" --config "$PW_TMP/run.conf" || pw_done
ENF=$PW_GUARD
pw_start_run reclaim/dry/start "$PW_TMP/d-dry" --cgroup "$BASE/dry" --config "$PW_TMP/run.conf" || pw_done
DRY=$PW_DAEMON
PORTWARDEN_TEST_REFUSE=reclaim pw_start_run reclaim/refused/start "$PW_TMP/d-ref" --enforce \
	--cgroup "$BASE/ref" --config "$PW_TMP/run.conf" || pw_done
REF=$PW_DAEMON
T0=$SECONDS
leaker rec enf/rec --rate 20
leaker norec enf/norec --rate 20
leaker dry dry/rec --rate 20
leaker ref ref/rec --rate 20
leaker fork enf/fork --rate 7 --children 3
sinker idle enf/idle
sinker idlecw enf/idlecw
sinker idledry dry/idle
sinker idlelong enf/idlelong
rec=$(cat "$PW_TMP/rec.pid") norec=$(cat "$PW_TMP/norec.pid") dry=$(cat "$PW_TMP/dry.pid")
ref=$(cat "$PW_TMP/ref.pid") idle=$(cat "$PW_TMP/idle.pid") idlecw=$(cat "$PW_TMP/idlecw.pid")
idledry=$(cat "$PW_TMP/idledry.pid") idlelong=$(cat "$PW_TMP/idlelong.pid")

# ---- reclaim/enforce -------------------------------------------------------------
wait_record "$PW_TMP/run.jsonl" "$rec" reclaim
left=$(close_waits "${NS[rec]}")
err=$(sockerr rec)
r=$(records "$PW_TMP/run.jsonl" "$rec" reclaim | head -n 1)
echo "# reclaim after $((SECONDS - T0)) s: $(jq -r '.detail' <<<"${r:-null}"); CLOSE_WAIT left: $left; $err"
sleep 10
problems=$(
	if [ -z "$r" ]; then
		echo "no reclaim record within $LIMIT s: $(jq -r 'select(.pid == '"$rec"') | "\(.event) \(.action) \(.class): \(.reason)"' "$PW_TMP/run.jsonl" | tail -n 3)"
	else
		n=$(jq '.reclaim.sockets' <<<"$r")
		jq -e '.reclaim.sockets >= 100 and .reclaim.states["CLOSE-WAIT"] == .reclaim.sockets
			and .reclaim.ports_back == .reclaim.sockets and .reclaim.failed == 0
			and (.states["CLOSE-WAIT"] >= .reclaim.sockets) and .dry_run == false' <<<"$r" >/dev/null ||
			echo "reclaim record: $(jq -c '{reclaim, detail}' <<<"$r")"
		a=$(field "$err" aborted) c=$(field "$err" checked)
		[ -n "$a" ] && [ "$a" -ge "$n" ] || echo "the leaker saw ECONNABORTED on ${a:-no} sockets of $n: '$err'"
		# released at once (it holds nothing), it leaks again: only sockets
		# it made since (not aborted; counted after ss) may be in CLOSE_WAIT
		[ "$left" -le $((${c:-0} - ${a:-0})) ] ||
			echo "$left CLOSE_WAIT sockets left in its netns after the reclaim of $n ('$err')"
	fi
	pw_pid_alive "$rec" "$(cat "$PW_TMP/rec.start")" || echo "the leaker is gone"
	[ -n "$(records "$PW_TMP/run.jsonl" "$rec" release)" ] || echo "its quarantine was never released"
	for a in term kill; do
		[ -z "$(records "$PW_TMP/run.jsonl" "$rec" "$a")" ] || echo "it was sent a $a"
	done
)
pw_report reclaim/enforce "$problems"

# ---- reclaim/fork ----------------------------------------------------------------
# fork_reclaimed: the children whose pile a reclaim record covers (its own pid,
# or a cgroup-scope one of their cgroup), one pid a line.
fork_children() {
	sed -n 's/^start pid=\([0-9]*\) .*/\1/p' "$PW_TMP/fork.out"
}
fork_reclaimed() {
	local pid
	for pid in $(fork_children); do
		jq -e -s --argjson pid "$pid" --arg cg "$REL/enf/fork/leak" 'any(.[]; .event == "action"
			and .action == "reclaim" and (.pid == $pid or (.scope == "cgroup" and .cgroup == $cg)))' \
			"$PW_TMP/run.jsonl" >/dev/null && echo "$pid"
	done
}
while [ $((SECONDS - T0)) -lt "$LIMIT" ] && [ "$(fork_reclaimed | wc -l)" -lt 3 ]; do
	sleep 0.5
done
sleep 10
jq -r 'select(.event == "action" and (.comm == "pl-fork")) | "# fork: \(.ts[11:19]) \(.action) \(.scope) pid \(.pid): \(.detail)"' \
	"$PW_TMP/run.jsonl" 2>/dev/null || true
problems=$(
	[ "$(fork_children | wc -l)" -eq 3 ] || echo "$(fork_children | wc -l) children started, not 3"
	[ "$(fork_reclaimed | wc -l)" -eq 3 ] || echo "reclaimed: $(fork_reclaimed | paste -sd ' ') of $(fork_children | paste -sd ' ')"
	for pid in $(fork_children); do
		pw_pid_alive "$pid" || echo "child $pid is gone"
	done
	jq -r 'select(.event == "action" and .comm == "pl-fork" and (.action == "term" or .action == "kill"))
		| "\(.action) \(.scope) pid \(.pid)"' "$PW_TMP/run.jsonl"
	jq -e -s 'any(.[]; .event == "action" and .comm == "pl-fork" and .action == "release")' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "no quarantine released"
)
pw_report reclaim/fork "$problems"

# ---- reclaim/no ------------------------------------------------------------------
wait_record "$PW_TMP/run.jsonl" "$norec" term
problems=$(
	[ -n "$(records "$PW_TMP/run.jsonl" "$norec" term)" ] ||
		echo "no SIGTERM within $LIMIT s: $(jq -r 'select(.pid == '"$norec"') | "\(.event) \(.action) \(.class): \(.reason)"' "$PW_TMP/run.jsonl" | tail -n 3)"
	[ -z "$(records "$PW_TMP/run.jsonl" "$norec" reclaim)" ] || echo "reclaimed under reclaim = no"
	jq -e -s --argjson pid "$norec" 'any(.[]; .pid == $pid and .class == "close-wait")' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "never named close-wait"
)
pw_report reclaim/no "$problems"

# ---- reclaim/dry-run -------------------------------------------------------------
wait_record "$PW_TMP/d-dry.jsonl" "$dry" would_reclaim
r=$(records "$PW_TMP/d-dry.jsonl" "$dry" would_reclaim | head -n 1)
left=$(close_waits "${NS[dry]}")
err=$(sockerr dry)
echo "# dry run: $(jq -r '.detail' <<<"${r:-null}"); CLOSE_WAIT: $left; $err"
problems=$(
	if [ -z "$r" ]; then
		echo "no would_reclaim record within $LIMIT s: $(jq -r 'select(.pid == '"$dry"') | "\(.event) \(.action) \(.class): \(.reason)"' "$PW_TMP/d-dry.jsonl" | tail -n 3)"
	else
		n=$(jq '.reclaim.sockets' <<<"$r")
		jq -e '.reclaim.sockets >= 100 and .reclaim.states["CLOSE-WAIT"] == .reclaim.sockets
			and .dry_run == true' <<<"$r" >/dev/null ||
			echo "would_reclaim record: $(jq -c '{reclaim, detail}' <<<"$r")"
		[ "$left" -ge "$n" ] || echo "only $left CLOSE_WAIT sockets left of the $n it would reclaim"
	fi
	[ "$(field "$err" aborted)" = 0 ] && [ "$(field "$err" other)" = 0 ] ||
		echo "the leaker saw socket errors: '$err'"
	pw_pid_alive "$dry" "$(cat "$PW_TMP/dry.start")" || echo "the leaker is gone"
	[ -z "$(records "$PW_TMP/d-dry.jsonl" "$dry" reclaim)" ] || echo "a reclaim record in a dry run"
)
pw_report reclaim/dry-run "$problems"

# ---- reclaim/refused -------------------------------------------------------------
wait_record "$PW_TMP/d-ref.jsonl" "$ref" term
problems=$(
	[ -n "$(records "$PW_TMP/d-ref.jsonl" "$ref" term)" ] ||
		echo "no SIGTERM within $LIMIT s: $(jq -r 'select(.pid == '"$ref"') | "\(.event) \(.action) \(.class): \(.reason)"' "$PW_TMP/d-ref.jsonl" | tail -n 3)"
	[ -z "$(records "$PW_TMP/d-ref.jsonl" "$ref" reclaim)" ] || echo "reclaimed with the iterator refused"
	n=$(grep -c 'refused the reclaim iterator' "$PW_TMP/d-ref.err" || true)
	[ "$n" -eq 1 ] || echo "the refusal was said $n times at start, not once: $(tail -c 300 "$PW_TMP/d-ref.err")"
)
pw_report reclaim/refused "$problems"

# ---- reclaim/idle ----------------------------------------------------------------
wait_record "$PW_TMP/run.jsonl" "$idle" reclaim
left=$(client_estab "${NS[idle]}")
err=$(sockerr idle)
r=$(records "$PW_TMP/run.jsonl" "$idle" reclaim | head -n 1)
echo "# idle reclaim after $((SECONDS - T0)) s: $(jq -r '.detail' <<<"${r:-null}"); its connections left: $left; $err"
sleep 10
problems=$(
	if [ -z "$r" ]; then
		echo "no reclaim record within $LIMIT s: $(jq -r 'select(.pid == '"$idle"') | "\(.event) \(.action) \(.class): \(.reason) \(.detail)"' "$PW_TMP/run.jsonl" | tail -n 3)"
	else
		n=$(jq '.reclaim.sockets' <<<"$r")
		jq -e '.reclaim.sockets >= 100 and .reclaim.states.ESTAB == .reclaim.sockets
			and .reclaim.ports_back == .reclaim.sockets and .reclaim.failed == 0
			and .reclaim.idle_s == 2 and .reclaim.spared_recent >= 5
			and .class == "leak" and .dry_run == false' <<<"$r" >/dev/null ||
			echo "reclaim record: $(jq -c '{class, reclaim, detail}' <<<"$r")"
		a=$(field "$err" aborted) c=$(field "$err" checked)
		[ -n "$a" ] && [ "$a" -ge "$n" ] || echo "the leaker saw ECONNABORTED on ${a:-no} sockets of $n: '$err'"
		[ "$left" -le $((${c:-0} - ${a:-0})) ] ||
			echo "$left of its connections left in its netns after the reclaim of $n ('$err')"
		[ "$(field "$err" active)" = 5 ] && [ "$(field "$err" active_failed)" = 0 ] ||
			echo "its busy connections: '$err' $(grep '^active_failed' "$PW_TMP/idle.out" | head -n 2)"
	fi
	pw_pid_alive "$idle" "$(cat "$PW_TMP/idle.start")" || echo "the leaker is gone"
	for a in term kill; do
		[ -z "$(records "$PW_TMP/run.jsonl" "$idle" "$a")" ] || echo "it was sent a $a"
	done
)
pw_report reclaim/idle "$problems"

# ---- reclaim/idle-close-wait -----------------------------------------------------
wait_record "$PW_TMP/run.jsonl" "$idlecw" term
r=$(records "$PW_TMP/run.jsonl" "$idlecw" term | head -n 1)
problems=$(
	if [ -z "$r" ]; then
		echo "no SIGTERM within $LIMIT s: $(jq -r 'select(.pid == '"$idlecw"') | "\(.event) \(.action) \(.class): \(.reason)"' "$PW_TMP/run.jsonl" | tail -n 3)"
	else
		jq -e '.states.ESTAB >= 100' <<<"$r" >/dev/null ||
			echo "its connections at SIGTERM: $(jq -c '.states' <<<"$r")"
	fi
	[ -z "$(records "$PW_TMP/run.jsonl" "$idlecw" reclaim)" ] || echo "reclaimed under reclaim = close-wait"
	! grep -q '^active_failed' "$PW_TMP/idlecw.out" || echo "a busy connection failed: $(grep '^active_failed' "$PW_TMP/idlecw.out" | head -n 1)"
)
pw_report reclaim/idle-close-wait "$problems"

# ---- reclaim/idle-none -----------------------------------------------------------
wait_record "$PW_TMP/run.jsonl" "$idlelong" term
r=$(records "$PW_TMP/run.jsonl" "$idlelong" term | head -n 1)
problems=$(
	if [ -z "$r" ]; then
		echo "no SIGTERM within $LIMIT s: $(jq -r 'select(.pid == '"$idlelong"') | "\(.event) \(.action) \(.class): \(.reason) \(.detail)"' "$PW_TMP/run.jsonl" | tail -n 3)"
	else
		jq -e '.reason == "nothing idle to reclaim" and .states.ESTAB >= 100' <<<"$r" >/dev/null ||
			echo "SIGTERM record: $(jq -c '{reason, states, detail}' <<<"$r")"
	fi
	jq -e -s --argjson pid "$idlelong" 'any(.[]; .event == "suspect" and .pid == $pid
		and .reason == "nothing idle to reclaim" and (.detail | test("^reclaim skipped: would destroy 0 sockets|^reclaim skipped: destroyed 0 sockets")))' \
		"$PW_TMP/run.jsonl" >/dev/null ||
		echo "no suspect record of the skipped rung: $(jq -c 'select(.pid == '"$idlelong"' and .event == "suspect") | {reason, detail}' "$PW_TMP/run.jsonl" | tail -n 2)"
	[ -z "$(records "$PW_TMP/run.jsonl" "$idlelong" reclaim)" ] || echo "reclaimed with nothing idle an hour"
)
pw_report reclaim/idle-none "$problems"

# ---- reclaim/idle-dry-run --------------------------------------------------------
wait_record "$PW_TMP/d-dry.jsonl" "$idledry" would_reclaim
r=$(records "$PW_TMP/d-dry.jsonl" "$idledry" would_reclaim | head -n 1)
left=$(client_estab "${NS[idledry]}")
err=$(sockerr idledry)
echo "# idle dry run: $(jq -r '.detail' <<<"${r:-null}"); its connections: $left; $err"
problems=$(
	if [ -z "$r" ]; then
		echo "no would_reclaim record within $LIMIT s: $(jq -r 'select(.pid == '"$idledry"') | "\(.event) \(.action) \(.class): \(.reason) \(.detail)"' "$PW_TMP/d-dry.jsonl" | tail -n 3)"
	else
		n=$(jq '.reclaim.sockets' <<<"$r")
		jq -e '.reclaim.sockets >= 100 and .reclaim.states.ESTAB == .reclaim.sockets
			and .reclaim.idle_s == 2 and .reclaim.spared_recent >= 5
			and .dry_run == true' <<<"$r" >/dev/null ||
			echo "would_reclaim record: $(jq -c '{reclaim, detail}' <<<"$r")"
		[ "$left" -ge "$n" ] || echo "only $left of its connections left of the $n it would reclaim"
	fi
	[ "$(field "$err" aborted)" = 0 ] && [ "$(field "$err" other)" = 0 ] &&
		[ "$(field "$err" active_failed)" = 0 ] || echo "the leaker saw socket errors: '$err'"
	[ -z "$(records "$PW_TMP/d-dry.jsonl" "$idledry" reclaim)" ] || echo "a reclaim record in a dry run"
)
pw_report reclaim/idle-dry-run "$problems"

kill -s TERM "$ENF" "$DRY" "$REF"
for d in "$ENF" "$DRY" "$REF"; do
	pw_wait_exit "$d" 15 || true
done
pw_done
