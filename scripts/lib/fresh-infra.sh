#!/usr/bin/env bash
# Sourced by `npm test` and `npm run bench` (from the repository root):
#   fresh_infra INSTANCE KAFKA_PORT MONGO_PORT
# starts a fresh Kafka and FerretDB for INFRA_INSTANCE on KAFKA_PORT / MONGO_PORT (the arguments
# are the defaults; the variables win), stopped when the script exits, and exports KAFKA_BROKERS
# and MONGO_URL. Whatever KAFKA_BROKERS / MONGO_URL already name is used as it is and not reset.
# FRESH_INFRA_STARTED is 1 when this started them.
fresh_infra() {
  export INFRA_INSTANCE="${INFRA_INSTANCE:-$1}" KAFKA_PORT="${KAFKA_PORT:-$2}" MONGO_PORT="${MONGO_PORT:-$3}"
  FRESH_INFRA_STARTED=
  if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${MONGO_URL:-}" ]; then
    FRESH_INFRA_STARTED=1
    trap 'bash scripts/infra/down.sh >/dev/null 2>&1 || true' EXIT
    # A fresh broker and database each run: no state leaks from an earlier run (and a million
    # rows seeded by an earlier bench would skew its figures).
    bash scripts/infra/kafka.sh reset >/dev/null 2>&1 || true
    bash scripts/infra/ferretdb.sh reset >/dev/null 2>&1 || true
  fi
  local infra_env
  infra_env="$(bash scripts/infra/up.sh)"
  eval "$infra_env"
  node scripts/infra/wait-ready.js 90
}
