#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Port budgets and connections left in FIN_WAIT2: a client closes (here: it
# exits) while the server never closes its ends, so the client's sockets live
# on as FIN_WAIT2 timewait socks for tcp_fin_timeout (60 s). The kernel gave
# their ports back to the budget when each socket entered CLOSE (like
# TIME_WAIT, they count against no budget); the reconcile must agree and not
# put them back, which nothing would take off again until they expire.
#   budget-finwait/setup          the first client got its 20 connections and
#                                 left 20 sockets in FIN-WAIT-2 (ss)
#   budget-finwait/no-correction  no "correct" record for the cgroup over 3 s
#                                 (12 samples) while they wait
#   budget-finwait/budget-intact  a second client in the same cgroup (ports_max
#                                 20) still gets 20 connections, then
#                                 EADDRNOTAVAIL
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden jq ss

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
NS=$(pw_make_netns 40000 49999)
PORT=5001
for k in srv cli; do pw_make_cgroup "$k" >/dev/null; done

printf '[daemon]\ninterval = 250ms\nwindow = 2s\n[cgroup "%s/cli"]\nports_max = 20\n' "$REL" \
	>"$PW_TMP/finwait.conf"

# a server that never accepts, so never closes: a client's close stops in FIN_WAIT2
pw_start_portleak srv "$BASE/srv" "$NS" listen --port "$PORT" --hold 3600 --comm pl-srv
pw_wait_portleak srv budget-finwait/srv || pw_done

pw_start_guard budget-finwait --cgroup "$BASE" --config "$PW_TMP/finwait.conf" || pw_done
pw_wait_for_file_line "$PW_TMP/run.jsonl" "ports_max 20 for $REL/cli" 10 || true
if grep -q 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err"; then
	pw_skip budget-finwait "$(grep 'port budget hooks\|no bpf_set_retval' "$PW_TMP/run.err" | head -1)"
	pw_done
fi

pw_start_portleak first "$BASE/cli" "$NS" tcp-connect --port "$PORT" --count 20 --fail-extra 0 \
	--hold 0 --comm pl-first
pw_wait_portleak first budget-finwait/setup exited || pw_done
sleep 0.5 # the server's ACKs of the FINs
fw=$(ip netns exec "$NS" ss -Htn state fin-wait-2 | wc -l)
ok=$(jq -r .ok "$PW_TMP/first.json")
pw_check budget-finwait/setup "first client: $ok connections, $fw sockets in FIN-WAIT-2" \
	test "$ok" -eq 20 -a "$fw" -ge 20

sleep 3 # 12 samples: a difference holding still for two of them is corrected
c=$(jq -s --arg cg "cgroup2 id $(stat -c %i "$BASE/cli")" '[.[] | select(.event == "budget"
	and .action == "correct" and .cgroup == $cg)] | length' "$PW_TMP/run.jsonl")
pw_check budget-finwait/no-correction "$c corrections: $(jq -c 'select(.event == "budget" and
	.action == "correct") | .detail' "$PW_TMP/run.jsonl" | head -3)" test "$c" -eq 0

pw_start_portleak second "$BASE/cli" "$NS" tcp-connect --port "$PORT" --count 0 --fail-extra 2 \
	--hold 0 --comm pl-second
if pw_wait_portleak second budget-finwait/budget-intact; then
	got=$(jq -r '"\(.ok) \(.errname)"' "$PW_TMP/second.json")
	pw_check budget-finwait/budget-intact "second client: got ok/errno '$got', want '20 EADDRNOTAVAIL'" \
		test "$got" = "20 EADDRNOTAVAIL"
fi
pw_done
