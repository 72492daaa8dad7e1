#!/usr/bin/env bash
# Server CPU per command: redis-server and one or more hashslot checkouts, each server on core 0
# and redis-benchmark on core 1, the servers alternated within each round. For every run the
# server's user+system CPU time (from /proc/<pid>/stat, in clock ticks) is read before and after
# a fixed number of requests and divided by the commands it processed (INFO's
# total_commands_processed), so the figure is the server's own cost per command.
#
# Unlike requests per second, this does not depend on how fast the load generator is: on a day
# the shared machine is slow, redis-benchmark may not keep redis-server busy (the ceiling server
# of pinned-ab.sh then runs at the same rate as redis-server), and a throughput ratio only says
# how close each server got to the client. CPU per command still measures each server's work.
#
#   bench/pinned-cpu.sh [--rounds N] [--requests N] [--pipeline P] [--tests set,incr] [--random N]
#                       [--command 'GEOADD geo 13.361389 38.115556 __rand_int__'] [--aof]
#                       [--maxmemory 100mb] [--data BYTES] CHECKOUT...
#
# --random N passes `-r N` to redis-benchmark (random keys over N names: the dictionary's lookup
# cost at that size); without it every request hits the same key, as redis-benchmark does.
# --command replaces the tests with one command of redis-benchmark's custom form (its
# __rand_int__ drawn from --random's range), measured under its name.
# --aof starts every server with `appendonly yes` and `appendfsync everysec` (issue 20's setting),
# so the figure includes feeding and writing the AOF. --maxmemory starts them with that limit and
# `allkeys-lru`: with enough requests over a large --random range (issue 20's eviction benchmark is
# `--maxmemory 100mb --data 100 --random 10000000 --requests 2000000`), most SETs evict a key.
# --data sets redis-benchmark's value size (-d).
set -euo pipefail

rounds=5
requests=1000000
pipeline=16
tests=set
random=
command=
server_args=()
data=
checkouts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --pipeline) pipeline=$2; shift 2 ;;
    --tests) tests=$2; shift 2 ;;
    --random) random=$2; shift 2 ;;
    --command) command=$2; shift 2 ;;
    --aof) server_args+=(--appendonly yes --appendfsync everysec); shift ;;
    --maxmemory) server_args+=(--maxmemory "$2" --maxmemory-policy allkeys-lru); shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) checkouts+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
[ ${#checkouts[@]} -gt 0 ] || { echo "usage: $0 [--rounds N] [--requests N] [--pipeline P] [--tests set,incr] [--random N] [--command CMD] [--aof] [--maxmemory SIZE] [--data BYTES] CHECKOUT..." >&2; exit 2; }
for tool in taskset redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

source "$(dirname "$0")/pinned-lib.sh"
start_redis_and_checkouts "${checkouts[@]}"

commands() { redis-cli -p "$1" info stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }'; }
random_args=()
[ -n "$random" ] && random_args=(-r "$random")
[ -n "$data" ] && random_args+=(-d "$data")
# What one run sends: redis-benchmark's own test, or the custom command (its words unquoted).
load_args() { # test
  if [ -n "$command" ]; then echo "$command"; else echo "-t $1"; fi
}
[ -n "$command" ] && tests=${command%% *}

echo "# server CPU per command: servers on core 0, redis-benchmark on core 1; -n $requests -c 50 -P $pipeline ${random:+-r $random }${data:+-d $data }${command:+($command) }${server_args[*]:+(${server_args[*]}) }, $rounds rounds"
describe_checkouts "${checkouts[@]}"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results"
: >"$results"
for r in $(seq "$rounds"); do
  for test in ${tests//,/ }; do
    # The order alternates between rounds, so neither kind always runs first after a pause.
    order=("${!names[@]}")
    [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${order[@]}" | tac))
    for idx in "${order[@]}"; do
      port=${ports[$idx]} pid=${pids[$idx]}
      redis-cli -p "$port" flushall >/dev/null
      t0=$(cpu_ticks "$pid"); c0=$(commands "$port")
      # shellcheck disable=SC2046 # the words of one command line, split on purpose
      taskset -c 1 redis-benchmark -p "$port" -n "$requests" -c 50 -P "$pipeline" "${random_args[@]}" -q $(load_args "$test") >/dev/null 2>&1
      t1=$(cpu_ticks "$pid"); c1=$(commands "$port")
      # ns per command; the INFO call between the readings counts itself, which is noise here.
      echo "${names[$idx]} $test $(( (t1 - t0) * 1000000000 / ticks_per_sec / (c1 - c0) ))" >>"$results"
    done
  done
  echo "# round $r done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

node - "$results" "${names[@]}" <<'EOF'
const fs = require('fs');
const [file, ...names] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(`| test | ${names.map((n) => `${n} ns/cmd`).join(' | ')} | ${names.slice(1).map((n) => `redis/${n}`).join(' | ')} |`);
console.log(`|---|${names.map(() => '--:').join('|')}|${names.slice(1).map(() => '--:').join('|')}|`);
for (const test of [...new Set(rows.map((r) => r[1]))]) {
  const med = names.map((n) => median(rows.filter((r) => r[0] === n && r[1] === test).map((r) => Number(r[2]))));
  // redis/hashslot: the throughput ratio a CPU-bound run would show.
  console.log(`| ${test} | ${med.map((m) => Math.round(m).toLocaleString('en-US')).join(' | ')} | ${med.slice(1).map((m) => (med[0] / m).toFixed(2) + 'x').join(' | ')} |`);
}
EOF
