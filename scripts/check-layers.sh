#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Fails on an include in user/ that points up a layer or sideways into a
# layer of the same rank, and on a core file that reaches for the kernel,
# the host or the terminal. The layers, lowest first (README "Layout"):
#
#   0 core    pure models: inventory, snapshot, history, classifier, policy...
#   1 host    /proc, cgroups, network namespaces, container identity
#   2 kernel  BPF loading, iterators, ring buffer, counters, sock_diag
#   2 views   text, JSON and terminal rendering
#   3 watch   the sampling loop every long-running command shares
#   3 act     the only code that signals, kills or quarantines
#   3 serve   run's /metrics over HTTP (libmicrohttpd)
#   4 guard   run's judgement: suspects, targets, results
#   5 cmd     one file per subcommand, the command line, main
#
# A file may include its own layer's headers and those of lower rank.
# Usage: scripts/check-layers.sh [USER_DIR]
set -eu
dir=${1:-user}

rank() {
	case $1 in
	core) echo 0 ;; host) echo 1 ;; kernel | views) echo 2 ;;
	watch | act | serve) echo 3 ;; guard) echo 4 ;; cmd) echo 5 ;;
	*) echo x ;;
	esac
}

bad=0
for file in "$dir"/*/*.[ch]; do
	layer=$(basename "$(dirname "$file")")
	own=$(rank "$layer")
	if [ "$own" = x ]; then
		echo "$file: folder '$layer' is not a layer (add it to scripts/check-layers.sh and README)" >&2
		bad=1
		continue
	fi
	# Quoted includes name their layer: "core/snapshot.h".
	for target in $(sed -n 's|^#include "\([a-z_]*\)/.*|\1|p' "$file" | sort -u); do
		theirs=$(rank "$target")
		if [ "$target" != "$layer" ] && { [ "$theirs" = x ] || [ "$theirs" -ge "$own" ]; }; then
			echo "$file: includes $target/ from $layer/ (an include must point down a layer)" >&2
			bad=1
		fi
	done
done

# The core is pure: no libbpf, no curses, no skeletons, no /proc or /sys.
for file in "$dir"/core/*.[ch]; do
	if grep -Hn '#include <bpf/\|#include <n\?curses\|skel\.h"\|"/proc/\|"/sys/' "$file" >&2; then
		echo "$file: the core must not reach the kernel, the host or the terminal" >&2
		bad=1
	fi
done

[ "$bad" = 0 ] && echo "layers: every include in $dir/ points down"
exit "$bad"
