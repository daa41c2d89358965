import * as grpc from '@grpc/grpc-js';
import { isDomainError, type Actor } from '@tenantatlas/core';
import { insecureCredentials, loadProto, PEER_CHANNEL_OPTIONS, peerTarget, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/connections';
import type { Connection__Output } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/Connection';
import type { ConnectionsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import type { ConnectionsPort, NewConnectionInput } from '../../app/ports';
import type { ConnectionEvidence } from '../../domain/evidence';
import { actorToProto } from './mapping';

const date = (value: string | undefined) => (value ? new Date(value) : null);

export function connectionEvidence(c: Connection__Output, observedAt: Date): ConnectionEvidence {
  const p = c.permissions;
  return {
    connectionId: c.id,
    tenantId: c.tenant_id,
    provider: c.provider,
    displayName: c.display_name,
    isDefault: c.is_default,
    enabled: c.enabled,
    consentStatus: c.consent_status || 'unknown',
    verificationStatus: c.verification_status || 'unknown',
    lastReasonCode: c.last_reason_code,
    verificationStale: c.verification_stale,
    missingPermissionCount: (p?.missing_application_count ?? 0) + (p?.missing_delegated_count ?? 0),
    permissionsLastRefreshedAt: date(p?.last_refreshed_at),
    permissionsStale: p?.is_stale ?? false,
    updatedAt: date(c.updated_at),
    version: c.version,
    observedAt,
  };
}

/** ConnectionsPort over the connections service's gRPC API. Secrets pass through, never stay. */
export class GrpcConnections implements ConnectionsPort {
  private readonly client: PromiseClient<ConnectionsServiceClient>;

  constructor(address: string, timeoutMs = 5_000) {
    const { ConnectionsService } = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
    this.client = promiseClient(new ConnectionsService(peerTarget(address), insecureCredentials(), PEER_CHANNEL_OPTIONS) as ConnectionsServiceClient & grpc.Client, timeoutMs);
  }

  async getConnection(workspaceId: string, connectionId: string, tenantId?: string): Promise<ConnectionEvidence | null> {
    try {
      const res = await this.client.GetConnection({ workspace_id: workspaceId, connection_id: connectionId, tenant_id: tenantId ?? '' });
      return res.connection ? connectionEvidence(res.connection, new Date()) : null;
    } catch (err) {
      if (isDomainError(err) && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async createConnection(workspaceId: string, actor: Actor, tenantId: string, input: NewConnectionInput): Promise<ConnectionEvidence> {
    const res = await this.client.CreateConnection({
      workspace_id: workspaceId,
      actor: actorToProto(actor),
      tenant_id: tenantId,
      provider: 'microsoft',
      display_name: input.displayName,
      connection_type: input.connectionType,
      client_id: input.clientId,
      target_tenant_id: input.targetTenantId,
      client_secret: input.clientSecret,
      make_default: input.makeDefault,
    });
    if (!res.connection) throw new Error('connections returned no connection');
    return connectionEvidence(res.connection, new Date());
  }

  close(): void {
    this.client.close();
  }
}
