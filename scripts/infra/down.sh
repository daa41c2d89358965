#!/usr/bin/env bash
# Stops the Kafka and FerretDB processes of INFRA_INSTANCE (dev by default). Data stays in .run/.
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/kafka.sh" stop
bash "$here/ferretdb.sh" stop
