#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A report judges on the time it watched. During an incident an operator
# runs a short report: 15 s, where the default window (30 s) and its
# hysteresis (15 agreeing samples) would name nothing. A steady leak of 40
# ports/s must be named, with its pid, and the report must say how sure it
# is (the window it judged on); a steady pool that opened its connections
# before the report must not be named.
#   report-short/named      the leaker is a suspect of class "leak"
#   report-short/steady     the steady pool is no suspect
#   report-short/window     window_ms < 30000 in JSON, and the text says so
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden

REL_BASE=$(pw_cgroup_relpath "$(pw_cgroup_base)")

# start NAME ARGS...: portleak ARGS in child cgroup NAME and a netns of 2000 ports.
start() {
	pw_start_portleak "$1" "$(pw_make_cgroup "$1")" "$(pw_make_netns 40000 41999)" "${@:2}" \
		--comm "pl-$1"
}

start steady tcp-connect --listen --count 300 --hold 120
pw_wait_for_file_line "$PW_TMP/steady.json" '^{' 30 || true
start leaker tcp-connect --listen --rate 40 --duration 60 --hold 60
rc=0
"$PW_PORTWARDEN" report --standalone --duration 15 --json --output "$PW_TMP/report.json" </dev/null \
	>/dev/null 2>"$PW_TMP/report.err" || rc=$?
if [ "$rc" -ne 0 ]; then
	pw_fail report-short/run "exit status $rc: $(tail -c 300 "$PW_TMP/report.err")"
	pw_done
fi
"$PW_PORTWARDEN" report --standalone --duration 1 </dev/null >"$PW_TMP/report.txt" 2>/dev/null || true

suspects() { # NAME: the suspects of cgroup NAME, as {pid, class}
	jq -c --arg cg "$REL_BASE/$1" '[.containers[] | select(.cgroup == $cg) | .suspects[] | {pid, class}]' \
		"$PW_TMP/report.json"
}
leaker=$(cat "$PW_TMP/leaker.pid")
problems=$(suspects leaker | jq -r --argjson pid "$leaker" '
	if any(.[]; .pid == $pid and .class == "leak") then empty
	else "the leaker (pid \($pid)) is not named a leak; suspects: \(tojson)" end')
pw_report report-short/named "$problems"
problems=$(suspects steady | jq -r 'if length > 0 then "the steady pool is a suspect: \(tojson)" else empty end')
pw_report report-short/steady "$problems"
problems=$(
	jq -r 'if .window_ms >= 30000 then "window_ms \(.window_ms): not fitted to 15 s" else empty end' \
		"$PW_TMP/report.json"
	grep -q 'a short watch' "$PW_TMP/report.txt" || echo "the text report does not say the watch was short"
)
pw_report report-short/window "$problems"
pw_done
