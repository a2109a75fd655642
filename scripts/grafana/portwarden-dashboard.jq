# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The Grafana dashboard scripts/grafana/portwarden-dashboard.json, as a jq program:
#   jq -n -f scripts/grafana/portwarden-dashboard.jq >scripts/grafana/portwarden-dashboard.json
# (tests/prometheus/test-rules.sh fails when the JSON is stale). Panels share one shape
# each (ts, stat); the datasource is the template variable DS_PROMETHEUS, so the JSON
# works imported in the UI and provisioned from a file alike.
def ds: {"type": "prometheus", "uid": "${DS_PROMETHEUS}"};
def t($ref; $expr; $legend): {"refId": $ref, "datasource": ds, "expr": $expr, "legendFormat": $legend, "range": true};
def ti($ref; $expr; $legend): {"refId": $ref, "datasource": ds, "expr": $expr, "legendFormat": $legend, "instant": true, "range": false};
def ts($id; $title; $desc; $x; $y; $w; $h; $unit; $targets):
  {"id": $id, "type": "timeseries", "title": $title, "description": $desc, "datasource": ds,
   "gridPos": {"x": $x, "y": $y, "w": $w, "h": $h},
   "fieldConfig": {"defaults": {"unit": $unit, "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never", "spanNulls": false}}, "overrides": []},
   "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}, "tooltip": {"mode": "multi", "sort": "desc"}},
   "targets": $targets};
def stat($id; $title; $desc; $x; $unit; $targets; $steps):
  {"id": $id, "type": "stat", "title": $title, "description": $desc, "datasource": ds,
   "gridPos": {"x": $x, "y": 0, "w": 6, "h": 4},
   "fieldConfig": {"defaults": {"unit": $unit, "thresholds": {"mode": "absolute", "steps": $steps}}, "overrides": []},
   "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false}, "colorMode": "background", "graphMode": "none", "textMode": "value"},
   "targets": $targets};
def sel: "instance=~\"$instance\"";
def psel: "instance=~\"$instance\",pool=~\"$pool\"";
{
  "title": "portwarden",
  "uid": "portwarden",
  "description": "Local port pools, their holders, allocation failures and portwarden's actions (README: Metrics, Alerts and dashboard).",
  "tags": ["portwarden", "ports", "ebpf"],
  "schemaVersion": 38,
  "version": 1,
  "editable": true,
  "graphTooltip": 1,
  "time": {"from": "now-1h", "to": "now"},
  "refresh": "30s",
  "timezone": "",
  "links": [],
  "annotations": {"list": [
    {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": true, "hide": true,
     "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}
  ]},
  "templating": {"list": [
    {"name": "DS_PROMETHEUS", "label": "Data source", "type": "datasource", "query": "prometheus",
     "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []},
    {"name": "instance", "label": "Instance", "type": "query", "datasource": ds,
     "definition": "label_values(portwarden_build_info, instance)",
     "query": {"query": "label_values(portwarden_build_info, instance)", "refId": "instance"},
     "multi": true, "includeAll": true, "allValue": ".*", "current": {}, "refresh": 2, "sort": 1, "hide": 0, "regex": "", "options": []},
    {"name": "pool", "label": "Pool", "type": "query", "datasource": ds,
     "definition": "label_values(portwarden_pool_fill_ratio{instance=~\"$instance\"}, pool)",
     "query": {"query": "label_values(portwarden_pool_fill_ratio{instance=~\"$instance\"}, pool)", "refId": "pool"},
     "multi": true, "includeAll": true, "allValue": ".*", "current": {}, "refresh": 2, "sort": 1, "hide": 0, "regex": "", "options": []}
  ]},
  "panels": [
    stat(1; "Daemons up"; "Scrapes of portwarden that succeed (job portwarden*); PortwardenDown fires after a minute of failures."; 0; "none";
      [ti("A"; "sum(up{job=~\"portwarden.*\"," + sel + "})"; "up")];
      [{"color": "red", "value": null}, {"color": "green", "value": 1}]),
    stat(2; "Latest sample age"; "How old the daemon's latest sample was when scraped (the oldest instance); PortwardenStale fires past 30 s for a minute."; 6; "s";
      [ti("A"; "max(timestamp(portwarden_last_sample_timestamp_seconds{" + sel + "}) - portwarden_last_sample_timestamp_seconds{" + sel + "})"; "age")];
      [{"color": "green", "value": null}, {"color": "orange", "value": 10}, {"color": "red", "value": 30}]),
    stat(3; "Firing alerts"; "portwarden's alerts (scripts/prometheus/portwarden-rules.yml) firing now."; 12; "none";
      [ti("A"; "count(ALERTS{alertstate=\"firing\",alertname=~\"Port.*\"," + sel + "}) or vector(0)"; "firing")];
      [{"color": "green", "value": null}, {"color": "red", "value": 1}]),
    stat(4; "Suspects now"; "Processes the latest sample classifies as leaking, all classes."; 18; "none";
      [ti("A"; "sum(portwarden_suspects{" + sel + "})"; "suspects")];
      [{"color": "green", "value": null}, {"color": "orange", "value": 1}]),
    (ts(5; "Pool fill, and its 30-minute trend"; "used / capacity of each pool (solid), and the same fill extended 30 minutes along its last 10 minutes (dashed): what PortPoolFillingUp alerts on when it reaches 100% with the pool at least half full."; 0; 4; 12; 9; "percentunit";
      [t("A"; "portwarden_pool_fill_ratio{" + psel + "}"; "{{instance}} {{pool}}"),
       t("B"; "clamp_max(predict_linear(portwarden_pool_fill_ratio{" + psel + ",pool!=\"other\"}[10m], 1800), 2)"; "{{instance}} {{pool}} in 30 min")])
      | .fieldConfig.defaults.min = 0
      | .fieldConfig.defaults.thresholds = {"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": 0.9}]}
      | .fieldConfig.defaults.custom.thresholdsStyle = {"mode": "line"}
      | .fieldConfig.overrides = [{"matcher": {"id": "byRegexp", "options": ".* in 30 min$"},
          "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}, {"id": "custom.fillOpacity", "value": 0}]}]),
    (ts(6; "Seconds to exhaustion"; "The daemon's own forecast for each pool: its free ports at its smoothed growth (absent while a pool is not filling). run acts on a holder whose pool runs out within its horizon (120 s by default)."; 12; 4; 12; 9; "s";
      [t("A"; "portwarden_pool_exhaustion_forecast_seconds{" + psel + "}"; "{{instance}} {{pool}}")])
      | .fieldConfig.defaults.min = 0
      | .fieldConfig.defaults.custom.scaleDistribution = {"type": "log", "log": 10}),
    ts(7; "Ports used and capacity"; "Local ports taken in each pool, and what it can hand out."; 0; 13; 12; 9; "none";
      [t("A"; "portwarden_pool_ports_used{" + psel + "}"; "{{instance}} {{pool}} used"),
       t("B"; "portwarden_pool_ports_capacity{" + psel + "}"; "{{instance}} {{pool}} capacity")]),
    (ts(8; "Top holders"; "The 10 cgroups holding the most local ports (all states; cgroup \"other\" sums those past the daemon's 20 largest)."; 12; 13; 12; 9; "none";
      [t("A"; "topk(10, sum by (instance, cgroup) (portwarden_cgroup_ports{" + sel + "}))"; "{{instance}} {{cgroup}}")])
      | .fieldConfig.defaults.custom.stacking = {"mode": "normal", "group": "A"}),
    (ts(9; "Allocation failures by errno"; "Failed local port allocations per second, by errno (EADDRNOTAVAIL: connect, EADDRINUSE: bind and listen, EAGAIN: UDP). A cgroup's first burst makes a new series that a rate cannot see: the panel beside it shows the totals."; 0; 22; 12; 9; "ops";
      [t("A"; "sum by (errno) (rate(portwarden_allocation_failures_total{" + sel + "}[$__rate_interval]))"; "{{errno}}")])
      | .fieldConfig.defaults.custom.drawStyle = "bars"),
    {"id": 10, "type": "bargauge", "title": "Failing cgroups (since the daemon started)",
     "description": "Failed allocations each cgroup suffered since portwarden started, by errno; cgroups past the first 20 that failed count under \"other\".",
     "datasource": ds, "gridPos": {"x": 12, "y": 22, "w": 12, "h": 9},
     "fieldConfig": {"defaults": {"unit": "none", "min": 0, "thresholds": {"mode": "absolute", "steps": [{"color": "orange", "value": null}, {"color": "red", "value": 100}]}}, "overrides": []},
     "options": {"orientation": "horizontal", "displayMode": "basic", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false}, "showUnfilled": true},
     "targets": [ti("A"; "topk(20, portwarden_allocation_failures_total{" + sel + "} > 0)"; "{{instance}} {{cgroup}} {{errno}}")]},
    (ts(11; "Actions by kind and outcome"; "What the guard did (done), would have done without --enforce (dry_run), could not do (failed) or spared at the re-check, per interval."; 0; 31; 8; 8; "none";
      [t("A"; "sum by (action, outcome) (increase(portwarden_actions_total{" + sel + "}[$__rate_interval]))"; "{{action}} {{outcome}}")])
      | .fieldConfig.defaults.custom.drawStyle = "bars"),
    (ts(12; "Suspects by class"; "Processes the latest sample classifies, by leak class."; 8; 31; 8; 8; "none";
      [t("A"; "sum by (class) (portwarden_suspects{" + sel + "})"; "{{class}}")])
      | .fieldConfig.defaults.custom.stacking = {"mode": "normal", "group": "A"}),
    (ts(13; "Lost events and missed program runs"; "Failure events the ring buffer could not hold and BPF program runs the kernel skipped, per interval: while above zero, failure counts and judgements are low."; 16; 31; 8; 8; "none";
      [t("A"; "sum by (instance) (increase(portwarden_lost_events_total{" + sel + "}[$__rate_interval]))"; "{{instance}} lost events"),
       t("B"; "sum by (instance) (increase(portwarden_missed_program_runs_total{" + sel + "}[$__rate_interval]))"; "{{instance}} missed runs")])
      | .fieldConfig.defaults.custom.drawStyle = "bars"),
    (ts(14; "Ports refused by budgets and the lifeline"; "New local ports refused in the kernel per interval, by cgroup and errno: at a cgroup's port budget (ports_max) or in a pool past the lifeline. Without --enforce (dry_run) they are counted, not refused. PortsRefused alerts on them; PortLifelineEngaged on an engaged pool."; 0; 39; 24; 8; "none";
      [t("A"; "sum by (instance, cgroup, by, errno, dry_run) (label_replace(increase(portwarden_budget_refusals_total{" + sel + "}[$__rate_interval]), \"by\", \"budget\", \"\", \"\") or label_replace(increase(portwarden_lifeline_refusals_total{" + sel + "}[$__rate_interval]), \"by\", \"lifeline\", \"\", \"\"))"; "{{instance}} {{cgroup}} {{by}} {{errno}} dry_run={{dry_run}}")])
      | .fieldConfig.defaults.custom.drawStyle = "bars")
  ]
}
