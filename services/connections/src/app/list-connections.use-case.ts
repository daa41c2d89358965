import { requireText } from '../domain/connection';
import { connectionError } from '../domain/errors';
import type { ConnectionPage, ConnectionsContext } from './ports';

export interface ListQuery {
  workspaceId: string;
  tenantId?: string;
  pageSize?: number;
  pageToken?: string;
}

export const MAX_PAGE_SIZE = 200;

export class ListConnectionsUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(query: ListQuery): Promise<ConnectionPage> {
    const workspaceId = requireText(query.workspaceId, 'CONNECTION.WORKSPACE_REQUIRED', 'workspace_id');
    const size = query.pageSize || 50;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw connectionError('CONNECTION.INVALID_PAGE_SIZE', `page_size must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    return this.ctx.repository.list(workspaceId, query.tenantId || undefined, query.pageToken || undefined, size);
  }
}
