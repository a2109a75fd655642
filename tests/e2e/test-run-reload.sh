#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A reload that changes the window and the interval keeps judging. Before,
# the history kept its old size, and a longer window (or a shorter interval)
# than it could hold silently stopped all detection. A dry run starts with
# window 8s and interval 1s; SIGHUP loads window 16s and interval 500ms
# (34 samples); then a leaker starts, and must be named (would_kill) as it
# would be without the reload.
#   run-reload/resized   "reloaded" says the new interval, window and samples
#   run-reload/judged    the leaker gets a would_kill record after the reload
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden

BASE=$(pw_cgroup_base)
CONF=$PW_TMP/run.conf
printf '[daemon]\ninterval = 1s\nwindow = 8s\n[policy]\nfill_threshold = 20%%\n' >"$CONF"
pw_start_run run-reload/start "$PW_TMP/run" --cgroup "$BASE" --config "$CONF" || pw_done
DAEMON=$PW_DAEMON
printf '[daemon]\ninterval = 500ms\nwindow = 16s\n[policy]\nfill_threshold = 20%%\n' >"$CONF"
kill -s HUP "$DAEMON"
pw_wait_for_file_line "$PW_TMP/run.err" 'reloaded' 10 || true
problems=$(grep -q 'reloaded .*(interval 500 ms, window 16000 ms, 34 samples kept)' "$PW_TMP/run.err" ||
	echo "no reload line with the new sizes: $(grep reload "$PW_TMP/run.err" | tail -n 1)")
pw_report run-reload/resized "$problems"

pw_start_portleak leak "$(pw_make_cgroup leak)" "$(pw_make_netns 40000 41999)" \
	tcp-connect --listen --rate 20 --duration 60 --hold 60 --comm pl-leak
leak=$(cat "$PW_TMP/leak.pid")
t0=$SECONDS
until jq -e -s --argjson pid "$leak" 'any(.[]; .event == "action" and .pid == $pid)' \
	"$PW_TMP/run.jsonl" >/dev/null 2>&1 || [ $((SECONDS - t0)) -ge 60 ]; do
	sleep 1
done
problems=$(jq -r -s --argjson pid "$leak" '
	[.[] | select(.event == "action" and .pid == $pid)] as $a
	| if $a == [] then "no action on the leaker within 60 s of its start" 
	  elif $a[0].action != "would_kill" then "action \($a[0].action), want would_kill" else empty end' \
	"$PW_TMP/run.jsonl")
echo "# named after $((SECONDS - t0)) s"
pw_report run-reload/judged "$problems"
kill -s TERM "$DAEMON"
pw_wait_exit "$DAEMON" 15 || true
pw_done
