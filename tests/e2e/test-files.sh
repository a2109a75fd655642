#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The files root opens and writes (issue 13), end to end:
#   files/output-planted-link   report --output in a sticky world-writable
#       directory: a link planted at the old temporary name (OUTPUT.tmp.PID,
#       known for the whole --duration) does not make root write through it;
#       its target is untouched, OUTPUT is the report
#   files/output-is-link        OUTPUT itself a link: replaced by the report,
#       its target untouched
#   files/output-bad            a missing or read-only directory, or a
#       directory as OUTPUT: exit 2 at once, not exit 1 after --duration
#   files/log-special           run --log /dev/full, a FIFO, a link: exit 2
#       at start, without hanging; the link's target untouched
#   files/config-fifo           run --config FIFO: exit 2, without hanging
#   files/reload-config-fifo    SIGHUP with a FIFO as the config: the old
#       configuration kept, the daemon not hung
#   files/reload-config-garbage SIGHUP with binary garbage as the config: the
#       old one kept, the error on stderr without raw control bytes, then a
#       good file reloads
#   files/reload-log-fifo       SIGHUP with a FIFO where the log was (after a
#       rotation): a warning, the old log kept and still written
#   files/log-disk-full         the log on a full tmpfs (a private mount
#       namespace): run still names a leaker, warns once, and its stop line
#       counts the records the log refused
#   files/sighup-at-start       SIGHUPs while run loads its programs: it
#       comes up anyway
#   files/stdout-full           snapshot, report, top --batch, trace, probe
#       > /dev/full: exit 1 with a message
#   files/number-space          --pid "<TAB>1" and friends: exit 2
# fs.protected_symlinks=1 would stop root following a link another user
# planted in a sticky directory; a link root planted (or one in a directory
# the planter owns) is followed either way, so the link is planted by
# nobody only when the sysctl is 0, else by root.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden unshare

BASE=$(pw_cgroup_base)
SHARED=$PW_TMP/shared
mkdir "$SHARED"
chmod 1777 "$SHARED"
# nobody must reach the shared directory to plant in it
chmod o+x "$PW_STATE" "$PW_TMP"
PLANTER=root
if [ "$(cat /proc/sys/fs/protected_symlinks 2>/dev/null || echo 1)" = 0 ] &&
	command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	PLANTER=nobody
fi
echo "# links planted by $PLANTER (fs.protected_symlinks=$(cat /proc/sys/fs/protected_symlinks 2>/dev/null))"

plant() { # TARGET LINK
	if [ "$PLANTER" = nobody ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$1" "$2"
	else
		ln -s "$1" "$2"
	fi
}

# ---- report --output --------------------------------------------------------

check_planted_link() {
	local out=$SHARED/report.json victim=$SHARED/victim pid rc=0 problems
	echo precious >"$victim"
	"$PW_PORTWARDEN" report --standalone --json --duration 3 --interval 1 --output "$out" \
		</dev/null >/dev/null 2>"$PW_TMP/planted.err" &
	pid=$!
	pw_track_pid "$pid"
	plant "$victim" "$out.tmp.$pid"
	wait "$pid" || rc=$?
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit $rc: $(tail -c 200 "$PW_TMP/planted.err")"
		[ "$(cat "$victim")" = precious ] ||
			echo "the link's target was written: $(head -c 80 "$victim")"
		[ ! -L "$out" ] || echo "$out is a link to $(readlink "$out")"
		jq -e '.type == "report"' "$out" >/dev/null 2>&1 || echo "$out is not a JSON report"
		[ "$(readlink "$out.tmp.$pid")" = "$victim" ] || echo "the planted link was changed"
		for f in "$out".tmp.*; do
			[ "$f" = "$out.tmp.$pid" ] || [ ! -e "$f" ] || echo "left behind: $f"
		done
	)
	pw_report files/output-planted-link "$problems"
	rm -f "$out" "$out".tmp.* "$victim"
}

check_output_is_link() {
	local out=$SHARED/out-link.json victim=$SHARED/victim2 rc=0 problems
	echo precious >"$victim"
	plant "$victim" "$out"
	"$PW_PORTWARDEN" report --standalone --json --duration 1 --interval 1 --output "$out" \
		</dev/null >/dev/null 2>"$PW_TMP/outlink.err" || rc=$?
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit $rc: $(tail -c 200 "$PW_TMP/outlink.err")"
		[ "$(cat "$victim")" = precious ] || echo "the link's target was written"
		[ ! -L "$out" ] || echo "$out is still a link"
		jq -e '.type == "report"' "$out" >/dev/null 2>&1 || echo "$out is not a JSON report"
	)
	pw_report files/output-is-link "$problems"
	rm -f "$out" "$victim"
}

# report_fails NAME OUTPUT [unshare-ro DIR]: exit 2 within 5 s of a start
# asked to watch for 8 s, naming --output on stderr.
report_fails() {
	local name=$1 out=$2 rc=0 t0=$SECONDS
	shift 2
	if [ $# -gt 0 ]; then # a read-only tmpfs over DIR, seen by this process only
		# shellcheck disable=SC2016 # $1.. belong to the inner sh
		timeout 60 unshare -m sh -c 'mount -t tmpfs -o ro,size=64k pw-ro "$1" && shift &&
			exec "$@"' pw-ro "$2" "$PW_PORTWARDEN" report --standalone --duration 8 --output "$out" \
			</dev/null >/dev/null 2>"$PW_TMP/$name.err" || rc=$?
	else
		timeout 60 "$PW_PORTWARDEN" report --standalone --duration 8 --output "$out" </dev/null >/dev/null \
			2>"$PW_TMP/$name.err" || rc=$?
	fi
	[ "$rc" -eq 2 ] || echo "$name: exit $rc, want 2: $(tail -c 150 "$PW_TMP/$name.err")"
	[ $((SECONDS - t0)) -lt 5 ] || echo "$name: took $((SECONDS - t0)) s"
	grep -q -e "--output" "$PW_TMP/$name.err" || echo "$name: stderr does not name --output"
}

check_output_bad() {
	local problems
	mkdir "$PW_TMP/ro"
	problems=$(
		report_fails out-missing "$PW_TMP/no/such/dir/report"
		report_fails out-dir "$PW_TMP"
		report_fails out-ro "$PW_TMP/ro/report" unshare-ro "$PW_TMP/ro"
	)
	pw_report files/output-bad "$problems"
}

# ---- run --log, --config ------------------------------------------------------

# run_fails NAME ARGS...: portwarden run ARGS exits 2 within 20 s (a hang or a
# start is stopped by timeout), stderr in NAME.err containing WANT.
run_fails() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout 20 "$PW_PORTWARDEN" run --no-socket --no-incidents --cgroup "$BASE" "$@" </dev/null >/dev/null \
		2>"$PW_TMP/$name.err" || rc=$?
	[ "$rc" -eq 2 ] || echo "$name: exit $rc, want 2: $(tail -c 150 "$PW_TMP/$name.err")"
	grep -q -e "$want" "$PW_TMP/$name.err" ||
		echo "$name: stderr \"$(head -c 150 "$PW_TMP/$name.err")\", want $want"
}

check_log_special() {
	local problems victim=$SHARED/log-victim
	mkfifo "$PW_TMP/log.fifo"
	echo precious >"$victim"
	plant "$victim" "$SHARED/log.jsonl"
	problems=$(
		run_fails log-full 'not a regular file' --log /dev/full
		run_fails log-fifo 'not a regular file' --log "$PW_TMP/log.fifo"
		run_fails log-link 'symbolic link' --log "$SHARED/log.jsonl"
		[ "$(cat "$victim")" = precious ] || echo "the link's target was written"
	)
	pw_report files/log-special "$problems"
	rm -f "$SHARED/log.jsonl" "$victim"
}

check_config_fifo() {
	mkfifo "$PW_TMP/conf.fifo"
	pw_report files/config-fifo "$(run_fails conf-fifo 'not a regular file' \
		--config "$PW_TMP/conf.fifo" --log "$PW_TMP/conf-fifo.jsonl")"
}

# ---- reloads ------------------------------------------------------------------

CONF=$PW_TMP/run.conf
GOOD='[daemon]\ninterval = 1s\nwindow = 8s\n[policy]\nfill_threshold = 20%%\n'

# hup_expect NAME PATTERN: SIGHUP the daemon and wait for the next stderr
# line matching PATTERN (one more than before); PROBLEMS if none in 10 s or
# the daemon is gone.
hup_expect() {
	local before deadline=$((SECONDS + 10))
	before=$(grep -c -e "$2" "$PW_TMP/run.err" || true)
	kill -s HUP "$DAEMON"
	until [ "$(grep -c -e "$2" "$PW_TMP/run.err" || true)" -gt "$before" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "$1: no \"$2\" within 10 s of SIGHUP: $(tail -n 1 "$PW_TMP/run.err" | head -c 150)"
			return
		fi
		sleep 0.1
	done
	pw_pid_alive "$DAEMON" || echo "$1: the daemon died"
}

check_reloads() {
	local problems rc=0
	# shellcheck disable=SC2059 # GOOD is the format
	printf "$GOOD" >"$CONF"
	pw_start_run files/reload-start "$PW_TMP/run" --cgroup "$BASE" --config "$CONF" || return 0
	DAEMON=$PW_DAEMON

	rm "$CONF"
	mkfifo "$CONF"
	problems=$(hup_expect fifo 'keeping the previous configuration')
	rm -f "$CONF"
	pw_report files/reload-config-fifo "$problems"

	# a terminal title escape, a bell, bytes that are no UTF-8, and a NUL
	printf '[daemon]\n\033]0;pwned\007interval\033[2J = \377\376\n\0garbage\n' >"$CONF"
	problems=$(
		hup_expect garbage 'keeping the previous configuration'
		if LC_ALL=C grep -n -P '[\x00-\x08\x0b-\x1f\x7f]' "$PW_TMP/run.err" >/dev/null; then
			echo "raw control bytes on stderr: $(LC_ALL=C grep -P '[\x00-\x08\x0b-\x1f\x7f]' \
				"$PW_TMP/run.err" | head -n 1 | od -c | head -n 2 | paste -sd ' ')"
		fi
		printf '[daemon]\nwindow = 8s\n\001\033[31m = 1\n' >"$CONF"
		hup_expect garbage2 'keeping the previous configuration'
		if LC_ALL=C grep -n -P '[\x00-\x08\x0b-\x1f\x7f]' "$PW_TMP/run.err" >/dev/null; then
			echo "raw control bytes on stderr after a bad key"
		fi
		# shellcheck disable=SC2059 # GOOD is the format
		printf "$GOOD" >"$CONF"
		hup_expect good 'reloaded '
	)
	pw_report files/reload-config-garbage "$problems"

	# logrotate moved the log away, and a FIFO took its name
	mv "$PW_TMP/run.jsonl" "$PW_TMP/run.jsonl.1"
	mkfifo "$PW_TMP/run.jsonl"
	problems=$(hup_expect log-fifo 'cannot reopen the audit log')
	rm -f "$PW_TMP/run.jsonl"
	kill -s TERM "$DAEMON"
	pw_wait_exit "$DAEMON" 15 || true
	if pw_pid_alive "$DAEMON"; then
		problems+=$'\n'"still running 15 s after SIGTERM"
	else
		wait "$DAEMON" || rc=$?
		[ "$rc" -eq 0 ] || problems+=$'\n'"exit $rc after SIGTERM"
		tail -n 1 "$PW_TMP/run.jsonl.1" | jq -e '.event == "stop"' >/dev/null 2>&1 ||
			problems+=$'\n'"the stop record is not in the old log"
	fi
	pw_report files/reload-log-fifo "$(echo "$problems" | sed '/^$/d')"
}

# ---- a full disk under the log ------------------------------------------------

check_log_disk_full() {
	local dir=$PW_TMP/full conf=$PW_TMP/full.conf pid leak t0 rc=0 problems warned
	mkdir "$dir"
	# shellcheck disable=SC2059 # GOOD is the format
	printf "$GOOD" >"$conf"
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	unshare -m sh -c 'mount -t tmpfs -o size=64k pw-full "$1" || exit 125
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
		shift; exec "$@"' pw-full "$dir" \
		"$PW_PORTWARDEN" run --no-socket --no-incidents --cgroup "$BASE" --config "$conf" --log "$dir/audit.jsonl" \
		</dev/null >/dev/null 2>"$PW_TMP/full.err" &
	pid=$!
	pw_track_pid "$pid"
	if ! pw_wait_ready "$pid" "$PW_TMP/full.err" '^portwarden: start' 30; then
		pw_fail files/log-disk-full "not started: $(tail -c 200 "$PW_TMP/full.err")"
		return 0
	fi
	pw_start_portleak leak "$(pw_make_cgroup leak)" "$(pw_make_netns 40000 41999)" \
		tcp-connect --listen --rate 20 --duration 60 --hold 60 --comm pl-leak
	leak=$(cat "$PW_TMP/leak.pid")
	t0=$SECONDS
	pw_wait_ready "$pid" "$PW_TMP/full.err" "action would_kill pid $leak " 60 || true
	echo "# named after $((SECONDS - t0)) s with the log's disk full"
	kill -s TERM "$pid" 2>/dev/null || true
	pw_wait_exit "$pid" 15 || true
	wait "$pid" || rc=$?
	pw_stop "$(cat "$PW_TMP/leak.pid")"
	warned=$(grep -c 'cannot write the audit log' "$PW_TMP/full.err" || true)
	problems=$(
		[ "$rc" -eq 0 ] || echo "exit $rc after SIGTERM"
		grep -q "action would_kill pid $leak " "$PW_TMP/full.err" ||
			echo "the leaker was not named within 60 s: $(tail -n 1 "$PW_TMP/full.err" | head -c 150)"
		grep -q 'cannot write the audit log .*No space left on device' "$PW_TMP/full.err" ||
			echo "no warning with ENOSPC"
		[ "$warned" -le 2 ] || echo "$warned warnings in about a minute: not rate limited"
		tail -n 1 "$PW_TMP/full.err" |
			grep -q '^portwarden: stop: .*: [0-9]* audit records could not be written' ||
			echo "the stop line counts no refused records: $(tail -n 1 "$PW_TMP/full.err" | head -c 200)"
	)
	pw_report files/log-disk-full "$problems"
}

# ---- SIGHUP while starting ------------------------------------------------------

check_sighup_at_start() {
	local pid exe sent=0 t0=$SECONDS problems rc=0
	exe=$(readlink -f "$PW_PORTWARDEN")
	"$PW_PORTWARDEN" run --no-socket --no-incidents --cgroup "$BASE" --log "$PW_TMP/hup.jsonl" \
		</dev/null >/dev/null 2>"$PW_TMP/hup.err" &
	pid=$!
	pw_track_pid "$pid"
	# not before the exec: until then it is bash's child, not portwarden
	until [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] ||
		[ $((SECONDS - t0)) -ge 10 ]; do
		sleep 0.01
	done
	sleep 0.05 # the dynamic loader and libc's start: not ours to protect
	while pw_pid_alive "$pid" && ! grep -q '"event":"start"' "$PW_TMP/hup.jsonl" 2>/dev/null &&
		[ $((SECONDS - t0)) -lt 30 ]; do
		kill -s HUP "$pid" 2>/dev/null && sent=$((sent + 1))
		sleep 0.02
	done
	echo "# $sent SIGHUPs during the start"
	problems=$(
		[ "$sent" -gt 0 ] || echo "no SIGHUP was sent while it started: nothing tested"
		pw_pid_alive "$pid" || echo "killed by SIGHUP during the start (after $sent)"
		grep -q '"event":"start"' "$PW_TMP/hup.jsonl" 2>/dev/null ||
			echo "no start record: $(tail -c 150 "$PW_TMP/hup.err")"
	)
	if pw_pid_alive "$pid"; then
		kill -s TERM "$pid"
		pw_wait_exit "$pid" 15 || true
		wait "$pid" || rc=$?
		[ "$rc" -eq 0 ] || problems+=$'\n'"exit $rc after SIGTERM"
	fi
	pw_report files/sighup-at-start "$(echo "$problems" | sed '/^$/d')"
}

# ---- stdout and numbers ---------------------------------------------------------

# full NAME TIMEOUT ARGS...: portwarden ARGS >/dev/full exits 1 saying so.
full() {
	local name=$1 t=$2 rc=0
	shift 2
	# trace writes only when something happens: make it happen (a refused
	# loopback connect still takes a port and changes state)
	(for _ in $(seq $((t * 5))); do
		(: </dev/tcp/127.0.0.1/1) 2>/dev/null || true
		sleep 0.2
	done) &
	local churn=$!
	timeout "$t" "$PW_PORTWARDEN" "$@" </dev/null >/dev/full 2>"$PW_TMP/full-$name.err" || rc=$?
	kill "$churn" 2>/dev/null || true
	wait "$churn" 2>/dev/null || true
	[ "$rc" -eq 1 ] || echo "$*: exit $rc, want 1"
	grep -q 'cannot write' "$PW_TMP/full-$name.err" ||
		echo "$*: no message: $(tail -c 100 "$PW_TMP/full-$name.err")"
}

check_stdout_full() {
	pw_report files/stdout-full "$(
		full snap 30 snapshot
		full snapjson 30 snapshot --json
		full report 30 report --duration 1 --interval 1
		full reportjson 30 report --json --duration 1 --interval 1
		full top 30 top --batch
		full trace 10 trace
		full tracejson 10 trace --json
		full probe 30 probe
		full help 10 report --help
	)"
}

check_number_space() {
	local tab=$'\t' problems rc
	problems=$(
		for args in "trace --pid ${tab}1" "trace --pid ${tab}-1" "snapshot --limit ${tab}5" \
			"report --duration ${tab}5" "report --interval +1" "top --batch --frames ${tab}2"; do
			rc=0
			# shellcheck disable=SC2086 # split on spaces only, the tab stays
			(IFS=' ' && exec timeout 10 "$PW_PORTWARDEN" $args) </dev/null >/dev/null 2>&1 || rc=$?
			[ "$rc" -eq 2 ] || echo "'$args': exit $rc, want 2"
		done
	)
	pw_report files/number-space "$problems"
}

check_number_space
check_stdout_full
check_planted_link
check_output_is_link
check_output_bad
check_log_special
check_config_fifo
check_reloads
check_sighup_at_start
check_log_disk_full
pw_done
