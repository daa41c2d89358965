/**
 * The onboarding service as a real process for the tests of services that ask it about tenants
 * (operations before a run starts, connections before a connection is created): tenants are made
 * the way an operator makes them (IdentifyTenant → a draft-status tenant with an open draft).
 */
import { randomUUID } from 'node:crypto';
import { insecureCredentials, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import { loadProto } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/onboarding';
import type { OnboardingServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/onboarding/v1/OnboardingService';
import { startService, type ServiceProcess } from './index';

const OPERATOR = { user_id: 'tenant-owner-fixture', display_name: 'Fixture', component: '' };

export interface TenantOwner {
  service: ServiceProcess;
  /** host:port, for ONBOARDING_GRPC_ADDR */
  address: string;
  client: PromiseClient<OnboardingServiceClient>;
  /** a new tenant of the workspace (status draft, its onboarding draft open); its id */
  create(workspaceId: string, name?: string): Promise<string>;
  /** cancels the tenant's open draft (an open draft refuses an archive) and archives the tenant */
  archive(workspaceId: string, tenantId: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts onboarding on `env` (Kafka, MongoDB, topic prefix) with a database of its own
 * (`<MONGO_DB>-onboarding`). `peers` are the connections / operations addresses it calls; by
 * default a port nobody listens on (tenants need neither).
 */
export async function startTenantOwner(env: Record<string, string>, peers: { CONNECTIONS_GRPC_ADDR?: string; OPERATIONS_GRPC_ADDR?: string } = {}): Promise<TenantOwner> {
  const service = await startService('onboarding', {
    env: {
      ...env,
      MONGO_DB: `${env.MONGO_DB ?? 'tenant-owner'}-onboarding`,
      CONNECTIONS_GRPC_ADDR: '127.0.0.1:1',
      OPERATIONS_GRPC_ADDR: '127.0.0.1:1',
      ...peers,
    },
    timeoutMs: 60_000,
  });
  const { OnboardingService } = loadProto<ProtoGrpcType>('tenantatlas/onboarding/v1/onboarding.proto').tenantatlas.onboarding.v1;
  const client = promiseClient(new OnboardingService(service.address, insecureCredentials()), 30_000);
  const drafts = new Map<string, string>();
  return {
    service,
    address: service.address,
    client,
    async create(workspaceId, name = 'Fixture tenant') {
      const { tenant, draft } = await client.IdentifyTenant({ workspace_id: workspaceId, actor: OPERATOR, external_tenant_id: randomUUID(), name });
      drafts.set(tenant!.id, draft!.id);
      return tenant!.id;
    },
    async archive(workspaceId, tenantId) {
      const draftId = drafts.get(tenantId);
      if (draftId) {
        const { draft } = await client.GetDraft({ workspace_id: workspaceId, draft_id: draftId });
        if (!['completed', 'cancelled'].includes(draft!.lifecycle_state)) {
          await client.CancelDraft({ workspace_id: workspaceId, actor: OPERATOR, draft_id: draftId, expected_version: draft!.version, reason: 'archived by a test' });
        }
      }
      const { tenant } = await client.GetTenant({ workspace_id: workspaceId, tenant_id: tenantId });
      await client.ArchiveTenant({ workspace_id: workspaceId, actor: OPERATOR, tenant_id: tenantId, expected_version: tenant!.version, reason: 'test' });
    },
    async stop() {
      client.close();
      await service.stop();
    },
  };
}
