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
#   budget/fixed-port     a cgroup at its budget still binds a fixed port
#   budget/refusals-logged  "budget" refuse records per cgroup and errno
#   budget/metrics        and /metrics' portwarden_budget_refusals_total
#   budget/reconcile      a listener started before the budget: the kernel's
#                         count (0) is corrected to the snapshot's (1), logged
#   budget/no-drift       after churn (connect/close loops leaving TIME_WAIT,
#                         failed connects, forked leakers, UDP) no correction
#                         is ever logged for those cgroups: the kernel's count
#                         equals the snapshot's
#   budget/set            each budget given is logged ("set", ports_max N for PATH)
#   budget/dry-run        without --enforce (and with the budgets from a
#                         reload) a leaker with ports_max = 50 gets all 80 it
#                         asks for; would_refuse records count the 30 over
#   budget/state-hook     the budgets' inet_sock_set_state program is attached
#                         only while a cgroup has a budget (the lifeline alone
#                         does not read it): none before the reload, one after
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden jq curl bpftool
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
NS=$(pw_make_netns 40000 49999)
PORT=5001
for k in srv leak neigh bind udp usend churn fork dleak; do pw_make_cgroup "$k" >/dev/null; done
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
[cgroup "$REL/churn"]
ports_max = 5000
[cgroup "$REL/fork"]
ports_max = 5000
[cgroup "$REL/dleak"]
ports_max = 50
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
pw_start_guard budget --cgroup "$BASE" --config "$PW_TMP/budget.conf" --socket "$SOCK" || pw_done
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
# srv is at its budget (1: its listener); an explicit bind is never refused
leak srv2 srv tcp-bound-connect --bind-port 5100 --port "$PORT" --count 1 --fail-extra 0 --hold 60 &&
	expect budget/fixed-port srv2 1 null

sleep 1 # a step logs the refusals
n=$(records "$LOG" refuse leak EADDRNOTAVAIL)
m=$(records "$LOG" refuse bind EADDRINUSE)
u=$(records "$LOG" refuse udp EAGAIN)
s=$(records "$LOG" refuse srv)
check budget/refusals-logged "refuse records: connect $n, bind $m, udp $u, srv $s" \
	"$n" -ge 1 -a "$m" -ge 1 -a "$u" -ge 1 -a "$s" -eq 0
curl -s --max-time 5 --unix-socket "$SOCK" -o "$PW_TMP/metrics" http://localhost/metrics || true
m=$(grep -c "^portwarden_budget_refusals_total{cgroup=\"$REL/leak\",errno=\"EADDRNOTAVAIL\",dry_run=\"false\"} [1-9]" \
	"$PW_TMP/metrics" || true)
check budget/metrics "no refusal series for leak in /metrics: $(grep -m3 budget "$PW_TMP/metrics" || true)" "$m" -eq 1
c=$(records "$LOG" set leak "ports_max 50 for $REL/leak")
check budget/set "no set record for leak" "$c" -eq 1
c=$(records "$LOG" correct srv "kernel count 0, snapshot count 1")
check budget/reconcile "no correction of srv from 0 to 1 logged" "$c" -ge 1

sleep 8 # the churn is over, its TIME_WAITs are not; the fork leakers hold
d=0
for k in churn fork leak neigh bind udp usend; do
	d=$((d + $(records "$LOG" correct "$k")))
done
check budget/no-drift "$d corrections: $(jq -c 'select(.event == "budget" and .action == "correct")' "$LOG" | head -3)" "$d" -eq 0

# budget_links PID: links PID holds to the budget_state program
budget_links() {
	local fd id n=0
	for fd in /proc/"$1"/fdinfo/*; do
		grep -q '^link_type:' "$fd" 2>/dev/null || continue
		id=$(awk '$1 == "prog_id:" { print $2 }' "$fd")
		[ -n "$id" ] && [ "$(bpftool prog show id "$id" -j 2>/dev/null | jq -r .name)" = budget_state ] &&
			n=$((n + 1))
	done
	echo "$n"
}

# ---- dry run ---------------------------------------------------------------------
kill -s INT "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
# started with no budget, given them by a reload (SIGHUP)
printf '[daemon]\ninterval = 250ms\nwindow = 2s\n' >"$PW_TMP/dry.conf"
pw_start_run budget-dry "$PW_TMP/dry" --cgroup "$BASE" --config "$PW_TMP/dry.conf" || pw_done
sleep 1 # a few steps: the lifeline's hooks are armed
before=$(budget_links "$PW_DAEMON")
conf "$PW_TMP/dry.conf"
kill -s HUP "$PW_DAEMON"
pw_wait_for_file_line "$PW_TMP/dry.err" reloaded 10 || true
pw_wait_for_file_line "$PW_TMP/dry.jsonl" "ports_max 50 for $REL/dleak" 10 || true
after=$(budget_links "$PW_DAEMON")
check budget/state-hook "budget_state links: $before without a budget (want 0), $after with (want 1)" \
	"$before" -eq 0 -a "$after" -eq 1
leak dleak dleak tcp-connect --port "$PORT" --count 80 --fail-extra 0 --hold 60 &&
	expect budget/dry-run dleak 80 null
sleep 1
w=$(jq -s --arg cg "cgroup2 id $(cgid dleak)" '[.[] | select(.event == "budget" and
	.action == "would_refuse" and .cgroup == $cg and .dry_run == true)] | length' "$PW_TMP/dry.jsonl")
t=$(jq -rs --arg cg "cgroup2 id $(cgid dleak)" '[.[] | select(.event == "budget" and
	.cgroup == $cg) | .detail | capture("(?<n>[0-9]+) in total").n | tonumber] | max // 0' "$PW_TMP/dry.jsonl")
check budget/dry-run-counted "would_refuse records $w, total $t (want 30)" "$w" -ge 1 -a "$t" -eq 30
pw_done
