#!/usr/bin/env bash
# Prints the path of k8s-strict (scripts/tools/k8s-strict): strict decoding of rendered manifests
# into the k8s.io/api types, which rejects unknown fields. Built once with the Go module proxy into
# .cache/go/bin, rebuilt when its sources change.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO_ROOT/scripts/tools/k8s-strict"
CACHE_DIR="$REPO_ROOT/.cache/go"
BIN="$CACHE_DIR/bin/k8s-strict"
WANT="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -d' ' -f1)"
built() { [ -x "$BIN" ] && [ "$(cat "$BIN.build" 2>/dev/null)" = "$WANT" ]; }

if built; then echo "$BIN"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "[k8s-strict] Go is needed to build it" >&2; exit 1; }
mkdir -p "$CACHE_DIR/bin"
exec 9>"$CACHE_DIR/k8s-strict.lock"
flock 9
if ! built; then
  echo "[k8s-strict] building (once; about a minute)…" >&2
  (cd "$SRC" && GOPATH="$CACHE_DIR" GOMODCACHE="$CACHE_DIR/pkg/mod" GOCACHE="$CACHE_DIR/cache" \
    GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -trimpath -o "$BIN" .) >&2
  echo "$WANT" >"$BIN.build"
fi
echo "$BIN"
