#!/usr/bin/env bash
# Pinned A/B throughput: real redis-server and one or more hashslot checkouts, each server on
# core 0 and redis-benchmark on core 1, so the load generator never competes with the server it
# measures (on a 2-core machine an unpinned run squeezes every server to the client's speed and
# hides the gap). The servers are benchmarked in alternation inside each round, so a slow spell of
# the shared machine lands on all of them; the table gives each one's median over the rounds and
# its ratio to redis-server. The load average is printed before and after: a busy machine makes
# the ratios unreliable, and the figures should then be re-run, not quoted.
#
#   bench/pinned-ab.sh [--rounds N] [--requests N] [--tests set,get] [--ceiling] CHECKOUT...
#
# --ceiling adds bench/ceiling-server.ts (of the first CHECKOUT): a Node server that answers +OK
# to every request without doing anything, the most any Node server can do here.
# CHECKOUT is the root of a built hashslot tree (its bin/hashslot-server is started); pass two to
# compare a change with the code before it, e.g. `bench/pinned-ab.sh . ../baseline`.
set -euo pipefail

rounds=5
requests=200000
tests=set,get
ceiling=no
checkouts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --tests) tests=$2; shift 2 ;;
    --ceiling) ceiling=yes; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) checkouts+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
[ ${#checkouts[@]} -gt 0 ] || { echo "usage: $0 [--rounds N] [--requests N] [--tests set,get] [--ceiling] CHECKOUT..." >&2; exit 2; }
for tool in taskset redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

# work, pids, cleanup, free_port and start come from pinned-lib.sh; the servers here are
# redis-server and each checkout given.
source "$(dirname "$0")/pinned-lib.sh"
start_redis_and_checkouts "${checkouts[@]}"
if [ "$ceiling" = yes ]; then
  names+=(ceiling)
  start ceiling node "${checkouts[0]}/dist/bench/ceiling-server.js"
fi

echo "# pinned A/B: servers on core 0, redis-benchmark on core 1; -n $requests -c 50, $rounds rounds"
describe_checkouts "${checkouts[@]}"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for pipeline in 1 16; do
    for idx in "${!names[@]}"; do
      redis-cli -p "${ports[$idx]}" flushall >/dev/null
      taskset -c 1 redis-benchmark -p "${ports[$idx]}" -t "$tests" -n "$requests" -c 50 -P "$pipeline" -q 2>/dev/null \
        | tr '\r' '\n' | sed -E 's/ \([^)]*\)//' | grep -E '^[A-Z_0-9]+: [0-9.]+ requests per second' \
        | while read -r test rate _; do echo "${names[$idx]} P$pipeline ${test%:} $rate" >>"$results"; done
    done
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# median per (server, pipeline, test), then ratios to redis
node - "$results" "${names[@]}" <<'EOF'
const fs = require('fs');
const [file, ...names] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const keys = [...new Set(rows.map((r) => `${r[1]} ${r[2]}`))];
console.log(`| test | ${names.map((n) => `${n} ops/s`).join(' | ')} | ${names.slice(1).map((n) => `${n}/redis`).join(' | ')} |`);
console.log(`|---|${names.map(() => '--:').join('|')}|${names.slice(1).map(() => '--:').join('|')}|`);
for (const k of keys) {
  const med = names.map((n) => median(rows.filter((r) => r[0] === n && `${r[1]} ${r[2]}` === k).map((r) => Number(r[3]))));
  const [test, p] = [k.split(' ')[1], k.split(' ')[0]];
  console.log(`| ${test} -${p} | ${med.map((m) => Math.round(m).toLocaleString('en-US')).join(' | ')} | ${med.slice(1).map((m) => (m / med[0]).toFixed(2) + 'x').join(' | ')} |`);
}
EOF
