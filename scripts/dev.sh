#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, starts Kafka + FerretDB (unless KAFKA_BROKERS /
# MONGO_URL are set) and all five services, prints the UI's URL, and stops everything on Ctrl-C.
# Env: HTTP_PORT (8080) for the gateway; SIMULATOR_PORT (5090) for the provider simulator; INFRA_INSTANCE / KAFKA_PORT / MONGO_PORT for the infra;
# CONNECTIONS_ENCRYPTION_KEYS to use your own credential keys instead of the instance's key file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/setup.sh

export INFRA_INSTANCE="${INFRA_INSTANCE:-dev}"
infra_env="$(bash scripts/infra/up.sh)"
eval "$infra_env"
node scripts/infra/wait-ready.js 90

export ONBOARDING_GRPC_ADDR="${ONBOARDING_GRPC_ADDR:-127.0.0.1:50051}"
export CONNECTIONS_GRPC_ADDR="${CONNECTIONS_GRPC_ADDR:-127.0.0.1:50052}"
export OPERATIONS_GRPC_ADDR="${OPERATIONS_GRPC_ADDR:-127.0.0.1:50053}"
export AUDIT_GRPC_ADDR="${AUDIT_GRPC_ADDR:-127.0.0.1:50054}"
export HTTP_PORT="${HTTP_PORT:-8080}"
# The gateway creates this admin and a "Demo workspace" on first start (it never logs the password).
export GATEWAY_SEED_ADMIN_EMAIL="${GATEWAY_SEED_ADMIN_EMAIL:-admin@tenantatlas.local}"
export GATEWAY_SEED_ADMIN_PASSWORD="${GATEWAY_SEED_ADMIN_PASSWORD:-tenantatlas-dev}"
log_dir=".run/$INFRA_INSTANCE/logs"
mkdir -p "$log_dir"

# connections seals provider secrets with these keys. They are kept beside the data of the instance,
# so what one `npm start` stored still opens after the next: 32 random bytes made on the first start
# (file mode 0600, never printed), read again on every later one. The gateway needs no such secret:
# sessions and API tokens are stored as hashes in its database, which stays as well.
credential_keys_file=".run/$INFRA_INSTANCE/connections-encryption-keys"
if [ -n "${CONNECTIONS_ENCRYPTION_KEYS:-}" ]; then
  credential_keys="$CONNECTIONS_ENCRYPTION_KEYS"
else
  node -e '
    const [file] = process.argv.slice(1);
    const key = `dev-k1:${require("node:crypto").randomBytes(32).toString("base64")}\n`;
    try {
      require("node:fs").writeFileSync(file, key, { mode: 0o600, flag: "wx" });
      console.error(`[dev] created the credential encryption key in ${file} (keep it with the data)`);
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }' "$credential_keys_file"
  credential_keys="$(cat "$credential_keys_file")"
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[dev] stopping services…" >&2
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  bash scripts/infra/down.sh >/dev/null 2>&1 || true
  echo "[dev] stopped" >&2
}
trap stop_all INT TERM EXIT

start() { # start NAME PORT_VARIABLE ADDRESS_VARIABLE (VAR=value before the call: env of that service only)
  local name=$1 port_var=$2 addr=${!3}
  # the memory settings of the container image (docs/benchmarks.md, "Idle memory")
  env "$port_var=${addr##*:}" OTEL_SERVICE_NAME="$name" MALLOC_MMAP_THRESHOLD_=4194304 \
    node --max-semi-space-size=4 --require @tenantatlas/runtime/telemetry-register "services/$name/dist/main.js" \
    >>"$log_dir/$name.log" 2>&1 &
  pids+=($!)
}
# The provider: the local simulator (demo tenants, see docs/connections.md) unless real Microsoft
# endpoints are configured (MICROSOFT_LOGIN_BASE_URL / MICROSOFT_GRAPH_BASE_URL).
if [ -z "${MICROSOFT_LOGIN_BASE_URL:-}" ] && [ -z "${MICROSOFT_GRAPH_BASE_URL:-}" ]; then
  export SIMULATOR_PORT="${SIMULATOR_PORT:-5090}"
  export MICROSOFT_LOGIN_BASE_URL="http://127.0.0.1:$SIMULATOR_PORT" MICROSOFT_GRAPH_BASE_URL="http://127.0.0.1:$SIMULATOR_PORT"
  node tools/provider-simulator/dist/main.js >>"$log_dir/provider-simulator.log" 2>&1 &
  pids+=($!)
  provider="provider simulator $MICROSOFT_GRAPH_BASE_URL (set MICROSOFT_LOGIN_BASE_URL / MICROSOFT_GRAPH_BASE_URL for real Microsoft endpoints)"
else
  provider="provider ${MICROSOFT_GRAPH_BASE_URL:-https://graph.microsoft.com}"
fi
start onboarding GRPC_PORT ONBOARDING_GRPC_ADDR
CONNECTIONS_ENCRYPTION_KEYS="$credential_keys" start connections GRPC_PORT CONNECTIONS_GRPC_ADDR
start operations GRPC_PORT OPERATIONS_GRPC_ADDR
start audit GRPC_PORT AUDIT_GRPC_ADDR
GATEWAY_ADDR="127.0.0.1:$HTTP_PORT"
start gateway HTTP_PORT GATEWAY_ADDR

for _ in $(seq 1 150); do
  curl -fsS "http://$GATEWAY_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://$GATEWAY_ADDR/readyz" >/dev/null 2>&1 || { echo "[dev] gateway did not become ready; see $log_dir" >&2; exit 1; }
cat >&2 <<MSG
[dev] TenantAtlas is running (logs in $log_dir/)
[dev] Kafka $KAFKA_BROKERS · MongoDB wire $MONGO_URL
[dev] $provider
[dev] UI: http://$GATEWAY_ADDR/
[dev] sign in as $GATEWAY_SEED_ADMIN_EMAIL / $GATEWAY_SEED_ADMIN_PASSWORD (seeded on first start)
[dev] Ctrl-C stops everything.
MSG
echo "http://$GATEWAY_ADDR/"
status=0
wait -n "${pids[@]}" || status=$?
# Above 128 the wait was cut short by Ctrl-C / SIGTERM (the trap stops everything); otherwise a
# service ended by itself, and the stack goes down with it rather than limping on.
[ "$status" -gt 128 ] || echo "[dev] a service exited (status $status); see $log_dir" >&2
