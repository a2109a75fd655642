#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The state hook's rescue (bpf/trace.bpf.c, README "Lost events and missed
# runs"): `run` attaches state_rescue only once state_btf has missed a run;
# the other commands from the start. Real misses are made here: with RPS on
# the loopback of a netns of ours, packets sent on one CPU are handled in
# softirq on the other, interrupting the state hook that runs there for a
# churn loop pinned to it (two loops, one per CPU).
#   rescue/waits     `run` holds a state_btf link and no state_rescue link
#                    while nothing was missed
#   rescue/on-miss   after state_btf's first misses, `run` attaches
#                    state_rescue and says so on stderr, once
#   rescue/rescues   once attached, state_btf's further misses are rescued:
#                    the daemon's portwarden_missed_program_runs_total grows by
#                    less than state_btf's recursion_misses
#   rescue/others    `trace` holds a state_rescue link from the start
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden jq curl bpftool taskset
CHURN=$PW_OUTPUT/tests/bench/churn
pw_require_file "$CHURN" churn

SOCK=$PW_TMP/run.sock
printf '[daemon]\ninterval = 250ms\n' >"$PW_TMP/rescue.conf"
pw_start_run rescue/start "$PW_TMP/run" --socket "$SOCK" --config "$PW_TMP/rescue.conf" || pw_done
DAEMON=$PW_DAEMON
sleep 1 # a few steps: nothing missed, nothing attached

prog_id() { # PID NAME: the id of PID's program NAME
	local id
	for id in $(pw_prog_ids "$1"); do
		[ "$(bpftool prog show id "$id" -j 2>/dev/null | jq -r .name)" != "$2" ] || { echo "$id"; return; }
	done
}
misses() { # PROG_ID: its recursion_misses
	bpftool prog show id "$1" -j 2>/dev/null | jq -r '.recursion_misses // 0'
}
missed_total() { # the daemon's missed runs, from /metrics
	curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/metrics |
		awk '$1 == "portwarden_missed_program_runs_total" { print $2 }'
}

SB=$(prog_id "$DAEMON" state_btf)
SR=$(prog_id "$DAEMON" state_rescue)
b=$(pw_prog_links "$DAEMON" state_btf)
r=$(pw_prog_links "$DAEMON" state_rescue)
m=$(misses "${SB:-none}")
if [ "${m:-0}" -gt 0 ]; then
	pw_skip rescue/waits "state_btf missed $m runs before the check (other traffic on this host)"
else
	pw_check rescue/waits "programs: state_btf ${SB:-none}, state_rescue ${SR:-none} (want both loaded); links: state_btf $b (want 1), state_rescue $r (want 0)" \
		test -n "$SB" -a -n "$SR" -a "$b" -eq 1 -a "$r" -eq 0
fi

if [ "$(nproc)" -lt 2 ]; then
	pw_skip rescue/on-miss "one CPU: no softirq on another CPU to interrupt the hook"
	pw_done
fi
NS=$(pw_make_netns)
ip netns exec "$NS" sh -c 'echo 3 >/sys/class/net/lo/queues/rx-0/rps_cpus' ||
	{ pw_skip rescue/on-miss "cannot set RPS on the netns's loopback"; pw_done; }
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
for c in 0 1; do
	taskset -c "$c" ip netns exec "$NS" "$CHURN" --duration 30 --port $((5100 + c)) \
		>"$PW_TMP/churn$c.out" 2>&1 &
	pw_track_pid $!
done

# the first misses, then the attach (a loaded machine's polls are slow: 30 s)
first='' deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
	m=$(misses "$SB")
	[ -n "$first" ] || [ "${m:-0}" -eq 0 ] || first=$SECONDS
	[ -z "$first" ] || [ "$(pw_prog_links "$DAEMON" state_rescue)" -eq 0 ] || break
	sleep 0.1
done
if [ -z "$first" ]; then
	pw_skip rescue/on-miss "state_btf missed no run in 30 s of churn with RPS"
	pw_done
fi
r=$(pw_prog_links "$DAEMON" state_rescue)
said=$(grep -c 'its rescue program now runs' "$PW_TMP/run.err" || true)
pw_check rescue/on-miss "state_rescue links $r (want 1) $((SECONDS - first)) s after the first miss was seen, the line said $said times (want 1)" \
	test "$r" -eq 1 -a "$said" -eq 1

m1=$(misses "$SB") x1=$(missed_total)
sleep 5
m2=$(misses "$SB") x2=$(missed_total)
if [ "$m2" -eq "$m1" ]; then
	pw_skip rescue/rescues "state_btf missed no run in the 5 s after the attach"
else
	pw_check rescue/rescues "state_btf misses $m1 -> $m2, the daemon's missed runs $x1 -> $x2 (want less growth)" \
		test $((x2 - x1)) -lt $((m2 - m1))
fi
kill -s TERM "$DAEMON"
pw_wait_exit "$DAEMON" 15 || true

"$PW_PORTWARDEN" trace >/dev/null 2>"$PW_TMP/trace.err" &
T=$!
pw_track_pid "$T"
r=0
for _ in $(seq 50); do
	r=$(pw_prog_links "$T" state_rescue)
	[ "$r" -eq 0 ] || break
	sleep 0.2
done
pw_check rescue/others "trace's state_rescue links $r (want 1): $(head -c 200 "$PW_TMP/trace.err")" test "$r" -eq 1
kill -s INT "$T"
pw_wait_exit "$T" 15 || true
pw_done
