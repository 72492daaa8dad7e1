#!/usr/bin/env bash
# Scripting speed, pinned: redis-server and hashslot each on core 0, the client on core 1,
# servers alternated inside each round, medians over the rounds, load average before and after
# (a busy machine makes the ratios unreliable: re-run rather than quote them).
#
#   bench/pinned-scripting.sh [--rounds N] [--requests N] [CHECKOUT]
#
# Two measures, the ones issue 18 sets targets for:
#   EVALSHA of `return redis.call('GET', KEYS[1])` with redis-benchmark -c 50, at -P 1 and -P 16
#   a CPU-bound script: one EVAL of a loop of 10 million additions, wall time seen by redis-cli
# CHECKOUT (default: this tree) is a built hashslot tree whose bin/hashslot-server is started.
set -euo pipefail

rounds=5
requests=200000
checkout=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) checkout=$(cd "$1" && pwd); shift ;;
  esac
done
for tool in taskset redis-server redis-benchmark redis-cli node; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

source "$(dirname "$0")/pinned-lib.sh"
start_servers

GET_SCRIPT="return redis.call('GET', KEYS[1])"
LOOP_SCRIPT='local x = 0 for i = 1, 10000000 do x = x + i end return x'
shas=()
for port in "${ports[@]}"; do
  redis-cli -p "$port" set key:1 value >/dev/null
  shas+=("$(redis-cli -p "$port" script load "$GET_SCRIPT")")
done

echo "# pinned scripting: servers on core 0, clients on core 1; EVALSHA -n $requests -c 50; $rounds rounds"
echo "# hashslot = $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for idx in "${!names[@]}"; do
    for pipeline in 1 16; do
      rate=$(rps "${ports[$idx]}" -n "$requests" -c 50 -P "$pipeline" EVALSHA "${shas[$idx]}" 1 key:1)
      echo "${names[$idx]} EVALSHA_GET_-P$pipeline $rate" >>"$results"
    done
    start_ns=$(date +%s%N)
    taskset -c 1 redis-cli -p "${ports[$idx]}" eval "$LOOP_SCRIPT" 0 >/dev/null
    echo "${names[$idx]} loop_10M_ms $(( ($(date +%s%N) - start_ns) / 1000000 ))" >>"$results"
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

print_medians "$results"
