#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Container names from the runtime's own files, with a real podman container:
# a static portleak in a named container (--network none: the leaker connects
# to its own loopback listener in the container's netns), then
#   podman-names/snapshot  snapshot --json names the container: runtime podman,
#                          its full id, "container" = its podman name
#   podman-names/report    report --json names it too, and the text report shows
#                          the name next to the container id
#   podman-names/top       `top --batch` shows the name in the NAME column
#   podman-names/protect   `run --enforce` (scoped to a second, fast-leaking
#                          container) with `[protect] container_name = ITS NAME`
#                          logs it protected by that rule and acts on nothing
# then two more containers under a cgroup parent of this test's own, a fast
# leaker and a neighbour holding 30 steady connections, and `run --enforce`
# scoped to that parent, with a [container "LEAKER"] override (quarantine =
# no, grace = 2s: the ladder starts with SIGTERM):
#   podman-names/metrics   /metrics on run's socket (curl --unix-socket) labels
#                          both containers' portwarden_cgroup_ports series
#                          with container="NAME"
#   podman-names/override  the leaker's first action is a SIGTERM (the override
#                          by its name applied; the default starts with the
#                          quarantine), its action records carry its name
#   podman-names/enforce   the leaker's process is stopped, and a result record
#                          (logged after it is gone) still names its container
#   podman-names/neighbour the neighbour is never a suspect nor acted on, and
#                          still runs with its 30 connections
# podman runs with runc and the cgroupfs manager; no registry: the image is
# imported from a tarball holding the static binary. The containers, the image
# and the cgroup parent are this test's own (names with $$) and removed at exit.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden podman runc tar curl promtool nsenter ss

NAME=pw-names-$$
IMAGE=localhost/pw-names-img-$$
pm() {
	podman --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

# ---- the image: one static binary ---------------------------------------------
mkdir "$PW_TMP/rootfs"
if ! ${CC:-cc} -static -O2 -D_GNU_SOURCE -o "$PW_TMP/rootfs/portleak" "$PW_ROOT/tests/workloads/portleak.c" \
	2>"$PW_TMP/cc.err"; then
	pw_skip "$PW_TEST" "cannot link portleak statically: $(head -c 200 "$PW_TMP/cc.err")"
	exit 0
fi
tar -C "$PW_TMP/rootfs" -cf "$PW_TMP/image.tar" .
pw_on_exit "podman rmi -f $IMAGE >/dev/null 2>&1"
if ! pm import "$PW_TMP/image.tar" "$IMAGE" >/dev/null 2>"$PW_TMP/import.err"; then
	pw_fail podman-names/setup "podman import: $(tail -c 300 "$PW_TMP/import.err")"
	pw_done
fi

# ---- the container ------------------------------------------------------------
pw_on_exit "podman rm -f -t 0 $NAME >/dev/null 2>&1"
if ! pm run -d --name "$NAME" --network none --ulimit nofile=4096:4096 --ulimit nproc=64:64 \
	"$IMAGE" /portleak tcp-connect --listen --rate 40 --duration 60 --hold 120 \
	--comm pl-podman >/dev/null 2>"$PW_TMP/run.err"; then
	pw_fail podman-names/setup "podman run: $(tail -c 300 "$PW_TMP/run.err")"
	pw_done
fi
ID=$(podman inspect -f '{{.Id}}' "$NAME")
# the leaker has held some ports for a few seconds
sleep 5

# ---- snapshot ---------------------------------------------------------------------
"$PW_PORTWARDEN" snapshot --json >"$PW_TMP/snapshot.json" 2>"$PW_TMP/snapshot.err" || true
problems=$(jq -r --arg id "$ID" --arg name "$NAME" '
	[.cgroups[] | select(.container != null and .container.id == $id)] as $c
	| if ($c | length) == 0 then "no cgroup of container \($id[:12]) in the snapshot"
	  elif ($c | all(.container.runtime == "podman" and .container.container == $name
	                 and .container.pod == "" and .sockets > 0)) then empty
	  else "container named wrong: \($c | map(.container) | tojson)" end' \
	"$PW_TMP/snapshot.json" 2>&1)
pw_report podman-names/snapshot "$problems"

# ---- report -------------------------------------------------------------------
"$PW_PORTWARDEN" report --standalone --duration 8 --json --output "$PW_TMP/report.json" </dev/null \
	>/dev/null 2>"$PW_TMP/report.err" || true
"$PW_PORTWARDEN" report --standalone --duration 2 </dev/null >"$PW_TMP/report.txt" 2>/dev/null || true
problems=$(
	jq -r --arg id "$ID" --arg name "$NAME" '
		[.containers[] | select(.container != null and .container.id == $id)] as $c
		| if ($c | length) == 0 then "container \($id[:12]) not in the report"
		  elif ($c | all(.container.container == $name)) then empty
		  else "container named wrong: \($c | map(.container) | tojson)" end' \
		"$PW_TMP/report.json" 2>&1
	grep -q "\[podman ${ID:0:12}\] $NAME\$" "$PW_TMP/report.txt" ||
		echo "the text report does not show '[podman ${ID:0:12}] $NAME'"
)
pw_report podman-names/report "$problems"

# ---- top --batch: the NAME column -------------------------------------------------
COLUMNS=250 "$PW_PORTWARDEN" top --batch -n 1 </dev/null >"$PW_TMP/top.txt" 2>"$PW_TMP/top.err" || true
problems=$(
	grep -q -- "$NAME" "$PW_TMP/top.txt" ||
		echo "top --batch does not show $NAME: $(head -c 400 "$PW_TMP/top.txt") $(tail -c 200 "$PW_TMP/top.err")"
)
pw_report podman-names/top "$problems"

# ---- run: a [protect] container_name rule holds ---------------------------------
# A second container leaks fast in a 500-port range; `run --enforce`, scoped to
# its cgroup, must judge it and log it protected by its name, and act on nothing.
GUARDED=$NAME-guarded
pw_on_exit "podman rm -f -t 0 $GUARDED >/dev/null 2>&1"
if ! pm run -d --name "$GUARDED" --network none --sysctl net.ipv4.ip_local_port_range="40000 40499" \
	--ulimit nofile=4096:4096 --ulimit nproc=64:64 "$IMAGE" /portleak tcp-connect --listen \
	--rate 100 --duration 60 --hold 120 --comm pl-guarded >/dev/null 2>"$PW_TMP/run2.err"; then
	pw_fail podman-names/protect "podman run: $(tail -c 300 "$PW_TMP/run2.err")"
	pw_done
fi
GID=$(podman inspect -f '{{.Id}}' "$GUARDED")
CG=$(awk -F: '$1 == 0 { print $3 }' "/proc/$(podman inspect -f '{{.State.Pid}}' "$GUARDED")/cgroup")
printf '[protect]\ncontainer_name = %s\n' "$GUARDED" >"$PW_TMP/run.conf"
pw_start_guard podman-names/protect --cgroup "$CG" --config "$PW_TMP/run.conf" || pw_done
for _ in $(seq 40); do
	grep -q '"reason":"protected"' "$PW_TMP/run.jsonl" && break
	sleep 0.5
done
problems=$(
	jq -r -s --arg name "$GUARDED" '
		([.[] | select(.reason == "protected")] | if length == 0 then "never judged protected"
		 elif all(.container == $name and (.detail | test("container .* matches"))) then empty
		 else "protected, but not by its name: \(.[0] | tojson)" end),
		(.[] | select(.event == "action" and (.action == "quarantine" or .action == "term"
		                                      or .action == "kill"))
		 | "acted on: \(tojson)")' "$PW_TMP/run.jsonl" 2>&1
	[ "$(podman inspect -f '{{.State.Running}}' "$GUARDED" 2>/dev/null)" = true ] ||
		echo "the protected container ${GID:0:12} is not running"
)
pw_report podman-names/protect "$problems"
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
podman rm -f -t 0 "$GUARDED" >/dev/null 2>&1 || true

# ---- run --enforce: a named leaker stopped, its named neighbour left alone -------
# Both under a cgroup parent of our own (podman makes it in every hierarchy;
# it is removed after the containers), which run is scoped to.
PARENT=pw-names-$$
# shellcheck disable=SC2317 # called by the cleanup hook
remove_parent() { # conmon may leave its cgroup a moment after podman rm returns
	local m left
	for _ in $(seq 50); do
		left=
		for m in $(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
				if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5; break } }' \
			/proc/self/mountinfo); do
			[ ! -d "$m/$PARENT" ] || find "$m/$PARENT" -depth -type d -exec rmdir {} + 2>/dev/null ||
				left=$m/$PARENT
		done
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	echo "test-podman-names: could not remove cgroup $left" >&2
}
pw_on_exit remove_parent
LEAKER=$NAME-leaker
NEIGHBOUR=$NAME-neighbour
pw_on_exit "podman rm -f -t 0 $LEAKER $NEIGHBOUR >/dev/null 2>&1"
if ! pm run -d --name "$NEIGHBOUR" --cgroup-parent "/$PARENT" --network none \
	--ulimit nofile=4096:4096 --ulimit nproc=64:64 "$IMAGE" /portleak tcp-connect --listen \
	--count 30 --hold 300 --comm pl-neighbour >/dev/null 2>"$PW_TMP/run3.err"; then
	pw_fail podman-names/enforce "podman run: $(tail -c 300 "$PW_TMP/run3.err")"
	pw_done
fi
NPID=$(podman inspect -f '{{.State.Pid}}' "$NEIGHBOUR")
printf '[container "%s"]\nquarantine = no\ngrace = 2s\n' "$LEAKER" >"$PW_TMP/enforce.conf"
pw_start_run podman-names/enforce/start "$PW_TMP/enf" --enforce --cgroup "/$PARENT" \
	--socket "$PW_TMP/enf-run/pw.sock" --config "$PW_TMP/enforce.conf" || pw_done
if ! pm run -d --name "$LEAKER" --cgroup-parent "/$PARENT" --network none \
	--sysctl net.ipv4.ip_local_port_range="40000 40499" --ulimit nofile=4096:4096 \
	--ulimit nproc=64:64 "$IMAGE" /portleak tcp-connect --listen --rate 100 --duration 60 \
	--hold 120 --comm pl-leaker >/dev/null 2>"$PW_TMP/run4.err"; then
	pw_fail podman-names/enforce "podman run: $(tail -c 300 "$PW_TMP/run4.err")"
	pw_done
fi
LPID=$(podman inspect -f '{{.State.Pid}}' "$LEAKER")

# the metrics, while both hold ports
for _ in $(seq 40); do
	curl -s --max-time 2 --unix-socket "$PW_TMP/enf-run/pw.sock" -o "$PW_TMP/metrics.txt" \
		http://localhost/metrics || true
	grep -q "^portwarden_cgroup_ports{.*container=\"$LEAKER\"" "$PW_TMP/metrics.txt" 2>/dev/null &&
		grep -q "^portwarden_cgroup_ports{.*container=\"$NEIGHBOUR\"" "$PW_TMP/metrics.txt" && break
	sleep 0.5
done
problems=$(
	for n in "$LEAKER" "$NEIGHBOUR"; do
		grep -Eq "^portwarden_cgroup_ports\{cgroup=\"/$PARENT/libpod-[0-9a-f]{64}\",container=\"$n\",state=\"ESTAB\"\} [0-9]+$" \
			"$PW_TMP/metrics.txt" || echo "no ESTAB series labelled container=\"$n\""
	done
	grep -q "pod=\|pod_namespace=" "$PW_TMP/metrics.txt" && echo "pod labels on a podman container"
	promtool check metrics <"$PW_TMP/metrics.txt" >"$PW_TMP/promtool.out" 2>&1 ||
		echo "promtool: $(head -c 300 "$PW_TMP/promtool.out")"
)
pw_report podman-names/metrics "$problems"

# the ladder: SIGTERM (ignored by a container's init), 2 s, SIGKILL, a result
for _ in $(seq 120); do
	jq -e -s '[.[] | select(.event == "result" and .exited == true)] | length > 0' \
		"$PW_TMP/enf.jsonl" >/dev/null 2>&1 && break
	sleep 0.5
done
problems=$(
	jq -r -s --arg name "$LEAKER" '
		[.[] | select(.event == "action")] as $a
		| if ($a | length) == 0 then "no action record"
		  elif $a[0].action != "term" then "first action \($a[0].action), want term (the override)"
		  elif ($a | all(.container == $name)) then empty
		  else "an action record without the name: \($a | map(.container) | tojson)" end' \
		"$PW_TMP/enf.jsonl" 2>&1
)
pw_report podman-names/override "$problems"
problems=$(
	jq -r -s --arg name "$LEAKER" --argjson pid "$LPID" '
		[.[] | select(.event == "result")] as $r
		| if ($r | length) == 0 then "no result record"
		  elif ($r | any(.exited == true)) | not then "never exited: \($r | map(.reason) | tojson)"
		  elif ($r | all(.container == $name)) then empty
		  else "a result record without the name: \($r[0] | tojson)" end' \
		"$PW_TMP/enf.jsonl" 2>&1
	[ "$(podman inspect -f '{{.State.Running}}' "$LEAKER" 2>/dev/null)" != true ] ||
		echo "the leaker container still runs"
)
pw_report podman-names/enforce "$problems"
problems=$(
	jq -r -s --arg name "$NEIGHBOUR" --argjson pid "$NPID" '
		.[] | select((.event == "suspect" or .event == "action")
		             and (.pid == $pid or .container == $name))
		| "judged: \(tojson)"' "$PW_TMP/enf.jsonl" 2>&1
	[ "$(podman inspect -f '{{.State.Running}}' "$NEIGHBOUR" 2>/dev/null)" = true ] ||
		echo "the neighbour container is not running"
	n=$(nsenter -t "$NPID" -n ss -Htn state established 2>/dev/null | wc -l)
	[ "$n" -ge 60 ] || echo "the neighbour holds $n established sockets, want 60 (30 each way)"
)
pw_report podman-names/neighbour "$problems"
kill -s TERM "$PW_DAEMON"
pw_wait_exit "$PW_DAEMON" 15 || true
pw_done
