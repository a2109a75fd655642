#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A cgroup whose path is longer than PATH_MAX (25 levels of 206-byte names,
# ~5200 bytes): /proc shows only its first 4095 bytes and readlink of its
# directory fails, so it used to show as "(deleted cgroup N)", and rules on
# its path never matched. In it a hog takes every port of a 1000-port netns
# while a victim there keeps failing (hog_time 10 s):
#   long-cgroup/snapshot   snapshot --json names the whole path, for the
#                          cgroup and for the hog's process
#   long-cgroup/protect    run --enforce with a [protect] cgroup glob that
#                          only the path's last level matches: the hog is
#                          logged protected and never acted on
#   long-cgroup/override   the same with a [cgroup "GLOB"] enforce = no
#                          override instead: never acted on either
#   long-cgroup/unnamed    a hog 330 levels deep (~68 KiB, past the 64 KiB
#                          portwarden names): its cgroup is unnamed, and run
#                          --enforce logs it "cgroup unnamed" and never acts
#   long-cgroup/removed    the chain is removed afterwards, deepest first
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden
BASE=$(pw_make_cgroup long)
LEVELS=25
PORT=5001
FILL=$(printf 'x%.0s' $(seq 200))

level() { # N: the name of level N
	printf 'lvl%02d-%s' "$1" "$FILL"
}

# make_chain TOP N: a chain of N levels under TOP, each made relative to
# its parent (an absolute path past PATH_MAX fails with ENAMETOOLONG); echo
# its absolute path, as text.
make_chain() {
	local i deep=$1
	(
		cd -P "$1"
		for ((i = 1; i <= $2; i++)); do
			mkdir "$(level "$i")" && cd -P "$(level "$i")"
		done
	) || return 1
	for ((i = 1; i <= $2; i++)); do deep=$deep/$(level "$i"); done
	echo "$deep"
}

# remove_chain TOP N: kill what runs in it, then remove it deepest first,
# each level relative to its parent. Before lib.sh's cleanup, which uses
# absolute paths.
remove_chain() {
	local i depth=0
	[ -d "$1" ] || return 0
	echo 1 >"$1/cgroup.kill" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		grep -q '^populated 0' "$1/cgroup.events" 2>/dev/null && break
		sleep 0.1
	done
	(
		cd -P "$1" || exit 0
		while [ $depth -lt "$2" ] && cd -P "$(level $((depth + 1)))" 2>/dev/null; do
			depth=$((depth + 1))
		done
		for ((i = depth; i >= 1; i--)); do
			cd -P .. && rmdir "$(level "$i")"
		done
	)
}

DEEP=$(make_chain "$BASE" "$LEVELS")
REL=$(pw_cgroup_relpath "$DEEP")
pw_on_exit "remove_chain '$BASE' $LEVELS"

echo "# chain of $LEVELS levels, ${#REL} bytes below the cgroup2 mount"
NS=$(pw_make_netns 40000 40999)
SRV=$(pw_make_cgroup srv)
pw_run_in "$SRV" "$NS" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
sleep 1

# hog_start NAME CONF [CGROUP]: `run --enforce --config CONF`, then a hog in
# CGROUP (the chain) and a victim beside it; 1 when they could not start.
hog_start() {
	pw_start_guard "$1" --cgroup "$BASE" --config "$2" || return 1
	pw_start_portleak hog "${3:-$DEEP}" "$NS" tcp-connect --port "$PORT" --rate 2000 \
		--fail-extra 0 --hold 3600 --comm pl-hog
	pw_wait_portleak hog "$1" || return 1
	pw_pid_start "$(cat "$PW_TMP/hog.pid")" >"$PW_TMP/hog.start"
	pw_start_cmd victim "$SRV" "$NS" "$PW_PORTLEAK" tcp-churn --port "$PORT" --rate 5 \
		--duration 40 --comm pl-victim
	sleep 40
	jq -r 'select(.event == "action" or .event == "suspect")
		| "# \(.ts[11:19]) \(.event) \(.action) pid \(.pid) \(.comm) \(.class): \(.reason)"' \
		"$PW_TMP/run.jsonl" 2>/dev/null | head -n 12 || true
}

# hog_problems: PROBLEMS unless the hog is alive, nothing was done to it,
# and the audit log names its whole path.
hog_problems() {
	local hog
	hog=$(cat "$PW_TMP/hog.pid")
	pw_pid_alive "$hog" "$(cat "$PW_TMP/hog.start")" || echo "the hog is gone"
	jq -r -s --argjson pid "$hog" '.[] | select(.event == "action" and .pid == $pid)
		| "\(.action) on it: \(.reason)"' "$PW_TMP/run.jsonl"
	jq -e -s --argjson pid "$hog" --arg cg "$REL" \
		'any(.[]; .event == "suspect" and .pid == $pid and .cgroup == $cg)' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "no suspect record of it with the whole path"
}

# hog_stop: end the run and the hog, for the next run.
hog_stop() {
	kill -s TERM "$PW_GUARD"
	pw_wait_exit "$PW_GUARD" 15 || true
	pw_stop "$(cat "$PW_TMP/hog.pid")"
	pw_stop "$(cat "$PW_TMP/victim.pid")"
	sleep 1 # its ports come back (the server closes what it accepts)
}

# ---- snapshot ------------------------------------------------------------------
pw_start_portleak hold "$DEEP" "$NS" tcp-connect --port "$PORT" --count 50 --hold 3600 --comm pl-long
if pw_wait_portleak hold long-cgroup/snapshot; then
	hold=$(cat "$PW_TMP/hold.pid")
	"$PW_PORTWARDEN" snapshot --json >"$PW_TMP/snap.json" 2>"$PW_TMP/snap.err" || true
	problems=$(jq -rn --slurpfile s "$PW_TMP/snap.json" --arg cg "$REL" --argjson pid "$hold" '
		$s[0] as $s
		| ([$s.processes[] | select(.pid == $pid)][0]) as $p
		| if $p == null then "pid \($pid) not in the snapshot"
		  elif $p.cgroup != $cg then "its cgroup shows as \($p.cgroup[:120] | tojson)... (\($p.cgroup | length) bytes), want \($cg | length) bytes"
		  else empty end,
		  (if any($s.cgroups[]; .cgroup == $cg) then empty else "no cgroup with the whole path" end)' 2>&1) ||
		problems="jq failed: $problems $(head -c 300 "$PW_TMP/snap.err")"
	pw_report long-cgroup/snapshot "$problems"
	pw_stop "$hold"
fi

# ---- [protect] cgroup ------------------------------------------------------------
# The glob matches the last level only: a path cut at 4095 bytes, or one
# shown as "(deleted cgroup N)", does not match.
cat >"$PW_TMP/protect.conf" <<CONF
[policy]
hog_time = 10s
quarantine_time = 3s
grace = 3s
[protect]
cgroup = */lvl${LEVELS}-x*
CONF
hog_start long-cgroup/protect "$PW_TMP/protect.conf" || pw_done
problems=$(
	hog_problems
	jq -e -s --argjson pid "$(cat "$PW_TMP/hog.pid")" \
		'any(.[]; .event == "suspect" and .pid == $pid and .reason == "protected")' \
		"$PW_TMP/run.jsonl" >/dev/null || echo "no suspect record with reason protected"
)
pw_report long-cgroup/protect "$problems"
hog_stop

# ---- [cgroup "GLOB"] enforce = no -------------------------------------------------
cat >"$PW_TMP/override.conf" <<CONF
[policy]
hog_time = 10s
quarantine_time = 3s
grace = 3s
[cgroup "*/lvl${LEVELS}-x*"]
enforce = no
CONF
hog_start long-cgroup/override "$PW_TMP/override.conf" || pw_done
problems=$(hog_problems)
pw_report long-cgroup/override "$problems"
hog_stop

# ---- past PW_CGROUP_PATH_MAX (64 KiB): unnamed, and never acted on ----------------
HUGE_LEVELS=330 # ~68 KiB
HUGE=$(pw_make_cgroup huge)
pw_on_exit "remove_chain '$HUGE' $HUGE_LEVELS"
if HDEEP=$(make_chain "$HUGE" "$HUGE_LEVELS"); then
	cat >"$PW_TMP/unnamed.conf" <<CONF
[policy]
hog_time = 10s
quarantine_time = 3s
grace = 3s
CONF
	hog_start long-cgroup/unnamed "$PW_TMP/unnamed.conf" "$HDEEP" || pw_done
	problems=$(
		hog=$(cat "$PW_TMP/hog.pid")
		pw_pid_alive "$hog" "$(cat "$PW_TMP/hog.start")" || echo "the hog is gone"
		jq -r -s --argjson pid "$hog" '.[] | select(.event == "action" and .pid == $pid)
			| "\(.action) on it: \(.detail)"' "$PW_TMP/run.jsonl"
		jq -e -s --argjson pid "$hog" 'any(.[]; .event == "suspect" and .pid == $pid
			and .reason == "cgroup unnamed" and (.cgroup | startswith("(unnamed cgroup "))
			and (.detail | test("File name too long")))' "$PW_TMP/run.jsonl" >/dev/null ||
			echo "no suspect record with reason 'cgroup unnamed' (File name too long)"
	)
	pw_report long-cgroup/unnamed "$problems"
	hog_stop
	remove_chain "$HUGE" "$HUGE_LEVELS"
else
	pw_fail long-cgroup/unnamed "could not make a chain of $HUGE_LEVELS levels"
fi

remove_chain "$BASE" "$LEVELS"
problems=$([ ! -d "$BASE/$(level 1)" ] || echo "the chain is still there")
pw_report long-cgroup/removed "$problems"
pw_done
