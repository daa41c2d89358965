/**
 * List and filter latency over many stored rows: a workspace of its own gets `rows` completed runs
 * and `rows` audit records (copies of real ones, written straight into the services' collections,
 * since producing a million through the pipeline would take this machine hours), then the task
 * board's and the audit viewer's queries are timed through the gateway.
 */
import { randomUUID } from 'node:crypto';
import { percentile } from '@tenantatlas/testing';
import type { AuditRecord } from '../../../services/audit/dist/domain/audit-record';
import { writeSealed } from '../../../services/audit/dist/adapters/mongo/audit-log.repository';
import { sealSegment, SEGMENT_PLACES } from '../../../services/audit/dist/domain/chain-segment';
import { kernelWaits, kernelWaitsBetween, RssSampler, untilMachineAtRest, type Bench } from './measure';
import { chainHead, inDatabase, listRuns, seed, type Service } from './seeding';

const TENANTS = 100;

/**
 * The p99 of `times` requests of the first page after a first one (100, so that the p99 is the
 * 99th of them and not the slowest of a few; the slowest is printed beside it), and what that
 * page held (a filter that matches rarely answers a short page with a token: the service looks at
 * a bounded share of the history). The first request is reported on its own: it opens the
 * services' database connections and seals what it finds final, which later requests find done;
 * the others begin once the machine is at rest after it (those seals are writes of their own,
 * after the answer, and so may be the database's checkpoint of the bulk seed they set off).
 * A request that fails (e.g. 503 when the query outlives the services' 10 s gRPC deadline) ends
 * the series.
 */
async function timed(bench: Bench, path: string, times = 100): Promise<{ ms: number; failed?: string; held?: string }> {
  const latencies: number[] = [];
  // when a slow request began, to line it up with the services' logs
  const slow: string[] = [];
  let held = '';
  let series = kernelWaits();
  for (let i = 0; i <= times; i++) {
    const began = new Date();
    const waits = kernelWaits();
    const t = performance.now();
    const res = await bench.api.request('GET', path);
    const ms = performance.now() - t;
    if (ms > 100) slow.push(`${began.toISOString()} ${ms.toFixed(0)} ms (${kernelWaitsBetween(waits, kernelWaits())})`);
    if (res.status !== 200) return { ms, failed: `answered ${res.status} ${String(res.json?.code ?? '')} after ${(ms / 1000).toFixed(1)} s` };
    latencies.push(ms);
    const items = (res.json.runs ?? res.json.events ?? []) as unknown[];
    held = `${items.length} returned${res.json.next_page_token ? ' and a token' : ''}`;
    if (i === 0) {
      await untilMachineAtRest();
      series = kernelWaits();
    }
  }
  const [first, ...rest] = latencies;
  process.stderr.write(`[bench] ${path}: first ${first!.toFixed(0)} ms, then ${rest.map((ms) => ms.toFixed(0)).join(' ')}; the kernel over the series: ${kernelWaitsBetween(series, kernelWaits())}${slow.length > 0 ? `; over 100 ms: ${slow.join(', ')}` : ''}\n`);
  return { ms: percentile(rest, 99), held: `${held}; first request ${Math.round(first!)} ms, median ${Math.round(percentile(rest, 50))} ms, slowest ${Math.round(Math.max(...rest))} ms` };
}

export async function listOverManyRows(bench: Bench, rows: number): Promise<void> {
  const { api } = bench;
  const created = await api.request('POST', '/api/workspaces', { name: 'Bench rows' });
  const workspaceId = created.json.id as string;
  // a real record to copy, read from the database: the audit list of the bench's own workspace
  // (tens of thousands of records by now) outlives its deadline on FerretDB
  const auditDoc = await inDatabase(bench, 'audit', async (db) => (await db.collection('audit_records').findOne({ action: 'run.succeeded' })) as Record<string, unknown>);
  const base = Date.now() - rows * 1000;
  const tenant = (i: number) => `rows-tenant-${i % TENANTS}`;

  const runIds = Array.from({ length: rows }, () => randomUUID());
  const runRate = await seed(bench, 'operations', 'runs', rows, (i) => {
    const at = new Date(base + i * 1000);
    return { ...bench.runDocument, _id: runIds[i], workspaceId, tenantId: tenant(i), createdAt: at, updatedAt: at, completedAt: at, status: 'completed', outcome: i % 7 === 0 ? 'failed' : 'succeeded', outbox: [], outboxPending: false };
  });
  // and listed in the workspace's run list and its tenant's, in the order they were started
  await listRuns(bench, workspaceId, runIds, tenant);
  // the copies continue the workspace's chain (its creation is audited first): a record at every
  // place, and the head moved to the last, as the audit service leaves them
  const end = await chainHead(bench, workspaceId);
  const seqOf = (i: number) => end + 1 + i;
  const { rate: auditRate, sealed } = await seedChain(bench, workspaceId, end, rows, (i) => ({ ...auditDoc, _id: `${workspaceId}:${seqOf(i)}`, eventId: randomUUID(), workspaceId, tenantId: tenant(i), seq: seqOf(i), action: i % 3 === 0 ? 'run.succeeded' : 'run.queued' }));
  await moveChainHead(bench, workspaceId, seqOf(rows - 1));
  bench.report.note(`The list figures ran over ${rows.toLocaleString('en-US')} runs and ${rows.toLocaleString('en-US')} audit records in one workspace, written straight into the collections (${Math.round(runRate).toLocaleString('en-US')} and ${Math.round(auditRate).toLocaleString('en-US')} rows/s), the chain's ${sealed.toLocaleString('en-US')} full segments sealed as the audit service seals them.`);

  // the floor: one query with the same filter straight through the driver, without a deadline
  // (a count: what any filter but `_id` costs on FerretDB, which reads every document to answer)
  const floors = {
    runs: await floorCount(bench, 'operations', 'runs', { workspaceId }),
    audit: await floorCount(bench, 'audit', 'audit_records', { workspaceId }),
  };
  const rest = await untilMachineAtRest();
  bench.report.note(
    rest.atRest
      ? `The pages were timed once the machine was at rest (under 10 % of its CPU busy for 3 s in a row), ${(rest.waitedMs / 1000).toFixed(0)} s after the floor's counts.`
      : `The machine was not at rest ${(rest.waitedMs / 1000).toFixed(0)} s after the floor's counts (10 % of its CPU busy or more); the pages were timed anyway.`,
  );
  const ws = `/api/workspaces/${workspaceId}`;
  const section = `list over ${rows.toLocaleString('en-US')} stored rows (p99 of 100 after a first request, through the gateway)`;
  const queries: [string, string, keyof typeof floors][] = [
    ['runs: newest page (50)', `${ws}/runs?pageSize=50`, 'runs'],
    ['runs: one tenant, failed (50)', `${ws}/runs?tenantId=${tenant(7)}&outcome=failed&pageSize=50`, 'runs'],
    ['audit: newest page (50)', `${ws}/audit?pageSize=50`, 'audit'],
    ['audit: one tenant, one action (50)', `${ws}/audit?tenantId=${tenant(7)}&action=run.succeeded&pageSize=50`, 'audit'],
    // a filter nothing matches: the page looks at all a page may look at before it answers
    ['runs: a status no run has (50)', `${ws}/runs?status=running&pageSize=50`, 'runs'],
    ['audit: an action no record has (50)', `${ws}/audit?action=tenant.deleted&pageSize=50`, 'audit'],
  ];
  for (const [name, path, collection] of queries) {
    const { ms, failed, held } = await timed(bench, path);
    bench.report.add({ section, name, value: ms, unit: 'ms', target: { op: '≤', value: 100 }, peers: [{ name: 'floor', value: floors[collection] }], note: failed ?? held });
  }

  // the whole chain exported as NDJSON through the gateway, read as it streams; the audit
  // service's RSS sampled meanwhile
  const rss = new RssSampler(bench);
  const before = rss.sample().get('audit') ?? 0;
  rss.start();
  const t0 = performance.now();
  const exported = await api.countLines(`${ws}/audit/export?format=ndjson`);
  const seconds = (performance.now() - t0) / 1000;
  rss.stop();
  const note = exported.status === 200 ? `${exported.lines.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s` : `answered ${exported.status}`;
  bench.report.add({ section, name: 'audit: export of the whole chain (NDJSON, records)', value: exported.lines / seconds, unit: '/s', target: { op: '≥', value: 20_000 }, note });
  bench.report.add({ section, name: 'audit: peak RSS of the audit service during the export', value: rss.peak.get('audit') ?? 0, unit: 'MB', target: { op: '≤', value: 200 }, note: `${Math.round(before)} MB as the export began` });
}

/**
 * Continues the workspace's chain from `end` with `rows` records made by `make(i)` (place end+1+i),
 * stored a segment at a time, each full segment sealed as the audit service seals it when an
 * append fills one. Returns the records stored a second and the segments sealed.
 */
function seedChain(bench: Bench, workspaceId: string, end: number, rows: number, make: (i: number) => Record<string, unknown>): Promise<{ rate: number; sealed: number }> {
  return inDatabase(bench, 'audit', async (db) => {
    const t0 = performance.now();
    const records = db.collection<{ _id: string }>('audit_records');
    const strip = (doc: Record<string, unknown>) => {
      const { _id, ...record } = doc;
      return record as unknown as AuditRecord;
    };
    // the records already on the chain (the workspace's creation), read back by `_id`
    let segmentSoFar: AuditRecord[] = [];
    for (let seq = 1; seq <= end; seq++) segmentSoFar.push(strip((await records.findOne({ _id: `${workspaceId}:${seq}` }))!));
    let sealed = 0;
    for (let done = 0; done < rows; ) {
      const room = SEGMENT_PLACES - ((end + done) % SEGMENT_PLACES);
      const docs = Array.from({ length: Math.min(room, rows - done) }, (_, k) => make(done + k));
      await records.insertMany(docs as never[], { ordered: false });
      segmentSoFar.push(...docs.map(strip));
      done += docs.length;
      if (segmentSoFar.length === SEGMENT_PLACES) {
        const seal = sealSegment(segmentSoFar);
        if (seal) await writeSealed(db, seal);
        sealed += seal ? 1 : 0;
        segmentSoFar = [];
      }
      if (done % (50 * SEGMENT_PLACES) < docs.length) process.stderr.write(`[bench] seeding audit.audit_records (+ segments): ${done.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')}\n`);
    }
    return { rate: rows / ((performance.now() - t0) / 1000), sealed };
  });
}

function moveChainHead(bench: Bench, workspaceId: string, seq: number): Promise<unknown> {
  return inDatabase(bench, 'audit', (db) => db.collection<{ _id: string }>('audit_chain_heads').updateOne({ _id: workspaceId }, { $set: { seq } }));
}

function floorCount(bench: Bench, service: Service, collection: string, filter: Record<string, unknown>): Promise<number> {
  return inDatabase(bench, service, async (db) => {
    const t = performance.now();
    await db.collection(collection).countDocuments(filter);
    return performance.now() - t;
  });
}
