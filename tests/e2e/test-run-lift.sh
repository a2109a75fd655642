#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# A quarantine dies with its process. The quarantine refuses socket() to a
# tgid (or a cgroup id) in a map the hook reads on every socket() of the
# host; an entry left behind when the process is gone refuses sockets to
# whatever process gets that pid next (pid_max is 32768 on many hosts), and
# keeps the hook attached for good. Found by the soak (tests/bench/soak.sh):
# before, entries were lifted only by a release decision, which a process
# the ladder ended never gets. `run --enforce` in our cgroup, three bind(0)
# leakers at 300 ports/s, each in its own 2000-port pool:
#   run-lift/died     quarantined (its quarantine_time is 10 minutes), then
#                     ended by the test: its entry leaves the map within 5 s
#   run-lift/term     stopped by the ladder (quarantine, SIGTERM): the same
#   run-lift/kill     stopped by the whole ladder (it ignores SIGTERM: SIGKILL):
#                     the same, and then the hook is detached (the daemon
#                     holds no more BPF links than before the first quarantine)
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden bpftool
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
DIED_CG=$(pw_make_cgroup died)
cat >"$PW_TMP/run.conf" <<CONF
[policy]
fill_threshold = 20%
quarantine_time = 2s
grace = 2s
[breakers]
cooldown = 0s
[cgroup "$(pw_cgroup_relpath "$DIED_CG")"]
quarantine_time = 600s
CONF
pw_start_guard run-lift --cgroup "$BASE" --config "$PW_TMP/run.conf" || pw_done


# links: the BPF links the daemon holds (the quarantine's is one while armed).
links() {
	find "/proc/$PW_GUARD/fd" -mindepth 1 -maxdepth 1 -lname 'anon_inode:bpf_link' | wc -l
}

# quarantined PID: 0 when PID is a key of the map.
quarantined() {
	bpftool map dump id "$MAP" -j | jq -e --argjson p "$1" 'any(.[]; .formatted.key == $p)' >/dev/null
}

# lifted PID: PROBLEMS unless PID leaves the map within 5 s.
lifted() {
	local t0=$SECONDS
	while quarantined "$1"; do
		if [ $((SECONDS - t0)) -ge 5 ]; then
			echo "pid $1 still in the quarantine map $((SECONDS - t0)) s after it was gone" \
				"($(bpftool map dump id "$MAP" -j | jq length) entries)"
			return
		fi
		sleep 0.5
	done
}

MAP=$(pw_map_id "$PW_GUARD" quarantined_tgi) || { pw_fail run-lift/start "no quarantine map in the daemon"; pw_done; }
LINKS=$(links)

# died: quarantined, then ended here (not by portwarden)
pw_start_cmd died "$DIED_CG" "$(pw_make_netns 40000 41999)" "$GUARDLEAK" bind0 --rate 300 \
	--comm lift-died
died=$(cat "$PW_TMP/died.pid")
problems=$(
	if ! pw_wait_for_file_line "$PW_TMP/died.out" '^quarantined ' 30; then
		echo "not quarantined within 30 s"
	elif ! quarantined "$died"; then
		echo "quarantined, but pid $died is not in the map"
	else
		pw_stop "$died" KILL 5
		lifted "$died"
	fi
)
pw_report run-lift/died "$problems"
pw_stop "$died" KILL 5

# ladder KEY ARGS...: a leaker in cgroup KEY that the ladder ends; PROBLEMS
# unless its entry leaves the map within 5 s of its end.
ladder() {
	local key=$1 pid
	shift
	pw_start_cmd "$key" "$(pw_make_cgroup "$key")" "$(pw_make_netns 40000 41999)" \
		"$GUARDLEAK" bind0 --rate 300 --comm "lift-$key" "$@"
	pid=$(cat "$PW_TMP/$key.pid")
	if ! pw_wait_for_file_line "$PW_TMP/$key.out" '^quarantined ' 30; then
		echo "not quarantined within 30 s"
	elif ! pw_wait_exit "$pid" 30; then
		echo "still alive 30 s after its quarantine"
	else
		lifted "$pid"
	fi
	pw_stop "$pid" KILL 5
}

problems=$(ladder term)
pw_report run-lift/term "$problems"
problems=$(
	ladder kill --ignore-term
	[ "$(links)" -le "$LINKS" ] ||
		echo "the daemon holds $(links) BPF links, $LINKS before the first quarantine: the hook is still attached"
)
pw_report run-lift/kill "$problems"
jq -r 'select(.event == "action") | "# \(.ts[11:19]) \(.action) pid \(.pid) \(.comm): \(.detail // .reason)"' \
	"$PW_TMP/run.jsonl" 2>/dev/null || true
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
pw_done
