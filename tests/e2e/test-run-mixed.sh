#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Several leakers at once, in one pool, under `portwarden run --enforce` with
# the default configuration (only a [protect] line added). One netns of 3000
# ports holds a server, a steady pool of connections, a TIME_WAIT churner and
# a process protected by its executable; then four leakers start together,
# in a random order at random rates (the seed is printed; PW_SEED=N repeats
# a run): a TCP connection leaker, a UDP socket-per-message leaker, a bind(0)
# leaker and a parent whose 3 children each leak. Together the TCP-side ones
# would fill the range in 25 to 40 s.
#   run-mixed/stopped-KEY    each leaker is stopped (gone) before its pool ran
#                            out: it never saw an allocation failure
#   run-mixed/benign-KEY     the steady pool, the churner and the protected
#                            process are alive, never acted on, never failed
#   run-mixed/probe          afterwards a fresh client connects in that netns
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden shuf
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

SEED=${PW_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "# seed $SEED (PW_SEED=$SEED repeats this run)"
RANDOM=$SEED
# between LOW HIGH: a number in [LOW, HIGH] in REPLY (no subshell: it would
# draw from its own copy of RANDOM, and the seed would not repeat a run)
between() { REPLY=$(($1 + RANDOM % ($2 - $1 + 1))); }

BASE=$(pw_cgroup_base)
LIMIT=120
PORT=5001
PROTECTED=$PW_TMP/pw-protected-guardleak
cp "$GUARDLEAK" "$PROTECTED"
NS=$(pw_make_netns 40000 42999)

# start KEY CMD...: CMD in cgroup KEY of our netns, stdout to KEY.out (pw_start_cmd).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$1")" "$NS" "${@:2}"
}

# alive KEY: its process, or any process of its cgroup, still runs.
alive() {
	[ -n "$(cat "$BASE/$1/cgroup.procs" 2>/dev/null)" ]
}

cat >"$PW_TMP/run.conf" <<CONF
[protect]
exe = */pw-protected-*
CONF

start srv "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv
pw_wait_for_file_line "$PW_TMP/srv.out" '^{' 10 || true
sleep 0.5
start steady "$PW_PORTLEAK" tcp-connect --port "$PORT" --count 200 --hold 3600 --comm pl-steady
start churn "$PW_PORTLEAK" tcp-churn --listen --port 5003 --rate 10 --duration 3600 --comm pl-churn
start protected "$PROTECTED" tcp --port "$PORT" --rate 10 --count 150 --comm sshd
pw_start_guard run-mixed --cgroup "$BASE" --config "$PW_TMP/run.conf" || pw_done
sleep 3 # the benign ones settle

between 30 50
TCP=$REPLY
between 20 40
UDP=$REPLY
between 20 35
BIND=$REPLY
between 6 12
FORK=$REPLY
echo "# rates: tcp $TCP/s, udp $UDP/s, bind0 $BIND/s, fork 3 x $FORK/s"
start_leaker() {
	case $1 in
	tcp) start tcp "$GUARDLEAK" tcp --port "$PORT" --rate "$TCP" --comm leak-tcp ;;
	udp) start udp "$GUARDLEAK" udp --port 5005 --rate "$UDP" --comm leak-udp ;;
	bind0) start bind0 "$GUARDLEAK" bind0 --rate "$BIND" --comm leak-bind0 ;;
	fork) start fork "$GUARDLEAK" tcp --port "$PORT" --rate "$FORK" --children 3 --comm leak-fork ;;
	esac
}
order=$(printf '%s\n' tcp udp bind0 fork | shuf --random-source=<(yes "$SEED") | paste -sd ' ')
echo "# start order: $order"
t0=$SECONDS
for key in $order; do
	start_leaker "$key"
done

while [ $((SECONDS - t0)) -lt "$LIMIT" ]; do
	left=0
	for key in tcp udp bind0 fork; do
		! alive "$key" || left=$((left + 1))
	done
	[ "$left" -gt 0 ] || break
	sleep 0.5
done
echo "# leakers gone after $((SECONDS - t0)) s (limit $LIMIT s)"
jq -r 'select(.event == "action" or .event == "result")
	| "# \(.ts[11:19]) \(.event) \(.action) pid \(.pid) \(.comm) \(.ports_held) ports, pool \(.pool.used // "?")/\(.pool.capacity // "?"): \(.reason) \(.detail // "")"' \
	"$PW_TMP/run.jsonl" 2>/dev/null | head -40 || true

for key in tcp udp bind0 fork; do
	problems=$(
		! alive "$key" || {
			echo "still running after $LIMIT s"
			# the last decision logged on it says where its ladder stopped
			jq -r -s --arg cg "$(pw_cgroup_relpath "$BASE/$key")" '
				[.[] | select(.cgroup == $cg and (.event == "suspect" or .event == "action"))]
				| last // empty | "last logged: \(.event) \(.scope) pid \(.pid): \(.reason) \(.detail // "")"' \
				"$PW_TMP/run.jsonl" 2>/dev/null || true
		}
		grep '^failed ' "$PW_TMP/$key.out" | sed 's/^/it /' || true
	)
	pw_report "run-mixed/stopped-$key" "$problems"
done
for key in steady churn protected; do
	problems=$(
		pw_pid_alive "$(cat "$PW_TMP/$key.pid")" "$(cat "$PW_TMP/$key.start")" || echo "it is gone"
		jq -r -s --arg cg "$(pw_cgroup_relpath "$BASE/$key")" --argjson pid "$(cat "$PW_TMP/$key.pid")" '
			.[] | select(.event == "action" and (.pid == $pid or .cgroup == $cg))
			| "\(.action) on it: \(.reason)"' "$PW_TMP/run.jsonl"
		grep -h '"failed":[1-9]\|^failed ' "$PW_TMP/$key.out" 2>/dev/null | head -1 | sed 's/^/it failed: /' || true
	)
	pw_report "run-mixed/benign-$key" "$problems"
done
problems=$(pw_probe_connect "$NS" "$PORT")
pw_report run-mixed/probe "$problems"
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
pw_done
