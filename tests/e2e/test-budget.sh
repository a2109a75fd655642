#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Port budgets (ports_max) end to end: `portwarden run` judging only the
# test's cgroup (--cgroup), workloads each in a child cgroup, in one netns.
#   budget/connect        enforced: a TCP leaker with ports_max = 50 gets 50
#                         connections, then EADDRNOTAVAIL
#   budget/neighbour      meanwhile a cgroup without a budget connects 200 times
#   budget/bind0          a bind(0) leaker with ports_max = 50: 50, then EADDRINUSE
#   budget/udp-connect    a UDP connect() leaker with ports_max = 20: 20, then EAGAIN
#   budget/udp-sendto     a leaker of a UDP socket per sendto() (autobind), 20:
#                         20, then EAGAIN
#   budget/opt-out        a cgroup with ports_max = 20 and enforce = no connects
#                         40 times under --enforce: its budget counts only
#   budget/opt-out-counted  ... would_refuse records (dry_run true) count 20,
#                         its set record says so, no refuse record
#   budget/fixed-port     a cgroup at its budget still binds a fixed port
#   budget/refusals-logged  "budget" refuse records per cgroup and errno
#   budget/refusal-pool   the refuse records name the pool: tcp-connect
#                         127.0.0.1:PORT in the test's netns for the connect
#                         leaker, tcp-bind for bind(0), udp for UDP
#   budget/report-refusals  an attached `report --duration 30 --json` lists
#                         the refusals by cgroup, errno and pool, as many as
#                         the audit counted
#   budget/metrics        and /metrics' portwarden_budget_refusals_total
#   budget/reconcile      a listener started before the budget: the kernel's
#                         count (0) is corrected to the snapshot's (1), logged
#   budget/no-drift       after churn (connect/close loops leaving TIME_WAIT,
#                         failed connects, forked leakers, UDP) no correction
#                         is ever logged for those cgroups: the kernel's count
#                         equals the snapshot's
#   budget/pass-*         40 TCP connections passed to a process of another
#                         cgroup over a unix socket (SCM_RIGHTS), closed
#                         there: the kernel's count (as the daemon reads it,
#                         run -v) is the sender's 40 while they are held,
#                         then 0, and equals the snapshot's each time
#   budget/pass-unbound-* the same with sockets passed before they connect:
#                         the receiver connects them, the snapshot counts
#                         them for the cgroup that made them
#   budget/pass-udp-*     40 UDP sockets passed unbound, the receiver's sends
#                         take their ports: counted for the maker's cgroup
#   budget/uring-*        40 connects and closes through io_uring
#                         (IORING_OP_SOCKET on 5.19+, IORING_OP_CONNECT,
#                         IORING_OP_CLOSE), and 40 that fail: the kernel's
#                         count 40 then 0, equal to the snapshot's
#   budget/set            each budget given is logged ("set", ports_max N for PATH)
#   budget/dry-run        without --enforce (and with the budgets from a
#                         reload) a leaker with ports_max = 50 gets all 80 it
#                         asks for; would_refuse records count the 30 over
#   budget/top-used-max   `top --batch` attached to that dry run: a leaker
#                         asking past its ports_max = 50 (40 connects a second)
#                         shows its cgroup's row with "budget N/50", N >= 50,
#                         and its detail the would-be refusals by errno
#   budget/top-refusal-rate  and the header's "would refuse/s: budget R", R > 0
#   budget/suspects-json  /suspects serves that budget: ports_max 50, the held
#                         count, dry_run, refusals by errno, and the totals
#   budget/state-hook     the budgets' inet_sock_set_state, sock_create and
#                         sock_release programs are attached only while a
#                         cgroup has a budget (the lifeline alone reads none
#                         of them): none before the reload, one each after
#   budget/makers-held    20 unbound sockets made in a cgroup with a budget
#                         and held: the kernel remembers their 20 makers
#   budget/makers-forgotten  budgets gone by a reload: the budget-only hooks
#                         come off and the daemon empties that map (the
#                         release hook no longer looks at TCP sockets past
#                         CLOSE, so nothing else would)
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden jq curl bpftool
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
SOCKPASS=$PW_OUTPUT/tests/workloads/sockpass
pw_require_file "$GUARDLEAK" guardleak
pw_require_file "$SOCKPASS" sockpass

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
NS=$(pw_make_netns 40000 49999)
PORT=5001
for k in srv leak neigh bind udp usend optout churn fork dleak tleak pass recv pass2 recv2 pass3 recv3 uring; do
	pw_make_cgroup "$k" >/dev/null
done
cgid() { stat -c %i "$BASE/$1"; }

conf() { # FILE
	cat >"$1" <<CONF
[daemon]
interval = 250ms
window = 2s
[cgroup "$REL/srv"]
ports_max = 1
[cgroup "$REL/leak"]
ports_max = 50
[cgroup "$REL/bind"]
ports_max = 50
[cgroup "$REL/udp"]
ports_max = 20
[cgroup "$REL/usend"]
ports_max = 20
[cgroup "$REL/optout"]
ports_max = 20
enforce = no
[cgroup "$REL/churn"]
ports_max = 5000
[cgroup "$REL/fork"]
ports_max = 5000
[cgroup "$REL/dleak"]
ports_max = 50
[cgroup "$REL/tleak"]
ports_max = 50
[cgroup "$REL/pass*"]
ports_max = 5000
[cgroup "$REL/recv*"]
ports_max = 5000
[cgroup "$REL/uring"]
ports_max = 5000
CONF
}
conf "$PW_TMP/budget.conf"

# leak KEY CGROUP MODE ARGS...: portleak MODE in child cgroup CGROUP; waits
# for its JSON line.
leak() {
	local key=$1 cg=$2 mode=$3
	shift 3
	pw_start_portleak "$key" "$BASE/$cg" "$NS" "$mode" "$@" --comm "pl-$key"
	pw_wait_portleak "$key" "budget/$key" || return 1
}
# expect NAME KEY OK ERRNAME: portleak KEY got OK ports, then ERRNAME (null: none)
expect() {
	local got
	got=$(jq -r '"\(.ok) \(.errname)"' "$PW_TMP/$2.json")
	if [ "$got" = "$3 $4" ]; then pw_pass "$1"; else pw_fail "$1" "got ok/errno '$got', want '$3 $4'"; fi
}
# records LOG ACTION CGROUP_KEY [TEXT]: how many "budget" ACTION records name
# that cgroup (with TEXT in their detail)
records() {
	jq -s --arg a "$2" --arg cg "cgroup2 id $(cgid "$3")" --arg e "${4:-}" \
		'[.[] | select(.event == "budget" and .action == $a and .cgroup == $cg
			and ($e == "" or (.detail | contains($e))))] | length' "$1"
}
# check NAME REASON TEST...: pw_check with a test expression
check() {
	local name=$1 reason=$2
	shift 2
	pw_check "$name" "$reason" test "$@"
}

# a server whose listener predates the budget: counted by the snapshot only
pw_start_portleak srv "$BASE/srv" "$NS" listen --port "$PORT" --hold 3600 --comm pl-srv
pw_wait_portleak srv budget/srv || pw_done

SOCK=$PW_TMP/pw.sock
# -v: each sample's kernel and snapshot counts per cgroup with a budget
pw_start_guard budget --cgroup "$BASE" --config "$PW_TMP/budget.conf" --socket "$SOCK" -v || pw_done
# the hooks load at the first step, which gives every cgroup its budget
pw_wait_for_file_line "$PW_TMP/run.jsonl" "ports_max 50 for $REL/dleak" 10 || true
if grep -q 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err"; then
	pw_skip budget "$(grep 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err" | head -1)"
	pw_done
fi
LOG=$PW_TMP/run.jsonl

# churn in the background: connect/close loops (TIME_WAIT), connects that
# fail (nobody listens on 5009), forked leakers, UDP sockets
pw_start_portleak churn "$BASE/churn" "$NS" tcp-churn --listen --port 5003 --rate 200 --duration 6
pw_start_cmd churnfail "$BASE/churn" "$NS" "$PW_PORTLEAK" tcp-connect --port 5009 --count 300 --fail-extra 300 --comm pl-fail
pw_start_cmd fork "$BASE/fork" "$NS" "$GUARDLEAK" tcp --port "$PORT" --rate 50 --count 100 --children 3 --comm pl-fork
pw_start_cmd udpchurn "$BASE/churn" "$NS" "$PW_PORTLEAK" udp-sendto --port 5007 --count 300 --comm pl-udpc

leak leak leak tcp-connect --port "$PORT" --count 0 --fail-extra 5 --hold 60 &&
	expect budget/connect leak 50 EADDRNOTAVAIL
leak neigh neigh tcp-connect --port "$PORT" --count 200 --fail-extra 0 --hold 60 &&
	expect budget/neighbour neigh 200 null
leak bind bind bind0 --count 0 --fail-extra 5 --hold 60 && expect budget/bind0 bind 50 EADDRINUSE
leak udp udp udp-connect --port 5005 --count 0 --fail-extra 5 --hold 60 &&
	expect budget/udp-connect udp 20 EAGAIN
leak usend usend udp-sendto --port 5006 --count 0 --fail-extra 5 --hold 60 &&
	expect budget/udp-sendto usend 20 EAGAIN
# enforce = no opts its cgroup out of enforcement: the budget counts only
leak optout optout tcp-connect --port "$PORT" --count 40 --fail-extra 0 --hold 60 &&
	expect budget/opt-out optout 40 null
pw_wait_for_file_line "$LOG" "\"would_refuse\".*\"cgroup2 id $(cgid optout)\".*20 in total" 10 || true
w=$(jq -s --arg cg "cgroup2 id $(cgid optout)" '[.[] | select(.event == "budget" and
	.action == "would_refuse" and .cgroup == $cg and .dry_run == true)] | length' "$LOG")
s=$(records "$LOG" set optout "enforce = no: counted, never refused")
r=$(records "$LOG" refuse optout)
check budget/opt-out-counted "would_refuse records $w, set records saying so $s, refuse records $r" \
	"$w" -ge 1 -a "$s" -eq 1 -a "$r" -eq 0
# srv is at its budget (1: its listener, once the reconcile counted it: a
# loaded machine's samples may come late); an explicit bind is never refused
pw_wait_for_file_line "$PW_TMP/run.jsonl" "\"cgroup2 id $(cgid srv)\".*kernel count 0, snapshot count 1" 15 || true
leak srv2 srv tcp-bound-connect --bind-port 5100 --port "$PORT" --count 1 --fail-extra 0 --hold 60 &&
	expect budget/fixed-port srv2 1 null

# a step logs the refusals (a loaded machine's steps may come late)
for k in leak bind udp; do
	pw_wait_for_file_line "$LOG" "\"refuse\".*\"cgroup2 id $(cgid "$k")\"" 10 || true
done
n=$(records "$LOG" refuse leak EADDRNOTAVAIL)
m=$(records "$LOG" refuse bind EADDRINUSE)
u=$(records "$LOG" refuse udp EAGAIN)
s=$(records "$LOG" refuse srv)
check budget/refusals-logged "refuse records: connect $n, bind $m, udp $u, srv $s" \
	"$n" -ge 1 -a "$m" -ge 1 -a "$u" -ge 1 -a "$s" -eq 0
# pools NAME CGROUP_KEY WANT: the pools (kind netns remote:port) of that
# cgroup's refuse records
pools() {
	local got
	got=$(jq -rs --arg cg "cgroup2 id $(cgid "$2")" '[.[] | select(.event == "budget" and
		.action == "refuse" and .cgroup == $cg) | .pool // {} |
		"\(.kind) \(.netns)\(if .remote then " \(.remote):\(.remote_port)" else "" end)"]
		| unique | join(",")' "$LOG")
	if [ "$got" = "$3" ]; then pw_pass "$1"; else pw_fail "$1" "pools '$got', want '$3'"; fi
}
NSINUM=$(stat -L -c %i "/run/netns/$NS")
pools budget/refusal-pool leak "tcp-connect $NSINUM 127.0.0.1:$PORT"
pools budget/refusal-pool-bind bind "tcp-bind $NSINUM"
pools budget/refusal-pool-udp udp "udp $NSINUM"
# the daemon's report of the last 30 s, attached: the leaker's refusals by
# cgroup, errno and pool, as many as the audit's total
timeout 60 "$PW_PORTWARDEN" report --socket "$SOCK" --duration 30 --json >"$PW_TMP/report.json" \
	2>"$PW_TMP/report.err" || true
t=$(jq -rs --arg cg "cgroup2 id $(cgid leak)" '[.[] | select(.event == "budget" and
	.cgroup == $cg) | .detail | capture("(?<n>[0-9]+) in total").n | tonumber] | max // 0' "$LOG")
r=$(jq -r --arg cg "$REL/leak" --argjson port "$PORT" --argjson ns "$NSINUM" '[.refusals.rows[]? |
	select(.cgroup == $cg and .errno == "EADDRNOTAVAIL" and .reason == "budget" and
	.dry_run == false and .pool.kind == "tcp-connect" and .pool.netns == $ns and
	.pool.remote == "127.0.0.1" and .pool.remote_port == $port) | .count] | add // 0' \
	"$PW_TMP/report.json" 2>/dev/null || echo 0)
check budget/report-refusals "report rows for leak: $r, audit total $t: $(jq -c '.refusals' \
	"$PW_TMP/report.json" 2>&1 | head -c 400)" "$r" -ge 1 -a "$r" -eq "$t"
curl -s --max-time 5 --unix-socket "$SOCK" -o "$PW_TMP/metrics" http://localhost/metrics || true
m=$(grep -c "^portwarden_budget_refusals_total{cgroup=\"$REL/leak\",errno=\"EADDRNOTAVAIL\",dry_run=\"false\"} [1-9]" \
	"$PW_TMP/metrics" || true)
check budget/metrics "no refusal series for leak in /metrics: $(grep -m3 budget "$PW_TMP/metrics" || true)" "$m" -eq 1
c=$(records "$LOG" set leak "ports_max 50 for $REL/leak")
check budget/set "no set record for leak" "$c" -eq 1
c=$(records "$LOG" correct srv "kernel count 0, snapshot count 1")
check budget/reconcile "no correction of srv from 0 to 1 logged" "$c" -ge 1

# counts KEY: "kernel K snapshot S" of cgroup KEY at the latest sample, as
# the daemon read them (its -v line)
counts() {
	grep "budget: cgroup2 id $(cgid "$1"): kernel count" "$PW_TMP/run.err" | tail -1 |
		sed -n 's/.*kernel count \(-\?[0-9]*\) .*snapshot count \([0-9]*\).*/kernel \1 snapshot \2/p'
}
# expect_counts NAME KEY N: a sample within 10 s reads N for KEY, in the
# kernel and in the snapshot (one sample may catch sockets made or closed
# between the two reads; lasting drift is what the no-correction checks see)
expect_counts() {
	local got deadline=$((SECONDS + 10))
	got=$(counts "$2")
	while [ "$got" != "kernel $3 snapshot $3" ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.25
		got=$(counts "$2")
	done
	if [ "$got" = "kernel $3 snapshot $3" ]; then pw_pass "$1"; else pw_fail "$1" "'$got', want $3 each"; fi
}
# passed: 40 connections taken in pass, closed in recv; 40 sockets made in
# pass2, connected and closed in recv2; io_uring: 40 connects, 40 failed
pw_start_cmd recv "$BASE/recv" "$NS" "$SOCKPASS" recv --unix "$PW_TMP/pass.sock" --reset --hold-ms 6000 --linger-ms 6000
pw_start_cmd recv2 "$BASE/recv2" "$NS" "$SOCKPASS" recv --unix "$PW_TMP/pass2.sock" --reset --connect-port "$PORT" --hold-ms 6000 --linger-ms 6000
pw_wait_for_file_line "$PW_TMP/recv.out" ready 10 || true
pw_start_cmd recv3 "$BASE/recv3" "$NS" "$SOCKPASS" recv --unix "$PW_TMP/pass3.sock" --send-port 5012 --hold-ms 6000 --linger-ms 6000
pw_wait_for_file_line "$PW_TMP/recv2.out" ready 10 || true
pw_wait_for_file_line "$PW_TMP/recv3.out" ready 10 || true
pw_start_cmd pass3 "$BASE/pass3" "$NS" "$SOCKPASS" send --unix "$PW_TMP/pass3.sock" --count 40 --udp --linger-ms 9000
pw_start_cmd pass "$BASE/pass" "$NS" "$SOCKPASS" send --unix "$PW_TMP/pass.sock" --count 40 --port "$PORT" --linger-ms 9000
pw_start_cmd pass2 "$BASE/pass2" "$NS" "$SOCKPASS" send --unix "$PW_TMP/pass2.sock" --count 40 --linger-ms 9000
pw_start_cmd uring "$BASE/uring" "$NS" "$SOCKPASS" uring --reset --count 40 --port "$PORT" --hold-ms 6000 --linger-ms 6000
pw_start_cmd uringfail "$BASE/uring" "$NS" "$SOCKPASS" uring --count 40 --port 5011 --linger-ms 6000
pw_wait_for_file_line "$PW_TMP/recv.out" received 10 || true
pw_wait_for_file_line "$PW_TMP/recv2.out" received 10 || true
pw_wait_for_file_line "$PW_TMP/recv3.out" received 10 || true
pw_wait_for_file_line "$PW_TMP/uring.out" connected 10 || true
sleep 1.5 # samples while they hold
expect_counts budget/pass-held pass 40
expect_counts budget/pass-receiver recv 0
expect_counts budget/pass-unbound-held pass2 40
expect_counts budget/pass-unbound-receiver recv2 0
expect_counts budget/pass-udp-held pass3 40
expect_counts budget/pass-udp-receiver recv3 0
expect_counts budget/uring-held uring 40
check budget/uring-ran "uring: $(cat "$PW_TMP/uring.out" "$PW_TMP/uring.err" "$PW_TMP/uringfail.out" 2>&1 | head -c 300)" \
	"$(grep -c 'ok=40 failed=0' "$PW_TMP/uring.out")" -eq 1 -a "$(grep -c 'ok=0 failed=40' "$PW_TMP/uringfail.out")" -eq 1
pw_wait_for_file_line "$PW_TMP/recv.out" closed 10 || true
pw_wait_for_file_line "$PW_TMP/recv2.out" closed 10 || true
pw_wait_for_file_line "$PW_TMP/recv3.out" closed 10 || true
pw_wait_for_file_line "$PW_TMP/uring.out" closed 10 || true
sleep 1.5
expect_counts budget/pass-closed pass 0
expect_counts budget/pass-unbound-closed pass2 0
expect_counts budget/pass-unbound-receiver-closed recv2 0
expect_counts budget/pass-udp-closed pass3 0
expect_counts budget/uring-closed uring 0
# each count equal to the snapshot's all along: no correction for them
for k in pass recv pass2 recv2 pass3 recv3 uring; do
	c=$(records "$LOG" correct "$k")
	check "budget/$k-no-correction" "$c corrections: $(jq -c --arg cg "cgroup2 id $(cgid "$k")" \
		'select(.event == "budget" and .action == "correct" and .cgroup == $cg) | .detail' "$LOG" |
		head -3 | tr '\n' ' ')" "$c" -eq 0
done

sleep 8 # the churn is over, its TIME_WAITs are not; the fork leakers hold
d=0
for k in churn fork leak neigh bind udp usend pass recv pass2 recv2 pass3 recv3 uring; do
	d=$((d + $(records "$LOG" correct "$k")))
done
check budget/no-drift "$d corrections: $(jq -c 'select(.event == "budget" and .action == "correct")' "$LOG" | head -3)" "$d" -eq 0

# ---- dry run ---------------------------------------------------------------------
kill -s INT "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
# started with no budget, given them by a reload (SIGHUP)
printf '[daemon]\ninterval = 250ms\nwindow = 2s\n' >"$PW_TMP/dry.conf"
pw_start_run budget-dry "$PW_TMP/dry" --cgroup "$BASE" --config "$PW_TMP/dry.conf" \
	--socket "$PW_TMP/dry.sock" || pw_done
sleep 1 # a few steps: the lifeline's hooks are armed
hooks() { # the daemon's links of the budget-only programs
	echo "$(pw_prog_links "$PW_DAEMON" budget_state) $(pw_prog_links "$PW_DAEMON" budget_create) $(pw_prog_links "$PW_DAEMON" budget_release)"
}
before=$(hooks)
conf "$PW_TMP/dry.conf"
kill -s HUP "$PW_DAEMON"
pw_wait_for_file_line "$PW_TMP/dry.err" reloaded 10 || true
pw_wait_for_file_line "$PW_TMP/dry.jsonl" "ports_max 50 for $REL/dleak" 10 || true
after=$(hooks)
check budget/state-hook "budget_state, budget_create and budget_release links: '$before' without a budget (want '0 0 0'), '$after' with (want '1 1 1')" \
	"$before" = "0 0 0" -a "$after" = "1 1 1"
leak dleak dleak tcp-connect --port "$PORT" --count 80 --fail-extra 0 --hold 60 &&
	expect budget/dry-run dleak 80 null
# a step logs them (a loaded machine's steps may come late)
pw_wait_for_file_line "$PW_TMP/dry.jsonl" "\"would_refuse\".*\"cgroup2 id $(cgid dleak)\".*30 in total" 10 || true
w=$(jq -s --arg cg "cgroup2 id $(cgid dleak)" '[.[] | select(.event == "budget" and
	.action == "would_refuse" and .cgroup == $cg and .dry_run == true)] | length' "$PW_TMP/dry.jsonl")
t=$(jq -rs --arg cg "cgroup2 id $(cgid dleak)" '[.[] | select(.event == "budget" and
	.cgroup == $cg) | .detail | capture("(?<n>[0-9]+) in total").n | tonumber] | max // 0' "$PW_TMP/dry.jsonl")
check budget/dry-run-counted "would_refuse records $w, total $t (want 30)" "$w" -ge 1 -a "$t" -eq 30

# ---- top attached: used/max and refusals per second ---------------------------------
# 400 connects at 40 a second: 50 within the budget, then ~9 s of would-be refusals
pw_start_portleak tleak "$BASE/tleak" "$NS" tcp-connect --port "$PORT" --count 400 --rate 40 \
	--fail-extra 0 --hold 60 --comm pl-tleak
sleep 3
rc=0
timeout 30 "$PW_PORTWARDEN" top --batch -n 3 -d 1 --socket "$PW_TMP/dry.sock" \
	>"$PW_TMP/top.out" 2>"$PW_TMP/top.err" || rc=$?
# the last frame's row of tleak: "... /REL/tleak budget N/50"
held=$(grep -E "^[-+].* $REL/tleak budget [0-9]+/50\$" "$PW_TMP/top.out" | tail -n 1 |
	sed -E 's#.* budget ([0-9]+)/50$#\1#')
# its detail (the last frame's): "detail:", "  cgroup /REL/tleak, ...", then its lines
detail=$(awk -v p="  cgroup $REL/tleak, " '/^detail:$/ { keep = 0 } index($0, p) == 1 { keep = 1; d = "" }
	keep && /^  budget / { d = $0 } END { print d }' "$PW_TMP/top.out")
refused=$(printf '%s\n' "$detail" | sed -nE 's#^  budget would have refused [0-9]+: EADDRNOTAVAIL ([0-9]+),.*#\1#p')
check budget/top-used-max "top exit $rc, tleak row '$(grep "$REL/tleak" "$PW_TMP/top.out" | tail -n 1 || true)', detail '$detail', $(head -c 200 "$PW_TMP/top.err")" \
	"$rc" -eq 0 -a "${held:-0}" -ge 50 -a "${refused:-0}" -ge 1
rate=$(grep -E '^would refuse/s: budget [0-9.]+ ' "$PW_TMP/top.out" | tail -n 1 |
	sed -E 's#^would refuse/s: budget ([0-9.]+) .*#\1#')
pw_check budget/top-refusal-rate "header: '$(grep -m3 'refuse' "$PW_TMP/top.out" | tr '\n' '|' || true)'" \
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'
curl -s --max-time 5 --unix-socket "$PW_TMP/dry.sock" -o "$PW_TMP/suspects.json" \
	http://localhost/suspects || true
# suspects_ok FILE: tleak's budget in /suspects, with its counts, and the totals
# shellcheck disable=SC2317 # called through pw_check
suspects_ok() {
	jq -e --arg p "$REL/tleak" --argjson id "$(cgid tleak)" '.refusal_hooks == true and
		.budget_refused >= 30 and (.lifeline_refusals | type) == "array" and
		([.budgets[] | select(.cgroup == $p and .cgroup_id == $id and .ports_max == 50 and
			.held >= 50 and .dry_run == true and .refused >= 1 and
			.refused_by_errno.EADDRNOTAVAIL == .refused and
			.refused_by_errno.EADDRINUSE == 0)] | length) == 1' "$1" >/dev/null 2>&1
}
pw_check budget/suspects-json "tleak in /suspects: $(jq -c --arg p "$REL/tleak" \
	'[[.budgets[]? | select(.cgroup == $p)], .budget_refused, .refusal_hooks]' \
	"$PW_TMP/suspects.json" 2>&1 | head -c 400)" suspects_ok "$PW_TMP/suspects.json"
pw_wait_portleak tleak budget/tleak || true

# ---- the kernel forgets sockets' makers --------------------------------------------
# 20 unbound sockets made in pass (a budget) and held by recv: 20 makers
# remembered; budgets gone by a reload, the hooks come off and nothing
# would forget them: the daemon empties the map
pw_start_cmd dryrecv "$BASE/recv" "$NS" "$SOCKPASS" recv --unix "$PW_TMP/dry-pass.sock" --hold-ms 20000
pw_wait_for_file_line "$PW_TMP/dryrecv.out" ready 10 || true
pw_start_cmd drypass "$BASE/pass" "$NS" "$SOCKPASS" send --unix "$PW_TMP/dry-pass.sock" --count 20 --linger-ms 20000
pw_wait_for_file_line "$PW_TMP/dryrecv.out" received 10 || true
held=$(pw_map_entries "$PW_DAEMON" budget_maker)
check budget/makers-held "budget_maker holds '$held' (want 20)" "${held:-0}" -eq 20
printf '[daemon]\ninterval = 250ms\nwindow = 2s\n' >"$PW_TMP/dry.conf"
kill -s HUP "$PW_DAEMON"
for _ in $(seq 40); do # the next step detaches them
	[ "$(hooks)" = "0 0 0" ] && break
	sleep 0.25
done
left=$(pw_map_entries "$PW_DAEMON" budget_maker)
check budget/makers-forgotten "links '$(hooks)' (want '0 0 0'), budget_maker holds '$left' (want 0)" \
	"$(hooks)" = "0 0 0" -a "${left:-1}" -eq 0
pw_done
