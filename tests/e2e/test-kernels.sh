#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Checks that the one portwarden build (CO-RE) loads and reports the right
# failures on other kernels: boots each Debian kernel of tests/vm/kernels.list
# under qemu (KVM if usable, else TCG) with an initramfs holding a static
# portwarden linked from the same objects as ./portwarden, and checks what the
# guest reports (see tests/vm/guest-init.sh):
#   kernels/K/boot                   the guest ran its plan and powered off
#   kernels/K/RUN/load               `portwarden trace` printed "Tracing"
#   kernels/K/RUN/sigint             ... and exited 0 after SIGINT
#   kernels/K/{state,syscall}/W      `--json --failed --cgroup`: exactly the 3
#                                    failures of workload W, with the right op,
#                                    errno, pid, comm, cgroup and netns
#   kernels/K/RUN/only-ours          no other events
#   kernels/K/auto/mode              --mode auto picked fexit (these kernels allow it),
#   kernels/K/auto/W                 and saw bind(0) and UDP autobind failures too
#   kernels/K/state-all/tcp-ok       without --failed: 3 successful connects
#   kernels/K/state-all/bind-ok      2 successful binds, when the kernel took
#                                    the cgroup bind hooks (else SKIP)
#   kernels/K/accounting/report      `portwarden report --json` (the accounting
#                                    programs: counters, closers table, socket
#                                    iterators) exited 0 with a JSON report
#                                    naming the holder (20 connections held, 3
#                                    failed tries) as a victim, with its comm,
#                                    cgroup, failures and sockets, and its cgroup
#                                    as a container with >= 20 ESTAB
#   kernels/K/accounting/snapshot    `portwarden snapshot --json` exited 0 and
#                                    lists the holder with its comm, cgroup and
#                                    20 ESTAB, and its full 20-port pool
#   kernels/K/accounting/time-wait   the report charges the churner's 10
#                                    TIME_WAIT sockets to the churner's cgroup
#                                    (who closed them: the closers table), and
#                                    the snapshot counts them in their pool
#   kernels/K/accounting-safe/{report,snapshot,time-wait}
#                                    the same with PORTWARDEN_BPF=safe exported
#                                    (every program with a safe, probe-read
#                                    form loads that form); where the state
#                                    hook is then the classic tracepoint (no
#                                    socket cookies, so no closers), the 10
#                                    TIME_WAIT sockets must show with no owner
#   kernels/K/accounting-safe/forms  ... and the -v calibration lines of both
#                                    show safe forms (SKIP: none printed)
#   kernels/K/guard/stopped-KIND     `portwarden run --enforce` (auto: fexit
#                                    there) against three leakers started
#                                    together in one netns of 1000 ports: each
#                                    (KIND tcp, udp, bind0) exited, killed by a
#                                    signal (status 143 or 137; only the guard
#                                    signals before the guest's deadline), and
#                                    never saw a failed allocation
#   kernels/K/guard/benign           the steady holder (100 connections) and the
#                                    server are alive at the end, the holder
#                                    with its connections, and no action
#                                    record names either
#   kernels/K/budget/hook            `portwarden probe` names the port budget
#                                    hooks: loaded (yes), count only, or refused
#   kernels/K/budget/refused         where they refuse, a TCP leaker under
#                                    ports_max = 6 (listener + 5) gets 5
#                                    connections then EADDRNOTAVAIL, logged
#   kernels/K/reclaim/probe          `portwarden probe` says the reclaim
#                                    iterator (bpf_sock_destroy) loads on
#                                    6.5 and later, and is refused before
#   kernels/K/guard/log              the audit log has a start record
#                                    (enforcing) and a quarantine or signal
#                                    record for each leaker
# and prints, as comments, the loader's -v verdict per run (for report and
# snapshot, the calibration lines and the verifier's verdict on any program it
# refused), for the guard run its plan (pool, rates) and, per leaker, each
# action's time after the leakers' start with its pool's fill, and the guard
# step's time in the guest, and whether an fexit program loads there (and on
# this host).
#
# Kernels come from Debian's archive into a cache (tests/vm/fetch-kernels.sh);
# a kernel that cannot be fetched is skipped. Guests run in parallel.
# Environment: PW_VM_KERNELS="6.1 7.3" (labels to run; "none" skips the test),
# PW_VM_ACCEL (kvm or tcg; default: kvm where a probe boot shows that KVM
# works, see tests/vm/run-guest.sh --accel),
# PW_VM_TIMEOUT (seconds per guest; default 150 under TCG, 90 with KVM; a
# guest takes 53 to 61 s under TCG on a quiet host, the guard step 27 to 29 s
# of it),
# PW_VM_JOBS (guests at a time, default 2), PW_VM_CACHE (see fetch-kernels.sh),
# PW_KEEP=DIR keeps the guests' logs, PW_VM_APPEND (more guest kernel
# parameters; with pw_modes=... the runs the guest skips are SKIPs).
#
# Repeat mode, PW_VM_REPEAT=N: boots each kernel N times with only the
# accounting steps (pw_modes=accounting,accounting-safe), the kernels' runs
# interleaved, and checks each run as above, named with its number:
#   kernels/K/run-NN/boot, kernels/K/run-NN/accounting{,-safe}/{report,snapshot,time-wait}
# then prints per run and per kernel, as comments, the time-wait passes out
# of N, the recursion misses of the state hook's two tp_btf programs
# (state_btf, and state_rescue, which handles what state_btf misses), how many
# runs were rescued (state_btf's misses less the report's missed_runs, less
# the other programs' misses), the TIME_WAIT sockets with and without owner,
# the guests' times and the host's load. A loop of 20 on four kernels takes
# about 20 minutes under TCG: run it with a larger PW_TEST_TIMEOUT under
# scripts/run-tests.sh, or run this script alone.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

VM=$PW_ROOT/tests/vm
QEMU=${QEMU:-qemu-system-x86_64}

pw_require_root
if [ "$(uname -m)" != x86_64 ]; then
	pw_skip kernels "guest kernels are amd64 only, this host is $(uname -m)"
	exit 0
fi
if [ "${PW_VM_KERNELS:-}" = none ]; then
	pw_skip kernels "PW_VM_KERNELS=none"
	exit 0
fi
pw_require_cmd "$QEMU" jq awk timeout flock apt-get dpkg-deb
if [ ! -x /bin/busybox ] || ldd /bin/busybox 2>/dev/null | grep -q '=>'; then
	pw_skip kernels "no static /bin/busybox (package busybox-static)"
	exit 0
fi
if ! ls "$PW_OUTPUT"/user/*/*.o >/dev/null 2>&1 || [ ! -x "$PW_PORTWARDEN" ]; then
	pw_skip kernels "portwarden not built"
	exit 0
fi

jobs=${PW_VM_JOBS:-2}
repeat=${PW_VM_REPEAT:-0}
case $repeat in
'' | *[!0-9]*)
	pw_fail kernels/repeat "PW_VM_REPEAT=$repeat: want a number of runs"
	pw_done
	;;
esac
repeat=$((10#$repeat))

# ---- kernels and initramfs ----------------------------------------------------

t0=$SECONDS
# A cold cache needs Debian's archive (about 60 MB in all, 15 s here).
rc=0
# shellcheck disable=SC2086 # the label list splits on purpose
timeout -k 5 120 "$VM/fetch-kernels.sh" ${PW_VM_KERNELS:-} >"$PW_TMP/fetch.out" 2>"$PW_TMP/fetch.err" || rc=$?
[ "$rc" -ne 124 ] || echo "fetch-kernels.sh: still fetching after 120 s" >>"$PW_TMP/fetch.err"
labels=()
while read -r label status rest; do
	case $status in
	ok)
		labels+=("$label")
		echo "$rest" >"$PW_TMP/$label.kernel"
		;;
	*) pw_skip "kernels/$label" "kernel not available: $rest" ;;
	esac
done <"$PW_TMP/fetch.out"
# Kernels the fetcher never got to (it failed or timed out first).
wanted=${PW_VM_KERNELS:-$(awk '!/^#/ && NF { print $1 }' "$VM/kernels.list")}
for label in $wanted; do
	if ! awk -v l="$label" '$1 == l { found = 1 } END { exit !found }' "$PW_TMP/fetch.out"; then
		pw_skip "kernels/$label" "kernel not available: $(head -n 1 "$PW_TMP/fetch.err" | head -c 300)"
	fi
done
[ ${#labels[@]} -gt 0 ] || exit 0
echo "# kernels ready in $((SECONDS - t0)) s: ${labels[*]} (cache ${PW_VM_CACHE:-/var/cache/portwarden-vm})"

# KVM or TCG, once for every guest: a /dev/kvm that opens may still not run
# guests (nested virtualization); run-guest.sh --accel boots a kernel to see.
if [ -n "${PW_VM_ACCEL:-}" ]; then
	accel=$PW_VM_ACCEL
	echo "# accel: $accel (PW_VM_ACCEL)"
else
	read -r accel why < <("$VM/run-guest.sh" --accel "$(awk '{ print $NF }' "$PW_TMP/${labels[0]}.kernel")/vmlinuz")
	echo "# accel: ${accel:=tcg}${why:+ ($why)}"
fi
export PW_VM_ACCEL=$accel
if [ "$accel" = kvm ]; then
	timeout_s=${PW_VM_TIMEOUT:-90}
else
	timeout_s=${PW_VM_TIMEOUT:-150}
fi

t0=$SECONDS
INITRD=$PW_TMP/initramfs.cpio
if ! "$VM/build-initramfs.sh" "$INITRD" >/dev/null 2>"$PW_TMP/initramfs.err"; then
	pw_fail kernels/initramfs "$(tail -n 3 "$PW_TMP/initramfs.err" | paste -sd ';')"
	pw_done
fi
echo "# initramfs built in $((SECONDS - t0)) s ($(($(stat -c %s "$INITRD") / 1024)) KiB)"

# ---- boot the guests ----------------------------------------------------------

# boot NAME LABEL: one guest of kernel LABEL in the background, once fewer than
# $jobs run; its logs in $PW_TMP/NAME, its pid in boot_pid. In repeat mode only
# the accounting steps run. Writes $PW_TMP/NAME/run ("STATUS SECONDS", see
# run-guest.sh, which stops its qemu on SIGTERM) and hostload (the host's
# 1-minute load at its start).
boot() {
	local kdir
	kdir=$(awk '{ print $NF }' "$PW_TMP/$2.kernel")
	# (The host load sampler of repeat mode is no guest.)
	while [ "$(jobs -rp | grep -cvx "$loadpid")" -ge "$jobs" ]; do
		wait -n || true
	done
	mkdir -p "$PW_TMP/$1"
	cut -d' ' -f1 /proc/loadavg >"$PW_TMP/$1/hostload"
	if [ "$repeat" -gt 0 ]; then
		"$VM/run-guest.sh" "$kdir/vmlinuz" "$INITRD" "$PW_TMP/$1" "$timeout_s" \
			"${PW_VM_APPEND:+$PW_VM_APPEND }pw_modes=accounting,accounting-safe" &
	else
		"$VM/run-guest.sh" "$kdir/vmlinuz" "$INITRD" "$PW_TMP/$1" "$timeout_s" &
	fi
	boot_pid=$!
	pw_track_pid "$boot_pid"
}

# died_early NAME: the guest died before /init ran, which is emulation
# trouble, not portwarden's (not after a timeout: a second one would overrun
# the test's budget).
died_early() {
	local rc
	read -r rc _ <"$PW_TMP/$1/run" 2>/dev/null || rc=1
	[ "$rc" -ne 124 ] && ! grep -q '^@@PW-BEGIN info' "$PW_TMP/$1/results.log" 2>/dev/null
}

# again NAME LABEL: boot guest NAME once more, keeping the first console for
# the log.
again() {
	echo "# $1: the guest died before /init ($(tr -d '\r' <"$PW_TMP/$1/console.log" 2>/dev/null |
		grep -m1 -E 'BUG|Oops|panic|RIP' || echo 'no console output')); booting it again"
	rm -rf "$PW_TMP/$1.try1"
	mv "$PW_TMP/$1" "$PW_TMP/$1.try1"
	boot "$1" "$2"
}

# run_name N: run-NN, the name of a repeat run.
run_name() {
	printf 'run-%02d' "$1"
}

t0=$SECONDS
loadpid=0
if [ "$repeat" -eq 0 ]; then
	for label in "${labels[@]}"; do
		boot "$label" "$label"
	done
	wait || true
	for label in "${labels[@]}"; do
		if died_early "$label"; then
			again "$label" "$label"
			wait "$boot_pid" || true
		fi
	done
else
	echo "# repeat mode: ${#labels[@]} kernels x $repeat runs of accounting,accounting-safe, host load $(cut -d' ' -f1-3 /proc/loadavg)"
	# The host's load every 10 s while the guests run.
	(
		while :; do
			echo "$SECONDS $(cut -d' ' -f1 /proc/loadavg)"
			sleep 10
		done
	) >"$PW_TMP/hostload" &
	loadpid=$!
	pw_track_pid "$loadpid"
	# The kernels' runs interleaved: a busy spell of the host falls on all.
	for ((r = 1; r <= repeat; r++)); do
		for label in "${labels[@]}"; do
			boot "$label/$(run_name "$r")" "$label"
		done
	done
	wait_guests() {
		while [ "$(jobs -rp | grep -cvx "$loadpid")" -gt 0 ]; do
			wait -n || true
		done
	}
	wait_guests
	for ((r = 1; r <= repeat; r++)); do
		for label in "${labels[@]}"; do
			if died_early "$label/$(run_name "$r")"; then
				again "$label/$(run_name "$r")" "$label"
			fi
		done
	done
	wait_guests
	kill "$loadpid" 2>/dev/null || true
	wait "$loadpid" 2>/dev/null || true
	echo "# host load during the guests: $(awk '{ print $2 }' "$PW_TMP/hostload" | sort -n | awk '
		{ v[NR] = $1 } END { if (NR) printf "min %s, median %s, max %s (%d samples, every 10 s)", v[1], v[int((NR + 1) / 2)], v[NR], NR; else printf "no samples" }')"
fi
echo "# guests ($accel, $jobs at a time) done in $((SECONDS - t0)) s"

# ---- assertions ---------------------------------------------------------------

# split LABEL: every section of the guest's results into $PW_TMP/LABEL/s/NAME
# ("/" in NAME becomes "__").
split_sections() {
	local dir=$PW_TMP/$1
	mkdir -p "$dir/s"
	tr -d '\r' <"$dir/results.log" 2>/dev/null | awk -v d="$dir/s" '
		/^@@PW-BEGIN / { f = $2; gsub("/", "__", f); f = d "/" f; printf "" > f; next }
		/^@@PW-END / { close(f); f = ""; next }
		f != "" { print > f }'
}

sec() { # LABEL NAME: the section's file
	local name=$2
	echo "$PW_TMP/$1/s/${name//\//__}"
}

# expect_failures LABEL RUN W OP PROTO ERRNO ERRNAME: the tracer saw exactly
# 3 alloc failures of workload W, each with every attribute right.
expect_failures() {
	local label=$1 run=$2 w=$3 problems trace wl netns
	trace=$(sec "$label" "$run/trace.json")
	wl=$(sec "$label" "$run/$w.json")
	if [ ! -s "$wl" ]; then
		pw_report "kernels/$label/$run/$w" "the workload wrote nothing: $(head -c 200 "$(sec "$label" "$run/$w.err")")"
		return
	fi
	netns=$(sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' "$(sec "$label" "$run/$w.netns")" 2>/dev/null) || true
	problems=$(jq -rs --slurpfile w "$wl" --argjson n 3 \
		--arg op "$4" --arg proto "$5" --argjson errno "$6" --arg result "$7" \
		--arg cgroup "/pw-$run/$w" --argjson netns "${netns:-0}" \
		-f "$PW_ROOT/tests/e2e/expect-failures.jq" "$trace" 2>&1) ||
		problems="jq failed on $run/trace.json: $problems"
	pw_report "kernels/$label/$run/$w" "$problems"
}

# expect_ok LABEL RUN W OP N: N successful OP events from workload W.
expect_ok() {
	local label=$1 run=$2 w=$3 problems wl
	wl=$(sec "$label" "$run/$w.json")
	if [ ! -s "$wl" ]; then
		pw_report "kernels/$label/$run/$w" "the workload wrote nothing: $(head -c 200 "$(sec "$label" "$run/$w.err")")"
		return
	fi
	problems=$(jq -rs --slurpfile w "$wl" --arg op "$4" --argjson n "$5" --arg cgroup "/pw-$run/$w" '
		$w[0] as $w
		| [.[] | select(.type == null or .type == "event") | select(.pid == $w.pid and .op == $op)] as $ev
		| if ($ev | length) != $n then "\($ev | length) \($op) events for pid \($w.pid), want \($n)" else empty end,
		  ([$ev[] | select(.errno != 0 or .result != "ok" or .cgroup != $cgroup or .sport == 0)
		   | "event \(tojson)"] | first // empty)' "$(sec "$label" "$run/trace.json")" 2>&1) ||
		problems="jq failed on $run/trace.json: $problems"
	pw_report "kernels/$label/$run/$w" "$problems"
}

# only_ours LABEL RUN N: the tracer reported N events in all, each from one of
# the run's workloads.
only_ours() {
	local label=$1 run=$2 n=$3 problems pids
	pids=$(cat "$PW_TMP/$label/s/${run}"__*.json 2>/dev/null | jq -s -c '[.[].pid]') || pids='[]'
	problems=$(jq -rs --argjson pids "$pids" --argjson n "$n" '
		[.[] | select(.type == null or .type == "event")] as $ev
		| if ($ev | length) != $n then "\($ev | length) events, want \($n)" else empty end,
		  ([$ev[] | select(.pid as $p | $pids | index($p) | not) | "event from pid \(.pid) comm \(.comm) cgroup \(.cgroup)"] | unique[])' \
		"$(sec "$label" "$run/trace.json")" 2>&1) || problems="jq failed: $problems"
	pw_report "kernels/$label/$run/only-ours" "$problems"
}

# verifier_verdicts LOG: "prog 'NAME': LAST LINE" for every program the
# kernel refused in the (filtered) -v log, the line before "processed N insns".
verifier_verdicts() {
	awk '
	/BPF program load failed/ { prog = $0; sub(/^libbpf: /, "", prog); sub(/: BPF program load failed.*/, "", prog); next }
	/-- BEGIN PROG LOAD LOG --/ { inlog = 1; verdict = ""; next }
	/-- END PROG LOAD LOG --/ { print prog ": " verdict; inlog = 0; next }
	inlog && !/^processed [0-9]+ insns/ && !/^\.\.\. \(/ { verdict = $0 }' "$1" 2>/dev/null || true
}

# loaded LABEL RUN: the load and sigint checks; 1 when the tracer never ran.
loaded() {
	local label=$1 run=$2 tracer err status why
	tracer=$(sec "$label" "$run/tracer")
	err=$(sec "$label" "$run/trace.err")
	echo "# $label: $run: $(grep -h -m1 '^portwarden: loaded:' "$err" 2>/dev/null || echo 'no loader verdict')"
	grep -h 'refused\|load attempt\|^portwarden: failed' "$err" 2>/dev/null | sed "s|^|# $label: $run: |" || true
	verifier_verdicts "$err" | sed "s|^|# $label: $run: verifier: |"
	status=$(sed -n 's/^status //p' "$tracer" 2>/dev/null) || true
	if ! grep -qx 'started yes' "$tracer" 2>/dev/null; then
		why=$(grep -h -m1 'load failed\|failed to\|^portwarden: ' "$err" 2>/dev/null) || true
		pw_fail "kernels/$label/$run/load" "no 'Tracing' line (status ${status:-?}): ${why:-no output}; the log is on stderr"
		{
			echo "---- kernels/$label/$run: portwarden trace -v (filtered) ----"
			cat "$err" 2>/dev/null
		} >&2
		return 1
	fi
	pw_pass "kernels/$label/$run/load"
	pw_check "kernels/$label/$run/sigint" "exit status ${status:-?} after SIGINT" [ "${status:-}" = 0 ]
}

# check_boot NAME LABEL: the boot check of guest NAME (of kernel LABEL: NAME
# itself, or LABEL/run-NN in repeat mode); sets boot_rc to run-guest.sh's
# status. 1 when the guest kernel has no BTF (nothing else to check).
check_boot() {
	local name=$1 label=$2 dir=$PW_TMP/$1 secs kernel why
	read -r boot_rc secs <"$dir/run" 2>/dev/null || { boot_rc=1; secs="?"; }
	split_sections "$name"
	kernel=$(sed -n 's/^kernel //p' "$(sec "$name" info)" 2>/dev/null) || true
	echo "# $name: $(cut -d' ' -f1,2 "$PW_TMP/$label.kernel"), guest uname ${kernel:-?}, $secs s ($accel)"
	if [ "$boot_rc" -ne 0 ]; then
		# The first sign of trouble on the console, else its last line.
		why=$(tr -d '\r' <"$dir/console.log" 2>/dev/null | grep -m1 -E 'Kernel panic|BUG|Oops|WARNING') ||
			why=$(tr -d '\r' <"$dir/console.log" 2>/dev/null | tail -n 1) || true
		if [ "$boot_rc" -eq 124 ]; then
			pw_fail "kernels/$name/boot" "no @@PW-DONE within $timeout_s s; console: $why"
		else
			pw_fail "kernels/$name/boot" "the guest ended early; qemu: $(head -c 200 "$dir/qemu.log" 2>/dev/null); console: $why"
		fi
		{
			echo "---- kernels/$name: console (last 40 lines) ----"
			tr -d '\r' <"$dir/console.log" | tail -n 40
		} >&2
	elif ! grep -qx 'btf yes' "$(sec "$name" info)"; then
		pw_fail "kernels/$name/boot" "the guest kernel has no /sys/kernel/btf/vmlinux"
		return 1
	else
		pw_pass "kernels/$name/boot"
	fi
	return 0
}

# planned NAME RUN: the guest's command line (pw_modes=, see guest-init.sh)
# has it run RUN; without a command line (no info section), every run.
planned() {
	local modes
	modes=$(sed -n 's/^cmdline //p' "$(sec "$1" info)" 2>/dev/null | tr ' ' '\n' | sed -n 's/^pw_modes=//p' | tail -n 1) || true
	[ -z "$modes" ] || [[ ",$modes," == *",$2,"* ]]
}

check_kernel() {
	local label=$1 rc run
	check_boot "$label" "$label" || return 0
	rc=$boot_rc
	for run in state syscall auto state-all accounting accounting-safe guard budget; do
		planned "$label" "$run" || pw_skip "kernels/$label/$run" "not among the guest's pw_modes ($PW_VM_APPEND)"
	done

	# After a failed boot, only the runs the guest got to.
	if planned "$label" state && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" state/tracer)" ]; } && loaded "$label" state; then
		expect_failures "$label" state tcp-connect connect tcp 99 EADDRNOTAVAIL
		expect_failures "$label" state listen0 listen tcp 98 EADDRINUSE
		only_ours "$label" state 6
	fi
	if planned "$label" syscall && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" syscall/tracer)" ]; } && loaded "$label" syscall; then
		expect_failures "$label" syscall tcp-connect connect tcp 99 EADDRNOTAVAIL
		expect_failures "$label" syscall listen0 listen tcp 98 EADDRINUSE
		expect_failures "$label" syscall bind0 bind tcp 98 EADDRINUSE
		expect_failures "$label" syscall udp-sendto autobind udp 11 EAGAIN
		only_ours "$label" syscall 12
	fi
	if planned "$label" auto && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" auto/tracer)" ]; } && loaded "$label" auto; then
		check_auto "$label"
	fi
	if planned "$label" state-all && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" state-all/tracer)" ]; } && loaded "$label" state-all; then
		expect_ok "$label" state-all tcp-ok connect 3
		if grep -q 'bind hooks yes' "$(sec "$label" state-all/trace.err)"; then
			expect_ok "$label" state-all bind-ok bind 2
		else
			pw_skip "kernels/$label/state-all/bind-ok" "this kernel refused the cgroup bind hooks"
		fi
	fi
	for run in accounting accounting-safe; do
		if planned "$label" "$run" && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" "$run/snapshot")" ]; }; then
			check_accounting "$label" "$run"
		fi
	done
	if planned "$label" guard && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" guard/run)" ]; }; then
		check_guard "$label"
	fi
	if planned "$label" budget && { [ "$rc" -eq 0 ] || [ -e "$(sec "$label" budget/probe)" ]; }; then
		check_budget "$label"
		check_reclaim_probe "$label"
	fi
	if [ "$rc" -eq 0 ] || [ -e "$(sec "$label" fexit)" ]; then
		fexit_line "$label" "$(sec "$label" fexit)"
	fi
}

# acct_log LABEL RUN WHAT: as comments, what `portwarden WHAT -v` (report or
# snapshot) said about loading in RUN (accounting, accounting-safe): the
# loader's verdict, the calibration's form per program, refusals, and the
# verdict of every program the verifier refused.
acct_log() {
	local label=$1 run=$2 what=$3 err
	err=$(sec "$label" "$run/$what.err")
	# In repeat mode once a kernel: the loader decides the same every run,
	# and the misses are in the runs' summary lines.
	if [ "$repeat" -gt 0 ] && [[ $label == */run-* && $label != */run-01 ]]; then
		return 0
	fi
	if [ "$what" = report ]; then
		echo "# $label: $run: report: $(grep -h -m1 '^portwarden: loaded:' "$err" 2>/dev/null || echo 'no loader verdict')"
	fi
	grep -h '^portwarden: calibration:' "$err" 2>/dev/null | sed "s|^portwarden: |# $label: $run: $what: |" || true
	# Runs the kernel skipped because the program was already running on
	# that CPU (recursion_misses; see guest-init.sh's bpf_fds).
	if [ "$what" = report ]; then
		awk -v p="# $label: $run: report: " '
		{
			delete kv
			for (i = 1; i < NF; i += 2) kv[$i] = $(i + 1)
			what = !("tp_name" in kv) ? "prog_id " kv["prog_id"] : \
				(kv["link_type"] == "perf" ? "tracepoint/" : "tp_btf/") kv["tp_name"]
			if ("name" in kv) what = what " (" kv["name"] ")"
			if (("tp_name" in kv) || kv["recursion_misses"] > 0)
				print p what ": " kv["run_cnt"] " runs, " kv["recursion_misses"] " skipped (recursion_misses)"
		}' "$(sec "$label" "$run/progs")" 2>/dev/null || true
	fi
	grep -h 'refused\|load attempt\|^portwarden: failed' "$err" 2>/dev/null | grep -v '^portwarden: calibration:' |
		sed "s|^|# $label: $run: $what: |" || true
	verifier_verdicts "$err" | sed "s|^|# $label: $run: $what: verifier: |"
}

# acct_dump LABEL RUN WHAT: the filtered -v log on stderr, after a failed check.
acct_dump() {
	{
		echo "---- kernels/$1/$2: portwarden $3 -v (filtered) ----"
		cat "$(sec "$1" "$2/$3.err")" 2>/dev/null
	} >&2
}

# acct_ran LABEL RUN WHAT: why `portwarden WHAT` gave no usable JSON ("" if it did).
acct_ran() {
	local label=$1 run=$2 what=$3 status started json why
	status=$(sed -n 's/^status //p' "$(sec "$label" "$run/$what")" 2>/dev/null) || true
	json=$(sec "$label" "$run/$what.json")
	why=$(grep -h -m1 'load failed\|failed to\|^portwarden: \(error\|fail\)' "$(sec "$label" "$run/$what.err")" 2>/dev/null) || true
	if [ "$what" = report ] && ! grep -qx 'started yes' "$(sec "$label" "$run/report")" 2>/dev/null; then
		started=" (no 'Watching' line)"
	fi
	if [ "${status:-}" != 0 ]; then
		echo "exit status ${status:-?}${started:-}: ${why:-no output} (the log is on stderr)"
	elif ! jq -e --arg t "${what%-fallback}" '.version == 1 and .type == $t' "$json" >/dev/null 2>&1; then
		echo "no $what JSON document: $(head -c 200 "$json" 2>/dev/null)"
	fi
}

# check_snapshot LABEL RUN WHAT: `portwarden WHAT` (snapshot, or
# snapshot-fallback: the same with every socket iterator refused, /proc and
# sock_diag standing in) lists the holder with its comm, cgroup and 20 ESTAB,
# and its full 20-port pool. Uses check_accounting's holder, cgp, netns, why.
check_snapshot() {
	local label=$1 run=$2 what=$3 problems config
	# With every iterator refused only sock_diag is left, and a guest loads no
	# modules: where inet_diag is a module the snapshot must refuse, exit 1,
	# and say why, rather than show an empty host.
	config=$(awk '{ print $NF }' "$PW_TMP/$label.kernel")/config
	if [ "$what" = snapshot-fallback ] && grep -qx 'CONFIG_INET_DIAG=m' "$config" 2>/dev/null; then
		problems=$(
			grep -qx 'status 1' "$(sec "$label" "$run/$what")" ||
				echo "$(cat "$(sec "$label" "$run/$what")"), want status 1: no iterator and no sock_diag"
			grep -q 'no socket diagnostics' "$(sec "$label" "$run/$what.err")" ||
				echo "it did not say why"
		)
		echo "# $label: $run: no inet_diag in the guest (a module): the fallback snapshot must refuse"
		pw_report "kernels/$label/$run/$what" "$problems"
		return
	fi
	problems=$(acct_ran "$label" "$run" "$what")
	if [ -z "$problems" ] && [ -n "${why:-}" ]; then
		problems=$why
	elif [ -z "$problems" ]; then
		problems=$(jq -r --slurpfile h "$holder" --arg cg "$cgp/holder" --argjson netns "${netns:-0}" '
			def want($k; $v): if .[$k] != $v then "\($k) is \(.[$k] | tojson), want \($v | tojson)" else empty end;
			$h[0] as $h
			| [.processes[] | select(.pid == $h.pid)] as $p
			| [.pools[] | select(.kind == "tcp-connect" and .netns == $netns and .remote_port == 5001)] as $pool
			| if ($p | length) != 1 then
				"the holder (pid \($h.pid)) is not among the processes: \([.processes[] | "\(.pid) \(.comm)"] | join(", "))"
			  else $p[0] | ("process \($h.pid): " + (want("comm"; $h.comm), want("cgroup"; $cg),
				(if .states.ESTAB != $h.ok then "ESTAB is \(.states.ESTAB), want \($h.ok)" else empty end),
				(if .states.LISTEN != 1 then "LISTEN is \(.states.LISTEN), want 1" else empty end)))
			  end,
			  if ($pool | length) != 1 then "no tcp-connect pool to 127.0.0.1:5001 in netns \($netns)"
			  else $pool[0] | ("pool to :5001: " + (want("used"; $h.ok), want("capacity"; 20),
				(if .top[0].pid != $h.pid then "top holder is \(.top[0] | tojson), want pid \($h.pid)" else empty end)))
			  end' "$(sec "$label" "$run/$what.json")" 2>&1) || problems="jq failed on $run/$what.json: $problems"
	fi
	pw_report "kernels/$label/$run/$what" "$problems"
	[ -z "$problems" ] || acct_dump "$label" "$run" "$what"
}

# check_accounting LABEL RUN: `portwarden report` and `snapshot` loaded the
# accounting programs and saw the guest's holder (20 connections held, 3
# failed tries; see tests/vm/guest-init.sh) and the churner's TIME_WAIT
# sockets. RUN accounting-safe did the same with PORTWARDEN_BPF=safe (its
# workloads in /pw-acct-safe): every part with a safe form must load it.
check_accounting() {
	local label=$1 run=$2 cgp=/pw-acct${2#accounting} holder churn netns problems why tw_report tw_snapshot unowned
	holder=$(sec "$label" "$run/holder.json")
	churn=$(sec "$label" "$run/churn.json")
	netns=$(sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' "$(sec "$label" "$run/holder.netns")" 2>/dev/null) || true
	acct_log "$label" "$run" report
	acct_log "$label" "$run" snapshot
	if [ ! -s "$holder" ]; then
		# (|| true: under set -e, an assignment whose command
		# substitution fails would end the test.)
		why="the holder wrote nothing: $(head -c 200 "$(sec "$label" "$run/holder.err")" 2>/dev/null || true)"
		why="$why $(head -c 200 "$(sec "$label" "$run/workloads.err")" 2>/dev/null || true)"
	elif ! jq -e '.ok > 0 and .failed > 0' "$holder" >/dev/null 2>&1; then
		why="the holder did not hold and fail: $(head -c 200 "$holder")"
	fi

	# A process shows in a report only as a suspect or a victim: the holder
	# is a victim (its failed tries), and its cgroup a container.
	problems=$(acct_ran "$label" "$run" report)
	if [ -z "$problems" ] && [ -n "${why:-}" ]; then
		problems=$why
	elif [ -z "$problems" ]; then
		problems=$(jq -r --slurpfile h "$holder" --arg cg "$cgp/holder" '
			def want($k; $v): if .[$k] != $v then "\($k) is \(.[$k] | tojson), want \($v | tojson)" else empty end;
			$h[0] as $h
			| [.victims[] | select(.pid == $h.pid)] as $v
			| [.containers[] | select(.cgroup == $cg)] as $c
			| if ($v | length) != 1 then
				"the holder (pid \($h.pid)) is not a victim; victims: \([.victims[] | "\(.pid) \(.comm)"] | join(", ") | if . == "" then "none" else . end)"
			  else $v[0] | ("victim pid \($h.pid): " + (want("comm"; $h.comm), want("cgroup"; $cg), want("failures"; $h.failed),
				(if .sockets_now < $h.ok then "sockets_now is \(.sockets_now), want >= \($h.ok)" else empty end)))
			  end,
			  if ($c | length) != 1 then "no container \($cg); containers: \([.containers[].cgroup] | join(", "))"
			  else $c[0] | ("container \($cg): " + (
				(if .states.ESTAB < $h.ok then "ESTAB is \(.states.ESTAB), want >= \($h.ok)" else empty end),
				want("failures"; $h.failed)))
			  end' "$(sec "$label" "$run/report.json")" 2>&1) || problems="jq failed on $run/report.json: $problems"
	fi
	pw_report "kernels/$label/$run/report" "$problems"
	[ -z "$problems" ] || acct_dump "$label" "$run" report

	check_snapshot "$label" "$run" snapshot
	check_snapshot "$label" "$run" snapshot-fallback

	# TIME_WAIT sockets have no holder: only a report (run, top), whose state
	# hook fills the closers table, charges them to who closed them; a
	# one-shot snapshot counts them in their pool with no owner.
	if [ -n "$(acct_ran "$label" "$run" report)" ] || [ -n "$(acct_ran "$label" "$run" snapshot)" ]; then
		pw_skip "kernels/$label/$run/time-wait" "no report or snapshot to read (see $run/report, $run/snapshot)"
		return
	fi
	if [ ! -s "$churn" ] || ! jq -e '.ok > 0' "$churn" >/dev/null 2>&1; then
		problems="the churner made no connection: $(cat "$churn" "$(sec "$label" "$run/churn.err")" 2>/dev/null | head -c 200)"
	else
		# The classic tracepoint (the state hook's safe form) has no socket
		# cookie, so no closer is recorded: its TIME_WAIT sockets are counted
		# with no owner, and that is all that can be checked then.
		unowned=false
		if grep -q '^portwarden: loaded: state hook tracepoint' "$(sec "$label" "$run/report.err")" 2>/dev/null; then
			unowned=true
			echo "# $label: $run: the state hook is the classic tracepoint (no socket cookies): TIME_WAIT sockets are checked unowned"
		fi
		tw_report=$(jq -r --slurpfile ch "$churn" --arg cg "$cgp/churn" --argjson unowned "$unowned" '
			$ch[0] as $ch
			| (if $unowned then "(no owner)" else $cg end) as $want
			| [.containers[] | select(.cgroup == $want)] as $c
			| if ($c | length) != 1 or $c[0].states["TIME-WAIT"] != $ch.ok then
				"report: \($c[0].states["TIME-WAIT"] // 0) TIME-WAIT in \($want), want \($ch.ok) (the churner'"'"'s closes), TIME-WAIT by container: \([.containers[] | select(.states["TIME-WAIT"] > 0) | "\(.cgroup) \(.states["TIME-WAIT"])"] | join(", ") | if . == "" then "none" else . end)"
			  else empty end' "$(sec "$label" "$run/report.json")" 2>&1) ||
			tw_report="jq failed on $run/report.json: $tw_report"
		tw_snapshot=$(jq -r --slurpfile ch "$churn" --argjson netns "${netns:-0}" '
			$ch[0] as $ch
			| [.pools[] | select(.kind == "tcp-connect" and .netns == $netns and .remote_port == 5002)] as $pool
			| if ($pool | length) != 1 or $pool[0].used != $ch.ok then
				"snapshot: the pool to :5002 holds \($pool[0].used // 0) ports, want \($ch.ok) in TIME_WAIT"
			  else empty end' "$(sec "$label" "$run/snapshot.json")" 2>&1) ||
			tw_snapshot="jq failed on $run/snapshot.json: $tw_snapshot"
		problems=$(printf '%s\n' "$tw_report" "$tw_snapshot" | sed '/^$/d')
	fi
	pw_report "kernels/$label/$run/time-wait" "$problems"
	[ "$run" = accounting-safe ] && check_safe_forms "$label" "$run"
	return 0
}

# check_safe_forms LABEL RUN: with PORTWARDEN_BPF=safe, report and snapshot
# each loaded at least one program in its safe form (each has parts with one:
# the socket iterators, and the state hook in report), as their -v
# calibration lines say. A portwarden without calibration prints none: SKIP.
check_safe_forms() {
	local label=$1 run=$2 what err lines problems=''
	for what in report snapshot; do
		err=$(sec "$label" "$run/$what.err")
		lines=$(grep -h '^portwarden: calibration: [^:]*: [a-z]*' "$err" 2>/dev/null | grep -v 'trying each') || true
		if [ -z "$lines" ]; then
			pw_skip "kernels/$label/$run/forms" "$what -v printed no calibration lines (a portwarden without PORTWARDEN_BPF)"
			return
		fi
		grep -q '^portwarden: calibration: [^:]*: safe' <<<"$lines" ||
			problems="$problems${problems:+; }$what loaded no safe form: ${lines//portwarden: calibration: /}"
	done
	pw_report "kernels/$label/$run/forms" "$problems"
}

# check_auto LABEL: where the kernel allows fexit, --mode auto must choose it
# and see bind(0) and UDP autobind failures (UDP connect shows as autobind).
check_auto() {
	local label=$1
	if ! grep -q 'mode fexit' "$(sec "$label" auto/trace.err)"; then
		pw_fail "kernels/$label/auto/mode" "auto did not pick fexit: $(grep -m1 'Tracing' "$(sec "$label" auto/trace.err)")"
		return
	fi
	pw_pass "kernels/$label/auto/mode"
	expect_failures "$label" auto tcp-connect connect tcp 99 EADDRNOTAVAIL
	expect_failures "$label" auto listen0 listen tcp 98 EADDRINUSE
	expect_failures "$label" auto bind0 bind tcp 98 EADDRINUSE
	expect_failures "$label" auto udp-sendto autobind udp 11 EAGAIN
	expect_failures "$label" auto udp-connect autobind udp 11 EAGAIN
	only_ours "$label" auto 15
}

# fexit_line WHO FILE: "# WHO: fexit loads: yes|no (...)" from the probe's output.
fexit_line() {
	local verdict
	verdict=$(sed -n 's/^fexit: //p' "$2" 2>/dev/null | head -n 1) || true
	case $verdict in
	'load ok, attach ok'*) echo "# $1: fexit loads: yes ($verdict)" ;;
	'') echo "# $1: fexit loads: unknown (the probe reported nothing)" ;;
	*) echo "# $1: fexit loads: no ($verdict)" ;;
	esac
}

# ---- guard --------------------------------------------------------------------

# guard_state LABEL WORD...: the value after WORD... in the guard's state
# lines (see guest-init.sh's run_guard), "" when absent.
guard_state() {
	local label=$1
	shift
	awk -v k="$*" 'index($0, k " ") == 1 { print substr($0, length(k) + 2); exit }' \
		"$(sec "$label" guard/state)" 2>/dev/null || true
}

# guard_pid LABEL KEY: the pid of leaker KEY from its start line, else "".
guard_pid() {
	sed -n 's/^start pid=\([0-9]*\) .*/\1/p' "$(sec "$1" "guard/$2.out")" 2>/dev/null | head -n 1 || true
}

# guard_figures LABEL: as comments, the plan (pool, rates), the guard's
# hooks, per leaker when each action came (seconds after the leakers' start)
# and at what fill of which pool, when it was gone, and the guard step's time
# in the guest (its console's timestamps).
guard_figures() {
	local label=$1 key t0 times actions gone
	echo "# $label: guard: $(guard_state "$label" plan); $(grep -h -m1 '^portwarden: loaded:' "$(sec "$label" guard/run.err)" 2>/dev/null || echo 'no loader verdict')"
	t0=$(guard_state "$label" leak_start)
	for key in tcp udp bind0; do
		actions=$(jq -r -s --arg cg "/pw-guard/$key" --argjson t0 "${t0:-0}" '
			def secs: (.ts[0:19] + "Z" | fromdate) + (.ts[20:26] | tonumber / 1e6) - $t0;
			[.[] | select(.event == "action" and .cgroup == $cg)
			 | "\(.action) at \(secs | . * 10 | round / 10) s (\(.pool.kind // "?") \(.pool.used // "?")/\(.pool.capacity // "?"), \(.ports_held) held)"]
			| if length == 0 then "no action" else join(", ") end' "$(sec "$label" guard/run.jsonl)" 2>/dev/null) ||
			actions="no audit log"
		gone=$(guard_state "$label" "$key" gone)
		echo "# $label: guard: $key (pid $(guard_pid "$label" "$key")): $actions;" \
			"${gone:+gone after $gone s, }$(grep -h '^exit ' "$(sec "$label" "guard/$key.err")" 2>/dev/null || echo 'not gone')"
	done
	times=$(tr -d '\r' <"$PW_TMP/$label/console.log" 2>/dev/null |
		sed -n 's/^guest: \[\([0-9.]*\)\] guard: \(setup\|done\)$/\1/p' | paste -sd ' ') || true
	echo "# $label: guard: the step took $(awk '{ if (NF == 2) printf "%.0f s", $2 - $1; else printf "?" }' <<<"$times") in the guest"
}

# The checks below set guard_bad=1 when they fail.

# check_stopped LABEL KEY WHY: leaker KEY exited, killed by a signal (only the
# guard signals it before the guest's deadline), and never saw a failed
# allocation (a guardleak "failed" line); WHY, when set, is why nothing was run.
check_stopped() {
	local label=$1 key=$2 problems gone out exit
	out=$(sec "$label" "guard/$key.out")
	gone=$(guard_state "$label" "$key" gone)
	problems=$(
		if [ -n "$3" ]; then
			echo "$3"
		elif [ -z "$(guard_pid "$label" "$key")" ]; then
			echo "it never started: $(head -c 200 "$(sec "$label" "guard/$key.err")" 2>/dev/null)"
		else
			exit=$(grep -h '^exit ' "$(sec "$label" "guard/$key.err")" 2>/dev/null) || true
			case $gone:$exit in
			?*:'exit 143' | ?*:'exit 137') ;;
			?*:*) echo "it exited with ${exit:-no status}, want 143 or 137 (SIGTERM, SIGKILL)" ;;
			*) echo "still running $(guard_state "$label" plan | sed -n 's/.*limit \([0-9]*\).*/\1/p') s after the leakers' start" ;;
			esac
			grep -h '^failed ' "$out" 2>/dev/null | sed 's/^/it saw a failure: /'
		fi
	)
	pw_report "kernels/$label/guard/stopped-$key" "$problems"
	[ -z "$problems" ] || guard_bad=1
}

# check_benign LABEL WHY: the steady holder (and the server) ran to the end,
# the holder with its connections, and no action record names either.
check_benign() {
	local label=$1 problems steady srv
	steady=$(sec "$label" guard/steady.out)
	srv=$(sec "$label" guard/srv.out)
	problems=$(
		if [ -n "$2" ]; then
			echo "$2"
		else
			[ "$(guard_state "$label" steady)" = alive ] || echo "the holder is gone"
			[ "$(guard_state "$label" srv)" = alive ] || echo "the server is gone"
			jq -e --argjson n "$(guard_state "$label" plan | sed -n 's/.*holder \([0-9]*\).*/\1/p')" \
				'.ok == $n and .failed == 0' "$steady" >/dev/null 2>&1 ||
				echo "the holder did not hold its connections: $(head -c 200 "$steady")"
			jq -r -s --slurpfile h "$steady" --slurpfile s "$srv" '
				[$h[0].pid, $s[0].pid] as $pids
				| .[] | select(.event == "action" and
					((.pid as $p | $pids | index($p)) or .cgroup == "/pw-guard/steady" or .cgroup == "/pw-guard/srv"))
				| "\(.action) on pid \(.pid) \(.comm) (\(.cgroup)): \(.reason)"' "$(sec "$label" guard/run.jsonl)" 2>&1 ||
				echo "no audit log to read"
		fi
	)
	pw_report "kernels/$label/guard/benign" "$problems"
	[ -z "$problems" ] || guard_bad=1
}

# check_guard_log LABEL WHY: the audit log has a start record (enforcing) and,
# for each leaker, a quarantine or signal record naming it.
check_guard_log() {
	local label=$1 problems key
	problems=$(
		if [ -n "$2" ]; then
			echo "$2"
		else
			jq -e -s 'any(.[]; .event == "start" and .dry_run == false)' "$(sec "$label" guard/run.jsonl)" \
				>/dev/null 2>&1 || echo "no start record (enforcing)"
			for key in tcp udp bind0; do
				jq -e -s --arg cg "/pw-guard/$key" --argjson pid "$(guard_pid "$label" "$key" | grep . || echo -1)" '
					any(.[]; .event == "action" and (.action == "quarantine" or .action == "term" or .action == "kill")
						and (.pid == $pid or .cgroup == $cg))' "$(sec "$label" guard/run.jsonl)" >/dev/null 2>&1 ||
					echo "no quarantine or signal record for $key"
			done
		fi
	)
	pw_report "kernels/$label/guard/log" "$problems"
	[ -z "$problems" ] || guard_bad=1
}

# check_budget LABEL: the port budget hooks load, or are reported as not
# loading, by `portwarden probe` (kernels/K/budget/hook); where they refuse
# (verdict yes), the leaker under ports_max = 6 (its listener and 5
# connections) got 5 connections, then EADDRNOTAVAIL, and a refuse record is
# logged (kernels/K/budget/refused); where they only count, it got the
# pool's 9 and a would_refuse record is logged.
check_budget() {
	local label=$1 verdict got n
	verdict=$(awk '$1 == "budget" { print $2 }' "$(sec "$label" budget/probe)" 2>/dev/null)
	case $verdict in
	yes | counts | refused) pw_pass "kernels/$label/budget/hook" ;;
	*)
		pw_fail "kernels/$label/budget/hook" "no budget line in portwarden probe: $(head -c 300 "$(sec "$label" budget/probe)" 2>/dev/null)"
		return 0
		;;
	esac
	echo "# $label: budget hooks: $verdict"
	got=$(jq -r '"\(.ok) \(.errname)"' "$(sec "$label" budget/leak.json)" 2>/dev/null) || got='no JSON line'
	n=$(jq -s '[.[] | select(.event == "budget" and (.action == "refuse" or .action == "would_refuse"))] | length' \
		"$(sec "$label" budget/run.jsonl)" 2>/dev/null) || n=0
	case $verdict in
	yes)
		if [ "$got" = "5 EADDRNOTAVAIL" ] && [ "$n" -ge 1 ]; then
			pw_pass "kernels/$label/budget/refused"
		else
			pw_fail "kernels/$label/budget/refused" "leaker: '$got' (want '5 EADDRNOTAVAIL'), refusal records: $n; $(grep -v '^libbpf' "$(sec "$label" budget/run.err.short)" 2>/dev/null | grep -m2 -i 'budget')"
		fi
		;;
	counts)
		if [ "$got" = "10 EADDRNOTAVAIL" ] && [ "$n" -ge 1 ]; then
			pw_pass "kernels/$label/budget/refused"
		else
			pw_fail "kernels/$label/budget/refused" "count only: leaker '$got' (want '10 EADDRNOTAVAIL'), would_refuse records: $n"
		fi
		;;
	refused) pw_skip "kernels/$label/budget/refused" "the kernel refused the budget hooks" ;;
	esac
}

# check_reclaim_probe LABEL: bpf_sock_destroy() came in 6.5: the reclaim
# iterator loads from there on, and is reported refused before (LABEL is the
# kernel's version, maybe with a /run-NN suffix).
check_reclaim_probe() {
	local label=$1 verdict want=yes major minor
	verdict=$(awk '$1 == "reclaim" { print $2 }' "$(sec "$label" budget/probe)" 2>/dev/null)
	IFS=. read -r major minor _ <<<"${label%%/*}"
	if [ "${major:-0}" -lt 6 ] || { [ "$major" -eq 6 ] && [ "${minor:-0}" -lt 5 ]; }; then
		want=refused
	fi
	echo "# $label: reclaim iterator: ${verdict:-no line}"
	if [ "$verdict" = "$want" ]; then
		pw_pass "kernels/$label/reclaim/probe"
	else
		pw_fail "kernels/$label/reclaim/probe" "reclaim: '${verdict:-no line}', want '$want' on this kernel"
	fi
}

# check_guard LABEL: `portwarden run --enforce` in the guest (guest-init.sh's
# run_guard) stopped the three leakers started together in one small pool
# before any saw a failure, left the holder alone, and logged it.
check_guard() {
	local label=$1 why='' key
	if ! grep -qx 'started yes' "$(sec "$label" guard/run)" 2>/dev/null; then
		why="the guard did not start ($(sed -n 's/^status //p' "$(sec "$label" guard/run)" 2>/dev/null || true)):"
		why="$why $(grep -h -m1 'failed\|error\|^portwarden: ' "$(sec "$label" guard/run.err)" 2>/dev/null || echo 'no output')"
	fi
	guard_figures "$label"
	guard_bad=0
	for key in tcp udp bind0; do
		check_stopped "$label" "$key" "$why"
	done
	check_benign "$label" "$why"
	check_guard_log "$label" "$why"
	[ "$guard_bad" -eq 1 ] || return 0
	{
		echo "---- kernels/$label/guard: portwarden run -v (filtered: its decisions) ----"
		grep -h '^portwarden: \(suspect\|action\|result\|start\|stop\|loaded\)' "$(sec "$label" guard/run.err)" 2>/dev/null
	} >&2
}

# ---- repeat mode ----------------------------------------------------------------

# run_stats NAME: what repeat run NAME's accounting step measured, one line of
# "SB_RUNS SB_MISS SR_RUNS SR_MISS OTHER_MISS MISSED_RUNS TW_OWNED TW_UNOWNED
# TW_ELSEWHERE TW_WANT HOW", "-" where unknown: the runs and recursion misses
# of state_btf (SB) and state_rescue (SR), the two tp_btf programs on
# inet_sock_set_state, as the guest last sampled them while the report ran;
# the misses of the report's other programs; the report's missed_runs
# (OTHER_MISS + state_btf's misses - rescued_runs); the churner's TIME_WAIT
# sockets the report charged to its cgroup, to no owner, and to any other
# cgroup, and how many it left (its connections). HOW: "names" when the guest
# named the programs (kallsyms), "tags" when their tags were named in another
# run of the kernel (a program's tag is the same in every run: a hash of its
# code), "order" else: the lower prog_id is taken for state_btf (the loader
# loads it first). (Some 7.3 guests list no BPF programs in /proc/kallsyms
# though bpf_jit_kallsyms is 1; the reason is not known.)
run_stats() {
	local name=$1 progs report churn p='- - - - - -' r='- - - -' want
	progs=$(sec "$name" accounting/progs)
	report=$(sec "$name" accounting/report.json)
	churn=$(sec "$name" accounting/churn.json)
	if [ -s "$progs" ]; then
		p=$(awk -v tags="$PW_TMP/${name%%/*}.tags" '
		BEGIN { while ((getline l < tags) > 0) { split(l, w, " "); byname[w[1]] = w[2] } }
		{
			delete kv
			for (i = 1; i < NF; i += 2) kv[$i] = $(i + 1)
			if (kv["tp_name"] == "inet_sock_set_state" && kv["link_type"] != "perf") {
				n++; id[n] = kv["prog_id"] + 0; runs[n] = kv["run_cnt"]
				miss[n] = kv["recursion_misses"]; nm[n] = kv["name"]
				if (nm[n] == "" && (kv["prog_tag"] in byname)) { nm[n] = byname[kv["prog_tag"]]; bytag = 1 }
			} else {
				other += kv["recursion_misses"]
			}
		}
		END {
			sb = 0; sr = 0; how = "-"
			for (i = 1; i <= n; i++) {
				if (nm[i] == "state_btf") sb = i
				else if (nm[i] == "state_rescue") sr = i
			}
			if (sb || sr) how = bytag ? "tags" : "names"
			else if (n == 2) { how = "order"; sb = id[1] < id[2] ? 1 : 2; sr = 3 - sb }
			else if (n == 1) { how = "order"; sb = 1 }
			printf "%s %s %s %s %d %s\n", sb ? runs[sb] : "-", sb ? miss[sb] : "-",
				sr ? runs[sr] : "-", sr ? miss[sr] : "-", other, how
		}' "$progs" 2>/dev/null) || p='- - - - - -'
	fi
	if [ -s "$report" ]; then
		r=$(jq -r --arg cg "/pw-acct/churn" '
			def tw: .states["TIME-WAIT"] // 0;
			([.containers[] | tw] | add // 0) as $all
			| ([.containers[] | select(.cgroup == $cg) | tw] | add // 0) as $own
			| ([.containers[] | select(.cgroup == "(no owner)") | tw] | add // 0) as $none
			| "\(.missed_runs // "-") \($own) \($none) \($all - $own - $none)"' "$report" 2>/dev/null) || r='- - - -'
	fi
	want=$(jq -r '.ok // "-"' "$churn" 2>/dev/null) || want=-
	read -r sbr sbm srr srm oth how <<<"$p"
	echo "$sbr $sbm $srr $srm $oth $r ${want:--} $how"
}

# result NAME CHECK: PASS or FAIL, the line check NAME/CHECK printed ("-": none).
result() {
	awk -v n="kernels/$1/$2" '
		($1 == "PASS:" && $2 == n) || ($1 == "FAIL:" && $2 == n ":") { print substr($1, 1, 4); found = 1; exit }
		END { if (!found) print "-" }' "$PW_TMP/$1/checks" 2>/dev/null || echo -
}

# check_run NAME LABEL: repeat run NAME (LABEL/run-NN) of kernel LABEL: its
# boot and both accounting steps; a step the guest never got to is a FAIL of
# its time-wait check (it counts among the runs).
check_run() {
	local name=$1 run
	check_boot "$name" "$2" || return 0
	for run in accounting accounting-safe; do
		if [ "$boot_rc" -eq 0 ] || [ -e "$(sec "$name" "$run/snapshot")" ]; then
			check_accounting "$name" "$run"
		else
			pw_fail "kernels/$name/$run/time-wait" "not run: the guest stopped before $run (see kernels/$name/boot)"
		fi
	done
}

# stat3 VALUES...: "min/median/max" of numbers ("-" ones left out), "-" if none.
stat3() {
	printf '%s\n' "$@" | grep -E '^[0-9]+$' | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (!NR) { print "-"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print v[1] "/" m "/" v[NR]
		}'
}

# check_repeat LABEL: every repeat run of kernel LABEL, then its summary.
check_repeat() {
	local label=$1 r name st sbr sbm srr srm oth mr own none elsew want how rescued lost secs load
	local tw safe rep snap pass_tw=0 pass_safe=0 pass_rep=0 pass_snap=0 hows=''
	local -a sbms=() srms=() rescs=() losts=() secss=() loads=() bad=()
	# The names of the kernel's programs by tag, from every run's kallsyms
	# (a tag two programs share names neither).
	cat "$PW_TMP/$label"/run-*/results.log 2>/dev/null | tr -d '\r' |
		awk '$3 ~ /^bpf_prog_[0-9a-f]+_./ && $4 == "[bpf]" { print substr($3, 10, 16), substr($3, 27) }' |
		sort -u | awk '{ n[$1]++; nm[$1] = $2 } END { for (t in n) if (n[t] == 1) print t, nm[t] }' \
		>"$PW_TMP/$label.tags" || true
	for ((r = 1; r <= repeat; r++)); do
		name=$label/$(run_name "$r")
		mkdir -p "$PW_TMP/$name"
		check_run "$name" "$label" >"$PW_TMP/$name/checks"
		cat "$PW_TMP/$name/checks"
		tw=$(result "$name" accounting/time-wait)
		safe=$(result "$name" accounting-safe/time-wait)
		rep=$(result "$name" accounting/report)
		snap=$(result "$name" accounting/snapshot)
		[ "$tw" != PASS ] || pass_tw=$((pass_tw + 1))
		[ "$safe" != PASS ] || pass_safe=$((pass_safe + 1))
		[ "$rep" != PASS ] || pass_rep=$((pass_rep + 1))
		[ "$snap" != PASS ] || pass_snap=$((pass_snap + 1))
		st=$(run_stats "$name")
		read -r sbr sbm srr srm oth mr own none elsew want how <<<"$st"
		rescued=- lost=-
		if [[ $sbm =~ ^[0-9]+$ && $mr =~ ^[0-9]+$ && $oth =~ ^[0-9]+$ && $srm != - ]]; then
			# missed_runs = others + state_btf's misses - rescued (not below 0)
			lost=$((mr - oth))
			if [ "$lost" -lt 0 ] || [ "$lost" -gt "$sbm" ]; then
				lost='?' rescued='?'
			else
				rescued=$((sbm - lost))
			fi
		fi
		read -r _ secs <"$PW_TMP/$name/run" 2>/dev/null || secs=-
		load=$(cat "$PW_TMP/$name/hostload" 2>/dev/null) || load=-
		sbms+=("$sbm") srms+=("$srm") rescs+=("$rescued") losts+=("$lost") secss+=("$secs") loads+=("$load")
		[[ " $hows " == *" $how "* ]] || hows="$hows${hows:+ }$how"
		echo "# $name: accounting/time-wait $tw, accounting-safe/time-wait $safe;" \
			"state_btf $sbr runs, $sbm missed; state_rescue $srr runs, $srm missed;" \
			"rescued $rescued, not rescued $lost (report missed_runs $mr, other programs missed $oth);" \
			"TIME-WAIT of $want: $own in /pw-acct/churn, $none unowned, $elsew elsewhere; guest $secs s, host load $load at its start"
		[ "$tw" = PASS ] || bad+=("$(run_name "$r"): $none of $want unowned, $elsew elsewhere, state_btf missed $sbm, state_rescue missed $srm, rescued $rescued")
	done
	echo "# $label: accounting/time-wait $pass_tw/$repeat passed, accounting-safe/time-wait $pass_safe/$repeat," \
		"accounting/report $pass_rep/$repeat, accounting/snapshot $pass_snap/$repeat"
	echo "# $label: state_btf misses min/median/max $(stat3 "${sbms[@]}") (per run: ${sbms[*]});" \
		"state_rescue misses $(stat3 "${srms[@]}") (per run: ${srms[*]}); programs told apart by: ${hows:--}"
	echo "# $label: rescued $(stat3 "${rescs[@]}") (per run: ${rescs[*]}); not rescued $(stat3 "${losts[@]}")" \
		"(per run: ${losts[*]}; includes misses of state changes no hook acts on)"
	echo "# $label: guest seconds $(stat3 "${secss[@]}"); host load at the guests' start: $(printf '%s\n' "${loads[@]}" | sort -n | sed -n '1p;$p' | paste -sd '-')"
	for r in "${bad[@]}"; do
		echo "# $label: time-wait failed in $r"
	done
}

if [ "$repeat" -gt 0 ]; then
	for label in "${labels[@]}"; do
		check_repeat "$label"
	done
else
	for label in "${labels[@]}"; do
		check_kernel "$label"
	done
fi

# The same probe here, for comparison (a host may refuse fexit: lockdown, or
# no ftrace direct calls).
(cd "$PW_OUTPUT/vm" && ./fexit_probe ./fexit_probe.bpf.o) >"$PW_TMP/host-fexit" 2>/dev/null || true
fexit_line "host $(uname -r)" "$PW_TMP/host-fexit"

pw_done
