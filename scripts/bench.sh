#!/usr/bin/env bash
# `npm run bench`: builds, starts the bench infra (unless KAFKA_BROKERS / MONGO_URL are set) and runs
# the whole-system benchmark (test/bench: TenantAtlas side by side with the floor and BullMQ on
# Redis), which prints every figure and writes docs/benchmarks.md.
#   npm run bench                          everything (BENCH_ONLY / BENCH_SCALE / BENCH_ROWS narrow it)
#   npm run bench -- services [name …]     the per-service micro-benchmarks (services/*/dist/bench/*.js)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/setup.sh

export INFRA_INSTANCE="${INFRA_INSTANCE:-bench}" KAFKA_PORT="${KAFKA_PORT:-19092}" MONGO_PORT="${MONGO_PORT:-18017}"
if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${MONGO_URL:-}" ]; then
  trap 'bash scripts/infra/down.sh >/dev/null 2>&1 || true' EXIT
  # a fresh broker and database: a million seeded rows from an earlier run would skew the figures
  bash scripts/infra/kafka.sh reset >/dev/null 2>&1 || true
  bash scripts/infra/ferretdb.sh reset >/dev/null 2>&1 || true
fi
infra_env="$(bash scripts/infra/up.sh)"
eval "$infra_env"
node scripts/infra/wait-ready.js 90

if [ "${1:-}" = services ]; then
  shift
  shopt -s nullglob
  ran=0
  for bench in services/*/dist/bench/*.js; do
    service="$(echo "$bench" | cut -d/ -f2)"
    if [ $# -gt 0 ] && [[ ! " $* " == *" $service "* ]]; then continue; fi
    echo "== $service: $(basename "$bench" .js)"
    (cd "services/$service" && node "../../$bench")
    ran=$((ran + 1))
  done
  [ "$ran" -gt 0 ] || { echo "no benchmark matched" >&2; exit 1; }
  exit 0
fi

# The peer runs on Debian's redis-server (installed when missing and apt is available).
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[bench] installing redis-server from Debian packages…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1 || true
fi
command -v redis-server >/dev/null || { echo "[bench] redis-server is needed for the BullMQ peer (apt-get install redis-server)" >&2; exit 1; }
node test/bench/dist/main.js
