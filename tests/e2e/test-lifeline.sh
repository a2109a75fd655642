#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The lifeline end to end: `portwarden run --cgroup` over the test's child
# cgroups, lifeline = 80%, in netns of 1000 ports, a listener on 5001.
#   lifeline/engaged        an unprotected hog holds 850 connections to
#                           127.0.0.1:5001 (85%): "lifeline engaged" is logged
#   lifeline/newcomer-connect  an unprotected newcomer's connect() to that
#                           destination gets EADDRNOTAVAIL
#   lifeline/other-destination  its connect() elsewhere (another pool) works
#   lifeline/protected      a process protected by its executable ([protect]
#                           exe), started before, keeps connecting throughout
#   lifeline/protected-child  a child a protected shell forks after the
#                           engagement connects at once (inherited at fork)
#   lifeline/newcomer-bind0 in a second netns a bind(0) hog holds 85% of the
#                           tcp-bind pool: a newcomer's bind(0) gets EADDRINUSE
#   lifeline/newcomer-udp-sendto, -udp-connect  in a third netns a UDP hog
#                           holds 85% of the udp pool: a newcomer's first
#                           sendto() and connect() get EAGAIN
#   lifeline/seen-udp-send  there, a UDP socket that took its port (a send)
#                           before the pool engaged sends 5 more: no refusal
#   lifeline/refusals-logged  "lifeline" refuse records
#   lifeline/refusal-pools  they name the engaged pools the refused calls
#                           were to take a port from: tcp-connect to
#                           127.0.0.1:PORT, tcp-bind and udp, each in its netns
#   lifeline/metrics        /metrics: portwarden_lifeline_engaged for the pool,
#                           portwarden_lifeline_refusals_total for the newcomer
#   lifeline/top            top attached to the daemon: "lifeline ENGAGED pool ..."
#   lifeline/top-refusals   and its header's lifeline refusals ("refused/s: ...,
#                           lifeline R (total N)", N >= 1); /suspects'
#                           lifeline_refusals count the newcomers' cgroup
#   lifeline/released       the hog exits: "released" is logged (audit record
#                           and log line), and the
#                           newcomer connects again
#   lifeline/dry-run        without --enforce the newcomer connects, and a
#                           would_refuse record counts it
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden jq curl
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
NS=$(pw_make_netns 40000 40999)
PORT=5001
NS2=$(pw_make_netns 40000 40999)
NS3=$(pw_make_netns 40000 40999)
INUM=$(stat -L -c %i "/run/netns/$NS")
INUM2=$(stat -L -c %i "/run/netns/$NS2")
INUM3=$(stat -L -c %i "/run/netns/$NS3")
# the pool of every client here (other tests' netns may engage too)
POOL="tcp-connect pool in netns $INUM to 127.0.0.1:$PORT"
PROTECTED=$PW_TMP/pw-protected-guardleak
cp "$GUARDLEAK" "$PROTECTED"
SHELL_COPY=$PW_TMP/pw-protected-bash
cp "$(command -v bash)" "$SHELL_COPY"
for k in srv hog new prot pshell bhog uhog; do pw_make_cgroup "$k" >/dev/null; done

cat >"$PW_TMP/lifeline.conf" <<CONF
[daemon]
interval = 1s
window = 4s
[policy]
lifeline = 80%
min_ports = 100000
[protect]
exe = */pw-protected-*
CONF

# try KEY NETNS MODE ARGS...: an unprotected newcomer's one try (cgroup new)
try() {
	local key=$1 ns=$2
	shift 2
	pw_start_portleak "$key" "$BASE/new" "$ns" "$@" --count 1 --fail-extra 0 --comm pl-"$key"
	pw_wait_portleak "$key" "lifeline/$key" exited || return 1
}
# expect NAME KEY OK ERRNAME: portleak KEY got OK ports, then ERRNAME (null: none)
expect() {
	local got
	got=$(jq -r '"\(.ok) \(.errname)"' "$PW_TMP/$2.json")
	if [ "$got" = "$3 $4" ]; then pw_pass "$1"; else pw_fail "$1" "got ok/errno '$got', want '$3 $4'"; fi
}
# records LOG ACTION [DRY]: how many "lifeline" ACTION records
records() {
	jq -s --arg a "$2" '[.[] | select(.event == "lifeline" and .action == $a)] | length' "$1"
}

pw_start_portleak srv "$BASE/srv" "$NS" listen --port "$PORT" --accept --hold 3600 --comm pl-srv
pw_wait_portleak srv lifeline/srv || pw_done
pw_start_portleak srv2 "$BASE/srv" "$NS" listen --port 5002 --accept --hold 3600 --comm pl-srv2
pw_wait_portleak srv2 lifeline/srv2 || pw_done

SOCK=$PW_TMP/pw.sock
pw_start_guard lifeline --cgroup "$BASE" --config "$PW_TMP/lifeline.conf" --socket "$SOCK" || pw_done
LOG=$PW_TMP/run.jsonl
sleep 1.5 # the first step loads the hooks
if grep -q 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err"; then
	pw_skip lifeline "$(grep 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err" | head -1)"
	pw_done
fi

# protected, started before the pool fills: 5 connections a second for 8 s
pw_start_cmd prot "$BASE/prot" "$NS" "$PROTECTED" tcp --port "$PORT" --rate 5 --count 40 --comm pl-prot
# a protected shell that starts a client once told to
# shellcheck disable=SC2016 # $1..$3 belong to the inner shell
pw_start_cmd pshell "$BASE/pshell" "$NS" "$SHELL_COPY" -c \
	'while [ ! -e "$1" ]; do sleep 0.05; done; exec 3>"$2"; "$3" tcp-connect --port 5001 --count 3 --fail-extra 0 --comm pl-child >&3' \
	pw-protected-bash "$PW_TMP/go" "$PW_TMP/child.json" "$PW_PORTLEAK"

pw_start_portleak hog "$BASE/hog" "$NS" tcp-connect --port "$PORT" --count 850 --fail-extra 0 --hold 3600 --comm pl-hog
pw_wait_portleak hog lifeline/hog || pw_done
if pw_wait_for_file_line "$PW_TMP/run.err" "lifeline engaged: .*$POOL" 10; then
	pw_pass lifeline/engaged
else
	pw_fail lifeline/engaged "no engaged record for $POOL; hog $(jq -c "{ok, errname}" "$PW_TMP/hog.json")"
fi

try newc "$NS" tcp-connect --port "$PORT" && expect lifeline/newcomer-connect newc 0 EADDRNOTAVAIL
try newo "$NS" tcp-connect --port 5002 && expect lifeline/other-destination newo 1 null

touch "$PW_TMP/go"
if pw_wait_for_file_line "$PW_TMP/child.json" '^{' 10; then
	expect lifeline/protected-child child 3 null
else
	pw_fail lifeline/protected-child "the protected shell's child wrote nothing: $(head -c 200 "$PW_TMP/pshell.err")"
fi

pw_wait_for_file_line "$PW_TMP/prot.out" '^done' 15 || true
if grep -q '^done .*ports=40' "$PW_TMP/prot.out" && ! grep -q '^failed' "$PW_TMP/prot.out"; then
	pw_pass lifeline/protected
else
	pw_fail lifeline/protected "protected leaker: $(tr '\n' ' ' <"$PW_TMP/prot.out")"
fi

# bind(0): the tcp-bind pool of a second netns, 850 of 1000
pw_start_portleak bhog "$BASE/bhog" "$NS2" bind0 --count 850 --fail-extra 0 --hold 3600 --comm pl-bhog
pw_wait_portleak bhog lifeline/bhog || true
pw_wait_for_file_line "$PW_TMP/run.err" "lifeline engaged: .*tcp-bind pool in netns $INUM2 " 10 || true
try newb "$NS2" bind0 && expect lifeline/newcomer-bind0 newb 0 EADDRINUSE

# UDP: the udp pool of a third netns, 850 connected sockets of 1000. A UDP
# socket that took its port before (its first send) holds it: its sends once
# the pool is engaged take no port and must go on.
cat >"$PW_TMP/seen.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", ("127.0.0.1", 5006))
print("bound", s.getsockname()[1], flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.1)
ok = err = 0
for _ in range(5):
    try:
        s.sendto(b"x", ("127.0.0.1", 5006))
        ok += 1
    except OSError as e:
        err += 1
        print("error", e.strerror, flush=True)
print("sent", ok, "failed", err, flush=True)
PY
pw_run_in -o "$PW_TMP/seen.out" -e "$PW_TMP/seen.err" "$BASE/new" "$NS3" python3 "$PW_TMP/seen.py" "$PW_TMP/seen.go" >/dev/null
SEEN=$PW_PID
pw_track_pid "$SEEN"
pw_wait_for_file_line "$PW_TMP/seen.out" '^bound' 10 || true
pw_start_portleak uhog "$BASE/uhog" "$NS3" udp-connect --port 5005 --count 850 --fail-extra 0 --hold 3600 --comm pl-uhog
pw_wait_portleak uhog lifeline/uhog || true
pw_wait_for_file_line "$PW_TMP/run.err" "lifeline engaged: .*udp pool in netns $INUM3 " 10 || true
try newus "$NS3" udp-sendto --port 5006 && expect lifeline/newcomer-udp-sendto newus 0 EAGAIN
try newuc "$NS3" udp-connect --port 5006 && expect lifeline/newcomer-udp-connect newuc 0 EAGAIN
touch "$PW_TMP/seen.go"
pw_wait_for_file_line "$PW_TMP/seen.out" '^sent' 10 || true
pw_check lifeline/seen-udp-send "a UDP socket bound before the pool engaged: $(tr '\n' ' ' <"$PW_TMP/seen.out") $(head -c 200 "$PW_TMP/seen.err")" \
	grep -q '^sent 5 failed 0$' "$PW_TMP/seen.out"

sleep 1.5 # a step logs the refusals
n=$(records "$LOG" refuse)
pw_check lifeline/refusals-logged "refuse records: $n" test "$n" -ge 1
p=$(jq -rs '[.[] | select(.event == "lifeline" and .action == "refuse") | .pool // {} |
	"\(.kind) \(.netns)\(if .remote then " \(.remote):\(.remote_port)" else "" end)"] | unique | join(",")' "$LOG")
want="tcp-bind $INUM2,tcp-connect $INUM 127.0.0.1:$PORT,udp $INUM3"
pw_check lifeline/refusal-pools "pools '$p', want '$want'" test "$p" = "$want"
curl -s --max-time 5 --unix-socket "$SOCK" -o "$PW_TMP/metrics" http://localhost/metrics || true
e=$(grep -c "^portwarden_lifeline_engaged{.*kind=\"tcp-connect\",family=\"ipv4\",netns=\"$INUM\"} 1" "$PW_TMP/metrics" || true)
r=$(grep -c "^portwarden_lifeline_refusals_total{cgroup=\"$(pw_cgroup_relpath "$BASE")/new\",errno=\"EADDRNOTAVAIL\",dry_run=\"false\"} [1-9]" "$PW_TMP/metrics" || true)
pw_check lifeline/metrics "engaged series $e, refusal series $r: $(grep -m4 lifeline "$PW_TMP/metrics" || true)" \
	test "$e" -eq 1 -a "$r" -eq 1
timeout 20 "$PW_PORTWARDEN" top --batch --socket "$SOCK" >"$PW_TMP/top.txt" 2>"$PW_TMP/top.err" || true
if grep -q "^lifeline ENGAGED pool .*$POOL" "$PW_TMP/top.txt"; then
	pw_pass lifeline/top
else
	pw_fail lifeline/top "no lifeline line in top's header: $(head -c 300 "$PW_TMP/top.err") $(grep -m2 -i 'lifeline\|attached' "$PW_TMP/top.txt")"
fi
t=$(sed -nE 's#^refused/s: budget [0-9.]+ \(total [0-9]+\), lifeline [0-9.]+ \(total ([0-9]+)\)$#\1#p' \
	"$PW_TMP/top.txt" | tail -n 1)
curl -s --max-time 5 --unix-socket "$SOCK" -o "$PW_TMP/suspects.json" http://localhost/suspects || true
c=$(jq --arg p "$(pw_cgroup_relpath "$BASE")/new" \
	'[.lifeline_refusals[]? | select(.cgroup == $p) | .refused] | add // 0' "$PW_TMP/suspects.json" 2>/dev/null || echo 0)
pw_check lifeline/top-refusals "top's refusals line '$(grep -m1 '^refused/s' "$PW_TMP/top.txt" || true)', /suspects' lifeline refusals of new: $c" \
	test "${t:-0}" -ge 1 -a "$c" -ge 1

# the server closes first: its side keeps the TIME_WAITs, off the client's pool
pw_stop "$(cat "$PW_TMP/srv.pid")" KILL 5
sleep 0.5
pw_stop "$(cat "$PW_TMP/hog.pid")" KILL 5
pw_start_portleak srv3 "$BASE/srv" "$NS" listen --port "$PORT" --accept --hold 3600 --comm pl-srv3
pw_wait_portleak srv3 lifeline/srv3 || true
if pw_wait_for_file_line "$LOG" "\"released\".*$POOL" 10; then
	pw_pass lifeline/released
else
	pw_fail lifeline/released "no released record"
fi
try newr "$NS" tcp-connect --port "$PORT" && expect lifeline/newcomer-again newr 1 null
if grep -q "lifeline released: .*$POOL" "$PW_TMP/run.err"; then
	pw_pass lifeline/released-log-line
else
	pw_fail lifeline/released-log-line "no log line for the release"
fi


# ---- dry run ---------------------------------------------------------------------
kill -s INT "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
pw_start_run lifeline-dry "$PW_TMP/dry" --cgroup "$BASE" --config "$PW_TMP/lifeline.conf" || pw_done
pw_start_portleak dhog "$BASE/hog" "$NS" tcp-connect --port "$PORT" --count 850 --fail-extra 0 --hold 3600 --comm pl-dhog
pw_wait_portleak dhog lifeline/dhog || pw_done
pw_wait_for_file_line "$PW_TMP/dry.err" "lifeline engaged: .*$POOL" 10 || true
try newd "$NS" tcp-connect --port "$PORT" && expect lifeline/dry-run newd 1 null
sleep 1.5
w=$(jq -s '[.[] | select(.event == "lifeline" and .action == "would_refuse" and .dry_run == true)] | length' "$PW_TMP/dry.jsonl")
pw_check lifeline/dry-run-counted "would_refuse records: $w" test "$w" -ge 1
pw_done
