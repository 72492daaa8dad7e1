#!/usr/bin/env bash
# The per-slot cost of a reshard without keys, batch by batch, on a fresh 4-master cluster:
# issue 13's rebalance with the key migration taken out, so what is left is the cluster's own
# work per slot (SETSLOT IMPORTING / MIGRATING / NODE, the importer's PONG and the claims it
# carries, the nodes.conf saves). redis-cli moves BATCH slots from the first master to the fourth,
# REPEAT times on the same nodes, and each batch's wall time and the four nodes' CPU (user and
# system, /proc) are printed: the later batches show what the same work costs once the code has
# run for a while, the first one what a fresh cluster pays. The four nodes share core 0 and
# redis-cli runs on core 1; redis-server and hashslot alternate, round by round.
#
#   bench/reshard-warmup.sh [--rounds N] [--batch SLOTS] [--repeat N] [CHECKOUT]
set -euo pipefail

rounds=3
batch=1000
repeat=3
checkout=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) checkout=$(cd "$1" && pwd); shift ;;
  esac
done
for tool in taskset redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
[ $((batch * repeat)) -le 5000 ] || { echo "--batch x --repeat must stay within the first master's 5,461 slots" >&2; exit 2; }

# work, pids, cleanup and cpu_ticks come from pinned-lib.sh; cluster nodes need their bus port free too.
source "$(dirname "$0")/pinned-lib.sh"
free_bus_port() { # a port P with P+10000 free as well
  node -e '
    const net = require("net");
    const tryPort = () => { const a = net.createServer().listen(0, "127.0.0.1", () => {
      const p = a.address().port; const b = net.createServer().listen(p + 10000, "127.0.0.1", () => {
        a.close(); b.close(); console.log(p); }).on("error", () => { a.close(); tryPort(); }); }); };
    tryPort();'
}

one_round() { # kind round
  local kind=$1 round=$2 ports=() nodepids=() port dir i
  for i in 1 2 3 4; do
    port=$(free_bus_port); dir="$work/round$round-$kind-$i"; mkdir -p "$dir"
    if [ "$kind" = redis ]; then
      (cd "$dir" && exec taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --save '' --appendonly no >log 2>&1) &
    else
      (cd "$dir" && exec taskset -c 0 node "$checkout/bin/hashslot-server" --port "$port" --bind 127.0.0.1 --cluster-enabled yes --save '' --appendonly no >log 2>&1) &
    fi
    pids+=($!); nodepids+=($!); ports+=("$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  local first=127.0.0.1:${ports[0]}
  redis-cli --cluster create "$first" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" --cluster-replicas 0 --cluster-yes >"$work/$kind.cli" 2>&1 ||
    { echo "cluster create failed ($kind):" >&2; tail -5 "$work/$kind.cli" >&2; exit 1; }
  redis-cli --cluster add-node "127.0.0.1:${ports[3]}" "$first" >>"$work/$kind.cli" 2>&1 ||
    { echo "add-node failed ($kind):" >&2; tail -5 "$work/$kind.cli" >&2; exit 1; }
  # Every node must know the fourth (redis-cli refuses to move a slot to a node a master has not
  # met yet): four lines in each CLUSTER NODES, none of them still in handshake.
  local known
  for _ in $(seq 200); do
    known=0
    for port in "${ports[@]}"; do
      [ "$(redis-cli -p "$port" cluster nodes | grep -vc handshake)" = 4 ] && known=$((known + 1))
    done
    [ "$known" = 4 ] && break
    sleep 0.1
  done
  [ "$known" = 4 ] || { echo "the fourth master did not join ($kind)" >&2; exit 1; }
  local from to
  from=$(redis-cli -p "${ports[0]}" cluster myid); to=$(redis-cli -p "${ports[3]}" cluster myid)
  for i in $(seq 1 "$repeat"); do
    local before=0 after=0 t0 t1 p
    for p in "${nodepids[@]}"; do before=$((before + $(cpu_ticks "$p"))); done
    t0=$(date +%s%N)
    taskset -c 1 redis-cli --cluster reshard "$first" --cluster-from "$from" --cluster-to "$to" \
      --cluster-slots "$batch" --cluster-yes >>"$work/$kind.cli" 2>&1 || { echo "reshard failed ($kind):" >&2; tail -5 "$work/$kind.cli" >&2; exit 1; }
    t1=$(date +%s%N)
    for p in "${nodepids[@]}"; do after=$((after + $(cpu_ticks "$p"))); done
    echo "$kind batch$i $(( (t1 - t0) / 1000000 )) $(( (after - before) * 1000 / ticks_per_sec ))" >>"$work/results"
  done
  for p in "${nodepids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${nodepids[@]}" 2>/dev/null || true
}

echo "# reshard of $batch slots x $repeat on a fresh 4-master cluster without keys, $rounds round(s); nodes on core 0, redis-cli on core 1"
echo "# hashslot = $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  one_round redis "$r"
  one_round hashslot "$r"
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
node - "$work/results" <<'NODE'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const cell = (kind, batch, col) => median(rows.filter((r) => r[0] === kind && r[1] === batch).map((r) => Number(r[col])));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log('| batch | redis ms | hashslot ms | vs redis | redis nodes CPU ms | hashslot nodes CPU ms | vs redis |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const batch of [...new Set(rows.map((r) => r[1]))]) {
  const [rw, hw, rc, hc] = [cell('redis', batch, 2), cell('hashslot', batch, 2), cell('redis', batch, 3), cell('hashslot', batch, 3)];
  console.log(`| ${batch.replace('batch', '')} | ${fmt(rw)} | ${fmt(hw)} | ${(hw / rw).toFixed(2)}x | ${fmt(rc)} | ${fmt(hc)} | ${(hc / rc).toFixed(2)}x |`);
}
NODE
