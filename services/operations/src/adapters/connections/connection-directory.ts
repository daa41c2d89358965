import { isDomainError } from '@tenantatlas/shared';
import type { ConnectionDirectory } from '../../app/ports';
import type { ConnectionsClient } from './connections-client';

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
