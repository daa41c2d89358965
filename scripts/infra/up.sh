#!/usr/bin/env bash
# Starts the infrastructure the services need and prints the variables that point at it:
#   eval "$(bash scripts/infra/up.sh)"
# Whatever KAFKA_BROKERS / MONGO_URL already name is used as it is and not started here.
# Env: INFRA_INSTANCE (dev), KAFKA_PORT (9092), MONGO_PORT (27017).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
if [ -z "${KAFKA_BROKERS:-}" ]; then
  bash "$here/kafka.sh" start &
  kafka_pid=$!
fi
if [ -z "${MONGO_URL:-}" ]; then
  bash "$here/ferretdb.sh" start
fi
[ -n "${kafka_pid:-}" ] && wait "$kafka_pid"
echo "export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
echo "export MONGO_URL=${MONGO_URL:-mongodb://127.0.0.1:${MONGO_PORT:-27017}/}"
