import { randomUUID } from 'node:crypto';
import type { DomainError } from '@tenantatlas/core';
import { waitFor, type ServiceProcess } from '@tenantatlas/testing';
import { connectionFor, startConnections, type ConnectionsFixture } from './testing/connections-fixture';
import { isolatedEnv, operationsClient, startOperations, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-isolation';
const OTHER_WS = 'ws-isolation-other';
const PROVIDER_TYPES = ['provider.connection.check', 'permissions.refresh', 'inventory.sync'];
const completed = (run: { status: string }) => run.status === 'completed';

/** What a caller sees of a refusal: the whole answer, so "identical" means identical. */
const answer = (call: Promise<unknown>) =>
  call.then(
    () => 'accepted',
    (err: DomainError) => ({ kind: err.kind, code: err.code, message: err.message, details: err.details }),
  );

/**
 * A start names a tenant (onboarding's) and, for provider types, a connection (connections'):
 * operations asks each owner before accepting it, and its workers name the tenant again on every
 * provider call. Real processes: onboarding, connections + provider simulator, operations.
 */
describe('operations: a run only touches its own tenant', () => {
  let connections: ConnectionsFixture;
  let env: Record<string, string>;
  let api: ServiceProcess;
  let worker: ServiceProcess | undefined;
  let client: OperationsClient;
  let tenantA = '';
  let tenantB = '';

  beforeAll(async () => {
    connections = await startConnections();
    // every start asks the owners afresh (the few-second cache of positive answers is unit-tested)
    env = {
      ...isolatedEnv('isolation'),
      CONNECTIONS_GRPC_ADDR: connections.service.address,
      ONBOARDING_GRPC_ADDR: connections.tenants.address,
      ADMISSION_CACHE_MS: '0',
    };
    // no worker yet: accepted runs stay queued until a test starts one
    api = await startOperations({ ...env, OPERATIONS_ROLE: 'api' });
    client = operationsClient(api.address);
    [tenantA, tenantB] = await Promise.all([connections.tenants.create(WS, 'Alpha'), connections.tenants.create(WS, 'Beta')]);
  });
  afterAll(async () => {
    client?.close();
    await Promise.all([api?.stop(), worker?.stop()]);
    await connections?.stop();
  });

  const start = (tenantId: string, type: string, subject = '') => client.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenantId, type, subject });

  it("refuses another tenant's or workspace's connection as subject exactly like a random id, and creates nothing", async () => {
    const own = await connectionFor(connections, WS, tenantA);
    const neighbour = await connectionFor(connections, WS, tenantB);
    const foreign = await connectionFor(connections, OTHER_WS, await connections.tenants.create(OTHER_WS));
    for (const type of PROVIDER_TYPES) {
      const random = await answer(start(tenantA, type, randomUUID()));
      expect(random).toEqual({ kind: 'not_found', code: 'RUN.SUBJECT_NOT_FOUND', message: expect.any(String), details: { field: 'subject' } });
      expect(await answer(start(tenantA, type, neighbour.id))).toEqual(random);
      expect(await answer(start(tenantA, type, foreign.id))).toEqual(random);
    }
    expect(await answer(start(tenantA, 'provider.connection.check', own.id))).toBe('accepted');

    for (const subject of [neighbour.id, foreign.id]) {
      expect((await client.ListRuns({ workspace_id: WS, subject })).runs).toEqual([]);
    }
    expect((await client.ListRuns({ workspace_id: WS, tenant_id: tenantA })).runs.map((r) => r.subject)).toEqual([own.id]);
  });

  it('refuses a tenant of another workspace exactly like a random one, on start and on bulk retry', async () => {
    const elsewhere = await connections.tenants.create(OTHER_WS);
    const random = await answer(start(randomUUID(), 'diagnostics.noop'));
    expect(random).toEqual({ kind: 'not_found', code: 'TENANT.NOT_FOUND', message: 'tenant not found', details: {} });
    expect(await answer(start(elsewhere, 'diagnostics.noop'))).toEqual(random);
    const retry = (tenantId: string) => answer(client.RetryFailedRuns({ workspace_id: WS, actor: USER, tenant_id: tenantId }));
    expect(await retry(elsewhere)).toEqual(random);
    expect(await retry(randomUUID())).toEqual(random);
    expect((await client.ListRuns({ workspace_id: WS, tenant_id: elsewhere })).runs).toEqual([]);
    // the tenant is judged before its subject: a foreign tenant with its own connection is not found
    const theirs = await connectionFor(connections, OTHER_WS, elsewhere);
    expect(await answer(start(elsewhere, 'provider.connection.check', theirs.id))).toEqual(random);
  });

  it('fails a queued run whose connection left its tenant, without calling the provider', async () => {
    const { id, target } = await connectionFor(connections, WS, tenantA);
    const { run } = await start(tenantA, 'provider.connection.check', id);
    // the connection now belongs to another tenant (no API moves one; the database stands in for
    // whatever could): the worker asks for it as tenant A's and must not find it
    // (after the service's relay has cleared the creation's outbox in that document: a write racing
    // the clear can be lost on FerretDB, where an update rewrites the whole document)
    const stored = connections.mongo.collection('connections');
    await waitFor(async () => (await stored.findOne({ _id: id }))?.outboxPending === false, { what: 'the connection created event published' });
    await stored.updateOne({ _id: id }, { $set: { tenantId: tenantB } });
    worker = await startOperations({ ...env, OPERATIONS_ROLE: 'worker', WORKER_ID: 'isolation-worker' });
    const done = await waitForRun(client, WS, run!.id, completed);
    expect(done).toMatchObject({ outcome: 'failed', reason_code: 'CONNECTION.NOT_FOUND', attempt_count: 1 });
    expect(done.attempts[0]).toMatchObject({ result: 'failed', error_class: 'permanent' });
    expect(connections.simulator.requests(target)).toEqual([]);
  });

  it('refuses new runs, reruns and retries for an archived tenant, and leaves its runs out of a bulk retry', async () => {
    const tenant = await connections.tenants.create(WS, 'Archived later');
    const { run } = await client.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenant, type: 'diagnostics.scripted', context: { script: 'fail:PROVIDER.UNAVAILABLE' } });
    const failed = await waitForRun(client, WS, run!.id, completed);
    expect(failed.outcome).toBe('failed');
    await connections.tenants.archive(WS, tenant);

    const archived = { kind: 'failed_precondition', code: 'TENANT.ARCHIVED', message: expect.any(String), details: {} };
    expect(await answer(start(tenant, 'diagnostics.noop'))).toEqual(archived);
    expect(await answer(client.RerunRun({ workspace_id: WS, actor: USER, run_id: failed.id }))).toEqual(archived);
    expect(await answer(client.RetryFailedRuns({ workspace_id: WS, actor: USER, tenant_id: tenant }))).toEqual(archived);
    const bulk = await client.RetryFailedRuns({ workspace_id: WS, actor: USER });
    expect(bulk.retried.map((r) => r.failed_run_id)).not.toContain(failed.id);
    expect((await client.ListRuns({ workspace_id: WS, tenant_id: tenant })).runs.map((r) => r.id)).toEqual([failed.id]);
  });
});
