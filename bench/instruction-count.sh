#!/usr/bin/env bash
# Instructions per command, counted by valgrind: a figure the shared machine's noise cannot move.
#
# On this 2-core shared machine the same tree's in-process figure (dispatch-cost.js) swings by 2x
# between runs and even pinned CPU time per command by 20-30%, so a change worth 3% is invisible
# in time. The number of instructions the CPU executes for the same work does not depend on the
# neighbours: cachegrind (without its cache simulation) counts them exactly. Each checkout runs
# `dist/bench/dispatch-cost.js` under valgrind twice, with 1 and with 3 rounds of N commands; the
# difference is two rounds of warm code (start-up, module loading and JIT compilation cancel out),
# divided by 2N. Repeated runs of one tree agree within about 2%.
#
# What it does not see: cache misses and memory latency (a Map of a million keys costs the same
# instructions as one of ten), the kernel, and sockets. It is a tool for comparing two versions of
# the JavaScript a command runs through, not a speed: a ratio to redis-server still comes from the
# pinned benchmarks. V8 runs unchanged under valgrind apart from compiling on the main thread
# (--no-concurrent-recompilation, so optimised code arrives at the same point every run); the
# valgrind runs are about 40 times slower than native.
#
#   bench/instruction-count.sh [--tests get,set,incr] [--commands N] [--args "..."] CHECKOUT...
#
# --args passes more options to dispatch-cost.js (e.g. "--random 100000 --batches 8192").
# CHECKOUT is the root of a built hashslot tree; two runs go at a time (one per core).
set -euo pipefail

tests=get,set,incr
commands=100000
extra=
checkouts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) tests=$2; shift 2 ;;
    --commands) commands=$2; shift 2 ;;
    --args) extra=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) checkouts+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
[ ${#checkouts[@]} -gt 0 ] || { echo "usage: $0 [--tests get,set] [--commands N] [--args \"...\"] CHECKOUT..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Total instructions of one run: checkout, test, rounds.
count() {
  # shellcheck disable=SC2086 # $extra is a list of options
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --smc-check=all-non-file \
    node --no-concurrent-recompilation "$1/dist/bench/dispatch-cost.js" --tests "$2" --rounds "$3" \
    --commands "$commands" $extra 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ','
}

# One figure: instructions per command of a checkout (index $1) on a test.
measure() {
  local one three
  one=$(count "${checkouts[$1]}" "$2" 1)
  three=$(count "${checkouts[$1]}" "$2" 3)
  echo $(( (three - one) / (2 * commands) )) > "$work/$1-$2"
}

IFS=',' read -r -a test_list <<< "$tests"
running=0
for test in "${test_list[@]}"; do
  for i in "${!checkouts[@]}"; do
    measure "$i" "$test" &
    running=$((running + 1))
    if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
  done
done
wait

echo "# instructions per command (cachegrind), dispatch-cost.js, $commands commands a round, 3 rounds minus 1${extra:+, $extra}"
for i in "${!checkouts[@]}"; do
  echo "# checkout$((i + 1)) = ${checkouts[$i]} ($(git -C "${checkouts[$i]}" rev-parse --short HEAD 2>/dev/null || echo '?'))"
done
header='| test |'
rule='|---|'
for i in "${!checkouts[@]}"; do header+=" checkout$((i + 1)) |"; rule+='--:|'; done
echo "$header"
echo "$rule"
for test in "${test_list[@]}"; do
  row="| $test |"
  for i in "${!checkouts[@]}"; do row+=" $(cat "$work/$i-$test") |"; done
  echo "$row"
done
