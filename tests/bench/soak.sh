#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The soak of issue 13 (`make soak`): `portwarden run --enforce` for
# SOAK_SECONDS (default 600) under about 50k port events/s of benign churn
# while leakers come and go across 100 cgroups. Checks, one line each:
#
#   soak/rss-flat          the daemon's VmRSS does not grow after the warm-up:
#                          the slope of its per-minute lowest samples (a
#                          sample taken during a step carries the step's
#                          passing allocations, up to a few MiB) at most
#                          SOAK_RSS_RATE KiB a minute. Before the warm-up
#                          ends, short-lived processes fill the activity
#                          map (SOAK_PREFILL), so that the daemon's copies
#                          of it are at their largest: a bounded table
#                          filling would read as a creep (BENCHMARKS.md 7b)
#   soak/fds-flat          no growth of its descriptors: once the last
#                          leaker is gone and forgotten (SOAK_SETTLE s), no
#                          more than before the first (in between, each
#                          process it signalled holds a pidfd for a while)
#   soak/daemon            it ran to the end and left with status 0 and a stop
#                          record on SIGTERM
#   soak/lost              failure events the ring dropped and runs the kernel
#                          skipped, as the daemon counted and said them
#   soak/leakers-stopped   every leaker started was ended by portwarden (a
#                          SIGTERM or SIGKILL action on it in the audit log),
#                          none outlived SOAK_LEAK_TIMEOUT for the harness to end
#   soak/benign-untouched  every churner and holder alive at the end, no
#                          action on any of them, and no socket() the churners
#                          made refused (their own exit counts)
#   soak/churn-clean       no churner operation failed or stalled over a second
#                          for any other reason (the workload's and the
#                          machine's health, shown with the netns's drop counters)
#   soak/budget-exact      every benign cgroup has a port budget (soak.conf);
#                          once the churn is stopped and the counts hold still,
#                          the kernel's held count of each equals the snapshot's
#                          as the daemon reads them (its -v lines), before any
#                          correction (a `correct` record or a differing line
#                          at rest is drift), and no benign cgroup was ever
#                          refused (no refuse or would_refuse record)
#
# The port events/s reached are measured twice: from portwarden's own
# in-kernel activity counters (map "activity" of the daemon, opens + closes +
# failures of our cgroups, read with bpftool every minute) and from the
# churners' own counts (6 port events a round). The figures and the machine's
# load go to SOAK_OUT/summary.md (default $OUTPUT/soak/<UTC time>), with the
# samples (samples.tsv), the leakers (leakers.tsv) and the daemon's log.
#
# Layout: a parent cgroup of ours with leak/c00..c99 (the leakers', each reused
# every few minutes) and benign/* (churners, holders, servers); a netns with
# net.ipv4.tcp_max_tw_buckets = 0 for the churn and holders (the closes leave
# no TIME_WAIT, so a pool never fills however long it runs), and one netns of
# 2000 ports per leaker slot (tcp, udp, bind0 fast; tcp slow, beside a steady
# benign holder in the same pool). The daemon judges only our parent cgroup
# (--cgroup). The budget churn (benign/b-*, for soak/budget-exact), in a netns
# of its own that keeps TIME_WAIT (ports 10000-60999): a churner at 25
# rounds/s, failed connects (to a closed port), forked connectors that exit,
# TCP sockets passed to a process of another cgroup, io_uring connects
# (tests/bench/soakloop.sh); their RSTs stay out of the churn netns's counters. Every process, cgroup and netns made here is removed on any
# exit, Ctrl-C included (tests/e2e/lib.sh's trap).
#
# Environment:
#   SOAK_SECONDS=N       length of the soak (default 600)
#   SOAK_RATE=N          port events/s the churners are paced at together (50000)
#   SOAK_CHURNERS=N      churner processes, each in its own cgroup (4)
#   SOAK_WARMUP=N        seconds before the RSS and fd baselines (60; a quarter
#                        of shorter runs)
#   SOAK_PREFILL=N       short-lived processes that each take a port once before
#                        the soak starts (17000: the activity map holds 16384
#                        (cgroup, process) entries; 0: none)
#   SOAK_RSS_RATE=N      soak/rss-flat's limit, KiB a minute (60)
#   SOAK_LEAK_BYTES=N    the rss check's own test: the daemon leaks N bytes every
#                        sample (tests/shims/mallinfo.c), so soak/rss-flat must fail
#   SOAK_SAMPLE=N        seconds between samples of the daemon (5)
#   SOAK_LEAK_TIMEOUT=N  seconds a leaker may live before the harness ends it (90)
#   SOAK_SETTLE=N        seconds after the last leaker before the fds are counted (30)
#   SOAK_OUT=DIR         where the figures go
#   SOAK_CORRUPT=1       the check's own test: add 7 to one benign cgroup's
#                        count in the kernel (bpftool) once the counts are at
#                        rest, so that soak/budget-exact must fail
#   PORTWARDEN=BIN       the binary (copied first)
set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
PW_TEST=soak

SECS=${SOAK_SECONDS:-600}
RATE=${SOAK_RATE:-50000}
CHURNERS=${SOAK_CHURNERS:-4}
SAMPLE=${SOAK_SAMPLE:-5}
WARMUP=${SOAK_WARMUP:-$((SECS >= 240 ? 60 : SECS / 4))}
LEAK_TIMEOUT=${SOAK_LEAK_TIMEOUT:-90}
SETTLE=${SOAK_SETTLE:-30} # > 2 windows of soak.conf (10 s) and a sample
PREFILL=${SOAK_PREFILL:-17000}
RSS_RATE=${SOAK_RSS_RATE:-60}
LEAK_BYTES=${SOAK_LEAK_BYTES:-0}
OUT=${SOAK_OUT:-$PW_OUTPUT/soak/$(date -u +%Y%m%dT%H%M%SZ)}
CGROUPS=100
EVENTS_PER_ROUND=6 # soakchurn: tcp, bind and udp, each one open and one close
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
SOCKPASS=$PW_OUTPUT/tests/workloads/sockpass
MALLINFO_SHIM=$PW_OUTPUT/tests/shims/mallinfo.so
LOOP=$PW_ROOT/tests/bench/soakloop.sh
# the fd windows: the first after the warm-up and the last, each a minute at
# most, a fifth of the run in short ones
WIN=$((SECS / 5 < 60 ? SECS / 5 : 60))
[ "$WIN" -ge $((3 * SAMPLE)) ] || WIN=$((3 * SAMPLE))

NPASS=0 NFAIL=0
pass() { # TEXT
	NPASS=$((NPASS + 1))
	pw_pass "$1"
}

fail() { # NAME REASON
	NFAIL=$((NFAIL + 1))
	pw_fail "$1" "$2"
}

say() { # TEXT: progress on stderr
	echo "soak: $(date -u +%H:%M:%S) $*" >&2
}

# ---- setup -------------------------------------------------------------------------

# leak_ns: a netns of 2000 ports (40000-41999) without TIME_WAIT; echo its name.
leak_ns() {
	local ns
	ns=$(pw_make_netns 40000 41999) || return 1
	nsenter --net="/run/netns/$ns" sysctl -q -w net.ipv4.tcp_max_tw_buckets=0 >/dev/null
	echo "$ns"
}

# benign KEY NETNS CMD...: CMD in cgroup benign/KEY; its pid and start time
# go to benign.pids, stdout to KEY.out.
benign() {
	local key=$1 ns=$2
	shift 2
	pb_bg "$OUT/$key.out" "$(pw_make_cgroup "benign/$key")" "$ns" "$@"
	echo "$key $PW_PID $(pw_pid_start "$PW_PID" || echo -)" >>"$OUT/benign.pids"
}

setup() {
	local i kind
	BASE=$(pw_cgroup_base)
	for ((i = 0; i < CGROUPS; i++)); do
		pw_make_cgroup "$(printf 'leak/c%02d' "$i")" >/dev/null
	done
	NS_CHURN=$(pb_netns net.ipv4.tcp_max_tw_buckets=0)
	NS_TW=$(pw_make_netns 10000 60999) # TIME_WAIT kept
	for kind in tcp udp bind0 slow; do
		LEAK_NS[$kind]=$(leak_ns)
	done
	# the tcp leakers' destinations: servers that accept and close at once
	# (the leakers' ends stay in CLOSE_WAIT, holding their ports). A listener
	# that never accepts keeps every dead leaker's connection in its accept
	# queue: after about 4096 (somaxconn) the next leaker's connect() hangs
	# on SYN retries, takes no ports, and nothing is there to stop.
	for kind in tcp slow; do
		benign "srv-$kind" "${LEAK_NS[$kind]}" "$PW_PORTLEAK" accept-close --port 5001 \
			--hold 100000 --comm soak-srv
	done
	sleep 0.5
}

start_daemon() {
	local run
	PW_PORTWARDEN=$PW_TMP/portwarden
	cp "$SRC_PORTWARDEN" "$PW_PORTWARDEN"
	run=$PW_PORTWARDEN
	# the allocator's figures every sample (tests/shims/mallinfo.c), for the
	# daemon alone: started through a script that execs it (the same pid)
	# with the shim preloaded
	if [ -f "$MALLINFO_SHIM" ]; then
		printf '#!/bin/bash\nLD_PRELOAD=%q PW_MALLINFO_FILE=%q PW_MALLINFO_PERIOD=%q PW_MALLINFO_LEAK=%q exec %q "$@"\n' \
			"$MALLINFO_SHIM" "$OUT/mallinfo.txt" "$SAMPLE" "$LEAK_BYTES" "$run" >"$PW_TMP/portwarden-mallinfo"
		chmod +x "$PW_TMP/portwarden-mallinfo"
		PW_PORTWARDEN=$PW_TMP/portwarden-mallinfo
	fi
	# -v: each sample's kernel and snapshot counts per cgroup with a budget
	pw_start_run soak/daemon "$OUT/run" --enforce -v --cgroup "$BASE" \
		--config "$PW_ROOT/tests/bench/soak.conf" || exit 1
	PW_PORTWARDEN=$run
	DAEMON=$PW_DAEMON
	DAEMON_START=$(pw_pid_start "$DAEMON")
}

# prefill: PREFILL short-lived processes, each one connect() (refused) in a
# netns of its own, in cgroup prefill: the activity map fills with their
# entries (the LRU evicts the oldest once it is full), as it does on a host
# whose short-lived processes connect. The daemon's copies of the map then
# hold their most before the RSS baseline, and the budget churn's forks
# only replace entries (BENCHMARKS.md 7b).
prefill() {
	local ns
	[ "$PREFILL" -gt 0 ] || return 0
	ns=$(pw_make_netns 30000 39999)
	say "prefill: $PREFILL short-lived processes, one connect each"
	pb_bg "$OUT/prefill.out" "$(pw_make_cgroup prefill)" "$ns" "$PB_BIN/forkconnect" \
		--count "$PREFILL" --rate 500
	pw_wait_exit "$PW_PID" $((PREFILL / 100 + 60)) || say "prefill: not done after $((PREFILL / 100 + 60)) s"
	sleep 2 # a step and a watch: the daemon's copies read the full map
	PREFILL_ENTRIES=$(map_entries)
	say "prefill: $(cat "$OUT/prefill.out"), activity map entries $PREFILL_ENTRIES"
}

start_benign() {
	local i per=$((RATE / EVENTS_PER_ROUND / CHURNERS))
	for ((i = 1; i <= CHURNERS; i++)); do
		benign "churn-$i" "$NS_CHURN" "$PB_BIN/soakchurn" --rate "$per" --port $((6000 + i)) \
			--report 10
	done
	# 2000 connections (4000 sockets) held over 10 cgroups benign/hold/g0..g9
	benign hold "$NS_CHURN" "$PB_BIN/holder" --conns 2000 --groups 10 \
		--cgroup-base "$BASE/benign/hold" --port-base 7000
	benign udp-hold "$NS_CHURN" "$PW_PORTLEAK" udp-connect --port 5300 --count 300 \
		--hold 100000 --comm soak-udphold
	# a tenth of the slow leakers' pool, held flat beside them
	benign steady "${LEAK_NS[slow]}" "$PW_PORTLEAK" tcp-connect --port 5001 --count 200 \
		--hold 100000 --comm soak-steady
	start_budget_churn
	pw_wait_for_file_line "$OUT/hold.out" ready 120 || say "the holder is not ready after 120 s"
}

# The budget churn, each in a benign/b-* cgroup of its own (soak.conf gives
# them budgets): what could make a kernel count drift from the snapshot's.
start_budget_churn() {
	local forever=$((SECS + LEAK_TIMEOUT + SETTLE + 600))
	# closes that leave TIME_WAIT (not counted: the count goes down at the
	# close), 25 rounds/s: ~1500 TIME_WAIT in 50000 ports (at 100/s, 6000 more
	# sockets in each snapshot once TIME_WAIT filled up, past a 60 s run's
	# warm-up: the daemon's RSS rose 16 MB in one step at 24k records)
	benign b-timewait "$NS_TW" "$PB_BIN/soakchurn" --rate 25 --port 6100 --report 10
	# connects refused (nothing listens on 5499): a port taken, given back
	benign b-connfail "$NS_TW" "$PW_PORTLEAK" tcp-connect --port 5499 --rate 200 \
		--duration "$forever" --hold 100000 --comm soak-connfail
	benign b-srv "$NS_TW" "$PW_PORTLEAK" accept-close --port 5401 --hold 100000 --comm soak-bsrv
	sleep 0.3
	benign b-fork "$NS_TW" "$LOOP" fork "$PW_PORTLEAK" 5401
	mkdir -p "$PW_TMP/pass"
	benign b-pass "$NS_TW" "$LOOP" pass "$SOCKPASS" 5401 "$(pw_make_cgroup benign/b-recv)" "$PW_TMP/pass"
	benign b-uring "$NS_TW" "$LOOP" uring "$SOCKPASS" 5401
	BUDGET_CHURN="b-timewait b-connfail b-fork b-pass b-uring"
}

# ---- leakers -------------------------------------------------------------------------

# leak_slot SLOT KIND NETNS RATE_MIN RATE_MAX: until END, one leaker at a time
# in cgroups leak/c(SLOT + 4k), each waited for until it is gone (portwarden
# ended it) or SOAK_LEAK_TIMEOUT passed (then the harness ends it, and says
# so); a line per leaker in leakers-SLOT.tsv.
leak_slot() {
	local slot=$1 kind=$2 ns=$3 lo=$4 hi=$5 n=0 cg rate pid start t0 t1 how term deadline
	local -a args
	while [ "$(date +%s)" -lt "$END" ]; do
		cg=$BASE/$(printf 'leak/c%02d' $(((slot + 4 * n) % CGROUPS)))
		rate=$((lo + RANDOM % (hi - lo + 1)))
		args=("$kind" --rate "$rate" --comm "soak-$kind")
		[ "$kind" = bind0 ] || args+=(--port 5001)
		[ "$kind" != slow ] || args=(tcp --rate "$rate" --port 5001 --comm soak-slow)
		term=handles
		if [ $((RANDOM % 3)) = 0 ]; then
			args+=(--ignore-term)
			term=ignores
		fi
		pb_bg "$OUT/leak-$slot-$n.out" "$cg" "$ns" "$GUARDLEAK" "${args[@]}"
		pid=$PW_PID
		start=$(pw_pid_start "$pid") || start=-
		t0=$(date +%s.%N)
		deadline=$((${t0%.*} + LEAK_TIMEOUT))
		how=gone
		while pw_pid_alive "$pid" "$start"; do
			if [ "$(date +%s)" -ge "$deadline" ]; then
				how=timeout
				pw_stop "$pid" KILL 5
				break
			fi
			sleep 0.2
		done
		t1=$(date +%s.%N)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n' "$slot" "$n" "$pid" "$kind" "$rate" \
			"$term" "$(pw_cgroup_relpath "$cg")" "$how" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
			>>"$OUT/leakers-$slot.tsv"
		n=$((n + 1))
		sleep "$((1 + RANDOM % 3))"
	done
}

start_leakers() {
	local slot=0 spec kind lo hi
	for spec in tcp:150:400 udp:150:400 bind0:150:400 slow:20:40; do
		IFS=: read -r kind lo hi <<<"$spec"
		leak_slot "$slot" "$kind" "${LEAK_NS[$kind]}" "$lo" "$hi" &
		pw_track_pid $!
		SLOTS+=($!)
		slot=$((slot + 1))
	done
}

# ---- measuring ------------------------------------------------------------------------


# cgroup_ids DIR...: the cgroup ids (inode numbers) of DIR and below, as a JSON array.
cgroup_ids() {
	find "$@" -type d -exec stat -c %i {} + 2>/dev/null | jq -s -c .
}

# events: "TIME churn=N all=M entries=E": port events (opens, closes,
# failures) the kernel counted so far in the churners' cgroups and in all of
# ours, and the activity map's entries.
events() {
	local id churn all
	id=$(pw_map_id "$DAEMON" activity) || { echo "$(date +%s.%N) churn=nan all=nan entries=nan"; return; }
	churn=$(cgroup_ids "$BASE"/benign/churn-*)
	all=$(cgroup_ids "$BASE")
	bpftool map dump id "$id" -j 2>/dev/null | jq -r --argjson c "$churn" --argjson a "$all" \
		--arg t "$(date +%s.%N)" '
		def sum(ids): [.[] | .formatted | select(.key.cgroup_id as $i | ids | index($i))
			| .value.n | add] | add // 0;
		"\($t) churn=\(sum($c)) all=\(sum($a)) entries=\(length)"'
}

# map_entries: how many entries the daemon's activity map holds (nan: unknown).
map_entries() {
	local id
	id=$(pw_map_id "$DAEMON" activity) && bpftool map dump id "$id" -j 2>/dev/null | jq length ||
		echo nan
}

# sample T: one line of samples.tsv: t, VmRSS KiB, fds, load, lost, missed;
# VmRSS's parts (RssAnon, RssFile, RssShmem KiB), the allocator's latest
# figures (mallinfo.txt, KiB: heap from sbrk, mmapped chunks, in use in the
# heap, free in the heap; nan without the shim) and the daemon's CPU time so
# far (user + system, s).
sample() {
	local rss fds load parts heap cpu
	rss=$(pb_proc_kib "$DAEMON" VmRSS 2>/dev/null) || rss=nan
	fds=$(fd_count)
	read -r load _ </proc/loadavg
	parts=$(awk '$1 == "RssAnon:" { a = $2 } $1 == "RssFile:" { f = $2 } $1 == "RssShmem:" { s = $2 }
		END { printf "%s\t%s\t%s", a == "" ? "nan" : a, f == "" ? "nan" : f, s == "" ? "nan" : s }' \
		"/proc/$DAEMON/status" 2>/dev/null) || parts="nan	nan	nan"
	heap=$(tail -n 1 "$OUT/mallinfo.txt" 2>/dev/null |
		awk 'NF == 6 { printf "%d\t%d\t%d\t%d", $2 / 1024, $3 / 1024, $4 / 1024, $5 / 1024; ok = 1 }
			END { if (!ok) printf "nan\tnan\tnan\tnan" }')
	cpu=$(pb_proc_cpu "$DAEMON" 2>/dev/null) || cpu=nan
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "${rss:-nan}" "$fds" "$load" "$(lost_total lost)" \
		"$(lost_total missed)" "$parts" "$heap" "$cpu" >>"$OUT/samples.tsv"
	# what the descriptors are (socket, bpf-map, pidfd, ...), should they grow
	echo "$1 $(fd_kinds)" >>"$OUT/fds.txt"
}

fd_count() {
	find "/proc/$DAEMON/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# fd_kinds: "KIND=N ..." over the daemon's descriptors, by link target.
fd_kinds() {
	find "/proc/$DAEMON/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null |
		sed 's/^socket:.*/socket/; s/^anon_inode:\[\{0,1\}\([a-z_-]*\).*/\1/; s/^net:.*/netns/;
			s,^/sys/fs/cgroup/.*,cgroup-dir,; s,^/proc/.*,proc,; s,^/.*,file,' |
		sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }'
}

# lost_total lost|missed: the total the daemon last said on stderr (0: none said).
lost_total() {
	local re
	case $1 in
	lost) re='lost [0-9]* failure events.*, \([0-9]*\) in total' ;;
	missed) re='skipped [0-9]* runs.*, \([0-9]*\) in total' ;;
	esac
	{ sed -n "s/.*$re.*/\\1/p" "$OUT/run.err" | tail -n 1; echo 0; } | head -n 1
}

soak_loop() {
	local t next=0 minute=0
	printf 't\trss_kib\tfds\tload1\tlost\tmissed\trss_anon\trss_file\trss_shmem\theap_kib\tmmap_kib\tinuse_kib\tfree_kib\tcpu_s\n' \
		>"$OUT/samples.tsv"
	while [ "$(date +%s)" -lt "$END" ]; do
		t=$(($(date +%s) - T0))
		if [ "$t" -ge "$next" ]; then
			pw_pid_alive "$DAEMON" "$DAEMON_START" || { say "the daemon is gone at t=$t"; return 1; }
			sample "$t"
			next=$((t + SAMPLE))
		fi
		if [ "$t" -ge "$minute" ] && [ "$t" -ge "$WARMUP" ]; then
			echo "$t $(events)" >>"$OUT/events.txt"
			say "t=$t s: $(tail -n 1 "$OUT/samples.tsv" | awk '{ printf "rss %s KiB, %s fds, load %s", $2, $3, $4 }'), $(cat "$OUT"/leakers-*.tsv 2>/dev/null | wc -l) leakers done"
			minute=$((t + 60))
		fi
		sleep 1
	done
	sample "$(($(date +%s) - T0))"
	echo "$(($(date +%s) - T0)) $(events)" >>"$OUT/events.txt"
}

# ---- checks ---------------------------------------------------------------------------

# samples_in FROM TO COLUMN: the column's values of samples with FROM <= t < TO.
samples_in() {
	awk -F'\t' -v a="$1" -v b="$2" -v c="$3" 'NR > 1 && $1 >= a && $1 < b { print $c }' "$OUT/samples.tsv"
}

# rss_floors: "MINUTE KIB" for each full minute after the warm-up (at least
# half its samples taken): the lowest VmRSS sampled in it. A sample taken
# during a step carries the step's passing allocations (the inventory and
# the snapshot, a few MiB at times); the lowest is the daemon between steps.
rss_floors() {
	awk -F'\t' -v w="$WARMUP" -v need=$((60 / SAMPLE / 2)) 'NR > 1 && $1 >= w && $2 != "nan" {
		m = int(($1 - w) / 60); n[m]++; if (!(m in lo) || $2 < lo[m]) lo[m] = $2; if (m > last) last = m }
		END { for (m = 0; m <= last; m++) if (n[m] >= need && n[m] > 0) print m, lo[m] }' "$OUT/samples.tsv"
}

# The daemon's VmRSS after the warm-up must not grow: the least-squares slope
# of the per-minute floors at most RSS_RATE KiB a minute. Runs with fewer
# than 3 such minutes fall back to the end within 10% of the first sample
# after the warm-up (a step's passing allocations can exceed that).
check_rss() {
	local warm end
	warm=$(samples_in "$WARMUP" 1e9 2 | head -n 1)
	end=$(samples_in 0 1e9 2 | tail -n 1)
	RSS_WARM=$warm RSS_END=$end
	if [ -z "$warm" ] || [ "$warm" = nan ] || [ "$end" = nan ]; then
		fail soak/rss-flat "no RSS sample after the warm-up ($WARMUP s)"
		return
	fi
	RSS_CHANGE=$(awk -v a="$warm" -v b="$end" 'BEGIN { printf "%+.1f%%", 100 * (b - a) / a }')
	rss_floors >"$OUT/rss-floors.txt"
	# "SLOPE FIRST LAST MINUTES": KiB a minute, the first and last floors
	read -r RSS_SLOPE RSS_FLOOR_FIRST RSS_FLOOR_LAST RSS_MINUTES < <(awk '
		{ n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2; if (n == 1) f = $2; l = $2 }
		END { if (n >= 3) printf "%.1f %d %d %d\n", (n * sxy - sx * sy) / (n * sxx - sx * sx), f, l, n
			else printf "nan nan nan %d\n", n }' "$OUT/rss-floors.txt")
	if [ "$RSS_SLOPE" != nan ]; then
		if awk -v s="$RSS_SLOPE" -v m="$RSS_RATE" 'BEGIN { exit !(s <= m) }'; then
			pass "soak/rss-flat (lowest VmRSS of each minute after the warm-up: $RSS_FLOOR_FIRST KiB in the first, $RSS_FLOOR_LAST KiB in the last of $RSS_MINUTES, a slope of $RSS_SLOPE KiB a minute, limit $RSS_RATE; $warm KiB after the warm-up, $end KiB at the end, $RSS_CHANGE)"
		else
			fail soak/rss-flat "VmRSS grows $RSS_SLOPE KiB a minute (limit $RSS_RATE): the lowest of each minute after the warm-up $RSS_FLOOR_FIRST KiB in the first, $RSS_FLOOR_LAST KiB in the last of $RSS_MINUTES ($warm KiB after the warm-up, $end KiB at the end, $RSS_CHANGE)"
		fi
	elif awk -v a="$warm" -v b="$end" 'BEGIN { exit !(b <= 1.1 * a && b >= 0.9 * a) }'; then
		pass "soak/rss-flat ($warm KiB after the warm-up, $end KiB at the end, $RSS_CHANGE; too short for a slope: $RSS_MINUTES full minutes after the warm-up)"
	else
		fail soak/rss-flat "VmRSS $warm KiB after the warm-up, $end KiB at the end ($RSS_CHANGE; too short for a slope: $RSS_MINUTES full minutes after the warm-up)"
	fi
}

# The descriptors: before the first leaker, and once the last one is gone and
# the daemon has forgotten them all (SETTLE s: it keeps a pidfd on each
# process it signalled until the process has been out of its history for two
# windows). A descriptor kept per leaker, per cgroup or per quarantine shows
# there; during the run the count rises and falls with the targets in flight.
check_fds() {
	local last=$(($(tail -n 1 "$OUT/samples.tsv" | cut -f1) - WIN + 1))
	FD_FIRST=$(samples_in "$WARMUP" $((WARMUP + WIN)) 3 | sort -n | head -n 1)
	FD_LAST=$(samples_in "$last" 1e9 3 | sort -n | head -n 1)
	FD_MAX=$(samples_in 0 1e9 3 | sort -n | tail -n 1)
	if [ -z "$FD_SETTLED" ] || [ -z "$FD_PRE" ]; then
		fail soak/fds-flat "no fd count before the leakers or after them"
	elif [ "$FD_SETTLED" -le "$FD_PRE" ]; then
		pass "soak/fds-flat ($FD_PRE before the leakers, $FD_SETTLED once they were gone; during the run fewest $FD_FIRST after the warm-up, $FD_LAST in the last $WIN s, most $FD_MAX)"
	else
		fail soak/fds-flat "$FD_PRE fds before the leakers ($(sed -n 's/^pre //p' "$OUT/fds.txt")), $FD_SETTLED $SETTLE s after the last was gone ($(sed -n 's/^settled //p' "$OUT/fds.txt"))"
	fi
}

stop_daemon() {
	local rc=0
	if ! pw_pid_alive "$DAEMON" "$DAEMON_START"; then
		fail soak/daemon "it exited before the end: $(tail -c 300 "$OUT/run.err")"
		return
	fi
	kill -s TERM "$DAEMON"
	if ! pw_wait_exit "$DAEMON" 30; then
		pw_stop "$DAEMON" KILL 1
		fail soak/daemon "still running 30 s after SIGTERM"
		return
	fi
	wait "$DAEMON" || rc=$?
	if [ "$rc" != 0 ]; then
		fail soak/daemon "exit status $rc after SIGTERM: $(tail -c 300 "$OUT/run.err")"
	elif ! grep -q '"event":"stop"' "$OUT/run.jsonl"; then
		fail soak/daemon "no stop record"
	else
		pass "soak/daemon (ran $SECS s, status 0 on SIGTERM)"
	fi
}

check_lost() {
	LOST=$(lost_total lost) MISSED=$(lost_total missed)
	SAMPLE_FAILS=$(grep -c 'failed to sample' "$OUT/run.err" || true)
	if [ "$SAMPLE_FAILS" -gt 0 ]; then
		fail soak/lost "$SAMPLE_FAILS samples failed: $(grep -m 1 'failed to sample' "$OUT/run.err")"
	else
		pass "soak/lost ($LOST failure events lost, $MISSED runs skipped by the kernel, as the daemon counted them)"
	fi
}

check_leakers() {
	local log=$OUT/run.jsonl
	cat "$OUT"/leakers-*.tsv >"$OUT/leakers.tsv" 2>/dev/null || : >"$OUT/leakers.tsv"
	# a leaker is stopped by portwarden when it is gone and the log has a SIGTERM
	# or SIGKILL action on it (or on its cgroup, scope cgroup)
	jq -c -s '[.[] | select(.event == "action" and (.action == "term" or .action == "kill"))
		| {pid, cgroup, scope}]' "$log" >"$PW_TMP/signals.json"
	jq -c -s '[.[] | select(.event == "action" and .action == "quarantine") | .pid]' "$log" \
		>"$PW_TMP/quarantined.json"
	awk -F'\t' '{ print $3, $7, $8 }' "$OUT/leakers.tsv" | while read -r pid cg how; do
		if [ "$how" = timeout ]; then
			echo "timeout $pid"
		elif jq -e --argjson p "$pid" --arg c "$cg" \
			'any(.[]; .pid == $p or (.scope == "cgroup" and .cgroup == $c))' \
			"$PW_TMP/signals.json" >/dev/null; then
			echo "stopped $pid"
		else
			echo "unsignalled $pid"
		fi
	done >"$PW_TMP/leak-verdicts"
	LEAK_STARTED=$(wc -l <"$OUT/leakers.tsv")
	LEAK_STOPPED=$(grep -c '^stopped' "$PW_TMP/leak-verdicts" || true)
	LEAK_TIMEOUT_N=$(grep -c '^timeout' "$PW_TMP/leak-verdicts" || true)
	LEAK_UNSIGNALLED=$(grep -c '^unsignalled' "$PW_TMP/leak-verdicts" || true)
	LEAK_QUARANTINED=$(awk -F'\t' '{ print $3 }' "$OUT/leakers.tsv" |
		while read -r pid; do
			jq -e --argjson p "$pid" 'index($p) != null' "$PW_TMP/quarantined.json" >/dev/null && echo q
		done | wc -l)
	LEAK_LIFE=$(awk -F'\t' '$8 == "gone" { print $9 }' "$OUT/leakers.tsv" | pb_median)
	LEAK_LIFE_MAX=$(awk -F'\t' '$8 == "gone" { print $9 }' "$OUT/leakers.tsv" | sort -g | tail -n 1)
	if [ "$LEAK_STARTED" -gt 0 ] && [ "$LEAK_STOPPED" = "$LEAK_STARTED" ]; then
		pass "soak/leakers-stopped ($LEAK_STOPPED of $LEAK_STARTED, median life ${LEAK_LIFE} s, longest ${LEAK_LIFE_MAX:-?} s)"
	else
		fail soak/leakers-stopped "$LEAK_STARTED started: $LEAK_STOPPED stopped by portwarden, $LEAK_UNSIGNALLED gone without a signal of it, $LEAK_TIMEOUT_N still alive after $LEAK_TIMEOUT s (ended by the harness): $(grep -v '^stopped' "$PW_TMP/leak-verdicts" | head -n 5 | paste -sd ' ')"
	fi
}

# Each churner's last word (SIGTERM: its exit counts), then the check.
check_benign() {
	local key pid start problems='' line actions
	while read -r key pid start; do
		pw_pid_alive "$pid" "$start" || problems+="$key (pid $pid) is gone; "
	done <"$OUT/benign.pids"
	for pid in "$BASE"/benign/hold/g*; do
		[ -n "$(cat "$pid/cgroup.procs" 2>/dev/null)" ] || problems+="holder cgroup ${pid##*/} is empty; "
	done
	actions=$(jq -r -s '.[] | select(.event == "action" and (.cgroup // "" | test("/benign/")))
		| "\(.action) on \(.comm) pid \(.pid) in \(.cgroup)"' "$OUT/run.jsonl" | sort | uniq -c | head -n 5)
	[ -z "$actions" ] || problems+="actions on benign processes: $(paste -sd ';' <<<"$actions"); "
	BENIGN_SUSPECT=$(jq -s '[.[] | select(.event == "suspect" and (.cgroup // "" | test("/benign/")))] | length' \
		"$OUT/run.jsonl")
	: >"$OUT/churn-exit.txt"
	CHURN_TROUBLE=''
	while read -r key pid start; do
		case $key in churn-*) ;; *) continue ;; esac
		pw_stop "$pid" TERM 10
		line=$(grep '^exit ' "$OUT/$key.out" | tail -n 1)
		echo "$key $line" >>"$OUT/churn-exit.txt"
		[ -n "$line" ] || { problems+="$key left no exit counts; "; continue; }
		[ "$(pb_kv "$line" eperm)" = 0 ] ||
			problems+="$key: $(pb_kv "$line" eperm) sockets refused (EPERM: a quarantine); "
		[ "$(pb_kv "$line" errors)" = 0 ] && [ "$(pb_kv "$line" slow)" = 0 ] ||
			CHURN_TROUBLE+="$key: errors=$(pb_kv "$line" errors) $(pb_kv "$line" last_error) slow=$(pb_kv "$line" slow) max_round_ms=$(pb_kv "$line" max_round_ms); "
	done <"$OUT/benign.pids"
	BENIGN_N=$(wc -l <"$OUT/benign.pids")
	if [ -z "$problems" ]; then
		pass "soak/benign-untouched ($BENIGN_N processes and 10 holder cgroups alive, 0 actions, 0 refused sockets; $BENIGN_SUSPECT suspect records)"
	else
		fail soak/benign-untouched "$problems"
	fi
	# the churn's own health: failures or stalls portwarden did not cause
	# (no action, no EPERM) are the workload's or the machine's; shown with
	# the churn netns's drop counters
	nsenter --net="/run/netns/$NS_CHURN" nstat -az >"$OUT/nstat-churn.txt" 2>/dev/null || true
	cp /proc/net/softnet_stat "$OUT/softnet_stat.end"
	if [ -z "$CHURN_TROUBLE" ]; then
		pass "soak/churn-clean (no churner operation failed or stalled over 1 s)"
	else
		fail soak/churn-clean "$CHURN_TROUBLE drops in the churn netns: $(drops)"
	fi
}

# ---- budgets ---------------------------------------------------------------------------

# budget_ids: "ID PATH" of every benign cgroup (each has a budget: soak.conf).
budget_ids() {
	find "$BASE/benign" -mindepth 1 -type d -printf '%p\n' | while read -r d; do
		echo "$(stat -c %i "$d") $(pw_cgroup_relpath "$d")"
	done
}

# budget_counts [FROM_LINE]: "ID K S" per budgeted cgroup, the latest -v line
# of each (after line FROM_LINE of run.err, if given), as the daemon read them.
budget_counts() {
	tail -n +"$((${1:-0} + 1))" "$OUT/run.err" |
		sed -n 's/.*budget: cgroup2 id \([0-9]*\): kernel count \(-\{0,1\}[0-9]*\) .*snapshot count \([0-9]*\).*/\1 \2 \3/p' |
		awk '{ last[$1] = $0 } END { for (i in last) print last[i] }' | sort
}

# le64 N: N as 8 little-endian bytes, in hex, for bpftool.
le64() {
	local i
	for ((i = 0; i < 8; i++)); do printf '%02x ' $((($1 >> (8 * i)) & 255)); done
}

# corrupt_count ID K: the test of the check itself (SOAK_CORRUPT=1): the
# kernel's count of cgroup ID, K, made K + 7 (struct pw_budget_count: the
# count, then its change counter, written 0: after that one change the
# count holds still, drift the reconcile must see).
corrupt_count() {
	local map
	map=$(pw_map_id "$DAEMON" budget_held) || { say "no budget_held map to corrupt"; return; }
	# shellcheck disable=SC2046 # the bytes are words
	bpftool map update id "$map" key hex $(le64 "$1") value hex $(le64 $(($2 + 7))) $(le64 0) &&
		say "SOAK_CORRUPT: the kernel's count of cgroup2 id $1 set to $(($2 + 7)) (was $2)"
}

# Stop the budget churn; once every benign cgroup's counts hold still (the
# same over 3 readings 2 s apart), the kernel's count must equal the
# snapshot's for each, with no correction at rest; no benign cgroup refused.
check_budget() {
	local key pid start line prev cur still=0 deadline ids problems='' rest_line rest_ts victim k
	local log=$OUT/run.jsonl
	: >"$OUT/budget-churn-exit.txt"
	while read -r key pid start; do
		case " $BUDGET_CHURN " in *" $key "*) ;; *) continue ;; esac
		pw_stop "$pid" TERM 10
		line=$(grep '^exit' "$OUT/$key.out" | tail -n 1)
		echo "$key ${line:-(no counts: it prints none when ended)}" >>"$OUT/budget-churn-exit.txt"
	done <"$OUT/benign.pids"
	budget_ids >"$OUT/budget-ids.txt"
	BUDGET_N=$(wc -l <"$OUT/budget-ids.txt")
	deadline=$((SECONDS + 60))
	prev=$(budget_counts)
	while [ "$still" -lt 2 ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 2
		cur=$(budget_counts)
		if [ "$cur" = "$prev" ]; then still=$((still + 1)); else still=0; fi
		prev=$cur
	done
	[ "$still" -ge 2 ] || problems+="the counts did not hold still within 60 s of the churn's end; "
	rest_line=$(wc -l <"$OUT/run.err")
	rest_ts=$(date -u +%Y-%m-%dT%H:%M:%S.%6N)
	if [ "${SOAK_CORRUPT:-0}" = 1 ]; then
		victim=$(stat -c %i "$BASE/benign/hold/g0")
		k=$(budget_counts | awk -v i="$victim" '$1 == i { print $2 }')
		corrupt_count "$victim" "${k:-0}"
	fi
	sleep 5 # samples at rest (a drift held still two samples is corrected: logged)
	budget_counts "$rest_line" >"$OUT/budget-rest.txt"
	ids=$(awk '{ print "cgroup2 id " $1 }' "$OUT/budget-ids.txt" | jq -R . | jq -s -c .)
	problems+=$(awk 'NR == FNR { path[$1] = $2; next }
		($1 in path) { seen[$1] = 1; if ($2 != $3) printf "%s kernel %s snapshot %s; ", path[$1], $2, $3 }
		END { for (i in path) if (!(i in seen)) printf "%s: no budget count at rest; ", path[i] }' \
		"$OUT/budget-ids.txt" "$OUT/budget-rest.txt")
	problems+=$(jq -r -s --arg t "$rest_ts" '.[] | select(.event == "budget" and .action == "correct"
		and .ts >= $t) | "\(.cgroup)\t\(.detail)"' "$log" |
		awk -F'\t' 'NR == FNR { split($0, a, " "); path["cgroup2 id " a[1]] = a[2]; next }
			{ printf "correct at rest: %s (%s) %s; ", ($1 in path ? path[$1] : "?"), $1, $2 }' \
			"$OUT/budget-ids.txt" -)
	jq -c -s --argjson ids "$ids" '[.[] | select(.event == "budget"
		and (.action == "refuse" or .action == "would_refuse") and (.cgroup | IN($ids[])))]' \
		"$log" >"$PW_TMP/budget-refused.json"
	BUDGET_REFUSED=$(jq length "$PW_TMP/budget-refused.json")
	[ "$BUDGET_REFUSED" = 0 ] || problems+="$BUDGET_REFUSED refuse records for benign cgroups: $(jq -r \
		'[.[] | "\(.cgroup) \(.action) \(.detail)"][:3] | join("; ")' "$PW_TMP/budget-refused.json")"
	# the corrections over the whole run, by cgroup (the listeners started
	# before the daemon are counted by the first reconcile)
	BUDGET_CORRECTIONS=$(jq -r -s '[.[] | select(.event == "budget" and .action == "correct")] | length' "$log")
	jq -r -s '.[] | select(.event == "budget" and .action == "correct") | "\(.cgroup)\t\(.ts)\t\(.detail)"' \
		"$log" | awk -F'\t' 'NR == FNR { split($0, a, " "); path["cgroup2 id " a[1]] = a[2]; next }
		{ n[$1]++; d[$1] = $3 } END { for (c in n) printf "%s (%s): %d, the last: %s\n", (c in path ? path[c] : "?"), c, n[c], d[c] }' \
		"$OUT/budget-ids.txt" - >"$OUT/budget-corrections.txt"
	BUDGET_HELD=$(awk '{ s += $3 } END { print s + 0 }' "$OUT/budget-rest.txt")
	if [ -z "$problems" ]; then
		pass "soak/budget-exact ($BUDGET_N budgeted cgroups, kernel count = snapshot count for each at rest ($BUDGET_HELD ports held in all), no correction at rest, $BUDGET_CORRECTIONS during the run, 0 refusals)"
	else
		fail soak/budget-exact "$problems"
	fi
}

# drops: the churn netns's counters of dropped or refused TCP packets that are not 0.
drops() {
	awk '$1 ~ /Drop|Overflow|Retrans|Timeout|Reset|ListenOverflows|ListenDrops|SynRetrans/ && $2 > 0 { printf "%s=%s ", $1, $2 }' \
		"$OUT/nstat-churn.txt" | head -c 600
}

# ---- figures ---------------------------------------------------------------------------

# rate FIELD: events/s of FIELD (churn, all) between the first and the last
# counter reading (after the warm-up).
rate() {
	awk -v f="$1=" '{ for (i = 2; i <= NF; i++) if (index($i, f) == 1) v = substr($i, length(f) + 1)
			if (NR == 1) { t0 = $2; v0 = v } t1 = $2; v1 = v }
		END { if (NR > 1 && t1 > t0) printf "%.0f\n", (v1 - v0) / (t1 - t0); else print "nan" }' \
		"$OUT/events.txt"
}

# per-minute rates of the churners' events, "min..max"
rate_range() {
	awk '{ for (i = 2; i <= NF; i++) if (index($i, "churn=") == 1) v = substr($i, 7)
			if (NR > 1 && $2 > t) print (v - p) / ($2 - t); t = $2; p = v }' "$OUT/events.txt" |
		pb_minmax | awk -F'[.][.]' '{ printf "%.0f..%.0f\n", $1, $2 }'
}

# heap_figures: "IN / FREE / MMAP KiB -> IN / FREE / MMAP KiB", the first
# sample after the warm-up and the last (mallinfo's columns).
heap_figures() {
	awk -F'\t' -v w="$WARMUP" 'NR > 1 && $1 >= w { if (!f) f = $12 " / " $13 " / " $11; l = $12 " / " $13 " / " $11 }
		END { printf "%s KiB -> %s KiB\n", f, l }' "$OUT/samples.tsv"
}

# cpu_share: the daemon's CPU time over the samples after the warm-up, as a
# share of one CPU.
cpu_share() {
	awk -F'\t' -v w="$WARMUP" 'NR > 1 && $1 >= w && $14 != "nan" { if (t0 == "") { t0 = $1; c0 = $14 } t1 = $1; c1 = $14 }
		END { if (t1 > t0) printf "%.1f%% of a CPU (%.0f s in %d s)\n", 100 * (c1 - c0) / (t1 - t0), c1 - c0, t1 - t0; else print "nan" }' \
		"$OUT/samples.tsv"
}

# entries_at first|last: the activity map's entries at the first or last
# counter reading (events.txt).
entries_at() {
	sed -n 's/.* entries=\([0-9a-z]*\).*/\1/p' "$OUT/events.txt" | { if [ "$1" = first ]; then head -n 1; else tail -n 1; fi; }
}

summary() {
	local rounds secs own
	rounds=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rounds=/) s += substr($i, 8) } END { print s + 0 }' \
		"$OUT/churn-exit.txt")
	secs=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^t=/) { v = substr($i, 3); if (v > m) m = v } } END { print m + 0 }' \
		"$OUT/churn-exit.txt")
	own=$(awk -v r="$rounds" -v s="$secs" -v e="$EVENTS_PER_ROUND" 'BEGIN { if (s > 0) printf "%.0f", r * e / s; else print "nan" }')
	{
		echo "## Soak of $(date -u -d "@$T0" '+%Y-%m-%d %H:%M UTC'), $SECS s"
		echo
		echo "$(pb_machine) at the end; portwarden $("$PW_PORTWARDEN" --version 2>/dev/null | head -n 1)," \
			"sha256 $(sha256sum "$PW_PORTWARDEN" | cut -c1-16); config tests/bench/soak.conf;" \
			"offered $RATE port events/s by $CHURNERS churners; warm-up $WARMUP s, samples every $SAMPLE s."
		echo
		echo "| figure | value |"
		echo "|---|---|"
		echo "| port events/s, churners' cgroups, portwarden's counters (after the warm-up) | $(rate churn) (per minute $(rate_range)) |"
		echo "| port events/s, all our cgroups, portwarden's counters | $(rate all) |"
		echo "| port events/s, churners' own counts (whole run) | $own ($rounds rounds in ${secs} s, $EVENTS_PER_ROUND events a round) |"
		echo "| VmRSS after the warm-up / at the end | $RSS_WARM KiB / $RSS_END KiB (${RSS_CHANGE:-?}) |"
		echo "| VmRSS, lowest of each minute after the warm-up: first / last / slope | ${RSS_FLOOR_FIRST:-?} KiB / ${RSS_FLOOR_LAST:-?} KiB / ${RSS_SLOPE:-?} KiB a minute over ${RSS_MINUTES:-?} minutes (limit $RSS_RATE$([ "$LEAK_BYTES" = 0 ] || echo "; $LEAK_BYTES bytes leaked on purpose every $SAMPLE s")) |"
		echo "| daemon heap (mallinfo2): in use / free / mmapped, after the warm-up and at the end | $(heap_figures) |"
		echo "| daemon CPU after the warm-up (user + system) | $(cpu_share) |"
		echo "| activity map entries: after the prefill ($PREFILL processes) / after the warm-up / at the end | ${PREFILL_ENTRIES:-nan} / $(entries_at first) / $(entries_at last) |"
		echo "| VmRSS $SETTLE s after the last leaker | $RSS_SETTLED KiB |"
		echo "| fds before the leakers / $SETTLE s after the last | $FD_PRE / $FD_SETTLED |"
		echo "| fds during the run: fewest after the warm-up / in the last $WIN s / most | $FD_FIRST / $FD_LAST / $FD_MAX |"
		echo "| failure events lost / kernel-skipped runs | $LOST / $MISSED |"
		echo "| leakers started / stopped by portwarden / quarantined first / gone unsignalled / ended by the harness | $LEAK_STARTED / $LEAK_STOPPED / $LEAK_QUARANTINED / $LEAK_UNSIGNALLED / $LEAK_TIMEOUT_N |"
		echo "| leaker life, start to gone (median / longest) | $LEAK_LIFE s / ${LEAK_LIFE_MAX:-?} s |"
		echo "| benign processes alive at the end / actions on them / suspect records | $BENIGN_ALIVE / $BENIGN_ACTIONS / $BENIGN_SUSPECT |"
		echo "| load average (1 min) over the samples | $(samples_in 0 1e9 4 | pb_minmax) |"
		echo "| budgeted cgroups / ports they held at rest / budget refusals of them | $BUDGET_N / $BUDGET_HELD / $BUDGET_REFUSED |"
		echo "| budget corrections logged during the run | $BUDGET_CORRECTIONS |"
		echo
		echo "Churners' exit counts:"
		echo
		sed 's/^/    /' "$OUT/churn-exit.txt"
		echo
		echo "The budget churn's exit counts:"
		echo
		sed 's/^/    /' "$OUT/budget-churn-exit.txt"
		echo
		echo "Budget corrections during the run, by cgroup (count, the last one's detail):"
		echo
		sed 's/^/    /' "$OUT/budget-corrections.txt"
		echo
	} >"$OUT/summary.md"
}

# ---- main ------------------------------------------------------------------------------

main() {
	local start_s
	pw_require_root
	pw_require_bpf
	pw_require_cgroup2
	pw_require_cmd ip jq bpftool nsenter
	pw_require_file "$PW_PORTWARDEN" portwarden
	pw_require_file "$PW_PORTLEAK" portleak
	pw_require_file "$GUARDLEAK" guardleak
	pw_require_file "$SOCKPASS" sockpass
	pw_require_file "$PB_BIN/soakchurn" soakchurn
	pw_require_file "$PB_BIN/holder" holder
	pw_require_file "$PB_BIN/forkconnect" forkconnect
	local v
	for v in "$PREFILL" "$RSS_RATE" "$LEAK_BYTES"; do
		case $v in '' | *[!0-9]*)
			echo "soak: SOAK_PREFILL, SOAK_RSS_RATE and SOAK_LEAK_BYTES take a number of 0 or more, not '$v'" >&2
			exit 2
			;;
		esac
	done
	if [ "$LEAK_BYTES" != 0 ] && [ ! -f "$MALLINFO_SHIM" ]; then
		echo "soak: SOAK_LEAK_BYTES needs $MALLINFO_SHIM (make workload-bins)" >&2
		exit 2
	fi
	SRC_PORTWARDEN=$PW_PORTWARDEN
	mkdir -p "$OUT"
	declare -gA LEAK_NS
	SLOTS=()
	say "$SECS s, $RATE port events/s offered, leakers over $CGROUPS cgroups; figures in $OUT"
	setup
	start_daemon
	prefill
	start_benign
	cp /proc/net/softnet_stat "$OUT/softnet_stat.start"
	FD_PRE=$(fd_count)
	echo "pre $(fd_kinds)" >>"$OUT/fds.txt"
	T0=$(date +%s)
	END=$((T0 + SECS))
	start_leakers
	soak_loop || true
	say "the soak is over; waiting for the last leakers (up to $LEAK_TIMEOUT s)"
	for start_s in "${SLOTS[@]}"; do
		wait "$start_s" 2>/dev/null || true
	done
	say "the last leaker is gone; $SETTLE s for the daemon to forget them"
	sleep "$SETTLE"
	FD_SETTLED=$(fd_count)
	RSS_SETTLED=$(pb_proc_kib "$DAEMON" VmRSS 2>/dev/null) || RSS_SETTLED=nan
	echo "settled $(fd_kinds)" >>"$OUT/fds.txt"
	check_rss
	check_fds
	BENIGN_ALIVE=$(while read -r _ pid start; do pw_pid_alive "$pid" "$start" && echo; done \
		<"$OUT/benign.pids" | wc -l)/$(wc -l <"$OUT/benign.pids")
	BENIGN_ACTIONS=$(jq -s '[.[] | select(.event == "action" and (.cgroup // "" | test("/benign/")))] | length' \
		"$OUT/run.jsonl")
	check_benign
	check_budget
	check_leakers
	stop_daemon
	check_lost
	summary
	cat "$OUT/summary.md" >&2
	echo "soak: $NPASS passed, $NFAIL failed; figures in $OUT/summary.md"
	pw_done
}

main "$@"
