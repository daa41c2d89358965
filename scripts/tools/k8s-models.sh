#!/usr/bin/env bash
# Prints a node_modules folder holding the Kubernetes OpenAPI validators (npm `kubernetes-models`,
# plus the prometheus-operator CRDs and a YAML parser), installed once into .cache/k8s-models.
# Used by scripts/tools/k8s-validate.mjs; works offline after the first run.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$REPO_ROOT/.cache/k8s-models"
PACKAGES=(kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 yaml@2.9.1)
WANT="${PACKAGES[*]}"
ready() { [ -d "$DIR/node_modules/kubernetes-models" ] && [ "$(cat "$DIR/installed" 2>/dev/null)" = "$WANT" ]; }

if ready; then echo "$DIR/node_modules"; exit 0; fi
mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
if ! ready; then
  echo "[k8s-models] installing ${WANT} into .cache/k8s-models…" >&2
  [ -f "$DIR/package.json" ] || echo '{ "private": true }' >"$DIR/package.json"
  (cd "$DIR" && npm install --no-audit --no-fund --no-save --loglevel=error "${PACKAGES[@]}") >&2
  echo "$WANT" >"$DIR/installed"
fi
echo "$DIR/node_modules"
