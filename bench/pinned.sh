#!/usr/bin/env bash
# Runs one of the node benchmarks with the servers and the benchmark on separate cores: the
# script (loader, poller, timer) runs on core 1, and every server it starts (redis-server and
# hashslot alike) is moved to core 0 as soon as it appears, before any timed step. On a 2-core
# machine this keeps the client from taking CPU from the servers being timed. The load average
# is printed before and after; a run that starts with a 1-minute load above 1 should be
# repeated, not quoted.
#
#   bench/pinned.sh BENCHMARK [its options]     e.g. bench/pinned.sh data-types --only strings
#                                                    bench/pinned.sh replication-sync --keys 1000
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 BENCHMARK [options]   (BENCHMARK: a script of dist/bench/, e.g. data-types)" >&2; exit 2; }
script="dist/bench/$1.js"; shift
[ -f "$script" ] || { echo "$script not found (npm run build?)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is needed" >&2; exit 2; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 node "$script" "$@" &
bench=$!
while kill -0 "$bench" 2>/dev/null; do
  for pid in $(pgrep -P "$bench"); do
    [ "$(taskset -pc "$pid" 2>/dev/null | awk '{print $NF}')" = "0" ] || taskset -pc 0 "$pid" >/dev/null 2>&1
  done
  sleep 0.02
done
wait "$bench"
status=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
