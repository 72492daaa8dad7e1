#!/usr/bin/env bash
# used_memory of redis-server and hashslot for the same datasets: each dataset is loaded into a
# fresh FLUSHALL of both servers (ports $1 and $2) and the growth of used_memory is compared.
# Usage: bench/memory-model-compare.sh REDIS_PORT HASHSLOT_PORT
set -euo pipefail
RP=${1:?redis port}; HP=${2:?hashslot port}
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/{print $2}'; }
load() { # $1 port, $2 generator
  redis-cli -p "$1" flushall >/dev/null; sleep 0.3
  local before; before=$(used "$1")
  python3 -c "$2" | redis-cli -p "$1" --pipe >/dev/null
  sleep 0.3
  echo $(( $(used "$1") - before ))
}
declare -A DATA=(
  [strings-10B-100k]="
for i in range(100000): print('SET key:%d %s' % (i, 'v'*10))"
  [strings-100B-100k]="
for i in range(100000): print('SET key:%d %s' % (i, 'v'*100))"
  [ints-100k]="
for i in range(100000): print('SET key:%d %d' % (i, i*1000003))"
  [ttl-strings-50k]="
for i in range(50000): print('SET key:%d %s EX 10000' % (i, 'v'*20))"
  [hashes-10k-x10]="
for i in range(10000): print('HSET h:%d ' % i + ' '.join('f%d v%d' % (j, j) for j in range(10)))"
  [lists-1k-x100]="
for i in range(1000): print('RPUSH l:%d ' % i + ' '.join('item-%d' % j for j in range(100)))"
  [sets-2k-x50]="
for i in range(2000): print('SADD s:%d ' % i + ' '.join('m%d' % j for j in range(50)))"
  [zsets-1k-x200]="
for i in range(1000): print('ZADD z:%d ' % i + ' '.join('%d m%d' % (j, j) for j in range(200)))"
)
printf '%-20s %12s %12s %8s\n' dataset redis hashslot ratio
for name in strings-10B-100k strings-100B-100k ints-100k ttl-strings-50k hashes-10k-x10 lists-1k-x100 sets-2k-x50 zsets-1k-x200; do
  r=$(load "$RP" "${DATA[$name]}"); h=$(load "$HP" "${DATA[$name]}")
  printf '%-20s %12d %12d %8.3f\n' "$name" "$r" "$h" "$(echo "$h / $r" | bc -l)"
done
