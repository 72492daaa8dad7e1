#!/usr/bin/env bash
# Memory per key, the way an operator would load keys: 1,000,000 distinct keys (key:0000000 ...)
# of 100-byte values written with `redis-cli --pipe` into a real redis-server and into hashslot,
# then each server's resident memory (VmRSS of its process) and INFO's used_memory read before
# and after. The table gives bytes per key and hashslot's ratio to redis-server.
#
#   bench/memory-pipe.sh [--keys N] [--purge] [CHECKOUT]   (CHECKOUT: a built hashslot tree, default .)
#
# --purge reads the memory after MEMORY PURGE on both servers, hashslot started with --expose-gc
# so that its MEMORY PURGE runs a full garbage collection (redis-server's asks jemalloc to return
# free pages): the memory the keys keep. Without it the reading also holds whatever garbage
# hashslot's heap has not collected yet, which depends on where V8's last major collection fell
# during the load (10-50 bytes a key, from build to build).
#
# RSS is what the machine pays; used_memory is each server's own account (Redis's allocator
# statistics, V8's heap and external memory for hashslot), so the two columns need not agree.
# Unlike the random-key method of `npm run bench`, every key here is new, so no SET overwrites.
set -euo pipefail

keys=1000000
checkout=.
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$2; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) checkout=$1; shift ;;
  esac
done
checkout=$(cd "$checkout" && pwd)
for tool in redis-server redis-cli; do command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# The commands, in RESP, generated once and piped to both servers.
node -e '
  const n = Number(process.argv[1]);
  const value = "v".repeat(100);
  const out = require("fs").createWriteStream(process.argv[2]);
  let chunk = "";
  for (let i = 0; i < n; i++) {
    const key = "key:" + String(i).padStart(7, "0");
    chunk += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$100\r\n${value}\r\n`;
    if (chunk.length > 1 << 20) { out.write(chunk); chunk = ""; }
  }
  out.end(chunk);
' "$keys" "$work/commands.resp"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# hashslot's used_memory is Redis's figure modelled; its process's own memory is hashslot_process_used.
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { u = $2 } $1 == "hashslot_process_used" { h = $2 } END { print (h != "" ? h : u) }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-8s | %10s | %12s | %12s | %10s | %18s | %12s |\n' server keys 'RSS before' 'RSS after' 'RSS B/key' 'used_memory after' 'used B/key'
printf '|----------|-----------:|-------------:|-------------:|-----------:|-------------------:|-------------:|\n'
declare -A per_key
for name in redis hashslot; do
  port=$(free_port); dir="$work/$name"; mkdir -p "$dir"
  if [ "$name" = redis ]; then cmd=(redis-server); elif [ "$purge" = 1 ]; then cmd=(node --expose-gc "$checkout/bin/hashslot-server"); else cmd=(node "$checkout/bin/hashslot-server"); fi
  "${cmd[@]}" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/log" 2>&1 &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  before=$(rss_kb "$pid"); used_before=$(used_memory "$port")
  redis-cli -p "$port" --pipe <"$work/commands.resp" >"$dir/pipe.log"
  dbsize=$(redis-cli -p "$port" dbsize)
  [ "$dbsize" = "$keys" ] || { echo "$name holds $dbsize keys, not $keys" >&2; cat "$dir/pipe.log" >&2; exit 1; }
  [ "$purge" = 1 ] && redis-cli -p "$port" memory purge >/dev/null
  after=$(rss_kb "$pid"); used_after=$(used_memory "$port")
  rss_per_key=$(( (after - before) * 1024 / keys ))
  used_per_key=$(( (used_after - used_before) / keys ))
  per_key[$name]=$rss_per_key
  printf '| %-8s | %10d | %8.1f MiB | %8.1f MiB | %10d | %14.1f MiB | %12d |\n' "$name" "$keys" \
    "$(echo "$before / 1024" | bc -l)" "$(echo "$after / 1024" | bc -l)" "$rss_per_key" "$(echo "$used_after / 1048576" | bc -l)" "$used_per_key"
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
done
echo "RSS per key, hashslot/redis: $(echo "scale=2; ${per_key[hashslot]} / ${per_key[redis]}" | bc -l)x"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
