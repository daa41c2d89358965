#!/usr/bin/env bash
# `npm run security`: the security test (test/e2e/security.itest.ts) in its full form: forged,
# expired and foreign tokens, canary secrets looked for everywhere, and schemathesis fuzzing the
# gateway from its OpenAPI document with 10,000 cases (npm test runs the same test with fewer).
# FUZZ_MAX_CASES, FUZZ_PROCESSES and FUZZ_SEED already set win; the fuzzer's reports are kept in
# .run/security-fuzz.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUZZ_MAX_CASES="${FUZZ_MAX_CASES:-10000}"
echo "[security] fuzzing with $FUZZ_MAX_CASES cases" >&2
exec bash scripts/test.sh test/e2e/security.itest.ts "$@"
