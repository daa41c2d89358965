import { connectMongo } from '@tenantatlas/store';
import { waitFor, type ServiceProcess, type TenantOwner } from '@tenantatlas/testing';
import type { Connection } from 'mongoose';
import type { Run__Output } from '@tenantatlas/grpc/proto/tenantatlas/operations/v1/Run';
import { runModels } from './adapters/mongo/run.schema';
import { isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-retained';
/** a workspace that keeps its runs a year */
const WS_LONG = 'ws-retained-long';
const DAY_MS = 24 * 60 * 60 * 1_000;
const env = isolatedEnv('retention', { RETENTION_DAYS_BY_WORKSPACE: `${WS_LONG}=365` });

describe('operations: retention moves runs past the window to the archive', () => {
  let owner: TenantOwner;
  let replicas: ServiceProcess[] = [];
  let clients: OperationsClient[] = [];
  let db: Connection;

  beforeAll(async () => {
    const tenants = await startTenants(env);
    owner = tenants.owner;
    replicas = await Promise.all([startOperations(tenants.env), startOperations(tenants.env)]);
    clients = replicas.map((replica) => operationsClient(replica.address));
    db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await db?.close();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await owner?.stop();
  });

  /** Starts `count` no-op runs of the workspace's tenants on both replicas at once, and waits for them to complete. */
  async function completedRuns(workspaceId: string, tenants: string[], count: number, prefix: string, key?: string): Promise<string[]> {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        clients[i % 2]!.StartRun({ workspace_id: workspaceId, actor: USER, tenant_id: tenants[i % tenants.length]!, type: 'diagnostics.noop', subject: `${prefix}-${i}`, idempotency_key: i === 0 && key ? key : '' }),
      ),
    );
    const ids = started.map((response) => response.run!.id);
    await Promise.all(ids.map((id) => waitForRun(clients[0]!, workspaceId, id, (run) => run.status === 'completed')));
    return ids;
  }

  /** Every run of a list, page by page over both replicas, newest first. */
  async function walk(workspaceId: string, tenantId = ''): Promise<Run__Output[]> {
    const runs: Run__Output[] = [];
    let token = '';
    do {
      const page = await clients[runs.length % 2]!.ListRuns({ workspace_id: workspaceId, tenant_id: tenantId, page: { page_size: 5, page_token: token } });
      runs.push(...page.runs);
      token = page.next_page_token;
    } while (token);
    return runs;
  }

  /**
   * Moves runs 40 days into the past, as if they had run then: retention reads a run's completion
   * time, and nothing has sealed these runs yet (no list was read, no retention pass ran). (An
   * update rewrites the whole document: one that overlaps the relay's clear of the run's events
   * may leave them marked unpublished, which retention then hands to the relay again.)
   */
  async function age(runIds: string[]): Promise<void> {
    const { runs, lists } = runModels(db);
    const back = (date: Date | null | undefined) => (date ? new Date(date.getTime() - 40 * DAY_MS) : null);
    const monthAgo = Date.now() - 30 * DAY_MS;
    // twice, a moment apart: a write that read a run before it was aged may land after
    for (const pass of [1, 2]) {
      if (pass === 2) await new Promise((resolve) => setTimeout(resolve, 500));
      for (const id of runIds) {
        // once the document shows the completion; written again until it holds (the projection of
        // the completion, or the relay's clear, may land over it: each rewrites the whole document)
        await waitFor(async () => {
          const stored = (await runs.findById(id).lean())!;
          if (stored.status !== 'completed') return false;
          if (stored.completedAt!.getTime() < monthAgo) return true;
          await runs.updateOne({ _id: id }, { $set: { createdAt: back(stored.createdAt), updatedAt: back(stored.updatedAt), startedAt: back(stored.startedAt), completedAt: back(stored.completedAt) } });
          return false;
        }, { what: `run ${id} aged`, intervalMs: 100 });
      }
    }
    // and the run-list revisions that list them, written when they were started
    for (const revision of await lists.find({ workspaceId: { $in: [WS, WS_LONG] } }).lean()) {
      await lists.updateOne({ _id: revision._id }, { $set: { 'body.at': back(revision.body.at) } });
    }
  }

  it('archives runs completed before the window: still listed, found by id and replayed, no longer stored live', async () => {
    const tenants = [await owner.create(WS, 'a'), await owner.create(WS, 'b')];
    const longTenant = await owner.create(WS_LONG, 'a');
    const old = await completedRuns(WS, tenants, 12, 'old', 'old-key');
    const oldLong = await completedRuns(WS_LONG, [longTenant], 4, 'old');
    await age([...old, ...oldLong]);
    const before = await Promise.all(old.map(async (id) => (await clients[0]!.GetRun({ workspace_id: WS, run_id: id })).run!));
    const listedBefore = await walk(WS);

    // every 16 starts of a workspace on a replica, a retention pass over the workspace: a round of
    // 32 starts is one pass on each replica (a run whose events are marked unpublished waits for
    // the relay and a later pass)
    const { runs, transitions, archived } = runModels(db);
    const recent: string[] = [];
    const recentLong: string[] = [];
    for (let round = 0; round < 4 && (round === 0 || (await runs.countDocuments({ _id: { $in: old } })) > 0); round++) {
      recent.push(...(await completedRuns(WS, tenants, 32, `recent-${round}`)));
      recentLong.push(...(await completedRuns(WS_LONG, [longTenant], 32, `recent-${round}`)));
    }
    await waitFor(async () => (await runs.countDocuments({ _id: { $in: old } })) === 0, { what: 'old runs leaving the live runs', timeoutMs: 30_000 });
    expect(await archived.countDocuments({ _id: { $in: old } })).toBe(old.length);
    expect(await transitions.countDocuments({ runId: { $in: old } })).toBe(0);
    // the recent runs stay live, and so do the old runs of the workspace that keeps a year
    expect(await runs.countDocuments({ _id: { $in: [...recent, ...oldLong, ...recentLong] } })).toBe(recent.length + oldLong.length + recentLong.length);
    expect(await archived.countDocuments({ _id: { $in: oldLong } })).toBe(0);

    // found by id on either replica, as they were
    for (const [i, id] of old.entries()) expect((await clients[i % 2]!.GetRun({ workspace_id: WS, run_id: id })).run).toEqual(before[i]);
    await expect(clients[0]!.GetRun({ workspace_id: 'ws-other', run_id: old[0]! })).rejects.toMatchObject({ code: 'RUN.NOT_FOUND' });

    // listed: the workspace's list and each tenant's, every run once, newest first
    const listed = await walk(WS);
    expect(listed.map((run) => run.id).sort()).toEqual([...old, ...recent].sort());
    expect(listed.slice(recent.length)).toEqual(listedBefore);
    for (const tenant of tenants) {
      const ofTenant = await walk(WS, tenant);
      expect(ofTenant.map((run) => run.id).sort()).toEqual(listed.filter((run) => run.tenant_id === tenant).map((run) => run.id).sort());
    }

    // an idempotency key of an archived run still answers with it
    const replay = await clients[1]!.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenants[0]!, type: 'diagnostics.noop', subject: 'old-0', idempotency_key: 'old-key' });
    expect(replay).toMatchObject({ replayed: true, run: { id: old[0] } });
  });
});
