#!/usr/bin/env bash
# `npm run bench`: builds, starts the bench infra (unless KAFKA_BROKERS / MONGO_URL are set) and
# runs every compiled benchmark (services/*/dist/bench/*.js). Each prints its own numbers.
# Pass names to run a subset: `npm run bench -- operations`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/setup.sh

export INFRA_INSTANCE="${INFRA_INSTANCE:-bench}" KAFKA_PORT="${KAFKA_PORT:-19092}" MONGO_PORT="${MONGO_PORT:-18017}"
if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${MONGO_URL:-}" ]; then
  trap 'bash scripts/infra/down.sh >/dev/null 2>&1 || true' EXIT
fi
infra_env="$(bash scripts/infra/up.sh)"
eval "$infra_env"
node scripts/infra/wait-ready.js 90

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
