#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A parent whose 3 children each leak 6 ports/s, in a pool already 22% held,
# under `portwarden run --enforce` with the default policy. The pressure path
# names the children one by one (process scope) at about 41 s; the normal
# path would name them at about 44 s, and then their leak is spread over the
# cgroup (scope auto takes the cgroup). Two bugs met there, and a CI run
# failed on them (run-mixed/stopped-fork, PW_SEED=795848681):
#  - the judge left the children's running ladders for a fresh cgroup ladder,
#    which found no pressure (the quarantines had stopped the growth): the
#    children stayed quarantined for good, never escalated;
#  - the crash-loop breaker counted the siblings' 3 quarantines as a
#    workload that came back 3 times.
#   run-fork/stopped       the children (and so the parent) are gone in 120 s
#   run-fork/ladders       every ladder that started (the children's, or the
#                          cgroup's) went on from quarantine to SIGTERM
#   run-fork/no-crash-loop  no decision said "crash loop"
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
PORT=5001
LIMIT=120
NS=$(pw_make_netns 40000 42999)

# start KEY CMD...: CMD in cgroup KEY of our netns (pw_start_cmd).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$1")" "$NS" "${@:2}"
}

start srv "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv
pw_wait_for_file_line "$PW_TMP/srv.out" '^{' 10 || true
start steady "$PW_PORTLEAK" tcp-connect --port "$PORT" --count 650 --hold 3600 --comm pl-steady
: >"$PW_TMP/run.conf"
pw_start_guard run-fork --cgroup "$BASE" --config "$PW_TMP/run.conf" || pw_done
sleep 2

start fork "$GUARDLEAK" tcp --port "$PORT" --rate 6 --children 3 --comm leak-fork
t0=$SECONDS
pw_wait_for_file_line "$PW_TMP/fork.out" '^parent ' 10 || true
while [ $((SECONDS - t0)) -lt "$LIMIT" ] && [ -n "$(cat "$BASE/fork/cgroup.procs" 2>/dev/null)" ]; do
	sleep 0.5
done
echo "# gone after $((SECONDS - t0)) s (limit $LIMIT s)"
CG=$(pw_cgroup_relpath "$BASE/fork")
jq -r --arg cg "$CG" 'select(.cgroup == $cg and (.event == "action" or .event == "suspect"))
	| "# \(.ts[11:19]) \(.event) \(.action // "-") \(.scope) pid \(.pid): \(.reason)"' \
	"$PW_TMP/run.jsonl" 2>/dev/null | head -20 || true

problems=$(
	[ -z "$(cat "$BASE/fork/cgroup.procs" 2>/dev/null)" ] || echo "still running after $LIMIT s"
	grep '^failed ' "$PW_TMP/fork.out" | sed 's/^/it /' || true
)
pw_report run-fork/stopped "$problems"

children=$(grep -c '^start pid=' "$PW_TMP/fork.out" || true)
# each quarantine is followed by a SIGTERM at its own scope (and, at process
# scope, to its own pid); the pressure path usually names the children first
# (process scope), a slower machine may let the normal path take the cgroup
problems=$(jq -r -s --arg cg "$CG" --argjson n "$children" '
	[.[] | select(.event == "action" and .cgroup == $cg)] as $a
	| def key: if .scope == "process" then "pid \(.pid)" else "the cgroup" end;
	  ($a | map(select(.action == "term") | key)) as $termed
	| if $n != 3 then "\($n) children started, not 3"
	  elif ($a | map(select(.action == "quarantine")) | length) == 0 then "never quarantined"
	  else $a[] | select(.action == "quarantine") | key
	       | select(. as $k | $termed | index($k) | not) | "\(.) quarantined, never signalled"
	  end' "$PW_TMP/run.jsonl")
pw_report run-fork/ladders "$problems"

problems=$(jq -r --arg cg "$CG" 'select(.cgroup == $cg and ((.reason // "") | test("crash loop")))
	| "pid \(.pid): \(.reason) \(.detail // "")"' "$PW_TMP/run.jsonl" | head -3)
pw_report run-fork/no-crash-loop "$problems"
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
pw_done
