import type { Connection } from 'mongoose';
import { connectMongo } from '@tenantatlas/store';
import { waitFor, type ServiceProcess, type TenantOwner } from '@tenantatlas/testing';
import { runModel } from './adapters/mongo/run.schema';
import { isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-projection';
const env = isolatedEnv('projection');

/**
 * FerretDB runs an update as read, modify, write the whole document, without isolation: the outbox
 * relay clearing a run's events at the moment the worker projects the run's completion can write
 * back the document as it was before. Nothing transitions a completed run again, so queries of the
 * stored document (the bulk retry's `outcome: failed`) would miss it for good unless something
 * repairs it; lists read the run rolled forward to its last transition.
 */
describe('operations: a completion lost to a concurrent write of the run document', () => {
  let service: ServiceProcess;
  let client: OperationsClient;
  let db: Connection;
  let owner: TenantOwner;
  let tenantId = '';

  beforeAll(async () => {
    const withTenants = await startTenants(env);
    owner = withTenants.owner;
    tenantId = await owner.create(WS);
    service = await startOperations(withTenants.env);
    client = operationsClient(service.address);
    db = await connectMongo(env.MONGO_URL!, env.MONGO_DB!);
  });
  afterAll(async () => {
    client.close();
    await db.close();
    await service.stop();
    await owner?.stop();
  });

  it('is repaired, and the run matches a status filter again', async () => {
    const { run } = await client.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenantId, type: 'diagnostics.noop' });
    const id = run!.id;
    const done = await waitForRun(client, WS, id, (r) => r.status === 'completed');
    expect(done.outcome).toBe('succeeded');

    // what the lost update leaves behind: the stored document as the claim projected it
    const runs = runModel(db);
    const stored = await runs.findById(id).lean();
    await runs.updateOne({ _id: id }, { $set: { status: 'running', outcome: null, completedAt: null, version: stored!.version - 1 } });

    const listed = await waitFor(
      async () => {
        const page = await client.ListRuns({ workspace_id: WS, status: 'completed' });
        return page.runs.find((r) => r.id === id);
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the run to be listed as completed again' },
    );
    expect(listed).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    // and the stored document, which the bulk retry's query reads, is repaired
    const repaired = await waitFor(
      async () => {
        const doc = await runs.findById(id).lean();
        return doc?.status === 'completed' ? doc : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the stored run to be repaired' },
    );
    expect(repaired).toMatchObject({ status: 'completed', outcome: 'succeeded', version: stored!.version });
    const running = await client.ListRuns({ workspace_id: WS, status: 'running' });
    expect(running.runs).toEqual([]);
  });
});
