#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks `portwarden report`: one run watches every leak class at once, each
# workload in its own child cgroup and netns, and must name per cgroup:
#   leak                 connections to its own listener, never closed (this
#                        one started before portwarden, holding ~200 already)
#   bind-before-connect  bind(ip, 0) then connect(), never closed
#   udp-leak             a new UDP socket per message, never closed
#   time-wait-churn      connect and close at 100/s, client closing first
#                        (churn, and never "leak")
#   close-wait           a client that never close()s what its server closed
#   ephemeral-listener   a listener on a port inside ip_local_port_range
#   none                 a steady pool: 500 connections opened at once (15 s
#                        after its listener), then held
# with the workload's pid and comm as the suspect. A leaker exhausts a
# 200-port range while a second process in its netns keeps connecting to the
# same destination: that one must be a victim (EADDRNOTAVAIL), not a suspect,
# and the leaker the only suspect. Two more runs at the same time check that
# --output writes the same JSON atomically (never a partial file) and that
# the text report names each class with its advice.
#
# The duration follows classify.c's defaults with 1 s samples: a class needs
# a judged window (30 s of history) and then 15 breaching windows in a row,
# so a leak running from the start is named at t = 44 s; 75 s leaves 31 s,
# room for samples that stretch when the host is busy (three reports run at
# once). Rates keep every pool far from exhaustion within that time, except
# the exhausted one (3/s for 200 ports: 67 s, growing past t = 44 s with a
# margin, and leaving the victim 8 s of failures before the end).
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden ss

DURATION=${PW_REPORT_DURATION:-75}
# How long the workloads keep going: past the report's end in any case.
RUN=$((DURATION + 120))
EXHAUST_LOW=41000
EXHAUST_HIGH=41199
EPHEMERAL_PORT=45000

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")
JSON=$PW_TMP/report.json
OUT=$PW_TMP/output.json
TEXT=$PW_TMP/report.txt

# ---- workloads ----------------------------------------------------------------

# start NAME NETNS ARGS...: portleak ARGS named pl-NAME in child cgroup NAME
# and NETNS. Files: $PW_TMP/NAME.{json,err,pid}.
start() {
	pw_start_portleak "$1" "$(pw_make_cgroup "$1")" "$2" "${@:3}" --comm "pl-$1" --hold "$RUN"
}

pid_of() {
	cat "$PW_TMP/$1.pid"
}

# wait_until SECONDS WHAT CMD...: poll CMD every 0.2 s; FAIL and exit after SECONDS.
wait_until() {
	local limit=$1 what=$2 deadline=$((SECONDS + $1))
	shift 2
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			pw_fail report/setup "$what not within $limit s"
			exit 1
		fi
		sleep 0.2
	done
}

# established_at_least NETNS PORT N: N connections to PORT are established.
# shellcheck disable=SC2317 # called through wait_until
established_at_least() {
	[ "$(ip netns exec "$1" ss -Htn state established "dport = :$2" | wc -l)" -ge "$3" ]
}

# shellcheck disable=SC2317 # called through wait_until
listening() { # NETNS PORT
	[ -n "$(ip netns exec "$1" ss -Htln "sport = :$2")" ]
}

# The leak that starts before portwarden: ~200 connections held at its start.
start_early_leak() {
	LEAK_NS=$(pw_make_netns)
	start leak "$LEAK_NS" tcp-connect --listen --rate 20 --duration "$RUN"
}

start_servers() {
	BBC_NS=$(pw_make_netns)
	CW_NS=$(pw_make_netns)
	# The far ends: their own cgroups, so that only the clients' cgroups are judged.
	start bbc-sink "$BBC_NS" sink --port 5001 --duration "$RUN"
	start cw-server "$CW_NS" accept-close --port 5002 --duration "$RUN"
	wait_until 10 "bbc-sink listening" listening "$BBC_NS" 5001
	wait_until 10 "cw-server listening" listening "$CW_NS" 5002
}

start_clients() {
	start bbc "$BBC_NS" bind0-connect --port 5001 --rate 5 --duration "$RUN"
	start cw-client "$CW_NS" tcp-connect --port 5002 --rate 5 --duration "$RUN"
	start udp "$(pw_make_netns)" udp-sendto --rate 5 --duration "$RUN"
	start churn "$(pw_make_netns)" tcp-churn --listen --port 5003 --rate 100 --duration "$RUN"
	start eph "$(pw_make_netns 32768 60999)" listen --port "$EPHEMERAL_PORT"
	# Its listener from the start, the 500 connections 15 s later: a step
	# in the middle of the first judged window.
	start pool "$(pw_make_netns)" tcp-connect --listen --accept --count 500 --delay 15
	EXHAUST_NS=$(pw_make_netns "$EXHAUST_LOW" "$EXHAUST_HIGH")
	start exhaust "$EXHAUST_NS" tcp-connect --listen --rate 3 \
		--count $((EXHAUST_HIGH - EXHAUST_LOW + 1))
}

# The victim starts once every port is taken: each of its connects fails.
start_victim() {
	start victim "$EXHAUST_NS" tcp-churn --port 5001 --rate 2 --duration "$RUN"
}

# ---- the reports ----------------------------------------------------------------

# start_reports: three runs at once: JSON on stdout, JSON to --output
# (over an old file, to see it replaced whole), text on stdout.
start_reports() {
	echo old >"$OUT"
	"$PW_PORTWARDEN" report --standalone --json --duration "$DURATION" >"$JSON" 2>"$PW_TMP/report.err" &
	R_JSON=$!
	"$PW_PORTWARDEN" report --standalone --json --duration "$DURATION" --output "$OUT" \
		>"$PW_TMP/output.stdout" 2>"$PW_TMP/output.err" &
	R_OUT=$!
	"$PW_PORTWARDEN" report --standalone --duration "$DURATION" >"$TEXT" 2>"$PW_TMP/text.err" &
	R_TEXT=$!
	pw_track_pid "$R_JSON"
	pw_track_pid "$R_OUT"
	pw_track_pid "$R_TEXT"
}

# watch_reports: start the victim when the pool is exhausted and, until the
# --output run ends, check its file is the old one or a whole report, never a part.
watch_reports() {
	local victim=0 torn="" content start=$SECONDS watching=0
	while pw_pid_alive "$R_OUT"; do
		if [ "$watching" -eq 0 ] &&
			[ "$(grep -l Watching "$PW_TMP"/{report,output,text}.err 2>/dev/null | wc -l)" -eq 3 ]; then
			watching=1
			echo "# all three reports sampling after $((SECONDS - start)) s"
		fi
		if [ "$victim" -eq 0 ] && grep -q '^{' "$PW_TMP/exhaust.json" 2>/dev/null; then
			start_victim
			victim=1
			echo "# pool exhausted $((SECONDS - start)) s after the reports started; victim pid $(pid_of victim)"
		fi
		content=$(cat "$OUT" 2>/dev/null) || content="(missing)"
		if [ -z "$torn" ] && [ "$content" != old ] &&
			! jq -e '.type == "report"' <<<"$content" >/dev/null 2>&1; then
			torn=$(head -c 100 <<<"$content")
		fi
		sleep 0.2
	done
	[ "$victim" -eq 1 ] || pw_fail report/victim "the exhaust workload never finished: $(head -c 200 "$PW_TMP/exhaust.err")"
	echo "$torn" >"$PW_TMP/torn"
}

# finish_report PID NAME: its exit status must be 0.
finish_report() {
	local rc=0
	pw_wait_exit "$1" 30 || true
	wait "$1" || rc=$?
	pw_check "report/exit-$2" "exit status $rc: $(tail -c 300 "$PW_TMP/$2.err")" [ "$rc" -eq 0 ]
}

# ---- assertions -------------------------------------------------------------------

# container NAME [FILE]: the report's container for cgroup NAME, or null.
container() {
	jq -c --arg cg "$REL_BASE/$1" '[.containers[] | select(.cgroup == $cg)][0]' "${2:-$JSON}"
}

# expect_class NAME CLASS: the cgroup's class, and its suspects: exactly the
# workload's pid, with its comm and the same class ("none": no suspects).
expect_class() {
	local name=$1 class=$2 problems
	problems=$(jq -rn --argjson c "$(container "$name")" --arg class "$class" \
		--argjson pid "$(pid_of "$name")" --arg comm "pl-$name" '
		def evidence: "\(.sockets_now) sockets (peak \(.sockets_peak)), \(.states | with_entries(select(.value > 0)) | tojson), growth \(.growth_per_s)/s, opens \(.opens_per_s)/s, closes \(.closes_per_s)/s, failures \(.failures)";
		if $c == null then "no container for its cgroup in the report" else
			(if $c.class != $class then "class \($c.class), want \($class): \($c | evidence)" else empty end),
			(if $class == "none" then
				($c.suspects[] | "suspect pid \(.pid) \(.comm) class \(.class): \(evidence)")
			 else
				([$c.suspects[] | select(.pid == $pid)][0]) as $s
				| if $s == null then "pid \($pid) is no suspect; suspects: \([$c.suspects[] | {pid, comm, class}] | tojson)"
				  else
					(if $s.comm != $comm then "suspect comm \($s.comm | tojson), want \($comm)" else empty end),
					(if $s.class != $class then "suspect class \($s.class), want \($class): \($s | evidence)" else empty end)
				  end,
				($c.suspects[] | select(.pid != $pid) | "other suspect pid \(.pid) \(.comm) class \(.class)")
			 end)
		end') || problems="jq failed"
	pw_report "report/class-$name" "$problems"
}

# The churn and the steady pool: in the report (both hold ports throughout),
# never "leak", whatever else they got.
expect_never_leak() {
	local name=$1 problems
	problems=$(jq -rn --argjson c "$(container "$name")" '
		if $c == null then "no container for its cgroup in the report"
		else ($c | select(.class == "leak") | "cgroup class leak"),
			($c.suspects[] | select(.class == "leak") | "suspect pid \(.pid) class leak")
		end') || problems="jq failed"
	pw_report "report/never-leak-$name" "$problems"
}

# The victim: in victims[] with EADDRNOTAVAIL failures, nowhere a suspect;
# the exhausting leaker: the only suspect of its cgroup, no victim.
check_victim() {
	local problems
	[ -e "$PW_TMP/victim.pid" ] || return 0 # never started: failed already
	problems=$(jq -r --argjson victim "$(pid_of victim)" --argjson leaker "$(pid_of exhaust)" \
		--arg cg "$REL_BASE/victim" --arg lcg "$REL_BASE/exhaust" '
		([.victims[] | select(.pid == $victim)][0]) as $v
		| [.containers[].suspects[]] as $suspects
		| if $v == null then "victim pid \($victim) not in victims[]: \([.victims[] | {pid, comm, cgroup}] | tojson)"
		  else
			(if $v.cgroup != $cg then "victim cgroup \($v.cgroup), want \($cg)" else empty end),
			(if $v.failures < 1 then "victim failures \($v.failures)" else empty end),
			(if $v.failures_by_errno != {EADDRNOTAVAIL: $v.failures, EADDRINUSE: 0, EAGAIN: 0}
			 then "victim failures_by_errno \($v.failures_by_errno | tojson), want all \($v.failures) EADDRNOTAVAIL" else empty end)
		  end,
		  ($suspects[] | select(.pid == $victim) | "the victim is a suspect (class \(.class))"),
		  ([.containers[] | select(.cgroup == $lcg) | .suspects[].pid] | if . != [$leaker] then "suspects of the exhausted pool: \(tojson), want [\($leaker)]" else empty end),
		  (.victims[] | select(.pid == $leaker) | "the leaker is a victim too (\(.failures) failures)")' "$JSON"
	) || problems="jq failed"
	pw_report report/victim "$problems"
	# Named like a suspect, though it holds no socket.
	problems=$(jq -r --argjson victim "$(pid_of victim)" '.victims[] | select(.pid == $victim)
		| if .comm != "pl-victim" then "victim comm \(.comm | tojson), want \"pl-victim\"" else empty end' \
		"$JSON") || problems="jq failed"
	pw_report report/victim-comm "$problems"
}

# Our cgroups and their classes and suspects, from FILE.
classes_of() {
	jq -c --arg base "$REL_BASE/" '[.containers[] | select(.cgroup | startswith($base))
		| {cgroup, class, suspects: [.suspects[] | {pid, class}]}] | sort_by(.cgroup)' "$1"
}

# --output: nothing on stdout, the old file replaced whole by the same report.
check_output() {
	local problems
	problems=$(
		[ ! -s "$PW_TMP/output.stdout" ] || echo "stdout not empty: $(head -c 100 "$PW_TMP/output.stdout")"
		[ -z "$(cat "$PW_TMP/torn")" ] || echo "a partial file was seen: $(cat "$PW_TMP/torn")"
		if ! jq -e '.type == "report"' "$OUT" >/dev/null 2>&1; then
			echo "not a JSON report: $(head -c 100 "$OUT")"
		elif [ "$(classes_of "$OUT")" != "$(classes_of "$JSON")" ]; then
			echo "--output: $(classes_of "$OUT")"
			echo "stdout: $(classes_of "$JSON")"
		fi
		for f in "$OUT".tmp.*; do
			[ ! -e "$f" ] || echo "left behind: $f"
		done
	)
	pw_report report/output "$problems"
}

# The text report: per cgroup the class with its advice (taken from the JSON
# report) and the suspect line; then the victim's line in VICTIMS.
check_text() {
	local problems name class advice pid
	problems=$(
		for name in leak bbc udp churn cw-client eph exhaust; do
			class=$(jq -r .class <<<"$(container "$name")")
			advice=$(jq -r .advice <<<"$(container "$name")")
			pid=$(pid_of "$name")
			awk -v cg="$REL_BASE/$name" -v want="  class: $class: $advice" -v sus="pid $pid pl-$name: $class," '
				$0 == cg { inside = 1; next }
				inside && /^\// { inside = 0 }
				inside && $0 == want { c = 1 }
				inside && index($0, sus) == 5 { s = 1 }
				END {
					if (!c) print cg ": no line \"" want "\""
					if (!s) print cg ": no suspect line \"" sus "\""
				}' "$TEXT"
		done
	)
	pw_report report/text "$problems"
	[ -e "$PW_TMP/victim.pid" ] || return 0 # never started: failed already
	pid=$(pid_of victim)
	problems=$(grep -q "^  pid $pid pl-victim: [1-9][0-9]* failures .* in $REL_BASE/victim\$" "$TEXT" ||
		echo "VICTIMS line for pid $pid is \"$(grep "^  pid $pid " "$TEXT" | head -n 1)\", want \"  pid $pid pl-victim: N failures ... in $REL_BASE/victim\"")
	pw_report report/text-victim "$problems"
}

# A line per cgroup of ours, for the log: the servers are not asserted.
summary() {
	jq -r --arg base "$REL_BASE/" '.containers[] | select(.cgroup | startswith($base))
		| "# \(.cgroup | ltrimstr($base)): \(.class); \(.sockets_now) sockets (peak \(.sockets_peak)), growth \(.growth_per_s)/s, opens \(.opens_per_s)/s, closes \(.closes_per_s)/s, failures \(.failures); suspects \([.suspects[] | "\(.pid) \(.comm) \(.class)"] | join(", "))"' "$JSON"
}

# ---- the test ---------------------------------------------------------------------

start_early_leak
start_servers
wait_until 30 "200 connections held by the early leak" established_at_least "$LEAK_NS" 5001 200
start_clients
start_reports
echo "# reports started; $DURATION s"
watch_reports
finish_report "$R_JSON" report
finish_report "$R_OUT" output
finish_report "$R_TEXT" text
if ! jq -e '.type == "report" and .version == 1' "$JSON" >/dev/null 2>&1; then
	pw_fail report/json "not a version 1 report: $(head -c 200 "$JSON")"
	pw_done
fi
pw_pass report/json
summary
expect_class leak leak
expect_class bbc bind-before-connect
expect_class udp udp-leak
expect_class churn time-wait-churn
expect_class cw-client close-wait
expect_class eph ephemeral-listener
expect_class pool none
expect_class exhaust leak
expect_never_leak churn
expect_never_leak pool
check_victim
check_output
check_text
pw_done
