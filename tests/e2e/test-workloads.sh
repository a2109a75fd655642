#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks that portleak really produces the port allocation failures the tracer
# tests rely on: each mode runs in its own cgroup and netns whose port range is
# narrowed to 10 ports, and must get exactly those 10 ports, then fail 1 + 2
# times with the mode's errno while the process sits in the right cgroup.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_root
pw_require_cmd ip jq
pw_require_cgroup2
pw_require_file "$PW_PORTLEAK" portleak

LOW=40000
HIGH=40009
NPORTS=$((HIGH - LOW + 1))
FAIL_EXTRA=2

# json_mismatches FILE KEY=JSON...: print one "key is X, want Y" per mismatch.
json_mismatches() {
	local file=$1 kv
	shift
	for kv; do
		jq -r --arg k "${kv%%=*}" --argjson want "${kv#*=}" \
			'if .[$k] != $want then "\($k) is \(.[$k] | tojson), want \($want | tojson)" else empty end' \
			"$file" || echo "unreadable JSON in $file"
	done
}

# port_problems FILE COUNT: the ports must be COUNT distinct ones inside the range.
port_problems() {
	jq -r --argjson n "$2" --argjson lo "$LOW" --argjson hi "$HIGH" '
		.ports as $p
		| if ($p | unique | length) != $n then "got \($p | unique | length) distinct ports, want \($n)" else empty end,
		  if any($p[]; . < $lo or . > $hi) then "ports outside \($lo)-\($hi): \($p | tojson)" else empty end' "$1"
}

# start_workload NAME CGROUP NETNS ARGS...: run portleak holding its sockets,
# wait for its JSON line; sets PID and OUT.
start_workload() {
	local name=$1 cg=$2 ns=$3
	shift 3
	OUT=$PW_TMP/$name.json
	# the workload stays our child, so pw_stop reaps it
	pw_start_portleak "$name" "$cg" "$ns" "$@" --hold 60
	PID=$PW_PID
	pw_wait_for_file_line "$OUT" '^{' 30
}

# check_exhaust NAME EXPECT_ERRNO EXPECT_ERRNAME MODE ARGS...
check_exhaust() {
	local name=workloads/$1 errno=$2 errname=$3 cg ns problems
	shift 3
	cg=$(pw_make_cgroup "$1")
	ns=$(pw_make_netns "$LOW" "$HIGH")
	if [ "$(pw_netns_port_range "$ns")" != "$LOW $HIGH" ]; then
		pw_fail "$name" "netns port range is $(pw_netns_port_range "$ns")"
		return
	fi
	if ! start_workload "$1" "$cg" "$ns" "$@"; then
		pw_fail "$name" "no JSON line within 30 s: $(head -c 300 "$PW_TMP/$1.err")"
		return
	fi
	problems=$(
		json_mismatches "$OUT" pid="$PID" mode="\"$1\"" ok="$NPORTS" \
			failed=$((1 + FAIL_EXTRA)) errno="$errno" errname="\"$errname\""
		port_problems "$OUT" "$NPORTS"
		grep -qx "$PID" "$cg/cgroup.procs" || echo "pid $PID not in $cg"
	)
	# Which ports, in which order: shows the kernel's search pattern in the log.
	echo "# $1: ports in order $(jq -c .ports "$OUT")"
	pw_stop "$PID"
	pw_report "$name" "$problems"
}

# A clean workload: three complete connections, no failure at all.
check_tcp_ok() {
	local name=workloads/tcp-ok cg ns problems
	cg=$(pw_make_cgroup tcp-ok)
	ns=$(pw_make_netns "$LOW" "$HIGH")
	if ! start_workload tcp-ok "$cg" "$ns" tcp-ok; then
		pw_fail "$name" "no JSON line within 30 s: $(head -c 300 "$PW_TMP/tcp-ok.err")"
		return
	fi
	problems=$(json_mismatches "$OUT" pid="$PID" ok=3 failed=0 errno=0 errname=null)
	pw_stop "$PID"
	pw_report "$name" "$problems"
}

# Bind-before-connect: every socket binds the same local port (45000 by
# default), so only the first connect gets the 4-tuple; the rest fail with
# EADDRNOTAVAIL, however many ephemeral ports are free (the narrow range only
# keeps a regression that stops binding from connecting for long).
check_bound_connect() {
	local name=workloads/tcp-bound-connect cg ns problems
	cg=$(pw_make_cgroup tcp-bound-connect)
	ns=$(pw_make_netns "$LOW" "$HIGH")
	if ! start_workload tcp-bound-connect "$cg" "$ns" tcp-bound-connect --listen; then
		pw_fail "$name" "no JSON line within 30 s: $(head -c 300 "$PW_TMP/tcp-bound-connect.err")"
		return
	fi
	problems=$(json_mismatches "$OUT" pid="$PID" mode='"tcp-bound-connect"' ok=1 \
		failed=$((1 + FAIL_EXTRA)) errno=99 errname='"EADDRNOTAVAIL"' ports='[45000]')
	pw_stop "$PID"
	pw_report "$name" "$problems"
}

# --comm must rename the process, escape bytes JSON forbids, and truncate to 15.
check_comm() {
	local name=workloads/comm cg want problems
	want=$'pl"k\\\tx-0123456789'
	cg=$(pw_make_cgroup comm)
	if ! start_workload comm "$cg" - bind0 --count 1 --comm "$want"; then
		pw_fail "$name" "no JSON line within 30 s"
		return
	fi
	want=${want:0:15}
	problems=$(
		got=$(jq -r .comm "$OUT")
		[ "$got" = "$want" ] || echo "JSON comm is $(jq -c .comm "$OUT")"
		got="(gone)"
		IFS= read -r got <"/proc/$PID/comm"
		[ "$got" = "$want" ] || echo "/proc comm is '$got'"
	)
	pw_stop "$PID"
	pw_report "$name" "$problems"
}

check_bad_args() {
	local problems="" rc args
	for args in "" "nosuchmode" "bind0 --port 0" "bind0 --addr nothing" "bind0 --count x" "bind0 extra"; do
		rc=0
		# shellcheck disable=SC2086 # split the argument list on purpose
		"$PW_PORTLEAK" $args >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq 2 ] || problems="$problems${problems:+; }'$args' exited $rc"
	done
	pw_report workloads/bad-args "$problems"
}

check_exhaust tcp-connect 99 EADDRNOTAVAIL tcp-connect --listen
check_exhaust bind0 98 EADDRINUSE bind0
check_exhaust listen0 98 EADDRINUSE listen0
check_exhaust udp-sendto 11 EAGAIN udp-sendto
check_exhaust udp-connect 11 EAGAIN udp-connect
check_tcp_ok
check_bound_connect
check_comm
check_bad_args
pw_done
