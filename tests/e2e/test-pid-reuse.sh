#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A pid reused in the same cgroup is a new process, and neither may be
# judged by the other's ports. In one pool held at 85% by a steady holder, a
# leaker (pl-old, 20 connections/s, never closed) is judged by run (dry
# run); then it is SIGKILLed and its pid given to a new process in the same
# cgroup (ns_last_pid; skipped when the host takes the pid first) that
# opens 3 connections to the same server and holds them:
#   pid-reuse/audit-start  the leaker's audit records carry its start_time
#                        (/proc/PID/stat's), so a log reader tells it apart
#   pid-reuse/guard      no decision names the new process: its 3 steady
#                        connections are not the leaker's growth
#   pid-reuse/report     run's report names the leaker a leak under its own
#                        name, its peak its own, and the new process no suspect
#   pid-reuse/suspects   run's /suspects gives each its own start_time: the
#                        leaker's row is a leak, none of the new one's is
# The history kept one entity per (pid, cgroup): the leaker's samples and
# class went on under the new process's name, and the guard judged it a
# leak under port pressure (would_kill) while it held 3 connections.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden curl

PORT=5001
BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")
NS=$(pw_make_netns 40000 41999)
CG=$(pw_make_cgroup reuse)
SOCK=$PW_TMP/pw.sock

pw_run_in "$(pw_make_cgroup srv)" "$NS" "$PW_PORTLEAK" sink --port "$PORT" --duration 300 \
	--hold 300 --comm pl-srv >/dev/null
sleep 1
pw_start_portleak steady "$(pw_make_cgroup steady)" "$NS" tcp-connect --port "$PORT" \
	--count 1700 --hold 300 --comm pl-steady
pw_wait_portleak steady pid-reuse/setup || pw_done
printf '[daemon]\nwindow = 6s\n[policy]\nhog_time = 0\n' >"$PW_TMP/pw.conf"
pw_start_run pid-reuse/start "$PW_TMP/run" --cgroup "$BASE" --config "$PW_TMP/pw.conf" \
	--socket "$SOCK" || pw_done
pw_start_portleak old "$CG" "$NS" tcp-connect --port "$PORT" --rate 20 --duration 60 --hold 60 \
	--comm pl-old
old=$(cat "$PW_TMP/old.pid")

# decided PID COMM: run logged a decision on PID under COMM
decided() {
	jq -e -s --argjson pid "$1" --arg comm "$2" \
		'any(.[]; (.event == "suspect" or .event == "action") and .pid == $pid
			and .comm == $comm)' "$PW_TMP/run.jsonl" >/dev/null 2>&1
}
deadline=$((SECONDS + 40))
until decided "$old" pl-old || [ "$SECONDS" -ge "$deadline" ]; do
	sleep 0.5
done
if ! decided "$old" pl-old; then
	pw_fail pid-reuse/guard "the leaker (pid $old) was not judged within 40 s: $(tail -c 300 "$PW_TMP/run.err")"
	pw_done
fi
old_start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$old/stat")
# the records on it name it by its start too
starts=$(jq -c -s --argjson pid "$old" '[.[] | select(.pid == $pid and .comm == "pl-old") | .start_time] | unique' \
	"$PW_TMP/run.jsonl")
if [ "$starts" = "[$old_start]" ]; then
	pw_pass pid-reuse/audit-start
else
	pw_fail pid-reuse/audit-start "the leaker's records give start_time $starts, /proc/$old/stat $old_start"
fi
pw_stop "$old" KILL # reaped: its pid is free
# the next pid the host hands out is the leaker's (unless another fork comes
# first): no fork of ours until pw_run_in's own
echo $((old - 1)) >/proc/sys/kernel/ns_last_pid
pw_run_in -o "$PW_TMP/new.json" "$CG" "$NS" "$PW_PORTLEAK" tcp-connect --port "$PORT" --count 3 \
	--hold 60 --comm pl-new >/dev/null
if [ "$PW_PID" != "$old" ]; then
	pw_skip pid-reuse/guard "pid $old went to another process first, not ours (busy host)"
	pw_skip pid-reuse/report "pid $old went to another process first, not ours (busy host)"
	pw_done
fi
pw_wait_for_file_line "$PW_TMP/new.json" '^{' 30 || true
sleep 8 # steps: the class the leaker left would have been judged by now

problems=$(jq -r -s '.[] | select((.event == "suspect" or .event == "action") and .comm == "pl-new")
	| "\(.event) on the new process (pid \(.pid)): \(.action // "-") \(.class), \(.reason)"' \
	"$PW_TMP/run.jsonl" | sort -u)
pw_report pid-reuse/guard "$problems"

rc=0
"$PW_PORTWARDEN" report --socket "$SOCK" --duration 60 --json >"$PW_TMP/report.json" \
	2>"$PW_TMP/report.err" </dev/null || rc=$?
suspects=$(jq -c --arg cg "$REL_BASE/reuse" '[.containers[] | select(.cgroup == $cg)
	| .suspects[] | {pid, comm, class, peak: .sockets_peak}]' "$PW_TMP/report.json" 2>/dev/null)
echo "# suspects in the cgroup: $suspects"
problems=$(
	[ "$rc" -eq 0 ] || echo "report: exit status $rc: $(tail -c 200 "$PW_TMP/report.err")"
	echo "${suspects:-[]}" | jq -r --argjson pid "$old" '
		([.[] | select(.pid == $pid and .comm == "pl-old")] as $own
		| if ($own | length) == 0 then "the leaker (pid \($pid), pl-old) is not named"
		  elif $own[0].class != "leak" then "the leaker is named \($own[0].class), not leak"
		  elif ($own[0].peak // 0) <= 3 then "the leaker peak \($own[0].peak): not its own"
		  else empty end),
		(.[] | select(.comm == "pl-new")
		| "the new process is named \(.class) with a peak of \(.peak)")'
)
pw_report pid-reuse/report "$problems"

new_start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$old/stat")
problems=$(
	curl -s --max-time 5 --unix-socket "$SOCK" -o "$PW_TMP/suspects.json" http://localhost/suspects ||
		echo "GET /suspects: curl exit $?"
	jq -r --argjson pid "$old" --argjson os "$old_start" --argjson ns "$new_start" '
		[.suspects[] | select(.pid == $pid)] as $rows
		| (if any($rows[]; .start_time == $os and .class == "leak") then empty
		   else "no leak row with the leaker'"'"'s start \($os): \($rows | tojson)" end),
		  ($rows[] | select(.start_time != $os and .class != "none")
		   | "a row of pid \($pid) started at \(.start_time) (the new process: \($ns)) is \(.class)")' \
		"$PW_TMP/suspects.json" 2>&1
)
pw_report pid-reuse/suspects "$problems"
pw_done
