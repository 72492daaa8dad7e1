#!/usr/bin/env bash
# bench:replication with the servers and the benchmark on separate cores: the script (loader,
# poller) runs on core 1, and every server it starts (master and replica, redis-server and
# hashslot alike) is moved to core 0 as soon as it appears, before any timed step. On a 2-core
# machine this keeps the polling and loading from taking CPU from the servers being timed. The
# load average is printed before and after; a run that starts with a 1-minute load above 1
# should be repeated, not quoted.
#
#   bench/pinned-replication.sh [replication-sync options]     e.g. --keys 1000 --rounds 7
set -u
cd "$(dirname "$0")/.."
command -v taskset >/dev/null || { echo "taskset is needed" >&2; exit 2; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 node dist/bench/replication-sync.js "$@" &
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
