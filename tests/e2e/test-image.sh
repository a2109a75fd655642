#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The container image and the Kubernetes files (scripts/kubernetes), with no
# cluster: the image from scripts/image/build-image.sh is run by podman as the
# kubelet would run the DaemonSet's container, with exactly what
# daemonset.yaml declares, read from it (tests/e2e/daemonset-spec.py, so the
# manifest and this test cannot drift): its capabilities (all others
# dropped), its mounts (hostPath volumes; the ConfigMap's files), its command
# and args, hostPID, a read-only root, uid 0, the runtime's default seccomp
# profile, and a cgroup namespace and network namespace of its own, as a pod
# gets on a cgroup v2 node. Two departures, both forced: PID 1 of this
# machine is a sandbox's init whose namespaces are closed to us, so
# portwarden joins this test's cgroup namespace (the host's initial one)
# instead of PID 1's (PORTWARDEN_TEST_CGROUPNS_PID, a test-only switch);
# and the writable DirectoryOrCreate volumes (the socket
# and log directories) and hostPaths missing here are scratch directories,
# never the host's /run/portwarden.
#
#   image/yaml            every scripts/kubernetes/*.yaml parses, holds the kinds
#                         it should, and its objects agree (daemonset-spec.py check)
#   image/build           build-image.sh makes the image, under the name and
#                         version daemonset.yaml runs
#   image/version         `portwarden --version` in it is the built binary's
#   image/probe           `portwarden probe` in it says what it says on the host
#   image/snapshot        `snapshot --json` in it sees a leaker of another user
#                         (uid 65534) in the test's cgroup and netns: its cgroup
#                         path, its sockets, its netns's pool with its capacity
#   image/run             the declared command and args: /metrics on the socket in
#                         the mounted directory (0600) and on the pod's TCP port
#                         (the probes'), the leaker's cgroup in it, the audit
#                         log in the mounted log directory; RSS measured
#   image/enforce         the same with --enforce, scoped to a fast leaker of
#                         another user: quarantined, SIGTERMed, SIGKILLed; the
#                         incident report lands in the node's state volume
#   image/needs-CAP       for each declared capability: dropped alone, the thing
#                         it is declared for fails (a capability without such a
#                         check is a FAIL: the list must not grow padding)
#   image/cgroupns        in the pod's own cgroup namespace portwarden joins the
#                         host's (the snapshot above names host paths; -v says
#                         so); without the switch it tries PID 1's, closed
#                         here, and says how it failed
# The image and containers are this test's own (names with $$), removed at exit.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden podman runc tar curl setpriv nsenter dpkg-deb apt-get
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak
# Debian's python3 and python3-yaml (scripts/install-deps.sh), not whichever
# python3 comes first in PATH.
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
	pw_skip "$PW_TEST" "python3-yaml missing"
	exit 0
fi

K8S=$PW_ROOT/scripts/kubernetes
SPEC_PY=$PW_ROOT/tests/e2e/daemonset-spec.py
VERSION=$("$PW_PORTWARDEN" --version | awk '{ print $2 }')
IMAGE=localhost/pw-image-test-$$:$VERSION
NOBODY=65534
PORT=5001
pm() {
	podman --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

# ---- the files ------------------------------------------------------------------
pw_report image/yaml "$("$PYTHON" "$SPEC_PY" check "$K8S" 2>&1)"
mkdir "$PW_TMP/configmaps"
if ! "$PYTHON" "$SPEC_PY" spec "$K8S/daemonset.yaml" "$PW_TMP/configmaps" >"$PW_TMP/spec.json" 2>"$PW_TMP/spec.err"; then
	pw_fail image/setup "daemonset-spec.py spec: $(tail -c 300 "$PW_TMP/spec.err")"
	pw_done
fi
spec() { # JQ: a value of the DaemonSet's container
	jq -r "$1" "$PW_TMP/spec.json"
}
mapfile -t CAPS < <(spec '.capabilities[]')
mapfile -t COMMAND < <(spec '.command[]')
mapfile -t ARGS < <(spec '.args[]')
problems=$(
	[ "$(spec .host_pid)" = true ] || echo "hostPID is not set: this test runs the container with --pid host"
	[ "$(spec .run_as_user)" = 0 ] || echo "runAsUser is $(spec .run_as_user), this test runs as 0"
	[ "$(spec .seccomp)" = RuntimeDefault ] || echo "seccomp $(spec .seccomp), this test runs podman's default profile"
	[ "$(spec .host_network)" = false ] || echo "hostNetwork is set, this test runs the pod in its own netns"
	[ "${#COMMAND[@]}" -gt 0 ] || echo "no command"
)
if [ -n "$problems" ]; then
	pw_report image/setup "$problems"
	pw_done
fi

# ---- the image ------------------------------------------------------------------
pw_on_exit "podman rmi -f $IMAGE >/dev/null 2>&1"
start=$SECONDS
if ! OUTPUT=$PW_OUTPUT PORTWARDEN=$PW_PORTWARDEN "$PW_ROOT/scripts/image/build-image.sh" "$IMAGE" \
	>"$PW_TMP/build.out" 2>"$PW_TMP/build.err"; then
	pw_fail image/build "build-image.sh: $(grep -v '^libbpf' "$PW_TMP/build.err" | tail -c 300)"
	pw_done
fi
pw_report image/build "$(
	want=localhost/portwarden:$VERSION
	[ "$(spec .image)" = "$want" ] ||
		echo "daemonset.yaml runs image $(spec .image), build-image.sh makes $want"
)"
echo "image: $(cat "$PW_TMP/build.out") in $((SECONDS - start)) s"

# ---- the container, as declared ------------------------------------------------------
# Limits below ours: without CAP_SYS_RESOURCE runc cannot raise them to
# podman's defaults (the kubelet's runtime applies its own).
NOFILE=$(ulimit -Hn)
NPROC=$(ulimit -Hu)
[ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt 16384 ] || NOFILE=16384
[ "$NPROC" != unlimited ] && [ "$NPROC" -lt 4096 ] || NPROC=4096
# run_args KEY CAP...: podman run's options for the declared container with
# capabilities CAP... (all others dropped); its writable volumes in
# $PW_TMP/KEY/<volume>.
run_args() {
	local key=$1 cap i n host path type ro
	shift
	RUN=(run --pid host --cgroupns "${CGNS:-private}" --network none --user 0:0 --cap-drop all
		--ulimit "nofile=$NOFILE:$NOFILE" --ulimit "nproc=$NPROC:$NPROC")
	[ "${JOIN:-ours}" != ours ] || RUN+=(-e "PORTWARDEN_TEST_CGROUPNS_PID=$$")
	[ "$(spec .read_only_root)" != true ] || RUN+=(--read-only --read-only-tmpfs=false)
	for cap in "$@"; do RUN+=(--cap-add "$cap"); done
	n=$(spec '.mounts | length')
	for ((i = 0; i < n; i++)); do
		read -r host path type ro < <(spec ".mounts[$i] | \"\(.host) \(.path) \(.type) \(.read_only)\"")
		if [ "$type" = DirectoryOrCreate ] && { [ "$ro" = false ] || [ ! -d "$host" ]; }; then
			host=$PW_TMP/$key/$(spec ".mounts[$i].name")
			mkdir -p "$host"
		fi
		if [ "$ro" = true ]; then RUN+=(-v "$host:$path:ro"); else RUN+=(-v "$host:$path"); fi
	done
}
CMD=("${COMMAND[@]}")
ENTRY=("--entrypoint" "${CMD[0]}" "$IMAGE" "${CMD[@]:1}")

# in_image KEY ARGS...: portwarden ARGS in the declared container (removed after),
# stdout in $PW_TMP/KEY.out, stderr in KEY.err; its exit status.
in_image() {
	local key=$1
	shift
	run_args "$key" "${CAPS[@]}"
	pm "${RUN[@]}" --rm --name "pw-image-$$-$key" "${ENTRY[@]}" "$@" >"$PW_TMP/$key.out" 2>"$PW_TMP/$key.err"
}
without() { # CAP: the declared capabilities but CAP
	local c
	for c in "${CAPS[@]}"; do [ "$c" = "$1" ] || echo "$c"; done
}
errors() { # KEY: the end of its stderr, libbpf's lines left out
	grep -v '^libbpf: ' "$PW_TMP/$1.err" | tail -c 300
}

# ---- a leaker of another user, in our cgroup and netns -----------------------------
NS=$(pw_make_netns 40000 41999)
NS_INO=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)
pw_start_cmd srv "$(pw_make_cgroup srv)" "$NS" "$PW_PORTLEAK" listen --port $PORT --hold 600 --comm pl-srv
for _ in $(seq 50); do
	ip netns exec "$NS" ss -Htln "sport = :$PORT" | grep -q . && break
	sleep 0.1
done
HELD_CG=$(pw_make_cgroup held)
HELD_REL=$(pw_cgroup_relpath "$HELD_CG")
pw_start_cmd held "$HELD_CG" "$NS" setpriv --reuid $NOBODY --regid $NOBODY --clear-groups \
	"$GUARDLEAK" tcp --port $PORT --rate 1000 --count 300 --comm pl-held
pw_wait_for_file_line "$PW_TMP/held.out" '^done' 20 ||
	pw_fail image/setup "the held leaker did not take its ports: $(head -c 200 "$PW_TMP/held.err")"

# snapshot_problems KEY: what the snapshot in KEY.out lacks of the held leaker.
snapshot_problems() {
	jq -r --arg cg "$HELD_REL" --argjson ns "$NS_INO" '
		([.processes[] | select(.comm == "pl-held")] | if length == 0 then "no process pl-held"
		 else .[0] | if .cgroup != $cg then "pl-held in cgroup \(.cgroup), want \($cg)"
		 elif .sockets < 300 then "pl-held holds \(.sockets) sockets, want >= 300" else empty end end),
		([.pools[] | select(.netns == $ns and .remote_port == '$PORT')] | if length == 0 then "no pool in netns \($ns)"
		 elif .[0].capacity != 2000 then "the pool of netns \($ns) has capacity \(.[0].capacity), want 2000"
		 else empty end)' "$PW_TMP/$1.out" 2>&1 || echo "not JSON: $(errors "$1")"
}

# ---- version, probe, snapshot --------------------------------------------------------
rc=0
in_image version --version || rc=$?
problems=$(
	[ "$rc" = 0 ] || echo "exit $rc: $(errors version)"
	want=$("$PW_PORTWARDEN" --version)
	[ "$(cat "$PW_TMP/version.out")" = "$want" ] || echo "says '$(head -c 100 "$PW_TMP/version.out")', want '$want'"
)
pw_report image/version "$problems"

rc=0
in_image probe probe || rc=$?
"$PW_PORTWARDEN" probe >"$PW_TMP/host-probe.out" 2>/dev/null || true
problems=$(
	[ "$rc" = 0 ] || echo "exit $rc: $(errors probe)"
	diff "$PW_TMP/host-probe.out" "$PW_TMP/probe.out" | grep '^[<>]' | head -4
	grep -q '^quarantine *yes' "$PW_TMP/probe.out" || echo "no 'quarantine yes'"
)
pw_report image/probe "$problems"

rc=0
in_image snapshot snapshot --json || rc=$?
problems=$(
	[ "$rc" = 0 ] || echo "exit $rc: $(errors snapshot)"
	snapshot_problems snapshot
)
pw_report image/snapshot "$problems"

# ---- run: the declared command and args -----------------------------------------------
# start_daemon KEY CAPS_FILE ARGS...: the declared container, detached, with the
# capabilities listed in CAPS_FILE, running ARGS; once its start record is
# in its log returns 0, else 1 with the reason on stdout.
start_daemon() {
	local key=$1 caps
	mapfile -t caps <"$2"
	shift 2
	run_args "$key" "${caps[@]}"
	pw_on_exit "podman rm -f -t 0 pw-image-$$-$key >/dev/null 2>&1"
	if ! pm "${RUN[@]}" -d --name "pw-image-$$-$key" "${ENTRY[@]}" "$@" >/dev/null 2>"$PW_TMP/$key.err"; then
		echo "podman run: $(tail -c 300 "$PW_TMP/$key.err")"
		return 1
	fi
	if ! pw_wait_for_file_line "$PW_TMP/$key/log-dir/audit.jsonl" '"event":"start"' 30; then
		echo "no start record in the mounted log within 30 s: $(pm logs "pw-image-$$-$key" 2>&1 | grep -v '^libbpf' | tail -c 300)"
		return 1
	fi
}
printf '%s\n' "${CAPS[@]}" >"$PW_TMP/caps"
problems=$(start_daemon run "$PW_TMP/caps" "${ARGS[@]}") || true
if [ -z "$problems" ]; then
	sock=$PW_TMP/run/socket-dir/portwarden.sock
	cpid=$(pm inspect -f '{{.State.Pid}}' "pw-image-$$-run")
	series="portwarden_cgroup_ports{cgroup=\"$HELD_REL\",state=\"ESTAB\"}"
	for _ in $(seq 30); do
		curl -s -m 3 --unix-socket "$sock" -o "$PW_TMP/metrics.txt" http://localhost/metrics &&
			grep -qF "$series" "$PW_TMP/metrics.txt" && break
		sleep 0.5
	done
	problems=$(
		[ "$(stat -c %a "$sock" 2>/dev/null)" = 600 ] || echo "socket $sock: mode $(stat -c %a "$sock" 2>&1)"
		grep -q "^portwarden_build_info{version=\"$VERSION\"} 1" "$PW_TMP/metrics.txt" ||
			echo "no build_info on the socket: $(head -c 200 "$PW_TMP/metrics.txt")"
		grep -qF "$series" "$PW_TMP/metrics.txt" || echo "no $series on the socket"
		# the kubelet's probes: the pod's TCP port, from inside the pod's netns
		code=$(nsenter --net="/proc/$cpid/ns/net" curl -s -m 3 -o /dev/null -w '%{http_code}' \
			http://127.0.0.1:9477/metrics) || true
		[ "$code" = 200 ] || echo "TCP :9477/metrics in the pod's netns: HTTP ${code:-none}"
	)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$cpid/status")
	echo "image/run: portwarden run in the container: VmRSS $rss KiB after $(grep -c '^portwarden_' "$PW_TMP/metrics.txt") metric lines"
fi
pw_report image/run "$problems"
pm stop -t 10 "pw-image-$$-run" >/dev/null 2>&1 || true

# ---- enforce, and the capabilities it needs -------------------------------------------
# A config for a short ladder, in place of the ConfigMap's.
mkdir -p "$PW_TMP/fast"
printf '[policy]\nfill_threshold = 10%%\nquarantine_time = 2s\ngrace = 2s\n[breakers]\ncooldown = 0s\n' \
	>"$PW_TMP/fast/portwarden.conf"
# enforce KEY CAPS_FILE: a guard with --enforce, scoped to cgroup KEY where
# a fast leaker of uid 65534 that ignores SIGTERM starts once it is up; the
# audit log's actions and results (event action detail) in $PW_TMP/KEY.actions,
# and "alive" or "gone" in KEY.fate 15 s after its quarantine.
enforce() {
	local key=$1 cg rel pid start problems
	cg=$(pw_make_cgroup "$key")
	rel=$(pw_cgroup_relpath "$cg")
	problems=$(start_daemon "$key" "$2" "${ARGS[@]}" --enforce --cgroup "$rel")
	[ -z "$problems" ] || {
		echo "$problems"
		return
	}
	pw_start_cmd "$key-leak" "$cg" "$NS" setpriv --reuid $NOBODY --regid $NOBODY --clear-groups \
		"$GUARDLEAK" tcp --port $PORT --rate 200 --ignore-term --comm "pl-$key"
	pid=$(cat "$PW_TMP/$key-leak.pid")
	start=$(cat "$PW_TMP/$key-leak.start")
	pw_wait_for_file_line "$PW_TMP/$key/log-dir/audit.jsonl" '"action":"quarantine"' 30 || true
	for _ in $(seq 30); do
		pw_pid_alive "$pid" "$start" || break
		sleep 0.5
	done
	if pw_pid_alive "$pid" "$start"; then echo alive; else echo gone; fi >"$PW_TMP/$key.fate"
	# the result (and its incident report) comes two samples after the signal
	grep -q '^gone' "$PW_TMP/$key.fate" &&
		pw_wait_for_file_line "$PW_TMP/$key/log-dir/audit.jsonl" '"event":"result"' 15 || true
	jq -r 'select(.event == "action" or .event == "result") | "\(.event) \(.action) \(.detail)"' \
		"$PW_TMP/$key/log-dir/audit.jsonl" >"$PW_TMP/$key.actions" 2>&1
	pm stop -t 10 "pw-image-$$-$key" >/dev/null 2>&1 || true
	pw_stop "$pid" KILL 1 || true
}
# From here on the config volume holds the fast config in place of the ConfigMap's.
jq --arg d "$PW_TMP/fast" '(.mounts[] | select(.type == "configMap") | .host) = $d' \
	"$PW_TMP/spec.json" >"$PW_TMP/spec.fast.json" && mv "$PW_TMP/spec.fast.json" "$PW_TMP/spec.json"

problems=$(enforce enforce "$PW_TMP/caps")
problems=$(
	echo -n "$problems"
	for a in quarantine term kill; do
		grep -q "^action $a " "$PW_TMP/enforce.actions" 2>/dev/null ||
			echo "no $a action: $(paste -sd';' "$PW_TMP/enforce.actions" 2>/dev/null | head -c 200)"
	done
	[ "$(cat "$PW_TMP/enforce.fate" 2>/dev/null)" = gone ] || echo "the leaker is still alive"
	# its incident report, in the state volume on the node
	incident=$(jq -r 'select(.event == "result") | .incident // empty' \
		"$PW_TMP/enforce/log-dir/audit.jsonl" 2>/dev/null | head -n 1)
	case $incident in
	/var/lib/portwarden/incidents/incident-*.html)
		[ -s "$PW_TMP/enforce/state-dir/${incident#/var/lib/portwarden/}" ] ||
			echo "its incident report $incident is not in the state volume" ;;
	*) echo "no result record names an incident report under /var/lib/portwarden/incidents ('$incident')" ;;
	esac
)
pw_report image/enforce "$problems"

# ---- each declared capability is needed -------------------------------------------------
# needs CAP: PROBLEMS unless dropping CAP alone breaks what it is declared for.
# Joining the host's cgroup namespace needs CAP_SYS_ADMIN and CAP_SYS_PTRACE
# too; so that these checks show what the rest needs, the snapshots run in
# the host's cgroup namespace (where the join would have put it).
DIRECT=(--entrypoint /usr/sbin/portwarden "$IMAGE")
needs() {
	local cap=$1 key rc=0 caps
	key=no-${cap#CAP_}
	key=${key,,}
	without "$cap" >"$PW_TMP/$key.caps"
	mapfile -t caps <"$PW_TMP/$key.caps"
	case $cap in
	CAP_SYS_ADMIN) # bpf() under the default seccomp profile, the iterators, setns()
		CGNS=host run_args "$key" "${caps[@]}"
		pm "${RUN[@]}" --rm "${DIRECT[@]}" snapshot --json >"$PW_TMP/$key.out" 2>"$PW_TMP/$key.err" || rc=$?
		[ "$rc" != 0 ] || echo "snapshot still works (exit 0)"
		[ "$rc" = 0 ] || grep -q '^portwarden: .*Operation not permitted' "$PW_TMP/$key.err" ||
			echo "fails otherwise (exit $rc): $(errors "$key")"
		;;
	CAP_SYS_PTRACE) # /proc/PID/ns/net of other processes: no pool capacity
		CGNS=host run_args "$key" "${caps[@]}"
		pm "${RUN[@]}" --rm "${DIRECT[@]}" snapshot --json >"$PW_TMP/$key.out" 2>"$PW_TMP/$key.err" || rc=$?
		[ "$rc" = 0 ] || echo "snapshot fails (exit $rc): $(errors "$key")"
		jq -e --argjson ns "$NS_INO" '[.pools[] | select(.netns == $ns and .capacity == 2000)] | length == 0' \
			"$PW_TMP/$key.out" >/dev/null || echo "the pool of netns $NS_INO still has its capacity"
		;;
	CAP_DAC_READ_SEARCH) # open_by_handle_at(): cgroup ids to paths
		CGNS=host run_args "$key" "${caps[@]}"
		pm "${RUN[@]}" --rm "${DIRECT[@]}" snapshot --json >"$PW_TMP/$key.out" 2>"$PW_TMP/$key.err" || rc=$?
		[ "$rc" = 0 ] || echo "snapshot fails (exit $rc): $(errors "$key")"
		jq -e --arg cg "$HELD_REL" '[.processes[] | select(.comm == "pl-held" and .cgroup == $cg)] | length == 0' \
			"$PW_TMP/$key.out" >/dev/null || echo "pl-held is still named in $HELD_REL"
		;;
	CAP_KILL) # signals to a process of another user
		enforce "$key" "$PW_TMP/$key.caps" | head -n 3
		grep -q '^action quarantine ' "$PW_TMP/$key.actions" 2>/dev/null ||
			echo "not even quarantined: $(paste -sd';' "$PW_TMP/$key.actions" 2>&1 | head -c 200)"
		[ "$(cat "$PW_TMP/$key.fate" 2>&1)" = alive ] || echo "the leaker was stopped without CAP_KILL"
		;;
	*)
		echo "no check shows what $cap is needed for: measure it, add a case here, or drop it"
		;;
	esac
}
for cap in "${CAPS[@]}"; do
	pw_report "image/needs-${cap#CAP_}" "$(needs "$cap")"
done

# ---- the pod's own cgroup namespace ---------------------------------------------------
rc=0
in_image cgroupns snapshot --json -v || rc=$?
rc2=0
JOIN=pid1 run_args cgroupns-pid1 "${CAPS[@]}"
pm "${RUN[@]}" --rm "${ENTRY[@]}" snapshot --json >"$PW_TMP/cgroupns-pid1.out" \
	2>"$PW_TMP/cgroupns-pid1.err" || rc2=$?
problems=$(
	[ "$rc" = 0 ] || echo "exit $rc: $(errors cgroupns)"
	grep -q "joined the cgroup namespace of /proc/$$/ns/cgroup" "$PW_TMP/cgroupns.err" ||
		echo "no join said with -v: $(errors cgroupns)"
	snapshot_problems cgroupns
	[ "$rc2" != 0 ] || echo "PID 1's namespace, closed here, was joined (exit 0)"
	grep -q 'joining /proc/1/ns/cgroup failed' "$PW_TMP/cgroupns-pid1.err" ||
		echo "without the switch: exit $rc2, $(errors cgroupns-pid1)"
)
pw_report image/cgroupns "$problems"
pw_done
