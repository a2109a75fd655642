#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks `portwarden top` (README: options, keys, columns, batch mode, exit status)
# while three workloads hold ports, each in its own child cgroup and netns:
#   topleak  connections to its own listener, 20 a second, never closed
#   small    5 connections, held
#   esc      3 connections, held, by a process named ESC [31m red
#  - without --batch and without a terminal it exits 2 and points at --batch;
#    bad -d and -n values exit 2;
#  - --batch -n 2 -d 1 prints two frames, each with its header line, the
#    leaker's cgroup and process, the escaped name and no raw ESC byte;
#  - --batch -n 6 -d 1: the 6th frame shows a finite time to exhaustion on
#    the leaker's pool and a pending class ("leak? 4s") on its row, long
#    before the classifier's window (30 s) could name it, and in its detail
#    the ages of its oldest sockets (at least the 5 s top has watched: they
#    were there before it started) and its newest (under 3 s);
#  - on a terminal (tmux, TERM=xterm-256color, 200x50): the screen uses the
#    alternate screen; sorted by ports the leaker's cgroup is the first row
#    of this test's cgroups (a filter on their parent keeps other load out);
#    the sort keys change the order; the filter keeps only matching rows and
#    Esc clears it; Enter shows a cgroup's processes; the ESC name shows as
#    \x1b and no raw ESC reaches the pane; d on the leaker's row opens its
#    detail pane (its pid, sockets, evidence, and the age of its oldest
#    sockets as a lower bound: it was there before top started); the leaker
#    is classed leak; a leaker started then (late) shows in its detail pane
#    its oldest socket's age as the seconds since it started (within 5 s)
#    and its newest under 3 s; q and SIGTERM exit 0, leave the alternate
#    screen and give the prompt back;
#  - on 80x24 with NO_COLOR and LC_ALL=C: the pools' fill history (ASCII)
#    in the rows the table leaves empty, no colour sequence, nothing beyond
#    printable ASCII; d shows a detail pane with the ages line, still
#    ASCII; h shows the whole help, its last line on the screen; and q still
#    exits 0.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_root
pw_require_cmd ip tmux timeout
pw_require_cgroup2
pw_require_file "$PW_PORTWARDEN" portwarden
pw_require_bpf
pw_require_file "$PW_PORTLEAK" portleak

HOLD=300
ESC_COMM=$'\e[31mred'
ESC_SHOWN='\x1b[31mred'
PROMPT='pw-top-prompt$ '
SOCKET=portwarden-test-$$
PANE=$PW_TMP/pane

BASE=$(pw_cgroup_base)
REL_BASE=$(pw_cgroup_relpath "$BASE")

# ---- workloads ------------------------------------------------------------------

# start NAME ARGS...: portleak ARGS in child cgroup NAME and its own netns,
# holding its sockets for HOLD seconds. Files: $PW_TMP/NAME.{json,err,pid}.
start() {
	# shellcheck disable=SC2119 # a netns with the default port range
	pw_start_portleak "$1" "$(pw_make_cgroup "$1")" "$(pw_make_netns)" "${@:2}" --hold "$HOLD"
}

start_workloads() {
	start topleak tcp-connect --listen --rate 20 --duration "$HOLD" --comm pl-topleak
	start small tcp-connect --listen --count 5 --comm pl-small
	start esc tcp-connect --listen --count 3 --comm "$ESC_COMM"
	# small and esc print their line once connected, then hold
	if ! pw_wait_for_file_line "$PW_TMP/small.json" '^{' 30 ||
		! pw_wait_for_file_line "$PW_TMP/esc.json" '^{' 30; then
		pw_fail top/setup "workloads did not start: $(cat "$PW_TMP"/*.err | head -c 300)"
		exit 1
	fi
}

# ---- without a screen -----------------------------------------------------------

# expect_usage NAME PATTERN ARGS...: `top ARGS` with stdin and stdout not
# terminals exits 2, prints nothing on stdout and PATTERN on stderr.
expect_usage() {
	local name=$1 pattern=$2 rc=0 problems=''
	shift 2
	timeout -k 2 20 "$PW_PORTWARDEN" top --standalone "$@" </dev/null >"$PW_TMP/$name.out" \
		2>"$PW_TMP/$name.err" || rc=$?
	[ "$rc" -eq 2 ] || problems="exit status $rc, want 2"
	grep -Eq -e "$pattern" "$PW_TMP/$name.err" ||
		problems="$problems${problems:+$'\n'}stderr: $(head -c 200 "$PW_TMP/$name.err")"
	[ ! -s "$PW_TMP/$name.out" ] ||
		problems="$problems${problems:+$'\n'}stdout: $(head -c 100 "$PW_TMP/$name.out")"
	pw_report "top/$name" "$problems"
}

check_usage() {
	expect_usage no-terminal '--batch'
	expect_usage delay-zero 'delay.*0' --batch -d 0
	expect_usage delay-too-long 'delay.*61' --batch -d 61
	expect_usage frames-zero 'frames.*0' --batch -n 0
}

# batch_problems FILE: two frames, each with its header line, the leaker's
# cgroup and process rows; the ESC name escaped; no raw ESC byte.
batch_problems() {
	local file=$1 headers esc
	headers=$(grep -Ec '^portwarden top - [0-9]{2}:[0-9]{2}:[0-9]{2} up ' "$file" || true)
	[ "$headers" -eq 2 ] || echo "$headers header lines, want 2"
	awk -v cg="$REL_BASE/topleak" '
		/^portwarden top - / { frame++ }
		substr($0, length($0) - length(cg) + 1) == cg { group[frame] = 1 }
		$NF == "pl-topleak" { proc[frame] = 1 }
		END {
			for (f = 1; f <= 2; f++) {
				if (!group[f]) print "frame " f ": no row for cgroup " cg
				if (!proc[f]) print "frame " f ": no row for process pl-topleak"
			}
		}' "$file"
	grep -qF -e "$ESC_SHOWN" "$file" || echo "no escaped name $ESC_SHOWN"
	esc=$(tr -dc '\033' <"$file" | wc -c)
	[ "$esc" -eq 0 ] || echo "$esc raw ESC bytes"
}

check_batch() {
	local out=$PW_TMP/batch.out rc=0
	timeout -k 2 60 "$PW_PORTWARDEN" top --standalone --batch -n 2 -d 1 </dev/null >"$out" \
		2>"$PW_TMP/batch.err" || rc=$?
	pw_check top/batch-exit "exit status $rc: $(tail -c 300 "$PW_TMP/batch.err")" \
		[ "$rc" -eq 0 ]
	pw_report top/batch-frames "$(batch_problems "$out")"
}

# The last of FRAMES batch frames in FILE.
last_frame() {
	awk -v n="$2" '/^portwarden top - / { f++ } f == n' "$1"
}

# evidence_problems FILE NETNS PID: in the 6th frame (5 s of top's own
# samples, the classifier's window is 30 s) the leaker's pool line has a
# finite forecast, its row a pending class with its seconds ("leak? 4s"),
# and its detail says what is missing before it is named and charts its
# held ports.
evidence_problems() {
	local frame
	frame=$(last_frame "$1" 6)
	[ -n "$frame" ] || { echo "no 6th frame: $(tail -c 300 "$PW_TMP/evidence.err")"; return; }
	grep -Eq "^tcp-connect .* out in [0-9][0-9dhms]* +netns $2( |\$)" <<<"$frame" ||
		echo "no forecast on the leaker's pool (netns $2): $(grep -E "netns $2( |\$)" <<<"$frame" || echo none)"
	awk '$NF == "pl-topleak"' <<<"$frame" | grep -Eq ' [a-z-]+\? [0-9]+s ' ||
		echo "no pending class: $(awk '$NF == "pl-topleak"' <<<"$frame")"
	# its detail after the table: who, and what is missing before it is named
	grep -A11 '^detail:$' <<<"$frame" | grep -A10 -E "^  process $3 pl-topleak in " |
		grep -Eq '^  heading to [a-z-]+: grew [0-9]+ s without a drop; missing before' ||
		echo "no detail with the evidence: $(grep -A11 '^detail:$' <<<"$frame" | paste -sd '|' | head -c 600)"
	# the ages of its sockets: born before top's first sample, 5 s ago
	grep -A3 -E "^  process $3 pl-topleak in " <<<"$frame" |
		grep -Eq '^  ages: oldest >=[4-9]s \(before top started\), newest <[1-3]s, of [0-9]+ file-held sockets$' ||
		echo "no socket ages in its detail: $(grep -A3 -E "^  process $3 pl-topleak in " <<<"$frame" | paste -sd '|' | head -c 600)"
	# and the chart of its held ports, sample by sample
	awk -v who="^  process $3 pl-topleak in " '/^detail:$/ { d = 1; mine = 0; next }
		d && $0 ~ who { mine = 1 } /^$/ { d = 0 } d && mine' <<<"$frame" |
		grep -Eq '^  held ports .+ peak [0-9]+, [0-9]+ s$' ||
		echo "no held-ports chart in its detail: $(grep -A11 '^detail:$' <<<"$frame" | paste -sd '|' | head -c 600)"
}

check_batch_evidence() {
	local out=$PW_TMP/evidence.out rc=0 ns
	ns=$(stat -L -c %i "/proc/$(cat "$PW_TMP/topleak.pid")/ns/net")
	timeout -k 2 60 "$PW_PORTWARDEN" top --standalone --batch -n 6 -d 1 </dev/null >"$out" \
		2>"$PW_TMP/evidence.err" || rc=$?
	pw_check top/batch-evidence-exit "exit status $rc: $(tail -c 300 "$PW_TMP/evidence.err")" \
		[ "$rc" -eq 0 ]
	pw_report top/batch-evidence "$(evidence_problems "$out" "$ns" "$(cat "$PW_TMP/topleak.pid")")"
}

# ---- on a terminal --------------------------------------------------------------

tm() {
	tmux -L "$SOCKET" -f /dev/null "$@"
}

# A shell in a private tmux server, 200x50; top runs in it as a user would.
start_terminal() {
	pw_on_exit "tmux -L '$SOCKET' kill-server 2>/dev/null"
	env PS1="$PROMPT" tmux -L "$SOCKET" -f /dev/null new-session -d -s top -x 200 -y 50 \
		bash --norc --noprofile -i
}

# run_top [ENV...]: start top in the shell (with ENV, as env(1) takes it), its pid in $PW_TMP/top.pid; then the exit
# status is printed as "top-exit=N" before the prompt comes back.
run_top() {
	rm -f "$PW_TMP/top.pid"
	local cmd="exec env TERM=xterm-256color ${1:-} $PW_PORTWARDEN top --standalone -d 1"
	tm send-keys -t top -l "bash -c 'echo \$\$ >$PW_TMP/top.pid; $cmd'; echo top-exit=\$?"
	tm send-keys -t top Enter
}

keys() {
	tm send-keys -t top "$@"
	sleep 0.4
}

# type_filter TEXT: replace the filter with TEXT (Esc clears, / starts typing).
type_filter() {
	keys Escape
	keys /
	tm send-keys -t top -l "$1"
	keys Enter
}

# wait_pane SECONDS CMD...: capture the pane into $PANE until CMD succeeds.
wait_pane() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		tm capture-pane -p -t top >"$PANE" 2>/dev/null || true
		"$@" && return 0
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.3
	done
}

title_has() {
	head -n 1 "$PANE" | grep -qF -e "$1"
}

# The table's rows: after the column header, up to the fill history in the
# rows it leaves empty, without the status line at the bottom.
rows() {
	sed '$d' "$PANE" | awk '/^fill history/ { exit } seen && NF { print }
		/^ +PID +PORTS +ESTAB/ { seen = 1 }'
}

# The cgroups of the rows, by their last path component, top to bottom ("topleak small esc").
row_cgroups() {
	rows | awk -v base="$REL_BASE/" '
		index($NF, base) == 1 { print substr($NF, length(base) + 1) }' | paste -sd ' '
}

order_is() {
	[ "$(row_cgroups)" = "$1" ]
}

alternate_screen() {
	tm display-message -p -t top '#{alternate_on}'
}

pane_has() {
	grep -qF -e "$1" "$PANE"
}

last_line() {
	grep -v '^$' "$PANE" | tail -n 1
}

title() {
	head -n 1 "$PANE"
}

check_screen_starts() {
	if ! wait_pane 30 title_has 'portwarden top - '; then
		pw_fail top/screen "no title line within 30 s: $(last_line)"
		return 1
	fi
	pw_check top/alternate-screen "alternate_on is $(alternate_screen), want 1" \
		[ "$(alternate_screen)" = 1 ]
}

# sort_problems TITLE ORDER: the title names the sort, the rows are in ORDER.
sort_problems() {
	wait_pane 5 order_is "$2" || true
	title_has "sort $1" || echo "title: $(title)"
	order_is "$2" || echo "rows: '$(row_cgroups)', want '$2'"
}

check_sort() {
	type_filter "$REL_BASE/" # this test's cgroups only: other load cannot interfere
	wait_pane 20 order_is "topleak small esc" || true
	pw_report top/sort-ports "$(sort_problems PORTS "topleak small esc")"
	keys N
	pw_report top/sort-name-key "$(sort_problems NAME "esc small topleak")"
	keys '>' # NAME is the last column: the next is the first
	wait_pane 5 title_has 'sort PID' || true
	pw_report top/sort-next-key "$(title_has 'sort PID' || echo "after '>': $(title)")"
	keys P
	pw_report top/sort-ports-key "$(sort_problems PORTS "topleak small esc")"
}

filter_problems() {
	wait_pane 5 order_is small || true
	order_is small || echo "rows: '$(row_cgroups)', want 'small'"
	[ "$(rows | wc -l)" -eq 1 ] || echo "$(rows | wc -l) rows, want 1: $(rows | paste -sd '|')"
	title_has 'filter "small"' || echo "title: $(title)"
}

at_least_3_rows() {
	[ "$(rows | wc -l)" -ge 3 ]
}

# After Esc, every cgroup again: at least the three of this test.
filter_cleared_problems() {
	wait_pane 5 at_least_3_rows || true
	at_least_3_rows || echo "$(rows | wc -l) rows after Esc"
	! title_has filter || echo "title: $(title)"
}

check_filter() {
	type_filter small
	pw_report top/filter "$(filter_problems)"
	keys Escape
	pw_report top/filter-cleared "$(filter_cleared_problems)"
}

# expand_only NAME: filter on cgroup NAME, then Enter on its row, the only one.
expand_only() {
	type_filter "$REL_BASE/$1"
	keys Enter
}

second_row_is() {
	[ "$(rows | sed -n 2p | awk '{ print $NF }')" = "$1" ]
}

expand_problems() {
	wait_pane 5 second_row_is pl-topleak || true
	second_row_is pl-topleak || echo "rows: $(rows | paste -sd '|')"
	rows | head -n 1 | grep -q '^-' || echo "cgroup row not expanded: $(rows | head -n 1)"
}

# The name shows escaped; and since -e keeps colours as escape sequences, a
# raw ESC [31m from the name would show there as "red" turned red.
escape_problems() {
	local raw
	wait_pane 5 pane_has "$ESC_SHOWN" || true
	pane_has "$ESC_SHOWN" || echo "no '$ESC_SHOWN' row: $(rows | paste -sd '|')"
	raw=$(tm capture-pane -p -e -t top | grep -c $'\e\\[31mred' || true)
	[ "$raw" -eq 0 ] || echo "the name reached the pane raw ($raw lines)"
}

# d on the leaker's process row: the pane names it and gives the evidence.
detail_problems() {
	wait_pane 5 pane_has 'detail of the selected row' || true
	pane_has 'detail of the selected row' || echo "no detail pane: $(sed '$d' "$PANE" | tail -n 5 | paste -sd '|')"
	grep -Eq "^process $(cat "$PW_TMP/topleak.pid") pl-topleak in " "$PANE" ||
		echo "the pane does not name the leaker: $(grep -A3 'detail of' "$PANE" | paste -sd '|')"
	grep -Eq '^(evidence: slope|sockets: [0-9]+ holding a port)' "$PANE" ||
		echo "no evidence in the pane"
	# it started before top: its oldest sockets' age is a lower bound
	grep -Eq '^ages: oldest >=[0-9]+s \(before top started\), newest <[1-3]s, of [0-9]+ file-held sockets$' "$PANE" ||
		echo "no socket ages in the pane: $(grep -A3 'detail of' "$PANE" | paste -sd '|')"
}

check_rows() {
	expand_only topleak
	pw_report top/expand "$(expand_problems)"
	keys Down
	keys d
	pw_report top/detail-pane "$(detail_problems)"
	keys d
	expand_only esc
	pw_report top/escaped-name "$(escape_problems)"
}

# The leaker's row is marked suspect (*) and classed leak.
leaker_classed() {
	rows | awk -v cg="$REL_BASE/topleak" '
		$NF == cg && /^.\* / && / leak / { found = 1 }
		END { exit !found }'
}

check_class() {
	type_filter "$REL_BASE/"
	# classify.c: a 30 s window, then 15 breaching samples; top started ~30 s ago
	wait_pane 90 leaker_classed || true
	pw_report top/leaker-class "$(leaker_classed ||
		echo "leaker row: $(rows | grep -F "$REL_BASE/topleak")")"
}

# late_ages_problems START: the detail pane of pl-late, started after top at
# epoch START: its oldest socket (its listener, made as it starts) is as old
# as the time since, within top's 1 s sampling and the pane's lag (5 s on a
# loaded host; a lower bound from top's start would be 30 s more); its
# newest (20 connections a second) younger than a sample's interval.
late_ages_problems() {
	local line age elapsed
	wait_pane 10 grep -Eq '^ages: oldest [0-9]' "$PANE" || true
	grep -Eq "^process $(cat "$PW_TMP/late.pid") pl-late in " "$PANE" ||
		echo "the pane does not name pl-late: $(grep -A3 'detail of' "$PANE" | paste -sd '|')"
	elapsed=$(($(date +%s) - $1))
	line=$(grep -E '^ages: ' "$PANE" || echo none)
	if [[ ! $line =~ ^ages:\ oldest\ ([0-9]+)s,\ newest\ \<[1-3]s,\ of\ [0-9]+\ file-held\ sockets$ ]]; then
		echo "ages line: '$line'"
		return
	fi
	age=${BASH_REMATCH[1]}
	echo "top/detail-ages: oldest ${age}s, started ${elapsed}s ago" >&2
	[ "$age" -ge $((elapsed - 5)) ] && [ "$age" -le $((elapsed + 1)) ] ||
		echo "oldest ${age}s, started ${elapsed}s ago"
}

# A leaker started while top runs: the ages in its detail are its own.
check_late_ages() {
	local start ns
	# shellcheck disable=SC2119 # a netns with the default port range
	ns=$(pw_make_netns)
	start=$(date +%s)
	pw_start_portleak late "$(pw_make_cgroup late)" "$ns" tcp-connect --listen --rate 20 \
		--duration "$HOLD" --hold "$HOLD" --comm pl-late
	sleep 6
	expand_only late
	keys Down
	keys d
	pw_report top/detail-ages "$(late_ages_problems "$start")"
	keys d
	keys Escape
	# out of the rows the later checks read: its TIME_WAIT sockets go with its netns
	pw_stop "$(cat "$PW_TMP/late.pid")" || true
	ip netns del "$ns" 2>/dev/null || true
}

# exit_problems: top printed top-exit=0, the prompt is back, the alternate screen left.
exit_line() {
	grep -qx 'top-exit=[0-9]*' "$PANE" &&
		case $(last_line) in "${PROMPT% }" | "$PROMPT") true ;; *) false ;; esac
}

exit_problems() {
	# 30 s: detaching the BPF programs waits for RCU grace periods, which a
	# busy host stretches (a CI run once took over 10 s)
	# the status line top-exit=N, not the typed command that prints it (on the
	# screen again as soon as top leaves the alternate screen, before it has
	# detached its programs and exited)
	wait_pane 30 exit_line || true
	grep -qx 'top-exit=0' "$PANE" || echo "no top-exit=0: $(grep top-exit "$PANE" || last_line)"
	case $(last_line) in
	"${PROMPT% }" | "$PROMPT") ;;
	*) echo "last line: '$(last_line)', want the prompt" ;;
	esac
	[ "$(alternate_screen)" = 0 ] || echo "still on the alternate screen"
}

check_quit() {
	keys q
	pw_report top/quit "$(exit_problems)"
}

check_sigterm() {
	local pid
	tm send-keys -t top -l clear
	tm send-keys -t top Enter
	run_top
	if ! wait_pane 30 title_has 'portwarden top - ' || [ ! -s "$PW_TMP/top.pid" ]; then
		pw_fail top/sigterm "the second top did not start: $(last_line)"
		return
	fi
	pid=$(cat "$PW_TMP/top.pid")
	pw_track_pid "$pid"
	kill -s TERM "$pid"
	pw_report top/sigterm "$(exit_problems)"
}

# small_problems: on 80x24 with NO_COLOR and an ASCII locale, the title, the
# leaker's pool with its forecast, the fill history in the rows the table
# leaves empty (ASCII levels only), and no colour sequence in the pane.
small_problems() {
	local colours
	wait_pane 20 pane_has 'fill history' || true
	title_has 'portwarden top - ' || echo "title: $(title)"
	pane_has 'fill history' || echo "no fill history: $(paste -sd '|' "$PANE" | head -c 600)"
	grep -Eq '^[a-z-]+ +[_.:=+*#-]{2,} peak [0-9.]+%, [0-9]+ s$' "$PANE" ||
		echo "no ASCII chart line: $(grep -A3 'fill history' "$PANE" | paste -sd '|')"
	! LC_ALL=C grep -q '[^ -~]' "$PANE" || echo "bytes beyond printable ASCII in the pane"
	colours=$(tm capture-pane -p -e -t top | grep -Ec $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5)[;m]' || true)
	[ "$colours" -eq 0 ] || echo "$colours lines with colour sequences under NO_COLOR"
}

# The detail pane of the first row on 80x24: its ages line, printable ASCII.
small_detail_problems() {
	wait_pane 10 pane_has 'ages: oldest' || true
	grep -Eq '^ages: oldest [>=0-9a-z]+' "$PANE" ||
		echo "no ages line: $(grep -A4 'detail of' "$PANE" | paste -sd '|')"
	! LC_ALL=C grep -q '[^ -~]' "$PANE" || echo "bytes beyond printable ASCII in the pane"
}

# The help (h) on 80x24: its first line at the top, its last one ("Press any
# key to go back.") on the screen, not cut off below the 24th row; and its
# widest line (79 columns) whole.
small_help_problems() {
	wait_pane 5 pane_has 'Press any key to go back.' || true
	head -n 1 "$PANE" | grep -q '^portwarden top: what holds local ports, live' ||
		echo "first line: $(head -n 1 "$PANE")"
	pane_has 'Press any key to go back.' ||
		echo "the help's last line is not on the screen: it ends with $(grep -v '^$' "$PANE" | tail -n 2 | paste -sd '|')"
	grep -Eq '^  d +.*, failures,$' "$PANE" ||
		echo "its d line is cut: $(grep -E '^  d ' "$PANE" || echo none)"
}

check_small_terminal() {
	tm send-keys -t top -l clear
	tm send-keys -t top Enter
	tm resize-window -t top -x 80 -y 24
	run_top 'NO_COLOR=1 LC_ALL=C'
	if ! wait_pane 30 title_has 'portwarden top - '; then
		pw_fail top/small-terminal "top did not start: $(last_line)"
		return
	fi
	pw_track_pid "$(cat "$PW_TMP/top.pid")"
	type_filter "$REL_BASE/" # this test's 3 cgroups: rows left empty for the history
	pw_report top/small-terminal "$(small_problems)"
	keys d
	pw_report top/small-terminal-detail "$(small_detail_problems)"
	keys d
	keys h
	pw_report top/small-terminal-help "$(small_help_problems)"
	keys Space # any key: back to the table
	keys q
	pw_report top/small-terminal-quit "$(exit_problems)"
}

start_workloads
check_usage
check_batch
check_batch_evidence
start_terminal
run_top
if check_screen_starts; then
	check_sort
	check_filter
	check_rows
	check_class
	check_late_ages
	check_quit
	check_sigterm
	check_small_terminal
fi
pw_done
