#!/usr/bin/env bash
# Prints the path of a Helm 3 binary, building it once from the Go module proxy into .cache/go/bin
# (no release downloads: `go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION`). An existing `helm`
# of the same major version on PATH is used as it is.
#   bash scripts/tools/helm.sh            # prints the path
#   "$(bash scripts/tools/helm.sh)" lint deploy/helm/tenantatlas
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/go-tool.sh"
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
# The Kubernetes version helm assumes without a cluster (`helm template`, `helm lint`): the one of
# the client-go it is built with (helm's Makefile sets the same ldflags).
K8S_MINOR="${HELM_K8S_MINOR:-34}"

if [ -z "${HELM_FORCE_BUILD:-}" ] && command -v helm >/dev/null 2>&1 && helm version --short 2>/dev/null | grep -q '^v3\.'; then
  command -v helm
  exit 0
fi
build_helm() {
  go install -ldflags "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${K8S_MINOR} \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${K8S_MINOR}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
}
go_tool helm "$HELM_VERSION k8s-1.$K8S_MINOR" build_helm
