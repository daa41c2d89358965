#!/usr/bin/env bash
# Prints the path of a Helm 3 binary, building it once from the Go module proxy into .cache/go/bin
# (no release downloads: `go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION`). An existing `helm`
# of the same major version on PATH is used as it is.
#   bash scripts/tools/helm.sh            # prints the path
#   "$(bash scripts/tools/helm.sh)" lint deploy/helm/tenantatlas
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache/go"
BIN="$CACHE_DIR/bin/helm"
# The Kubernetes version helm assumes without a cluster (`helm template`, `helm lint`): the one of
# the client-go it is built with (helm's Makefile sets the same ldflags).
K8S_MINOR="${HELM_K8S_MINOR:-34}"
STAMP="$BIN.build"
WANT="$HELM_VERSION k8s-1.$K8S_MINOR"
built() { [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; }

if [ -z "${HELM_FORCE_BUILD:-}" ] && command -v helm >/dev/null 2>&1 && helm version --short 2>/dev/null | grep -q '^v3\.'; then
  command -v helm
  exit 0
fi
if built; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "[helm] Go is needed to build helm (go install)" >&2; exit 1; }
mkdir -p "$CACHE_DIR/bin"
# One build at a time: parallel test runs wait for the first one instead of building twice.
exec 9>"$CACHE_DIR/helm.lock"
flock 9
if ! built; then
  echo "[helm] building helm $HELM_VERSION with go install (once; a few minutes)…" >&2
  GOBIN="$CACHE_DIR/bin" GOPATH="$CACHE_DIR" GOMODCACHE="$CACHE_DIR/pkg/mod" GOCACHE="$CACHE_DIR/cache" \
    GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -ldflags "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${K8S_MINOR} \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${K8S_MINOR}" \
      "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" >&2
  echo "$WANT" >"$STAMP"
fi
echo "$BIN"
