/**
 * What must hold after the faults: read back through the gateway (runs, attempts, audit) and from
 * the operations events topic itself (read from the beginning with a consumer group of its own).
 */
import { randomUUID } from 'node:crypto';
import { topicsFor } from '@tenantatlas/kafka';
import { waitFor } from '@tenantatlas/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { FaultApi } from './api';
import type { Progress } from './progress';

export interface ApiAttempt {
  number: number;
  started_at: string;
  ended_at: string;
  result: string;
  reason_code: string;
  worker: string;
}

export interface ApiRun {
  id: string;
  tenant_id: string;
  subject: string;
  status: string;
  outcome: string;
  reason_code: string;
  attempt_count: number;
  attempts: ApiAttempt[];
  idempotency_key: string;
  created_at: string;
  completed_at: string;
}

export interface RunEvent {
  id: string;
  type: string;
  runId: string;
  time: string;
}

export const TERMINAL_VERBS = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];
const verbOf = (type: string) => type.slice('tenantatlas.operations.run.'.length);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every run of the workspace (all pages), optionally filtered. */
export async function listRuns(api: FaultApi, filter: Record<string, string> = {}, pageSize = 100): Promise<ApiRun[]> {
  const all: ApiRun[] = [];
  let token = '';
  do {
    const query = new URLSearchParams({ ...filter, pageSize: String(pageSize), ...(token ? { pageToken: token } : {}) });
    const page = await api.ok('GET', `/runs?${query}`);
    all.push(...(page.runs as ApiRun[]));
    token = page.next_page_token as string;
  } while (token);
  return all;
}

/**
 * Waits until every run completed: the terminal events seen on the topic cover them all, or the
 * API lists none queued or running. A slow stack is waited for as long as runs keep completing;
 * it gives up when none completed for `stallMs` (a stuck run) or after `timeoutMs` in all, and
 * returns a description of what is left.
 */
export async function waitUntilSettled(
  api: FaultApi,
  completed: () => number,
  total: number,
  progress: Progress,
  { stallMs, timeoutMs }: { stallMs: number; timeoutMs: number },
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let lastApiCheck = 0;
  let left = '';
  let seen = completed();
  let movedAt = Date.now();
  for (;;) {
    if (completed() >= total) return undefined;
    if (completed() > seen) {
      seen = completed();
      movedAt = Date.now();
    }
    if (Date.now() - lastApiCheck > 15_000) {
      lastApiCheck = Date.now();
      try {
        const [queued, running] = [await listRuns(api, { status: 'queued' }, 50), await listRuns(api, { status: 'running' }, 50)];
        if (queued.length === 0 && running.length === 0) return undefined;
        const sample = [...queued, ...running].slice(0, 3).map((r) => `${r.id} ${r.status} attempt ${r.attempt_count} ${r.reason_code}`);
        left = `${queued.length} queued, ${running.length} running (e.g. ${sample.join('; ')})`;
        progress.log(`waiting for the runs to complete: ${completed()}/${total} terminal events seen, ${left}`);
      } catch (err) {
        progress.log(`waiting for the runs to complete: ${completed()}/${total} terminal events seen; listing failed: ${String(err).slice(0, 200)}`);
      }
    }
    const what = left || `${total - completed()} without a terminal event`;
    if (Date.now() - movedAt > stallMs) return `no run completed for ${Math.round(stallMs / 1000)} s: ${what}`;
    if (Date.now() > deadline) return `runs still not completed after ${Math.round(timeoutMs / 1000)} s: ${what}`;
    await sleep(1_000);
  }
}

/** Each run by id through GET /runs/{id}, a few at a time. */
export async function readRuns(api: FaultApi, ids: string[], concurrency = 6): Promise<Map<string, ApiRun>> {
  const runs = new Map<string, ApiRun>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const body = await api.ok('GET', `/runs/${ids[i]}`);
        runs.set(ids[i]!, body.run as ApiRun);
      }
    }),
  );
  return runs;
}

/** Problems of one completed run's own record: status, outcome and attempts that never overlap. */
export function runProblems(run: ApiRun): string[] {
  const problems: string[] = [];
  if (run.status !== 'completed') problems.push(`status ${run.status}`);
  if (!TERMINAL_VERBS.includes(run.outcome)) problems.push(`outcome ${JSON.stringify(run.outcome)}`);
  if (run.attempts.length !== run.attempt_count) problems.push(`attempt_count ${run.attempt_count} but ${run.attempts.length} attempts`);
  run.attempts.forEach((attempt, i) => {
    if (attempt.number !== i + 1) problems.push(`attempt #${i + 1} numbered ${attempt.number}`);
    if (!attempt.ended_at) problems.push(`attempt ${attempt.number} never ended`);
    else if (Date.parse(attempt.ended_at) < Date.parse(attempt.started_at)) problems.push(`attempt ${attempt.number} ends before it starts`);
    const following = run.attempts[i + 1];
    if (following && attempt.ended_at && Date.parse(following.started_at) < Date.parse(attempt.ended_at)) {
      problems.push(`attempt ${following.number} started ${following.started_at}, before attempt ${attempt.number} ended ${attempt.ended_at}`);
    }
  });
  return problems.map((p) => `run ${run.id}: ${p}`);
}

/** The operations events topic from the beginning up to its end offsets now. */
export async function readRunEvents(brokers: string[], stackPrefix: string, timeoutMs = 120_000): Promise<{ events: RunEvent[]; deliveries: number }> {
  const topic = topicsFor(`${stackPrefix}.`).operationsEvents;
  const kafka = new Kafka({ clientId: 'faults-check', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) remaining.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const events: RunEvent[] = [];
  let deliveries = 0;
  const consumer = kafka.consumer({ groupId: `faults-check-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        const envelope = JSON.parse(message.value!.toString()) as { id: string; type: string; time: string; data: { runId?: string } };
        deliveries++;
        events.push({ id: envelope.id, type: envelope.type, runId: String(envelope.data?.runId ?? ''), time: envelope.time });
        if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
      },
    });
    await waitFor(() => remaining.size === 0, { timeoutMs, intervalMs: 100, what: `${topic} to be read to its end` });
  } finally {
    await consumer.disconnect();
  }
  return { events, deliveries };
}

export interface EventCheck {
  /** distinct lifecycle event ids of the topic */
  ids: Set<string>;
  /** messages carrying an id already seen (at-least-once delivery; allowed) */
  redelivered: number;
  problems: string[];
  byVerb: Record<string, number>;
}

/** Per run: one `queued`, one terminal event matching the outcome, one `started` per attempt. */
export function checkEvents(events: RunEvent[], runs: Map<string, ApiRun>): EventCheck {
  const distinct = new Map<string, RunEvent>();
  let redelivered = 0;
  for (const event of events) {
    if (distinct.has(event.id)) redelivered++;
    else distinct.set(event.id, event);
  }
  const problems: string[] = [];
  const byRun = new Map<string, RunEvent[]>();
  const byVerb: Record<string, number> = {};
  for (const event of distinct.values()) {
    byRun.set(event.runId, [...(byRun.get(event.runId) ?? []), event]);
    const verb = verbOf(event.type);
    byVerb[verb] = (byVerb[verb] ?? 0) + 1;
  }
  for (const runId of byRun.keys()) if (!runs.has(runId)) problems.push(`events for run ${runId}, which no start of this test returned`);
  for (const [runId, run] of runs) {
    const mine = byRun.get(runId) ?? [];
    const count = (verb: string) => mine.filter((e) => verbOf(e.type) === verb).length;
    const terminal = mine.filter((e) => TERMINAL_VERBS.includes(verbOf(e.type)));
    if (count('queued') !== 1) problems.push(`run ${runId}: ${count('queued')} queued events`);
    if (terminal.length !== 1) problems.push(`run ${runId}: ${terminal.length} terminal events (${terminal.map((e) => verbOf(e.type)).join(', ')})`);
    else if (verbOf(terminal[0]!.type) !== run.outcome) problems.push(`run ${runId}: terminal event ${terminal[0]!.type} but outcome ${run.outcome}`);
    if (count('started') !== run.attempts.length) problems.push(`run ${runId}: ${count('started')} started events for ${run.attempts.length} attempts`);
  }
  return { ids: new Set(distinct.keys()), redelivered, problems, byVerb };
}

/** The audit records of run events, through the gateway's NDJSON export. */
export async function auditRunRecords(api: FaultApi): Promise<{ event_id: string; type: string }[]> {
  const reply = await api.ws('GET', '/audit/export?format=ndjson&subjectType=run', undefined, 120_000);
  if (reply.status !== 200) throw new Error(`GET /audit/export → ${reply.status || reply.error} ${reply.text.slice(0, 300)}`);
  return reply.text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { event_id: string; type: string })
    .filter((record) => record.type.startsWith('tenantatlas.operations.run.'));
}

export interface AuditCheck {
  records: number;
  missing: string[];
  duplicated: string[];
  unknown: string[];
}

/** Waits until audit holds every event id of the topic, then compares: each exactly once. */
export async function checkAudit(api: FaultApi, ids: Set<string>, progress: Progress, timeoutMs: number): Promise<AuditCheck> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await auditRunRecords(api);
    const seen = new Map<string, number>();
    for (const record of records) seen.set(record.event_id, (seen.get(record.event_id) ?? 0) + 1);
    const missing = [...ids].filter((id) => !seen.has(id));
    if (missing.length === 0 || Date.now() > deadline) {
      return {
        records: records.length,
        missing,
        duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
        unknown: [...seen.keys()].filter((id) => !ids.has(id)),
      };
    }
    progress.log(`waiting for audit: ${records.length} run records, ${missing.length} of ${ids.size} events not recorded yet`);
    await sleep(5_000);
  }
}
