#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol, SQLite backend) as a local process.
#   ferretdb.sh install | start | stop | wait | reset | status
# Env: INFRA_INSTANCE (dev), MONGO_PORT (27017).
# The runner is built with Go from the module proxy into .cache/ferretdb/bin;
# data lives in .run/<instance>/ferretdb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh" ferretdb

MONGO_PORT="${MONGO_PORT:-27017}"
BIN="$CACHE_DIR/ferretdb/bin/ferretdb-runner"

install() {
  local src="$REPO_ROOT/tools/ferretdb-runner" stamp="$CACHE_DIR/ferretdb/source.sha" sha
  sha="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -d' ' -f1)"
  [ -x "$BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sha" ] && return 0
  command -v go >/dev/null || die "go is required to build FerretDB"
  mkdir -p "$CACHE_DIR/ferretdb/bin"
  # (released by the daemons `launch` starts: they must not hold it while they run)
  exec 8>"$CACHE_DIR/ferretdb/install.lock"; flock 8
  [ -x "$BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sha" ] && return 0
  log "building FerretDB from the Go module proxy (once, ~2 min)…"
  (cd "$src" && GOPATH="$CACHE_DIR/go" GOMODCACHE="$CACHE_DIR/go/pkg/mod" GOCACHE="$CACHE_DIR/go/cache" \
    GOFLAGS=-modcacherw CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" .) >&2
  mv "$BIN.tmp" "$BIN"
  echo "$sha" >"$stamp"
  log "FerretDB runner built"
}

start() {
  install
  mkdir -p "$RUN_DIR" "$DATA"
  if is_running "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE"), port $MONGO_PORT)"; return 0; fi
  port_taken "$MONGO_PORT" && die "port $MONGO_PORT is in use by another process; set MONGO_PORT"
  launch ferretdb "$MONGO_PORT" 30 "$BIN" -listen-addr "127.0.0.1:$MONGO_PORT" -sqlite-dir "$DATA" -log-level warn
}

infra_command ferretdb "$MONGO_PORT" 30 "${1:-}"
