import type { ServiceProcess, TenantOwner } from '@tenantatlas/testing';
import { EventLog, isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-crash';
// short leases so a killed worker's run is noticed within seconds
let env: Record<string, string> = { ...isolatedEnv('crash'), LEASE_MS: '2000' };

describe('operations: a worker killed mid-run', () => {
  let api: ServiceProcess;
  let doomed: ServiceProcess;
  let survivor: ServiceProcess | undefined;
  let client: OperationsClient;
  let owner: TenantOwner;
  let tenantId = '';
  const log = new EventLog(env);

  beforeAll(async () => {
    ({ owner, env } = await startTenants(env));
    tenantId = await owner.create(WS);
    // API-only and worker-only replicas, as a platform team would scale them
    [api, doomed] = await Promise.all([
      startOperations({ ...env, OPERATIONS_ROLE: 'api' }),
      startOperations({ ...env, OPERATIONS_ROLE: 'worker', WORKER_ID: 'doomed-worker' }),
    ]);
    client = operationsClient(api.address);
    await log.start();
  });
  afterAll(async () => {
    client.close();
    await log.stop();
    await Promise.all([api.stop(), doomed.stop('SIGKILL'), survivor?.stop()]);
    await owner?.stop();
  });

  it('is completed by another worker after the lease expires, with exactly one terminal state', async () => {
    // attempt 1 would take a minute; any later attempt succeeds at once
    const { run } = await client.StartRun({
      workspace_id: WS,
      actor: USER,
      tenant_id: tenantId,
      type: 'diagnostics.scripted',
      subject: 'conn-1',
      context: { script: 'sleep:60000+ok,ok' },
    });
    const running = await waitForRun(client, WS, run!.id, (r) => r.status === 'running');
    expect(running.attempts[0]?.worker).toBe('doomed-worker');

    survivor = await startOperations({ ...env, OPERATIONS_ROLE: 'worker', WORKER_ID: 'survivor-worker' });
    await doomed.stop('SIGKILL');

    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 90_000);
    expect(done).toMatchObject({ outcome: 'succeeded', attempt_count: 2 });
    expect(done.attempts.map((a) => [a.worker, a.result, a.reason_code])).toEqual([
      ['doomed-worker', 'lease_expired', 'RUN.WORKER_LOST'],
      ['survivor-worker', 'succeeded', ''],
    ]);

    await log.waitForVerb(run!.id, 'succeeded');
    // give a second terminal event (if there were one) the time to show up
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(log.verbs(run!.id)).toEqual(['queued', 'started', 'retry_scheduled', 'started', 'succeeded']);
    const recovery = await log.waitForVerb(run!.id, 'retry_scheduled');
    expect(recovery.data).toMatchObject({ reasonCode: 'RUN.WORKER_LOST', attempt: 1 });
  });
});
