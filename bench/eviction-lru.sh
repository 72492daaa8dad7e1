#!/usr/bin/env bash
# Issue 20's eviction benchmark: redis-server and hashslot side by side, each at maxmemory 100mb
# with allkeys-lru (override with --maxmemory / --policy):
#   1. 1,000,000 SETs of random keys (100-byte values, redis-benchmark -P 16, key space 10M, so
#      most writes create a key and the servers must evict): SET/s, keys kept, evicted_keys,
#      used_memory (each server's own account: hashslot's is Redis's figure modelled) and RSS;
#   2. after a FLUSHALL, a read-through cache workload (GET, SET on a miss) over 10M keys with
#      Zipf-distributed accesses from a fixed seed: the hit ratio, which says how well the
#      policy keeps the hot keys (its evictions are shown too: none would mean the limit was
#      never reached and the ratio says nothing of the policy), and the workload's ops/s.
# Pinned as the other bench/pinned-*.sh: each server on core 0, redis-benchmark and the cache
# client on core 1; `--rounds N` alternates which server goes first and ends with the medians
# of SET/s and the hit ratio. The load average is printed before and after: on a busy machine
# only the hit ratios and keys kept mean much.
#   bench/eviction-lru.sh [--rounds N] [--maxmemory 100mb] [--policy allkeys-lru] [--writes N] [--ops N] [--cache-keys N] [CHECKOUT]
set -euo pipefail
maxmemory=100mb; policy=allkeys-lru; writes=1000000; ops=2000000; cache_keys=10000000; rounds=1
checkout=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --maxmemory) maxmemory=$2; shift 2 ;;
    --policy) policy=$2; shift 2 ;;
    --writes) writes=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --cache-keys) cache_keys=$2; shift 2 ;;
    *) checkout=$1; shift ;;
  esac
done
[ -f "$checkout/dist/bench/eviction-hit-ratio.js" ] || { echo "build $checkout first (npm run build)" >&2; exit 1; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
field() { redis-cli -p "$1" info everything | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

echo "maxmemory $maxmemory, $policy; servers on core 0, clients on core 1; $rounds round(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-8s | %10s | %10s | %12s | %14s | %10s | %9s | %13s | %10s |\n' server 'SET/s' keys evicted_keys used_memory 'RSS MiB' hit_ratio 'cache evicted' 'cache op/s'
printf '|----------|-----------:|-----------:|-------------:|---------------:|-----------:|----------:|--------------:|-----------:|\n'
results="$work/results"; : >"$results"
run_one() { # name
  local name=$1 port dir pid sets keys evicted used rss ratio cache_ops cache_evicted
  port=$(free_port); dir="$work/$name"; rm -rf "$dir"; mkdir -p "$dir"
  if [ "$name" = redis ]; then cmd=(redis-server); else cmd=(node "$checkout/bin/hashslot-server"); fi
  taskset -c 0 "${cmd[@]}" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --maxmemory "$maxmemory" --maxmemory-policy "$policy" >"$dir/log" 2>&1 &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  sets=$(taskset -c 1 redis-benchmark -p "$port" -q -t set -n "$writes" -r 10000000 -d 100 -P 16 -c 50 2>/dev/null \
    | tr '\r' '\n' | awk '/^SET: [0-9]/ { print $2 }')
  keys=$(redis-cli -p "$port" dbsize); evicted=$(field "$port" evicted_keys); used=$(field "$port" used_memory)
  rss=$(rss_kb "$pid")
  redis-cli -p "$port" flushall >/dev/null; redis-cli -p "$port" config resetstat >/dev/null
  read -r _ ratio _ cache_ops < <(taskset -c 1 node "$checkout/dist/bench/eviction-hit-ratio.js" "$port" "$ops" "$cache_keys")
  cache_evicted=$(field "$port" evicted_keys)
  printf '| %-8s | %10s | %10d | %12d | %14d | %10.1f | %9s | %13d | %10s |\n' "$name" "$sets" "$keys" "$evicted" "$used" \
    "$(echo "$rss / 1024" | bc -l)" "$ratio" "$cache_evicted" "$cache_ops"
  echo "$name sets $sets" >>"$results"; echo "$name ratio $ratio" >>"$results"; echo "$name cache_ops $cache_ops" >>"$results"
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
}
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=(redis hashslot); else order=(hashslot redis); fi
  for name in "${order[@]}"; do run_one "$name"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
node - "$results" <<'NODE'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const of = (n, m) => median(rows.filter((r) => r[0] === n && r[1] === m).map((r) => Number(r[2])));
console.log(`medians: SET/s ${of('redis', 'sets')} vs ${of('hashslot', 'sets')} (${(of('hashslot', 'sets') / of('redis', 'sets')).toFixed(2)}x); ` +
  `hit ratio ${of('redis', 'ratio')} vs ${of('hashslot', 'ratio')}; cache op/s ${of('redis', 'cache_ops')} vs ${of('hashslot', 'cache_ops')}`);
NODE
