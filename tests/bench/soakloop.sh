#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The soak's budget churn that needs a loop around a one-shot workload
# (tests/bench/soak.sh, for soak/budget-exact): until SIGTERM, rounds of
#
#   fork  PORTLEAK PORT: a child process connects 5 times to 127.0.0.1:PORT
#         and exits (its sockets closed by its exit, not by close())
#   pass  SOCKPASS PORT RECV_CGROUP DIR: 20 TCP connections to PORT made
#         here, passed over a unix socket to a receiver in RECV_CGROUP
#         (another cgroup), which holds them 200 ms and closes them (RST)
#   uring SOCKPASS PORT: 20 connects and closes through io_uring (RST)
#
# Each round that fails is counted; on SIGTERM (between rounds) the line
# "exit rounds=N failed=M" goes to stdout and the status is 0.
set -u
mode=$1 bin=$2 port=$3
rounds=0 failed=0 stop=0
trap 'stop=1' TERM INT

pass_round() { # RECV_CGROUP DIR
	local sock=$2/pass.sock recv
	rm -f "$sock" "$2/recv.out"
	# shellcheck disable=SC2016 # $1.. belong to the inner sh
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" recv --unix "$3" --reset --hold-ms 200 --linger-ms 0' \
		recv "$1" "$bin" "$sock" >"$2/recv.out" 2>&1 &
	recv=$!
	for _ in $(seq 100); do
		grep -q '^ready' "$2/recv.out" 2>/dev/null && break
		sleep 0.02
	done
	"$bin" send --unix "$sock" --count 20 --port "$port" --linger-ms 0 >/dev/null 2>&1 || { wait "$recv"; return 1; }
	wait "$recv" && grep -q '^closed' "$2/recv.out"
}

while [ "$stop" = 0 ]; do
	case $mode in
	fork) "$bin" tcp-connect --port "$port" --count 5 --hold 0 --comm soak-fork >/dev/null 2>&1 ;;
	pass) pass_round "$4" "$5" ;;
	uring) "$bin" uring --reset --count 20 --port "$port" --hold-ms 200 --linger-ms 0 >/dev/null 2>&1 ;;
	*) echo "soakloop: bad mode '$mode'" >&2; exit 2 ;;
	esac || failed=$((failed + 1))
	rounds=$((rounds + 1))
	sleep 0.1
done
echo "exit rounds=$rounds failed=$failed"
