#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The alerting rules, the PrometheusRule and the Grafana dashboard (README
# "Alerts and dashboard"), offline; the unit tier runs it (no root):
#  - promtool check rules, and promtool test rules on
#    tests/prometheus/portwarden-rules.test.yml, one result line per test group;
#  - the PrometheusRule regenerated equals the committed one, and its spec is
#    the rules file (promtool checks it too);
#  - every runbook_url points at a heading of README.md;
#  - every duration of a range, an offset or a for: is in whole minutes (the
#    e2e test loads the rules 60 times faster by reading minutes as seconds);
#  - the dashboard JSON is what its jq program makes, has the datasource
#    variable and the instance and pool variables, and every panel's PromQL
#    (variables substituted) parses (promtool, as recording rules).
# The same PromQL evaluated against a live Prometheus: tests/e2e/test-prometheus.sh.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RULES=$ROOT/scripts/prometheus/portwarden-rules.yml
TESTS=$ROOT/tests/prometheus/portwarden-rules.test.yml
KRULE=$ROOT/scripts/kubernetes/prometheusrule.yaml
DASH=$ROOT/scripts/grafana/portwarden-dashboard.json
DASH_JQ=$ROOT/scripts/grafana/portwarden-dashboard.jq
README=$ROOT/README.md

for c in promtool jq; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "SKIP: rules: missing command $c (scripts/install-deps.sh installs it)"
		exit 0
	fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/portwarden-rules.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0

pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}
report() { # NAME PROBLEMS
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$(echo "$2" | head -n 6 | paste -sd ';' | sed 's/;/; /g')"; fi
}

# ---- the rules ------------------------------------------------------------------

if promtool check rules "$RULES" >"$TMP/check.out" 2>&1; then
	pass rules/promtool-check
else
	fail rules/promtool-check "$(tail -n 3 "$TMP/check.out" | paste -sd ' ')"
fi

# promtool names each failing group ("name: GROUP,"); a run that fails
# without naming one (a parse error) fails as a whole.
rules_tests() {
	local rc=0 groups name
	(cd "$(dirname "$TESTS")" && promtool test rules "$(basename "$TESTS")") >"$TMP/test.out" 2>&1 || rc=$?
	groups=$(sed -n 's/^  - name: *\([A-Za-z0-9_.-]*\) *$/\1/p' "$TESTS")
	[ -n "$groups" ] || {
		fail rules/promtool-test "no test groups found in $TESTS"
		return
	}
	if [ "$rc" -ne 0 ] && ! grep -q '^ *name: ' "$TMP/test.out"; then
		fail rules/promtool-test "exit $rc: $(head -c 400 "$TMP/test.out" | paste -sd ' ')"
		return
	fi
	if [ "$rc" -eq 0 ] && ! grep -q SUCCESS "$TMP/test.out"; then
		fail rules/promtool-test "exit 0 without SUCCESS: $(head -c 300 "$TMP/test.out")"
		return
	fi
	for name in $groups; do
		if grep -q "^ *name: $name,\$" "$TMP/test.out"; then
			fail "rules/test/$name" "$(awk -v n="name: $name," '
				index($0, n) { on = 1; next } on && /^ *name: / { exit }
				on { gsub(/^ +/, ""); printf "%s ", $0 }' "$TMP/test.out" | head -c 600)"
		else
			pass "rules/test/$name"
		fi
	done
}
rules_tests

# ---- the PrometheusRule ------------------------------------------------------------

problems=$(
	"$ROOT/scripts/prometheus/gen-prometheusrule.sh" "$TMP/prometheusrule.yaml" 2>&1 ||
		echo "gen-prometheusrule.sh failed"
	diff -u "$KRULE" "$TMP/prometheusrule.yaml" >"$TMP/krule.diff" ||
		echo "scripts/kubernetes/prometheusrule.yaml is stale: run scripts/prometheus/gen-prometheusrule.sh ($(grep -c '^[-+][^-+]' "$TMP/krule.diff") lines differ)"
)
report rules/prometheusrule-fresh "$problems"

problems=$(
	grep -q '^apiVersion: monitoring.coreos.com/v1$' "$KRULE" || echo "no apiVersion monitoring.coreos.com/v1"
	grep -q '^kind: PrometheusRule$' "$KRULE" || echo "no kind PrometheusRule"
	# the spec, unindented, is the rules file (less its licence lines) and
	# a rules file promtool accepts
	sed -n '/^spec:$/,$p' "$KRULE" | tail -n +2 | sed 's/^  //' >"$TMP/spec.yml"
	grep -v -e '^# SPDX-License-Identifier' -e '^# Copyright' "$RULES" | cmp -s - "$TMP/spec.yml" ||
		echo "its spec is not the rules file"
	promtool check rules "$TMP/spec.yml" >"$TMP/spec.out" 2>&1 ||
		echo "promtool on its spec: $(tail -n 2 "$TMP/spec.out" | paste -sd ' ')"
)
report rules/prometheusrule-spec "$problems"

# ---- runbooks and durations ------------------------------------------------------------

# GitHub's heading anchors: lower case, punctuation but - and _ dropped, spaces to -.
problems=$(
	sed -n 's/^#\{1,6\} \(.*\)$/\1/p' "$README" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9 _-]//g; s/ /-/g' >"$TMP/anchors"
	urls=$(sed -n 's/^ *runbook_url: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$RULES")
	[ "$(echo "$urls" | grep -c .)" = "$(grep -c '^ *- alert: ' "$RULES")" ] ||
		echo "$(grep -c '^ *- alert: ' "$RULES") alerts, $(echo "$urls" | grep -c .) runbook_urls"
	for u in $urls; do
		case $u in README.md#?*) ;; *)
			echo "runbook_url $u: not README.md#ANCHOR"
			continue
			;;
		esac
		grep -qx -- "${u#README.md#}" "$TMP/anchors" || echo "runbook_url $u: no such heading in README.md"
	done
)
report rules/runbook-anchors "$problems"

problems=$(
	# ranges, offsets and for: whose duration is anything but whole minutes
	# (comment lines left out)
	awk '!/^ *#/ { print NR ": " $0 }' "$RULES" >"$TMP/rules.numbered"
	grep -o -E '^[0-9]+: |\[[^]]*\]|offset +[0-9a-z]+|for: *[0-9a-z]+' "$TMP/rules.numbered" |
		awk '/^[0-9]+: $/ { line = $1; next } { print "line " line " " $0 }' |
		grep -v -E ' (\[[0-9]+m\]|offset +[0-9]+m|for: *[0-9]+m)$'
	grep -q -E '\[[0-9]+m\]' "$RULES" || echo "no range found at all"
)
report rules/durations-in-minutes "$problems"

# ---- the dashboard ----------------------------------------------------------------------

problems=$(
	jq -n -f "$DASH_JQ" >"$TMP/dash.json" 2>"$TMP/dash.err" || echo "jq: $(head -c 300 "$TMP/dash.err")"
	cmp -s "$DASH" "$TMP/dash.json" ||
		echo "scripts/grafana/portwarden-dashboard.json is stale: run jq -n -f scripts/grafana/portwarden-dashboard.jq"
)
report dashboard/fresh "$problems"

problems=$(
	jq empty "$DASH" 2>&1 | head -n 2
	jq -r '
	  def ds_ok: (.datasource.uid? // "") == "${DS_PROMETHEUS}";
	  (if .schemaVersion < 36 or .schemaVersion > 39 then "schemaVersion \(.schemaVersion), want ~38" else empty end),
	  (if ([.templating.list[] | select(.name == "DS_PROMETHEUS" and .type == "datasource" and .query == "prometheus")] | length) != 1
	   then "no datasource variable DS_PROMETHEUS" else empty end),
	  (.templating.list[] | select(.name == "instance" or .name == "pool")
	   | if (.type != "query" or (ds_ok | not) or .allValue != ".*") then "variable \(.name): not a query of ${DS_PROMETHEUS} with allValue .*" else empty end),
	  ([.templating.list[].name] | if (index("instance") == null or index("pool") == null) then "variables instance and pool missing" else empty end),
	  (if ([.panels[].id] | length) != ([.panels[].id] | unique | length) then "panel ids repeat" else empty end),
	  (.panels[] | select((ds_ok | not) or ([.targets[]? | select((.expr // "") != "" and ((.datasource.uid? // "") == "${DS_PROMETHEUS}"))] | length) == 0)
	   | "panel \(.id) \(.title): no PromQL target on ${DS_PROMETHEUS}"),
	  (.panels[] | select(.title == null or .title == "" or .gridPos.w == null) | "panel \(.id): no title or position")
	' "$DASH"
	# the panels the issue asks for, by what they query
	for m in portwarden_pool_fill_ratio predict_linear portwarden_pool_exhaustion_forecast_seconds \
		'topk(10, sum by (instance, cgroup) (portwarden_cgroup_ports' portwarden_allocation_failures_total \
		'sum by (action, outcome)' portwarden_lost_events_total portwarden_missed_program_runs_total \
		'sum by (class) (portwarden_suspects'; do
		jq -r '.. | .expr? // empty' "$DASH" | grep -qF -- "$m" || echo "no panel queries $m"
	done
)
report dashboard/shape "$problems"

# Grafana's variables, as the e2e test substitutes them: the regex .* (all
# values) and a rate window.
# shellcheck disable=SC2016 # $instance...: Grafana's variables, not the shell's
dashboard_exprs() { # FILE: one expr a line, variables substituted
	jq -r '.. | .expr? // empty | gsub("\n"; " ")' "$1" |
		sed -e 's/\$instance/.*/g' -e 's/\$pool/.*/g' -e 's/\$__rate_interval/1m/g'
}
problems=$(
	n=0
	{
		echo "groups:"
		echo "  - name: dashboard"
		echo "    rules:"
		while IFS= read -r e; do
			n=$((n + 1))
			printf '      - record: dashboard:expr_%d\n        expr: %s\n' "$n" "$(jq -Rn --arg e "$e" '$e')"
		done < <(dashboard_exprs "$DASH")
	} >"$TMP/dash-rules.yml"
	[ "$(grep -c 'record:' "$TMP/dash-rules.yml")" -ge 10 ] || echo "only $(grep -c 'record:' "$TMP/dash-rules.yml") exprs found"
	grep -q '\$' "$TMP/dash-rules.yml" && echo "a variable left unsubstituted: $(grep -m1 '\$' "$TMP/dash-rules.yml")"
	promtool check rules "$TMP/dash-rules.yml" >"$TMP/dash-rules.out" 2>&1 ||
		echo "promtool: $(grep -v '^Checking' "$TMP/dash-rules.out" | head -n 3 | paste -sd ' ')"
)
report dashboard/promql-parses "$problems"

exit "$failed"
