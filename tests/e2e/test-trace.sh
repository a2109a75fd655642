#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks that `portwarden trace --json --failed --cgroup` reports exactly the
# port allocation failures portleak produces, attributed to the right process,
# comm, cgroup and netns, and nothing from clean or out-of-filter workloads.
#
# Every failing workload runs in its own child cgroup of one parent test cgroup
# and in its own netns narrowed to 10 ports, so it gets 10 ports and then fails
# exactly 1 + FAIL_EXTRA times (test-workloads.sh checks that part).
# PW_TRACE_MODE picks the tracer's --mode (default syscall).
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden stat

LOW=40000
HIGH=40009
FAIL_EXTRA=2
MODE=${PW_TRACE_MODE:-syscall}
TRACE=$PW_TMP/trace.json

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")

# ---- run ----------------------------------------------------------------------

start_tracer() {
	pw_start_tracer trace/attach "$TRACE" --json --failed --cgroup "$BASE" --mode "$MODE" || exit 1
	pw_pass trace/attach
}

# start NAME WHERE ARGS...: run portleak ARGS in the background. WHERE is
# "narrow": child cgroup NAME and a netns narrowed to 10 ports; "roomy": child
# cgroup NAME and a netns with the default range; "outside": a 10-port netns
# but our own cgroup, outside the tracer's filter. Files: $PW_TMP/NAME.*
start() {
	local name=$1 where=$2 cg='' ns
	shift 2
	case $where in
	roomy) ns=$(pw_make_netns) ;;
	*) ns=$(pw_make_netns "$LOW" "$HIGH") ;;
	esac
	[ "$where" = outside ] || cg=$(pw_make_cgroup "$name")
	stat -L -c %i "/run/netns/$ns" >"$PW_TMP/$name.netns"
	pw_start_portleak "$name" "$cg" "$ns" "$@" --fail-extra "$FAIL_EXTRA"
}

# finish NAME: wait for the workload's JSON line and for it to exit.
finish() {
	pw_wait_portleak "$1" "trace/$1" exited
}

stop_tracer() {
	if pw_stop_tracer trace/sigint; then
		pw_pass trace/sigint
	fi
}

# ---- assertions -------------------------------------------------------------------

# expect_failures NAME OP PROTO ERRNO ERRNAME: the workload's events are
# exactly 1 + FAIL_EXTRA alloc failures with every attribute right.
expect_failures() {
	local name=$1 out=$PW_TMP/$1.json problems
	problems=$(jq -rs \
		--slurpfile w "$out" \
		--argjson n $((1 + FAIL_EXTRA)) \
		--arg op "$2" --arg proto "$3" --argjson errno "$4" --arg result "$5" \
		--arg cgroup "$REL_BASE/$name" \
		--argjson netns "$(cat "$PW_TMP/$name.netns")" \
		-f "$PW_ROOT/tests/e2e/expect-failures.jq" "$TRACE") || problems="jq failed on $TRACE"
	pw_report "trace/$name" "$problems"
}

# expect_none NAME WHY: no event may come from this workload's pid.
expect_none() {
	local name=$1 problems
	problems=$(jq -rs --slurpfile w "$PW_TMP/$name.json" '
		[.[] | select(.type == null or .type == "event") | select(.pid == $w[0].pid)] | length
		| if . != 0 then "\(.) events from pid \($w[0].pid)" else empty end' "$TRACE") ||
		problems="jq failed on $TRACE"
	pw_report "trace/$name" "$problems"
}

expect_only_our_cgroups() {
	local problems
	problems=$(jq -rs --arg base "$REL_BASE/" '
		[.[] | select(.type == null or .type == "event")
		 | select((.cgroup | tostring | startswith($base)) | not) | .cgroup] | unique[]
		| "event from cgroup \(tojson)"' "$TRACE") || problems="jq failed on $TRACE"
	pw_report trace/cgroup-filter "$problems"
}

# ---- the test ---------------------------------------------------------------------

start_tracer

# name (= child cgroup)   where   portleak arguments
start tcp narrow tcp-connect --listen --comm pl-tcp
start bind0 narrow bind0
start listen0 narrow listen0
start udpsend narrow udp-sendto
# A comm with a quote, a backslash and a tab: the JSON must escape all three.
start udpconn narrow udp-connect --comm $'pl"udp\\\tc'
start ok roomy tcp-ok
# Fails like bind0, but in our own cgroup: the --cgroup filter must drop it.
start outside outside bind0 --comm pl-outside

finished=1
for name in tcp bind0 listen0 udpsend udpconn ok outside; do
	finish "$name" || finished=0
done
# Let the last events cross the ring buffer before asking the tracer to stop.
sleep 1
stop_tracer

if ! jq empty "$TRACE" 2>"$PW_TMP/jq.err"; then
	pw_fail trace/json "output is not JSON lines: $(head -c 200 "$PW_TMP/jq.err")"
	pw_done
fi
pw_pass trace/json
echo "# $(wc -l <"$TRACE") events traced"

[ "$finished" -eq 1 ] || pw_done
expect_failures tcp connect tcp 99 EADDRNOTAVAIL
expect_failures bind0 bind tcp 98 EADDRINUSE
expect_failures listen0 listen tcp 98 EADDRINUSE
expect_failures udpsend autobind udp 11 EAGAIN
expect_failures udpconn connect udp 11 EAGAIN
expect_none ok
expect_none outside
expect_only_our_cgroups
if [ -e "$PW_STATE/failed" ]; then
	echo "tracer stderr:" >&2
	tail -n 20 "$TRACE.err" >&2
fi
pw_done
