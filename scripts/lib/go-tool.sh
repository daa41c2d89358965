#!/usr/bin/env bash
# Sourced by the scripts that build a Go tool once into .cache/go/bin (no release downloads: Go's
# module proxy only):
#   go_tool NAME WANT BUILD_FUNCTION
# prints the path of .cache/go/bin/NAME, after calling `BUILD_FUNCTION <binary path>` when the
# binary is missing or was built from something else than WANT (its stamp, <binary>.build).
source "$(dirname "${BASH_SOURCE[0]}")/install-once.sh"
GO_TOOLS_CACHE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/go"

# (the two below see the locals of go_tool, their caller)
_go_tool_ready() { [ -x "$bin" ] && [ "$(cat "$bin.build" 2>/dev/null)" = "$want" ]; }

_go_tool_build() {
  echo "[$name] building with Go (once; a minute or more)…" >&2
  mkdir -p "$GO_TOOLS_CACHE/bin"
  export GOBIN="$GO_TOOLS_CACHE/bin" GOPATH="$GO_TOOLS_CACHE" GOMODCACHE="$GO_TOOLS_CACHE/pkg/mod" GOCACHE="$GO_TOOLS_CACHE/cache" \
    GOFLAGS=-buildvcs=false CGO_ENABLED=0
  "$build" "$bin" >&2 && echo "$want" >"$bin.build"
}

go_tool() {
  local name=$1 want=$2 build=$3 bin="$GO_TOOLS_CACHE/bin/$1"
  if ! _go_tool_ready; then
    command -v go >/dev/null 2>&1 || { echo "[$name] Go is needed to build it" >&2; return 1; }
    tn_install_once "$GO_TOOLS_CACHE/$name.lock" _go_tool_ready _go_tool_build || return 1
  fi
  echo "$bin"
}
