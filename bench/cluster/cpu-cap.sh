#!/usr/bin/env bash
# Runs a command with every process of it capped at a fraction of one core, each in its
# own cgroup (v1 cpu controller, CFS quota): `serve --workers 3` under a cap of 0.25 is
# three 0.25-core nodes (and a 0.25-core primary), one node is one. This is how
# bench/cluster measures "3 nodes against 1" past a 2-core machine: the nodes are made
# small enough that the load generator, PostgreSQL and Redis are not what limits them.
#
#   bench/cluster/cpu-cap.sh <quota-µs> <period-µs> <command…>
#
# Needs root and /sys/fs/cgroup/cpu (cgroup v1). Workers are forked after the primary
# starts: they are moved into their own cgroup when first seen (polled every 0.2 s).
set -u
quota=$1 period=$2
shift 2
root=/sys/fs/cgroup/cpu/kaoqin-bench-$$
if ! mkdir "$root" 2>/dev/null; then
  echo "cpu-cap: cannot create $root (needs root and the cgroup v1 cpu controller)" >&2
  exit 2
fi

cap() {
  local dir=$root/p$1
  [[ -d $dir ]] && return
  mkdir "$dir" && echo "$period" >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us" &&
    echo "$1" >"$dir/cgroup.procs" 2>/dev/null
}

"$@" &
child=$!
# bench/gateway stops the platform by signalling its process group: the child hears it
# directly; the wait below then returns and the cgroups are removed.
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
cap "$child"
while kill -0 "$child" 2>/dev/null; do
  for f in /proc/"$child"/task/*/children; do
    kids=()
    read -r -a kids <"$f" 2>/dev/null || true
    for k in "${kids[@]}"; do cap "$k"; done
  done
  sleep 0.2
done
wait "$child"
rc=$?
for d in "$root"/p*; do rmdir "$d" 2>/dev/null; done
rmdir "$root" 2>/dev/null
exit "$rc"
