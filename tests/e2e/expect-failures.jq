# The problems, one per line (none: all good), with a trace's events (jq -s
# over `portwarden trace --json` output) for one failing workload:
# exactly $n failed allocations from its pid, and from its cgroup, each with
# every attribute right. Arguments: $w (slurped: the workload's JSON line),
# $n, $op, $proto, $errno, $result, $cgroup, $netns.
# Used by test-trace.sh and test-kernels.sh.
def events: .[] | select(.type == null or .type == "event");
def want($k; $v): if .[$k] != $v then "\($k) is \(.[$k] | tojson), want \($v | tojson)" else empty end;
$w[0] as $w
| [events | select(.pid == $w.pid)] as $ev
| if $w.failed != $n then "the workload itself failed \($w.failed) times, want \($n)" else empty end,
  if ($ev | length) != $n then "\($ev | length) events for pid \($w.pid), want \($n)" else empty end,
  ([events | select(.cgroup == $cgroup)] | length | if . != $n then "\(.) events in cgroup \($cgroup), want \($n)" else empty end),
  ([$ev[]
   | want("alloc_failed"; true), want("op"; $op), want("proto"; $proto),
     want("family"; "ipv4"), want("tid"; $w.pid), want("comm"; $w.comm),
     want("cgroup"; $cgroup), want("netns"; $netns), want("errno"; $errno),
     want("result"; $result), want("sport"; 0),
     (if $op == "connect" then want("daddr"; "127.0.0.1"), want("dport"; 5001) else empty end)
  ] | unique[])
