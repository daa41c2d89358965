/**
 * History written straight into the services' collections, as the services leave it: producing a
 * million rows (or a day of a month ago) through the pipeline would take this machine hours, or
 * cannot be done at all.
 */
import { connectMongo } from '@tenantatlas/store';
import { testInfra } from '@tenantatlas/testing';
import type { Connection } from 'mongoose';
import type { Bench } from './measure';

const BATCH = 2_000;
/** how many runs one revision of a run list names: what a burst of concurrent starts leaves */
const RUNS_PER_REVISION = 20;

export type Service = 'operations' | 'audit';

/** Runs `use` on a connection to the service's database of the bench stack. */
export async function inDatabase<T>(bench: Bench, service: Service, use: (db: Connection) => Promise<T>): Promise<T> {
  const db = await connectMongo(testInfra().mongoUrl, `${bench.stack.prefix}_${service}`.replace(/-/g, '_'));
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/** Inserts `rows` documents made by `make(i)` in batches, with progress; the rows written a second. */
export function seed(bench: Bench, service: Service, collection: string, rows: number, make: (i: number) => Record<string, unknown>): Promise<number> {
  return inDatabase(bench, service, async (db) => {
    const t0 = performance.now();
    for (let done = 0; done < rows; done += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, rows - done) }, (_, k) => make(done + k));
      await db.collection(collection).insertMany(batch as never[], { ordered: false });
      if ((done / BATCH) % 50 === 0) process.stderr.write(`[bench] seeding ${service}.${collection}: ${done.toLocaleString('en-US')} / ${rows.toLocaleString('en-US')}\n`);
    }
    return rows / ((performance.now() - t0) / 1000);
  });
}

/**
 * Lists `runIds` (in the order they were started) in the workspace's run list and their tenants'
 * lists, as the starts leave them (the lists' names as operations' domain/run-list.ts gives them),
 * each revision written at `writtenAt(i)` of its first run.
 */
export async function listRuns(bench: Bench, workspaceId: string, runIds: string[], tenantOf: (i: number) => string, writtenAt?: (i: number) => Date): Promise<void> {
  const lists = new Map<string, number[]>([[workspaceId, runIds.map((_, i) => i)]]);
  runIds.forEach((_, i) => {
    const list = `${workspaceId}|${tenantOf(i)}`;
    if (!lists.has(list)) lists.set(list, []);
    lists.get(list)!.push(i);
  });
  const revisions = [...lists].flatMap(([list, indexes]) =>
    Array.from({ length: Math.ceil(indexes.length / RUNS_PER_REVISION) }, (_, j) => {
      const batch = indexes.slice(j * RUNS_PER_REVISION, (j + 1) * RUNS_PER_REVISION);
      const body = { runIds: batch.map((i) => runIds[i]!), ...(writtenAt ? { at: writtenAt(batch[0]!) } : {}) };
      return { _id: `${list}:${j + 1}`, entityId: list, workspaceId, revision: j + 1, body };
    }),
  );
  await seed(bench, 'operations', 'run_lists', revisions.length, (k) => revisions[k]!);
  const heads = [...lists].map(([list, indexes]) => ({ _id: list, latestRevision: Math.ceil(indexes.length / RUNS_PER_REVISION) }));
  await inDatabase(bench, 'operations', (db) => db.collection<{ _id: string; latestRevision: number }>('run_list_heads').insertMany(heads));
}

/** The seq of the workspace's chain head, once its first record (the workspace's creation) is on it. */
export function chainHead(bench: Bench, workspaceId: string): Promise<number> {
  return inDatabase(bench, 'audit', async (db) => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
      const head = await db.collection<{ _id: string; seq: number }>('audit_chain_heads').findOne({ _id: workspaceId });
      if (head) return head.seq;
    }
    throw new Error(`the creation of workspace ${workspaceId} was not audited within 30 s`);
  });
}
