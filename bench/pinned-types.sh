#!/usr/bin/env bash
# Streams, HyperLogLog and geo speed and stream memory, pinned: redis-server and hashslot each on
# core 0, redis-benchmark on core 1, the two servers alternated (which goes first changes every
# round), medians over the rounds, load average before and after (a busy machine makes the
# ratios unreliable: re-run rather than quote them).
#
#   bench/pinned-types.sh [--rounds N] [--requests N] [--stream-entries N (a multiple of 64)] [CHECKOUT]
#
# The measures issue 19 sets targets for, at -P 1 and -P 16: XADD, XREAD COUNT 10, XREADGROUP
# COUNT 10 (of a group's pending history; redis-benchmark cannot XACK the IDs it reads), PFADD,
# PFCOUNT, GEOADD, GEOSEARCH (radius, COUNT 10); then the memory of a stream of N two-field
# entries (used_memory after minus before; for hashslot hashslot_process_used, its JS heap and buffers).
set -euo pipefail

rounds=3
requests=100000
entries=1000000
checkout=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --stream-entries) entries=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) checkout=$(cd "$1" && pwd); shift ;;
  esac
done
for tool in taskset redis-server redis-benchmark redis-cli node; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

# --expose-gc lets MEMORY PURGE collect garbage, so the stream's memory is read as live memory
# (Redis's used_memory counts only live allocations); the reading before the purge is kept too.
hashslot_node_flags=(--expose-gc)
source "$(dirname "$0")/pinned-lib.sh"
start_servers

for port in "${ports[@]}"; do
  redis-cli -p "$port" eval "for i = 1, 1000 do redis.call('XADD', 'read', '*', 'f', i) end" 0 >/dev/null
  redis-cli -p "$port" xgroup create read g 0 >/dev/null
  redis-cli -p "$port" xreadgroup group g c streams read '>' >/dev/null
  redis-cli -p "$port" eval "for i = 1, 1000 do redis.call('GEOADD', 'places', 13 + i % 100 / 50, 37 + i % 37 / 37, 'p' .. i) end" 0 >/dev/null
  redis-cli -p "$port" eval "for i = 1, 1000 do redis.call('PFADD', 'counted', i) end" 0 >/dev/null
done

measures=(
  "XADD|-r 1000000 XADD log * f __rand_int__ g v"
  "XREAD_COUNT_10|XREAD COUNT 10 STREAMS read 0"
  "XREADGROUP_COUNT_10|XREADGROUP GROUP g c COUNT 10 STREAMS read 0"
  "PFADD|-r 10000000 PFADD sketch __rand_int__"
  "PFCOUNT|PFCOUNT counted"
  "GEOADD|-r 1000000 GEOADD geo 13.361389 38.115556 __rand_int__"
  "GEOSEARCH|GEOSEARCH places FROMLONLAT 14 37.5 BYRADIUS 50 km ASC COUNT 10"
)

echo "# pinned types: servers on core 0, clients on core 1; -n $requests -c 50; $rounds rounds; stream of $entries entries"
echo "# hashslot = $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results"
: >"$results"
# The stream's memory first, while both processes are fresh: read after the speed rounds,
# hashslot's "before" still held transient memory from them and the difference came out wrong.
# hashslot's used_memory is Redis's figure modelled; its process's own memory is hashslot_process_used.
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { u = $2 } $1 == "hashslot_process_used" { h = $2 } END { print (h != "" ? h : u) }'; }
purged() { redis-cli -p "$1" memory purge >/dev/null; used "$1"; }
for idx in "${!names[@]}"; do
  port=${ports[$idx]}
  before=$(purged "$port")
  taskset -c 1 redis-benchmark -p "$port" -q -n "$entries" -c 50 -P 64 XADD big '*' field __rand_int__ other value >/dev/null 2>&1
  [ "$(redis-cli -p "$port" xlen big)" = "$entries" ] || { echo "${names[$idx]}: XLEN big is not $entries" >&2; exit 1; }
  echo "${names[$idx]} stream_${entries}_entries_unpurged_bytes $(( $(used "$port") - before ))" >>"$results"
  echo "${names[$idx]} stream_${entries}_entries_bytes $(( $(purged "$port") - before ))" >>"$results"
  redis-cli -p "$port" del big >/dev/null # the speed rounds run without it, as before
done
run=0
for r in $(seq "$rounds"); do
  for measure in "${measures[@]}"; do
    name=${measure%%|*}
    read -r -a command <<<"${measure#*|}"
    for pipeline in 1 16; do
      order=(0 1); [ $((run % 2)) -eq 1 ] && order=(1 0); run=$((run + 1))
      for idx in "${order[@]}"; do
        rate=$(rps "${ports[$idx]}" -n "$requests" -c 50 -P "$pipeline" "${command[@]}")
        echo "${names[$idx]} ${name}_-P$pipeline $rate" >>"$results"
      done
    done
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done

echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

print_medians "$results"
