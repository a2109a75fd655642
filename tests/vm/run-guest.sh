#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Boots one guest kernel with the test initramfs under qemu and collects what
# it reports. KVM when /dev/kvm is usable, else TCG (software emulation).
#
# usage: tests/vm/run-guest.sh KERNEL INITRAMFS OUTDIR [TIMEOUT_SEC [EXTRA_APPEND]]
#        tests/vm/run-guest.sh --accel KERNEL    prints "kvm" or "tcg REASON": what
#                                                a run would use (see choose_accel)
#
# Writes OUTDIR/console.log (ttyS0: the kernel's console and /init's progress),
# OUTDIR/results.log (ttyS1: the result sections, see guest-init.sh) and
# OUTDIR/qemu.log (qemu's own messages) and OUTDIR/run ("STATUS SECONDS").
# Exit status: 0 when the guest wrote its last line (@@PW-DONE), 124 on
# timeout, else 1. SIGTERM stops the guest too.
#
# Environment: QEMU (default qemu-system-x86_64), PW_VM_MEM (MiB, default 512),
# PW_VM_ACCEL (kvm or tcg; default: kvm if /dev/kvm works, see choose_accel), PW_VM_CPU
# (qemu -cpu model), PW_VM_SMP (guest CPUs, default 1; under TCG each is a host
# thread), PW_VM_APPEND (more kernel parameters, e.g. pw_modes=state),
# PW_VM_ICOUNT (TCG: qemu -icount shift=N, see below; unset: none).
set -u

QEMU=${QEMU:-qemu-system-x86_64}

# choose_accel KERNEL: "kvm" when KVM really runs a guest, else "tcg REASON".
# A /dev/kvm we may open is not enough: inside some VMs (nested KVM without
# full support) qemu aborts on the first MSR write with -cpu host ("failed to
# set MSR 0x10a"), or the guest hangs once it leaves real mode. So KERNEL is
# booted for at most 10 s until its first message from long mode ("Linux
# version"); that takes under a second where KVM works.
choose_accel() {
	local probe pid n=50 why
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "tcg no usable /dev/kvm"
		return
	fi
	probe=$(mktemp -d "${TMPDIR:-/tmp}/pw-kvm-probe.XXXXXX") || { echo "tcg mktemp failed"; return; }
	timeout -k 2 10 "$QEMU" -accel kvm -cpu "${PW_VM_CPU:-host}" -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$1" -append "console=ttyS0 panic=-1 loglevel=7" \
		-serial "file:$probe/console.log" </dev/null >"$probe/qemu.log" 2>&1 &
	pid=$!
	while ! grep -q 'Linux version' "$probe/console.log" 2>/dev/null; do
		n=$((n - 1))
		if [ "$n" -le 0 ] || ! kill -0 "$pid" 2>/dev/null; then
			why=$(grep -m1 -i 'error\|fail' "$probe/qemu.log" 2>/dev/null | head -c 120) || true
			kill -s TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rm -rf "$probe"
			echo "tcg /dev/kvm is there but a KVM guest did not start: ${why:-no kernel message in 10 s}"
			return
		fi
		sleep 0.2
	done
	kill -s TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "$probe"
	echo kvm
}

if [ "${1:-}" = --accel ]; then
	[ $# -eq 2 ] || { echo "usage: $0 --accel KERNEL" >&2; exit 2; }
	choose_accel "$2" 2>/dev/null
	exit 0
fi

[ $# -ge 3 ] || { echo "usage: $0 KERNEL INITRAMFS OUTDIR [TIMEOUT_SEC [EXTRA_APPEND]]" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3 limit=${4:-150} extra=${5:-${PW_VM_APPEND:-}}

accel=${PW_VM_ACCEL:-}
if [ -z "$accel" ]; then
	read -r accel _ < <(choose_accel "$kernel" 2>/dev/null)
fi
# TCG: every feature qemu emulates but CMPXCHG16B. Debian 12's qemu (7.2)
# leaves garbage in EFLAGS after `cmpxchg16b %gs:(...)`, TF included, which
# SLUB's fast path runs on 6.12: a #DB warning in kmem_cache_alloc_noprof()
# and then random oopses in most boots (seen in 5 to 6 boots of 8). Without
# CX16 the kernel takes its fallback paths, and every boot is clean.
case $accel in
kvm) cpu=${PW_VM_CPU:-host} ;;
*) cpu=${PW_VM_CPU:-max,cx16=off} ;;
esac
# PW_VM_ICOUNT=SHIFT (TCG only): the guest's clocks count executed
# instructions, 2^SHIFT ns each, not host time: a figure timed in the guest
# no longer depends on how much CPU the host gave qemu (the benchmark's use).
icount=()
if [ -n "${PW_VM_ICOUNT:-}" ] && [ "$accel" != kvm ]; then
	icount=(-icount "shift=$PW_VM_ICOUNT,sleep=on")
fi

mkdir -p "$out"
rm -f "$out/console.log" "$out/results.log" "$out/qemu.log"
echo "$accel" >"$out/accel"

# quiet: the console carries only warnings and up; panic=-1 with -no-reboot
# turns a panic (an /init that died) into qemu exiting at once.
append="console=ttyS0 panic=-1 oops=panic quiet loglevel=4 mitigations=off $extra"
start=$SECONDS
timeout -k 5 "$limit" "$QEMU" \
	-accel "$accel" "${icount[@]}" -cpu "$cpu" -m "${PW_VM_MEM:-512}" -smp "${PW_VM_SMP:-1}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-serial "file:$out/console.log" -serial "file:$out/results.log" \
	</dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
# Stopped from outside: stop qemu too (timeout passes the signal on).
trap 'kill -s TERM "$qpid" 2>/dev/null; wait "$qpid"; echo "143 $((SECONDS - start))" >"$out/run"; exit 143' TERM INT
rc=0
wait "$qpid" || rc=$?

if grep -q '^@@PW-DONE' "$out/results.log" 2>/dev/null; then
	rc=0
elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	rc=124
else
	rc=1
fi
echo "$rc $((SECONDS - start))" >"$out/run"
exit "$rc"
