#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks `portwarden snapshot` against ss and against the workloads themselves:
#  - per process (pid) and per port state, the counts equal what
#    `ip netns exec NS ss -tanp` / `ss -uanp` show at the same moment (ss state
#    names mapped to snapshot's), BOUND (which ss does not show) equals what
#    the bind0 workload holds; comm and cgroup path are right per process, and
#    each workload's cgroup counts what its process holds;
#  - the sockets nobody holds (TIME_WAIT after churn, the FIN_WAIT2 orphans of
#    a server that closed first) are counted in their states, unowned;
#  - every pool of our two netns: kind, destination, used ports and capacity
#    (range - reserved ports, minus bind()/listen() ports for tcp-connect),
#    computed from ss and the workloads' own port lists;
#  - a leak that ran before portwarden started is attributed to its pid and
#    cgroup (the inventory comes from BPF iterators, not from events);
#  - a hostile comm (ESC, tab, quote, backslash, a byte that is not UTF-8) is
#    escaped in the text tables and exact in the JSON, which stays UTF-8.
#
# Every workload runs in its own child cgroup; they share two private netns
# with narrowed port ranges and a few reserved ports.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden ss stat iconv

# netns A: most workloads; netns B: UDP and the CLOSE_WAIT pair.
A_LOW=40000
A_HIGH=40999
A_RESERVED=40100-40104,40200
B_LOW=50000
B_HIGH=50499
B_RESERVED=50010-50019
# ESC [ 1 m, tab, quote, backslash and 0xe9 (Latin-1 e-acute, not UTF-8).
HOSTILE=$'pw\e[1m\t"\\\xe9'

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")
SNAP=$PW_TMP/snapshot.json

# ---- setup --------------------------------------------------------------------

# make_netns LOW HIGH RESERVED: a netns with that range and those reserved ports.
make_netns() {
	local ns
	ns=$(pw_make_netns "$1" "$2") || return 1
	# shellcheck disable=SC2016 # $1 belongs to the inner sh
	ip netns exec "$ns" sh -c 'echo "$1" >/proc/sys/net/ipv4/ip_local_reserved_ports' pw "$3" ||
		return 1
	echo "$ns"
}

# start NAME NETNS ARGS...: portleak ARGS in child cgroup NAME and NETNS,
# named pl-NAME (or $COMM). Files: $PW_TMP/NAME.{json,err,pid,ns}.
start() {
	echo "$2" >"$PW_TMP/$1.ns"
	pw_start_portleak "$1" "$(pw_make_cgroup "$1")" "$2" "${@:3}" --comm "${COMM:-pl-$1}"
}

# ready NAME: wait for the workload's JSON line (written once its tries are done).
ready() {
	pw_wait_portleak "$1" snapshot/setup || exit 1
}

# listening NETNS PORT: wait until something listens on PORT in NETNS.
listening() {
	local deadline=$((SECONDS + 10))
	until [ -n "$(ip netns exec "$1" ss -Htln "sport = :$2")" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			pw_fail "snapshot/setup" "nothing listens on port $2 in $1 after 10 s"
			exit 1
		fi
		sleep 0.1
	done
}

# settled NETNS STATE N: wait until ss shows N sockets in STATE (an ss filter name).
settled() {
	local deadline=$((SECONDS + 10))
	until [ "$(ip netns exec "$1" ss -Htan state "$2" | wc -l)" -eq "$3" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			pw_fail "snapshot/setup" "$1 has not $3 sockets in $2 after 10 s"
			exit 1
		fi
		sleep 0.1
	done
}

start_workloads() {
	NS_A=$(make_netns "$A_LOW" "$A_HIGH" "$A_RESERVED")
	NS_B=$(make_netns "$B_LOW" "$B_HIGH" "$B_RESERVED")
	# A listener inside the range takes a port from connect(); one on a
	# reserved port does not. They listen before anything else in NS_A
	# takes ports, or an autobind could take 40500 first.
	start eph "$NS_A" listen --port 40500 --hold 300
	start rsv "$NS_A" listen --port 40200 --hold 300
	listening "$NS_A" 40500
	listening "$NS_A" 40200
	# The leak that runs before portwarden: 300 connections to its own
	# listener, both ends held (--accept), at 150 a second.
	start leaker "$NS_A" tcp-connect --listen --accept --rate 150 --count 300 --hold 300
	COMM=$HOSTILE start bind0 "$NS_A" bind0 --count 50 --hold 300
	start bbc "$NS_A" bind0-connect --listen --accept --port 5004 --count 40 --hold 300
	# Churn, then stop: 300 client ports left in TIME_WAIT by a process that is gone.
	start churn "$NS_A" tcp-churn --listen --port 5003 --count 300 --hold 0
	start udp "$NS_B" udp-sendto --port 5005 --count 100 --hold 300
	# The server closes first; the client never close()s: CLOSE_WAIT on the
	# client, FIN_WAIT2 orphans on the server.
	start cwserver "$NS_B" accept-close --port 5002 --hold 300
	listening "$NS_B" 5002
	start cwclient "$NS_B" tcp-connect --port 5002 --count 60 --hold 300
	for name in leaker bind0 bbc eph rsv churn udp cwclient; do
		ready "$name"
	done
	settled "$NS_B" close-wait 60
	settled "$NS_B" fin-wait-2 60
	pw_wait_exit "$(cat "$PW_TMP/churn.pid")" 10 || true
}

# ---- ss -----------------------------------------------------------------------

# ss_json NETNS: one JSON object per socket ss shows in NETNS, TCP and UDP,
# states named as snapshot names them; pids: the processes holding it.
ss_json() {
	{
		ip netns exec "$1" ss -Htanp | sed 's/^/tcp /'
		ip netns exec "$1" ss -Huanp | sed 's/^/udp /'
	} | awk '
	function port(a) { sub(/.*:/, "", a); return a == "*" ? 0 : a + 0 }
	function addr(a) { sub(/:[^:]*$/, "", a); gsub(/[][]/, "", a); return a }
	function state(proto, s) {
		if (proto == "udp") return "UDP"
		if (s == "SYN-RECV") return "ESTAB"
		if (s == "FIN-WAIT-1" || s == "FIN-WAIT-2" || s == "CLOSING") return "FIN-WAIT"
		return s
	}
	{
		rest = $0; pids = ""; split("", seen)
		while (match(rest, /pid=[0-9]+/)) {
			p = substr(rest, RSTART + 4, RLENGTH - 4)
			if (!(p in seen)) pids = pids (pids == "" ? "" : ",") p
			seen[p] = 1
			rest = substr(rest, RSTART + RLENGTH)
		}
		printf "{\"proto\":\"%s\",\"ss_state\":\"%s\",\"state\":\"%s\",\"laddr\":\"%s\",\"lport\":%d,\"raddr\":\"%s\",\"rport\":%d,\"pids\":[%s]}\n",
			$1, $2, state($1, $2), addr($5), port($5), addr($6), port($6), pids
	}'
}

# ss_all SUFFIX: ss of our two netns and of our own (root) one.
ss_all() {
	ss_json "$NS_A" >"$PW_TMP/ssA$1"
	ss_json "$NS_B" >"$PW_TMP/ssB$1"
	ss_json_root >"$PW_TMP/ssRoot$1"
}

# take: ss, the snapshot, ss again; until ss is the same before and after
# (the moment is the same for all three), at most 3 times. RC: snapshot's
# status. ROOT_STABLE=0 when our own netns changed meanwhile every time.
take() {
	local i
	ROOT_STABLE=0
	for i in 1 2 3; do
		ss_all .before
		RC=0
		"$PW_PORTWARDEN" snapshot --json >"$SNAP" 2>"$PW_TMP/snapshot.err" || RC=$?
		[ "$RC" -eq 0 ] || return 1
		ss_all ""
		! cmp -s "$PW_TMP/ssRoot" "$PW_TMP/ssRoot.before" || ROOT_STABLE=1
		if cmp -s "$PW_TMP/ssA" "$PW_TMP/ssA.before" && cmp -s "$PW_TMP/ssB" "$PW_TMP/ssB.before" &&
			[ "$ROOT_STABLE" -eq 1 ]; then
			return 0
		fi
		echo "# try $i: sockets changed while the snapshot was taken"
	done
	return 0
}

# ---- assertions -------------------------------------------------------------------

# workloads_json: {name: {pid, comm, cgroup, ports, netns}} of every workload.
workloads_json() {
	local name
	for name in leaker bind0 bbc eph rsv churn udp cwserver cwclient; do
		jq -n --arg name "$name" --arg cgroup "$REL_BASE/$name" \
			--argjson pid "$(cat "$PW_TMP/$name.pid")" --slurpfile w "$PW_TMP/$name.json" \
			'{($name): {pid: $pid, cgroup: $cgroup, ports: ($w[0].ports // []),
			  comm: (if $name == "bind0" then "pw\u001b[1m\t\"\\\u00e9" else "pl-" + $name end)}}'
	done | jq -s add
}

# Per pid and state: snapshot == ss (+ BOUND from the workload), for every pid
# ss shows in our netns and every workload still running.
check_processes() {
	local problems
	problems=$(jq -rn --slurpfile snap "$SNAP" --slurpfile a "$PW_TMP/ssA" --slurpfile b "$PW_TMP/ssB" \
		--argjson bpid "$(jq .pid "$PW_TMP/bind0.json")" --argjson bn "$(jq .ok "$PW_TMP/bind0.json")" \
		--argjson live "$(live_pids)" '
		def states: {"LISTEN":0,"SYN-SENT":0,"ESTAB":0,"CLOSE-WAIT":0,"FIN-WAIT":0,"TIME-WAIT":0,
			"LAST-ACK":0,"BOUND":0,"UDP":0};
		[($a + $b)[] | .state as $s | .pids[] | {pid: ., state: $s}] as $held
		| ([$held[].pid] + $live | unique) as $pids
		| $pids[] as $pid
		| (reduce ($held[] | select(.pid == $pid) | .state) as $s (states; .[$s] += 1)
		   | if $pid == $bpid then .BOUND += $bn else . end) as $want
		| ([$snap[0].processes[] | select(.pid == $pid)][0].states // null) as $got
		| if $got == null then "pid \($pid): not in the snapshot, ss: \($want | with_entries(select(.value > 0)) | tojson)"
		  elif $got != $want then
			"pid \($pid): " + ([states | keys_unsorted[] | select($got[.] != $want[.])
				| "\(.) \($got[.]) (ss \($want[.]))"] | join(", "))
		  else empty end') || problems="jq failed"
	pw_report snapshot/per-process "$problems"
}

# The pids of the workloads still running.
live_pids() {
	local name pids=()
	for name in leaker bind0 bbc eph rsv udp cwserver cwclient; do
		pids+=("$(cat "$PW_TMP/$name.pid")")
	done
	printf '%s\n' "${pids[@]}" | jq -s .
}

# Each running workload: its comm and cgroup path; its cgroup counts what it holds.
check_attribution() {
	local problems
	problems=$(jq -rn --slurpfile snap "$SNAP" --argjson w "$(workloads_json)" '
		$snap[0] as $s
		| $w | to_entries[] | select(.key != "churn") | .key as $name | .value as $v
		| ([$s.processes[] | select(.pid == $v.pid)][0]) as $p
		| ([$s.cgroups[] | select(.cgroup == $v.cgroup)][0]) as $g
		| if $p == null then "\($name): pid \($v.pid) not in the snapshot" else
			(if $p.comm != $v.comm then "\($name): comm \($p.comm | tojson), want \($v.comm | tojson)" else empty end),
			(if $p.cgroup != $v.cgroup then "\($name): cgroup \($p.cgroup), want \($v.cgroup)" else empty end),
			(if $g == null then "\($name): no cgroup \($v.cgroup) in the snapshot"
			 elif $g.processes != 1 or $g.states != $p.states or $g.sockets != $p.sockets then
				"\($name): cgroup holds \($g.states | with_entries(select(.value > 0)) | tojson) with \($g.processes) processes, its process \($p.states | with_entries(select(.value > 0)) | tojson)"
			 else empty end)
		  end') || problems="jq failed"
	pw_report snapshot/attribution "$problems"
}

# The leak that ran before portwarden: its 300 connections, both ends, on its pid and cgroup.
check_preexisting() {
	local problems
	problems=$(jq -rn --slurpfile snap "$SNAP" --argjson w "$(workloads_json)" '
		$w.leaker as $v
		| ([$snap[0].processes[] | select(.pid == $v.pid)][0]) as $p
		| if $p == null then "pid \($v.pid) not in the snapshot"
		  elif $p.states.ESTAB != 600 or $p.states.LISTEN != 1 or $p.cgroup != $v.cgroup then
			"pid \($v.pid): \($p.states | with_entries(select(.value > 0)) | tojson) in \($p.cgroup), want ESTAB 600, LISTEN 1 in \($v.cgroup)"
		  else empty end') || problems="jq failed"
	pw_report snapshot/preexisting-leak "$problems"
}

# What each workload holds by its own account (BBC: bind-before-connect).
check_known_counts() {
	local problems
	problems=$(jq -rn --slurpfile snap "$SNAP" --argjson w "$(workloads_json)" '
		{leaker: {ESTAB: 600, LISTEN: 1}, bind0: {BOUND: 50}, bbc: {ESTAB: 80, LISTEN: 1, BBC: 40},
		 eph: {LISTEN: 1}, rsv: {LISTEN: 1}, udp: {UDP: 100}, cwserver: {LISTEN: 1},
		 cwclient: {"CLOSE-WAIT": 60}} | to_entries[] | .key as $name | .value as $want
		| ([$snap[0].processes[] | select(.pid == $w[$name].pid)][0]) as $p
		| ($p.states // {} | with_entries(select(.value > 0))
		   + (if ($p.bind_before_connect // 0) > 0 then {BBC: $p.bind_before_connect} else {} end)) as $got
		| if $got != $want then "\($name): \($got | tojson), want \($want | tojson)" else empty end'
	) || problems="jq failed"
	pw_report snapshot/known-counts "$problems"
}

# Nobody holds TIME_WAIT sockets and orphans: snapshot counts them without a
# process, in cgroup id 0 (without a tracer running, their closer is unknown).
# Compared with ss over every netns that has sockets, when those are ours and
# the root one (the only ones ss can be run in).
check_unowned() {
	local problems root_ns others
	root_ns=$(stat -L -c %i /proc/self/ns/net)
	others=$(jq -r --argjson ns "[$root_ns, $(netns_inum "$NS_A"), $(netns_inum "$NS_B")]" \
		'[.pools[].netns] | unique - $ns | .[]' "$SNAP")
	if [ -n "$others" ]; then
		pw_skip snapshot/unowned "sockets in netns we cannot run ss in: $(echo "$others" | paste -sd ' ')"
		return
	fi
	if [ "$ROOT_STABLE" -ne 1 ]; then
		pw_skip snapshot/unowned "the sockets of our own netns kept changing"
		return
	fi
	problems=$(jq -rn --slurpfile snap "$SNAP" --slurpfile a "$PW_TMP/ssA" --slurpfile b "$PW_TMP/ssB" \
		--slurpfile r "$PW_TMP/ssRoot" '
		[($a + $b + $r)[] | select(.pids == [] and .proto == "tcp")] as $un
		| ([$snap[0].cgroups[] | select(.cgroup_id == 0)][0].states // {}) as $got
		| ["TIME-WAIT", "FIN-WAIT"][] as $st
		| ([$un[] | select(.state == $st)] | length) as $want
		| if ($got[$st] // 0) != $want then "\($st): \($got[$st] // 0) unowned, ss shows \($want)" else empty end,
		  if $st == "TIME-WAIT" and $want < 300 then "ss shows \($want) TIME-WAIT sockets, the churn left 300" else empty end,
		  if $st == "FIN-WAIT" and $want < 60 then "ss shows \($want) FIN-WAIT sockets, the server left 60" else empty end'
	) || problems="jq failed"
	pw_report snapshot/unowned "$problems"
}

# ss_json_root: our own netns, for the unowned sockets only: state and
# whether a process holds it (pids [0]) or not ([]).
ss_json_root() {
	{
		ss -Htanp | sed 's/^/tcp /'
		ss -Huanp | sed 's/^/udp /'
	} | awk '{ s = $2; if (s == "FIN-WAIT-1" || s == "FIN-WAIT-2" || s == "CLOSING") s = "FIN-WAIT"
		printf "{\"proto\":\"%s\",\"state\":\"%s\",\"pids\":%s}\n", $1, s, ($0 ~ /pid=/ ? "[0]" : "[]") }'
}

netns_inum() {
	stat -L -c %i "/run/netns/$1"
}

# expected_pools NETNS LOW HIGH RESERVED BOUND_PORTS_JSON BIND_PORTS_JSON:
# the pools snapshot must show for NETNS, from ss. BOUND_PORTS: ports of
# sockets ss cannot see (bound, idle); BIND_PORTS: ports taken by bind()
# besides listeners (bound and bind-before-connect sockets).
expected_pools() {
	local ss=$1
	shift
	jq -sc --argjson lo "$1" --argjson hi "$2" --arg rsv "$3" --argjson bound "$4" --argjson bind "$5" '
		def reserved: $rsv | split(",") | map(split("-") | map(tonumber) | [.[0], (.[1] // .[0])]);
		def in_range: . as $p | $p >= $lo and $p <= $hi and (reserved | all(. as [$a, $b] | $p < $a or $p > $b));
		def distinct_in_range: map(select(in_range)) | unique | length;
		. as $socks
		| ($hi - $lo + 1 - ([range($lo; $hi + 1) | select(in_range | not)] | length)) as $cap
		| ([$socks[] | select(.state == "LISTEN") | .lport] + $bind + $bound | unique) as $taken
		| ([$socks[] | select(.proto == "tcp") | .lport] + $bound) as $tcp
		| [$socks[] | select(.proto == "udp") | .lport] as $udp
		| [$socks[] | select(.proto == "tcp" and .state != "LISTEN" and (.lport as $p | $taken | index($p) | not))] as $conn
		| [{kind: "tcp-bind", used: ($tcp | distinct_in_range), capacity: $cap}]
		+ (if $udp == [] then [] else [{kind: "udp", used: ($udp | distinct_in_range), capacity: $cap}] end)
		+ [$conn | group_by([.laddr, .raddr, .rport])[]
		   | {kind: "tcp-connect", local: .[0].laddr, remote: .[0].raddr, remote_port: .[0].rport,
		      used: (map(.lport) | distinct_in_range), capacity: ($cap - ($taken | distinct_in_range))}]
		| sort_by(.kind, .remote_port)' "$ss"
}

# check_pools NAME NETNS SS_FILE LOW HIGH RESERVED BOUND_PORTS BIND_PORTS
check_pools() {
	local name=$1 inum want problems
	inum=$(netns_inum "$2")
	want=$(expected_pools "$3" "$4" "$5" "$6" "$7" "$8")
	problems=$(jq -rn --slurpfile snap "$SNAP" --argjson ns "$inum" --argjson want "$want" '
		[$snap[0].pools[] | select(.netns == $ns)
		 | {kind, local, remote, remote_port, used, capacity} | with_entries(select(.value != null))]
		| sort_by(.kind, .remote_port) as $got
		| if $got != $want then
			([$want[] | . as $w | select($got | index([$w]) | not) | "want \($w | tojson)"]
			 + [$got[] | . as $g | select($want | index([$g]) | not) | "got \($g | tojson)"])[]
		  else empty end') || problems="jq failed"
	pw_report "snapshot/pools-$name" "$problems"
	echo "# pools of netns $name ($inum): $(echo "$want" | jq -c 'map([.kind, .remote_port // "", .used, .capacity] | map(tostring) | join(" "))')"
}

# The hostile comm: exact in JSON (0xe9 as U+00E9), escaped in text, no raw
# control or non-ASCII byte in the text, valid UTF-8 in the JSON.
check_hostile_comm() {
	local pid problems line
	pid=$(cat "$PW_TMP/bind0.pid")
	"$PW_PORTWARDEN" snapshot --limit 0 >"$PW_TMP/snapshot.txt" 2>>"$PW_TMP/snapshot.err" ||
		echo "exit status $? in text mode" >"$PW_TMP/text.problems"
	problems=$(
		cat "$PW_TMP/text.problems" 2>/dev/null || true
		iconv -f UTF-8 -t UTF-8 "$SNAP" >/dev/null 2>&1 || echo "JSON is not valid UTF-8"
		jq -r --argjson pid "$pid" '[.processes[] | select(.pid == $pid)][0].comm
			| if . != "pw\u001b[1m\t\"\\\u00e9" then "JSON comm is \(tojson)" else empty end' "$SNAP"
		line=$(awk -v p="$pid" '$1 == p' "$PW_TMP/snapshot.txt")
		case $line in
		*'pw\x1b[1m\x09"\\\xe9'*) ;;
		*) echo "text row of pid $pid: $(printf '%q' "$line" | head -c 200)" ;;
		esac
		if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f-\xff]' "$PW_TMP/snapshot.txt"; then
			echo "raw control or non-ASCII bytes in the text output"
		fi
	)
	pw_report snapshot/hostile-comm "$problems"
}

# ---- the test ---------------------------------------------------------------------

start_workloads
if ! take; then
	pw_fail snapshot/run "exit status $RC: $(tail -c 300 "$PW_TMP/snapshot.err")"
	pw_done
fi
if ! jq -e '.type == "snapshot" and .version == 1' "$SNAP" >/dev/null; then
	pw_fail snapshot/json "not a version 1 snapshot: $(head -c 200 "$SNAP")"
	pw_done
fi
pw_pass snapshot/json
echo "# $(jq -c .total "$SNAP")"

check_processes
check_known_counts
check_attribution
check_preexisting
check_unowned
W=$(workloads_json)
check_pools A "$NS_A" "$PW_TMP/ssA" "$A_LOW" "$A_HIGH" "$A_RESERVED" \
	"$(echo "$W" | jq -c .bind0.ports)" "$(echo "$W" | jq -c '.bbc.ports + .bind0.ports')"
check_pools B "$NS_B" "$PW_TMP/ssB" "$B_LOW" "$B_HIGH" "$B_RESERVED" '[]' '[]'
check_hostile_comm
pw_done
