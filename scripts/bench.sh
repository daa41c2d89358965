#!/usr/bin/env bash
# `npm run bench`: builds, starts the bench infra (unless KAFKA_BROKERS / MONGO_URL are set) and runs
# the benchmarks (test/bench): the whole system side by side with the floor and BullMQ on Redis,
# which prints every figure and writes docs/benchmarks.md, and, when BENCH_ONLY names them, the
# service benches (test/bench/src/services: one service as a real process each, printed only).
#   npm run bench                                  every system section
#   BENCH_ONLY=start,dedupe npm run bench          some sections (BENCH_SCALE / BENCH_ROWS narrow them)
#   BENCH_ONLY=operations-start npm run bench      one service bench (BENCH_ONLY=services: all five)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/setup.sh
source scripts/lib/fresh-infra.sh
fresh_infra bench 19092 18017

# The BullMQ peer of the system sections runs on Debian's redis-server (installed when missing and
# apt is available); the service benches alone need no peer.
only=",${BENCH_ONLY:-start},"
if [[ "${only// /}" =~ ,(start|e2e|provider|dedupe|throughput|retention|rows|rest), ]]; then
  if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[bench] installing redis-server from Debian packages…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1 || true
  fi
  command -v redis-server >/dev/null || { echo "[bench] redis-server is needed for the BullMQ peer (apt-get install redis-server)" >&2; exit 1; }
fi
node test/bench/dist/main.js
