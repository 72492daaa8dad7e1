#!/usr/bin/env bash
# Pinned cluster throughput: a 3-master cluster of redis-servers and one of hashslot nodes (this
# checkout's bin/hashslot-server), every node on core 0 and `redis-benchmark --cluster` on core 1,
# the two clusters benchmarked in alternation in each round; the table gives each one's median
# over the rounds and the ratio hashslot/redis. The load average is printed before and after: on
# a busy machine the ratios are unreliable and the run should be repeated, not quoted.
#
#   bench/pinned-cluster.sh [--rounds N] [--requests N] [--tests set,get]
set -euo pipefail

rounds=3
requests=300000
tests=set,get
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --tests) tests=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in taskset redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# A cluster port needs port+10000 free too; ports are drawn until both are.
cluster_port() {
  local p
  for _ in $(seq 50); do
    p=$(free_port)
    if [ "$p" -lt 55000 ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port pair" >&2; exit 1
}

declare -A first_port
start_cluster() { # kind, command...
  local kind=$1; shift
  local addrs=() port dir
  for i in 1 2 3; do
    port=$(cluster_port); dir="$work/$kind$i"; mkdir -p "$dir"
    (cd "$dir" && exec taskset -c 0 "$@" --port "$port" --bind 127.0.0.1 --cluster-enabled yes --save '' --appendonly no >"$dir/log" 2>&1) &
    pids+=($!)
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    addrs+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-yes >"$work/$kind-create.log" 2>&1
  # Every node must say cluster_state:ok and list all three masters' slots before the first run.
  local ok
  for _ in $(seq 300); do
    ok=1
    for a in "${addrs[@]}"; do
      [ "$(redis-cli -p "${a#127.0.0.1:}" cluster info | tr -d '\r' | grep -E '^cluster_(state|slots_ok):' | tr '\n' ' ')" = "cluster_state:ok cluster_slots_ok:16384 " ] || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.1
  done
  [ $ok = 1 ] || { echo "$kind cluster did not converge" >&2; exit 1; }
  first_port[$kind]=${addrs[0]#127.0.0.1:}
}
start_cluster redis redis-server
start_cluster hashslot node "$root/bin/hashslot-server"

echo "# pinned clusters: 3 masters each on core 0, redis-benchmark --cluster on core 1; -n $requests -c 50, $rounds rounds"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for pipeline in 1 16; do
    for kind in redis hashslot; do
      taskset -c 1 redis-benchmark --cluster -p "${first_port[$kind]}" -t "$tests" -n "$requests" -c 50 -P "$pipeline" -q 2>/dev/null \
        | tr '\r' '\n' | grep -E '^[A-Z_0-9]+: [0-9.]+ requests per second' \
        | while read -r test rate _; do echo "$kind P$pipeline ${test%:} $rate" >>"$results"; done
    done
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

node - "$results" <<'EOF'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log('| test | redis cluster ops/s | hashslot cluster ops/s | hashslot/redis |');
console.log('|---|--:|--:|--:|');
for (const k of [...new Set(rows.map((r) => `${r[1]} ${r[2]}`))]) {
  const [p, test] = k.split(' ');
  const [r, h] = ['redis', 'hashslot'].map((n) => median(rows.filter((x) => x[0] === n && `${x[1]} ${x[2]}` === k).map((x) => Number(x[3]))));
  console.log(`| ${test} -${p} | ${Math.round(r).toLocaleString('en-US')} | ${Math.round(h).toLocaleString('en-US')} | ${(h / r).toFixed(2)}x |`);
}
EOF
