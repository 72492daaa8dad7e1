#!/usr/bin/env bash
# SET throughput with the append-only file on, pinned: redis-server and hashslot each on core 0
# with `appendonly yes`, redis-benchmark on core 1, the two servers alternated, medians over the
# rounds, load average before and after (a busy machine makes the ratios unreliable: re-run
# rather than quote them).
#
#   bench/pinned-aof.sh [--rounds N] [--requests N] [--fsync everysec|always|no] [CHECKOUT]
#
# Measures SET at -P 1 and -P 16 (-c 50, random keys from 1M, 3-byte values), then the size of
# each server's AOF directory after the runs. Issue 20's target: hashslot at least 0.8x redis
# with appendfsync everysec.
set -euo pipefail

rounds=3
requests=200000
fsync=everysec
checkout=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --fsync) fsync=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) checkout=$(cd "$1" && pwd); shift ;;
  esac
done
for tool in taskset redis-server redis-benchmark redis-cli node; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

server_args=(--appendonly yes --appendfsync "$fsync")
source "$(dirname "$0")/pinned-lib.sh"
start_servers

echo "# pinned AOF: appendfsync $fsync; servers on core 0, clients on core 1; -n $requests -c 50; $rounds rounds"
echo "# hashslot = $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results"
: >"$results"
run=0
for r in $(seq "$rounds"); do
  for pipeline in 1 16; do
    order=(0 1); [ $((run % 2)) -eq 1 ] && order=(1 0); run=$((run + 1))
    for idx in "${order[@]}"; do
      rate=$(rps "${ports[$idx]}" -n "$requests" -c 50 -P "$pipeline" -r 1000000 -t set)
      echo "${names[$idx]} SET_-P$pipeline $rate" >>"$results"
    done
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
for idx in "${!names[@]}"; do
  echo "${names[$idx]} aof_dir_bytes $(du -sb "$work/${names[$idx]}/appendonlydir" | cut -f1)" >>"$results"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

print_medians "$results"
