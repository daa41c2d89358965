import { isDomainError } from '@tenantatlas/core';
import { insecureCredentials, loadProto, PEER_CHANNEL_OPTIONS, promiseClient, type PromiseClient } from '@tenantatlas/grpc';
import type { ProtoGrpcType } from '@tenantatlas/grpc/proto/connections';
import type { ConnectionsServiceClient } from '@tenantatlas/grpc/proto/tenantatlas/connections/v1/ConnectionsService';
import type { ConnectionDirectory } from '../../app/ports';

export type ConnectionsClient = PromiseClient<ConnectionsServiceClient>;

/**
 * The one client of the connections service: it does the provider I/O of the provider run types
 * (see provider-executors.ts) and answers whether a start's subject connection is its tenant's.
 */
export function connectionsClient(address: string, timeoutMs: number): ConnectionsClient {
  const { ConnectionsService } = loadProto<ProtoGrpcType>('tenantatlas/connections/v1/connections.proto').tenantatlas.connections.v1;
  return promiseClient(new ConnectionsService(address, insecureCredentials(), PEER_CHANNEL_OPTIONS), timeoutMs);
}

/**
 * ConnectionDirectory over the connections service's GetConnection with the tenant named: a
 * connection of another tenant or workspace is NOT_FOUND there, like a missing one.
 */
export class GrpcConnectionDirectory implements ConnectionDirectory {
  constructor(
    private readonly connections: ConnectionsClient,
    private readonly timeoutMs: number,
  ) {}

  async belongsTo(workspaceId: string, tenantId: string, connectionId: string): Promise<boolean> {
    try {
      const { connection } = await this.connections.GetConnection(
        { workspace_id: workspaceId, tenant_id: tenantId, connection_id: connectionId },
        { timeoutMs: this.timeoutMs },
      );
      return connection?.tenant_id === tenantId && connection.workspace_id === workspaceId;
    } catch (err) {
      if (isDomainError(err) && err.kind === 'not_found') return false;
      throw err;
    }
  }
}
