#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Sockets that nothing ever asked a cookie of are counted once, not twice.
#
# Socket cookies are made lazily: by bpf_get_socket_cookie(), SO_COOKIE, or an
# `ss` dump, which gives every socket one. A snapshot must join a process's
# file record and the table record of one socket whether or not anything made
# its cookie first, so nothing here runs ss (or anything else that dumps
# sockets) before the snapshot. A process holds 20 connections to its own
# listener, both ends (40 ESTAB, all its own), and 5 bound-but-idle sockets;
# the snapshot must show exactly that, with the iterators in their fast form,
# in their safe form (PORTWARDEN_BPF=safe), and with the iterators refused
# (PORTWARDEN_TEST_REFUSE): /proc/PID/fd for files, sock_diag for the tables,
# or both. Each in a fresh netns. A
# churner leaves TIME_WAIT sockets there, so that the snapshot walks the TCP
# table (it skips a table whose sockets the processes' files already showed)
# and every held socket is seen twice, by file and by table.
#   snapshot-keys/FORM        the process's and its cgroup's counts are exact
#                             (FORM: fast, safe, no-files, no-tables, no-iterators,
#                             remembered: the forms of an earlier snapshot)
#   snapshot-keys/remembered-once  that last snapshot loaded its programs once
#                             (the kernel BTF parsed once), the refusal named as
#                             seen earlier this boot
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden

REL_BASE=$(pw_cgroup_relpath "$(pw_cgroup_base)")

# start NAME NETNS ARGS...: portleak ARGS in child cgroup NAME and NETNS.
start() {
	pw_start_portleak "$1" "$(pw_make_cgroup "$1")" "$2" "${@:3}" --comm "pl-$1"
}

# ready NAME: portleak writes its JSON line once its tries are done.
ready() {
	pw_wait_portleak "$1" snapshot-keys/setup || pw_done
}

# check FORM ENV...: a fresh netns, the workloads, one snapshot with ENV, the counts.
check() {
	local form=$1 ns held bound problems
	shift
	ns=$(pw_make_netns 41000 41999)
	start "held-$form" "$ns" tcp-connect --listen --accept --port 5010 --count 20 --hold 120
	start "bound-$form" "$ns" bind0 --count 5 --hold 120
	start "churn-$form" "$ns" tcp-churn --listen --port 5011 --count 5 --hold 0
	ready "held-$form"
	ready "bound-$form"
	ready "churn-$form"
	held=$(cat "$PW_TMP/held-$form.pid")
	bound=$(cat "$PW_TMP/bound-$form.pid")
	if ! env "$@" "$PW_PORTWARDEN" snapshot --json -v >"$PW_TMP/$form.json" \
		2>"$PW_TMP/$form.err"; then
		pw_fail "snapshot-keys/$form" "snapshot failed: $(tail -c 300 "$PW_TMP/$form.err")"
		return
	fi
	grep -h 'calibration: iter\|socket iterators:' "$PW_TMP/$form.err" | sed "s/^/# $form: /" || true
	problems=$(jq -r --argjson held "$held" --argjson bound "$bound" --arg cg "$REL_BASE/held-$form" '
		def counts($pid): [.processes[] | select(.pid == $pid)]
			| if length != 1 then "pid \($pid) is listed \(length) times" else .[0] end;
		(counts($held) | if type == "string" then . else
			(if .states.ESTAB != 40 or .sockets != 41 then
				"the holder: \(.sockets) sockets, \(.states.ESTAB) ESTAB; want 41 and 40 (20 connections, both ends, and its listener)"
			 else empty end) end),
		(counts($bound) | if type == "string" then . else
			(if .states.BOUND != 5 or .sockets != 5 then
				"the binder: \(.sockets) sockets, \(.states.BOUND) BOUND; want 5 and 5" else empty end) end),
		([.cgroups[] | select(.cgroup == $cg)] | if length != 1 then "no cgroup \($cg)"
			elif .[0].states.ESTAB != 40 then "cgroup \($cg): \(.[0].states.ESTAB) ESTAB, want 40"
			else empty end),
		([.cgroups[] | select(.cgroup == "(no owner)" or .cgroup == "/") | .states.ESTAB] | add // 0
			| if . != 0 then "\(.) ESTAB sockets with no owner or in the root cgroup: seen twice?" else empty end)' \
		"$PW_TMP/$form.json" 2>&1) || problems="jq failed: $problems"
	pw_report "snapshot-keys/$form" "$problems"
	pw_stop "$held"
	pw_stop "$bound"
}

check fast PORTWARDEN_BPF=fast
check safe PORTWARDEN_BPF=safe
check no-files PORTWARDEN_TEST_REFUSE=iter/task_file
check no-tables PORTWARDEN_TEST_REFUSE=iter/tcp
check no-iterators PORTWARDEN_TEST_REFUSE=iter/task_file,iter/tcp,iter/udp

# With nothing in the environment choosing forms, a snapshot after another
# loads its programs once, in the forms the first found (where this kernel
# refuses a fast form; elsewhere there is nothing to remember), and counts
# as exactly.
"$PW_PORTWARDEN" snapshot --json >/dev/null 2>&1 || true
check remembered
if ! grep -q 'the fast form was refused' "$PW_TMP/remembered.err"; then
	pw_skip snapshot-keys/remembered-once "every fast form loads here: nothing to remember"
else
	problems=$(
		grep -q 'the fast form was refused (.*, earlier this boot)' "$PW_TMP/remembered.err" ||
			echo "found again: $(grep -m1 'the fast form was refused' "$PW_TMP/remembered.err")"
		n=$(grep -c 'loading kernel BTF' "$PW_TMP/remembered.err") || true
		[ "$n" = 1 ] || echo "the kernel BTF was loaded $n times, want once"
	)
	pw_report snapshot-keys/remembered-once "$problems"
fi
pw_done
