import type { ServiceProcess } from '@tenantatlas/testing';
import { connectionFor, PROVIDER_SECRET as SECRET, startConnections, type ConnectionsFixture } from './testing/connections-fixture';
import { isolatedEnv, operationsClient, startOperations, USER, waitForRun, type OperationsClient } from './testing/harness';

const WS = 'ws-provider-runs';

describe('provider run types against the real connections service and provider simulator', () => {
  let connections: ConnectionsFixture;
  let operations: ServiceProcess;
  let client: OperationsClient;

  beforeAll(async () => {
    connections = await startConnections();
    operations = await startOperations({
      ...isolatedEnv('provider'),
      CONNECTIONS_GRPC_ADDR: connections.service.address,
      ONBOARDING_GRPC_ADDR: connections.tenants.address,
    });
    client = operationsClient(operations.address);
  });
  afterAll(async () => {
    client?.close();
    await operations?.stop();
    await connections?.stop();
  });

  /** A new tenant of WS with a connection to a simulated provider tenant. */
  async function tenantWithConnection(): Promise<{ tenantId: string; id: string; target: string }> {
    const tenantId = await connections.tenants.create(WS);
    return { tenantId, ...(await connectionFor(connections, WS, tenantId)) };
  }

  const startRun = (tenantId: string, type: string, subject: string) =>
    client.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenantId, type, subject, context: { trigger: 'itest' } });

  it('verifies a connection after the provider throttled once, waiting at least its Retry-After', async () => {
    const { tenantId, id, target } = await tenantWithConnection();
    connections.simulator.addFault(target, { kind: 'throttle', times: 1, retryAfterSeconds: 2 });
    const { run } = await startRun(tenantId, 'provider.connection.check', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 90_000);
    expect(done).toMatchObject({ outcome: 'succeeded', attempt_count: 2, subject: id });
    const [first, second] = done.attempts;
    expect(first).toMatchObject({ result: 'retry_scheduled', reason_code: 'PROVIDER.THROTTLED', retry_after_ms: 2000 });
    expect(Date.parse(second!.started_at) - Date.parse(first!.ended_at)).toBeGreaterThanOrEqual(2000);
    expect(done.summary_counts).toMatchObject({ checks_failed: 0, missing_permissions: 0 });
    expect(done.summary_counts.checks_passed).toBeGreaterThan(0);
  });

  it('fails at once, without retrying, when consent is missing', async () => {
    const { tenantId, id, target } = await tenantWithConnection();
    connections.simulator.addFault(target, { kind: 'consent_missing' });
    const { run } = await startRun(tenantId, 'provider.connection.check', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 60_000);
    expect(done).toMatchObject({ outcome: 'failed', attempt_count: 1 });
    expect(done.reason_code).toMatch(/^PROVIDER\./);
    expect(JSON.stringify(done)).not.toContain(SECRET);
  });

  it('syncs inventory page by page and reports counts', async () => {
    const { tenantId, id } = await tenantWithConnection();
    const { run } = await startRun(tenantId, 'inventory.sync', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 90_000);
    expect(done.outcome).toBe('succeeded');
    expect(done.summary_counts.pages).toBeGreaterThanOrEqual(2);
    expect(Object.keys(done.summary_counts).sort()).toEqual(['groups', 'pages', 'users']);
  });
});
