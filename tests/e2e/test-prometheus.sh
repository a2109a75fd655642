#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The alerting rules and the dashboard against a real Prometheus (Debian's
# prometheus binary) scraping a real `portwarden run --enforce
# --metrics-listen` (README "Alerts and dashboard"). Everything is asserted
# through Prometheus's HTTP API (/api/v1/query, query_range):
#  - a leaker in a cgroup with enforcement off (a [cgroup] override) fills its
#    100-port netns and keeps failing with EADDRNOTAVAIL: the pool's fill
#    reaches 1, its failures show with their errno, and PortAllocationFailures,
#    PortPoolNearlyFull and PortPoolFillingUp fire for that cgroup and pool;
#  - another one fails 10 times at once and never again: its failure series
#    is new, already at 10, and PortAllocationFailures fires for it too;
#  - a third, in a cgroup with a port budget of 3, is refused its 4th port
#    and 9 more at once: the refusal series is new, already at 10, and
#    PortsRefused fires for that cgroup with by="budget";
#  - a leaker in a guarded cgroup takes 25 ports/s of a 1000-port netns: its
#    pool's fill rises sample by sample, the guard quarantines and stops it,
#    and PortwardenActionTaken fires; its own cgroup never fails;
#  - once the test stops the first leaker and the guard the second, each of
#    those alerts clears, and Prometheus's failure count is the daemon's;
#    PortwardenDown, PortwardenStale and
#    PortwardenActionFailed never fire;
#  - once the daemon is stopped, PortwardenDown fires;
#  - every query of the dashboard (its variables as the regex .*, then as this
#    test's instance and pool) returns status success and some data, and its
#    variables' label_values() queries find their label.
# The rules are the real file, loaded 60 times faster: each duration of a
# range, an offset or a for: is in minutes there (tests/prometheus/test-rules.sh
# checks that) and is read as seconds here, with a 1 s scrape and evaluation.
# About 60 s.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden curl prometheus promtool ss timeout
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak
RULES=$PW_ROOT/scripts/prometheus/portwarden-rules.yml
DASH=$PW_ROOT/scripts/grafana/portwarden-dashboard.json

BASE=$(pw_cgroup_base)
REL=$(pw_cgroup_relpath "$BASE")
NS_FREE=$(pw_make_netns 40000 40099)   # 100 ports, taken at once
NS_GUARD=$(pw_make_netns 40000 40999)  # 1000 ports, 25 a second: out in 40 s
NS_BURST=$(pw_make_netns 40000 40009)  # 10 ports, then 10 failures at once
NS_CAP=$(pw_make_netns 40000 40099)    # 3 ports of its budget, then 10 refusals
INO_FREE=$(ip netns exec "$NS_FREE" stat -L -c %i /proc/self/ns/net)
INO_GUARD=$(ip netns exec "$NS_GUARD" stat -L -c %i /proc/self/ns/net)
DEST_PORT=5001

# two free TCP ports outside the ephemeral range: the daemon's, Prometheus's
free_port() { # FIRST: the first port from FIRST on that nothing listens on
	local p
	for p in $(seq "$1" 29999); do
		if [ -z "$(ss -Htln "sport = :$p")" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
if ! MPORT=$(free_port $((19400 + $$ % 400))) || ! PPORT=$(free_port $((MPORT + 1))); then
	pw_skip prometheus "no free TCP port in 19400-29999"
	exit 0
fi
PROM=http://127.0.0.1:$PPORT
INSTANCE=127.0.0.1:$MPORT

# ---- Prometheus's API -----------------------------------------------------------

# query PROMQL: the API's JSON answer for PROMQL now ({} when it does not answer)
query() {
	curl -s --max-time 5 -G "$PROM/api/v1/query" --data-urlencode "query=$1" || echo '{}'
}

# query_range PROMQL START: the answer over START..now, a point a second
query_range() {
	curl -s --max-time 10 -G "$PROM/api/v1/query_range" --data-urlencode "query=$1" \
		--data-urlencode "start=$2" --data-urlencode "end=$(date +%s)" --data-urlencode step=1 ||
		echo '{}'
}

# count PROMQL: how many series PROMQL returns now (-1: no success)
count() {
	query "$1" | jq -r 'if .status == "success" then (.data.result | length) else -1 end' 2>/dev/null || echo -1
}

# count_is PROMQL ge|eq N: count PROMQL is at least, or exactly, N
count_is() {
	local c
	c=$(count "$1")
	case $2 in
	ge) [ "$c" -ge "$3" ] ;;
	eq) [ "$c" -eq "$3" ] ;;
	*) return 2 ;;
	esac
}

# wait_count PROMQL ge|eq N TIMEOUT: until count_is PROMQL ge|eq N; 1 on
# timeout. Echoes the seconds it took.
wait_count() {
	local t0=$SECONDS
	until count_is "$1" "$2" "$3"; do
		[ $((SECONDS - t0)) -lt "$4" ] || return 1
		sleep 0.5
	done
	echo $((SECONDS - t0))
}

firing() { # ALERTNAME[/CASE] MATCHERS: the PromQL of that alert firing
	echo "ALERTS{alertstate=\"firing\",alertname=\"${1%%/*}\"${2:+,$2}}"
}

# ---- the daemon -------------------------------------------------------------------

CONF=$PW_TMP/run.conf
cat >"$CONF" <<EOF
# tests/fixtures/run.conf's timing (1 s samples, a 10 s window, a short
# ladder) and no enforcement for the cgroups "free" and "free-burst"
[daemon]
interval = 1s
window = 10s
[policy]
fill_threshold = 20%
# the lifeline would refuse the "free" leaker's connects in the kernel past
# 95%: refusals, not allocation failures, and this test watches the failures
lifeline = no
horizon = 60s
quarantine_time = 3s
grace = 3s
[breakers]
cooldown = 0s
max_actions_per_minute = 30
[cgroup "$REL/free*"]
enforce = no
[cgroup "$REL/capped"]
ports_max = 3
EOF
pw_make_cgroup free >/dev/null
pw_make_cgroup capped >/dev/null
pw_make_cgroup free-burst >/dev/null
pw_make_cgroup guarded >/dev/null
pw_run_in "$(pw_make_cgroup srv)" "$NS_GUARD" "$PW_PORTLEAK" listen --port "$DEST_PORT" --hold 3600 \
	--comm pl-srv >/dev/null

pw_start_guard prometheus --config "$CONF" --cgroup "$BASE" --metrics-listen "$INSTANCE" || pw_done

# ---- Prometheus -----------------------------------------------------------------------

# The real rules, minutes read as seconds ([5m] -> [5s], offset 5m -> offset
# 5s, for: 1m -> for: 1s): what takes minutes at a 60 s scrape takes seconds
# at a 1 s one.
start_prometheus() {
	sed -E -e 's/\[([0-9]+)m\]/[\1s]/g' -e 's/offset ([0-9]+)m/offset \1s/g' \
		-e 's/for: ([0-9]+)m$/for: \1s/' "$RULES" >"$PW_TMP/rules.yml"
	local problems
	problems=$(
		cmp -s "$RULES" "$PW_TMP/rules.yml" && echo "the substitution changed nothing"
		grep -n -v '^ *#' "$PW_TMP/rules.yml" | grep -E '\[[0-9]+m\]|offset [0-9]+m|for: [0-9]+m' | head -n 2
		promtool check rules "$PW_TMP/rules.yml" >"$PW_TMP/rules.check" 2>&1 ||
			echo "promtool: $(tail -n 2 "$PW_TMP/rules.check" | paste -sd ' ')"
	)
	if [ -n "$problems" ]; then
		pw_report prometheus/rules-sped-up "$problems"
		pw_done
	fi
	cat >"$PW_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$PW_TMP/rules.yml"]
scrape_configs:
  - job_name: portwarden
    static_configs: [{targets: ["$INSTANCE"]}]
EOF
	prometheus --config.file="$PW_TMP/prometheus.yml" --storage.tsdb.path="$PW_TMP/tsdb" \
		--web.listen-address="127.0.0.1:$PPORT" </dev/null >"$PW_TMP/prometheus.out" \
		2>"$PW_TMP/prometheus.err" &
	PROM_PID=$!
	pw_track_pid "$PROM_PID"
	for _ in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$PROM/-/ready")" = 200 ] && return 0
		pw_pid_alive "$PROM_PID" || break
		sleep 0.2
	done
	pw_fail prometheus/start "not ready within 20 s: $(tail -c 300 "$PW_TMP/prometheus.err")"
	pw_done
}
start_prometheus

# Scraped, with 6 s of samples behind it: the failure rule's "new series"
# arm looks 5 s back (offset 5m, sped up) for the daemon's samples.
took=$(wait_count "portwarden_last_sample_timestamp_seconds{instance=\"$INSTANCE\"} and on(instance) count_over_time(up{job=\"portwarden\"}[10s]) >= 6" eq 1 30) ||
	{
		pw_fail prometheus/scraped "no 6 s of samples of $INSTANCE within 30 s: up=$(query 'up' | jq -c '.data.result' 2>/dev/null | head -c 200); $(tail -c 200 "$PW_TMP/prometheus.err")"
		pw_done
	}
pw_pass prometheus/scraped
echo "# scraped 6 s of samples ${took} s after Prometheus was ready"

# ---- the leakers ------------------------------------------------------------------------

START=$(date +%s)
# fills its 100 ports within a second, then fails about 100 times a second
# until it is stopped (its own listener goes with it: no port stays behind)
pw_start_cmd free "$BASE/free" "$NS_FREE" "$PW_PORTLEAK" tcp-connect --listen --rate 100 \
	--duration 3600 --hold 3600 --comm pl-free
FREE_PID=$(cat "$PW_TMP/free.pid")
pw_start_cmd guarded "$BASE/guarded" "$NS_GUARD" "$GUARDLEAK" tcp --port "$DEST_PORT" --rate 25 \
	--comm pl-guarded
GUARDED_PID=$(cat "$PW_TMP/guarded.pid")
# a cgroup's first failures, all in one burst: its failure series appears
# already at 10 and stays there, which increase() alone never sees
pw_start_portleak burst "$BASE/free-burst" "$NS_BURST" tcp-connect --listen --fail-extra 9 \
	--hold 3600 --comm pl-burst
# a budget's first refusals, all at once (the 4th port and 9 more tries)
pw_start_portleak capped "$BASE/capped" "$NS_CAP" tcp-connect --listen --fail-extra 9 \
	--hold 3600 --comm pl-capped

# ---- the alerts fire ---------------------------------------------------------------------

FAIL_SEL="cgroup=\"$REL/free\",errno=\"EADDRNOTAVAIL\""
BURST_SEL="cgroup=\"$REL/free-burst\",errno=\"EADDRNOTAVAIL\""
# alert names, as keys of WANT, are words: PortAllocationFailures/burst is
# the alert PortAllocationFailures for the burst
declare -A WANT=(
	[PortAllocationFailures]=$FAIL_SEL
	[PortAllocationFailures/burst]=$BURST_SEL
	[PortPoolNearlyFull]="netns=\"$INO_FREE\""
	[PortPoolFillingUp]="netns=\"$INO_FREE\""
	[PortwardenActionTaken]="action=\"quarantine\""
	[PortsRefused]="cgroup=\"$REL/capped\",by=\"budget\",errno=\"EADDRNOTAVAIL\",dry_run=\"false\""
)
# wait_alerts ge|eq N SINCE TIMEOUT WHAT EVENT: until each alert of WANT has
# N firing series (ge 1: fires, eq 0: cleared); a comment with the seconds
# since SINCE (when EVENT happened) each took, PROBLEMS for those that did not.
wait_alerts() {
	local a left="${!WANT[*]}" still t0=$SECONDS
	while [ -n "$left" ]; do
		still=""
		for a in $left; do
			if count_is "$(firing "$a" "${WANT[$a]}")" "$1" "$2"; then
				echo "# $a $5 $(($(date +%s) - $3)) s after $6" >&2
			else
				still="$still $a"
			fi
		done
		left=${still# }
		[ -n "$left" ] && [ $((SECONDS - t0)) -ge "$4" ] && break
		[ -z "$left" ] || sleep 0.5
	done
	for a in $left; do
		echo "$a{${WANT[$a]}} not $5 $(($(date +%s) - $3)) s after $6"
	done
}

problems=$(wait_alerts ge 1 "$START" 45 firing "the leakers started")
pw_report prometheus/alerts-fire "$problems"

# the free pool full, its failures counted with their errno, still rising
problems=$(
	got=$(query "portwarden_allocation_failures_total{$FAIL_SEL}" | jq -r '.data.result[0].value[1] // "absent"')
	[ "$got" != absent ] && [ "${got%.*}" -ge 20 ] ||
		echo "portwarden_allocation_failures_total{$FAIL_SEL} = $got in Prometheus, want >= 20"
	got=$(query "rate(portwarden_allocation_failures_total{$FAIL_SEL}[5s])" | jq -r '.data.result[0].value[1] // "absent"')
	[ "$got" != absent ] && [ "${got%.*}" -ge 10 ] ||
		echo "its rate over 5 s is $got a second, want >= 10 (the leaker tries 100 a second)"
	got=$(query "max(portwarden_pool_fill_ratio{netns=\"$INO_FREE\"})" | jq -r '.data.result[0].value[1] // "absent"')
	[ "$got" = 1 ] || echo "the free pool's fill is $got, want 1"
	want=$(jq -r '.failed' "$PW_TMP/burst.json" 2>/dev/null)
	got=$(query "portwarden_allocation_failures_total{$BURST_SEL}" | jq -r '.data.result[0].value[1] // "absent"')
	[ "$want" = 10 ] && [ "$got" = 10 ] || echo "the burst: $want failures, $got in Prometheus, want 10"
)
pw_report prometheus/failures-seen "$problems"

# The guarded pool fills sample by sample until the guard stops its leaker.
stopped=0
pw_wait_exit "$GUARDED_PID" 40 && stopped=1
problems=$(
	vals=$(query_range "max(portwarden_pool_fill_ratio{netns=\"$INO_GUARD\"})" "$START" |
		jq -r '.data.result[0].values[]?[1]')
	echo "# guarded pool fill, a point a second: $(echo "$vals" | awk '{ printf "%.3f ", $1 }' | head -c 400)" >&2
	echo "$vals" | awk '
		NR == 1 { first = $1 }
		{ if ($1 > max) { if (NR > 1 && $1 > prev) rises++; max = $1 } prev = $1 }
		END {
			if (NR == 0) { print "no fill series for the guarded pool"; exit }
			if (max < 0.1) printf "its fill reached only %.3f\n", max
			if (rises < 3) printf "its fill rose at %d points only (first %.3f, max %.3f): a step, not a rise\n", rises, first, max
		}'
	[ "$stopped" = 1 ] || echo "the guarded leaker is still running $(($(date +%s) - START)) s after it started"
	grep -q '"action":"quarantine"' "$PW_TMP/run.jsonl" || echo "no quarantine in the audit log"
	grep -q "\"action\":\"quarantine\".*\"cgroup\":\"$REL/guarded\"\|\"cgroup\":\"$REL/guarded\".*\"action\":\"quarantine\"" "$PW_TMP/run.jsonl" ||
		echo "the quarantine was not of cgroup $REL/guarded: $(grep -m1 '"action":"quarantine"' "$PW_TMP/run.jsonl" | head -c 300)"
)
pw_report prometheus/guarded-pool-rises-and-stopped "$problems"

# ---- and clear -----------------------------------------------------------------------------

pw_stop "$FREE_PID" TERM 5
t_stop=$(date +%s)
problems=$(wait_alerts eq 0 "$t_stop" 40 cleared "the free leaker was stopped")
pw_report prometheus/alerts-clear "$problems"

# The counter went through unchanged: Prometheus's latest value is the one
# the daemon serves now that nothing fails any more.
problems=$(
	served=$(curl -s --max-time 2 "http://$INSTANCE/metrics" |
		awk -v p="portwarden_allocation_failures_total{$FAIL_SEL}" 'index($0, p) == 1 { print $NF }')
	got=$(query "portwarden_allocation_failures_total{$FAIL_SEL}" | jq -r '.data.result[0].value[1] // "absent"')
	[ -n "$served" ] && [ "$got" = "$served" ] || echo "Prometheus has $got, the daemon serves '${served}'"
)
pw_report prometheus/failures-counted "$problems"

# Over the whole run: PortwardenDown, PortwardenStale and PortwardenActionFailed
# never fired, the cgroups with enforce = no were not acted on, and the guarded
# cgroup never failed nor filled its pool (it was stopped first).
problems=$(
	span=$(($(date +%s) - START + 20))
	q="max_over_time(ALERTS{alertstate=\"firing\",alertname=~\"PortwardenDown|PortwardenStale|PortwardenActionFailed\"}[${span}s])"
	n=$(count "$q")
	[ "$n" = 0 ] || echo "$n of PortwardenDown, PortwardenStale, PortwardenActionFailed fired: $(query "$q" | jq -c '[.data.result[].metric]' | head -c 300)"
	! grep '"event":"action"' "$PW_TMP/run.jsonl" | grep -q -E "\"cgroup\":\"$REL/free(-burst)?\"" ||
		echo "a cgroup with enforce = no was acted on: $(grep '"event":"action"' "$PW_TMP/run.jsonl" | grep -m1 "$REL/free" | head -c 300)"
	n=$(count "max_over_time(ALERTS{cgroup=\"$REL/guarded\"}[${span}s])")
	[ "$n" = 0 ] || echo "$n alerts for the guarded cgroup"
	# a scrape that timed out on this busy host (1 s) is shown, not failed:
	# PortwardenDown rides out one
	n=$(query "count_over_time(up{job=\"portwarden\"}[${span}s]) - sum_over_time(up{job=\"portwarden\"}[${span}s])" |
		jq -r '.data.result[0].value[1] // "?"')
	echo "# failed scrapes: $n" >&2
	pw_pid_alive "$PW_GUARD" || echo "the daemon died"
)
pw_report prometheus/no-false-alerts "$problems"

# ---- the dashboard's queries -----------------------------------------------------------------

# regex_quote TEXT: TEXT as a PromQL regex matching just itself (the regex's
# backslashes doubled for the PromQL string)
regex_quote() {
	# shellcheck disable=SC2016 # a regex's $, not the shell's
	printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/[].*+?^$(){}|[]/\\\\&/g'
}

# dashboard INSTANCE_RE POOL_RE NAME: every panel query over the run
dashboard() {
	local problems n=0 e q ans
	problems=$(
		while IFS= read -r e; do
			n=$((n + 1))
			q=${e//\$__rate_interval/5s}
			q=${q//\$instance/"$1"}
			q=${q//\$pool/"$2"}
			ans=$(query_range "$q" "$START")
			jq -e '.status == "success"' <<<"$ans" >/dev/null 2>&1 ||
				{
					echo "not success: $q: $(head -c 200 <<<"$ans")"
					continue
				}
			jq -e '.data.result | length > 0' <<<"$ans" >/dev/null || echo "no data: $q"
		done < <(jq -r '.panels[].targets[].expr | gsub("\n"; " ")' "$DASH")
		[ "$n" -ge 10 ] || echo "only $n queries in the dashboard"
	)
	pw_report "prometheus/dashboard-$3" "$problems"
}
dashboard '.*' '.*' all
POOL=$(query_range "portwarden_pool_fill_ratio{netns=\"$INO_GUARD\",kind=\"tcp-connect\"}" "$START" |
	jq -r '.data.result[0].metric.pool // empty')
echo "# pool variable: $POOL"
dashboard "$(regex_quote "$INSTANCE")" "$(regex_quote "$POOL")" one-instance-one-pool

# label_values(METRIC, LABEL): the variables' choices
problems=$(
	jq -r '.templating.list[] | select(.type == "query") | .query.query' "$DASH" |
		while IFS= read -r v; do
			m=$(sed -n 's/^label_values(\(.*\), *\([a-z_]*\))$/\1/p' <<<"$v")
			l=$(sed -n 's/^label_values(\(.*\), *\([a-z_]*\))$/\2/p' <<<"$v")
			[ -n "$m" ] || {
				echo "not label_values(METRIC, LABEL): $v"
				continue
			}
			m=${m//\$instance/.*}
			got=$(query_range "$m" "$START" | jq -r --arg l "$l" '[.data.result[].metric[$l] // empty] | length')
			[ "${got:-0}" -gt 0 ] || echo "$v: no series with label $l"
		done
)
pw_report prometheus/dashboard-variables "$problems"

# The daemon stops: its scrapes fail and PortwardenDown fires (for: 1m, sped up).
pw_stop "$PW_GUARD" INT 15
t_down=$(date +%s)
if wait_count "$(firing PortwardenDown "instance=\"$INSTANCE\",job=\"portwarden\"")" ge 1 20 >/dev/null; then
	echo "# PortwardenDown firing $(($(date +%s) - t_down)) s after the daemon was stopped"
	pw_pass prometheus/down-fires
else
	pw_fail prometheus/down-fires "PortwardenDown not firing $(($(date +%s) - t_down)) s after the daemon was stopped: up=$(query "up{instance=\"$INSTANCE\"}" | jq -c '.data.result[0].value' 2>/dev/null)"
fi

pw_stop "$PROM_PID" TERM 10
pw_done
