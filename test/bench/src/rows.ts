/**
 * List and filter latency over many stored rows: a workspace of its own gets `rows` completed runs
 * and `rows` audit records (copies of real ones, written straight into the services' collections,
 * since producing a million through the pipeline would take this machine hours), then the task
 * board's and the audit viewer's queries are timed through the gateway.
 */
import { randomUUID } from 'node:crypto';
import { connectMongo } from '@tenantatlas/store';
import { percentile, testInfra } from '@tenantatlas/testing';
import type { Bench } from './measure';

const BATCH = 2_000;
const TENANTS = 100;
/** above the seqs of the workspace's own records (its creation is audited too) */
const SEQ_BASE = 1_000;

async function seed(bench: Bench, service: 'operations' | 'audit', collection: string, rows: number, make: (i: number) => Record<string, unknown>): Promise<number> {
  const db = await connectMongo(testInfra().mongoUrl, `${bench.stack.prefix}_${service}`.replace(/-/g, '_'));
  const t0 = performance.now();
  try {
    for (let done = 0; done < rows; done += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, rows - done) }, (_, k) => make(done + k));
      await db.collection(collection).insertMany(batch as never[], { ordered: false });
      if ((done / BATCH) % 50 === 0) process.stderr.write(`[bench] seeding ${service}.${collection}: ${done.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')}\n`);
    }
  } finally {
    await db.close();
  }
  return rows / ((performance.now() - t0) / 1000);
}

/**
 * The median of `times` requests; a request that fails (e.g. 503 when the query outlives the
 * services' 10 s gRPC deadline) ends the series: a failed list is reported with what it answered
 * instead of being repeated against a database still busy with the first.
 */
async function timed(bench: Bench, path: string, times = 5): Promise<{ ms: number; failed?: string }> {
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const res = await bench.api.request('GET', path);
    const ms = performance.now() - t;
    if (res.status !== 200) return { ms, failed: `answered ${res.status} ${String(res.json?.code ?? '')} after ${(ms / 1000).toFixed(1)} s` };
    latencies.push(ms);
  }
  return { ms: percentile(latencies, 50) };
}

export async function listOverManyRows(bench: Bench, rows: number): Promise<void> {
  const { api } = bench;
  const created = await api.request('POST', '/api/workspaces', { name: 'Bench rows' });
  const workspaceId = created.json.id as string;
  // a real record to copy, read from the database: the audit list of the bench's own workspace
  // (tens of thousands of records by now) outlives its deadline on FerretDB
  const auditDb = await connectMongo(testInfra().mongoUrl, `${bench.stack.prefix}_audit`.replace(/-/g, '_'));
  const auditDoc = (await auditDb.collection('audit_records').findOne({ action: 'run.succeeded' })) as Record<string, unknown>;
  await auditDb.close();
  const base = Date.now() - rows * 1000;
  const tenant = (i: number) => `rows-tenant-${i % TENANTS}`;

  const runRate = await seed(bench, 'operations', 'runs', rows, (i) => {
    const id = randomUUID();
    const at = new Date(base + i * 1000);
    return { ...bench.runDocument, _id: id, workspaceId, tenantId: tenant(i), createdAt: at, updatedAt: at, completedAt: at, status: 'completed', outcome: i % 7 === 0 ? 'failed' : 'succeeded', outbox: [], outboxPending: false };
  });
  const auditRate = await seed(bench, 'audit', 'audit_records', rows, (i) => ({ ...auditDoc, _id: `${workspaceId}:${SEQ_BASE + i}`, eventId: randomUUID(), workspaceId, tenantId: tenant(i), seq: SEQ_BASE + i, action: i % 3 === 0 ? 'run.succeeded' : 'run.queued' }));
  bench.report.note(`The list figures ran over ${rows.toLocaleString('en-US')} runs and ${rows.toLocaleString('en-US')} audit records in one workspace, written straight into the collections (${Math.round(runRate).toLocaleString('en-US')} and ${Math.round(auditRate).toLocaleString('en-US')} rows/s).`);

  // the floor: one query with the same filter straight through the driver, without a deadline
  // (a count: what any filter but `_id` costs on FerretDB, which reads every document to answer)
  const floors = {
    runs: await floorCount(bench, 'operations', 'runs', { workspaceId }),
    audit: await floorCount(bench, 'audit', 'audit_records', { workspaceId }),
  };
  const ws = `/api/workspaces/${workspaceId}`;
  const section = `list over ${rows.toLocaleString('en-US')} stored rows (median of 5, through the gateway)`;
  const queries: [string, string, keyof typeof floors][] = [
    ['runs: newest page (50)', `${ws}/runs?pageSize=50`, 'runs'],
    ['runs: one tenant, failed (50)', `${ws}/runs?tenantId=${tenant(7)}&outcome=failed&pageSize=50`, 'runs'],
    ['audit: newest page (50)', `${ws}/audit?pageSize=50`, 'audit'],
    ['audit: one tenant, one action (50)', `${ws}/audit?tenantId=${tenant(7)}&action=run.succeeded&pageSize=50`, 'audit'],
  ];
  for (const [name, path, collection] of queries) {
    const { ms, failed } = await timed(bench, path);
    bench.report.add({ section, name, value: ms, unit: 'ms', peers: [{ name: 'floor', value: floors[collection] }], ...(failed ? { note: failed } : {}) });
  }
}

async function floorCount(bench: Bench, service: 'operations' | 'audit', collection: string, filter: Record<string, unknown>): Promise<number> {
  const db = await connectMongo(testInfra().mongoUrl, `${bench.stack.prefix}_${service}`.replace(/-/g, '_'));
  try {
    const t = performance.now();
    await db.collection(collection).countDocuments(filter);
    return performance.now() - t;
  } finally {
    await db.close();
  }
}
