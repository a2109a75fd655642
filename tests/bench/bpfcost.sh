#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The BPF cost per connection of `portwarden run`, A/B between two builds,
# from the kernel's own per-program accounting (kernel.bpf_stats_enabled):
# each program's run_time_ns and run_cnt, read from the daemon's program fds
# (/proc/PID/fdinfo) before and after one churn run, divided by the
# connections the run made. That is the time spent inside our programs (not
# the dispatch to them), and other load on the machine disturbs it much less
# than wall-clock or CPU ratios, which it also prints: each round is
# base A base B base, churn's CPU ns/op of A and B against the mean of the
# baselines beside them.
#
# usage: tests/bench/bpfcost.sh OLD_BINARY NEW_BINARY [ROUNDS] (root)
#   BPFCOST_SECS: churn seconds per run (3); BPFCOST_ARGS: extra `run` options
# Prints one line per run, then the medians per program and build.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OLD=${1:?usage: bpfcost.sh OLD_BINARY NEW_BINARY [ROUNDS]}
NEW=${2:?usage: bpfcost.sh OLD_BINARY NEW_BINARY [ROUNDS]}
ROUNDS=${3:-5}
SECS=${BPFCOST_SECS:-3}
read -r -a EXTRA <<<"${BPFCOST_ARGS:-}"
RAW=$PW_TMP/bpfcost.tsv

# prog_stats PID: "id name run_time_ns run_cnt" for every BPF program PID holds.
prog_stats() {
	local fd id ns cnt
	for fd in /proc/"$1"/fdinfo/*; do
		# program fds only: a link's fdinfo names its prog_id too, without stats
		read -r id ns cnt < <(awk '$1 == "prog_id:" { id = $2 } $1 == "run_time_ns:" { ns = $2 }
			$1 == "run_cnt:" { cnt = $2 } END { if (id != "" && ns != "") print id, ns, cnt }' \
			"$fd" 2>/dev/null) || continue
		echo "$id $(bpftool prog show id "$id" -j | jq -r .name) $ns $cnt"
	done | sort -u -k1,1
}

churn_line() { # NETNS
	pb_in "" "$1" "$PB_BIN/churn" --duration "$SECS"
}

# measure LABEL BINARY NETNS ROUND: one run under BINARY; records per program.
measure() {
	local label=$1 bin=$2 ns=$3 round=$4 before after line ops pid
	"$bin" run --no-socket --no-incidents "${EXTRA[@]}" --log "$PW_TMP/$label.jsonl" \
		</dev/null >/dev/null 2>"$PW_TMP/$label.err" &
	pid=$!
	pw_track_pid "$pid"
	pw_wait_ready "$pid" "$PW_TMP/$label.jsonl" '"event":"start"' 30 || {
		echo "$label did not start: $(tail -c 300 "$PW_TMP/$label.err")" >&2
		return 1
	}
	sleep 0.5
	before=$(prog_stats "$pid")
	line=$(churn_line "$ns")
	after=$(prog_stats "$pid")
	pw_stop "$pid" INT 20
	rm -f "$PW_TMP/$label.jsonl"
	ops=$(pb_kv "$line" ops)
	echo "$round $label churn $(pb_kv "$line" cpu_ns_per_op) $ops" >>"$RAW"
	join <(echo "$before" | awk '{ print $1, $2, $3, $4 }') <(echo "$after" | awk '{ print $1, $3, $4 }') |
		awk -v r="$round" -v l="$label" -v ops="$ops" '{
			printf "%s %s prog %s %.1f %.2f\n", r, l, $2, ($5 - $3) / ops, ($6 - $4) / ops }' >>"$RAW"
}

base() { # NETNS ROUND I
	local line
	line=$(churn_line "$1")
	echo "$2 base$3 churn $(pb_kv "$line" cpu_ns_per_op) $(pb_kv "$line" ops)" >>"$RAW"
}

main() {
	local ns r old_stats
	pw_require_root
	pw_require_bpf
	pw_require_cmd bpftool jq nsenter
	pw_require_file "$PB_BIN/churn" churn
	cp "$OLD" "$PW_TMP/pw-old" && cp "$NEW" "$PW_TMP/pw-new" || exit 1
	old_stats=$(sysctl -n kernel.bpf_stats_enabled)
	pw_on_exit "sysctl -q -w kernel.bpf_stats_enabled=$old_stats"
	sysctl -q -w kernel.bpf_stats_enabled=1
	ns=$(pb_netns net.ipv4.tcp_max_tw_buckets=0) || exit 1
	for r in $(seq "$ROUNDS"); do
		# alternate which build goes first, so neither always follows a base run
		base "$ns" "$r" 0
		if [ $((r % 2)) = 1 ]; then
			measure old "$PW_TMP/pw-old" "$ns" "$r"; base "$ns" "$r" 1
			measure new "$PW_TMP/pw-new" "$ns" "$r"; base "$ns" "$r" 2
		else
			measure new "$PW_TMP/pw-new" "$ns" "$r"; base "$ns" "$r" 1
			measure old "$PW_TMP/pw-old" "$ns" "$r"; base "$ns" "$r" 2
		fi
		echo "round $r done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	done
	cat "$RAW"
	summary
}

# clean_values LABEL PROG: PROG's ns/conn in the rounds where LABEL's run saw
# no other TCP traffic.
clean_values() {
	awk -v l="$1" -v p="$2" '$2 == l && $3 == "prog" && $4 == "state_btf" && $6 > 0 && $6 <= 10.5 {
			clean[$1] = 1 }
		$2 == l && $3 == "prog" && $4 == p { v[$1] = $5 }
		END { for (r in clean) print v[r] }' "$RAW"
}

# summary: medians of ns per connection per program, and of the CPU ratios.
# Other processes' TCP traffic runs the state programs too (runs/conn above
# the loop's 10): ns/run is then the steadier figure, and ns/run x 10 the
# state hook's cost per connection of the loop.
summary() {
	local label prog rest
	echo "## medians over $ROUNDS rounds: ns of BPF per connection, runs per connection, ns per run"
	awk '$3 == "prog" && $6 > 0 { k = $2 " " $4; ns[k] = ns[k] " " $5; cnt[k] = cnt[k] " " $6
			per[k] = per[k] " " $5 / $6 }
		END { for (k in ns) print k, ns[k], "|", cnt[k], "|", per[k] }' "$RAW" | sort |
		while read -r label prog rest; do
			printf '%s %-18s ns/conn %8s runs/conn %6s ns/run %6s\n' "$label" "$prog" \
				"$(tr ' ' '\n' <<<"${rest%%|*}" | grep . | pb_median)" \
				"$(cut -d'|' -f2 <<<"$rest" | tr ' ' '\n' | grep . | pb_median)" \
				"$(tr ' ' '\n' <<<"${rest##*|}" | grep . | pb_median | xargs printf '%.1f')"
		done
	for label in old new; do
		printf '%s total ns/conn %s\n' "$label" "$(awk -v l="$label" '$2 == l && $3 == "prog" {
			t[$1] += $5 } END { for (r in t) print t[r] }' "$RAW" | pb_median)"
	done
	# runs no other TCP traffic touched: the state hook ran ~10 times per
	# connection, as the loop alone makes it (5 state changes per end)
	for label in old new; do
		printf '%s clean rounds (state_btf <= 10.5 runs/conn): %s; ns/conn state_btf %s, state_rescue %s\n' \
			"$label" "$(clean_values "$label" state_btf | wc -l)" \
			"$(clean_values "$label" state_btf | pb_median)" \
			"$(clean_values "$label" state_rescue | pb_median)"
	done
	# CPU ns/op of each build over the mean of the two base runs beside it
	for label in old new; do
		printf '%s churn CPU ns/op ratio %s\n' "$label" "$(awk -v l="$label" '$3 == "churn" {
			v[$1 " " $2] = $4 } END { for (k in v) { split(k, a, " "); if (a[2] != l) continue
				r = a[1]
				# the build run between base0 and base1, or base1 and base2
				if ((r % 2 == 1) == (l == "old")) print v[k] / ((v[r " base0"] + v[r " base1"]) / 2)
				else print v[k] / ((v[r " base1"] + v[r " base2"]) / 2) } }' "$RAW" | pb_median)"
	done
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

main
pw_done
