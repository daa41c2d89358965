#!/usr/bin/env bash
# `npm run faults`: the full fault-injection run (test/e2e/faults.itest.ts) — 2000 runs through the
# gateway, with two replicas of operations and of audit, while every service (each replica in turn)
# and a worker is SIGKILLed and restarted, Kafka is down 30 s and FerretDB 10 s — then a summary. The test brings its own broker and database (it stops them);
# `npm test` runs the same test in its short CI form. Any FAULTS_* variable already set wins.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export FAULTS_RUNS="${FAULTS_RUNS:-2000}"
export FAULTS_KAFKA_DOWN_MS="${FAULTS_KAFKA_DOWN_MS:-30000}"
export FAULTS_DB_DOWN_MS="${FAULTS_DB_DOWN_MS:-10000}"
mkdir -p .run/faults
export FAULTS_SUMMARY_FILE="${FAULTS_SUMMARY_FILE:-$PWD/.run/faults/summary-$(date +%Y%m%d-%H%M%S).json}"
rm -f "$FAULTS_SUMMARY_FILE"

echo "[faults] $FAULTS_RUNS runs, Kafka down ${FAULTS_KAFKA_DOWN_MS} ms, FerretDB down ${FAULTS_DB_DOWN_MS} ms" >&2
started=$(date +%s)
status=0
bash scripts/test.sh test/e2e/faults.itest.ts "$@" || status=$?
elapsed=$(($(date +%s) - started))

echo
echo "== fault injection: $([ "$status" = 0 ] && echo PASSED || echo FAILED) in ${elapsed}s (exit $status)"
if [ -f "$FAULTS_SUMMARY_FILE" ]; then
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const kv = (o) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(" ");
    const lines = [
      `runs:      ${s.runs.accepted}/${s.runs.started} accepted (${s.runs.startRequests} start requests), outcomes ${kv(s.runs.outcomes)}, attempts per run ${kv(s.runs.attempts)}`,
      `duration:  ${s.durationSeconds} s (load ${s.loadSeconds} s)`,
      `restarts:  ${s.restarts.map((r) => `${r.name.replace("SIGKILL + restart ", "")} ${r.seconds}s (${kv(r.answersDuring)})`).join(", ")}`,
      `kafka:     down ${s.kafkaOutage.seconds} s, ${s.kafkaOutage.startsAcceptedDuring} starts accepted during it, answers ${kv(s.kafkaOutage.answersDuring)}`,
      `ferretdb:  down ${s.dbOutage.seconds} s, answers ${kv(s.dbOutage.answersDuring)}, 503 codes ${kv(s.dbOutage.codes503)}`,
      `recovery:  FerretDB answering ${s.dbOutage.restartSeconds} s after its start → first 200 through the gateway ${s.dbOutage.firstAnswerSecondsAfterReady} s later, read + start ${s.dbOutage.recoveredSecondsAfterReady} s; ` +
        `Kafka answering ${s.kafkaOutage.restartSeconds} s after its start → a run that waited for it completed ${s.kafkaOutage.recoveredSecondsAfterReady} s later`,
      `events:    ${s.events.distinct} distinct (${s.events.deliveries} deliveries, ${s.events.redelivered} redelivered) ${kv(s.events.byVerb)}`,
      `audit:     ${s.audit.runRecords} run records, ${s.audit.missing} missing, ${s.audit.duplicated} duplicated`,
      `answers:   ${kv(s.answers)}`,
      s.failures.length ? `failures:\n  - ${s.failures.join("\n  - ")}` : "failures:  none",
    ];
    console.log(lines.join("\n"));
    console.log(`(full summary: ${process.argv[1]})`);
  ' "$FAULTS_SUMMARY_FILE"
else
  echo "no summary was written (the run stopped before the checks; see the output above)"
fi
exit "$status"
