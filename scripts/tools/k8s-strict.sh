#!/usr/bin/env bash
# Prints the path of k8s-strict (scripts/tools/k8s-strict): strict decoding of rendered manifests
# into the k8s.io/api types, which rejects unknown fields. Built once with the Go module proxy into
# .cache/go/bin, rebuilt when its sources change.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-tool.sh"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/k8s-strict"
build_k8s_strict() { (cd "$SRC" && go build -trimpath -o "$1" .); }
go_tool k8s-strict "$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -d' ' -f1)" build_k8s_strict
