import { randomBytes } from 'node:crypto';
import type { ServiceProcess } from '@tenantatlas/shared/testing';
import { isolatedEnv, operationsClient, startOperations, USER, waitForRun, type OperationsClient } from './testing/harness';

/** The part of the connections service's own test fixture (its process + the provider simulator) used here. */
interface Harness {
  service: ServiceProcess;
  simulator: {
    setTenant(tenant: { tenantId: string; clientSecret?: string }): void;
    addFault(tenantId: string, rule: { kind: string; times?: number; retryAfterSeconds?: number }): void;
  };
  client: { CreateConnection(request: Record<string, unknown>): Promise<{ connection?: { id: string } | null }> };
  stop(): Promise<void>;
}
// Loaded by path at run time so this package's type check does not compile another service's sources.
const fixturePath = '../../connections/src/testing/harness';
const { startHarness, guid } = require(fixturePath) as { startHarness(): Promise<Harness>; guid(): string };

const WS = 'ws-provider-runs';
const SECRET = `ops-itest-${randomBytes(12).toString('hex')}`;

describe('provider run types against the real connections service and provider simulator', () => {
  let connections: Harness;
  let operations: ServiceProcess;
  let client: OperationsClient;

  beforeAll(async () => {
    connections = await startHarness();
    operations = await startOperations({ ...isolatedEnv('provider'), CONNECTIONS_GRPC_ADDR: connections.service.address });
    client = operationsClient(operations.address);
  });
  afterAll(async () => {
    client?.close();
    await operations?.stop();
    await connections?.stop();
  });

  /** A simulated provider tenant with a connection to it; returns the connection id. */
  async function connection(tenantId: string): Promise<{ id: string; target: string }> {
    const target = guid();
    connections.simulator.setTenant({ tenantId: target, clientSecret: SECRET });
    const { connection: created } = await connections.client.CreateConnection({
      workspace_id: WS,
      actor: USER,
      tenant_id: tenantId,
      display_name: 'Operations itest',
      client_id: guid(),
      target_tenant_id: target,
      client_secret: SECRET,
    });
    return { id: created!.id, target };
  }

  const startRun = (tenantId: string, type: string, subject: string) =>
    client.StartRun({ workspace_id: WS, actor: USER, tenant_id: tenantId, type, subject, context: { trigger: 'itest' } });

  it('verifies a connection after the provider throttled once, waiting at least its Retry-After', async () => {
    const { id, target } = await connection('tenant-throttled');
    connections.simulator.addFault(target, { kind: 'throttle', times: 1, retryAfterSeconds: 2 });
    const { run } = await startRun('tenant-throttled', 'provider.connection.check', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 90_000);
    expect(done).toMatchObject({ outcome: 'succeeded', attempt_count: 2, subject: id });
    const [first, second] = done.attempts;
    expect(first).toMatchObject({ result: 'retry_scheduled', reason_code: 'PROVIDER.THROTTLED', retry_after_ms: 2000 });
    expect(Date.parse(second!.started_at) - Date.parse(first!.ended_at)).toBeGreaterThanOrEqual(2000);
    expect(done.summary_counts).toMatchObject({ checks_failed: 0, missing_permissions: 0 });
    expect(done.summary_counts.checks_passed).toBeGreaterThan(0);
  });

  it('fails at once, without retrying, when consent is missing', async () => {
    const { id, target } = await connection('tenant-no-consent');
    connections.simulator.addFault(target, { kind: 'consent_missing' });
    const { run } = await startRun('tenant-no-consent', 'provider.connection.check', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 60_000);
    expect(done).toMatchObject({ outcome: 'failed', attempt_count: 1 });
    expect(done.reason_code).toMatch(/^PROVIDER\./);
    expect(JSON.stringify(done)).not.toContain(SECRET);
  });

  it('fails with the connections error code for a connection that does not exist', async () => {
    const { run } = await startRun('tenant-ghost', 'provider.connection.check', 'no-such-connection');
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 60_000);
    expect(done).toMatchObject({ outcome: 'failed', reason_code: 'CONNECTION.NOT_FOUND', attempt_count: 1 });
  });

  it('syncs inventory page by page and reports counts', async () => {
    const { id } = await connection('tenant-inventory');
    const { run } = await startRun('tenant-inventory', 'inventory.sync', id);
    const done = await waitForRun(client, WS, run!.id, (r) => r.status === 'completed', 90_000);
    expect(done.outcome).toBe('succeeded');
    expect(done.summary_counts.pages).toBeGreaterThanOrEqual(2);
    expect(Object.keys(done.summary_counts).sort()).toEqual(['groups', 'pages', 'users']);
  });
});
