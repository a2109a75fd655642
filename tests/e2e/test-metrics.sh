#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# run's /metrics (README "Metrics"): served on a unix socket in a temporary
# directory and on 127.0.0.1:PORT, checked by promtool; a leaker in a netns and
# cgroup of ours shows in its pool and in the failure counters with its errno;
# hostile clients (500 idle connections, a slowloris, 1 MiB headers) neither
# delay the samples nor keep a normal scrape from answering within 2 s; a link
# planted at the socket path is not followed; bad and busy addresses fail.
set -eu
. "$(dirname "$0")/lib.sh"

pw_require_portwarden curl promtool ss timeout
HOSTILE=$PW_OUTPUT/tests/workloads/httphostile
pw_require_file "$HOSTILE" httphostile

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
SOCK=$PW_TMP/run/pw.sock # run makes the directory
NS=$(pw_make_netns 40000 40009)
NS_INO=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)

# a free port outside the ephemeral range
PORT=
for p in $(seq $((9400 + $$ % 400)) 9999); do
	if [ -z "$(ss -Htln "sport = :$p")" ]; then
		PORT=$p
		break
	fi
done
[ -n "$PORT" ] || {
	pw_skip metrics "no free TCP port in 9400-9999"
	exit 0
}

scrape_unix() { # FILE: GET /metrics on the socket into FILE; echo "CODE SECONDS"
	rm -f "$1"
	curl -s --max-time 2 --unix-socket "$SOCK" -o "$1" -w '%{http_code} %{time_total}\n' \
		http://localhost/metrics || echo "000 timeout"
}

scrape_tcp() { # FILE [SOURCE_IP]
	curl -s --max-time 2 ${2:+--interface "$2"} -o "$1" -w '%{http_code} %{time_total}\n' \
		"http://127.0.0.1:$PORT/metrics" || echo "000 timeout"
}

value_of() { # FILE SERIES-PREFIX: the first matching sample's value
	[ -r "$1" ] || return 0 # no answer: no value
	awk -v p="$2" 'index($0, p) == 1 { print $NF; exit }' "$1"
}

bad_listen() {
	local rc=0
	timeout 20 "$PW_PORTWARDEN" run --no-incidents --no-socket --metrics-listen 127.0.0.1:99999 </dev/null \
		>/dev/null 2>"$PW_TMP/bad.err" || rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'invalid --metrics-listen' "$PW_TMP/bad.err"; then
		pw_pass metrics/bad-listen
	else
		pw_fail metrics/bad-listen "exit $rc, want 2: $(head -c 200 "$PW_TMP/bad.err")"
	fi
}

bad_listen
pw_start_run metrics/start "$PW_TMP/run" --cgroup "$BASE" --socket "$SOCK" \
	--metrics-listen "127.0.0.1:$PORT" -v || pw_done
DAEMON=$PW_DAEMON

# bound before the start record; mode 0600 in a 0755 directory
problems=$(
	[ -S "$SOCK" ] || echo "no socket at $SOCK when the start record was written"
	[ "$(stat -c %a "$SOCK" 2>/dev/null)" = 600 ] || echo "socket mode $(stat -c %a "$SOCK"), want 600"
	[ "$(stat -c %a "$(dirname "$SOCK")")" = 755 ] || echo "directory mode $(stat -c %a "$(dirname "$SOCK")"), want 755"
	[ -n "$(ss -Htln "sport = :$PORT")" ] || echo "nothing listens on 127.0.0.1:$PORT"
)
pw_report metrics/bound-at-start "$problems"

# the first sample: 200 on both, and promtool accepts both texts
for _ in $(seq 50); do
	[ "$(scrape_unix "$PW_TMP/u.txt" | cut -d' ' -f1)" = 200 ] && break
	sleep 0.2
done
problems=$(
	read -r code _ < <(scrape_unix "$PW_TMP/u.txt")
	[ "$code" = 200 ] || echo "unix socket: HTTP $code"
	read -r code _ < <(scrape_tcp "$PW_TMP/t.txt")
	[ "$code" = 200 ] || echo "tcp: HTTP $code"
	for f in u t; do
		promtool check metrics <"$PW_TMP/$f.txt" >"$PW_TMP/$f.promtool" 2>&1 ||
			echo "promtool on the $f scrape: $(head -c 300 "$PW_TMP/$f.promtool")"
		grep -q '^portwarden_build_info{version="' "$PW_TMP/$f.txt" || echo "$f: no build_info"
	done
)
pw_report metrics/scrape-promtool "$problems"

problems=$(
	c=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/)
	[ "$c" = 404 ] || echo "GET / answered $c, want 404"
	c=$(curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SOCK" http://localhost/metrics)
	[ "$c" = 405 ] || echo "POST /metrics answered $c, want 405"
	c=$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$PORT/metrics")
	[ "$c" = 200 ] || echo "HEAD /metrics answered $c, want 200"
)
pw_report metrics/methods "$problems"

# A leaker of ours: 10 ports in its netns, then 5 EADDRNOTAVAIL
used_of_ns() { # FILE: the largest used of the pools in our netns
	awk -v ns="netns=\"$NS_INO\"" '/^portwarden_pool_ports_used\{/ && index($0, ns) { if ($NF > m) m = $NF } END { print m + 0 }' "$1"
}
before=$(used_of_ns "$PW_TMP/u.txt")
pw_start_portleak leak "$(pw_make_cgroup leak)" "$NS" tcp-connect --listen --fail-extra 4 --hold 120 --comm pl-metrics
pw_wait_portleak leak metrics/leaker || true
fail_series="portwarden_allocation_failures_total{cgroup=\"$REL/leak\",errno=\"EADDRNOTAVAIL\"}"
for _ in $(seq 20); do
	sleep 0.5
	scrape_unix "$PW_TMP/leak.txt" >/dev/null
	[ "$(value_of "$PW_TMP/leak.txt" "$fail_series")" = 5 ] && [ "$(used_of_ns "$PW_TMP/leak.txt")" -ge 10 ] && break
done
problems=$(
	after=$(used_of_ns "$PW_TMP/leak.txt")
	[ "$after" -ge 10 ] && [ "$after" -gt "$before" ] || echo "pool used in netns $NS_INO: $before before, $after after, want >= 10"
	v=$(value_of "$PW_TMP/leak.txt" "$fail_series")
	[ "$v" = 5 ] || echo "$fail_series = '${v:-absent}', want 5; failures: $(grep '^portwarden_allocation_failures_total{' "$PW_TMP/leak.txt" | grep -v ' 0$' | head -3 | paste -sd' ')"
	promtool check metrics <"$PW_TMP/leak.txt" >/dev/null 2>&1 || echo "promtool refuses the text with the leaker"
)
pw_report metrics/leaker "$problems"

# Hostile clients on 127.0.0.1 for 12 s, and three scrapers hammering the
# socket; meanwhile a scrape a second on the socket and on TCP from
# 127.0.0.2. Each must answer within 2 s, with a sample no older than 1.5 s
# (the interval is 1 s), and the log must show about a sample a second.
hostile() {
	local rows=$PW_TMP/hostile.rows lines0 lines1 t
	: >"$rows"
	timeout 40 "$HOSTILE" 127.0.0.1 "$PORT" 12 500 1048576 >"$PW_TMP/hostile.json" 2>"$PW_TMP/hostile.err" &
	local hpid=$!
	pw_track_pid "$hpid"
	# and three scrapers without a pause on the socket: a lock the HTTP
	# thread held for long would keep the guard from publishing
	local hammers=()
	for _ in 1 2 3; do
		(while [ ! -e "$PW_TMP/hammer.stop" ]; do
			curl -s --max-time 5 --unix-socket "$SOCK" -o /dev/null http://localhost/metrics || true
		done) &
		hammers+=($!)
		pw_track_pid $!
	done
	sleep 1.5 # let it open its connections
	lines0=$(grep -c '^portwarden: sample [0-9]*: ' "$PW_TMP/run.err" || true)
	for _ in $(seq 10); do
		read -r uc ut < <(scrape_unix "$PW_TMP/h.txt")
		t=$(date +%s.%N)
		ts=$(value_of "$PW_TMP/h.txt" 'portwarden_last_sample_timestamp_seconds ')
		read -r tc tt < <(scrape_tcp "$PW_TMP/ht.txt" 127.0.0.2)
		echo "$uc $ut $tc $tt $t ${ts:-0}" >>"$rows"
		sleep 1
	done
	lines1=$(grep -c '^portwarden: sample [0-9]*: ' "$PW_TMP/run.err" || true)
	: >"$PW_TMP/hammer.stop"
	wait "$hpid" "${hammers[@]}" || true
	echo "# hostile: $(cat "$PW_TMP/hostile.json"); samples logged in the window: $((lines1 - lines0))"
	awk '{ printf "# scrape unix %s in %ss, tcp %s in %ss, sample age %.2fs\n", $1, $2, $3, $4, $5 - $6 }' "$rows"
	problems=$(
		awk '$1 != 200 { print "unix scrape answered " $1 " (" $2 ")" }
		     $1 == 200 && $2 > 2 { print "unix scrape took " $2 " s" }
		     $3 != 200 { print "tcp scrape from 127.0.0.2 answered " $3 " (" $4 ")" }
		     $3 == 200 && $4 > 2 { print "tcp scrape took " $4 " s" }
		     $6 > 0 && $5 - $6 > 1.5 { printf "sample %.2f s old at a scrape (interval 1 s)\n", $5 - $6 }
		     $6 == 0 { print "no timestamp in a scrape" }' "$rows" | head -n 4
		awk 'NR > 1 && $6 <= prev { n++ } { prev = $6 } END { if (n > 2) print n " scrapes a second apart saw no newer sample" }' "$rows"
		[ $((lines1 - lines0)) -ge 8 ] || echo "$((lines1 - lines0)) samples logged in ~10 s, want >= 8"
		jq -e '.opened >= 500 and .big_sent > 0' "$PW_TMP/hostile.json" >/dev/null 2>&1 ||
			echo "the hostile clients did not get going: $(head -c 200 "$PW_TMP/hostile.json")"
		jq -e '.big_status | test(" 431 ") or . == "closed"' "$PW_TMP/hostile.json" >/dev/null 2>&1 ||
			echo "a 1 MiB header was not refused: $(head -c 200 "$PW_TMP/hostile.json")"
		pw_pid_alive "$DAEMON" || echo "the daemon died"
	)
	pw_report metrics/hostile-clients "$problems"
}
hostile

# A second daemon: the TCP address is taken (exit 1, says so); a link
# planted at the socket path (to an /etc-like directory, and to a file) is
# refused, not followed, not removed.
second() { # NAME ARGS...: run ARGS; echo its exit status, stderr in NAME.err
	local name=$1 rc=0
	shift
	timeout 60 "$PW_PORTWARDEN" run --no-incidents --cgroup "$BASE" "$@" </dev/null >/dev/null \
		2>"$PW_TMP/$name.err" || rc=$?
	echo "$rc"
}
problems=$(
	rc=$(second busy --no-socket --metrics-listen "127.0.0.1:$PORT")
	[ "$rc" = 1 ] && grep -q 'cannot bind' "$PW_TMP/busy.err" ||
		echo "busy port: exit $rc, want 1 and 'cannot bind': $(tail -c 200 "$PW_TMP/busy.err")"
)
pw_report metrics/busy-port-exit-1 "$problems"

problems=$(
	mkdir -p "$PW_TMP/fake-etc" "$PW_TMP/planted"
	echo "root:x:0:0::/root:/bin/sh" >"$PW_TMP/fake-etc/passwd"
	ln -s "$PW_TMP/fake-etc" "$PW_TMP/planted/dir.sock"
	ln -s "$PW_TMP/fake-etc/passwd" "$PW_TMP/planted/file.sock"
	for l in dir file; do
		rc=$(second "planted-$l" --socket "$PW_TMP/planted/$l.sock")
		[ "$rc" = 1 ] || echo "$l link: exit $rc, want 1"
		grep -q 'not a socket' "$PW_TMP/planted-$l.err" || echo "$l link: $(tail -c 200 "$PW_TMP/planted-$l.err")"
		[ -L "$PW_TMP/planted/$l.sock" ] || echo "the $l link was removed"
	done
	[ "$(cat "$PW_TMP/fake-etc/passwd")" = "root:x:0:0::/root:/bin/sh" ] || echo "the file behind the link changed"
	[ "$(find "$PW_TMP/fake-etc" -mindepth 1 | wc -l)" = 1 ] || echo "something was made in the linked directory: $(ls "$PW_TMP/fake-etc")"
)
pw_report metrics/planted-link "$problems"

# the daemon still serves, then removes its socket on exit
pw_stop "$DAEMON" INT 15 || true
problems=$(
	[ ! -e "$SOCK" ] || echo "socket left at $SOCK after exit"
)
pw_report metrics/socket-removed "$problems"
pw_done
