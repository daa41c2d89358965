/**
 * The system at rest: no request arrives, so nothing should run but what keeps the processes
 * alive. Stored documents (runs, audit records, drafts, copies of real ones written straight into
 * the services' collections) are brought to a few thousand and then to a hundred thousand, and the
 * CPU of every process is sampled for a minute at each size: work done at rest that reads the
 * collections grows with them (FerretDB answers any filter but an exact `_id` by reading every
 * document), work that does not stays flat.
 */
import { randomUUID } from 'node:crypto';
import { connectMongo } from '@tenantatlas/store';
import { testInfra, waitFor } from '@tenantatlas/testing';
import { cpuShares, untilMachineAtRest, type Bench } from './measure';

const SIZES = [3_000, 100_000];
const SAMPLE_MS = 60_000;
const BATCH = 2_000;
const SERVICES = ['gateway', 'onboarding', 'connections', 'operations', 'audit'] as const;

const dbName = (bench: Bench, service: string) => `${bench.stack.prefix}_${service}`.replace(/-/g, '_');

/** Copies of a real document of each kind, each with a new `_id` and nothing left to publish. */
async function templates(bench: Bench): Promise<{ service: string; collection: string; copy: (id: string) => Record<string, unknown> }[]> {
  const infra = testInfra();
  const read = async (service: string, collection: string) => {
    const db = await connectMongo(infra.mongoUrl, dbName(bench, service));
    try {
      return await waitFor(async () => (await db.collection(collection).findOne({})) as Record<string, unknown> | null ?? undefined, { timeoutMs: 60_000, what: `a document in ${service}.${collection}` });
    } finally {
      await db.close();
    }
  };
  const [audit, draft] = [await read('audit', 'audit_records'), await read('onboarding', 'onboarding_drafts')];
  const settled = { outbox: [], outboxPending: false };
  // above any sequence number the workspace's own records reach (unique per workspace)
  let seq = 1e12;
  return [
    { service: 'operations', collection: 'runs', copy: (id) => ({ ...bench.runDocument, _id: id, status: 'completed', outcome: 'succeeded', ...settled }) },
    { service: 'audit', collection: 'audit_records', copy: (id) => ({ ...audit, _id: id, eventId: id, seq: seq++ }) }, // one record an event (eventId is unique)
    { service: 'onboarding', collection: 'onboarding_drafts', copy: (id) => ({ ...draft, _id: id, tenantId: null, body: { ...(draft.body as object), id, tenantId: null }, ...settled }) },
  ];
}

async function seed(bench: Bench, kinds: Awaited<ReturnType<typeof templates>>, each: number): Promise<void> {
  const infra = testInfra();
  for (const { service, collection, copy } of kinds) {
    const db = await connectMongo(infra.mongoUrl, dbName(bench, service));
    try {
      const stored = await db.collection(collection).estimatedDocumentCount();
      for (let done = stored; done < each; done += BATCH) {
        await db.collection(collection).insertMany(Array.from({ length: Math.min(BATCH, each - done) }, () => copy(randomUUID())) as never[], { ordered: false });
      }
    } finally {
      await db.close();
    }
  }
}

/** Documents with unpublished events in every service's collections (a scan each: only here, before measuring). */
async function pendingEvents(bench: Bench): Promise<number> {
  let pending = 0;
  for (const service of SERVICES) {
    const db = await connectMongo(testInfra().mongoUrl, dbName(bench, service));
    try {
      for (const { name } of await db.db!.listCollections().toArray()) pending += await db.collection(name).countDocuments({ outboxPending: true });
    } finally {
      await db.close();
    }
  }
  return pending;
}

async function storedDocuments(bench: Bench): Promise<number> {
  let total = 0;
  for (const service of SERVICES) {
    const db = await connectMongo(testInfra().mongoUrl, dbName(bench, service));
    try {
      for (const { name } of await db.db!.listCollections().toArray()) total += await db.collection(name).estimatedDocumentCount();
    } finally {
      await db.close();
    }
  }
  return total;
}

async function scheduledRuns(bench: Bench): Promise<number> {
  const db = await connectMongo(testInfra().mongoUrl, dbName(bench, 'operations'));
  try {
    return await db.collection('run_schedule').estimatedDocumentCount();
  } finally {
    await db.close();
  }
}

export async function atRest(bench: Bench): Promise<void> {
  const kinds = await templates(bench);
  const totals = new Map<number, number>();
  for (const size of SIZES) {
    await seed(bench, kinds, Math.ceil(size / kinds.length));
    await waitFor(async () => (await pendingEvents(bench)) === 0, { timeoutMs: 120_000, intervalMs: 1_000, what: 'no outbox event pending' });
    const stored = await storedDocuments(bench);
    // the seeding's own aftermath (FerretDB's SQLite checkpoints, the kernel's writeback) is not
    // the system at rest
    await untilMachineAtRest();
    const scheduledBefore = await scheduledRuns(bench);
    const { shares } = await cpuShares(bench, () => new Promise((resolve) => setTimeout(resolve, SAMPLE_MS)), { withBench: false });
    // the sweepers' one read at rest: due entries of run_schedule, which only active runs have
    bench.report.note(`At rest with ${stored.toLocaleString('en-US')} stored documents, run_schedule held ${scheduledBefore} entries before the sample and ${await scheduledRuns(bench)} after it.`);
    const section = `at rest, ${stored.toLocaleString('en-US')} stored documents (${(size / 1000).toFixed(0)}k seeded), ${SAMPLE_MS / 1000} s without requests (% of one core)`;
    for (const [name, share] of [...shares].sort((a, b) => b[1] - a[1])) bench.report.add({ section, name, value: share, unit: '%' });
    const total = [...shares.values()].reduce((sum, share) => sum + share, 0);
    totals.set(size, total);
    bench.report.add({ section, name: 'whole stack', value: total, unit: '%', target: { op: '≤', value: 3 } });
  }
  const [small, large] = SIZES.map((size) => totals.get(size)!);
  bench.report.add({ section: 'at rest, growth with stored documents', name: `whole stack ${SIZES[1]! / 1000}k ÷ ${SIZES[0]! / 1000}k`, value: large! / small!, unit: '×', target: { op: '≤', value: 1.5 } });
}
