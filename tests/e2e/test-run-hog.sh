#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The flat hog: a process takes a whole pool in one burst and holds it flat.
# No trend rule sees it; victims fail for as long as it lives. In netns A a
# hog takes every port of 1000 and a victim keeps trying to connect; in
# netns B a holder takes every port too, but nobody else tries there. With
# hog_time = 10s (quarantine 3 s, grace 3 s), `run --enforce`:
#   run-hog/stopped     the hog is named a hog, quarantined and stopped
#                       within 45 s of the victim's first failure
#   run-hog/probe       afterwards a fresh client connects in netns A
#   run-hog/no-victim   the full pool nobody else needs: its holder is
#                       alive and never acted on
#   run-hog/lifeline    in netns C a hog takes 960 ports of 1000 in a burst
#                       and holds them: past the lifeline (default 95%), the
#                       pool is kept for protected processes, so its victim's
#                       connects are refused by the lifeline, which no failure
#                       event shows (the pool is not full): the hog is still
#                       named a hog and stopped within 45 s
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
PORT=5001
NS_A=$(pw_make_netns 40000 40999)
NS_B=$(pw_make_netns 40000 40999)
NS_C=$(pw_make_netns 40000 40999)

# start KEY NETNS CMD...: CMD in cgroup KEY, stdout to KEY.out (pw_start_cmd).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$1")" "$2" "${@:3}"
}

cat >"$PW_TMP/run.conf" <<CONF
[policy]
hog_time = 10s
quarantine_time = 3s
grace = 3s
CONF
# A's server closes what it accepts: when the hog dies, its sockets (then in
# CLOSE_WAIT) close without a TIME_WAIT on its side, and the ports come back
# at once, as they would from a server that does not keep dead connections
start srv-a "$NS_A" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 --comm pl-srv
start srv-b "$NS_B" "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv
start srv-c "$NS_C" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 --comm pl-srv
pw_wait_for_file_line "$PW_TMP/srv-a.out" '^{' 10 || true
pw_wait_for_file_line "$PW_TMP/srv-b.out" '^{' 10 || true
pw_start_guard run-hog --cgroup "$BASE" --config "$PW_TMP/run.conf" || pw_done
start hog "$NS_A" "$GUARDLEAK" tcp --port "$PORT" --rate 2000 --stop-on-fail --comm hog
start holder "$NS_B" "$GUARDLEAK" tcp --port "$PORT" --rate 2000 --stop-on-fail --comm holder
pw_wait_for_file_line "$PW_TMP/hog.out" '^failed ' 20 || true
pw_wait_for_file_line "$PW_TMP/holder.out" '^failed ' 20 || true
start victim "$NS_A" "$PW_PORTLEAK" tcp-churn --port "$PORT" --rate 5 --duration 60 --comm pl-victim
t0=$SECONDS
hog=$(cat "$PW_TMP/hog.pid")
while [ $((SECONDS - t0)) -lt 45 ] && pw_pid_alive "$hog" "$(cat "$PW_TMP/hog.start")"; do
	sleep 0.5
done
echo "# hog gone after $((SECONDS - t0)) s of victim failures"
jq -r 'select(.event == "action" or .event == "result")
	| "# \(.ts[11:19]) \(.event) \(.action) pid \(.pid) \(.comm) \(.class) \(.ports_held) ports: \(.reason)"' \
	"$PW_TMP/run.jsonl" 2>/dev/null || true

problems=$(
	! pw_pid_alive "$hog" "$(cat "$PW_TMP/hog.start")" || echo "the hog still runs after 45 s of victim failures"
	jq -e -s --argjson pid "$hog" 'any(.[]; .event == "action" and .pid == $pid and .class == "hog")' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "no action on it as a hog"
)
pw_report run-hog/stopped "$problems"
problems=$(pw_probe_connect "$NS_A" "$PORT")
pw_report run-hog/probe "$problems"
holder=$(cat "$PW_TMP/holder.pid")
problems=$(
	pw_pid_alive "$holder" "$(cat "$PW_TMP/holder.start")" || echo "the holder is gone"
	jq -r -s --argjson pid "$holder" '.[] | select(.event == "action" and .pid == $pid) | "\(.action) on it: \(.reason)"' \
		"$PW_TMP/run.jsonl"
)
pw_report run-hog/no-victim "$problems"

# ---- netns C: the lifeline stops the hog first --------------------------------
start hogc "$NS_C" "$GUARDLEAK" tcp --port "$PORT" --rate 2000 --count 960 --comm hogc
pw_wait_for_file_line "$PW_TMP/hogc.out" '^done ' 20 || true
pw_wait_for_file_line "$PW_TMP/run.jsonl" '"event":"lifeline","action":"engaged".*"remote_port":5001,"used":96' 10 || true
start victimc "$NS_C" "$PW_PORTLEAK" tcp-churn --port "$PORT" --rate 5 --duration 60 --comm pl-victimc
t0=$SECONDS
hogc=$(cat "$PW_TMP/hogc.pid")
while [ $((SECONDS - t0)) -lt 45 ] && pw_pid_alive "$hogc" "$(cat "$PW_TMP/hogc.start")"; do
	sleep 0.5
done
echo "# lifeline: hog gone after $((SECONDS - t0)) s"
problems=$(
	grep -q '^done .*ports=960' "$PW_TMP/hogc.out" || echo "the hog did not take its 960 ports: $(tr '\n' ' ' <"$PW_TMP/hogc.out")"
	grep -q '"event":"lifeline","action":"engaged".*"used":96' "$PW_TMP/run.jsonl" || echo "the lifeline never engaged on its pool"
	! pw_pid_alive "$hogc" "$(cat "$PW_TMP/hogc.start")" || echo "the hog still runs after 45 s of refusals"
	jq -e -s --argjson pid "$hogc" 'any(.[]; .event == "action" and .pid == $pid and .class == "hog")' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "no action on it as a hog"
)
pw_report run-hog/lifeline "$problems"
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
pw_done
