import { DedicatedKafkaBroker, type ServiceProcess, type TenantOwner } from '@tenantatlas/testing';
import { EventLog, isolatedEnv, operationsClient, startOperations, startTenants, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-outage';

describe('operations: Kafka down while runs are started', () => {
  const broker = new DedicatedKafkaBroker();
  let env: Record<string, string>;
  let service: ServiceProcess | undefined;
  let client: OperationsClient | undefined;
  let log: EventLog | undefined;
  let owner: TenantOwner | undefined;
  const tenants: string[] = [];

  beforeAll(async () => {
    await broker.start();
    // onboarding on the shared broker: only the operations process sees the outage
    const withTenants = await startTenants(isolatedEnv('outage'));
    owner = withTenants.owner;
    env = { ...withTenants.env, KAFKA_BROKERS: broker.brokers.join(',') };
    for (let i = 0; i < 4; i++) tenants.push(await owner.create(WS));
    service = await startOperations(env);
    client = operationsClient(service.address);
  });
  afterAll(async () => {
    client?.close();
    await log?.stop();
    await service?.stop();
    await owner?.stop();
    await broker.destroy();
  });

  it('accepts the starts, executes the runs once Kafka is back, and loses no event', async () => {
    await broker.stop();
    const started = await Promise.all(
      tenants.map((tenant_id) => client!.StartRun({ workspace_id: WS, actor: USER, tenant_id, type: 'diagnostics.noop' })),
    );
    expect(started.every((s) => s.run?.status === 'queued' && !s.deduplicated)).toBe(true);
    // nothing can run while dispatch is down, but the runs are stored
    const queued = await client!.GetRun({ workspace_id: WS, run_id: started[0]!.run!.id });
    expect(queued.run?.status).toBe('queued');

    await broker.start();
    const done = await Promise.all(started.map((s) => waitForRun(client!, WS, s.run!.id, (r) => r.status === 'completed', 120_000)));
    expect(done.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

    log = new EventLog(env);
    await log.start();
    for (const s of started) {
      await log.waitForVerb(s.run!.id, 'succeeded', 60_000);
      expect(log.verbs(s.run!.id)).toEqual(['queued', 'started', 'succeeded']);
    }
  });
});
