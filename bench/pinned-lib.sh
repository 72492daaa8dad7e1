# Shared by the bench/pinned-*.sh scripts that compare redis-server and hashslot with
# redis-benchmark: start each server on core 0 (the clients run on core 1), and print the
# medians of a results file ("server measure value" lines) as a table of ratios.
# Defines `work`, `names`, `ports`, `start`, `start_servers` (which needs `checkout` set),
# `cpu_ticks`, `print_medians`, and cleans up on exit.

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# A process's user+system CPU so far, in clock ticks (/proc/<pid>/stat fields 14 and 15), and the
# ticks in a second.
ticks_per_sec=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

names=(redis hashslot)
# Directives both servers get after the defaults above (pinned-aof.sh: --appendonly yes ...).
server_args=("${server_args[@]}")
ports=()
start() { # name, command...
  local name=$1 port dir; shift
  port=$(free_port); dir="$work/$name"; mkdir -p "$dir"
  taskset -c 0 "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" "${server_args[@]}" >"$dir/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null || { echo "$name did not start; log:" >&2; cat "$dir/log" >&2; exit 1; }
  ports+=("$port")
}
# Extra node flags for the hashslot process (pinned-types.sh: --expose-gc, so MEMORY PURGE can
# collect garbage before a memory reading).
hashslot_node_flags=("${hashslot_node_flags[@]}")
start_servers() {
  start redis redis-server
  start hashslot node "${hashslot_node_flags[@]}" "$checkout/bin/hashslot-server"
}

# redis-server, then hashslot1..N from the built checkouts given (pinned-ab.sh, pinned-cpu.sh):
# sets `names` and `ports`, and prints which commit each hashslotN is.
start_redis_and_checkouts() { # checkout...
  names=(redis)
  ports=()
  start redis redis-server
  local i=0 c
  for c in "$@"; do
    i=$((i + 1)); names+=("hashslot$i")
    start "hashslot$i" node "$c/bin/hashslot-server"
  done
}
describe_checkouts() { # checkout...
  local n=0 c
  for c in "$@"; do
    n=$((n + 1)); echo "# hashslot$n = $c ($(git -C "$c" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  done
}

# Requests per second of one redis-benchmark run on core 1: port, then redis-benchmark's options
# and command.
rps() {
  local port=$1; shift
  taskset -c 1 redis-benchmark -p "$port" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -oE '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1
}

print_medians() { # results file
  node - "$1" <<'NODE'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log('| measure | redis-server | hashslot | hashslot/redis |');
console.log('|---|--:|--:|--:|');
for (const measure of [...new Set(rows.map((r) => r[1]))]) {
  const [redis, hashslot] = ['redis', 'hashslot'].map((n) => median(rows.filter((r) => r[0] === n && r[1] === measure).map((r) => Number(r[2]))));
  const lowerIsBetter = measure.endsWith('_ms') || measure.endsWith('_bytes');
  const ratio = lowerIsBetter ? `${(hashslot / redis).toFixed(2)}x ${measure.endsWith('_ms') ? 'the time' : 'the memory'}` : `${(hashslot / redis).toFixed(2)}x`;
  console.log(`| ${measure} | ${Math.round(redis).toLocaleString('en-US')} | ${Math.round(hashslot).toLocaleString('en-US')} | ${ratio} |`);
}
NODE
}
