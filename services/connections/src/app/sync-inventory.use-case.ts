import { connectionError } from '../domain/errors';
import { INVENTORY_RESOURCES, ProviderFailure, type InventoryPage, type InventoryResource } from '../domain/provider';
import { FAILURE_CLASSES } from '../domain/verification';
import type { CheckCommand } from './check-connection.use-case';
import { loadConnection } from './load';
import type { ConnectionsContext } from './ports';
import { adapterFor, providerTarget } from './provider-target';

export interface SyncInventoryCommand extends CheckCommand {
  resource?: string;
  pageToken?: string;
  pageSize?: number;
}

/** One page of inventory; reads only, so it records nothing and emits nothing. */
export class SyncInventoryUseCase {
  constructor(private readonly ctx: ConnectionsContext) {}

  async execute(cmd: SyncInventoryCommand): Promise<InventoryPage> {
    const resource = (cmd.resource || 'users') as InventoryResource;
    if (!INVENTORY_RESOURCES.includes(resource)) {
      throw connectionError('CONNECTION.INVALID_RESOURCE', `resource must be one of ${INVENTORY_RESOURCES.join(', ')}`);
    }
    const pageSize = cmd.pageSize ?? 0;
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 999) {
      throw connectionError('CONNECTION.INVALID_PAGE_SIZE', 'page_size must be between 0 and 999');
    }
    const connection = await loadConnection(this.ctx.repository, cmd);
    const adapter = adapterFor(this.ctx, connection);
    try {
      return await adapter.listInventory(providerTarget(this.ctx, connection), resource, cmd.pageToken || undefined, pageSize || undefined);
    } catch (err) {
      if (!(err instanceof ProviderFailure)) throw err;
      const cls = FAILURE_CLASSES[err.kind];
      throw connectionError(cls.reasonCode, err.message, {
        retryable: cls.retryable,
        retryAfterMs: cls.retryable ? err.retryAfterMs : 0,
      });
    }
  }
}
