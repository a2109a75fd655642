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
#   podman-names/protect   `run --enforce` (scoped to a second, fast-leaking
#                          container) with `[protect] container_name = ITS NAME`
#                          logs it protected by that rule and acts on nothing
# podman runs with runc and the cgroupfs manager; no registry: the image is
# imported from a tarball holding the static binary. The container and image
# are this test's own (names with $$) and removed at exit.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden podman runc tar

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
pw_done
