import { invalidArgument } from '@tenantatlas/shared';
import { requireText, type Connection } from '../domain/connection';
import { loadConnection, type ConnectionRef } from './load';
import type { ConnectionPage, ConnectionsContext } from './ports';

export function getConnection(ctx: ConnectionsContext, ref: ConnectionRef): Promise<Connection> {
  return loadConnection(ctx.repository, ref);
}

export interface ListQuery {
  workspaceId: string;
  tenantId?: string;
  pageSize?: number;
  pageToken?: string;
}

export const MAX_PAGE_SIZE = 200;

export function listConnections(ctx: ConnectionsContext, query: ListQuery): Promise<ConnectionPage> {
  const workspaceId = requireText(query.workspaceId, 'CONNECTION.WORKSPACE_REQUIRED', 'workspace_id');
  const size = query.pageSize || 50;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidArgument('CONNECTION.INVALID_PAGE_SIZE', `page_size must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return ctx.repository.list(workspaceId, query.tenantId || undefined, query.pageToken || undefined, size);
}
