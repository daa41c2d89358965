#!/usr/bin/env bash
# Sourced by the scripts that build a Go tool once into .cache/go/bin (no release downloads: Go's
# module proxy only):
#   go_tool NAME WANT BUILD_FUNCTION
# prints the path of .cache/go/bin/NAME, after calling `BUILD_FUNCTION <binary path>` when the
# binary is missing or was built from something else than WANT (its stamp, <binary>.build).
GO_TOOLS_CACHE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/go"

go_tool() {
  local name=$1 want=$2 build=$3 bin="$GO_TOOLS_CACHE/bin/$1"
  if ! _go_tool_built "$bin" "$want"; then
    command -v go >/dev/null 2>&1 || { echo "[$name] Go is needed to build it" >&2; return 1; }
    mkdir -p "$GO_TOOLS_CACHE/bin"
    (
      # One build at a time: parallel test runs wait for the first one instead of building twice.
      exec 9>"$GO_TOOLS_CACHE/$name.lock"
      flock 9
      _go_tool_built "$bin" "$want" && exit 0
      echo "[$name] building with Go (once; a minute or more)…" >&2
      export GOBIN="$GO_TOOLS_CACHE/bin" GOPATH="$GO_TOOLS_CACHE" GOMODCACHE="$GO_TOOLS_CACHE/pkg/mod" GOCACHE="$GO_TOOLS_CACHE/cache" \
        GOFLAGS=-buildvcs=false CGO_ENABLED=0
      "$build" "$bin" >&2
      echo "$want" >"$bin.build"
    ) || return 1
  fi
  echo "$bin"
}

_go_tool_built() { [ -x "$1" ] && [ "$(cat "$1.build" 2>/dev/null)" = "$2" ]; }
