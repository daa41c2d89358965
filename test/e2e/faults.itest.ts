/**
 * Fault injection across the whole system, with two replicas of operations and of audit. N runs
 * are started through the gateway's HTTP API while, one after another, every service (each
 * replica in turn) and a worker is SIGKILLed and restarted, the broker is
 * stopped for FAULTS_KAFKA_DOWN_MS and the database for FAULTS_DB_DOWN_MS. Afterwards: every run
 * completed exactly once with attempts that never overlap, each lifecycle event on the topic and
 * in audit exactly once, starts accepted while Kafka was down, 503 problem documents (never 500)
 * while the database was down and recovery without restarting anything.
 *
 * Sized by FAULTS_RUNS / FAULTS_KAFKA_DOWN_MS / FAULTS_DB_DOWN_MS (CI defaults: 300, 10 s, 10 s;
 * `scripts/faults.sh` runs the full form). It brings its own Kafka and FerretDB (it stops them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DedicatedFerretDB, DedicatedKafkaBroker, REPO_ROOT, RunCompletions } from '@tenantatlas/testing';
import { startStack, type Stack } from './system-stack';
import { FaultApi, isProblem, type Reply } from './faults/api';
import { FaultInjector, type FaultReport } from './faults/injector';
import { Load, LOAD_TENANTS } from './faults/load';
import { Progress } from './faults/progress';
import { FAULT_REPLICAS, faultSettings } from './faults/settings';
import { checkAudit, checkEvents, listRuns, readRunEvents, readRuns, runProblems, waitUntilSettled } from './faults/verify';

const settings = faultSettings();
const loadSeconds = settings.runs / settings.startsPerSecond;
/** the stack may drain its backlog slowly (FerretDB on a small machine: about 1 run/s) */
const SETTLE_TIMEOUT_MS = 10 * 60_000 + settings.runs * 2_000;
const TEST_TIMEOUT_MS = 15 * 60_000 + 2 * loadSeconds * 1000 + settings.kafkaDownMs + settings.dbDownMs + SETTLE_TIMEOUT_MS;

/** p50 / p95 / max in seconds */
const percentiles = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => +(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000).toFixed(1);
  return { p50: at(0.5), p95: at(0.95), max: +(sorted.at(-1)! / 1000).toFixed(1) };
};

const statusCounts = (replies: Reply[], withCode = false) => {
  const counts: Record<string, number> = {};
  for (const r of replies) {
    const key = `${r.status || 'network'}${withCode && isProblem(r) ? ` ${r.json.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('fault injection (whole system)', () => {
  const kafka = new DedicatedKafkaBroker();
  const db = new DedicatedFerretDB();
  let stack: Stack | undefined;
  let live: RunCompletions | undefined;

  beforeAll(async () => {
    await Promise.all([kafka.start(), db.start()]);
    // a loaded machine can make a process miss startStack's 60 s readiness: one more try
    for (let attempt = 1; !stack; attempt++) {
      try {
        stack = await launch();
      } catch (err) {
        if (attempt >= 2) throw err;
        process.stderr.write(`[faults] the stack did not start (${String(err).split('\n')[0]}); trying once more\n`);
      }
    }
  }, 420_000);

  const launch = () =>
    startStack({
      name: 'faults',
      workerReplicas: 2,
      operationsRole: 'api',
      replicas: FAULT_REPLICAS,
      kafkaBrokers: kafka.brokers.join(','),
      mongoUrl: db.url,
      envOf: {
        operations: { DIAGNOSTIC_RUN_TYPES: 'true' },
        // the production sweep interval (the stack's 500 ms doubles the scans FerretDB answers)
        worker: { DIAGNOSTIC_RUN_TYPES: 'true', LEASE_MS: String(settings.leaseMs), SWEEP_INTERVAL_MS: '1000' },
        gateway: { RATE_LIMIT_PER_MINUTE: '1000000' },
      },
    });

  afterAll(async () => {
    await live?.stop();
    await stack?.stop().catch(() => undefined);
    await Promise.all([kafka.destroy().catch(() => undefined), db.destroy().catch(() => undefined)]);
    fs.rmSync(path.join(REPO_ROOT, '.run', kafka.instance), { recursive: true, force: true });
  }, 120_000);

  it(
    `${settings.runs} runs through kills of every service (2 replicas of operations and of audit) and a worker, Kafka down ${settings.kafkaDownMs} ms, FerretDB down ${settings.dbDownMs} ms`,
    async () => {
      const sys = stack!;
      const api = await FaultApi.connect(sys.gatewayUrl, sys.admin.email, sys.admin.password);
      const tenants = await Promise.all(Array.from({ length: LOAD_TENANTS }, (_, i) => api.newTenant(`Fault tenant ${i}`)));
      const load = new Load(api, settings, sys.prefix, tenants);
      live = new RunCompletions(kafka.brokers, `${sys.prefix}.`, { survivesOutages: true });
      await live.start();
      const progress = new Progress(
        () => `runs begun ${load.begun}/${settings.runs}, accepted ${load.accepted}, completed ${live!.count}, start retries ${load.retries}`,
      );
      progress.log(
        `stack ${sys.prefix}: ${settings.runs} runs at ${settings.startsPerSecond}/s (${settings.concurrency} in flight), script ${settings.script}, ` +
          `lease ${settings.leaseMs} ms, ${settings.settleMs} ms between faults, Kafka down ${settings.kafkaDownMs} ms, FerretDB down ${settings.dbDownMs} ms`,
      );
      progress.start();

      // --- load + faults ---------------------------------------------------------------------
      const loadDone = load.run();
      const warmupUntil = Date.now() + 3_000;
      while ((load.accepted < Math.min(10, settings.runs) || Date.now() < warmupUntil) && load.begun < settings.runs) await new Promise((r) => setTimeout(r, 200));
      const injector = new FaultInjector(sys, kafka, db, api, load, progress, settings);
      let faults: FaultReport;
      try {
        faults = await injector.runAll();
      } finally {
        load.unthrottle();
      }
      progress.log('faults done; finishing the starts');
      await loadDone;
      const loadEndedAt = Date.now();
      progress.log('all starts answered; waiting for the runs to complete');
      const failures: string[] = [];
      const check = (ok: boolean, what: string) => {
        if (!ok) failures.push(what);
      };
      const ids = [...new Set(load.starts.flatMap((s) => (s.runId ? [s.runId] : [])))];
      // a run whose worker died waits out its lease, once per lost attempt: that long without any
      // completion means a run is stuck
      const unsettled = await waitUntilSettled(api, () => live!.count, ids.length, progress, {
        stallMs: 120_000 + settings.leaseMs * settings.maxAttempts,
        timeoutMs: SETTLE_TIMEOUT_MS,
      });
      check(unsettled === undefined, unsettled ?? '');
      const settledAt = Date.now();
      progress.log('checking runs, events and audit');

      // --- what must hold --------------------------------------------------------------------
      const refused = load.starts.filter((s) => !s.runId);
      check(refused.length === 0, `${refused.length} starts never accepted: ${refused.slice(0, 3).map((s) => `${s.refused?.status || s.refused?.error} ${s.refused?.text.slice(0, 200)}`).join(' | ')}`);
      const deduplicated = load.starts.filter((s) => s.acceptedReply?.json?.deduplicated);
      check(deduplicated.length === 0, `${deduplicated.length} starts were deduplicated onto another run`);
      check(ids.length === load.accepted, `${load.accepted} accepted starts but ${ids.length} distinct runs`);

      const outcomes: Record<string, number> = {};
      const attempts: Record<string, number> = {};
      const latency = { dispatchMs: [] as number[], completionMs: [] as number[] };
      let eventSummary: Record<string, unknown> = {};
      let auditSummary: Record<string, unknown> = {};
      try {
        const listed = await listRuns(api);
        const extra = listed.filter((r) => !ids.includes(r.id));
        check(listed.length === ids.length && extra.length === 0, `the workspace lists ${listed.length} runs for ${ids.length} accepted starts (${extra.length} nobody asked for)`);

        const runs = await readRuns(api, ids);
        const runIssues = [...runs.values()].flatMap(runProblems);
        check(runIssues.length === 0, `${runIssues.length} run problems: ${runIssues.slice(0, 5).join('; ')}`);
        for (const run of runs.values()) {
          const key = run.outcome === 'succeeded' ? 'succeeded' : `${run.outcome || run.status}:${run.reason_code}`;
          outcomes[key] = (outcomes[key] ?? 0) + 1;
          attempts[String(run.attempts.length)] = (attempts[String(run.attempts.length)] ?? 0) + 1;
          const created = Date.parse(run.created_at);
          if (run.attempts[0]) latency.dispatchMs.push(Date.parse(run.attempts[0].started_at) - created);
          if (run.completed_at) latency.completionMs.push(Date.parse(run.completed_at) - created);
        }

        const { events, deliveries } = await readRunEvents(kafka.brokers, sys.prefix);
        const eventCheck = checkEvents(events, runs);
        check(eventCheck.problems.length === 0, `${eventCheck.problems.length} event problems: ${eventCheck.problems.slice(0, 5).join('; ')}`);
        eventSummary = { distinct: eventCheck.ids.size, deliveries, redelivered: eventCheck.redelivered, byVerb: eventCheck.byVerb };

        const audit = await checkAudit(api, eventCheck.ids, progress, 3 * 60_000 + settings.runs * 100);
        check(audit.missing.length === 0, `${audit.missing.length} run events missing in audit (e.g. ${audit.missing.slice(0, 3).join(', ')})`);
        check(audit.duplicated.length === 0, `${audit.duplicated.length} run events recorded more than once in audit`);
        check(audit.unknown.length === 0, `${audit.unknown.length} audit run records with no event on the topic`);
        auditSummary = { runRecords: audit.records, missing: audit.missing.length, duplicated: audit.duplicated.length, unknown: audit.unknown.length };
      } catch (err) {
        failures.push(`the checks stopped: ${String(err).slice(0, 500)}`);
      }

      // the outages
      const kafkaWindow = faults.kafka!.window;
      const acceptedInKafkaOutage = load.starts.filter(
        (s) => s.acceptedReply && s.acceptedReply.startedAt >= kafkaWindow.start && s.acceptedReply.endedAt <= kafkaWindow.liftedAt!,
      );
      check(acceptedInKafkaOutage.length > 0, 'no start was accepted while Kafka was down');
      check(faults.kafka!.recoveredAt !== undefined, 'no run accepted while Kafka was down was read back completed after it was started again');
      check(faults.kafka!.restartedProcesses.length === 0, `processes restarted or exited during the Kafka outage: ${faults.kafka!.restartedProcesses.join(', ')}`);

      const dbWindow = faults.db!.window;
      const duringDb = load.replies.filter(({ reply }) => reply.startedAt >= dbWindow.start && reply.startedAt <= dbWindow.liftedAt!).map(({ reply }) => reply);
      const untilRecovered = load.replies
        .filter(({ reply }) => reply.startedAt >= dbWindow.start && reply.startedAt <= (faults.db!.recoveredAt ?? Date.now()))
        .map(({ reply }) => reply);
      const db503 = duringDb.filter((r) => r.status === 503);
      const dbCodes: Record<string, number> = {};
      for (const r of db503) dbCodes[String(r.json?.code)] = (dbCodes[String(r.json?.code)] ?? 0) + 1;
      check(db503.length > 0, `no 503 while FerretDB was down (answers: ${JSON.stringify(statusCounts(duringDb))})`);
      const notProblem = untilRecovered.filter((r) => r.status >= 400 && !isProblem(r));
      check(notProblem.length === 0, `${notProblem.length} error answers around the database outage were not problem documents: ${notProblem.slice(0, 3).map((r) => `${r.status} ${r.contentType} ${r.text.slice(0, 100)}`).join(' | ')}`);
      const db500 = untilRecovered.filter((r) => r.status >= 500 && r.status !== 503);
      check(db500.length === 0, `${db500.length} answers of 5xx other than 503 around the database outage: ${db500.slice(0, 3).map((r) => `${r.status} ${r.text.slice(0, 150)}`).join(' | ')}`);
      const dbNetwork = duringDb.filter((r) => r.status === 0);
      check(dbNetwork.length === 0, `${dbNetwork.length} requests got no answer while FerretDB was down: ${dbNetwork.slice(0, 2).map((r) => r.error).join(' | ')}`);
      check(faults.db!.recoveredAt !== undefined, 'the API did not recover after FerretDB was started again');
      check(faults.db!.restartedProcesses.length === 0, `processes restarted or exited during the database outage: ${faults.db!.restartedProcesses.join(', ')}`);

      const all500 = load.replies.filter(({ reply }) => reply.status === 500);
      check(all500.length === 0, `${all500.length} answers of 500 over the whole run: ${all500.slice(0, 3).map(({ reply }) => reply.text.slice(0, 150)).join(' | ')}`);

      // --- summary ---------------------------------------------------------------------------
      const secondsAfter = (from: number, at: number | undefined) => (at === undefined ? null : +((at - from) / 1000).toFixed(1));
      const summary = {
        stack: sys.prefix,
        settings,
        durationSeconds: Math.round((settledAt - progress.startedAt) / 1000),
        loadSeconds: Math.round((loadEndedAt - progress.startedAt) / 1000),
        runs: {
          started: settings.runs,
          accepted: load.accepted,
          startRequests: load.starts.reduce((n, s) => n + s.replies.length, 0),
          outcomes,
          attempts,
          dispatchSeconds: percentiles(latency.dispatchMs),
          completionSeconds: percentiles(latency.completionMs),
        },
        answers: statusCounts(load.replies.map(({ reply }) => reply)),
        restarts: faults.restarts.map((w) => ({
          name: w.name,
          seconds: +((w.end! - w.start) / 1000).toFixed(1),
          /** answers to the requests sent while the process was down or starting (with a replica: the other one's) */
          answersDuring: statusCounts(load.replies.filter(({ reply }) => reply.startedAt >= w.start && reply.startedAt <= w.end!).map(({ reply }) => reply), true),
        })),
        kafkaOutage: {
          seconds: +((kafkaWindow.liftedAt! - kafkaWindow.start) / 1000).toFixed(1),
          startsAcceptedDuring: acceptedInKafkaOutage.length,
          answersDuring: statusCounts(load.replies.filter(({ reply }) => reply.startedAt >= kafkaWindow.start && reply.startedAt <= kafkaWindow.liftedAt!).map(({ reply }) => reply)),
          /** from the start command to the broker answering */
          restartSeconds: secondsAfter(kafkaWindow.liftedAt!, faults.kafka!.readyAt),
          /** from the broker answering to a run that waited for it read back completed through the gateway */
          recoveredSecondsAfterReady: secondsAfter(faults.kafka!.readyAt, faults.kafka!.recoveredAt),
        },
        dbOutage: {
          seconds: +((dbWindow.liftedAt! - dbWindow.start) / 1000).toFixed(1),
          answersDuring: statusCounts(duringDb),
          codes503: dbCodes,
          /** from the start command to the database answering */
          restartSeconds: secondsAfter(dbWindow.liftedAt!, faults.db!.readyAt),
          /** from the database answering to the first start or runs read answered 200 through the gateway */
          firstAnswerSecondsAfterReady: secondsAfter(faults.db!.readyAt, faults.db!.firstAnswerAt),
          /** from the database answering to a read and a start both answered 200 */
          recoveredSecondsAfterReady: secondsAfter(faults.db!.readyAt, faults.db!.recoveredAt),
        },
        events: eventSummary,
        audit: auditSummary,
        failures,
      };
      const text = JSON.stringify(summary, null, 2);
      process.stderr.write(`\n[faults] summary\n${text}\n`);
      const file = process.env.FAULTS_SUMMARY_FILE || path.join(REPO_ROOT, '.run', 'faults', `${sys.prefix}.json`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${text}\n`);
      progress.stop();

      expect(failures).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
