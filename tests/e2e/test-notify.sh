#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# run under systemd, with the test playing systemd's side: a NOTIFY_SOCKET of
# its own (a python3 unix datagram listener writing each datagram with its
# CLOCK_MONOTONIC time and how many "sample N:" lines run's stderr held when
# it came), WATCHDOG_USEC=2000000 and WATCHDOG_PID=run's pid (run is started
# through exec, so the pid is known before it starts).
# Run A, a dry run with -v and the test-only PORTWARDEN_TEST_STALL_MS=3000
# (its fifth step stalls 3 s, as a hung step would); during the stall
# /metrics is scraped on run's socket (answered by the HTTP thread):
#   notify/ready-after-sample  one READY=1, after the first sample line
#   notify/status-dry-run      STATUS= says "dry run"
#   notify/watchdog-pings      WATCHDOG=1 at most 1 s (half the watchdog) apart
#                              outside the stall, 3 or more before it
#   notify/watchdog-stall      no ping for >= 2.5 s while the step stalls, even
#                              with /metrics answered meanwhile; pings after
#   notify/reload              SIGHUP: RELOADING=1 with MONOTONIC_USEC=, then READY=1
#   notify/stopping            SIGTERM: STOPPING=1, exit status 0
#   notify/no-priorities       no JOURNAL_STREAM: no "<N>" prefixes on stderr
# Run B, --enforce with a 1.5 s interval (longer than half the watchdog), no
# watch between samples (nothing else wakes the loop) and
# JOURNAL_STREAM naming its stderr file (a journal stream as systemd sets it):
#   notify/status-enforce      STATUS= says "enforcing"
#   notify/slow-interval       a warning says the interval is longer than half
#                              the watchdog, and pings still come within 1 s
#   notify/error-priority      a missing config (exit 2) is said with <3>
#   notify/priorities          log lines carry <6> and <4>; with no journald
#                              listening, the audit records fall back to
#                              stderr with <4> (SKIP where journald runs)
# Run C, a dry run with its own journald (a python3 one, in a private mount
# namespace) and a leaker whose comm holds an escape sequence:
#   notify/journal             start (PRIORITY=6) and the leaker's action
#                              (PRIORITY=4, its pid, class, ports, cgroup,
#                              pool) arrive as structured entries, the comm
#                              escaped in PORTWARDEN_COMM and MESSAGE, no
#                              control byte anywhere; not also on stderr
#   notify/status-action       STATUS= then names the last action, escaped
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden python3 curl

NSOCK=$PW_TMP/notify.sock
cat >"$PW_TMP/listen.py" <<'PY'
import os, socket, sys, time
path, log, err = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as out:
    print("listening", file=out)
    while True:
        data = s.recv(4096)
        now = time.clock_gettime(time.CLOCK_MONOTONIC)
        try:
            with open(err, errors="replace") as f:
                samples = sum(1 for line in f if "sample " in line)
        except OSError:
            samples = -1
        text = data.decode(errors="replace").replace("\n", "|")
        print("%.3f %d %s" % (now, samples, text), file=out)
PY

# listen NAME: a listener for run NAME ($PW_TMP/NAME.notify, NAME.err).
listen() {
	rm -f "$NSOCK"
	python3 "$PW_TMP/listen.py" "$NSOCK" "$PW_TMP/$1.notify" "$PW_TMP/$1.err" </dev/null \
		>/dev/null 2>"$PW_TMP/$1.listen.err" &
	LISTENER=$!
	pw_track_pid "$LISTENER"
	pw_wait_ready "$LISTENER" "$PW_TMP/$1.notify" listening 10
}

# start_run NAME ARGS...: run with the notify socket and the watchdog, its
# pid in WATCHDOG_PID through exec; stderr to NAME.err (which exists first,
# for JOURNAL_STREAM). PW_DAEMON its pid; 1 without a start record in 30 s.
start_run() {
	local name=$1
	shift
	# shellcheck disable=SC2016 # $$ is the inner shell's, which execs run
	NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=2000000 sh -c 'WATCHDOG_PID=$$ exec "$@"' sh \
		"$PW_PORTWARDEN" run --no-incidents --socket "$PW_TMP/$name.sock" --log "$PW_TMP/$name.jsonl" "$@" \
		</dev/null >/dev/null 2>>"$PW_TMP/$name.err" &
	PW_DAEMON=$!
	pw_track_pid "$PW_DAEMON"
	pw_wait_ready "$PW_DAEMON" "$PW_TMP/$name.jsonl" '"event":"start"' 30
}

# pings FILE [FROM TO]: the monotonic times of the WATCHDOG=1 datagrams.
pings() {
	awk '/ WATCHDOG=1$/ { print $1 }' "$1"
}

# gaps FILE: each gap between pings, "START GAP" (seconds).
gaps() {
	pings "$1" | awk 'NR > 1 { printf "%.3f %.3f\n", prev, $1 - prev } { prev = $1 }'
}

# stop NAME: SIGTERM, wait, the exit status in NAME.rc.
stop() {
	local rc=0
	kill -s TERM "$PW_DAEMON"
	if ! pw_wait_exit "$PW_DAEMON" 15; then
		pw_stop "$PW_DAEMON" KILL 1
		echo killed >"$PW_TMP/$1.rc"
		return
	fi
	wait "$PW_DAEMON" || rc=$?
	echo "$rc" >"$PW_TMP/$1.rc"
}

# ---- run A: dry run, stalled once, reloaded, stopped -------------------------
listen a || { pw_fail notify/start "the listener did not start: $(cat "$PW_TMP/a.listen.err")"; pw_done; }
: >"$PW_TMP/a.err"
if ! PORTWARDEN_TEST_STALL_MS=3000 start_run a -v --cgroup "$(pw_cgroup_base)"; then
	pw_fail notify/start "run did not start: $(grep -v '^libbpf' "$PW_TMP/a.err" | tail -c 300)"
	pw_done
fi
A=$PW_DAEMON
# the stall comes at the fifth step: scrape /metrics while it lasts
pw_wait_ready "$A" "$PW_TMP/a.err" 'sample 4:' 30 || true
scrapes=0
t0=$SECONDS
while [ $((SECONDS - t0)) -lt 4 ]; do
	if curl -s --max-time 2 --unix-socket "$PW_TMP/a.sock" -o /dev/null http://localhost/metrics; then
		scrapes=$((scrapes + 1))
	fi
	sleep 0.2
done
echo "# $scrapes scrapes answered around the stall"
sleep 2
kill -s HUP "$A"
pw_wait_for_file_line "$PW_TMP/a.notify" 'RELOADING=1' 10 || true
sleep 1.5
stop a
sleep 0.3
cp "$PW_TMP/a.notify" "$PW_TMP/a.notify.final"
N=$PW_TMP/a.notify.final
echo "# run A's datagrams:"
sed 's/^/#   /' "$N" | grep -v ' WATCHDOG=1$' || true
echo "# pings: $(pings "$N" | wc -l), largest gaps: $(gaps "$N" | sort -k2 -n -r | head -n 3 | awk '{print $2}' | paste -sd ' ')"

ready=$(grep -c 'READY=1' "$N" || true)
first_ready=$(grep -m 1 ' READY=1' "$N" || true)
problems=""
[ -n "$first_ready" ] || problems="no READY=1"
if [ -n "$first_ready" ]; then
	n=$(echo "$first_ready" | awk '{ print $2 }')
	[ "$n" -ge 1 ] || problems="READY=1 came before the first sample line ($n sample lines then)"
	# one READY at start, one after the reload
	[ "$ready" -eq 2 ] || problems="${problems:+$problems
}$ready READY=1 datagrams, want 2 (start, reload)"
fi
pw_report notify/ready-after-sample "$problems"

problems=$(echo "$first_ready" | grep -q 'STATUS=dry run' || echo "the READY datagram has no 'STATUS=dry run': $first_ready")
pw_report notify/status-dry-run "$problems"

# the stall: the largest gap; every other gap must be under 1 s
stall=$(gaps "$N" | sort -k2 -n -r | head -n 1)
stall_start=${stall% *}
stall_gap=${stall#* }
before=$(pings "$N" | awk -v s="$stall_start" '$1 < s' | wc -l)
after=$(pings "$N" | awk -v s="$stall_start" '$1 > s' | wc -l)
problems=$(gaps "$N" | sort -k2 -n -r | sed -n '2p' | awk '$2 >= 1.0 { printf "a gap of %.3f s between pings outside the stall (half the watchdog is 1 s)\n", $2 }')
[ "$before" -ge 3 ] || problems="${problems:+$problems
}only $before pings before the stall"
pw_report notify/watchdog-pings "$problems"

problems=""
if [ -z "$stall_gap" ] || ! awk -v g="$stall_gap" 'BEGIN { exit !(g >= 2.5) }'; then
	problems="no gap >= 2.5 s in the pings while the step stalled 3 s (largest: ${stall_gap:-none})"
fi
[ "$after" -ge 3 ] || problems="${problems:+$problems
}only $after pings after the stall"
[ "$scrapes" -ge 1 ] || problems="${problems:+$problems
}no /metrics scrape answered around the stall: the test proves nothing about the HTTP thread"
pw_report notify/watchdog-stall "$problems"

problems=$(awk '/RELOADING=1/ { r = NR; if ($0 !~ /MONOTONIC_USEC=[0-9]+/) print "RELOADING=1 without MONOTONIC_USEC: " $0 }
	/ READY=1/ && r && NR > r { ok = 1 }
	END { if (!r) print "no RELOADING=1 after SIGHUP"; else if (!ok) print "no READY=1 after RELOADING=1" }' "$N")
pw_report notify/reload "$problems"

problems=""
grep -q 'STOPPING=1' "$N" || problems="no STOPPING=1 after SIGTERM"
[ "$(cat "$PW_TMP/a.rc")" = 0 ] || problems="${problems:+$problems
}exit status $(cat "$PW_TMP/a.rc") after SIGTERM"
pw_report notify/stopping "$problems"

problems=$(grep -m 3 '^<[0-7]>' "$PW_TMP/a.err" || true)
pw_report notify/no-priorities "${problems:+priority prefixes without JOURNAL_STREAM: $problems}"
pw_stop "$LISTENER" TERM 2

# ---- run B: enforce, a slow interval, a journal stream on stderr ------------
listen b || { pw_fail notify/start "the listener did not start"; pw_done; }
printf '[daemon]\ninterval = 1500ms\nwatch = 0\n' >"$PW_TMP/b.conf"
: >"$PW_TMP/b.err"
stream=$(stat -c '%d:%i' "$PW_TMP/b.err")
if ! JOURNAL_STREAM=$stream start_run b --enforce --config "$PW_TMP/b.conf" --cgroup "$(pw_cgroup_base)"; then
	pw_fail notify/start "run B did not start: $(grep -v '^libbpf' "$PW_TMP/b.err" | tail -c 300)"
	pw_done
fi
pw_wait_for_file_line "$PW_TMP/b.notify" ' READY=1' 30 || true
sleep 5
stop b
sleep 0.3
N=$PW_TMP/b.notify
echo "# run B's datagrams:"
sed 's/^/#   /' "$N" | grep -v ' WATCHDOG=1$' || true
problems=$(grep -m 1 ' READY=1' "$N" | grep -q 'STATUS=enforcing' ||
	echo "no READY=1 with STATUS=enforcing: $(grep -m 1 READY "$N")")
pw_report notify/status-enforce "$problems"

problems=$(grep -q 'sample interval (1500 ms) is longer than half the watchdog' "$PW_TMP/b.err" ||
	echo "no warning of the interval longer than half the watchdog")
gaps "$N" | awk '$2 >= 1.0 { printf "a gap of %.3f s between pings\n", $2 }' >"$PW_TMP/b.gaps"
[ "$(pings "$N" | wc -l)" -ge 5 ] || echo "only $(pings "$N" | wc -l) pings in about 5 s" >>"$PW_TMP/b.gaps"
[ ! -s "$PW_TMP/b.gaps" ] || problems="${problems:+$problems
}$(cat "$PW_TMP/b.gaps")"
pw_report notify/slow-interval "$problems"

problems=""
grep -q '^<6>portwarden: metrics at' "$PW_TMP/b.err" || problems="no '<6>portwarden: metrics at' line"
grep -q '^<4>portwarden: the sample interval' "$PW_TMP/b.err" || problems="${problems:+$problems
}no '<4>' on the interval warning"
unprefixed=$(grep -v '^<[0-7]>' "$PW_TMP/b.err" | grep -v '^libbpf' | head -n 2)
[ -z "$unprefixed" ] || problems="${problems:+$problems
}lines without a priority: $unprefixed"
pw_report notify/priorities "$problems"
# an error that stops the start: <3>
: >"$PW_TMP/bad.err"
rc=0
stream=$(stat -c '%d:%i' "$PW_TMP/bad.err")
JOURNAL_STREAM=$stream "$PW_PORTWARDEN" run --no-incidents --no-socket \
	--config "$PW_TMP/missing.conf" </dev/null >/dev/null 2>>"$PW_TMP/bad.err" || rc=$?
problems=$(grep -q '^<3>portwarden: .*missing.conf' "$PW_TMP/bad.err" ||
	echo "no '<3>' line for a missing config: $(head -c 200 "$PW_TMP/bad.err")")
[ "$rc" = 2 ] || problems="${problems:+$problems
}exit status $rc for a missing config, want 2"
pw_report notify/error-priority "$problems"
if [ -S /run/systemd/journal/socket ]; then
	pw_skip notify/journal-fallback "journald listens here: the records went to the journal"
else
	problems=$(grep -q '^<4>portwarden: start: enforcing' "$PW_TMP/b.err" ||
		echo "no '<4>portwarden: start: enforcing' fallback line: $(grep start "$PW_TMP/b.err" | head -n 1)")
	pw_report notify/journal-fallback "$problems"
fi
pw_stop "$LISTENER" TERM 2

# ---- run C: journald of the test's own --------------------------------------
# In a private mount namespace, a tmpfs on /run/systemd holds a python3
# "journald" on journal/socket decoding each native-protocol datagram; run's
# stderr is the journal stream; a leaker with a hostile comm is named.
cat >"$PW_TMP/journald.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
with open(sys.argv[1], "a", buffering=1) as out:
    print(json.dumps({"listening": True}), file=out)
    while True:
        data, i, fields = s.recv(1 << 20), 0, {}
        while i < len(data):
            nl = data.index(b"\n", i)
            line = data[i:nl]
            if b"=" in line:
                k, v = line.split(b"=", 1)
                i = nl + 1
            else:  # FIELD\n<le64 length><value>\n
                n = int.from_bytes(data[nl + 1:nl + 9], "little")
                k, v = line, data[nl + 9:nl + 9 + n]
                i = nl + 9 + n + 1
            fields[k.decode()] = v.decode("latin-1")
        fields["raw_control"] = any(b < 32 and b != 10 for b in data)
        print(json.dumps(fields), file=out)
PY
COMM=$(printf 'pw\033]0;x"q')
printf '[daemon]\ninterval = 1s\nwindow = 8s\n[policy]\nfill_threshold = 20%%\n' >"$PW_TMP/c.conf"
: >"$PW_TMP/c.err"
stream=$(stat -c '%d:%i' "$PW_TMP/c.err")
listen c || { pw_fail notify/start "the listener did not start"; pw_done; }
# shellcheck disable=SC2016 # the inner sh's variables
NOTIFY_SOCKET=$NSOCK JOURNAL_STREAM=$stream unshare -m --propagation private sh -c '
	mount -t tmpfs pw-journal /run/systemd && mkdir /run/systemd/journal || exit 125
	python3 "$1" "$2" </dev/null >/dev/null 2>"$2.err" &
	echo $! >"$3"
	for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
	shift 3
	exec "$@"' sh "$PW_TMP/journald.py" "$PW_TMP/c.journal" "$PW_TMP/c.journald.pid" \
	"$PW_PORTWARDEN" run --no-incidents --no-socket --log "$PW_TMP/c.jsonl" --config "$PW_TMP/c.conf" \
	--cgroup "$(pw_cgroup_base)" </dev/null >/dev/null 2>>"$PW_TMP/c.err" &
C=$!
pw_track_pid "$C"
for _ in $(seq 50); do [ -s "$PW_TMP/c.journald.pid" ] && break; sleep 0.1; done
[ ! -s "$PW_TMP/c.journald.pid" ] || pw_track_pid "$(cat "$PW_TMP/c.journald.pid")"
if ! pw_wait_ready "$C" "$PW_TMP/c.jsonl" '"event":"start"' 30; then
	pw_fail notify/journal "run C did not start: $(grep -v '^libbpf' "$PW_TMP/c.err" | tail -c 300)"
	pw_done
fi
pw_start_portleak leak "$(pw_make_cgroup leak)" "$(pw_make_netns 40000 41999)" \
	tcp-connect --listen --rate 20 --duration 60 --hold 60 --comm "$COMM"
leak=$(cat "$PW_TMP/leak.pid")
t0=$SECONDS
until jq -e -s --argjson pid "$leak" 'any(.[]; .event == "action" and .pid == $pid)' \
	"$PW_TMP/c.jsonl" >/dev/null 2>&1 || [ $((SECONDS - t0)) -ge 60 ]; do
	sleep 1
done
sleep 0.5
kill -s TERM "$C"
pw_wait_exit "$C" 15 || pw_stop "$C" KILL 1
pw_stop "$(cat "$PW_TMP/leak.pid")" KILL 1
echo "# run C's journal entries: $(grep -c PORTWARDEN_EVENT "$PW_TMP/c.journal" || true)"
problems=$(jq -r -s --argjson pid "$leak" --arg comm 'pw\x1b]0;x"q' '
	([.[] | select(.PORTWARDEN_EVENT == "start")][0]) as $s
	| ([.[] | select(.PORTWARDEN_EVENT == "action" and .PORTWARDEN_TARGET_PID == ($pid | tostring))][0]) as $a
	| if $s == null then "no start entry in the journal"
	  elif $s.PRIORITY != "6" or $s.SYSLOG_IDENTIFIER != "portwarden" or ($s.MESSAGE | startswith("start: dry run") | not)
	  then "start entry: \($s)"
	  elif $a == null then "no action entry for the leaker \($pid)"
	  elif $a.PORTWARDEN_ACTION != "would_kill" or $a.PRIORITY != "4" or $a.PORTWARDEN_COMM != $comm
	    or ($a.MESSAGE | contains($comm) | not) or $a.PORTWARDEN_DRY_RUN != "1"
	    or ($a.PORTWARDEN_CLASS // "") == "" or ($a.PORTWARDEN_PORTS_HELD | tonumber) < 1
	    or ($a.PORTWARDEN_CGROUP | endswith("/leak") | not) or $a.PORTWARDEN_POOL_KIND == null
	  then "action entry: \($a)"
	  elif any(.[]; .raw_control) then "a control byte in a journal datagram"
	  else empty end' "$PW_TMP/c.journal" 2>&1 | head -c 600)
# on the journal, not also as a stderr line
if grep -q 'action would_kill' "$PW_TMP/c.err"; then
	problems="${problems:+$problems
}the action went to stderr too: $(grep -m 1 'action would_kill' "$PW_TMP/c.err")"
fi
pw_report notify/journal "$problems"
sed 's/^/#   /' "$PW_TMP/c.notify" | grep -v ' WATCHDOG=1$' || true
problems=$(grep -q "STATUS=dry run (--enforce acts).*; quarantined 0, signalled 0, last action: would_kill pid $leak pw\\\\x1b\]0;x\"q" "$PW_TMP/c.notify" ||
	echo "no STATUS= naming the leaker's would_kill: $(grep STATUS "$PW_TMP/c.notify" | tail -n 1)")
pw_report notify/status-action "$problems"
pw_stop "$LISTENER" TERM 2
pw_done
