#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# One daemon, many viewers (README "Attaching to portwarden run"): `run`
# (dry run) guards a netns of ours where a leaker with a hostile name takes
# ports; its socket serves /snapshot and /suspects (valid JSON, the leaker
# with its class, the name escaped) and /report; `report` and `top` attach to
# it: report answers at once with the leaker, top shows the daemon's class and
# action, and neither loads BPF programs (libbpf says nothing with -v, top
# holds no program descriptor), where --standalone does; `snapshot` shows
# the daemon's last sample at once (the leaker with its start time, no
# program loaded) unless --standalone, or that sample is over 5 s old (a
# stalled daemon); a socket planted by another user is refused with a
# warning.
set -eu
. "$(dirname "$0")/lib.sh"

pw_require_portwarden curl jq timeout python3
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
SOCK=$PW_TMP/run/pw.sock
PORT=5001
COMM=$'pw\e]0;x"q' # ESC, an OSC title and a quote: what a leaker may call itself
NS=$(pw_make_netns 40000 41999) # 2000 ports

# Named ~10 s after the leak starts: a 2 s window of 500 ms samples (and the
# 15 breaches built in), past 20% of the pool (400 ports at 40/s).
cat >"$PW_TMP/attach.conf" <<'EOF'
[daemon]
interval = 500ms
window = 2s
[policy]
fill_threshold = 20%
horizon = 90s
quarantine = yes
[breakers]
cooldown = 0s
EOF

get() { # PATH FILE: GET PATH on the socket into FILE; echo the HTTP code
	curl -s --max-time 5 --unix-socket "$SOCK" -o "$2" -w '%{http_code}' "http://localhost$1" ||
		echo 000
}

# the BPF program descriptors PID holds
prog_fds() {
	find "/proc/$1/fd" -lname 'anon_inode:bpf-prog' 2>/dev/null | wc -l
}

pw_run_in "$(pw_make_cgroup srv)" "$NS" "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 \
	--comm pl-srv >/dev/null
pw_start_run attach/start "$PW_TMP/run" --cgroup "$BASE" --config "$PW_TMP/attach.conf" \
	--socket "$SOCK" || pw_done
DAEMON=$PW_DAEMON
pw_start_cmd leak "$(pw_make_cgroup leak)" "$NS" "$GUARDLEAK" tcp --port "$PORT" --rate 40 \
	--comm "$COMM"
LEAK=$(cat "$PW_TMP/leak.pid")

# ---- the endpoints --------------------------------------------------------------
# until the daemon names the leaker (30 s at most)
for _ in $(seq 60); do
	sleep 0.5
	[ "$(get /suspects "$PW_TMP/suspects.json")" = 200 ] || continue
	jq -e --argjson p "$LEAK" '.suspects[] | select(.pid == $p and .class == "leak" and .ladder.last_action != null)' \
		"$PW_TMP/suspects.json" >/dev/null 2>&1 && break
done
problems=$(
	jq -e . "$PW_TMP/suspects.json" >/dev/null 2>&1 || echo "/suspects is not JSON: $(head -c 200 "$PW_TMP/suspects.json")"
	jq -e --argjson d "$DAEMON" '.type == "suspects" and .pid == $d and .mode == "dry_run" and .interval_ms == 500 and .horizon_s == 90' \
		"$PW_TMP/suspects.json" >/dev/null 2>&1 || echo "/suspects header: $(head -c 300 "$PW_TMP/suspects.json")"
	jq -e --argjson p "$LEAK" --arg c "$COMM" '.suspects[] | select(.pid == $p and .class == "leak" and .comm == $c and (.cgroup | endswith("/leak")) and .ports_held >= 100 and .pool.kind != null and .ladder.dry_run == true)' \
		"$PW_TMP/suspects.json" >/dev/null 2>&1 ||
		echo "no leaker $LEAK of class leak with its comm, cgroup, pool and ladder in /suspects: $(head -c 600 "$PW_TMP/suspects.json")"
	jq -e --argjson p "$LEAK" '.actions | map(select(.pid == $p and .event == "action" and .action == "would_kill")) | length >= 1' \
		"$PW_TMP/suspects.json" >/dev/null 2>&1 || echo "no would_kill action record of $LEAK in /suspects"
	! grep -q $'\e' "$PW_TMP/suspects.json" || echo "a raw ESC in /suspects"
	grep -qF 'pw\u001b]0;x\"q' "$PW_TMP/suspects.json" || echo "the comm is not escaped as JSON would"
)
pw_report attach/suspects "$problems"

problems=$(
	code=$(get /snapshot "$PW_TMP/snapshot.json")
	[ "$code" = 200 ] || echo "/snapshot answered $code"
	jq -e --argjson p "$LEAK" --arg c "$COMM" '.type == "snapshot" and .version == 1 and (.processes | map(select(.pid == $p and .comm == $c)) | length == 1) and (.pools | length > 0) and (.cgroups | length > 0)' \
		"$PW_TMP/snapshot.json" >/dev/null 2>&1 || echo "/snapshot lacks the leaker: $(head -c 300 "$PW_TMP/snapshot.json")"
	! grep -q $'\e' "$PW_TMP/snapshot.json" || echo "a raw ESC in /snapshot"
	# the same schema as `snapshot --json`: the same keys at every level
	"$PW_PORTWARDEN" snapshot --standalone --json >"$PW_TMP/own.json" 2>/dev/null
	# every leaf, null ones too: a pool's top pid is null when several
	# processes share its ports, and which pool is first moves with the host
	keys='[paths(type != "object" and type != "array") | map(if type == "number" then 0 else . end) | join(".")] | unique | map(select(test("^(total|pools.0|cgroups.0|processes.0)")))'
	a=$(jq -c "$keys" "$PW_TMP/own.json")
	b=$(jq -c "$keys" "$PW_TMP/snapshot.json")
	[ "$(jq -n --argjson a "$a" --argjson b "$b" '($b - $a) | length')" = 0 ] ||
		echo "keys /snapshot has that snapshot --json has not: $(jq -n -c --argjson a "$a" --argjson b "$b" '$b - $a')"
)
pw_report attach/snapshot "$problems"

problems=$(
	code=$(get '/report?seconds=5' "$PW_TMP/r.json")
	[ "$code" = 200 ] || echo "/report?seconds=5 answered $code"
	jq -e --argjson p "$LEAK" '.type == "report" and .duration_s <= 5 and ([.containers[].suspects[]?.pid] | index($p) != null)' \
		"$PW_TMP/r.json" >/dev/null 2>&1 || echo "/report lacks the leaker: $(head -c 300 "$PW_TMP/r.json")"
	code=$(get '/report?seconds=5&format=text' "$PW_TMP/r.txt")
	[ "$code" = 200 ] && grep -q 'leak report' "$PW_TMP/r.txt" || echo "format=text answered $code: $(head -c 200 "$PW_TMP/r.txt")"
	! grep -q $'\e' "$PW_TMP/r.txt" || echo "a raw ESC in the text report"
	for q in 'seconds=0' 'seconds=x' 'seconds=5&format=xml' 'seconds=5&bogus=1' ''; do
		code=$(get "/report?$q" "$PW_TMP/bad.txt")
		[ "$code" = 400 ] || echo "/report?$q answered $code, want 400"
	done
)
pw_report attach/report-endpoint "$problems"

# ---- report attached --------------------------------------------------------------
problems=$(
	start=$(date +%s%N)
	rc=0
	timeout 20 "$PW_PORTWARDEN" report --socket "$SOCK" --json --duration 5 -v \
		>"$PW_TMP/report.json" 2>"$PW_TMP/report.err" || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# report --socket --duration 5 took $ms ms" >&2
	[ "$rc" = 0 ] || echo "exit $rc: $(head -c 200 "$PW_TMP/report.err")"
	[ "$ms" -lt 2500 ] || echo "took $ms ms: not at once"
	jq -e --argjson p "$LEAK" '[.containers[].suspects[]?.pid] | index($p) != null' "$PW_TMP/report.json" \
		>/dev/null 2>&1 || echo "the leaker $LEAK is not in the report: $(head -c 300 "$PW_TMP/report.json")"
	! grep -q '^libbpf: ' "$PW_TMP/report.err" || echo "libbpf loaded programs: $(grep -m1 '^libbpf: ' "$PW_TMP/report.err")"
	grep -q 'from portwarden run' "$PW_TMP/report.err" || echo "stderr does not say it attached: $(head -c 200 "$PW_TMP/report.err")"
)
pw_report attach/report "$problems"

# more history asked than the daemon holds: said, and reported as held
problems=$(
	timeout 20 "$PW_PORTWARDEN" report --socket "$SOCK" --json --duration 3600 \
		>"$PW_TMP/long.json" 2>"$PW_TMP/long.err" || echo "exit $?"
	grep -q 'holds only .* of history, not the 3600 s asked' "$PW_TMP/long.err" ||
		echo "no note on stderr: $(head -c 200 "$PW_TMP/long.err")"
	jq -e '.duration_s < 3600 and .duration_s > 5' "$PW_TMP/long.json" >/dev/null 2>&1 ||
		echo "duration_s $(jq .duration_s "$PW_TMP/long.json" 2>/dev/null), want what the daemon held"
)
pw_report attach/report-longer-than-held "$problems"

# --standalone: today's behaviour, its own programs
problems=$(
	timeout 60 "$PW_PORTWARDEN" report --standalone --socket "$SOCK" --json --duration 1 -v \
		>"$PW_TMP/alone.json" 2>"$PW_TMP/alone.err" || echo "exit $?"
	grep -q '^libbpf: ' "$PW_TMP/alone.err" || echo "no libbpf lines: did it load its programs?"
	jq -e '.type == "report"' "$PW_TMP/alone.json" >/dev/null 2>&1 || echo "no report"
)
pw_report attach/report-standalone "$problems"

# ---- snapshot attached ------------------------------------------------------------
problems=$(
	start=$(date +%s%N)
	rc=0
	timeout 20 "$PW_PORTWARDEN" snapshot --socket "$SOCK" -v >"$PW_TMP/snap.txt" \
		2>"$PW_TMP/snap.err" || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "# snapshot --socket took $ms ms" >&2
	[ "$rc" = 0 ] || echo "text: exit $rc: $(head -c 200 "$PW_TMP/snap.err")"
	[ "$ms" -lt 2000 ] || echo "took $ms ms: not at once"
	! grep -q '^libbpf: ' "$PW_TMP/snap.err" || echo "libbpf loaded programs: $(grep -m1 '^libbpf: ' "$PW_TMP/snap.err")"
	grep -q 'Snapshot of .* UTC from portwarden run at' "$PW_TMP/snap.err" ||
		echo "stderr does not say it attached: $(head -c 200 "$PW_TMP/snap.err")"
	grep -qE "^$LEAK +pw" "$PW_TMP/snap.txt" || echo "no row for the leaker $LEAK: $(head -c 300 "$PW_TMP/snap.txt")"
	! grep -q $'\e' "$PW_TMP/snap.txt" || echo "a raw ESC in the tables"
	timeout 20 "$PW_PORTWARDEN" snapshot --socket "$SOCK" --json >"$PW_TMP/snap.json" 2>/dev/null ||
		echo "json: exit $?"
	start_time=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$LEAK/stat")
	jq -e --argjson p "$LEAK" --arg c "$COMM" --argjson st "$start_time" \
		'.type == "snapshot" and (.processes | map(select(.pid == $p and .comm == $c and .start_time == $st)) | length == 1)' \
		"$PW_TMP/snap.json" >/dev/null 2>&1 ||
		echo "--json lacks the leaker with its start ($start_time): $(head -c 300 "$PW_TMP/snap.json")"
)
pw_report attach/snapshot-command "$problems"

problems=$(
	timeout 60 "$PW_PORTWARDEN" snapshot --standalone --socket "$SOCK" -v >/dev/null \
		2>"$PW_TMP/snap-alone.err" || echo "exit $?"
	grep -q '^libbpf: ' "$PW_TMP/snap-alone.err" || echo "no libbpf lines: did it walk here?"
	! grep -q 'from portwarden run' "$PW_TMP/snap-alone.err" || echo "--standalone attached"
)
pw_report attach/snapshot-standalone "$problems"

# ---- top attached -----------------------------------------------------------------
# top_run KEY ARGS...: top --batch in the background, 4 frames a second apart;
# echo the most BPF program descriptors it held while it ran.
top_run() {
	local key=$1 pid most=0 n
	shift
	"$PW_PORTWARDEN" top --batch -n 4 -d 1 "$@" >"$PW_TMP/$key.out" 2>"$PW_TMP/$key.err" &
	pid=$!
	pw_track_pid "$pid"
	while pw_pid_alive "$pid"; do
		n=$(prog_fds "$pid")
		[ "$n" -le "$most" ] || most=$n
		sleep 0.2
	done
	wait "$pid" || echo "exit $?" >"$PW_TMP/$key.rc"
	echo "$most"
}

problems=$(
	fds=$(top_run top --socket "$SOCK")
	[ ! -e "$PW_TMP/top.rc" ] || echo "top $(cat "$PW_TMP/top.rc"): $(head -c 200 "$PW_TMP/top.err")"
	[ "$fds" = 0 ] || echo "top held $fds BPF program descriptors attached"
	grep -q "mode attached to portwarden run (pid $DAEMON, dry run)" "$PW_TMP/top.out" ||
		echo "no 'attached to portwarden run (pid $DAEMON, dry run)': $(grep -m1 'mode' "$PW_TMP/top.out")"
	# the leaker's row, last frame: the daemon's class, and '!' (its ladder acted)
	row=$(grep -E "^.. +$LEAK " "$PW_TMP/top.out" | tail -n 1) # a row: marks, then the pid
	case $row in *'!'*leak*) ;; *) echo "leaker row without '!' and class leak: '$row'" ;; esac
	! grep -q $'\e' "$PW_TMP/top.out" || echo "a raw ESC in top's frames"
)
pw_report attach/top "$problems"

problems=$(
	fds=$(top_run top-alone --standalone --socket "$SOCK")
	[ "$fds" -gt 0 ] || echo "top --standalone held no BPF program descriptor"
	! grep -q 'attached to portwarden run' "$PW_TMP/top-alone.out" || echo "--standalone attached"
)
pw_report attach/top-standalone "$problems"

# ---- a planted socket ---------------------------------------------------------------
PLANT=$PW_TMP/planted
mkdir -p "$PLANT"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)' \
	"$PLANT/pw.sock"
chown -R nobody "$PLANT"
problems=$(
	timeout 60 "$PW_PORTWARDEN" report --socket "$PLANT/pw.sock" --json --duration 1 \
		>"$PW_TMP/planted.json" 2>"$PW_TMP/planted.err" || echo "report: exit $?"
	grep -q "ignoring the socket $PLANT/pw.sock: .*owned by another user" "$PW_TMP/planted.err" ||
		echo "report: no refusal: $(grep -v '^libbpf' "$PW_TMP/planted.err" | head -c 200)"
	jq -e '.type == "report"' "$PW_TMP/planted.json" >/dev/null 2>&1 || echo "report: no standalone report"
	timeout 60 "$PW_PORTWARDEN" top --batch --socket "$PLANT/pw.sock" >"$PW_TMP/planted-top.out" \
		2>"$PW_TMP/planted-top.err" || echo "top: exit $?"
	grep -q "ignoring the socket $PLANT/pw.sock" "$PW_TMP/planted-top.err" || echo "top: no refusal"
	! grep -q 'attached to portwarden run' "$PW_TMP/planted-top.out" || echo "top attached to it"
	timeout 60 "$PW_PORTWARDEN" snapshot --socket "$PLANT/pw.sock" --json >"$PW_TMP/planted-snap.json" \
		2>"$PW_TMP/planted-snap.err" || echo "snapshot: exit $?"
	grep -q "ignoring the socket $PLANT/pw.sock" "$PW_TMP/planted-snap.err" || echo "snapshot: no refusal"
	jq -e '.type == "snapshot"' "$PW_TMP/planted-snap.json" >/dev/null 2>&1 || echo "snapshot: no snapshot walked here"
)
pw_report attach/planted-socket-refused "$problems"

kill -s TERM "$DAEMON"
pw_wait_exit "$DAEMON" 15 || true
pw_report attach/socket-removed "$([ ! -e "$SOCK" ] || echo "the socket is left after the daemon stopped")"

# A daemon whose last sample is old (stalled 12 s before its fifth step, by
# the test-only PORTWARDEN_TEST_STALL_MS) is not asked for "now": snapshot
# says how old its sample is and walks the sockets here.
if PORTWARDEN_TEST_STALL_MS=12000 pw_start_run attach/stalled-start "$PW_TMP/stalled" \
	--cgroup "$BASE" --socket "$PW_TMP/stalled.sock"; then
	sleep 11 # 4 samples, then 7 s of the stall
	problems=$(
		timeout 60 "$PW_PORTWARDEN" snapshot --socket "$PW_TMP/stalled.sock" --json -v \
			>"$PW_TMP/stalled-snap.json" 2>"$PW_TMP/stalled-snap.err" || echo "exit $?"
		grep -q 'last sampled [0-9]* s ago: walking the sockets here' "$PW_TMP/stalled-snap.err" ||
			echo "no note on stderr: $(grep -v '^libbpf' "$PW_TMP/stalled-snap.err" | head -c 200)"
		grep -q '^libbpf: ' "$PW_TMP/stalled-snap.err" || echo "no libbpf lines: did it walk here?"
		jq -e '.type == "snapshot"' "$PW_TMP/stalled-snap.json" >/dev/null 2>&1 || echo "no snapshot"
	)
	pw_report attach/snapshot-stale "$problems"
fi
pw_done
