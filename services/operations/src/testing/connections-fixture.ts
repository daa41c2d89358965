/**
 * The connections service's own test fixture (its process, the provider simulator and an
 * onboarding process owning the tenants), as operations' provider tests use it.
 */
import { randomBytes } from 'node:crypto';
import type { ServiceProcess, TenantOwner } from '@tenantatlas/testing';

export interface ConnectionsFixture {
  service: ServiceProcess;
  tenants: TenantOwner;
  simulator: {
    setTenant(tenant: { tenantId: string; clientSecret?: string }): void;
    addFault(tenantId: string, rule: { kind: string; times?: number; retryAfterSeconds?: number }): void;
    requests(tenantId?: string): { path: string }[];
  };
  client: { CreateConnection(request: Record<string, unknown>): Promise<{ connection?: { id: string } | null }> };
  /** the connections service's database */
  mongo: { collection(name: string): { updateOne(filter: object, update: object): Promise<unknown>; findOne(filter: object): Promise<{ outboxPending?: boolean } | null> } };
  stop(): Promise<void>;
}

// Loaded by path at run time so this package's type check does not compile another service's sources.
const fixturePath = '../../../connections/src/testing/harness';
const fixture = require(fixturePath) as { startHarness(): Promise<ConnectionsFixture>; guid(): string };

export const startConnections = (): Promise<ConnectionsFixture> => fixture.startHarness();
export const guid = (): string => fixture.guid();
export const PROVIDER_SECRET = `ops-itest-${randomBytes(12).toString('hex')}`;

/** A simulated provider tenant and a connection to it for `tenantId` of `workspaceId`. */
export async function connectionFor(connections: ConnectionsFixture, workspaceId: string, tenantId: string): Promise<{ id: string; target: string }> {
  const target = guid();
  connections.simulator.setTenant({ tenantId: target, clientSecret: PROVIDER_SECRET });
  const { connection } = await connections.client.CreateConnection({
    workspace_id: workspaceId,
    actor: { user_id: 'user-1', display_name: 'Ada' },
    tenant_id: tenantId,
    display_name: 'Operations itest',
    client_id: guid(),
    target_tenant_id: target,
    client_secret: PROVIDER_SECRET,
  });
  return { id: connection!.id, target };
}
