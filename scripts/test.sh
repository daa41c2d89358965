#!/usr/bin/env bash
# `npm test`: installs what is missing, builds, starts a test Kafka + FerretDB (unless
# KAFKA_BROKERS / MONGO_URL are set), runs unit and integration tests, stops what it started.
# Extra arguments go to jest, e.g. `npm test -- services/operations`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/setup.sh

source scripts/lib/fresh-infra.sh
fresh_infra test 29092 28017
[ -n "$FRESH_INFRA_STARTED" ] && echo "[test] Kafka $KAFKA_BROKERS, FerretDB $MONGO_URL" >&2

# Real browser for UI tests: Debian's chromium (installed when missing and apt is available).
if [ -z "${CHROMIUM_PATH:-}" ]; then
  CHROMIUM_PATH="$(command -v chromium || true)"
  if [ -z "$CHROMIUM_PATH" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[test] installing chromium from Debian packages…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || true
    CHROMIUM_PATH="$(command -v chromium || true)"
  fi
  export CHROMIUM_PATH
fi

# schemathesis (PyPI) for the fuzz test, in a venv under .cache/python-tools
source scripts/lib/python-tools.sh || echo "[test] schemathesis could not be installed: test/e2e/security.itest.ts will fail" >&2

npx jest --ci "$@"
