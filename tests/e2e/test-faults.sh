#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Real faults under trace and run: each time portwarden keeps going and says
# what was lost. The rings and the activity map are shrunk with the test-only
# PORTWARDEN_TEST_RING_BYTES and PORTWARDEN_TEST_ACTIVITY_MAX (the loader's
# test_size()), so that real bursts overflow them:
#   faults/trace-ring    trace --json with a 4 KiB ring, stopped (SIGSTOP)
#                        through a burst of 1000 connects: it says "lost N
#                        events" on stderr and in a {"type":"lost"} line,
#                        and still shows a connect made after it resumed
#   faults/run-ring      run with a 4 KiB ring, stopped through 600 failed
#                        connects: it says "lost N failure events", and runs on
#   faults/activity-full run with an 8-entry activity map while 16 processes
#                        take ports: it says "activity map full", and runs on
#   faults/activity-full-once  16 more evict again steps later: not said
#                        again (at most every 10 minutes)
#   faults/emfile        run's open-files limit lowered to 20 (prlimit, soft
#                        limit) while it runs: it says "failed to sample: Too
#                        many open files" once, and when the limit is raised
#                        again "sampling works again: N samples lost"
#   faults/enomem        run with tests/shims/failmalloc.so preloaded: every
#                        malloc fails (ENOMEM) for 4 s while 20 processes
#                        hold ports: said once, then "sampling works again:
#                        N samples lost", and it still runs
#   faults/exit-before-action
#                        run --enforce held between decision and action by
#                        the test-only PORTWARDEN_TEST_ACT_DELAY_MS: the hog
#                        it chose is SIGKILLed in between and its pid given
#                        to a new process (ns_last_pid; skipped when the host
#                        takes it first): the action is refused, and the new
#                        process is not quarantined (its connect succeeds)
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden prlimit
PORT=5001
BASE=$(pw_cgroup_base)
NS=$(pw_make_netns 40000 40999)
SRV=$(pw_make_cgroup srv)
pw_run_in "$SRV" "$NS" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
sleep 1

# burst KEY ARGS...: portleak tcp-connect ARGS in cgroup KEY and the netns,
# until it has written its line (its sockets are then released at exit).
burst() {
	local key=$1
	shift
	pw_start_portleak "$key" "$(pw_make_cgroup "$key")" "$NS" tcp-connect --port "$PORT" "$@"
	pw_wait_portleak "$key" "faults/$key" exited || true
}

# run_start NAME ENV...: run (dry run) over BASE with ENV set; PW_DAEMON.
run_start() {
	local name=$1
	shift
	env "$@" "$PW_PORTWARDEN" run --no-socket --no-incidents --cgroup "$BASE" --log "$PW_TMP/$name.jsonl" \
		</dev/null >/dev/null 2>"$PW_TMP/$name.err" &
	PW_DAEMON=$!
	pw_track_pid "$PW_DAEMON"
	pw_wait_ready "$PW_DAEMON" "$PW_TMP/$name.jsonl" '"event":"start"' 30
}

run_stop() {
	kill -s TERM "$PW_DAEMON"
	pw_wait_exit "$PW_DAEMON" 15 || pw_stop "$PW_DAEMON" KILL 1
}

# ---- trace: ring overflow ------------------------------------------------------
OUT=$PW_TMP/trace.json
# --cgroup: the host's own traffic would fill so small a ring too
if PORTWARDEN_TEST_RING_BYTES=4096 pw_start_tracer faults/trace-ring "$OUT" --json --cgroup "$BASE"; then
	kill -s STOP "$PW_TRACER"
	burst trace-burst --count 1000 --rate 5000 --hold 0
	kill -s CONT "$PW_TRACER"
	sleep 2
	burst trace-after --count 5 --rate 5 --hold 0 --comm pl-after
	sleep 3
	problems=$(
		pw_pid_alive "$PW_TRACER" || echo "trace exited: $(tail -c 200 "$OUT.err")"
		grep -q 'lost [0-9]* events (ring buffer full)' "$OUT.err" ||
			echo "no 'lost N events' on stderr: $(grep -v '^libbpf' "$OUT.err" | tail -c 200)"
		jq -e -s 'any(.[]; .type == "lost" and .count > 0)' "$OUT" >/dev/null ||
			echo "no {\"type\":\"lost\"} line"
		jq -e -s 'any(.[]; .comm == "pl-after")' "$OUT" >/dev/null ||
			echo "no event of the connect made after it resumed"
	)
	echo "# $(grep -o 'lost [0-9]* events[^,]*, [0-9]* in total' "$OUT.err" | tail -n 1)"
	pw_report faults/trace-ring "$problems"
	pw_stop_tracer faults/trace-ring || true
fi

# ---- run: ring overflow ----------------------------------------------------------
# failures only reach run's ring: connects in a netns of 1 port, 600 failing
# with EADDRNOTAVAIL once the first holds it
FAILNS=$(pw_make_netns 40000 40000)
pw_run_in "$SRV" "$FAILNS" "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
sleep 1
if run_start run-ring PORTWARDEN_TEST_RING_BYTES=4096; then
	kill -s STOP "$PW_DAEMON"
	pw_start_portleak fail "$(pw_make_cgroup fail)" "$FAILNS" tcp-connect --port "$PORT" \
		--fail-extra 600 --hold 0 --comm pl-fail
	pw_wait_portleak fail faults/run-ring exited || true
	kill -s CONT "$PW_DAEMON"
	sleep 3
	problems=$(
		pw_pid_alive "$PW_DAEMON" || echo "run exited: $(tail -c 200 "$PW_TMP/run-ring.err")"
		grep -q 'lost [0-9]* failure events (ring buffer full)' "$PW_TMP/run-ring.err" ||
			echo "no 'lost N failure events': $(tail -c 200 "$PW_TMP/run-ring.err")"
	)
	echo "# $(grep -o 'lost [0-9]* failure events.*' "$PW_TMP/run-ring.err" | tail -n 1)"
	echo "# $(jq -r '"portleak: ok \(.ok), failed \(.failed // "?"), \(.errname // "")"' "$PW_TMP/fail.json" 2>/dev/null)"
	pw_report faults/run-ring "$problems"
	run_stop
else
	pw_fail faults/run-ring "run did not start: $(tail -c 200 "$PW_TMP/run-ring.err")"
fi

# ---- run: activity map full ------------------------------------------------------
if run_start activity PORTWARDEN_TEST_ACTIVITY_MAX=8; then
	for i in $(seq 16); do
		pw_start_portleak "act$i" "$(pw_make_cgroup act)" "$NS" tcp-connect --port "$PORT" \
			--count 5 --hold 30 --comm "pl-act$i"
	done
	sleep 4
	problems=$(
		pw_pid_alive "$PW_DAEMON" || echo "run exited: $(tail -c 200 "$PW_TMP/activity.err")"
		grep -q 'activity map full (8 processes): [0-9]* evicted' "$PW_TMP/activity.err" ||
			echo "no 'activity map full': $(tail -c 200 "$PW_TMP/activity.err")"
	)
	pw_report faults/activity-full "$problems"
	# a second wave evicts again, steps later: said once in 10 minutes, not each step
	for i in $(seq 17 32); do
		pw_start_portleak "act$i" "$(pw_make_cgroup act)" "$NS" tcp-connect --port "$PORT" \
			--count 5 --hold 30 --comm "pl-act$i"
	done
	sleep 4
	n=$(grep -c 'activity map full' "$PW_TMP/activity.err")
	pw_report faults/activity-full-once \
		"$([ "$n" = 1 ] || echo "said $n times in 8 s: $(grep 'activity map full' "$PW_TMP/activity.err" | tail -c 300)")"
	run_stop
	for i in $(seq 32); do pw_stop "$(cat "$PW_TMP/act$i.pid")"; done
else
	pw_fail faults/activity-full "run did not start: $(tail -c 200 "$PW_TMP/activity.err")"
fi

# check_recovered NAME ERROR: run (its stderr in NAME.err) is alive, said
# "failed to sample: ERROR" once, and then that sampling works again.
check_recovered() {
	local err=$PW_TMP/$1.err problems n
	problems=$(
		pw_pid_alive "$PW_DAEMON" || echo "run exited: $(tail -c 200 "$err")"
		n=$(grep -c "failed to sample: $2" "$err" || true)
		[ "$n" = 1 ] || echo "'failed to sample: $2' said $n times, want once"
		grep -q 'sampling works again: [1-9][0-9]* samples lost' "$err" ||
			echo "no 'sampling works again: N samples lost': $(tail -c 200 "$err")"
	)
	grep -o 'sampling works again:.*' "$err" | sed 's/^/# /' || true
	pw_report "faults/$1" "$problems"
}

# ---- run: EMFILE -----------------------------------------------------------------
if run_start emfile; then
	hard=$(prlimit --pid "$PW_DAEMON" --nofile -o HARD --noheadings | tr -d ' ')
	soft=$(prlimit --pid "$PW_DAEMON" --nofile -o SOFT --noheadings | tr -d ' ')
	# the soft limit only: raising a hard one again needs CAP_SYS_RESOURCE
	prlimit --pid "$PW_DAEMON" --nofile="20:$hard"
	sleep 4
	prlimit --pid "$PW_DAEMON" --nofile="$soft:$hard"
	sleep 3
	check_recovered emfile 'Too many open files'
	run_stop
else
	pw_fail faults/emfile "run did not start: $(tail -c 200 "$PW_TMP/emfile.err")"
fi

# ---- run: ENOMEM -------------------------------------------------------------------
# An LD_PRELOAD shim, not a memory cgroup: a memcg limit OOM-kills rather
# than failing malloc, and the point is the error paths.
SHIM=$PW_OUTPUT/tests/shims/failmalloc.so
FLAG=$PW_TMP/failmalloc
if [ ! -e "$SHIM" ]; then
	pw_skip faults/enomem "no $SHIM (make workload-bins)"
elif run_start enomem LD_PRELOAD="$SHIM" PW_FAILMALLOC_FLAG="$FLAG"; then
	for i in $(seq 20); do
		pw_start_portleak "mem$i" "$(pw_make_cgroup mem)" "$NS" tcp-connect --port "$PORT" \
			--count 10 --hold 30 --comm "pl-mem$i"
	done
	sleep 3
	touch "$FLAG"
	sleep 4
	rm -f "$FLAG"
	sleep 3
	check_recovered enomem 'Cannot allocate memory'
	run_stop
	for i in $(seq 20); do pw_stop "$(cat "$PW_TMP/mem$i.pid")"; done
else
	pw_fail faults/enomem "run did not start: $(tail -c 200 "$PW_TMP/enomem.err")"
fi

# ---- run: the target exits between decision and action -----------------------------
cat >"$PW_TMP/hog.conf" <<CONF
[policy]
hog_time = 5s
quarantine_time = 3s
grace = 3s
CONF
HOGNS=$(pw_make_netns 40000 40099)
pw_run_in "$SRV" "$HOGNS" "$PW_PORTLEAK" accept-close --port "$PORT" --hold 3600 --comm pl-srv >/dev/null
sleep 1
PORTWARDEN_TEST_ACT_DELAY_MS=4000 "$PW_PORTWARDEN" run --no-socket --no-incidents --cgroup "$BASE" --enforce \
	--config "$PW_TMP/hog.conf" --log "$PW_TMP/exit.jsonl" </dev/null >/dev/null 2>"$PW_TMP/exit.err" &
PW_DAEMON=$!
pw_track_pid "$PW_DAEMON"
if pw_wait_ready "$PW_DAEMON" "$PW_TMP/exit.jsonl" '"event":"start"' 30; then
	pw_start_portleak hog "$(pw_make_cgroup hog)" "$HOGNS" tcp-connect --port "$PORT" --rate 2000 \
		--fail-extra 0 --hold 3600 --comm pl-hog
	pw_wait_portleak hog faults/exit-before-action || true
	hog=$(cat "$PW_TMP/hog.pid")
	pw_start_cmd victim "$SRV" "$HOGNS" "$PW_PORTLEAK" tcp-churn --port "$PORT" --rate 5 \
		--duration 40 --comm pl-victim
	reused=
	if pw_wait_for_file_line "$PW_TMP/exit.err" "test hook: acting on pid $hog " 40; then
		kill -s KILL "$hog"
		wait "$hog" 2>/dev/null || true # reaped: its pid is free
		pw_stop "$(cat "$PW_TMP/victim.pid")"
		newcg=$(pw_make_cgroup new)
		# the next pid the host hands out is the hog's (unless another fork
		# comes first): no fork of ours until pw_run_in's own
		echo $((hog - 1)) >/proc/sys/kernel/ns_last_pid
		# shellcheck disable=SC2016 # $0 and $1 belong to the inner sh
		pw_run_in -o "$PW_TMP/new.json" "$newcg" "$HOGNS" sh -c \
			'sleep 6; exec "$0" tcp-connect --port "$1" --count 1 --hold 0 --comm pl-new' \
			"$PW_PORTLEAK" "$PORT" >/dev/null
		[ "$PW_PID" != "$hog" ] || reused=1
		sleep 8
		problems=$(
			jq -r -s --argjson pid "$hog" '[.[] | select(.event == "action" and .pid == $pid)]
				| if length == 0 then "no action record for the hog"
				  else .[0] | if (.detail | startswith("refused: ")) then empty
				  else "\(.action) on the hog went ahead: \(.detail)" end end' "$PW_TMP/exit.jsonl"
			if [ -n "$reused" ]; then
				jq -e '.ok == 1' "$PW_TMP/new.json" >/dev/null 2>&1 ||
					echo "the new process under pid $hog could not connect: $(head -c 200 "$PW_TMP/new.json")"
			fi
		)
		jq -r -s --argjson pid "$hog" '.[] | select(.event == "action" and .pid == $pid)
			| "# \(.action) pid \(.pid): \(.detail)"' "$PW_TMP/exit.jsonl" | head -n 3
		if [ -z "$reused" ] && [ -z "$problems" ]; then
			pw_skip faults/exit-before-action "refused, but pid $hog went to another process first, not ours (busy host)"
		else
			pw_report faults/exit-before-action "$problems"
		fi
	else
		pw_fail faults/exit-before-action "the hog was never acted on: $(tail -c 300 "$PW_TMP/exit.err")"
	fi
	run_stop
else
	pw_fail faults/exit-before-action "run did not start: $(tail -c 200 "$PW_TMP/exit.err")"
fi
pw_done
