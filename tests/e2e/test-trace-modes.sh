#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks what `portwarden trace --json` promises per mode, beyond test-trace.sh:
#  - state: --failed reports TCP connect and listen() exhaustion with the same
#    attributes as syscall mode (source "state"), bind(0) and UDP connect
#    failures inferred at close (source "release"), UDP send autobind failures
#    (source "send"), and nothing for bind-before-connect failures, as
#    README's mode table and Limits say;
#  - syscall: --failed reports the bind-before-connect EADDRNOTAVAIL, with the
#    bound local port;
#  - state without --failed: successful connects carry the connecting process
#    even when the handshake completes in softirq (loopback shaped with tbf so
#    that it does), plus the listener's bind and listen.
#
# Each part runs its own tracer, filtered to one parent test cgroup; every
# workload runs in its own child cgroup and netns (failing ones narrowed to
# 10 ports, so they fail exactly 1 + FAIL_EXTRA times).
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden stat

LOW=40000
HIGH=40009
FAIL_EXTRA=2
BIND_PORT=45321

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")

# ---- tracer -------------------------------------------------------------------

# start_tracer PART ARGS...: pw_start_tracer modes/PART/tracer with
# --json --cgroup BASE ARGS, output in TRACE=$PW_TMP/PART.trace.
start_tracer() {
	TRACE=$PW_TMP/$1.trace
	pw_start_tracer "modes/$1/tracer" "$TRACE" --json --cgroup "$BASE" "${@:2}"
}

# stop_tracer PART: SIGINT; one line for the tracer itself (exit 0, JSON lines).
# Returns 1 when its output cannot be checked.
stop_tracer() {
	local part=$1 rc=0
	pw_stop_tracer "modes/$part/tracer" || rc=$?
	if [ "$rc" -eq 1 ]; then
		return 1
	elif [ "$rc" -ne 0 ]; then
		: # reported; the events it wrote are still checked
	elif ! jq empty "$TRACE" 2>/dev/null; then
		pw_fail "modes/$part/tracer" "output is not JSON lines: $(head -c 200 "$TRACE")"
		return 1
	else
		pw_pass "modes/$part/tracer"
	fi
	echo "# $part: $(grep -c . "$TRACE" || true) lines traced"
}

# ---- workloads ------------------------------------------------------------------

# shape NETNS: delay loopback packets with a slow token bucket, so that the
# SYN-ACK reaches the client from a qdisc timer in softirq, while the
# connecting process sleeps in connect(), not from its own process context.
shape() {
	if ip netns exec "$1" tc qdisc add dev lo root tbf rate 16kbit burst 100 latency 1s \
		2>"$PW_TMP/tc.err"; then
		return 0
	fi
	pw_skip modes/state-ok/softirq "no tbf qdisc ($(head -c 100 "$PW_TMP/tc.err")): handshakes" \
		"complete in process context, owner-at-connect is not exercised"
}

# start NAME WHERE ARGS...: portleak ARGS in the background, in child cgroup
# NAME and a new netns: "narrow" (10 ports) or "shaped" (default range, see
# shape). Files: $PW_TMP/NAME.*
start() {
	local name=$1 where=$2 cg ns
	shift 2
	if [ "$where" = shaped ]; then
		ns=$(pw_make_netns)
		shape "$ns"
	else
		ns=$(pw_make_netns "$LOW" "$HIGH")
	fi
	cg=$(pw_make_cgroup "$name")
	stat -L -c %i "/run/netns/$ns" >"$PW_TMP/$name.netns"
	pw_start_portleak "$name" "$cg" "$ns" "$@" --fail-extra "$FAIL_EXTRA"
}

# finish NAME...: wait for each workload's JSON line and for it to exit.
finish() {
	local name ok=0
	for name; do
		pw_wait_portleak "$name" "modes/$name" exited || ok=1
	done
	# Let the last events cross the ring buffer before the tracer stops.
	sleep 1
	return "$ok"
}

# ---- assertions -------------------------------------------------------------------

# jq_workload NAME PROGRAM [JQ_ARGS...]: run PROGRAM over the slurped $TRACE,
# with $w (the workload's JSON line), $cgroup, $netns, $n (1 + FAIL_EXTRA) and
# the functions events and want.
jq_workload() {
	local name=$1 program=$2
	shift 2
	jq -rs --slurpfile w "$PW_TMP/$name.json" \
		--arg cgroup "$REL_BASE/$name" \
		--argjson netns "$(cat "$PW_TMP/$name.netns")" \
		--argjson n $((1 + FAIL_EXTRA)) "$@" '
		def events: .[] | select(.type == "event");
		def want($k; $v): if .[$k] != $v then "\($k) is \(.[$k] | tojson), want \($v | tojson)" else empty end;
		$w[0] as $w | '"$program" "$TRACE" || echo "jq failed on $TRACE"
}

# expect_failures PART NAME OP ERRNO RESULT SOURCE SPORT [SADDR]: the
# workload's events are exactly its 1 + FAIL_EXTRA alloc failures, with every
# attribute right (SADDR: also the local address). PROTO=udp for UDP ones.
expect_failures() {
	local problems
	# shellcheck disable=SC2016 # $names belong to jq
	problems=$(jq_workload "$2" '
		[events | select(.pid == $w.pid)] as $ev
		| if $w.failed != $n then "the workload itself failed \($w.failed) times, want \($n)" else empty end,
		  if ($ev | length) != $n then "\($ev | length) events for pid \($w.pid), want \($n)" else empty end,
		  ([events | select(.cgroup == $cgroup)] | length | if . != $n then "\(.) events in cgroup \($cgroup), want \($n)" else empty end),
		  ([$ev[]
		   | want("alloc_failed"; true), want("op"; $op), want("proto"; $proto),
		     want("family"; "ipv4"), want("tid"; $w.pid), want("comm"; $w.comm),
		     want("cgroup"; $cgroup), want("netns"; $netns), want("errno"; $errno),
		     want("result"; $result), want("source"; $source), want("sport"; $sport),
		     (if $saddr != "" then want("saddr"; $saddr) else empty end),
		     (if $op == "connect" then want("daddr"; "127.0.0.1"), want("dport"; 5001) else empty end)
		  ] | unique[])' \
		--arg op "$3" --argjson errno "$4" --arg result "$5" --arg source "$6" \
		--argjson sport "$7" --arg saddr "${8:-}" --arg proto "${PROTO:-tcp}")
	pw_report "modes/$1/$2" "$problems"
}

# expect_none PART NAME: the workload failed as usual, yet no event names its
# pid or its cgroup.
expect_none() {
	local problems
	# shellcheck disable=SC2016 # $names belong to jq
	problems=$(jq_workload "$2" '
		if $w.failed != $n then "the workload itself failed \($w.failed) times, want \($n)" else empty end,
		([events | select(.pid == $w.pid or .cgroup == $cgroup)] | length
		 | if . != 0 then "\(.) events from pid \($w.pid) or cgroup \($cgroup), want none" else empty end)')
	pw_report "modes/$1/$2" "$problems"
}

# The three connects of tcp-ok: ok, from the workload, from the ports it got.
expect_ok_connects() {
	local problems
	# shellcheck disable=SC2016 # $names belong to jq
	problems=$(jq_workload "$1" '
		[events | select(.op == "connect" and .cgroup == $cgroup)] as $c
		| if $w.ok != 3 or $w.failed != 0 then "the workload made \($w.ok) connections, \($w.failed) failed" else empty end,
		  if ($c | length) != 3 then "\($c | length) connect events in \($cgroup), want 3" else empty end,
		  ([$c[]
		   | want("pid"; $w.pid), want("tid"; $w.pid), want("comm"; $w.comm),
		     want("result"; "ok"), want("errno"; 0), want("alloc_failed"; false),
		     want("source"; "state"), want("proto"; "tcp"), want("family"; "ipv4"),
		     want("netns"; $netns), want("saddr"; "127.0.0.1"),
		     want("daddr"; "127.0.0.1"), want("dport"; 5001)
		  ] | unique[]),
		  if ([$c[].sport] | sort) != ($w.ports | sort) then "connect sports \([$c[].sport] | sort), want the workload ports \($w.ports | sort)" else empty end')
	pw_report modes/state-ok/connect "$problems"
}

# The listener of tcp-ok: one bind (cgroup hook) and one listen (state), both
# on port 5001, and no event from the workload besides these and the connects.
expect_ok_listener() {
	local problems
	# shellcheck disable=SC2016 # $names belong to jq
	problems=$(jq_workload "$1" '
		[events | select(.pid == $w.pid)] as $ev
		| [$ev[] | select(.op == "bind")] as $b
		| [$ev[] | select(.op == "listen")] as $l
		| if ($b | length) != 1 then "\($b | length) bind events, want 1" else empty end,
		  if ($l | length) != 1 then "\($l | length) listen events, want 1" else empty end,
		  ([$b[] | want("source"; "cgroup")], [$l[] | want("source"; "state")]
		   | unique[]),
		  ([$b[], $l[]
		   | want("sport"; 5001), want("saddr"; "127.0.0.1"), want("proto"; "tcp"),
		     want("result"; "ok"), want("errno"; 0), want("alloc_failed"; false),
		     want("tid"; $w.pid), want("comm"; $w.comm), want("cgroup"; $cgroup),
		     want("netns"; $netns)
		  ] | unique[]),
		  ([$ev[] | select(.op != "bind" and .op != "listen" and .op != "connect") | .op]
		   | if length > 0 then "unexpected events: \(.)" else empty end)')
	pw_report modes/state-ok/listener "$problems"
}

# ---- the test ---------------------------------------------------------------------

# state --failed: what the state hooks catch, and what they must not claim to.
part_state() {
	start_tracer state --failed --mode state || return 0
	start tcp narrow tcp-connect --listen --comm pl-tcp
	start listen0 narrow listen0
	start bind0 narrow bind0
	start udpsend narrow udp-sendto
	start udpconnect narrow udp-connect
	start bound-state narrow tcp-bound-connect --listen --bind-port "$BIND_PORT"
	finish tcp listen0 bind0 udpsend udpconnect bound-state || true
	stop_tracer state || return 0
	expect_failures state tcp connect 99 EADDRNOTAVAIL state 0
	expect_failures state listen0 listen 98 EADDRINUSE state 0
	expect_failures state bind0 bind 98 EADDRINUSE release 0
	PROTO=udp expect_failures state udpsend autobind 11 EAGAIN send 0
	PROTO=udp expect_failures state udpconnect connect 11 EAGAIN release 0
	expect_none state bound-state
}

# syscall --failed: the bind-before-connect victim, seen at connect()'s return.
part_syscall() {
	start_tracer syscall --failed --mode syscall || return 0
	start bound narrow tcp-bound-connect --listen --bind-port "$BIND_PORT" --comm pl-bound
	finish bound || true
	stop_tracer syscall || return 0
	expect_failures syscall bound connect 99 EADDRNOTAVAIL syscall "$BIND_PORT" 127.0.0.1
}

# state, successes too: connect outcomes with their owner, the listener.
part_state_ok() {
	start_tracer state-ok --mode state || return 0
	start ok shaped tcp-ok --comm pl-ok
	finish ok || true
	stop_tracer state-ok || return 0
	expect_ok_connects ok
	expect_ok_listener ok
}

part_state
part_syscall
part_state_ok
pw_done
