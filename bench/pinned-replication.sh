#!/usr/bin/env bash
# bench:replication pinned: the servers on core 0, the benchmark on core 1 (see pinned.sh).
#
#   bench/pinned-replication.sh [replication-sync options]     e.g. --keys 1000 --rounds 7
exec "$(dirname "$0")/pinned.sh" replication-sync "$@"
