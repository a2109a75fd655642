#!/bin/sh
# shellcheck shell=dash # busybox ash: POSIX sh plus local
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# /init of the test guest (busybox sh, PID 1, no disk, no modules): mounts what
# portwarden needs, runs `portwarden trace --json --failed --cgroup` in each mode
# while portleak exhausts 10-port ranges in child cgroups, then `portwarden
# report` and `portwarden snapshot` (the accounting programs) while portleak
# holds connections and leaves TIME_WAIT sockets, then `portwarden run
# --enforce` (the guard) while three leakers (TCP connections, a UDP socket
# per message, bind(0)) start together beside a steady holder in one netns of
# 1000 ports (see run_guard), probes fexit, writes the results to the second
# serial port (/dev/ttyS1) and powers off.
#
# Results protocol, one section per file, lines between
#   @@PW-BEGIN NAME        and        @@PW-END NAME
# and a last line "@@PW-DONE". NAMEs: info, fexit, RUN/trace.json,
# RUN/trace.err (filtered -v log), RUN/tracer (started, status), and per
# workload RUN/W.json (portleak's line), RUN/W.netns, RUN/W.err. RUNs: state
# and syscall (--failed in that mode), state-all (state mode without --failed,
# successes only). The accounting step (RUN accounting, and again as RUN
# accounting-safe with PORTWARDEN_BPF=safe: every program in its safe form)
# writes RUN/report (started, status), RUN/report.err (filtered -v log),
# RUN/report.json (--output), RUN/report.out (stdout), RUN/snapshot (status),
# RUN/snapshot.{err,json}, per workload RUN/W.json and RUN/W.err (W: holder,
# churn), RUN/holder.netns (both share it), RUN/workloads.err and RUN/progs
# (the report's programs: runs and runs skipped, see bpf_fds, and their names,
# see prog_names). The guard run (RUN guard) writes guard/run (started,
# status), guard/run.err (filtered -v log), guard/run.jsonl (the audit log),
# guard/run.conf, guard/state (plan, leakers' start, pids, when each was gone,
# whether the holder and server lived; see run_guard), guard/netns, and per
# workload guard/W.out (guardleak's lines, portleak's JSON line) and
# guard/W.err (a leaker's exit status); W: srv, steady, tcp, udp, bind0.
# The kernel command line may choose the runs:
# pw_modes=state,syscall,auto,state-all,accounting,accounting-safe,guard,budget;
# churn-bench (run_churn_bench; not in the default plan) only when named:
# churn-bench/{info,probe,rounds,run.err}.
# budget/probe (`portwarden probe`: the budget hook's verdict), budget/leak.json
# (a TCP leaker under ports_max = 6), budget/run.err.short, budget/run.jsonl.
PATH=/bin
export PATH

/bin/busybox mount -t proc proc /proc
# Every applet as /bin/NAME (it needs /proc/self/exe).
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
ip link set lo up
# Run counts and run times of BPF programs in their fdinfo (see bpf_fds), and
# their names in /proc/kallsyms (bpf_prog_TAG_NAME; see prog_names).
echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
echo 1 >/proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null

# Results go to ttyS1; ttyS0 is the kernel's console (and our progress log).
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
log() { echo "guest: [$(cut -d' ' -f1 /proc/uptime)] $*"; }
log "init"

# section NAME FILE: FILE's lines between markers (a missing file: no lines).
section() {
	echo "@@PW-BEGIN $1" >&3
	[ -r "$2" ] && awk 1 "$2" >&3
	echo "@@PW-END $1" >&3
}

finish() {
	echo "@@PW-DONE" >&3
	sync
	poweroff -f
	sleep 5
}

# -v output without libbpf's chatter: portwarden's own lines, libbpf's
# warnings and errors, and the tail of every verifier log (its verdict).
# CO-RE notes ("substituting insn", relocations against targ_failed_only)
# are normal and left out.
filter_log() {
	awk '
	/-- BEGIN PROG LOAD LOG --/ { inlog = 1; n = 0; print; next }
	/-- END PROG LOAD LOG --/ {
		start = n > 60 ? n - 60 : 0
		if (start) print "... (" start " lines left out)"
		for (i = start; i < n; i++) print buf[i]
		inlog = 0; print; next
	}
	inlog { buf[n++] = $0; next }
	!/^libbpf: / { print; next }
	/substituting insn|relo #[0-9]+: insn #[0-9]+ against/ { next }
	tolower($0) ~ /fail|error|warn|refus|not supported|unsupported|invalid|permission/ { print }
	' "$1"
}

# wait_for_line FILE PATTERN PID SECONDS: until PATTERN is in FILE; 1 if PID
# died or time ran out first.
wait_for_line() {
	local n=$(($4 * 5))
	while ! grep -q "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || return 1
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# wait_exit PID SECONDS: 1 if PID still runs after SECONDS.
wait_exit() {
	local n=$(($2 * 5))
	while kill -0 "$1" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# run_workload DIR CGROUP NAME ARGS...: portleak ARGS in child cgroup NAME and
# in a fresh netns narrowed to 10 ports, until it exits.
run_workload() {
	local dir="$1" cg="$2/$3" name="$3"
	shift 3
	mkdir -p "$cg"
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	timeout 60 unshare -n sh -c '
		echo $$ >"$1/cgroup.procs" || exit 125
		ip link set lo up || exit 125
		echo "40000 40009" >/proc/sys/net/ipv4/ip_local_port_range || exit 125
		readlink /proc/self/ns/net >"$2"
		shift 2
		exec /bin/portleak "$@"' sh "$cg" "$dir/$name.netns" "$@" \
		--comm "pl-$name" >"$dir/$name.json" 2>"$dir/$name.err"
	echo "exit $?" >>"$dir/$name.err"
}

# run_mode RUN "TRACE ARGS" NAME:PORTLEAK-ARGS...: one tracer with TRACE ARGS,
# filtered to the parent cgroup /pw-RUN, and one workload after the other in
# child cgroups NAME.
run_mode() {
	local mode="$1" targs="$2" dir cg tracer w
	shift 2
	dir=/tmp/$mode
	cg=/sys/fs/cgroup/pw-$mode
	mkdir -p "$dir" "$cg"
	log "$mode: starting the tracer"
	# shellcheck disable=SC2086 # $targs is a list of arguments
	/bin/portwarden trace --json $targs --cgroup "/pw-$mode" -v \
		</dev/null >"$dir/trace.json" 2>"$dir/trace.err" &
	tracer=$!
	if wait_for_line "$dir/trace.err" Tracing "$tracer" 90; then
		echo "started yes" >"$dir/tracer"
		for w; do
			log "$mode: workload $w"
			# shellcheck disable=SC2086 # the arguments after the colon split on purpose
			run_workload "$dir" "$cg" "${w%%:*}" ${w#*:}
		done
		# Let the last events cross the ring buffer before stopping.
		sleep 1
		kill -INT "$tracer"
		if wait_exit "$tracer" 20; then
			wait "$tracer"
			echo "status $?" >>"$dir/tracer"
		else
			echo "status still-running-20s-after-SIGINT" >>"$dir/tracer"
			kill -KILL "$tracer"
		fi
	else
		echo "started no" >"$dir/tracer"
		if kill -0 "$tracer" 2>/dev/null; then
			echo "status no-Tracing-line-in-90s" >>"$dir/tracer"
			kill -KILL "$tracer"
		else
			wait "$tracer"
			echo "status $?" >>"$dir/tracer"
		fi
	fi
	filter_log "$dir/trace.err" >"$dir/trace.err.short"
	section "$mode/tracer" "$dir/tracer"
	section "$mode/trace.err" "$dir/trace.err.short"
	section "$mode/trace.json" "$dir/trace.json"
	for w; do
		w=${w%%:*}
		section "$mode/$w.json" "$dir/$w.json"
		section "$mode/$w.netns" "$dir/$w.netns"
		section "$mode/$w.err" "$dir/$w.err"
	done
}

# bpf_fds PID: one line per BPF program PID holds: "prog_id N run_cnt N
# recursion_misses N prog_tag TAG" and, for a program attached by a link with
# a tracepoint, "tp_name NAME link_type TYPE" (raw_tracepoint: tp_btf; newer
# kernels show a classic tracepoint's too, as perf); from /proc/PID/fdinfo (run_cnt
# needs kernel.bpf_stats_enabled; recursion_misses is always counted).
bpf_fds() {
	awk '
	FNR == 1 { if (f) flush(); f = 1; id = ""; tp = ""; miss = ""; cnt = ""; tag = ""; link = "" }
	/^link_type:/ { link = $2 }
	/^prog_id:/ { id = $2 }
	/^prog_tag:/ { tag = $2 }
	/^tp_name:/ { tp = $2 }
	/^run_cnt:/ { cnt = $2 }
	/^recursion_misses:/ { miss = $2 }
	function flush() {
		if (id == "") return
		if (link != "" && tp != "") tps[id] = tp " link_type " link
		else if (link == "" && miss != "") line[id] = "prog_id " id " run_cnt " (cnt == "" ? "?" : cnt) " recursion_misses " miss " prog_tag " tag
	}
	END {
		if (f) flush()
		for (i in line) print line[i] (i in tps ? " tp_name " tps[i] : "")
	}' /proc/"$1"/fdinfo/* 2>/dev/null
}

# prog_names PROGS SYMS: PROGS (bpf_fds lines) with " name NAME" added where
# SYMS (the bpf_prog_TAG_NAME lines of /proc/kallsyms, bpf_jit_kallsyms on)
# has the program's tag. Two programs with the same tag (the same code) get
# no name.
prog_names() {
	awk -v syms="$2" '
	BEGIN {
		while ((getline l < syms) > 0) {
			n = split(l, w, " ")
			if (n < 3 || substr(w[3], 1, 9) != "bpf_prog_") continue
			t = substr(w[3], 10, 16)
			nm = substr(w[3], 27)
			if (nm == "") continue
			if ((t in names) && names[t] != nm) names[t] = ""
			else names[t] = nm
		}
	}
	{
		name = ""
		for (i = 1; i < NF; i += 2) if ($i == "prog_tag" && ($(i + 1) in names)) name = names[$(i + 1)]
		print $0 (name != "" ? " name " name : "")
	}' "$1"
}

# run_accounting RUN: the accounting programs, which report, run, top and
# snapshot load (trace.bpf.c's counters and closers table, sockets.bpf.c's
# iterators). `portwarden report` starts first, so its hooks see the workloads
# from their first socket: in one fresh netns narrowed to 20 ports, a holder
# (cgroup /pw-acct/holder; /pw-acct-safe/holder in RUN accounting-safe) keeps
# 20 connections to its own listener and fails 3 more times (a report lists
# processes only as suspects or victims), and a churner (/pw-acct/churn) makes
# 10 connections and closes its end first, so 10 TIME_WAIT sockets remain for
# the report to charge to it (tcp_tw_reuse off: no new connection may recycle
# one). Then one `portwarden snapshot`, and the workloads are stopped.
run_accounting() {
	local run=$1 dir=/tmp/$1 cg=/sys/fs/cgroup/pw-acct${1#accounting} report ns pid
	mkdir -p "$dir" "$cg/holder" "$cg/churn"
	log "$run: starting the report${PORTWARDEN_BPF:+ (PORTWARDEN_BPF=$PORTWARDEN_BPF)}"
	/bin/portwarden report --duration 4 --interval 1 --json --output "$dir/report.json" -v \
		</dev/null >"$dir/report.out" 2>"$dir/report.err" &
	report=$!
	if wait_for_line "$dir/report.err" Watching "$report" 60; then
		echo "started yes" >"$dir/report"
	else
		echo "started no" >"$dir/report"
	fi
	# While the report runs: the run counts of its programs (a run skipped
	# because the program was already running on that CPU counts in
	# recursion_misses), taken from its fds every 0.3 s; the last sample stays.
	(
		while kill -0 "$report" 2>/dev/null; do
			bpf_fds "$report" >"$dir/progs.new" 2>/dev/null && [ -s "$dir/progs.new" ] &&
				mv "$dir/progs.new" "$dir/progs"
			sleep 0.3
		done
	) &
	# Even without a report: the snapshot needs them too.
	log "$run: workloads"
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	unshare -n sh -c '
		ip link set lo up || exit 125
		echo "40000 40019" >/proc/sys/net/ipv4/ip_local_port_range || exit 125
		echo 0 >/proc/sys/net/ipv4/tcp_tw_reuse || exit 125
		readlink /proc/self/ns/net >"$2/holder.netns"
		sh -c "echo \$\$ >$1/churn/cgroup.procs && exec /bin/portleak tcp-churn --listen --port 5002 --count 10 --hold 60 --comm pl-churn" \
			>"$2/churn.json" 2>"$2/churn.err" &
		echo $! >"$2/churn.pid"
		sh -c "echo \$\$ >$1/holder/cgroup.procs && exec /bin/portleak tcp-connect --listen --fail-extra 2 --hold 60 --comm pl-acct" \
			>"$2/holder.json" 2>"$2/holder.err" &
		echo $! >"$2/holder.pid"
		wait' sh "$cg" "$dir" </dev/null >"$dir/workloads.err" 2>&1 &
	ns=$!
	# Each prints its line once its tries are done, and holds its sockets.
	wait_for_line "$dir/holder.json" '"pid"' "$ns" 30 || log "$run: the holder printed nothing"
	wait_for_line "$dir/churn.json" '"pid"' "$ns" 30 || log "$run: the churner printed nothing"
	# The programs' names while they are loaded; read now, once the
	# workloads' state changes are done, so as not to disturb them.
	grep ' bpf_prog_' /proc/kallsyms >"$dir/bpfsyms" 2>/dev/null
	if kill -0 "$report" 2>/dev/null && ! wait_exit "$report" 30; then
		echo "status still-running-30s-after-its-duration" >>"$dir/report"
		kill -KILL "$report"
	else
		wait "$report"
		echo "status $?" >>"$dir/report"
	fi
	log "$run: snapshot"
	timeout 60 /bin/portwarden snapshot --json -v </dev/null >"$dir/snapshot.json" 2>"$dir/snapshot.err"
	echo "status $?" >"$dir/snapshot"
	# the same with every socket iterator refused: /proc/PID/fd and sock_diag
	# stand in (PORTWARDEN_TEST_REFUSE plays a kernel that refuses them)
	log "$run: snapshot, iterators refused"
	PORTWARDEN_TEST_REFUSE=iter/task_file,iter/tcp,iter/udp timeout 60 /bin/portwarden snapshot \
		--json -v </dev/null >"$dir/snapshot-fallback.json" 2>"$dir/snapshot-fallback.err"
	echo "status $?" >"$dir/snapshot-fallback"
	for pid in "$(cat "$dir/holder.pid" 2>/dev/null)" "$(cat "$dir/churn.pid" 2>/dev/null)"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	wait_exit "$ns" 10 || kill -KILL "$ns"
	filter_log "$dir/report.err" >"$dir/report.err.short"
	filter_log "$dir/snapshot.err" >"$dir/snapshot.err.short"
	filter_log "$dir/snapshot-fallback.err" >"$dir/snapshot-fallback.err.short"
	section "$run/report" "$dir/report"
	section "$run/report.err" "$dir/report.err.short"
	section "$run/report.json" "$dir/report.json"
	section "$run/report.out" "$dir/report.out"
	section "$run/snapshot" "$dir/snapshot"
	section "$run/snapshot.err" "$dir/snapshot.err.short"
	section "$run/snapshot.json" "$dir/snapshot.json"
	section "$run/snapshot-fallback" "$dir/snapshot-fallback"
	section "$run/snapshot-fallback.err" "$dir/snapshot-fallback.err.short"
	section "$run/snapshot-fallback.json" "$dir/snapshot-fallback.json"
	for w in holder churn; do
		section "$run/$w.json" "$dir/$w.json"
		section "$run/$w.err" "$dir/$w.err"
	done
	prog_names "$dir/progs" "$dir/bpfsyms" >"$dir/progs.named" 2>/dev/null
	section "$run/progs" "$dir/progs.named"
	section "$run/bpfsyms" "$dir/bpfsyms"
	section "$run/holder.netns" "$dir/holder.netns"
	section "$run/workloads.err" "$dir/workloads.err"
}

# ---- guard: `portwarden run --enforce` against several leakers at once ------

GUARD_DIR=/tmp/guard
GUARD_CG=/sys/fs/cgroup/pw-guard
# The pool (ip_local_port_range, TCP and UDP alike), the holder's connections
# and the leakers' rates (ports/s), low for TCG; see run_guard.
GUARD_RANGE="40000 40999"
GUARD_HOLD=100
GUARD_RATE_TCP=12
GUARD_RATE_UDP=20
GUARD_RATE_BIND0=10
# How long the leakers may run before the guard must have stopped them:
# unstopped, they would have filled their pools by then.
GUARD_LIMIT=60

# guard_config: the daemon's configuration for the guard run. The detection
# settings ([daemon], and the classifier's thresholds) are the defaults; only
# the ladder is shortened so that a guest run ends in about a minute, as
# tests/fixtures/run.conf does on the host.
guard_config() {
	cat <<'CONF'
[policy]
# Passed before a leak is named (at 40-50% of the pool) and still passed
# after the quarantine, as the quarantined leakers keep their ports: a
# forecast alone fades once the quarantine stops the growth, and a leaker
# that no longer presses on its pool is left quarantined, not signalled.
fill_threshold = 20%
quarantine_time = 3s
grace = 3s
[breakers]
# The leakers start at once on purpose: the defaults (30 s, 3 a minute)
# would space their ladders out over minutes.
cooldown = 0s
max_actions_per_minute = 30
CONF
}

# guard_start KEY PROGRAM ARGS...: PROGRAM in cgroup /pw-guard/KEY and in the
# guard's netns (that of $GUARD_DIR/ns.pid), in the background; its pid in
# KEY.pid (nsenter and sh exec it), its output in KEY.out and KEY.err.
guard_start() {
	local key=$1
	shift
	mkdir -p "$GUARD_CG/$key"
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	nsenter -t "$(cat "$GUARD_DIR/ns.pid")" -n sh -c '
		echo $$ >"$1/cgroup.procs" || exit 125
		shift
		exec "$@"' sh "$GUARD_CG/$key" "$@" </dev/null >"$GUARD_DIR/$key.out" 2>"$GUARD_DIR/$key.err" &
	echo $! >"$GUARD_DIR/$key.pid"
}

# guard_alive KEY: a process of cgroup KEY still runs (an exited one, even
# unreaped, has left cgroup.procs).
guard_alive() {
	[ -n "$(cat "$GUARD_CG/$1/cgroup.procs" 2>/dev/null)" ]
}

# guard_netns: a netns kept by a sleeping process, lo up, its port range
# narrowed to GUARD_RANGE (for TCP and UDP alike).
guard_netns() {
	local ns n=50
	unshare -n sleep 600 </dev/null >/dev/null 2>&1 &
	ns=$!
	echo "$ns" >"$GUARD_DIR/ns.pid"
	# Until unshare has made it: nsenter would enter init's netns before.
	while [ "$(readlink "/proc/$ns/ns/net")" = "$(readlink /proc/self/ns/net)" ] && [ "$n" -gt 0 ]; do
		n=$((n - 1))
		sleep 0.1
	done
	# shellcheck disable=SC2016 # $1 belongs to the inner sh
	nsenter -t "$ns" -n sh -c '
		ip link set lo up &&
		echo "$1" >/proc/sys/net/ipv4/ip_local_port_range' sh "$GUARD_RANGE" ||
		log "guard: netns setup failed"
	readlink "/proc/$ns/ns/net" >"$GUARD_DIR/netns"
}

# guard_next_second: returns right after the wall clock's second changes, so
# that leak_start (date +%s: busybox has no %N) is the leakers' start to a
# tenth of a second, as the audit log's times are compared with it.
guard_next_second() {
	local s n=30
	s=$(date +%s)
	while [ "$(date +%s)" = "$s" ] && [ "$n" -gt 0 ]; do
		n=$((n - 1))
		sleep 0.05
	done
}

# guard_wait_leakers: until every leaker is gone or GUARD_LIMIT s have passed
# since their start (GUARD_T0, uptime); writes "KEY gone SECONDS" (since
# then, to a tenth) or "KEY alive" to state, then each one's exit status to
# KEY.err as "exit N" (143: SIGTERM, 137: SIGKILL; only the guard signals
# them before this returns).
guard_wait_leakers() {
	local now key left gone=' '
	while :; do
		now=$(awk -v t0="$GUARD_T0" '{ printf "%.1f", $1 - t0 }' /proc/uptime)
		left=0
		for key in tcp udp bind0; do
			case $gone in *" $key "*) continue ;; esac
			if guard_alive "$key"; then
				left=$((left + 1))
			else
				gone="$gone$key "
				echo "$key gone $now" >>"$GUARD_DIR/state"
			fi
		done
		if [ "$left" -eq 0 ] || [ "${now%.*}" -ge "$GUARD_LIMIT" ]; then
			break
		fi
		sleep 0.5
	done
	for key in tcp udp bind0; do
		case $gone in
		*" $key "*)
			wait "$(cat "$GUARD_DIR/$key.pid")"
			echo "exit $?" >>"$GUARD_DIR/$key.err"
			;;
		*) echo "$key alive" >>"$GUARD_DIR/state" ;;
		esac
	done
}

# guard_stop: the guard with SIGTERM (its status to run), then every
# workload and the netns.
guard_stop() {
	local guard=$1
	kill -TERM "$guard" 2>/dev/null
	if wait_exit "$guard" 20; then
		wait "$guard"
		echo "status $?" >>"$GUARD_DIR/run"
	else
		echo "status still-running-20s-after-SIGTERM" >>"$GUARD_DIR/run"
		kill -KILL "$guard"
	fi
	echo 1 >"$GUARD_CG/cgroup.kill"
	kill -KILL "$(cat "$GUARD_DIR/ns.pid")" 2>/dev/null
}

# run_guard: `portwarden run --enforce` judging /pw-guard in one netns of 1000
# ports (GUARD_RANGE), where a server (/pw-guard/srv) and a steady holder of
# 100 connections to it (/pw-guard/steady, which never grows) run first; once
# the guard has started and sampled them, three leakers start together, each
# in its own cgroup: TCP connections to the server (tcp, 12/s), a UDP socket
# per message (udp, 20/s) and bind(0) (bind0, 10/s). tcp and bind0 share the
# 900 TCP ports the holder leaves (about 40 s to take them all), udp has the
# 1000 UDP ports alone (50 s). The guard must stop all three before any sees
# a failed allocation, and leave the holder and the server alone. Writes
# guard/state: "plan ...", "leak_start EPOCH", "KEY pid N", "KEY gone
# SECONDS" or "KEY alive" (SECONDS after the leakers' start), "srv|steady
# alive|gone" once the leakers are done; guard/run (started, status), the
# guard's filtered -v log, its audit log and config, the netns, and each
# workload's output (the leakers' lines, see guardleak.c; their exit status
# in KEY.err).
run_guard() {
	local guard key
	log "guard: setup"
	mkdir -p "$GUARD_DIR" "$GUARD_CG"
	echo "plan range ${GUARD_RANGE% *}-${GUARD_RANGE#* } holder $GUARD_HOLD" \
		"rate tcp $GUARD_RATE_TCP udp $GUARD_RATE_UDP bind0 $GUARD_RATE_BIND0 limit $GUARD_LIMIT" >"$GUARD_DIR/state"
	guard_netns
	guard_start srv /bin/portleak listen --port 5001 --hold 3600 --comm pl-srv
	wait_for_line "$GUARD_DIR/srv.out" '"pid"' "$(cat "$GUARD_DIR/srv.pid")" 20 ||
		log "guard: the server printed nothing"
	guard_start steady /bin/portleak tcp-connect --port 5001 --count "$GUARD_HOLD" --hold 3600 --comm pl-steady
	wait_for_line "$GUARD_DIR/steady.out" '"pid"' "$(cat "$GUARD_DIR/steady.pid")" 30 ||
		log "guard: the holder printed nothing"
	guard_config >"$GUARD_DIR/run.conf"
	log "guard: starting the guard"
	/bin/portwarden run --no-socket --enforce --config "$GUARD_DIR/run.conf" --log "$GUARD_DIR/run.jsonl" \
		--cgroup /pw-guard -v </dev/null >/dev/null 2>"$GUARD_DIR/run.err" &
	guard=$!
	if wait_for_line "$GUARD_DIR/run.jsonl" '"event":"start"' "$guard" 60; then
		echo "started yes" >"$GUARD_DIR/run"
		sleep 2 # its first samples see the holder flat
		guard_next_second
		GUARD_T0=$(cut -d' ' -f1 /proc/uptime)
		echo "leak_start $(date +%s)" >>"$GUARD_DIR/state"
		log "guard: leakers"
		guard_start tcp /bin/guardleak tcp --port 5001 --rate "$GUARD_RATE_TCP" --comm leak-tcp
		guard_start udp /bin/guardleak udp --port 5005 --rate "$GUARD_RATE_UDP" --comm leak-udp
		guard_start bind0 /bin/guardleak bind0 --rate "$GUARD_RATE_BIND0" --comm leak-bind0
		# Until each is in its cgroup (else it would count as gone).
		for key in tcp udp bind0; do
			wait_for_line "$GUARD_DIR/$key.out" '^start ' "$(cat "$GUARD_DIR/$key.pid")" 10 ||
				log "guard: leaker $key did not start"
			echo "$key pid $(cat "$GUARD_DIR/$key.pid")" >>"$GUARD_DIR/state"
		done
		guard_wait_leakers
		log "guard: leakers done"
		# Two samples after a signal, the guard logs what became of the target.
		sleep 3
	else
		echo "started no" >"$GUARD_DIR/run"
	fi
	for key in srv steady; do
		if guard_alive "$key"; then
			echo "$key alive" >>"$GUARD_DIR/state"
		else
			echo "$key gone" >>"$GUARD_DIR/state"
		fi
	done
	guard_stop "$guard"
	filter_log "$GUARD_DIR/run.err" >"$GUARD_DIR/run.err.short"
	for key in run run.err.short run.jsonl run.conf state netns; do
		section "guard/${key%.short}" "$GUARD_DIR/$key"
	done
	for key in srv steady tcp udp bind0; do
		section "guard/$key.out" "$GUARD_DIR/$key.out"
		section "guard/$key.err" "$GUARD_DIR/$key.err"
	done
	log "guard: done"
}

# run_budget: the port budget hooks (bpf/budget.bpf.c). `portwarden probe`
# says whether they load; then `portwarden run --enforce` with ports_max = 6
# for /pw-budget/leak, where a TCP leaker with its own listener (1 port)
# connects in a netns of 10 ports: refused (EADDRNOTAVAIL) after 5
# connections where the hooks refuse, else at the pool's end.
run_budget() {
	local dir=/tmp/budget cg=/sys/fs/cgroup/pw-budget guard key
	log "budget"
	mkdir -p "$dir" "$cg/leak" # before the guard: a cgroup gets its budget at a step
	/bin/portwarden probe >"$dir/probe" 2>&1
	printf '[daemon]\ninterval = 250ms\nwindow = 2s\n[cgroup "/pw-budget/leak"]\nports_max = 6\n' \
		>"$dir/run.conf"
	/bin/portwarden run --no-socket --enforce --config "$dir/run.conf" --log "$dir/run.jsonl" \
		--cgroup /pw-budget -v </dev/null >/dev/null 2>"$dir/run.err" &
	guard=$!
	if wait_for_line "$dir/run.jsonl" '"event":"start"' "$guard" 60; then
		# the hooks are loaded at the first step, which is slow under TCG
		wait_for_line "$dir/run.jsonl" '"action":"set"' "$guard" 60 ||
			log "budget: no budget set"
		run_workload "$dir" "$cg" leak tcp-connect --listen --fail-extra 2
		sleep 1 # a step logs the refusals
	fi
	kill -TERM "$guard" 2>/dev/null
	wait_exit "$guard" 20 || kill -KILL "$guard"
	filter_log "$dir/run.err" >"$dir/run.err.short"
	for key in probe leak.json run.err.short run.jsonl; do
		section "budget/$key" "$dir/$key"
	done
	log "budget: done"
}

# ---- churn-bench: what `portwarden run` costs a connect/accept/close loop -----

# Asked for only (pw_modes=churn-bench; tests/bench/run.sh vm-churn): the
# normal plan does not run it. Parameters from the kernel command line:
# pw_churn_rounds=N (default 5), pw_churn_secs=S (each churn run, default 3),
# pw_churn_mode=MODE (run's --mode; default none: run's own default, auto).
CHURN_DIR=/tmp/churn-bench

# churn_once: one tests/bench/churn run in the bench's netns; its line.
churn_once() {
	nsenter -t "$(cat "$CHURN_DIR/ns.pid")" -n /bin/churn --duration "$CHURN_SECS" 2>>"$CHURN_DIR/churn.err" ||
		echo "failed status $?"
}

# churn_with_run ROUND: `portwarden run` (a dry run, as the host's churn
# benchmark starts it; --no-socket: the guest's portwarden has no metrics
# server) started fresh, one churn run once it has logged its start, then
# SIGINT; the churn line with the run's start time (seconds) and exit status.
churn_with_run() {
	local r=$1 pid t0 t1 line status
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086 # CHURN_MODE_ARGS is a list of words
	/bin/portwarden run --no-socket $CHURN_MODE_ARGS --log "$CHURN_DIR/run.$r.jsonl" \
		</dev/null >/dev/null 2>"$CHURN_DIR/run.$r.err" &
	pid=$!
	if ! wait_for_line "$CHURN_DIR/run.$r.jsonl" '"event":"start"' "$pid" 120; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		echo "failed no-start-record status $?"
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	sleep 0.5 # its first sample, as on the host (pb_tool_start)
	line=$(churn_once)
	kill -INT "$pid"
	if wait_exit "$pid" 30; then
		wait "$pid"
		status=$?
	else
		status=still-running
		kill -KILL "$pid"
	fi
	echo "$line start_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') run_status=$status"
}

# run_churn_bench: `portwarden probe` (what this kernel loads), then in a
# fresh netns with net.ipv4.tcp_max_tw_buckets = 0 (as on the host: no
# TIME_WAIT kept, the loop never runs out of ports) the rounds B R B R ... B:
# base.0, then per round run.R (with `portwarden run`) and base.R. Writes
# churn-bench/rounds (those lines, churn's own output), churn-bench/info
# (parameters, CPUs), churn-bench/probe and churn-bench/run.err (each run's
# log, its first lines).
run_churn_bench() {
	local arg r
	CHURN_ROUNDS=5 CHURN_SECS=3 CHURN_MODE_ARGS=
	# shellcheck disable=SC2013 # the command line is one line of words
	for arg in $(cat /proc/cmdline); do
		case $arg in
		pw_churn_rounds=*) CHURN_ROUNDS=${arg#*=} ;;
		pw_churn_secs=*) CHURN_SECS=${arg#*=} ;;
		pw_churn_mode=*) CHURN_MODE_ARGS="--mode ${arg#*=}" ;;
		esac
	done
	mkdir -p "$CHURN_DIR"
	# Off, as on a host by default: with it on, every program run also reads
	# the clock twice, which under TCG costs more than the program.
	echo 0 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	echo "rounds $CHURN_ROUNDS secs $CHURN_SECS run_args --no-socket $CHURN_MODE_ARGS cpus $(nproc)" \
		"bpf_stats_enabled $(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" >"$CHURN_DIR/info"
	log "churn-bench: probe"
	timeout 120 /bin/portwarden probe >"$CHURN_DIR/probe" 2>&1
	unshare -n sleep 3600 </dev/null >/dev/null 2>&1 &
	echo $! >"$CHURN_DIR/ns.pid"
	r=50
	while [ "$(readlink "/proc/$(cat "$CHURN_DIR/ns.pid")/ns/net")" = "$(readlink /proc/self/ns/net)" ] && [ "$r" -gt 0 ]; do
		r=$((r - 1))
		sleep 0.1
	done
	nsenter -t "$(cat "$CHURN_DIR/ns.pid")" -n sh -c '
		ip link set lo up && echo 0 >/proc/sys/net/ipv4/tcp_max_tw_buckets' ||
		log "churn-bench: netns setup failed"
	log "churn-bench: $CHURN_ROUNDS rounds of $CHURN_SECS s"
	echo "base.0 $(churn_once)" >"$CHURN_DIR/rounds"
	r=1
	while [ "$r" -le "$CHURN_ROUNDS" ]; do
		echo "run.$r $(churn_with_run "$r")" >>"$CHURN_DIR/rounds"
		echo "base.$r $(churn_once)" >>"$CHURN_DIR/rounds"
		log "churn-bench: round $r done"
		r=$((r + 1))
	done
	kill -KILL "$(cat "$CHURN_DIR/ns.pid")" 2>/dev/null
	for r in "$CHURN_DIR"/run.*.err; do
		[ -r "$r" ] && { echo "== ${r##*/}"; head -n 20 "$r"; }
	done >"$CHURN_DIR/run.err" 2>/dev/null
	cat "$CHURN_DIR/churn.err" >>"$CHURN_DIR/run.err" 2>/dev/null
	for r in info probe rounds run.err; do
		section "churn-bench/$r" "$CHURN_DIR/$r"
	done
	log "churn-bench: done"
}

{
	echo "kernel $(uname -r)"
	echo "btf $([ -r /sys/kernel/btf/vmlinux ] && echo yes || echo no)"
	echo "cmdline $(cat /proc/cmdline)"
	echo "bpf_jit enable $(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null) harden $(cat /proc/sys/net/core/bpf_jit_harden 2>/dev/null) kallsyms $(cat /proc/sys/net/core/bpf_jit_kallsyms 2>/dev/null)"
} >/tmp/info
section info /tmp/info

# Each failing workload gets its 10 ports, then fails 1 + 2 times.
modes=state,syscall,auto,state-all,accounting,accounting-safe,guard,budget
# shellcheck disable=SC2013 # the command line is one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in pw_modes=*) modes=${arg#pw_modes=} ;; esac
done
for mode in $(echo "$modes" | tr , ' '); do
	case $mode in
	state)
		run_mode state "--failed --mode state" \
			"tcp-connect:tcp-connect --listen --fail-extra 2" "listen0:listen0 --fail-extra 2"
		;;
	syscall)
		run_mode syscall "--failed --mode syscall" \
			"tcp-connect:tcp-connect --listen --fail-extra 2" "listen0:listen0 --fail-extra 2" \
			"bind0:bind0 --fail-extra 2" "udp-sendto:udp-sendto --fail-extra 2"
		;;
	auto)
		# auto picks fexit where the kernel allows it: bind(0) and UDP
		# autobind failures without syscall tracepoints.
		run_mode auto "--failed --mode auto" \
			"tcp-connect:tcp-connect --listen --fail-extra 2" "listen0:listen0 --fail-extra 2" \
			"bind0:bind0 --fail-extra 2" "udp-sendto:udp-sendto --fail-extra 2" \
			"udp-connect:udp-connect --fail-extra 2"
		;;
	state-all)
		# Without --failed the loader also tries the cgroup bind hooks.
		run_mode state-all "--mode state" "tcp-ok:tcp-ok" "bind-ok:bind0 --count 2"
		;;
	accounting) run_accounting accounting ;;
	accounting-safe)
		# The same with every program that has a safe (probe-read) form
		# in it; a subshell keeps the variable to this run.
		(
			PORTWARDEN_BPF=safe
			export PORTWARDEN_BPF
			run_accounting accounting-safe
		)
		;;
	guard) run_guard ;;
	budget) run_budget ;;
	churn-bench) run_churn_bench ;;
	esac
done

log "fexit probe"
/bin/fexit_probe /bin/fexit_probe.bpf.o >/tmp/fexit 2>/tmp/fexit.err
echo "status $?" >>/tmp/fexit
filter_log /tmp/fexit.err >>/tmp/fexit
section fexit /tmp/fexit

log "done"
finish
