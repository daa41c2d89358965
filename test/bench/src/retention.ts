/**
 * Retention while the sustained load runs. A workspace of its own is made to look created 32 days
 * ago, with a day of completed runs and their audit records from then (written straight into the
 * collections as the services leave them, its audit chain hashed as the audit service hashes it).
 * Then the sustained load runs in it: the starts' retention passes (operations) and the segment
 * seals (audit) move that day to the archive while the runs go on. Counted afterwards through the
 * gateway and the audit service: every run of the day and of the load listed once, the day's
 * runs found by id, every place of the chain exported, and the chain verified.
 */
import { randomUUID } from 'node:crypto';
import { insecureCredentials, loadProto, promiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/audit';
import type { AuditServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/audit/v1/AuditService';
import { writeSealed } from '../../../services/audit/dist/adapters/mongo/audit-log.repository';
import { chainFrom, EMPTY_HEAD, headOf, type AuditEntry, type AuditRecord } from '../../../services/audit/dist/domain/audit-record';
import { sealSegment, SEGMENT_PLACES } from '../../../services/audit/dist/domain/chain-segment';
import { sustained, type Bench } from './measure';
import { chainHead, inDatabase, listRuns, seed } from './seeding';

const DAY_MS = 24 * 60 * 60 * 1_000;
/** how long ago the seeded day began: past the default 30-day window */
const DAYS_AGO = 32;
const TENANTS = 20;
/** reads by `_id` sent at once while counting */
const READS_AT_ONCE = 100;

export async function retentionUnderLoad(bench: Bench): Promise<void> {
  const dayRuns = Math.max(100, Math.round(2_000 * bench.scale));
  const created = await bench.api.request('POST', '/api/workspaces', { name: 'Bench retention' });
  const workspaceId = created.json.id as string;
  const api = bench.api.inWorkspace(workspaceId);
  const dayStart = Date.now() - DAYS_AGO * DAY_MS;
  const at = (i: number) => new Date(dayStart + Math.floor((i * DAY_MS) / dayRuns));
  const tenantOf = (i: number) => `retention-tenant-${i % TENANTS}`;

  // the day's runs, completed, listed as their starts list them
  const runIds = Array.from({ length: dayRuns }, () => randomUUID());
  const attempts = (bench.runDocument.attempts as Record<string, unknown>[]) ?? [];
  await seed(bench, 'operations', 'runs', dayRuns, (i) => ({
    ...bench.runDocument,
    _id: runIds[i],
    workspaceId,
    tenantId: tenantOf(i),
    subject: `day-${i}`,
    createdAt: at(i),
    updatedAt: at(i),
    startedAt: at(i),
    completedAt: at(i),
    attempts: attempts.map((attempt) => ({ ...attempt, startedAt: at(i), endedAt: at(i) })),
    status: 'completed',
    outcome: 'succeeded',
    idempotencyKey: null,
    outbox: [],
    outboxPending: false,
  }));
  await listRuns(bench, workspaceId, runIds, tenantOf, at);
  const auditedOfDay = await rewriteChain(bench, workspaceId, dayStart, runIds, at, tenantOf);
  // whole segments of the day's records only: the first segment that also holds the load's stops retention
  const archivableRecords = Math.floor(auditedOfDay.head / SEGMENT_PLACES) * SEGMENT_PLACES;
  bench.report.note(
    `Retention: a workspace made to look created ${DAYS_AGO} days ago, with a day of ${dayRuns.toLocaleString('en-US')} completed runs and ${auditedOfDay.head.toLocaleString('en-US')} audit records from then (written into the collections, the chain hashed and sealed as the audit service does), then the sustained load in it (provider 0 ms). The default 30-day window applies.`,
  );

  // the load: new tenants (audited after the day) and the runs
  await api.addTenants(10);
  const total = Math.max(100, Math.round(2_000 * bench.scale));
  const load = await sustained({ ...bench, api }, total, 0, 'retention');
  const section = `retention while the sustained load runs (a day of ${dayRuns.toLocaleString('en-US')} runs from ${DAYS_AGO} days ago, ${total.toLocaleString('en-US')} runs of load)`;
  bench.report.add({ section, name: 'sustained completed runs/s meanwhile', value: load.rate, unit: '/s' });
  bench.report.add({ section, name: 'audited runs/s meanwhile', value: load.auditedRate, unit: '/s' });
  bench.report.add({ section, name: 'starts answered 503 and retried (same idempotency key)', value: api.unavailableAnswers, unit: 'runs' });

  // the day's runs: how many left the live runs, and each still found by id
  const stillLive = await countStored(bench, 'operations', 'runs', runIds);
  bench.report.add({ section, name: "the day's runs moved to the archive", value: dayRuns - stillLive, unit: 'runs', target: { op: '≥', value: dayRuns } });
  const found = await Promise.all(runIds.filter((_, i) => i % Math.ceil(dayRuns / 50) === 0).map(async (id) => (await api.request('GET', `${api.ws}/runs/${id}`)).status === 200));
  bench.report.add({ section, name: "the day's runs read by id through the gateway, of 50 asked", value: found.filter(Boolean).length, unit: 'runs', target: { op: '≥', value: found.length } });

  // every run listed once: the day's and the load's
  const listed = await listedRunIds(api.ws, api);
  const expected = [...runIds, ...load.ids];
  const seen = new Set(listed);
  const lost = expected.filter((id) => !seen.has(id)).length;
  bench.report.add({
    section,
    name: 'runs lost (of the day and the load, paging the run list through the gateway)',
    value: lost,
    unit: 'runs',
    target: { op: '≤', value: 0 },
    note: `${listed.length.toLocaleString('en-US')} listed, ${(listed.length - seen.size).toLocaleString('en-US')} twice, ${expected.length.toLocaleString('en-US')} expected`,
  });

  // the audit: the day's whole segments left the single records; every place still exported and the chain verified
  const removed = archivableRecords - (await countStored(bench, 'audit', 'audit_records', Array.from({ length: archivableRecords }, (_, k) => `${workspaceId}:${k + 1}`)));
  bench.report.add({ section, name: "the day's audit records moved to the archive", value: removed, unit: 'records', target: { op: '≥', value: archivableRecords } });
  const head = await chainHead(bench, workspaceId);
  const exported = await api.countLines(`${api.ws}/audit/export?format=ndjson`);
  bench.report.add({ section, name: 'audit records lost (places of the chain not exported)', value: head - exported.lines, unit: 'records', target: { op: '≤', value: 0 }, note: `${exported.lines.toLocaleString('en-US')} exported of ${head.toLocaleString('en-US')} places` });
  const verified = await verifyChain(bench, workspaceId);
  bench.report.add({
    section,
    name: 'audit chain verified across the archive (1 = ok)',
    value: verified.ok ? 1 : 0,
    unit: 'runs',
    target: { op: '≥', value: 1 },
    note: verified.ok ? `${Number(verified.records_checked).toLocaleString('en-US')} records checked` : `${verified.problem} at seq ${verified.first_bad_seq}: ${verified.message}`,
  });
}

/**
 * Makes the workspace's chain look as if the workspace was created just before `dayStart`: its
 * records so far (its creation) re-timed then, followed by a queued and a succeeded record of each
 * run of the day, hashed as the audit service hashes them, full segments sealed as it seals them,
 * and the head moved to the end. The audit service finds the places taken when it next appends
 * and goes on after them.
 */
async function rewriteChain(bench: Bench, workspaceId: string, dayStart: number, runIds: string[], at: (i: number) => Date, tenantOf: (i: number) => string): Promise<{ head: number }> {
  const end = await chainHead(bench, workspaceId);
  return inDatabase(bench, 'audit', async (db) => {
    const records = db.collection<Record<string, unknown> & { _id: string }>('audit_records');
    const entryOf = (doc: Record<string, unknown>): AuditEntry => {
      const { _id, seq: _seq, hash: _hash, prevHash: _prev, ...entry } = doc;
      return entry as unknown as AuditEntry;
    };
    const before = await Promise.all(Array.from({ length: end }, async (_, k) => entryOf((await records.findOne({ _id: `${workspaceId}:${k + 1}` }))!)));
    const created = new Date(dayStart - 60_000);
    const template = before[0]!;
    const day = runIds.flatMap((id, i): AuditEntry[] =>
      (['queued', 'succeeded'] as const).map((verb) => ({
        ...template,
        eventId: randomUUID(),
        tenantId: tenantOf(i),
        type: `tenantatlas.operations.run.${verb}`,
        action: `run.${verb}`,
        sourceService: 'operations',
        subjectType: 'run',
        subjectId: id,
        outcome: verb === 'succeeded' ? 'succeeded' : null,
        reasonCode: null,
        before: {},
        after: { status: verb === 'succeeded' ? 'completed' : 'queued' },
        details: {},
        traceId: null,
        occurredAt: at(i),
        recordedAt: at(i),
      })),
    );
    const chain = chainFrom(EMPTY_HEAD, [...before.map((entry) => ({ ...entry, occurredAt: created, recordedAt: created })), ...day]);
    const t0 = performance.now();
    for (let seq = 1; seq <= end; seq++) await records.deleteOne({ _id: `${workspaceId}:${seq}` });
    for (let from = 0; from < chain.length; from += SEGMENT_PLACES) {
      const segment = chain.slice(from, from + SEGMENT_PLACES);
      await records.insertMany(segment.map((record) => ({ _id: `${workspaceId}:${record.seq}`, ...record })), { ordered: false });
      const seal = segment.length === SEGMENT_PLACES ? sealSegment(segment as AuditRecord[]) : null;
      if (seal) await writeSealed(db, seal);
    }
    const last = headOf(chain.at(-1)!);
    await db.collection<{ _id: string }>('audit_chain_heads').updateOne({ _id: workspaceId }, { $set: { seq: last.seq, hash: last.hash } });
    process.stderr.write(`[bench] the chain of ${workspaceId}: ${chain.length.toLocaleString('en-US')} records rewritten in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return { head: last.seq };
  });
}

/** How many of `ids` still have a document in the collection (reads by `_id`, a hundred at a time). */
function countStored(bench: Bench, service: 'operations' | 'audit', collection: string, ids: string[]): Promise<number> {
  return inDatabase(bench, service, async (db) => {
    let stored = 0;
    for (let from = 0; from < ids.length; from += READS_AT_ONCE) {
      const found = await Promise.all(ids.slice(from, from + READS_AT_ONCE).map((id) => db.collection<{ _id: string }>(collection).findOne({ _id: id }, { projection: { _id: 1 } })));
      stored += found.filter(Boolean).length;
    }
    return stored;
  });
}

/** Every run id of the workspace's run list, page by page through the gateway, newest first. */
async function listedRunIds(ws: string, api: Bench['api']): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const page = await api.request('GET', `${ws}/runs?pageSize=200${token ? `&pageToken=${token}` : ''}`);
    if (page.status !== 200) throw new Error(`listing the runs answered ${page.status}: ${page.text.slice(0, 300)}`);
    ids.push(...(page.json.runs as { id: string }[]).map((run) => run.id));
    token = (page.json.next_page_token as string | undefined) ?? '';
  } while (token);
  return ids;
}

async function verifyChain(bench: Bench, workspaceId: string) {
  const { AuditService } = loadProto<ProtoGrpcType>('tenantatlas/audit/v1/audit.proto').tenantatlas.audit.v1;
  const client = promiseClient(new AuditService(bench.stack.process('audit').address, insecureCredentials()) as unknown as AuditServiceClient, 300_000);
  try {
    return await client.VerifyAuditChain({ workspace_id: workspaceId });
  } finally {
    client.close();
  }
}
